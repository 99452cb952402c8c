"""Safety-hazard campaigns through the API: the demo campaign's figures from the records (read independently
from the fixture files), what the public, staff and inspectors see, the inspection's refusals as userErrors,
idempotent and audited writes, and the weekly bulletin against figures worked out by hand from the files."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape

from tests.common import CENTRE, FIXTURES

SH = ZoneInfo("Asia/Shanghai")
CAMPAIGN = "SJ-LCYD-2023"
SONGJI = "411403100"
OTHER_TOWN = "411403101"  # 郭村镇
NOW = datetime(2023, 12, 12, 18, 0, tzinfo=SH)
LOG = """mutation($input: LogInspectionInput!) { logInspection(input: $input) {
  replayed userErrors { field message code }
  inspection { inspectionId premisesId townshipCode hazardsFound premises { name category villageCode }
               hazards { hazardId severity state dueOn description steps { action toState } } } } }"""
ADVANCE = """mutation($input: AdvanceHazardInput!) { advanceHazard(input: $input) {
  replayed userErrors { field code message } hazard { hazardId state closedAt overdue allowedActions } } }"""


@cache
def features(name: str) -> list[dict]:
    return json.loads((FIXTURES / f"{name}.geojson").read_text(encoding="utf-8"))["features"]


@cache
def safety() -> dict:
    return json.loads((FIXTURES / "safety.json").read_text(encoding="utf-8"))


def props(name: str) -> list[dict]:
    return [f["properties"] for f in features(name)]


def village_point(town: str) -> dict[str, float]:
    v = next(f for f in features("villages") if f["properties"]["township_code"] == town)
    p = shape(v["geometry"]).representative_point()
    return {"lon": p.x, "lat": p.y}


def inspection(**fields) -> dict:
    return {
        "clientId": str(uuid.uuid4()),
        "campaignCode": CAMPAIGN,
        "inspectedAt": "2023-12-12T10:00:00+08:00",
        "premises": {"name": "宋集测试饭店", "category": "RESTAURANT", **village_point(SONGJI)},
        "hazards": [
            {
                "kind": "GAS",
                "severity": "MAJOR",
                "description": "液化气瓶放在灶台下，联系人张三13900001111",
                "dueOn": "2023-12-20",
            },
            {"kind": "FIRE_FACILITIES", "severity": "GENERAL", "description": "灭火器过期", "dueOn": "2023-12-14"},
        ],
        **fields,
    }


def log(writable, role="inspector", unit=SONGJI, **fields):
    out = writable(LOG, {"input": inspection(**fields)}, role=role, unit=unit, now=NOW)
    assert "errors" not in out, out
    return out["data"]["logInspection"]


def test_the_campaigns_premises_not_yet_inspected_are_those_no_inspection_in_the_files_names(run):
    seen = {i["premises_id"] for i in props("inspections")}
    expected = sorted(p["name"] for p in props("premises") if p["id"] not in seen)
    out = run(f'{{ uninspectedPremises(campaign: "{CAMPAIGN}") {{ name township {{ name }} }} }}')["data"]
    assert sorted(p["name"] for p in out["uninspectedPremises"]) == expected
    assert {p["township"]["name"] for p in out["uninspectedPremises"]} == {"宋集镇"}


def test_open_and_overdue_hazards_by_category_and_severity_match_the_files(run):
    open_states = {"FOUND", "ASSIGNED", "RECTIFYING", "RECTIFIED"}
    hazards = props("hazards")
    expected = Counter((h["category"], h["severity"]) for h in hazards if h["state"] in open_states)
    overdue = Counter(  # every deadline of the demo is in 2023: all still to be rectified are overdue now
        (h["category"], h["severity"]) for h in hazards if h["state"] in {"FOUND", "ASSIGNED", "RECTIFYING"}
    )
    out = run(
        f'{{ hazardFigures(groupBy: [TOWNSHIP, CATEGORY, SEVERITY], filter: {{campaigns: ["{CAMPAIGN}"]}}) '
        "{ groups { key { township { code } category severity } open overdue count } } }"
    )["data"]["hazardFigures"]["groups"]
    assert {g["key"]["township"]["code"] for g in out} == {SONGJI}
    assert {(g["key"]["category"], g["key"]["severity"]): g["open"] for g in out if g["open"]} == dict(expected)
    assert {(g["key"]["category"], g["key"]["severity"]): g["overdue"] for g in out if g["overdue"]} == dict(overdue)
    listed = run('{ hazards(overdue: true, township: "411403100", first: 1000) { totalCount } }')["data"]
    assert listed["hazards"]["totalCount"] == sum(overdue.values())


def test_the_public_sees_where_and_how_severe_but_not_what_was_found_nor_the_steps(writable):
    query = "{ hazards(first: 1) { nodes { severity category description reportedBy steps { note } } } }"
    public = writable(query, role="public")["data"]["hazards"]["nodes"][0]
    assert public["severity"] and public["description"] is None and public["steps"] == []
    inspector = writable(query, role="inspector", unit=SONGJI)["data"]["hazards"]["nodes"][0]
    assert inspector["description"] and inspector["steps"]
    elsewhere = writable(query, role="inspector", unit=OTHER_TOWN)["data"]["hazards"]["nodes"][0]
    assert elsewhere["description"] is None


def test_an_inspection_registers_new_premises_and_its_hazards_and_a_retry_is_a_replay(writable):
    key = str(uuid.uuid4())
    first = log(writable, clientId=key)
    assert first["userErrors"] == [] and first["replayed"] is False
    made = first["inspection"]
    assert made["townshipCode"] == SONGJI and made["hazardsFound"] == 2
    assert made["premises"]["category"] == "RESTAURANT" and made["premises"]["villageCode"].startswith(SONGJI)
    assert [h["state"] for h in made["hazards"]] == ["FOUND", "FOUND"]
    assert made["hazards"][0]["steps"] == [{"action": "REPORT", "toState": "FOUND"}]
    again = log(writable, clientId=key)
    assert again["replayed"] is True and again["inspection"]["inspectionId"] == made["inspectionId"]
    audit = writable(f'{{ auditLog(entity: "inspection", entityId: "{made["inspectionId"]}") {{ actor }} }}')
    assert [a["actor"] for a in audit["data"]["auditLog"]] == ["inspector:t"]


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        (
            {"premises": {"name": "城里", "category": "RESTAURANT", "lon": CENTRE[0], "lat": CENTRE[1]}},
            "OUTSIDE_AREA",
            "premises.location",
        ),
        (
            {"premises": {"name": "郭村", "category": "RESTAURANT", **village_point(OTHER_TOWN)}},
            "NOT_ASSIGNED",
            "premises.location",
        ),
        (
            {"premises": {"name": "某场所", "category": "KARAOKE", **village_point(SONGJI)}},
            "BAD_INPUT",
            "premises.category",
        ),
        (
            {"hazards": [{"kind": "GAS", "severity": "GENERAL", "description": "x", "dueOn": "2023-12-11"}]},
            "BAD_INPUT",
            "hazards[0].dueOn",
        ),
        (
            {"hazards": [{"kind": "GAS", "severity": "SEVERE", "description": "x", "dueOn": "2023-12-20"}]},
            "BAD_INPUT",
            "hazards[0].severity",
        ),
        ({"inspectedAt": "2023-11-01T10:00:00+08:00"}, "BAD_INPUT", "inspectedAt"),
    ],
    ids=[
        "outside every township",
        "another township",
        "unknown category",
        "deadline before the finding",
        "unknown severity",
        "before the campaign",
    ],
)
def test_a_bad_inspection_is_refused_with_a_user_error_and_writes_nothing(writable, fields, code, field):
    before = writable("{ stats { hazards premises inspections } }")["data"]["stats"]
    out = log(writable, **fields)
    assert out["inspection"] is None
    assert (out["userErrors"][0]["code"], out["userErrors"][0]["field"]) == (code, field), out["userErrors"]
    assert writable("{ stats { hazards premises inspections } }")["data"]["stats"] == before


def test_the_unknown_category_message_names_the_known_ones(writable):
    fields = {"premises": {"name": "某场所", "category": "KARAOKE", **village_point(SONGJI)}}
    message = log(writable, **fields)["userErrors"][0]["message"]
    assert "unknown category 'KARAOKE'" in message and "BATH_CENTRE" in message


def test_an_inspector_of_another_township_may_not_log_in_this_campaign(writable):
    out = log(writable, unit=OTHER_TOWN)
    assert out["userErrors"][0]["code"] == "NOT_ASSIGNED"
    assert log(writable, role="officer", unit=None)["userErrors"][0]["code"] == "FORBIDDEN"


def test_a_hazard_goes_from_found_to_verified_and_leaves_the_open_count(writable):
    hazard = log(writable)["inspection"]["hazards"][1]["hazardId"]
    open_before = writable("{ stats { hazardsOpen } }")["data"]["stats"]["hazardsOpen"]
    for action in ("ASSIGN", "START", "REPORT_RECTIFIED", "VERIFY"):
        out = writable(
            ADVANCE,
            {"input": {"clientId": str(uuid.uuid4()), "hazardId": str(hazard), "action": action}},
            role="inspector",
            unit=SONGJI,
            now=NOW + timedelta(hours=1),
        )["data"]["advanceHazard"]
        assert out["userErrors"] == [], out
    assert out["hazard"]["state"] == "VERIFIED" and out["hazard"]["allowedActions"] == []
    assert writable("{ stats { hazardsOpen } }")["data"]["stats"]["hazardsOpen"] == open_before - 1
    refused = writable(
        ADVANCE,
        {"input": {"clientId": str(uuid.uuid4()), "hazardId": str(hazard), "action": "START"}},
        role="inspector",
        unit=OTHER_TOWN,
    )["data"]["advanceHazard"]
    assert refused["userErrors"][0]["code"] == "FORBIDDEN"


def hand_bulletin(monday: date) -> dict[str, int]:
    """The bulletin's total line worked out from the files for a past week (states as of its end)."""
    sunday = monday + timedelta(days=6)
    end = datetime.combine(sunday + timedelta(days=1), datetime.min.time(), SH)
    steps: dict[int, list[dict]] = {}
    for s in safety()["steps"]:
        steps.setdefault(s["case_id"], []).append(s)

    def state_at(h: dict) -> str | None:
        reached = [s["to_state"] for s in steps[h["id"]] if datetime.fromisoformat(s["at"]) <= end]
        return reached[-1] if reached else None

    hazards = [h for h in props("hazards") if h["campaign_code"] == CAMPAIGN]
    found = [h for h in hazards if datetime.fromisoformat(h["found_at"]) <= end]
    states = {h["id"]: state_at(h) for h in found}
    rectified = {
        h["id"]
        for h in found
        if any(s["action"] == "REPORT_RECTIFIED" and datetime.fromisoformat(s["at"]) <= end for s in steps[h["id"]])
    }
    inspections = [i for i in props("inspections") if date.fromisoformat(i["inspected_on"]) <= sunday]
    week = [i for i in inspections if date.fromisoformat(i["inspected_on"]) >= monday]
    return {
        "premises": len(props("premises")),
        "inspected": len({i["premises_id"] for i in inspections}),
        "inspectionsThisWeek": len(week),
        "foundThisWeek": sum(date.fromisoformat(h["found_at"][:10]) >= monday for h in found),
        "found": len(found),
        "verified": sum(s == "VERIFIED" for s in states.values()),
        "open": sum(s != "VERIFIED" for s in states.values()),
        "overdue": sum(
            states[h["id"]] != "VERIFIED"
            and h["id"] not in rectified
            and date.fromisoformat(h["due_on"]) < sunday  # overdue once its day has ended
            for h in found
        ),
    }


def test_the_weekly_bulletin_of_a_past_week_adds_up_to_the_figures_worked_out_from_the_files(run):
    monday = date(2023, 12, 4)
    out = run(
        f'{{ hazardBulletin(campaign: "{CAMPAIGN}", week: "2023-12-06") {{ number weekStart weekEnd '
        "total { premises inspected inspectionsThisWeek foundThisWeek found verified open overdue } "
        "lines { found } overdue { hazardId } } }"
    )["data"]["hazardBulletin"]
    assert (out["number"], out["weekStart"], out["weekEnd"]) == (3, "2023-12-04", "2023-12-10")
    assert out["total"] == hand_bulletin(monday)
    assert sum(line["found"] for line in out["lines"]) == out["total"]["found"]
    assert len(out["overdue"]) == out["total"]["overdue"]
