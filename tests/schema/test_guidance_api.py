"""Agricultural guidance through the API: the article's figures from the records, masking by role, the
mutations (idempotent, audited, refused with userErrors), coverage gaps that close as visits come in, and the
figures family. Expectations are read from the fixture files (json, shapely) or worked out by hand."""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from shapely.geometry import shape

from tests.common import CENTRE, FIXTURES

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2023, 12, 12, 18, 0, tzinfo=SH)
LOG = """mutation($input: LogGuidanceVisitInput!) { logGuidanceVisit(input: $input) {
  replayed userErrors { field message code }
  visit { visitId groupCode townshipCode villageCode site kind visitedOn hazardsFound advice
          township { name } village { code } technicians { code } } } }"""


@cache
def guidance() -> dict:
    return json.loads((FIXTURES / "guidance.json").read_text(encoding="utf-8"))


@cache
def villages() -> list[dict]:
    return json.loads((FIXTURES / "villages.geojson").read_text(encoding="utf-8"))["features"]


@cache
def visits() -> list[dict]:
    return json.loads((FIXTURES / "guidance_visits.geojson").read_text(encoding="utf-8"))["features"]


def group(code: str) -> dict:
    return next(g for g in guidance()["groups"] if g["code"] == code)


def unvisited_village(group_code: str) -> dict:
    """A village of one of the group's townships with no visit in the data set."""
    seen = {v["properties"]["village_code"] for v in visits()}
    towns = set(group(group_code)["township_codes"])
    return next(
        v for v in villages() if v["properties"]["township_code"] in towns and v["properties"]["code"] not in seen
    )


def inside(feature: dict) -> dict[str, float]:
    p = shape(feature["geometry"]).representative_point()
    return {"lon": p.x, "lat": p.y}


def log(writable, *, role="technician", group="AG1", client_id=None, **fields):
    values = {
        "clientId": client_id or str(uuid.uuid4()),
        "eventCode": "CW2023-12",
        **inside(unvisited_village("AG1")),
        "visitedOn": "2023-12-12",
        "site": "GREENHOUSE",
        "kind": "GREENHOUSE_REINFORCEMENT",
        "advice": "棚架老化，建议增设临时支柱，联系人王五13900001111",
        "hazardsFound": 2,
        **fields,
    }
    return writable(LOG, {"input": values}, role=role, group=group, now=NOW)["data"]["logGuidanceVisit"]


def test_the_article_figures_come_from_the_records_40_odd_technicians_6_groups_13_townships(run):
    out = run("""{ stats { technicians guidanceGroups guidedTownships townships weatherEvents }
                   guidanceGroups(event: "CW2023-12") { code technicianCount townships { code } } }""")["data"]
    stats = out["stats"]
    assert 40 < stats["technicians"] < 50 and stats["technicians"] == len(guidance()["technicians"])
    assert (stats["guidanceGroups"], stats["guidedTownships"], stats["townships"]) == (6, 13, 13)
    groups = out["guidanceGroups"]
    assert sum(g["technicianCount"] for g in groups) == stats["technicians"]
    towns = [t["code"] for g in groups for t in g["townships"]]
    assert len(towns) == len(set(towns)) == 13


@pytest.mark.parametrize(
    ("role", "group", "full"),
    [("public", None, False), ("officer", None, False), ("analyst", None, True), ("technician", "AG2", False)],
)
def test_technicians_names_are_masked_and_phones_hidden_unless_the_role_needs_them(writable, role, group, full):
    out = writable('{ technicians(group: "AG1") { code name phone } }', role=role, group=group)["data"]
    names = {t["id"]: t["name"] for t in guidance()["technicians"]}
    for t in out["technicians"]:
        assert t["phone"] is None
        assert (t["name"] == names[t["code"]]) if full else t["name"] == names[t["code"]][0] + "*"


def test_a_technicians_own_group_and_admins_see_phones_and_the_view_is_logged(writable):
    phones = {t["id"]: t["phone"] for t in guidance()["technicians"]}
    mine = writable('{ technicians(group: "AG1") { code phone } }', role="technician", group="AG1", token="p9")
    assert all(t["phone"] == phones[t["code"]] for t in mine["data"]["technicians"])
    writable.store.disclosures.flush()
    seen = writable('{ disclosures(kind: "technician.phone", actor: "technician:p9") { subjects views } }')
    assert seen["data"]["disclosures"] and seen["data"]["disclosures"][0]["views"] >= 1


def test_a_technician_logs_a_visit_found_in_its_township_and_village_and_a_retry_is_a_replay(writable):
    village = unvisited_village("AG1")
    key = str(uuid.uuid4())
    first = log(writable, client_id=key)
    assert first["userErrors"] == [] and first["replayed"] is False
    v = first["visit"]
    assert (v["groupCode"], v["villageCode"], v["townshipCode"]) == (
        "AG1",
        village["properties"]["code"],
        village["properties"]["township_code"],
    )
    again = log(writable, client_id=key)
    assert again["replayed"] is True and again["visit"]["visitId"] == v["visitId"]
    count = writable('{ guidanceVisits(group: "AG1") { totalCount } }')["data"]["guidanceVisits"]["totalCount"]
    assert count == sum(1 for x in visits() if x["properties"]["group_code"] == "AG1") + 1
    audit = writable('{ auditLog(entity: "guidance_visit") { action entityId detail actor } }')["data"]["auditLog"]
    assert [a["entityId"] for a in audit].count(str(v["visitId"])) == 1
    assert audit[0]["actor"] == "technician:t" and audit[0]["action"] == "log"


