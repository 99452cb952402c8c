"""The townships' 24-hour duty (值班值守) through the API: who is on duty at a moment, worked out here from the
rules in township_duty.json; names masked for the public, phones for admins only, and the day's turns."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape

from tests.common import FIXTURES

SH = ZoneInfo("Asia/Shanghai")
DUTY = """query($t: String!, $at: DateTime) { townshipOnDuty(township: $t, at: $at) {
  townshipCode hotline home { code } shifts { code start end } officers { code role name phone } } }"""


@cache
def duty() -> dict:
    return json.loads((FIXTURES / "township_duty.json").read_text(encoding="utf-8"))


def expected_on_duty(township: str, at: datetime) -> set[str]:
    """The duty officers whose 08:30–08:30 turn is running at a local moment, from the rotation rule."""
    turn = at.date() if at.time() >= time(8, 30) else at.date() - timedelta(days=1)
    rule = next(r for r in duty()["rules"] if r["township_code"] == township)
    days = (turn - date.fromisoformat(rule["anchor"])).days
    cycle = rule["cycle"]
    return {o for o, offset in rule["teams"] if cycle[(offset + days) % len(cycle)] != "OFF"}


@pytest.mark.parametrize(
    ("township", "at"),
    [
        ("411403102", "2023-12-10T10:00:00+08:00"),
        ("411403102", "2023-12-11T03:00:00+08:00"),  # past midnight: still the 10th's turn
        ("411403102", "2023-12-11T08:30:00+08:00"),  # the next turn begins
        ("411403208", "2024-02-29T23:59:00+08:00"),
        ("411403100", "2023-12-09T18:30:00Z"),  # 02:30 on the 10th in Shanghai
    ],
)
def test_who_is_on_duty_for_a_township_follows_its_rotation_around_the_clock(run, township, at):
    out = run(DUTY, {"t": township, "at": at}, role="analyst")["data"]["townshipOnDuty"]
    local = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(SH)
    want = expected_on_duty(township, local)
    (entry,) = out
    assert {o["code"] for o in entry["officers"]} == want and len(want) == 2
    assert sorted(o["role"] for o in entry["officers"]) == ["LEADER", "STAFF"]
    assert entry["home"] == {"code": township} and entry["shifts"] == [
        {"code": "DUTY", "start": "08:30", "end": "08:30"}
    ]
    line = next(x["hotline"] for x in duty()["lines"] if x["township_code"] == township)
    assert entry["hotline"] == line


def test_the_public_sees_masked_names_and_the_duty_line_and_admins_see_phones_logged(writable):
    people = {o["id"]: o for o in duty()["officers"]}
    variables = {"t": "411403101", "at": "2023-12-10T12:00:00+08:00"}
    public = writable(DUTY, variables, role="public")["data"]["townshipOnDuty"][0]
    for o in public["officers"]:
        assert o["name"] == people[o["code"]]["name"][0] + "*" and o["phone"] is None
    admin = writable(DUTY, variables, role="admin", token="duty-1")["data"]["townshipOnDuty"][0]
    assert all(o["phone"] == people[o["code"]]["phone"] for o in admin["officers"])
    writable.store.disclosures.flush()
    seen = writable('{ disclosures(kind: "dutyOfficer.phone", actor: "admin:duty-1") { subjects } }')
    assert sorted(seen["data"]["disclosures"][0]["subjects"]) == sorted(o["code"] for o in admin["officers"])


def test_locate_in_a_township_tells_who_is_on_duty_there(run):
    village = json.loads((FIXTURES / "villages.geojson").read_text(encoding="utf-8"))["features"][40]
    p = shape(village["geometry"]).representative_point()
    at = "2023-12-10T21:00:00+08:00"
    loc = run(
        """query($lon: Float!, $lat: Float!, $at: DateTime) { locate(lon: $lon, lat: $lat, at: $at) {
             township { code dutyHotline } townshipOnDuty { officers { code } } onDuty { squad { code } } } }""",
        {"lon": p.x, "lat": p.y, "at": at},
    )["data"]["locate"]
    town = village["properties"]["township_code"]
    assert loc["township"]["code"] == town and loc["onDuty"] == []
    assert {o["code"] for o in loc["townshipOnDuty"][0]["officers"]} == expected_on_duty(
        town, datetime.fromisoformat(at)
    )


def test_the_days_turns_cover_every_township_and_leave_no_gap(run):
    out = run('{ dutyAssignments(date: "2023-12-10") { townshipCode officer { code } start end } '
              'dutyCoverageGaps(date: "2023-12-10") { townshipCode } }')["data"]  # fmt: skip
    assert len(out["dutyAssignments"]) == 26 and out["dutyCoverageGaps"] == []
    assert {a["townshipCode"] for a in out["dutyAssignments"]} == {r["township_code"] for r in duty()["rules"]}
    assert all(a["start"] == "2023-12-10T08:30:00+08:00" and a["end"] == "2023-12-11T08:30:00+08:00"
               for a in out["dutyAssignments"])  # fmt: skip


def test_an_unknown_township_is_refused_naming_it(run):
    out = run('{ townshipOnDuty(township: "411403001") { townshipCode } }')
    assert out["errors"][0]["extensions"]["code"] == "NOT_FOUND" and "411403001" in out["errors"][0]["message"]


ADD = """mutation($i: AddDutyExceptionInput!) { addDutyException(input: $i) {
  replayed userErrors { field code message } exception { id kind staffId townshipCode } } }"""
GAPS = '{ dutyCoverageGaps(date: "2023-12-20") { townshipCode start end } }'


def add(writable, role="admin", **fields):
    values = {"clientId": str(uuid.uuid4()), "date": "2023-12-20", **fields}
    return writable(ADD, {"i": values}, role=role)["data"]["addDutyException"]


def test_leave_cover_and_withdrawal_on_the_townships_duty_roster_through_the_api(writable):
    town = "411403205"  # 娄店乡
    on = expected_on_duty(town, datetime(2023, 12, 20, 12, tzinfo=SH))
    assert add(writable, role="public", staffId=sorted(on)[0], kind="LEAVE")["userErrors"][0]["code"] == "FORBIDDEN"
    for staff in sorted(on):
        assert add(writable, staffId=staff, kind="LEAVE", note="病假")["userErrors"] == []
    gaps = writable(GAPS)["data"]["dutyCoverageGaps"]
    assert gaps == [{"townshipCode": town, "start": "2023-12-20T08:30:00+08:00", "end": "2023-12-21T00:00:00+08:00"}]
    again = add(writable, staffId=sorted(on)[0], kind="LEAVE")
    assert again["userErrors"][0]["code"] == "CONFLICT" and again["userErrors"][0]["field"] == "staffId"
    helper = next(o["id"] for o in duty()["officers"] if o["township_code"] == "411403100" and o["id"] not in on)
    cover = add(writable, staffId=helper, kind="COVER", shiftCode="DUTY", townshipCode=town)
    assert cover["userErrors"] == [] and cover["exception"]["townshipCode"] == town
    assert writable(GAPS)["data"]["dutyCoverageGaps"] == []
    who = writable(DUTY, {"t": town, "at": "2023-12-20T12:00:00+08:00"})["data"]["townshipOnDuty"]
    assert [(d["home"]["code"], [o["code"] for o in d["officers"]]) for d in who] == [("411403100", [helper])]
    removed = writable(
        "mutation($i: RemoveDutyExceptionInput!) { removeDutyException(input: $i) { userErrors { code } } }",
        {"i": {"clientId": str(uuid.uuid4()), "id": cover["exception"]["id"]}},
    )["data"]["removeDutyException"]
    assert removed["userErrors"] == [] and len(writable(GAPS)["data"]["dutyCoverageGaps"]) == 1
    audit = writable('{ auditLog(entity: "duty_exception") { action } }')["data"]["auditLog"]
    assert sorted(a["action"] for a in audit) == ["add", "add", "add", "remove"]
    notes = writable('{ dutyExceptions(date: "2023-12-20") { note } }', role="public")["data"]["dutyExceptions"]
    assert notes and all(n["note"] is None for n in notes)
