"""Incidents through the API: dispatch to the squad on shift, the workflow's rules, idempotent reports."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from hub.domain.roster import on_duty
from hub.geo.measure import destination
from tests.common import CENTRE

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 5, 21, 35, tzinfo=SH)  # a Wednesday evening
SEEN = "2024-06-05T21:30:00+08:00"
REPORT = """mutation($input: ReportIncidentInput!) { reportIncident(input: $input) {
  replayed userErrors { field message code }
  incident { id caseNumber category state sectorCode squadCode deadline seenAt description
             steps { action fromState toState note } allowedActions } } }"""
ADVANCE = """mutation($input: AdvanceIncidentInput!) { advanceIncident(input: $input) {
  replayed userErrors { field message code } incident { state closedAt steps { action } } } }"""


def report(
    writable,
    *,
    bearing=135,
    meters=700,
    category="OPEN_AIR_BARBECUE",
    role="officer",
    squad="SQ2",
    client_id=None,
    seen=SEEN,
    **extra,
):
    lon, lat = destination(*CENTRE, bearing, meters)
    variables = {
        "input": {
            "clientId": client_id or str(uuid.uuid4()),
            "category": category,
            "lon": lon,
            "lat": lat,
            "description": "露天烧烤，占用人行道",
            "seenAt": seen,
            **extra,
        }
    }
    return writable(REPORT, variables, role=role, squad=squad, now=NOW)["data"]["reportIncident"]


def advance(writable, incident_id, action, *, role="admin", squad=None, note="", now=NOW):
    variables = {"input": {"clientId": str(uuid.uuid4()), "incidentId": incident_id, "action": action, "note": note}}
    return writable(ADVANCE, variables, role=role, squad=squad, now=now)["data"]["advanceIncident"]


def test_an_incident_in_the_south_east_at_2130_goes_to_the_squad_on_shift_there_with_its_deadline(writable):
    out = report(writable)
    assert out["userErrors"] == []
    case = out["incident"]
    assert case["sectorCode"] == "SE"
    duty = on_duty(writable.store.data, "SE", datetime(2024, 6, 5, 21, 30, tzinfo=SH))
    assert case["squadCode"] in {d.squad.code for d in duty}
    se_squad = next(s.code for s in writable.store.data.squads.values() if s.sector_code == "SE")
    assert case["squadCode"] == se_squad
    assert case["state"] == "DISPATCHED"
    # open-air barbecue: 1 clock hour from the dispatch (the report, at NOW)
    assert datetime.fromisoformat(case["deadline"]) == NOW + timedelta(hours=1)
    assert case["steps"][0]["action"] == "REGISTER"


def test_the_same_report_sent_twice_creates_one_case_and_a_changed_replay_is_a_conflict(writable):
    cid = str(uuid.uuid4())
    before = len(writable.store.data.incidents)
    a = report(writable, client_id=cid)
    b = report(writable, client_id=cid)
    assert (a["replayed"], b["replayed"]) == (False, True)
    assert a["incident"]["id"] == b["incident"]["id"]
    assert len(writable.store.data.incidents) == before + 1
    c = report(writable, client_id=cid, category="ILLEGAL_PARKING_MOTOR")
    assert c["userErrors"][0]["code"] == "CONFLICT"
    assert len(writable.store.data.incidents) == before + 1


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"category": "LITTERING"}, "category", None),
        ({"client_id": "12345"}, "clientId", "BAD_INPUT"),
        ({"seen": "2024-06-06T21:30:00+08:00"}, "seenAt", None),
        ({"bearing": 45, "meters": 3000}, "location", "BAD_INPUT"),
        ({"photos": ["ftp://x/y.jpg"]}, None, None),
    ],
)
def test_bad_reports_are_refused_and_nothing_is_stored(writable, kwargs, field, code):
    before = len(writable.store.data.incidents)
    out = report(writable, **kwargs)
    assert out["incident"] is None
    err = out["userErrors"][0]
    if field:
        assert err["field"].startswith(field), err
    if code:
        assert err["code"] == code, err
    assert len(writable.store.data.incidents) == before


def test_an_admin_may_register_a_case_outside_the_sectors(writable):
    out = report(writable, bearing=45, meters=3000, role="admin", squad=None)
    assert out["userErrors"] == [] and out["incident"]["sectorCode"] is None


def test_the_workflow_runs_from_dispatch_to_close_with_each_step_kept(writable):
    case = report(writable)["incident"]
    squad = case["squadCode"]
    assert advance(writable, case["id"], "ACCEPT", role="officer", squad=squad)["incident"]["state"] == "HANDLING"
    assert (
        advance(writable, case["id"], "REPORT_HANDLED", role="officer", squad=squad)["incident"]["state"] == "HANDLED"
    )
    assert advance(writable, case["id"], "SEND_BACK", note="摊位仍在")["incident"]["state"] == "HANDLING"
    advance(writable, case["id"], "REPORT_HANDLED", role="officer", squad=squad)
    advance(writable, case["id"], "VERIFY")
    done = advance(writable, case["id"], "CLOSE")["incident"]
    assert done["state"] == "CLOSED" and done["closedAt"]
    assert [s["action"] for s in done["steps"]] == [
        "REGISTER",
        "ACCEPT",
        "REPORT_HANDLED",
        "SEND_BACK",
        "REPORT_HANDLED",
        "VERIFY",
        "CLOSE",
    ]


@pytest.mark.parametrize("action", ["REPORT_HANDLED", "VERIFY", "CLOSE", "SEND_BACK"])
def test_a_disallowed_transition_is_refused_with_the_allowed_ones(writable, action):
    case = report(writable)["incident"]
    out = advance(writable, case["id"], action, note="x")
    assert out["userErrors"][0]["code"] == "CONFLICT"
    assert "allowed: ACCEPT" in out["userErrors"][0]["message"]


def test_another_squad_cannot_move_the_case(writable):
    case = report(writable)["incident"]
    other = next(s for s in ("SQ1", "SQ2", "SQ3", "SQ4") if s != case["squadCode"])
    out = advance(writable, case["id"], "ACCEPT", role="officer", squad=other)
    assert out["userErrors"][0]["code"] == "FORBIDDEN"
    state = writable("query($id: ID!) { node(id: $id) { ... on Incident { state } } }", {"id": case["id"]})
    assert state["data"]["node"]["state"] == "DISPATCHED"


def test_the_public_sees_where_and_what_but_not_the_description(writable):
    report(writable)
    cases = writable(
        "{ incidents(first: 5) { nodes { category state description photos reportedBy steps { action } } } }",
        role="public",
    )["data"]["incidents"]["nodes"]
    assert cases and all(c["description"] is None and c["reportedBy"] is None and c["steps"] == [] for c in cases)


def test_open_and_overdue_cases_of_a_squad(writable):
    case = report(writable)["incident"]
    squad = case["squadCode"]
    opened = writable("query($s: String!) { openCases(squad: $s) { id } }", {"s": squad}, now=NOW)
    assert case["id"] in {c["id"] for c in opened["data"]["openCases"]}
    later = NOW + timedelta(hours=2)
    overdue = writable("query($s: String) { overdueCases(squad: $s) { id overdue } }", {"s": squad}, now=later)
    assert case["id"] in {c["id"] for c in overdue["data"]["overdueCases"]}
    assert all(c["overdue"] for c in overdue["data"]["overdueCases"])


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_moments_far_outside_the_calendar_are_refused_with_the_field(writable, when):
    out = report(writable, seen=when)
    assert out["userErrors"][0]["field"] == "seenAt" and "outside" in out["userErrors"][0]["message"]
    found = writable("query($w: DateTime) { incidents(since: $w) { totalCount } }", {"w": when})
    assert found["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    patrols = writable('{ patrols(date: "9999-12-31") { id } }')
    assert patrols["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    exc = writable(
        """mutation($c: String!) { addRosterException(input: {clientId: $c, date: "9999-12-31", officerId: "OF01",
           kind: LEAVE}) { userErrors { field code } } }""",
        {"c": str(uuid.uuid4())},
    )
    assert exc["data"]["addRosterException"]["userErrors"][0]["field"] == "date"
