"""Residents' micro-services through the API: the article's "200余件" for 文化街道 from the records, requests by
compound, community, team, kind, state and month against the fixture files, open requests older than N days,
who sees the volunteers and the residents, and the volunteers' writes (refused with userErrors, idempotent)."""

from __future__ import annotations

import base64
import json
import uuid
from collections import Counter
from datetime import datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import pytest

from tests.common import FIXTURES

SH = ZoneInfo("Asia/Shanghai")
WENHUA = "411403002"
NOW = datetime(2023, 12, 12, 18, 0, tzinfo=SH)
LOG = """mutation($input: LogServiceRequestInput!) { logServiceRequest(input: $input) {
  replayed userErrors { field code message } request { requestId teamCode state compoundId communityCode
  subdistrictCode deadline residentName description } } }"""
ADVANCE = """mutation($input: AdvanceServiceRequestInput!) { advanceServiceRequest(input: $input) {
  userErrors { field code message } request { state rating volunteers { code } closedAt } } }"""


@cache
def requests() -> list[dict]:
    doc = json.loads((FIXTURES / "service_requests.geojson").read_text(encoding="utf-8"))
    return [f["properties"] for f in doc["features"]]


@cache
def services() -> dict:
    return json.loads((FIXTURES / "microservices.json").read_text(encoding="utf-8"))


def served_compound(team: str) -> int:
    team_row = next(t for t in services()["teams"] if t["code"] == team)
    compounds = json.loads((FIXTURES / "compounds.geojson").read_text(encoding="utf-8"))["features"]
    return next(
        c["properties"]["id"] for c in compounds if c["properties"]["community_code"] in team_row["community_codes"]
    )


def other_compound() -> int:
    compounds = json.loads((FIXTURES / "compounds.geojson").read_text(encoding="utf-8"))["features"]
    return next(c["properties"]["id"] for c in compounds if c["properties"]["subdistrict_code"] != WENHUA)


def test_wenhua_has_provided_200_odd_micro_services_and_the_api_counts_them_from_the_records(run):
    out = run(
        f'{{ serviceRequestFigures(groupBy: [SUBDISTRICT], filter: {{subdistricts: ["{WENHUA}"]}}) '
        "{ total { count done } groups { key { subdistrict { name } } done } } stats { serviceRequestsDone } }"
    )["data"]
    done = sum(r["state"] in ("DONE", "RATED") for r in requests() if r["subdistrict_code"] == WENHUA)
    total = out["serviceRequestFigures"]["total"]
    assert 200 < total["done"] < 300 and total["done"] == done  # 微小服务200余件
    assert out["serviceRequestFigures"]["groups"] == [{"key": {"subdistrict": {"name": "文化街道"}}, "done": done}]


def test_micro_services_done_by_month_follow_the_day_each_was_first_reported_done(run):
    done_day = {}
    for s in services()["steps"]:
        if s["action"] == "FINISH" and s["case_id"] not in done_day:
            done_day[s["case_id"]] = s["at"][:7]
    expected = Counter(done_day.values())
    out = run("{ serviceRequestFigures(groupBy: [MONTH], dateBy: DONE) { groups { key { month } done } } }")["data"]
    got = {g["key"]["month"]: g["done"] for g in out["serviceRequestFigures"]["groups"] if g["key"]["month"]}
    assert got == dict(expected)


@pytest.mark.parametrize(
    ("args", "keep"),
    [
        ('team: "WH-GA"', lambda r: r["team_code"] == "WH-GA"),
        ('kind: "LIGHT_BULB"', lambda r: r["kind"] == "LIGHT_BULB"),
        ("state: TAKEN", lambda r: r["state"] == "TAKEN"),
        ('month: "2023-11"', lambda r: r["requested_at"].startswith("2023-11")),
        (
            'team: "WH-DY", month: "2023-09", kind: "PHONE_BILL"',
            lambda r: (
                r["team_code"] == "WH-DY" and r["requested_at"].startswith("2023-09") and r["kind"] == "PHONE_BILL"
            ),
        ),
    ],
)
def test_requests_are_found_by_team_kind_state_and_month(run, args, keep):
    out = run(f"{{ serviceRequests({args}, first: 1000) {{ totalCount nodes {{ requestId }} }} }}")["data"]
    expected = sorted(r["id"] for r in requests() if keep(r))
    assert sorted(n["requestId"] for n in out["serviceRequests"]["nodes"]) == expected
    assert out["serviceRequests"]["totalCount"] == len(expected)


def test_requests_are_found_by_compound_and_community(run):
    first = requests()[0]
    by_compound = run(f"{{ serviceRequests(compound: {first['compound_id']}) {{ totalCount }} }}")["data"]
    assert by_compound["serviceRequests"]["totalCount"] == sum(
        r["compound_id"] == first["compound_id"] for r in requests()
    )
    community = first["community_code"]
    by_community = run(f'{{ serviceRequests(community: "{community}") {{ totalCount }} }}')["data"]
    assert by_community["serviceRequests"]["totalCount"] == sum(r["community_code"] == community for r in requests())


def test_open_requests_older_than_n_days_are_those_still_to_be_done_made_before_then(writable):
    out = writable("{ openServiceRequests(olderThanDays: 3) { requestId } }", now=NOW)["data"]
    cutoff = NOW - timedelta(days=3)
    expected = [
        r["id"]
        for r in sorted(requests(), key=lambda r: (r["requested_at"], r["id"]))
        if r["state"] in ("REQUESTED", "TAKEN") and datetime.fromisoformat(r["requested_at"]) < cutoff
    ]
    assert [r["requestId"] for r in out["openServiceRequests"]] == expected and expected


