"""Figures through GraphQL: one request per question, groups that add up to `stats`, keys as objects, and
answers checked against the demo files read without the hub."""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import shapely
from pyproj import Geod
from shapely.geometry import mapping

from hub.geo.local import local_projection
from hub.geo.measure import destination
from tests.common import CENTRE, FIXTURES, layer

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 5, 21, 35, tzinfo=SH)
GEOD = Geod(ellps="WGS84")

STATS = """{ stats { compounds compoundsWithPartyBranch compoundsWithCommittee compoundsCollectingFees
  compoundsFormerlyUnmanaged jointMeetings issuesRaised issuesResolved occupiedAreaClearedM2 occupiedAreaRemainingM2
  publicRoomsRecoveredM2 publicRooms merchants merchantsSigned incidents incidentsRegistered incidentsClosed
  patrols patrolLengthM guidanceVisits guidanceHazardsFound } }"""

FAMILIES = {
    # field: {measure of its groups: the stats figure it adds up to}
    "compoundFigures": {
        "count": "compounds",
        "withPartyBranch": "compoundsWithPartyBranch",
        "withCommittee": "compoundsWithCommittee",
        "collectingFees": "compoundsCollectingFees",
        "formerlyUnmanaged": "compoundsFormerlyUnmanaged",
    },
    "occupationFigures": {"clearedAreaM2": "occupiedAreaClearedM2", "occupiedAreaM2": "occupiedAreaRemainingM2"},
    "publicRoomFigures": {"count": "publicRooms", "floorAreaM2": "publicRoomsRecoveredM2"},
    "meetingFigures": {"count": "jointMeetings", "problemsRaised": "issuesRaised", "problemsSolved": "issuesResolved"},
    "problemFigures": {"count": "issuesRaised", "solved": "issuesResolved"},
    "frontageFigures": {"count": "merchants", "signed": "merchantsSigned"},
    "incidentFigures": {"count": "incidents", "registered": "incidentsRegistered", "closed": "incidentsClosed"},
    "patrolFigures": {"count": "patrols", "lengthM": "patrolLengthM"},
    "feeFigures": {"collecting": "compoundsCollectingFees"},
    "guidanceVisitFigures": {"count": "guidanceVisits", "hazardsFound": "guidanceHazardsFound"},
}
GROUPINGS = [
    ["SUBDISTRICT"],
    ["COMMUNITY", "YEAR"],
    ["GRID"],
    ["COMPOUND"],
    ["SECTOR", "MONTH"],
    ["PROPERTY_COMPANY", "QUARTER"],
    ["DAY"],
    ["TOWNSHIP", "MONTH"],
    ["VILLAGE"],
]
KEY = """key { subdistrict { code name } community { code } grid { code } compound { compoundId name }
  township { code name } village { code }
  sector { code } propertyCompany { code } squad { code } kind category status state day month quarter year none }"""

REPORT = """mutation($input: ReportIncidentInput!) { reportIncident(input: $input) {
  userErrors { message } incident { id } } }"""
ADVANCE = """mutation($input: AdvanceIncidentInput!) { advanceIncident(input: $input) { userErrors { message } } }"""


def square_inside(compound_geom: shapely.Geometry, side_m: float = 6.0) -> shapely.Geometry:
    p = compound_geom.representative_point()
    proj = local_projection(p.x, p.y)
    return proj.inverse(shapely.box(-side_m / 2, -side_m / 2, side_m / 2, side_m / 2))


