"""The townships' 24-hour duty on the roster machinery, over two hand-made townships.

Township A has duty officers A1 (leader) and A2 (clerk), B has B1 and B2. The shift DUTY runs 08:30 to 08:30
the next morning; A's rule puts A1 on duty on even days from 1 June and A2 on odd days (a 2-day cycle), B has
no rule (B1 stands on duty every day, B2 never). So in A exactly one person is on duty at any moment.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
import shapely

from hub.domain.roster import LOCAL, Gap
from hub.domain.roster_edit import check_exception, check_rule
from hub.domain.township_duty import TOWNSHIP_DUTY, duty_assignments, duty_at, duty_gaps
from hub.errors import Conflict, NotFound
from hub.store import records as r
from hub.store.catalog import Catalog, Layer

DUTY = r.Shift("DUTY", "24小时值班", "08:30", "08:30")
JUNE_1, JUNE_2 = date(2024, 6, 1), date(2024, 6, 2)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def townships(*exceptions: r.DutyException) -> Catalog:
    towns = [r.Township(shapely.box(0, 0, 1, 1), "", "A", "甲镇"), r.Township(shapely.box(1, 0, 2, 1), "", "B", "乙乡")]
    people = [
        r.DutyOfficer("A1", "A", "张三", "13800000001", "LEADER", "OFF"),
        r.DutyOfficer("A2", "A", "李四", "13800000002", "STAFF", "OFF"),
        r.DutyOfficer("B1", "B", "王五", "13800000003", "LEADER", "DUTY"),
        r.DutyOfficer("B2", "B", "赵六", "13800000004", "STAFF", "OFF"),
    ]
    return Catalog(
        townships=Layer("townships", towns, lambda x: x.code),
        duty_officers={p.id: p for p in people},
        duty_shifts={"DUTY": DUTY},
        duty_rules={"A": r.DutyRule("A", JUNE_1, ("DUTY", "OFF"), (("A1", 0), ("A2", 1)))},
        duty_exceptions={x.id: x for x in exceptions},
    )


def on(catalog: Catalog, town: str, when: datetime) -> dict[str, list[str]]:
    return {d.unit.code: [m.id for m in d.members] for d in duty_at(catalog, town, when)}


def test_the_turn_of_a_day_runs_from_0830_to_0830_the_next_morning() -> None:
    c = townships()
    assert on(c, "A", at(JUNE_1, 10)) == {"A": ["A1"]}
    assert on(c, "A", at(JUNE_2, 3)) == {"A": ["A1"]}  # 1 June's turn, past midnight
    assert on(c, "A", at(JUNE_2, 8, 30)) == {"A": ["A2"]}
    assert on(c, "B", at(JUNE_2, 3)) == {"B": ["B1"]}  # the standing shift, every day
    (duty,) = duty_at(c, "A", at(JUNE_1, 10))
    assert duty.shifts == (DUTY,) and duty.place == "A" and duty.unit.name == "甲镇"


def test_a_day_with_everyone_on_duty_has_no_gap_and_turns_are_listed_by_start() -> None:
    c = townships()
    assert duty_gaps(c, JUNE_1) == []
    turns = duty_assignments(c, JUNE_1)
    assert [(a.member.id, a.place, a.start.hour, a.end.day) for a in turns] == [("A1", "A", 8, 2), ("B1", "B", 8, 2)]


def test_leave_without_cover_leaves_the_township_unattended_from_0830_to_midnight() -> None:
    c = townships(r.DutyException(1, JUNE_1, "A1", "LEAVE"))
    assert on(c, "A", at(JUNE_1, 10)) == {}
    assert duty_gaps(c, JUNE_1) == [Gap("A", at(JUNE_1, 8, 30), at(JUNE_2, 0))]
    assert duty_gaps(c, JUNE_2) == [Gap("A", at(JUNE_2, 0), at(JUNE_2, 8, 30))]


def test_a_duty_officer_of_another_township_can_cover_and_is_listed_under_their_own() -> None:
    c = townships(r.DutyException(1, JUNE_1, "A1", "LEAVE"), r.DutyException(2, JUNE_1, "B2", "COVER", "DUTY", "A"))
    assert on(c, "A", at(JUNE_1, 10)) == {"B": ["B2"]}
    assert duty_gaps(c, JUNE_1) == []


def test_edits_are_checked_with_the_townships_words_and_fields() -> None:
    c = townships(r.DutyException(1, JUNE_1, "A1", "LEAVE"))
    with pytest.raises(Conflict, match="duty officer A1 already has an exception that day") as caught:
        check_exception(c, r.DutyException(0, JUNE_1, "A1", "LEAVE"), roster=TOWNSHIP_DUTY)
    assert caught.value.field == "staffId"
    with pytest.raises(NotFound, match="a COVER needs a known township, got 'C'; use one of A, B") as caught:
        check_exception(c, r.DutyException(0, JUNE_1, "B2", "COVER", "DUTY", "C"), roster=TOWNSHIP_DUTY)
    assert caught.value.field == "townshipCode"
    with pytest.raises(Conflict, match="duty officer B1 belongs to township B, not A") as caught:
        check_rule(c, r.DutyRule("A", JUNE_1, ("DUTY",), (("B1", 0),)), roster=TOWNSHIP_DUTY)
    assert caught.value.field == "teams.0.staff"
