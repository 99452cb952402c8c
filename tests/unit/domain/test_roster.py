"""Rosters: standing shifts, rotation rules, dated exceptions, who is on duty, coverage gaps, edit checks.

A small hand-built brigade, so every expectation can be worked out on paper: squad A holds sector
NORTH and squad B sector SOUTH, each with one officer on EARLY (07–15), MIDDLE (12–20) and NIGHT
(20–02). With nobody away, each sector is covered 07:00–02:00 without a break.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest

from hub.domain import roster
from hub.domain.roster import (
    LOCAL,
    Assignment,
    Gap,
    assignments,
    coverage_gaps,
    covers,
    local_time,
    minutes,
    on_duty,
    rostered,
    sector_codes,
)
from hub.domain.roster_edit import check_exception, check_rule
from hub.errors import Conflict, InputError, NotFound
from hub.store import Store
from hub.store.catalog import Catalog
from hub.store.records import Officer, RosterException, RosterRule, Shift, Squad
from hub.store.resync import merge

NIGHT = Shift("NIGHT", "夜班", "20:00", "02:00")
EARLY = Shift("EARLY", "早班", "07:00", "15:00")
MIDDLE = Shift("MIDDLE", "中班", "12:00", "20:00")
LATE = Shift("LATE", "晚班", "16:00", "24:00")

JUNE_1 = date(2024, 6, 1)
JUNE_2 = date(2024, 6, 2)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL)


def brigade(*exceptions: RosterException, rules: tuple[RosterRule, ...] = ()) -> Catalog:
    """Two squads of three, one sector each; no spatial records (as ``load_catalog`` builds, but empty)."""
    officers = [
        Officer(f"{squad}{n}", squad, f"officer {squad}{n}", "", "CITY_MANAGEMENT", "OFFICER", shift)
        for squad in ("A", "B")
        for n, shift in ((1, "EARLY"), (2, "MIDDLE"), (3, "NIGHT"))
    ]
    return Catalog(
        squads={"A": Squad("A", "squad A", "NORTH", ""), "B": Squad("B", "squad B", "SOUTH", "")},
        officers={o.id: o for o in officers},
        shifts={s.code: s for s in (EARLY, MIDDLE, LATE, NIGHT)},
        roster_rules={r.squad_code: r for r in rules},
        roster_exceptions={x.id: x for x in exceptions},
    )


def shifts_on(catalog: Catalog, day: date) -> dict[str, tuple[str, str]]:
    return {a.officer.id: (a.shift.code, a.sector_code) for a in assignments(catalog, day)}


def on_duty_ids(catalog: Catalog, sector: str, at: datetime) -> dict[str, list[str]]:
    return {d.squad.code: [o.id for o in d.officers] for d in on_duty(catalog, sector, at)}


def leave(id: int, officer: str, day: date = JUNE_1) -> RosterException:
    return RosterException(id, day, officer, "LEAVE")


def swap(id: int, officer: str, other: str, day: date = JUNE_1) -> RosterException:
    return RosterException(id, day, officer, "SWAP", swap_with=other)


def cover(id: int, officer: str, shift: str, sector: str, day: date = JUNE_1) -> RosterException:
    return RosterException(id, day, officer, "COVER", shift_code=shift, sector_code=sector)


ROTATION = RosterRule("A", JUNE_1, ("EARLY", "EARLY", "LATE", "LATE", "OFF"), (("A1", 0), ("A2", 2)))


# --- times of day ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("shift", "at", "expected"),
    [
        (EARLY, time(6, 59), False),
        (EARLY, time(7, 0), True),
        (EARLY, time(14, 59), True),
        (EARLY, time(15, 0), False),
        (NIGHT, time(19, 59), False),
        (NIGHT, time(20, 0), True),
        (NIGHT, time(0, 0), True),
        (NIGHT, time(1, 59), True),
        (NIGHT, time(2, 0), False),
    ],
)
def test_a_shift_covers_from_its_start_up_to_but_not_including_its_end(shift, at, expected):
    assert covers(shift, at) is expected


def test_a_utc_moment_is_read_in_shanghai_time():
    assert local_time(datetime(2024, 6, 1, 13, 30, tzinfo=UTC)).hour == 21


def test_a_time_of_day_outside_the_clock_is_refused():
    with pytest.raises(ValueError, match="not a time of day"):
        minutes("25:00")


# --- building the roster --------------------------------------------------------------------------


def test_without_a_rule_every_officer_works_their_standing_shift_in_their_squads_sector():
    assert shifts_on(brigade(), JUNE_1) == {
        "A1": ("EARLY", "NORTH"),
        "A2": ("MIDDLE", "NORTH"),
        "A3": ("NIGHT", "NORTH"),
        "B1": ("EARLY", "SOUTH"),
        "B2": ("MIDDLE", "SOUTH"),
        "B3": ("NIGHT", "SOUTH"),
    }


def test_assignments_are_sorted_by_start_then_officer_and_filter_by_squad_or_sector():
    catalog = brigade()
    assert [a.officer.id for a in assignments(catalog, JUNE_1)] == ["A1", "B1", "A2", "B2", "A3", "B3"]
    assert [a.officer.id for a in assignments(catalog, JUNE_1, squad="B")] == ["B1", "B2", "B3"]
    assert [a.officer.id for a in assignments(catalog, JUNE_1, sector="NORTH")] == ["A1", "A2", "A3"]


def test_an_assignment_carries_shanghai_times_and_a_midnight_end_is_the_next_day():
    catalog = brigade(cover(1, "A2", "LATE", "NORTH"))
    late = next(a for a in assignments(catalog, JUNE_1) if a.officer.id == "A2")
    assert late == Assignment(JUNE_1, late.officer, "A", "NORTH", LATE, local(JUNE_1, 16), local(JUNE_2, 0))
    assert late.start.isoformat() == "2024-06-01T16:00:00+08:00"


@pytest.mark.parametrize(
    ("officer", "day", "expected"),
    [
        ("A1", date(2024, 6, 1), "EARLY"),  # the anchor: position 0
        ("A1", date(2024, 6, 2), "EARLY"),
        ("A1", date(2024, 6, 3), "LATE"),
        ("A1", date(2024, 6, 5), "OFF"),
        ("A1", date(2024, 6, 6), "EARLY"),  # the cycle starts again
        ("A1", date(2024, 5, 31), "OFF"),  # before the anchor: (0 - 1) mod 5 = 4
        ("A1", date(2024, 5, 30), "LATE"),
        ("A1", date(2024, 5, 27), "EARLY"),
        ("A2", date(2024, 6, 1), "LATE"),  # offset 2
        ("A2", date(2024, 5, 31), "EARLY"),
        ("A2", date(2024, 6, 3), "OFF"),
        ("A3", date(2024, 6, 5), "NIGHT"),  # not in the rule: the standing shift
        ("B1", date(2024, 6, 5), "EARLY"),  # another squad: no rule
    ],
)
def test_a_rule_cycle_gives_the_right_shift_before_and_after_its_anchor(officer, day, expected):
    catalog = brigade(rules=(ROTATION,))
    assert rostered(catalog, catalog.officers[officer], day) == expected
    assert shifts_on(catalog, day).get(officer, ("OFF", "NORTH"))[0] == expected


def test_a_night_shift_of_one_day_is_on_duty_after_midnight_until_its_end():
    catalog = brigade()
    assert on_duty_ids(catalog, "NORTH", local(JUNE_1, 20)) == {"A": ["A3"]}
    assert on_duty_ids(catalog, "NORTH", local(JUNE_2, 1, 30)) == {"A": ["A3"]}
    assert on_duty_ids(catalog, "NORTH", local(JUNE_2, 2)) == {}
    night = on_duty(catalog, "NORTH", local(JUNE_2, 1, 30))[0]
    assert night.shifts == (NIGHT,)
    assert night.sector_code == "NORTH"


def test_who_is_on_duty_at_every_half_hour_equals_the_shifts_of_both_days_running_then():
    # on_duty skips the day before once its last shift (NIGHT, to 02:00) is over; the answer must not change
    catalog = brigade(leave(1, "A3", JUNE_2), cover(2, "A2", "MIDDLE", "SOUTH", JUNE_2))
    for sector in ("NORTH", "SOUTH"):
        for step in range(48):
            at = local(JUNE_2, step // 2, 30 * (step % 2))
            both = [a for d in (JUNE_1, JUNE_2) for a in assignments(catalog, d, sector=sector)]
            expected: dict[str, set[str]] = {}
            for a in both:
                if a.start <= at < a.end:
                    expected.setdefault(a.unit, set()).add(a.member.id)
            assert {k: set(v) for k, v in on_duty_ids(catalog, sector, at).items()} == expected, (sector, at)


def test_a_places_assignments_on_each_date_of_two_cycles_equal_the_whole_dates_assignments_there():
    # a place's assignments are taken from who the rules put there at the same point of the cycles; with two
    # squads on cycles of 5 and 3 days from different anchors and exceptions on some dates, every date of two
    # whole periods (30 days, asked in an order that meets each point of the cycles again) must equal the
    # whole date worked out from scratch in another catalog
    rules = (ROTATION, RosterRule("B", date(2024, 5, 20), ("NIGHT", "OFF", "EARLY"), (("B1", 0), ("B2", 1), ("B3", 2))))
    exceptions = (
        leave(1, "A1", date(2024, 6, 3)),
        cover(2, "B3", "MIDDLE", "NORTH", date(2024, 6, 9)),
        swap(3, "A2", "B1", date(2024, 6, 17)),
    )
    days = [date(2024, 6, 1) + timedelta(days=(7 * i) % 30) for i in range(30)]
    by_place, whole = brigade(*exceptions, rules=rules), brigade(*exceptions, rules=rules)
    for day in days:
        for sector in ("NORTH", "SOUTH"):
            expected = [a for a in assignments(whole, day) if a.sector_code == sector]
            assert assignments(by_place, day, sector=sector) == expected, (day, sector)


def test_on_duty_groups_overlapping_shifts_and_lists_their_distinct_shifts():
    duty = on_duty(brigade(), "SOUTH", local(JUNE_1, 13))
    assert [(d.squad.code, [o.id for o in d.officers]) for d in duty] == [("B", ["B1", "B2"])]
    assert duty[0].shifts == (EARLY, MIDDLE)


def test_a_late_shift_before_a_day_off_runs_up_to_midnight_and_not_past_it():
    # A2 (offset 2) works LATE 16–24 on 2 June (cycle day 3) and is OFF on 3 June (cycle day 4).
    catalog = brigade(rules=(ROTATION,))
    assert "A2" in on_duty_ids(catalog, "NORTH", local(JUNE_2, 23, 59))["A"]
    assert "A2" not in on_duty_ids(catalog, "NORTH", local(date(2024, 6, 3), 0)).get("A", [])


def test_a_swap_exchanges_two_officers_shifts_that_day_only():
    catalog = brigade(swap(1, "A1", "A3"))
    assert shifts_on(catalog, JUNE_1)["A1"] == ("NIGHT", "NORTH")
    assert shifts_on(catalog, JUNE_1)["A3"] == ("EARLY", "NORTH")
    assert shifts_on(catalog, JUNE_2)["A1"] == ("EARLY", "NORTH")
    assert shifts_on(catalog, JUNE_2)["A3"] == ("NIGHT", "NORTH")
    assert on_duty_ids(catalog, "NORTH", local(JUNE_2, 1)) == {"A": ["A1"]}


def test_a_swap_across_squads_exchanges_the_sectors_too():
    catalog = brigade(swap(1, "A1", "B3"))
    assert shifts_on(catalog, JUNE_1)["A1"] == ("NIGHT", "SOUTH")
    assert shifts_on(catalog, JUNE_1)["B3"] == ("EARLY", "NORTH")
    assert on_duty_ids(catalog, "NORTH", local(JUNE_1, 8)) == {"B": ["B3"]}


def test_a_cover_puts_an_officer_of_one_squad_on_duty_in_another_squads_sector():
    catalog = brigade(cover(1, "A2", "MIDDLE", "SOUTH"))
    assert on_duty_ids(catalog, "SOUTH", local(JUNE_1, 13)) == {"A": ["A2"], "B": ["B1", "B2"]}
    a_duty = on_duty(catalog, "SOUTH", local(JUNE_1, 13))[0]
    assert (a_duty.squad.code, a_duty.sector_code, a_duty.shifts) == ("A", "SOUTH", (MIDDLE,))
    assert on_duty_ids(catalog, "NORTH", local(JUNE_1, 13)) == {"A": ["A1"]}
    assert [a.officer.id for a in assignments(catalog, JUNE_1, squad="A", sector="SOUTH")] == ["A2"]


def test_leave_takes_an_officer_off_for_that_day():
    catalog = brigade(leave(1, "A3"))
    assert "A3" not in shifts_on(catalog, JUNE_1)
    assert on_duty_ids(catalog, "NORTH", local(JUNE_1, 21)) == {}
    assert on_duty_ids(catalog, "NORTH", local(JUNE_2, 21)) == {"A": ["A3"]}


def test_on_duty_with_a_utc_moment_equals_the_answer_in_local_time():
    catalog = brigade(cover(1, "A2", "MIDDLE", "SOUTH"))
    for utc, here in [
        (datetime(2024, 6, 1, 5, 0, tzinfo=UTC), local(JUNE_1, 13)),
        (datetime(2024, 6, 1, 17, 30, tzinfo=UTC), local(JUNE_2, 1, 30)),  # after midnight locally only
    ]:
        assert on_duty(catalog, "SOUTH", utc) == on_duty(catalog, "SOUTH", here) != []
        assert on_duty(catalog, "SOUTH", here.replace(tzinfo=None)) == on_duty(catalog, "SOUTH", here)


# --- coverage gaps --------------------------------------------------------------------------------


def test_a_full_brigade_leaves_no_gap_in_the_working_hours():
    assert coverage_gaps(brigade(), JUNE_1) == []


def test_leave_that_uncovers_a_sector_is_reported_with_the_exact_stretch():
    # A2 (MIDDLE 12–20) away: NORTH has EARLY until 15:00 and NIGHT from 20:00.
    catalog = brigade(leave(1, "A2"))
    assert coverage_gaps(catalog, JUNE_1) == [Gap("NORTH", local(JUNE_1, 15), local(JUNE_1, 20))]
    assert coverage_gaps(catalog, JUNE_2) == []


def test_gaps_at_both_ends_of_the_working_day_and_in_a_covered_squads_own_sector():
    # A1 (EARLY) covers SOUTH on NIGHT; A3 (NIGHT) is on leave: NORTH is bare 07–12 and 20–02.
    catalog = brigade(cover(1, "A1", "NIGHT", "SOUTH"), leave(2, "A3"))
    assert coverage_gaps(catalog, JUNE_1) == [
        Gap("NORTH", local(JUNE_1, 7), local(JUNE_1, 12)),
        Gap("NORTH", local(JUNE_1, 20), local(JUNE_2, 2)),
    ]


def test_a_sector_nobody_is_assigned_to_is_one_gap_over_the_whole_working_day():
    catalog = brigade()
    catalog.squads["C"] = Squad("C", "squad C", "EAST", "")
    assert sector_codes(catalog) == ["EAST", "NORTH", "SOUTH"]
    assert coverage_gaps(catalog, JUNE_1) == [Gap("EAST", local(JUNE_1, 7), local(JUNE_2, 2))]


def test_working_hours_are_configurable():
    catalog = brigade(leave(1, "A3"))
    assert coverage_gaps(catalog, JUNE_1, hours=("07:00", "20:00")) == []
    assert coverage_gaps(catalog, JUNE_1, hours=("06:00", "21:00")) == [
        Gap("NORTH", local(JUNE_1, 6), local(JUNE_1, 7)),
        Gap("NORTH", local(JUNE_1, 20), local(JUNE_1, 21)),
        Gap("SOUTH", local(JUNE_1, 6), local(JUNE_1, 7)),
    ]


# --- checking edits -------------------------------------------------------------------------------


def refused(error: type[Exception], check: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises(error) as caught:
        check(*args, **kwargs)
    return caught.value


def test_a_sound_rule_and_sound_exceptions_pass():
    catalog = brigade(leave(1, "A2"))
    check_rule(catalog, ROTATION)
    check_exception(catalog, swap(0, "A1", "A3"))
    check_exception(catalog, cover(0, "B2", "MIDDLE", "NORTH"))
    check_exception(catalog, leave(0, "A2", JUNE_2))
    check_exception(catalog, dataclasses.replace(leave(1, "A2"), note="updated"))  # an update is not its own rival


def test_a_second_exception_for_an_officer_on_one_day_is_refused_with_the_one_it_meets():
    catalog = brigade(leave(1, "A2"))
    error = refused(Conflict, check_exception, catalog, cover(0, "A2", "EARLY", "SOUTH"))
    assert "A2 already has an exception" in error.message
    assert "exception 1: A2 is on leave on 2024-06-01" in error.message
    assert error.field == "officerId"


def test_a_swap_with_someone_on_leave_is_refused():
    catalog = brigade(leave(1, "A2"))
    error = refused(Conflict, check_exception, catalog, swap(0, "A1", "A2"))
    assert "A2 already has an exception" in error.message
    assert "on leave" in error.message
    assert error.field == "swapWith"


def test_an_officer_in_a_swap_already_has_an_exception_that_day():
    catalog = brigade(swap(1, "A1", "A3"))
    error = refused(Conflict, check_exception, catalog, leave(0, "A3"))
    assert "A1 swaps shifts with A3" in error.message


def test_a_swap_with_someone_rostered_off_is_refused():
    catalog = brigade(rules=(ROTATION,))  # A1 is OFF on 5 June
    error = refused(Conflict, check_exception, catalog, swap(0, "A3", "A1", date(2024, 6, 5)))
    assert "A1 is not working on 2024-06-05 (rostered OFF)" in error.message


def test_an_unknown_shift_in_a_rule_is_refused_naming_the_day_of_the_cycle():
    rule = dataclasses.replace(ROTATION, cycle=("EARLY", "BRUNCH", "OFF"))
    error = refused(NotFound, check_rule, brigade(), rule)
    assert isinstance(error, InputError)
    assert "day 1 of the cycle names no shift 'BRUNCH'" in error.message
    assert error.field == "cycle.1"


def test_an_officer_of_another_squad_in_a_team_is_refused():
    rule = dataclasses.replace(ROTATION, teams=(("A1", 0), ("B2", 1)))
    error = refused(Conflict, check_rule, brigade(), rule, field="rule")
    assert "officer B2 belongs to squad B, not A" in error.message
    assert error.field == "rule.teams.1.officer"


@pytest.mark.parametrize(
    ("change", "error", "words"),
    [
        ({"squad_code": "Z"}, NotFound, "no squad 'Z'"),
        ({"cycle": ()}, InputError, "at least one day"),
        ({"teams": (("A1", 5),)}, InputError, "outside the 5-day cycle"),
        ({"teams": (("A1", -1),)}, InputError, "outside the 5-day cycle"),
        ({"teams": (("A1", 0), ("A1", 1))}, InputError, "listed twice"),
        ({"teams": (("X9", 0),)}, NotFound, "no officer 'X9'"),
    ],
)
def test_a_malformed_rule_is_refused_saying_what_is_wrong(change, error, words):
    with pytest.raises(error, match=words):
        check_rule(brigade(), dataclasses.replace(ROTATION, **change))


@pytest.mark.parametrize(
    ("exc", "error", "words"),
    [
        (RosterException(0, JUNE_1, "A1", "HOLIDAY"), InputError, "kind must be one of LEAVE, SWAP, COVER"),
        (leave(0, "X9"), NotFound, "no officer 'X9'"),
        (RosterException(0, JUNE_1, "A1", "SWAP"), InputError, "needs swapWith"),
        (swap(0, "A1", "A1"), InputError, "cannot swap with themselves"),
        (swap(0, "A1", "X9"), NotFound, "no officer 'X9'"),
        (cover(0, "A1", "BRUNCH", "SOUTH"), NotFound, "known shift"),
        (cover(0, "A1", "LATE", "WEST"), NotFound, "known sector"),
        (dataclasses.replace(leave(0, "A1"), shift_code="LATE"), InputError, "takes no shiftCode"),
    ],
)
def test_a_malformed_exception_is_refused_saying_what_is_wrong(exc, error, words):
    with pytest.raises(error, match=words):
        check_exception(brigade(), exc)


# --- the demo data --------------------------------------------------------------------------------


def test_the_demo_brigade_covers_every_sector_from_seven_to_two_and_nobody_is_out_at_four(stores):
    store = Store(stores.demo()).open()
    try:
        catalog = store.data
        assert sector_codes(catalog) == ["NE", "NW", "SE", "SW"]
        for day in (JUNE_1, date(2024, 12, 13)):
            assert coverage_gaps(catalog, day) == []
        for sector in sector_codes(catalog):
            assert on_duty(catalog, sector, local(JUNE_2, 4)) == []
            assert on_duty(catalog, sector, local(JUNE_2, 1, 59)) != []
        assert len(assignments(catalog, JUNE_1)) == 66
    finally:
        store.close()


def test_an_officer_added_by_an_import_is_on_duty_at_once_though_the_day_was_worked_out_before():
    catalog = brigade()
    assert on_duty_ids(catalog, "NORTH", local(JUNE_1, 9)) == {"A": ["A1"]}  # the day is remembered now
    fresh = brigade()
    fresh.officers["A4"] = Officer("A4", "A", "officer A4", "", "CITY_MANAGEMENT", "OFFICER", "EARLY")
    merge(catalog, fresh)  # what reading the store again after an import does
    assert on_duty_ids(catalog, "NORTH", local(JUNE_1, 9)) == {"A": ["A1", "A4"]}


def test_a_rule_changed_while_a_places_rota_is_worked_out_leaves_no_wrong_rota_for_later_dates(monkeypatch):
    # the follower thread may apply a rule between the moment a reader takes the cycles' phase and the moment it
    # remembers the rota: the rota worked out then must not be remembered as the new rule's
    old = RosterRule("A", JUNE_1, ("EARLY", "OFF"), (("A1", 0),))  # A1 works EARLY on June 1, 3, 5, ...
    new = RosterRule("A", JUNE_2, ("EARLY", "OFF"), (("A1", 0),))  # and now on June 2, 4, 6, ...
    catalog = brigade(rules=(old,))
    remembered = roster._remembered

    def racing(catalog_: Catalog, name: str, r: roster.Roster, work_out: Any) -> Any:
        found = remembered(catalog_, name, r, work_out)
        if name == "cycles_by_place" and catalog_.roster_rules["A"] is old:
            catalog_.apply(new)  # the change lands right here
        return found

    monkeypatch.setattr(roster, "_remembered", racing)
    on_duty(catalog, "NORTH", local(JUNE_1, 9))
    monkeypatch.setattr(roster, "_remembered", remembered)
    for day in range(2, 9):
        at = local(date(2024, 6, day), 9)
        assert on_duty_ids(catalog, "NORTH", at) == on_duty_ids(brigade(rules=(new,)), "NORTH", at), day