@pytest.fixture(scope="module")
def seeded(writable):
    """The demo store with cases (one closed on time, one closed late, one overdue), a patrol and an occupation."""

    def report(bearing: float, at: datetime) -> str:
        lon, lat = destination(*CENTRE, bearing, 700)
        variables = {
            "input": {
                "clientId": str(uuid.uuid4()),
                "category": "OPEN_AIR_BARBECUE",  # 1 clock hour
                "lon": lon,
                "lat": lat,
                "description": "露天烧烤",
                "seenAt": at.isoformat(),
            }
        }
        out = writable(REPORT, variables, role="admin", now=at)["data"]["reportIncident"]
        assert out["userErrors"] == [], out
        return out["incident"]["id"]

    def advance(case: str, actions: list[str], at: datetime) -> None:
        for action in actions:
            variables = {"input": {"clientId": str(uuid.uuid4()), "incidentId": case, "action": action}}
            out = writable(ADVANCE, variables, role="admin", now=at)["data"]["advanceIncident"]
            assert out["userErrors"] == [], out

    done = ["ACCEPT", "REPORT_HANDLED", "VERIFY", "CLOSE"]
    may = datetime(2024, 5, 31, 23, 30, tzinfo=SH)  # late on 31 May, local time: a May case
    advance(report(135, may), done, may + timedelta(minutes=30))  # SE, closed on time
    june = NOW - timedelta(days=2)
    advance(report(135, june), done, june + timedelta(hours=3))  # SE, handled after its 1 h: closed late
    report(45, NOW - timedelta(hours=3))  # NE, open past its deadline: overdue
    report(225, NOW - timedelta(minutes=10))  # SW, open, within its hour
    track = [list(destination(*destination(*CENTRE, 45, 300), 45, i * 100.0)) for i in range(11)]
    officers = sorted(o.id for o in writable.store.data.officers.values() if o.squad_code == "SQ1")[:2]
    patrol = {
        "clientId": str(uuid.uuid4()),
        "squadCode": "SQ1",
        "officerIds": officers,
        "startedAt": "2024-06-05T10:00:00+08:00",
        "endedAt": "2024-06-05T10:30:00+08:00",
        "track": {"type": "LineString", "coordinates": track},
    }
    out = writable("mutation($i: LogPatrolInput!) { logPatrol(input: $i) { userErrors { message } } }", {"i": patrol})
    assert out["data"]["logPatrol"]["userErrors"] == []
    occupation = {
        "clientId": str(uuid.uuid4()),
        "geometry": mapping(square_inside(layer("compounds").iloc[11].geometry)),
        "kind": "PARKING",
        "reportedOn": "2024-06-01",
    }
    out = writable(
        "mutation($i: ReportOccupationInput!) { reportOccupation(input: $i) { userErrors { message } } }",
        {"i": occupation},
        now=NOW,
    )
    assert out["data"]["reportOccupation"]["userErrors"] == []
    return writable


def query(family: str, measures: list[str], group_by: list[str], extra: str = "") -> str:
    fields = " ".join(measures)
    args = f"groupBy: [{', '.join(group_by)}]{extra}"
    return f"{{ {family}({args}) {{ total {{ {fields} }} groups {{ {KEY} {fields} }} }} }}"


@pytest.mark.parametrize("family", list(FAMILIES))
@pytest.mark.parametrize("group_by", GROUPINGS, ids=lambda g: "+".join(g))
def test_the_groups_of_every_figure_add_up_to_stats(seeded, family, group_by):
    stats = seeded(STATS, now=NOW)["data"]["stats"]
    pairs = FAMILIES[family]
    extra = ', during: {from: "2023-01-01", to: "2023-12-31"}' if family == "feeFigures" else ""
    out = seeded(query(family, list(pairs), group_by, extra), now=NOW)
    assert "errors" not in out, out
    fig = out["data"][family]
    for measure, figure in pairs.items():
        assert sum(g[measure] for g in fig["groups"]) == pytest.approx(stats[figure], abs=1e-6), measure
        assert fig["total"][measure] == pytest.approx(stats[figure], abs=1e-6), measure
    keys = [json.dumps(g["key"], sort_keys=True) for g in fig["groups"]]
    assert len(keys) == len(set(keys))  # each combination once


def test_the_seeded_records_are_counted(seeded):
    s = seeded(STATS, now=NOW)["data"]["stats"]
    assert (s["incidents"], s["incidentsClosed"], s["patrols"]) == (4, 2, 1)
    assert s["compounds"] == 619 and s["jointMeetings"] == 334 and s["issuesResolved"] == 328


def _subdistrict_of(x: float, y: float) -> str | None:
    subs = layer("subdistricts").sort_values("code")
    hits = [code for code, g in zip(subs["code"], subs.geometry, strict=True) if g.intersects(shapely.Point(x, y))]
    return hits[0] if hits else None


def test_cleared_area_per_subdistrict_per_month_of_a_year_is_one_request(run):
    occ = layer("occupations")
    want: dict[tuple[str | None, str], float] = defaultdict(float)
    for _, o in occ[occ["status"] == "CLEARED"].iterrows():
        if str(o["cleared_on"]).startswith("2023"):
            c = o.geometry.centroid
            area = abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(o.geometry))[0])
            want[(_subdistrict_of(c.x, c.y), str(o["cleared_on"])[:7])] += area
    out = run(
        """{ occupationFigures(groupBy: [SUBDISTRICT, MONTH], dateBy: CLEARED,
               during: {from: "2023-01-01", to: "2023-12-31"}, filter: {statuses: ["CLEARED"]}) {
             groupBy dateBy total { clearedAreaM2 }
             groups { key { subdistrict { code name } month } clearedAreaM2 } } }"""
    )["data"]["occupationFigures"]
    assert out["groupBy"] == ["SUBDISTRICT", "MONTH"] and out["dateBy"] == "CLEARED"
    got = {(g["key"]["subdistrict"]["code"], g["key"]["month"]): g["clearedAreaM2"] for g in out["groups"]}
    assert got == pytest.approx(dict(want), abs=0.01)
    assert out["total"]["clearedAreaM2"] == pytest.approx(sum(want.values()), abs=0.01)
    assert all(g["key"]["subdistrict"]["name"].endswith("街道") for g in out["groups"])


