"""Occupied space and 门前三包 from the field: writes that are validated, idempotent, audited, and counted."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from pyproj import Geod
from shapely.geometry import mapping

from hub.geo.local import local_projection
from tests.common import layer

GEOD = Geod(ellps="WGS84")
REPORT = """mutation($input: ReportOccupationInput!) { reportOccupation(input: $input) {
  replayed userErrors { field message code } occupation { id kind status areaM2 compound { compoundId } } } }"""
CLEAR = """mutation($input: ClearOccupationInput!) { clearOccupation(input: $input) {
  replayed userErrors { field message code } occupation { id status clearedOn areaM2 } } }"""
STATS = "{ stats { occupiedAreaClearedM2 occupiedAreaRemainingM2 } }"


def square_inside(compound_geom, side_m=8.0):
    """A side_m × side_m square around a point well inside the compound."""
    p = compound_geom.representative_point()
    proj = local_projection(p.x, p.y)
    import shapely

    sq = shapely.box(-side_m / 2, -side_m / 2, side_m / 2, side_m / 2)
    return proj.inverse(sq)


def test_a_reported_occupation_is_stored_inside_its_compound_and_clearing_it_adds_its_area(writable):
    compound = layer("compounds").iloc[5]
    poly = square_inside(compound.geometry)
    before = writable(STATS)["data"]["stats"]
    out = writable(
        REPORT,
        {"input": {"clientId": str(uuid.uuid4()), "geometry": mapping(poly), "kind": "STORAGE"}},
        role="officer",
        squad="SQ1",
    )["data"]["reportOccupation"]
    assert out["userErrors"] == []
    occ = out["occupation"]
    assert occ["compound"]["compoundId"] == int(compound["id"])
    assert occ["status"] == "OCCUPIED"
    assert occ["areaM2"] == pytest.approx(64.0, rel=0.01)
    assert occ["areaM2"] == pytest.approx(abs(GEOD.geometry_area_perimeter(poly)[0]), abs=0.01)
    listed = writable(
        "query($id: ID!) { node(id: $id) { ... on Occupation { compound { occupations { id } } } } }",
        {"id": occ["id"]},
    )["data"]["node"]["compound"]["occupations"]
    assert occ["id"] in {o["id"] for o in listed}  # the compound's link sees the new record at once
    mid = writable(STATS)["data"]["stats"]
    assert mid["occupiedAreaRemainingM2"] == pytest.approx(before["occupiedAreaRemainingM2"] + occ["areaM2"], abs=0.01)

    cleared = writable(CLEAR, {"input": {"clientId": str(uuid.uuid4()), "occupationId": occ["id"]}})
    assert cleared["data"]["clearOccupation"]["occupation"]["status"] == "CLEARED"
    after = writable(STATS)["data"]["stats"]
    assert after["occupiedAreaClearedM2"] == pytest.approx(before["occupiedAreaClearedM2"] + occ["areaM2"], abs=0.01)


def test_the_same_report_sent_twice_creates_one_occupation(writable):
    poly = square_inside(layer("compounds").iloc[7].geometry)
    variables = {"input": {"clientId": str(uuid.uuid4()), "geometry": mapping(poly), "kind": "ENCLOSURE"}}
    first = writable(REPORT, variables)["data"]["reportOccupation"]
    count = len(writable.store.data.occupations)
    second = writable(REPORT, variables)["data"]["reportOccupation"]
    assert (first["replayed"], second["replayed"]) == (False, True)
    assert first["occupation"]["id"] == second["occupation"]["id"]
    assert len(writable.store.data.occupations) == count


def test_a_reused_client_id_with_a_different_payload_is_a_conflict(writable):
    cid = str(uuid.uuid4())
    poly = square_inside(layer("compounds").iloc[9].geometry)
    writable(REPORT, {"input": {"clientId": cid, "geometry": mapping(poly), "kind": "ENCLOSURE"}})
    out = writable(REPORT, {"input": {"clientId": cid, "geometry": mapping(poly), "kind": "PARKING"}})
    errors = out["data"]["reportOccupation"]["userErrors"]
    assert errors[0]["code"] == "CONFLICT"
    assert out["data"]["reportOccupation"]["occupation"] is None


@pytest.mark.parametrize(
    ("make", "code", "words"),
    [
        (lambda c: mapping(square_inside(c, 5000)), "BAD_INPUT", "crosses the boundary"),
        (
            lambda c: {"type": "Polygon", "coordinates": [[[100, 20], [100.001, 20], [100.001, 20.001], [100, 20]]]},
            "BAD_INPUT",
            "outside every compound",
        ),
        (
            lambda c: {
                "type": "Polygon",
                "coordinates": [[[115.6, 34.37], [115.62, 34.39], [115.62, 34.37], [115.6, 34.39], [115.6, 34.37]]],
            },
            "BAD_GEOMETRY",
            "Self",
        ),
    ],
)
def test_a_polygon_outside_or_across_compounds_is_refused_and_nothing_changes(writable, make, code, words):
    compound = layer("compounds").iloc[11].geometry
    before = writable(STATS)["data"]["stats"]
    count = len(writable.store.data.occupations)
    out = writable(REPORT, {"input": {"clientId": str(uuid.uuid4()), "geometry": make(compound), "kind": "STORAGE"}})
    err = out["data"]["reportOccupation"]["userErrors"][0]
    assert err["code"] == code and words in err["message"]
    assert len(writable.store.data.occupations) == count
    assert writable(STATS)["data"]["stats"] == before


def test_a_malformed_client_id_is_refused(writable):
    poly = square_inside(layer("compounds").iloc[12].geometry)
    out = writable(REPORT, {"input": {"clientId": "not-a-uuid", "geometry": mapping(poly), "kind": "STORAGE"}})
    err = out["data"]["reportOccupation"]["userErrors"][0]
    assert (err["field"], err["code"]) == ("clientId", "BAD_INPUT")


def test_the_public_and_analysts_cannot_report(writable):
    poly = square_inside(layer("compounds").iloc[13].geometry)
    for role in ("public", "analyst"):
        out = writable(
            REPORT, {"input": {"clientId": str(uuid.uuid4()), "geometry": mapping(poly), "kind": "STORAGE"}}, role=role
        )
        assert out["data"]["reportOccupation"]["userErrors"][0]["code"] == "FORBIDDEN"


def test_clearing_twice_is_refused_and_the_first_clearing_stands(writable):
    nodes = writable("{ occupations(status: OCCUPIED, first: 1) { nodes { id areaM2 } } }")["data"]["occupations"]
    target = nodes["nodes"][0]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    before = writable(STATS)["data"]["stats"]
    first = writable(
        CLEAR, {"input": {"clientId": str(uuid.uuid4()), "occupationId": target["id"], "clearedOn": yesterday}}
    )["data"]["clearOccupation"]
    assert first["userErrors"] == [], first
    assert (first["occupation"]["status"], first["occupation"]["clearedOn"]) == ("CLEARED", yesterday)
    cleared = writable(STATS)["data"]["stats"]
    assert cleared["occupiedAreaClearedM2"] == pytest.approx(
        before["occupiedAreaClearedM2"] + target["areaM2"], abs=0.01
    )

    again = writable(
        CLEAR, {"input": {"clientId": str(uuid.uuid4()), "occupationId": target["id"]}}, role="officer", squad="SQ2"
    )["data"]["clearOccupation"]
    (err,) = again["userErrors"]
    assert (err["code"], err["field"]) == ("CONFLICT", "occupationId")
    assert yesterday in err["message"]  # says when it was cleared
    node = writable(
        "query($id: ID!) { node(id: $id) { ... on Occupation { status clearedOn } } }", {"id": target["id"]}
    )
    assert node["data"]["node"] == {"status": "CLEARED", "clearedOn": yesterday}  # the first clearing stands
    assert writable(STATS)["data"]["stats"] == cleared  # its area counted once


def test_every_write_leaves_an_audit_row(writable):
    rows = writable.store.db.read("SELECT actor, action, entity FROM audit_log WHERE entity = 'occupation'")
    assert rows and all(r["actor"].startswith(("admin", "officer")) for r in rows)


SIGN = """mutation($input: SignFrontageAgreementInput!) { signFrontageAgreement(input: $input) {
  replayed userErrors { field message code } merchant { code agreement { signedOn duties officer { id } } } } }"""


def test_an_officer_of_the_sector_signs_a_merchant_and_the_counts_follow(writable):
    data = writable.store.data
    merchant = next(m for m in data.merchants if m.agreement is None)
    squad = next(s for s in data.squads.values() if s.sector_code == merchant.sector_code)
    officer = next(o for o in data.officers.values() if o.squad_code == squad.code)
    counts = {
        c["sectorCode"]: c
        for c in writable("{ frontageSignedCounts { sectorCode signed merchants } }")["data"]["frontageSignedCounts"]
    }
    out = writable(
        SIGN,
        {
            "input": {
                "clientId": str(uuid.uuid4()),
                "merchantId": merchant.id,
                "officerId": officer.id,
                "duties": ["SANITATION", "ORDER"],
            }
        },
        role="officer",
        squad=squad.code,
    )
    body = out["data"]["signFrontageAgreement"]
    assert body["userErrors"] == []
    assert body["merchant"]["agreement"]["duties"] == ["SANITATION", "ORDER"]
    after = {
        c["sectorCode"]: c
        for c in writable("{ frontageSignedCounts { sectorCode signed merchants } }")["data"]["frontageSignedCounts"]
    }
    assert after[merchant.sector_code]["signed"] == counts[merchant.sector_code]["signed"] + 1


def test_an_officer_of_another_squad_cannot_sign(writable):
    data = writable.store.data
    merchant = next(m for m in data.merchants if m.agreement is None)
    other = next(s for s in data.squads.values() if s.sector_code != merchant.sector_code)
    officer = next(o for o in data.officers.values() if o.squad_code == other.code)
    out = writable(
        SIGN,
        {
            "input": {
                "clientId": str(uuid.uuid4()),
                "merchantId": merchant.id,
                "officerId": officer.id,
                "duties": ["ORDER"],
            }
        },
        role="officer",
        squad=other.code,
    )
    assert out["data"]["signFrontageAgreement"]["userErrors"][0]["code"] == "FORBIDDEN"


def test_unsigned_merchants_in_a_sector_are_listed(writable):
    out = writable(
        '{ merchants(sector: "NE", signed: false, first: 1000) { totalCount nodes { sectorCode agreement '
        "{ signedOn } } } }"
    )["data"]["merchants"]
    assert out["totalCount"] == len(out["nodes"]) > 0
    assert all(n["sectorCode"] == "NE" and n["agreement"] is None for n in out["nodes"])
    expected = sum(1 for m in writable.store.data.merchants if m.sector_code == "NE" and m.agreement is None)
    assert out["totalCount"] == expected