@pytest.mark.parametrize(
    ("fields", "group", "code", "field", "words"),
    [
        ({"lon": CENTRE[0], "lat": CENTRE[1]}, "AG1", "OUTSIDE_AREA", "location", "古城街道"),
        ({"lon": 116.5, "lat": 33.5}, "AG1", "OUTSIDE_AREA", "location", "outside the district"),
        ({"kind": "SNOW_SHOVELLING"}, "AG1", "BAD_INPUT", "kind", "unknown kind of visit"),
        ({}, "AG2", "NOT_ASSIGNED", "location", "group AG1"),
        ({"visitedOn": "2023-12-13"}, "AG1", "BAD_INPUT", "visitedOn", "in the future"),
        ({"hazardsFound": 5000}, "AG1", "BAD_INPUT", "hazardsFound", "0 to 1000"),
        ({"eventCode": "HW2024"}, "AG1", "NOT_FOUND", "eventCode", "no weather event"),
    ],
)
def test_bad_visits_are_user_errors_that_say_what_and_where(writable, fields, group, code, field, words):
    out = log(writable, group=group, **fields)
    assert out["visit"] is None
    (error,) = out["userErrors"]
    assert (error["code"], error["field"]) == (code, field) and words in error["message"]


def test_only_technicians_and_admins_log_visits_and_only_admins_form_groups(writable):
    assert log(writable, role="officer", group=None)["userErrors"][0]["code"] == "FORBIDDEN"
    assert log(writable, role="public", group=None)["userErrors"][0]["code"] == "FORBIDDEN"
    out = writable(
        """mutation($i: SetGuidanceGroupInput!) { setGuidanceGroup(input: $i) { userErrors { code } } }""",
        {"i": {"clientId": str(uuid.uuid4()), "code": "AG1", "eventCode": "CW2023-12", "name": "x", "townships": []}},
        role="technician",
        group="AG1",
    )
    assert out["data"]["setGuidanceGroup"]["userErrors"][0]["code"] == "FORBIDDEN"


def test_the_advice_is_for_staff_and_the_groups_own_technicians(writable):
    doc = '{ guidanceVisits(group: "AG3", first: 5) { nodes { visitId advice } } }'
    assert all(n["advice"] is None for n in writable(doc, role="public")["data"]["guidanceVisits"]["nodes"])
    assert all(
        n["advice"] is None for n in writable(doc, role="technician", group="AG1")["data"]["guidanceVisits"]["nodes"]
    )
    own = writable(doc, role="technician", group="AG3")["data"]["guidanceVisits"]["nodes"]
    assert own and all(n["advice"] for n in own)
    assert all(n["advice"] for n in writable(doc, role="analyst")["data"]["guidanceVisits"]["nodes"])


def test_coverage_gaps_are_the_villages_not_visited_since_the_warning_and_close_as_visits_come(writable):
    village = unvisited_village("AG4")
    town = village["properties"]["township_code"]
    doc = '{ guidanceCoverage(event: "CW2023-12") { township { code } visits unvisitedVillages { code } villages } }'
    before = {c["township"]["code"]: c for c in writable(doc)["data"]["guidanceCoverage"]}
    assert len(before) == 13
    seen = {v["properties"]["village_code"] for v in visits()}
    written_here = set(group("AG1")["township_codes"])  # earlier tests of this module log visits there
    for code, c in before.items():
        if code in written_here:
            continue
        mine = {v["properties"]["code"] for v in villages() if v["properties"]["township_code"] == code}
        assert {v["code"] for v in c["unvisitedVillages"]} == mine - seen
        assert c["visits"] == sum(1 for v in visits() if v["properties"]["township_code"] == code)
    assert village["properties"]["code"] in {v["code"] for v in before[town]["unvisitedVillages"]}
    out = log(writable, group="AG4", **inside(village), kind="WHEAT_FROST", site="VILLAGE", hazardsFound=0)
    assert out["userErrors"] == []
    after = {c["township"]["code"]: c for c in writable(doc)["data"]["guidanceCoverage"]}
    assert village["properties"]["code"] not in {v["code"] for v in after[town]["unvisitedVillages"]}
    assert after[town]["visits"] == before[town]["visits"] + 1