def test_joint_meetings_and_the_solved_share_per_subdistrict_is_one_request(run):
    compounds = layer("compounds").set_index("id")
    meetings = json.loads((FIXTURES / "meetings.json").read_text(encoding="utf-8"))["meetings"]
    problems = layer("problems")
    held: dict[str | None, int] = defaultdict(int)
    raised: dict[str | None, int] = defaultdict(int)
    solved: dict[str | None, int] = defaultdict(int)
    place = {}
    for cid, c in compounds.iterrows():
        centroid = c.geometry.centroid
        place[cid] = _subdistrict_of(centroid.x, centroid.y)
    for m in meetings:
        held[place[m["compound_id"]]] += 1
    for _, p in problems.iterrows():
        raised[place[p["compound_id"]]] += 1
        solved[place[p["compound_id"]]] += bool(p["solved"])
    out = run(
        """{ meetingFigures(groupBy: [SUBDISTRICT]) {
             groups { key { subdistrict { code name } } count problemsSolved solvedShare } } }"""
    )["data"]["meetingFigures"]["groups"]
    assert {g["key"]["subdistrict"]["code"]: g["count"] for g in out} == held
    for g in out:
        code = g["key"]["subdistrict"]["code"]
        assert g["problemsSolved"] == solved[code]
        assert g["solvedShare"] == pytest.approx(solved[code] / raised[code])


def test_the_on_time_closure_rate_per_sector_per_month_is_one_request(seeded):
    out = seeded(
        """{ incidentFigures(groupBy: [SECTOR, MONTH]) {
             groups { key { sector { code name } month } registered closed onTimeClosureRate overdue
                      meanHandlingHours } } }""",
        now=NOW,
    )
    groups = {(g["key"]["sector"]["code"], g["key"]["month"]): g for g in out["data"]["incidentFigures"]["groups"]}
    assert set(groups) == {("SE", "2024-05"), ("SE", "2024-06"), ("NE", "2024-06"), ("SW", "2024-06")}
    assert groups[("SE", "2024-05")]["onTimeClosureRate"] == 1.0  # reported 23:30 on 31 May local: May
    assert groups[("SE", "2024-06")]["onTimeClosureRate"] == 0.0  # handled after its deadline
    assert groups[("NE", "2024-06")]["onTimeClosureRate"] == 0.0 and groups[("NE", "2024-06")]["overdue"] == 1
    assert groups[("SW", "2024-06")]["onTimeClosureRate"] is None  # neither closed nor due yet
    assert groups[("SE", "2024-05")]["meanHandlingHours"] == pytest.approx(0.5)


def test_a_case_grouped_by_squad_category_and_state_carries_the_squad_as_an_object(seeded):
    out = seeded(
        "{ incidentFigures(groupBy: [SQUAD, CATEGORY, STATE]) { groups { key { squad { code name hotline } "
        "category state } count } } }",
        now=NOW,
    )["data"]["incidentFigures"]["groups"]
    assert sum(g["count"] for g in out) == 4
    assert {g["key"]["state"] for g in out} == {"CLOSED", "DISPATCHED"}
    assert all(g["key"]["squad"]["hotline"] for g in out)


def test_compounds_by_management_mode_and_history(run):
    out = run("{ compoundFigures(groupBy: [KIND, STATUS]) { groups { key { kind status } count households } } }")[
        "data"
    ]["compoundFigures"]["groups"]
    df = layer("compounds")
    for g in out:
        k, s = g["key"]["kind"], g["key"]["status"]
        rows = df[(df["management_mode"] == k) & (df["formerly_unmanaged"] == (s == "FORMERLY_UNMANAGED"))]
        assert (g["count"], g["households"]) == (len(rows), int(rows["households"].sum()))


def test_compounds_taken_into_management_per_quarter_follow_their_history(run):
    out = run("{ compoundFigures(groupBy: [QUARTER], dateBy: MANAGED) { groups { key { quarter none } count } } }")[
        "data"
    ]["compoundFigures"]["groups"]
    none = [g for g in out if g["key"]["none"] == ["QUARTER"]]
    assert none[0]["count"] == 619 - 324  # managed since they were built: no date
    assert sum(g["count"] for g in out if g["key"]["quarter"]) == 324