@pytest.mark.parametrize(
    ("role", "unit", "name", "phone"),
    [
        ("public", None, "masked", None),
        ("analyst", None, "full", None),
        ("volunteer", "WH-GA", "masked", None),
        ("volunteer", "WH-DY", "full", "full"),
        ("admin", None, "full", "full"),
    ],
)
def test_volunteers_names_are_masked_and_phones_kept_to_their_team(writable, role, unit, name, phone):
    people = {v["id"]: v for v in services()["volunteers"]}
    out = writable('{ volunteers(team: "WH-DY") { code name phone } }', role=role, unit=unit)["data"]["volunteers"]
    for v in out:
        real = people[v["code"]]
        assert v["name"] == (real["name"] if name == "full" else real["name"][0] + "*")
        assert v["phone"] == (real["phone"] if phone == "full" else None)


def test_a_request_shows_the_public_no_resident_and_no_free_text_and_the_team_sees_them_logged(writable):
    first = requests()[0]
    fields = "residentName residentPhone description"
    query = f'{{ node(id: "{_gid(first["id"])}") {{ ... on ServiceRequest {{ {fields} }} }} }}'
    public = writable(query, role="public")["data"]["node"]
    assert public == {"residentName": None, "residentPhone": None, "description": None}
    analyst = writable(query, role="analyst")["data"]["node"]
    assert analyst["residentName"] == first["resident_name"][0] + "*" and analyst["residentPhone"] is None
    team = writable(query, role="volunteer", unit=first["team_code"], token="v7")["data"]["node"]
    assert (team["residentName"], team["description"]) == (first["resident_name"], first["description"])
    writable.store.disclosures.flush()
    seen = writable('{ disclosures(kind: "serviceRequest.residentName", actor: "volunteer:v7") { views } }')
    assert seen["data"]["disclosures"][0]["views"] >= 1


def _gid(key: int) -> str:
    return base64.b64encode(f"ServiceRequest:{key}".encode()).decode()


def log(writable, role="volunteer", unit="WH-DY", **fields):
    values = {
        "clientId": str(uuid.uuid4()),
        "compoundId": served_compound("WH-DY"),
        "kind": "LIGHT_BULB",
        "requestedAt": "2023-12-12T09:00:00+08:00",
        "description": "三楼楼道灯不亮",
        "residentName": "李秀英",
        "residentPhone": "13900002222",
        **fields,
    }
    return writable(LOG, {"input": values}, role=role, unit=unit, now=NOW)["data"]["logServiceRequest"]


def test_a_volunteer_logs_a_request_takes_it_finishes_it_and_records_the_rating(writable):
    key = str(uuid.uuid4())
    made = log(writable, clientId=key)
    assert made["userErrors"] == [] and made["request"]["state"] == "REQUESTED"
    assert made["request"]["subdistrictCode"] == WENHUA and made["request"]["deadline"] == "2023-12-14T09:00:00+08:00"
    assert log(writable, clientId=key)["replayed"] is True
    rid = made["request"]["requestId"]
    later = NOW + timedelta(hours=1)
    for action, extra in (("TAKE", {"volunteerIds": ["WH-DY-02"]}), ("FINISH", {}), ("RATE", {"rating": 5})):
        out = writable(
            ADVANCE,
            {"input": {"clientId": str(uuid.uuid4()), "requestId": str(rid), "action": action, **extra}},
            role="volunteer",
            unit="WH-DY",
            now=later,
        )["data"]["advanceServiceRequest"]
        assert out["userErrors"] == [], out
    assert out["request"]["state"] == "RATED" and out["request"]["rating"] == 5
    assert out["request"]["volunteers"] == [{"code": "WH-DY-02"}] and out["request"]["closedAt"]
    audit = writable(f'{{ auditLog(entity: "service_request", entityId: "{rid}") {{ action detail }} }}')
    actions = [a["action"] for a in audit["data"]["auditLog"]]
    assert sorted(actions) == ["finish", "log", "rate", "take"]
    assert all("李秀英" not in json.dumps(a["detail"], ensure_ascii=False) for a in audit["data"]["auditLog"])


@pytest.mark.parametrize(
    ("fields", "unit", "code", "field"),
    [
        ({"kind": "HAIRCUT"}, "WH-DY", "BAD_INPUT", "kind"),
        ({"compoundId": 0}, "WH-DY", "NOT_FOUND", "compoundId"),
        ({"channel": "FAX"}, "WH-DY", "BAD_INPUT", "channel"),
        ({"requestedAt": "2023-12-20T09:00:00+08:00"}, "WH-DY", "BAD_INPUT", "requestedAt"),
        ({"teamCode": "WH-GA"}, "WH-DY", "FORBIDDEN", "teamCode"),
    ],
    ids=["unknown kind", "unknown compound", "unknown channel", "in the future", "another team"],
)
def test_a_bad_request_is_refused_with_a_user_error(writable, fields, unit, code, field):
    out = log(writable, unit=unit, **fields)
    assert out["request"] is None
    assert (out["userErrors"][0]["code"], out["userErrors"][0]["field"]) == (code, field), out["userErrors"]


def test_a_compound_outside_the_teams_communities_is_not_the_teams_to_serve(writable):
    out = log(writable, compoundId=other_compound())
    assert out["userErrors"][0]["code"] == "NOT_ASSIGNED" and "does not serve" in out["userErrors"][0]["message"]