def test_which_group_covers_a_point_or_a_village(run):
    village = unvisited_village("AG5")
    point = inside(village)
    out = run(
        """query($lon: Float!, $lat: Float!, $v: String!) {
             guidanceCover(lon: $lon, lat: $lat) { township { code } village { code } groups { code } }
             villageGuidanceCover(village: $v) { groups { code name } }
             urban: guidanceCover(lon: 115.6097, lat: 34.3767) { township { code } groups { code } } }""",
        {**point, "v": village["properties"]["code"]},
    )["data"]
    assert out["guidanceCover"] == {
        "township": {"code": village["properties"]["township_code"]},
        "village": {"code": village["properties"]["code"]},
        "groups": [{"code": "AG5"}],
    }
    assert out["villageGuidanceCover"]["groups"][0]["code"] == "AG5"
    assert out["urban"] == {"township": None, "groups": []}


def test_visits_and_hazards_per_township_as_figures_add_up_to_the_records(run):
    out = run("""{ guidanceVisitFigures(groupBy: [TOWNSHIP]) {
        total { count hazardsFound withHazards }
        groups { key { township { code } none } count hazardsFound } } }""")["data"]["guidanceVisitFigures"]
    by_town = Counter(v["properties"]["township_code"] for v in visits())
    hazards = Counter()
    for v in visits():
        hazards[v["properties"]["township_code"]] += v["properties"]["hazards_found"]
    assert {g["key"]["township"]["code"]: g["count"] for g in out["groups"]} == dict(by_town)
    assert {g["key"]["township"]["code"]: g["hazardsFound"] for g in out["groups"]} == dict(hazards)
    assert out["total"]["count"] == len(visits())
    assert out["total"]["withHazards"] == sum(1 for v in visits() if v["properties"]["hazards_found"] > 0)


def test_figures_group_visits_by_guidance_group_kind_and_day_and_filter_by_event(run):
    out = run("""{ guidanceVisitFigures(groupBy: [GUIDANCE_GROUP, KIND], filter: {weatherEvents: ["CW2023-12"]},
        during: {from: "2023-12-07", to: "2023-12-08"}) {
        groups { key { guidanceGroup { code name } kind } count } } }""")["data"]["guidanceVisitFigures"]
    want = Counter(
        (v["properties"]["group_code"], v["properties"]["kind"])
        for v in visits()
        if v["properties"]["visited_on"] <= "2023-12-08"
    )
    got = {(g["key"]["guidanceGroup"]["code"], g["key"]["kind"]): g["count"] for g in out["groups"]}
    assert got == dict(want)
    bad = run('{ guidanceVisitFigures(filter: {weatherEvents: ["XX"]}) { total { count } } }')
    assert bad["errors"][0]["extensions"]["code"] == "BAD_INPUT" and "CW2023-12" in bad["errors"][0]["message"]


def test_an_admin_declares_an_event_forms_a_group_and_moves_technicians_into_it(writable):
    event = writable(
        """mutation($i: DeclareWeatherEventInput!) { declareWeatherEvent(input: $i) {
             userErrors { code field } event { code warningLevel } } }""",
        {
            "i": {
                "clientId": str(uuid.uuid4()),
                "code": "BZ2024-01",
                "kind": "BLIZZARD",
                "name": "2024年1月暴雪",
                "warningLevel": "YELLOW",
                "warnedAt": "2024-01-20T08:00:00+08:00",
                "startsOn": "2024-01-21",
            }
        },
    )["data"]["declareWeatherEvent"]
    assert event == {"userErrors": [], "event": {"code": "BZ2024-01", "warningLevel": "YELLOW"}}
    formed = writable(
        """mutation($i: SetGuidanceGroupInput!) { setGuidanceGroup(input: $i) {
             userErrors { code field message } group { code townships { code } technicians { code } } } }""",
        {
            "i": {
                "clientId": str(uuid.uuid4()),
                "code": "BZ1",
                "eventCode": "BZ2024-01",
                "name": "暴雪第一组",
                "townships": ["411403100", "411403205"],
                "technicianIds": ["AT01", "AT02"],
            }
        },
    )["data"]["setGuidanceGroup"]
    assert formed["userErrors"] == []
    assert formed["group"]["technicians"] == [{"code": "AT01"}, {"code": "AT02"}]
    clash = writable(
        """mutation($i: SetGuidanceGroupInput!) { setGuidanceGroup(input: $i) { userErrors { code field } } }""",
        {
            "i": {
                "clientId": str(uuid.uuid4()),
                "code": "BZ2",
                "eventCode": "BZ2024-01",
                "name": "暴雪第二组",
                "townships": ["411403205"],
            }
        },
    )["data"]["setGuidanceGroup"]
    assert clash["userErrors"] == [{"code": "CONFLICT", "field": "townships[0]"}]
    audit = writable('{ auditLog(entity: "guidance_group") { action entityId } }')["data"]["auditLog"]
    assert {"action": "form", "entityId": "BZ1"} in audit


def test_the_readme_examples_for_guidance_and_township_duty_run(writable):
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme[
        readme.index("**Agricultural guidance in extreme weather**") : readme.index("**Enforcement teams**")
    ]
    examples = re.findall(r"```graphql\n(.*?)```", section, re.S)
    assert len(examples) == 4
    for example in examples:
        out = writable(example, role="technician", group="AG5", now=NOW)
        assert "errors" not in out, out
        assert all(v is not None for v in out["data"].values())
    assert out["data"]["townshipOnDuty"][0]["officers"]