def test_fee_collection_by_year_ends_with_every_compound_collecting(run):
    out = run("{ feeFigures(groupBy: [YEAR]) { groups { key { year } count collecting collectingShare } } }")
    years = {g["key"]["year"]: g for g in out["data"]["feeFigures"]["groups"]}
    assert set(years) == {2021, 2022, 2023}
    assert years[2023]["collecting"] == 619 and years[2023]["collectingShare"] == 1.0
    assert years[2021]["collecting"] < years[2022]["collecting"] < 619


def test_recovered_public_rooms_by_use_add_up_to_2407_square_metres(run):
    out = run(
        "{ publicRoomFigures(groupBy: [KIND, YEAR]) { total { floorAreaM2 } groups { key { kind year } count } } }"
    )
    fig = out["data"]["publicRoomFigures"]
    assert fig["total"]["floorAreaM2"] == pytest.approx(2407.0)
    assert sum(g["count"] for g in fig["groups"]) == 26


def test_signed_share_by_sector(run):
    out = run("{ frontageFigures(groupBy: [SECTOR]) { groups { key { sector { code } } count signed signedShare } } }")
    m = layer("merchants")
    for g in out["data"]["frontageFigures"]["groups"]:
        rows = m[m["sector_code"] == g["key"]["sector"]["code"]]
        assert g["count"] == len(rows)
        assert g["signed"] == int(rows["agreement"].notna().sum())
        assert g["signedShare"] == pytest.approx(g["signed"] / g["count"])


def test_patrols_distance_walked_by_squad_and_the_share_of_each_sector_covered_per_day(seeded):
    out = seeded(
        """{ patrolFigures(groupBy: [SQUAD, DAY]) { groups { key { squad { code } day } count lengthM } }
             sectorCoverage(during: {from: "2024-06-05", to: "2024-06-06"}, sectors: ["NE"]) {
               sector { code } date share patrols } }""",
        now=NOW,
    )["data"]
    assert out["patrolFigures"]["groups"] == [
        {"key": {"squad": {"code": "SQ1"}, "day": "2024-06-05"}, "count": 1, "lengthM": pytest.approx(1000, rel=1e-3)}
    ]
    by_day = {c["date"]: c for c in out["sectorCoverage"]}
    assert by_day["2024-06-05"]["patrols"] == 1 and 0 < by_day["2024-06-05"]["share"] < 0.2
    assert by_day["2024-06-06"]["share"] == 0.0


def test_problems_by_category_with_the_days_they_took(run):
    out = run("{ problemFigures(groupBy: [CATEGORY]) { groups { key { category } count solved p90DaysToSolve } } }")
    groups = out["data"]["problemFigures"]["groups"]
    assert sum(g["count"] for g in groups) == 342 and sum(g["solved"] for g in groups) == 328
    assert all(g["p90DaysToSolve"] is None or g["p90DaysToSolve"] >= 0 for g in groups)


def test_a_grid_key_masks_its_workers_name_for_the_public(run):
    out = run("{ compoundFigures(groupBy: [GRID]) { groups { key { grid { code workerName } } } } }")
    assert all("*" in g["key"]["grid"]["workerName"] for g in out["data"]["compoundFigures"]["groups"][:20])


def test_filters_keep_only_the_places_and_values_named(run):
    out = run(
        """{ occupationFigures(groupBy: [KIND], filter: {subdistricts: ["411403001"], kinds: ["STORAGE", "PARKING"]})
             { groups { key { kind } count } } }"""
    )
    assert {g["key"]["kind"] for g in out["data"]["occupationFigures"]["groups"]} <= {"STORAGE", "PARKING"}


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        ("{ occupationFigures(groupBy: [WARD]) { total { count } } }", "BAD_REQUEST", "groupBy"),
        ("{ occupationFigures(groupBy: [STATE]) { total { count } } }", "BAD_INPUT", "cannot be grouped by STATE"),
        (
            '{ occupationFigures(during: {from: "2024-02-01", to: "2024-01-01"}) { total { count } } }',
            "BAD_INPUT",
            "reversed",
        ),
        ('{ occupationFigures(filter: {subdistricts: ["4114"]}) { total { count } } }', "NOT_FOUND", "4114"),
        ("{ occupationFigures(dateBy: HELD) { total { count } } }", "BAD_INPUT", "no date HELD"),
    ],
)
def test_bad_questions_are_refused_naming_the_argument(run, document, code, words):
    out = run(document)
    assert out["data"] is None
    error = out["errors"][0]
    assert error["extensions"]["code"] == code
    assert words in error["message"]
