"""The governance records as top-level queries: filtered, paged, and equal to the demo files read without the hub."""

from __future__ import annotations

import json

import pytest

from hub.domain.grading import grade, listing
from tests.common import FIXTURES, layer


def document(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def all_pages(run, query: str, field: str, variables: dict | None = None, role: str = "public") -> list[dict]:
    nodes, after = [], None
    while True:
        page = run(query, {**(variables or {}), "after": after}, role=role)
        assert "errors" not in page, page
        conn = page["data"][field]
        nodes += conn["nodes"]
        if not conn["pageInfo"]["hasNextPage"]:
            return nodes
        after = conn["pageInfo"]["endCursor"]


def test_meetings_of_a_period_are_listed_page_by_page_with_their_problems(run):
    meetings = document("meetings")["meetings"]
    want = sorted(m["id"] for m in meetings if "2023-01-01" <= m["held_on"] <= "2023-06-30")
    got = all_pages(
        run,
        """query($after: String) { meetings(during: {from: "2023-01-01", to: "2023-06-30"}, first: 25, after: $after) {
             pageInfo { hasNextPage endCursor } nodes { id heldOn kind problems { category solved } } } }""",
        "meetings",
    )
    assert len(got) == len(want) and all("2023-01-01" <= m["heldOn"] <= "2023-06-30" for m in got)
    assert sum(len(m["problems"]) for m in got) >= len(got)


def test_meetings_of_one_compound_and_in_an_area(run):
    out = run("{ meetings(compounds: [326]) { totalCount nodes { heldOn } } }")["data"]["meetings"]
    assert out["totalCount"] == sum(1 for m in document("meetings")["meetings"] if m["compound_id"] == 326)
    everywhere = run("{ meetings(where: {bbox: [115.0, 34.0, 116.0, 35.0]}) { totalCount } }")
    assert everywhere["data"]["meetings"]["totalCount"] == 334


def test_problems_free_text_is_for_staff_only(run):
    q = "{ problems(solved: false, first: 50) { totalCount nodes { category solved description } } }"
    public = run(q)["data"]["problems"]
    assert public["totalCount"] == 14
    assert all(p["description"] is None for p in public["nodes"])
    staff = run(q, role="analyst")["data"]["problems"]["nodes"]
    assert all(p["description"] for p in staff)


def test_recovered_public_rooms_are_records_with_compound_area_date_and_use(run):
    nodes = all_pages(
        run,
        """query($after: String) { publicRooms(first: 10, after: $after) { pageInfo { hasNextPage endCursor }
             nodes { id roomId floorAreaM2 use recoveredOn compound { compoundId } geometry } } }""",
        "publicRooms",
    )
    rooms = layer("public_rooms").set_index("id")
    assert len(nodes) == 26
    assert sum(n["floorAreaM2"] for n in nodes) == pytest.approx(2407.0)
    for n in nodes:
        r = rooms.loc[n["roomId"]]
        assert (n["use"], n["recoveredOn"], n["compound"]["compoundId"]) == (
            r["use"],
            r["recovered_on"],
            r["compound_id"],
        )
    node = run("query($id: ID!) { node(id: $id) { ... on PublicRoom { roomId } } }", {"id": nodes[0]["id"]})
    assert node["data"]["node"]["roomId"] == nodes[0]["roomId"]


def test_public_rooms_of_a_use_recovered_in_2023(run):
    out = run(
        """{ publicRooms(uses: ["ACTIVITY_ROOM"], during: {from: "2023-01-01", to: "2023-12-31"}) {
             nodes { use recoveredOn } } }"""
    )["data"]["publicRooms"]["nodes"]
    rooms = layer("public_rooms")
    want = rooms[(rooms["use"] == "ACTIVITY_ROOM") & rooms["recovered_on"].str.startswith("2023")]
    assert len(out) == len(want)


@pytest.mark.parametrize("year", [2022, 2023, 2024, 2025])
@pytest.mark.parametrize("which", ["RED", "BLACK"])
def test_the_red_and_black_lists_of_a_year(run, year, which):
    companies = document("property_companies")["companies"]
    want = sorted(
        (
            (s["score"], c["id"])
            for c in companies
            for s in c["scores"]
            if s["year"] == year and listing(s["score"]) == which
        ),
        key=lambda x: (-x[0], x[1]),
    )
    out = run(
        f"""{{ propertyCompanyGrades(year: {year}, listing: {which}, first: 100) {{ totalCount
              nodes {{ company {{ code name }} year score grade listing }} }} }}"""
    )["data"]["propertyCompanyGrades"]
    assert [(n["score"], n["company"]["code"]) for n in out["nodes"]] == want
    assert all(n["listing"] == which and n["grade"] == grade(n["score"]) for n in out["nodes"])


def test_a_bad_grade_is_refused(run):
    out = run('{ propertyCompanyGrades(year: 2023, grade: "AAAA") { totalCount } }')
    assert out["errors"][0]["extensions"]["field"] == "grade"


def test_management_history_shows_the_324_formerly_unmanaged_compounds_taken_in_with_their_dates(run):
    compounds = layer("compounds").set_index("id")
    nodes = all_pages(
        run,
        """query($after: String) { managementHistory(modes: ["UNMANAGED"], first: 100, after: $after) {
             pageInfo { hasNextPage endCursor } nodes { compound { compoundId } since until current } } }""",
        "managementHistory",
    )
    assert len(nodes) == 324
    for n in nodes[::13]:
        c = compounds.loc[n["compound"]["compoundId"]]
        assert bool(c["formerly_unmanaged"]) and n["since"] is None and not n["current"]
        assert n["until"] == c["committee"]["established_on"]
    one = run("{ managementHistory(compounds: [1]) { nodes { mode since until current propertyCompany { code } } } }")[
        "data"
    ]["managementHistory"]["nodes"]
    assert one[-1]["current"] and one[-1]["mode"] == compounds.loc[1]["management_mode"]


def test_periods_that_began_in_2023(run):
    out = run('{ managementHistory(during: {from: "2023-01-01", to: "2023-12-31"}) { totalCount } }')
    periods = document("management_history")["periods"]
    assert out["data"]["managementHistory"]["totalCount"] == sum(
        1 for p in periods if p["since"] and p["since"].startswith("2023")
    )


def test_meetings_cannot_be_ordered_by_distance_and_say_what_can(run):
    out = run("{ meetings(where: {orderByDistanceFrom: {lon: 115.6, lat: 34.37}}) { totalCount } }")
    assert out["errors"][0]["extensions"]["field"] == "where.orderByDistanceFrom"


def test_occupations_are_listed_by_when_they_were_reported_and_cleared(run):
    occ = layer("occupations")
    cleared = occ[occ["cleared_on"].fillna("").str.startswith("2023")]
    out = run(
        """{ occupations(cleared: {from: "2023-01-01", to: "2023-12-31"}, first: 100) {
             totalCount nodes { clearedOn } } }"""
    )["data"]["occupations"]
    assert out["totalCount"] == len(cleared)
    assert all(n["clearedOn"].startswith("2023") for n in out["nodes"])
    reported = run('{ occupations(reported: {to: "2022-06-30"}) { totalCount } }')["data"]["occupations"]
    assert reported["totalCount"] == int((occ["reported_on"] <= "2022-06-30").sum())
    bad = run('{ occupations(reported: {from: "2023-02-01", to: "2023-01-01"}) { totalCount } }')
    assert bad["errors"][0]["extensions"]["field"] == "reported.to"
