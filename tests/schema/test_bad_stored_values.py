"""No stored value can make a query fail. Each kind of bad value an importer might once have let through is
written into a copy of the demo store directly (SQL, foreign keys off), the store is opened again, and every
query over the records it touches either serves or names the bad row: never ``data: null`` for the whole
answer, never an internal error."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import shapely

from hub.domain.access import Viewer
from hub.schema import Context, build_schema
from hub.services import Hub
from hub.settings import Settings
from hub.store import Store
from tests.common import snapshot_after_hand_edit
from tests.conftest import as_json

BOWTIE = shapely.Polygon([(115.60, 34.37), (115.601, 34.371), (115.601, 34.37), (115.60, 34.371)])

# (name, SQL and its parameters, stores it can be written in, the row left out (table, key) or None: served)
CASES: list[tuple[str, str, tuple[Any, ...], tuple[str, ...], tuple[str, str] | None]] = [
    ("an unknown code", "UPDATE compounds SET management_mode = 'MAGIC' WHERE id = 7", (), ("sqlite", "postgresql"),
     ("compounds", "7")),
    ("text where a number belongs", "UPDATE compounds SET households = 'lots' WHERE id = 7", (), ("sqlite",),
     ("compounds", "7")),
    ("a year that is text", "UPDATE compounds SET year_built = 'old' WHERE id = 8", (), ("sqlite",),
     ("compounds", "8")),
    ("an unknown committee kind", "UPDATE committees SET kind = 'RESIDENTS' WHERE compound_id = 9", (),
     ("sqlite", "postgresql"), ("committees", "9")),
    ("a date that is no date", "UPDATE committees SET established_on = 'yesterday' WHERE compound_id = 10", (),
     ("sqlite", "postgresql"), ("committees", "10")),
    ("an unknown status", "UPDATE occupations SET status = 'GONE' WHERE id = 3", (), ("sqlite", "postgresql"),
     ("occupations", "3")),
    ("a month 13", "UPDATE occupations SET reported_on = '2023-13-45' WHERE id = 4", (), ("sqlite", "postgresql"),
     ("occupations", "4")),
    ("parties that are not JSON", "UPDATE meetings SET parties = 'not json' WHERE id = 5", (),
     ("sqlite", "postgresql"), ("meetings", "5")),
    ("a flag that is text", "UPDATE problems SET solved = 'yes' WHERE id = 6", (), ("sqlite",), ("problems", "6")),
    ("a score that is text", "UPDATE credit_scores SET score = 'good' WHERE company_id = 'PC002' AND year = 2023", (),
     ("sqlite",), ("credit_scores", "PC002|2023")),
    ("a cleared occupation without its date", "UPDATE occupations SET status = 'CLEARED', cleared_on = NULL "
     "WHERE id = 40", (), ("sqlite", "postgresql"), None),
    ("a company's compound without its company", "UPDATE compounds SET property_company_id = NULL "
     "WHERE management_mode = 'PROPERTY_COMPANY' AND id = (SELECT min(id) FROM compounds "
     "WHERE management_mode = 'PROPERTY_COMPANY')", (), ("sqlite", "postgresql"), None),
    ("a compound in a community stored nowhere", "UPDATE compounds SET community_code = '411403001999', "
     "subdistrict_code = '411403999' WHERE id = 11", (), ("sqlite", "postgresql"), None),
    ("a compound's company stored nowhere", "UPDATE compounds SET property_company_id = 'PC999' WHERE id = 12", (),
     ("sqlite", "postgresql"), None),
    ("a meeting at a compound stored nowhere", "UPDATE meetings SET compound_id = 99999 WHERE id = 13", (),
     ("sqlite", "postgresql"), None),
    ("a problem of a meeting stored nowhere", "UPDATE problems SET meeting_id = 99999 WHERE id = 14", (),
     ("sqlite", "postgresql"), None),
    ("an occupation of a compound stored nowhere", "UPDATE occupations SET compound_id = 99999 WHERE id = 15", (),
     ("sqlite", "postgresql"), None),
    ("a period of a compound stored nowhere", "UPDATE management_periods SET compound_id = 99999, "
     "property_company_id = 'PC999' WHERE id = 16", (), ("sqlite", "postgresql"), None),
    ("a score of a company stored nowhere", "UPDATE credit_scores SET company_id = 'PC999' "
     "WHERE company_id = 'PC004' AND year = 2022", (), ("sqlite", "postgresql"), None),
    ("a fee year of a compound stored nowhere", "UPDATE fee_years SET compound_id = 99999 "
     "WHERE compound_id = 17 AND year = 2023", (), ("sqlite", "postgresql"), None),
    ("an invalid polygon", "UPDATE compounds SET geom = ? WHERE id = 18", (shapely.to_wkb(BOWTIE),),
     ("sqlite", "postgresql"), ("compounds", "18")),
    ("an empty polygon", "UPDATE occupations SET geom = ? WHERE id = 19", (shapely.to_wkb(shapely.Polygon()),),
     ("sqlite", "postgresql"), ("occupations", "19")),
    ("bytes that are no geometry", "UPDATE grids SET geom = ? WHERE code = (SELECT min(code) FROM grids)",
     (b"\x01\x02garbage",), ("sqlite",), ("grids", None)),
    ("GeoJSON text that is not JSON", "UPDATE public_rooms SET geojson = 'oops' WHERE id = 2", (),
     ("sqlite", "postgresql"), ("public_rooms", "2")),
]  # fmt: skip

QUERIES = {
    "compounds": """{ compounds(first: 1000) { totalCount nodes { compoundId name households yearBuilt managementMode
        formerlyUnmanaged areaM2 geometry committee { kind establishedOn chairName } partyBranch { secretaryRole }
        propertyCompany { name scores { year score grade listing } } community { code } subdistrict { name }
        occupations { status reportedOn } meetings { heldOn parties problems { category solved solvedOn } } } } }""",
    "occupations": """{ occupations(first: 1000) { totalCount nodes { status kind reportedOn clearedOn areaM2
        geometry compound { name } } } }""",
    "governance": """{ meetings(first: 1000) { nodes { heldOn kind parties problems { solvedOn } } }
        problems(first: 1000) { nodes { category solved solvedOn geometry } }
        publicRooms(first: 1000) { nodes { roomId floorAreaM2 geometry compound { name } } }
        managementHistory(first: 1000) { nodes { mode since until compound { name } propertyCompany { name } } }
        propertyCompanyGrades(year: 2023) { nodes { company { name } score grade listing } }
        propertyCompanies { code scores { year score grade } } }""",
    "figures": """{ stats { compounds compoundsFormerlyUnmanaged jointMeetings issuesResolved occupiedAreaClearedM2
        publicRoomsRecoveredM2 }
        compoundFigures(groupBy: [KIND, SUBDISTRICT]) { total { count households } groups { count } }
        occupationFigures(groupBy: [SUBDISTRICT, STATUS]) { total { count areaM2 } }
        meetingFigures(groupBy: [SUBDISTRICT]) { total { count problemsSolved } }
        feeFigures(groupBy: [YEAR, SUBDISTRICT]) { total { count } }
        publicRoomFigures(groupBy: [KIND]) { total { floorAreaM2 } } }""",
    "map": """{ compoundsMap: featureCollection(layer: COMPOUNDS, properties: ["name", "managementMode"])
        occupationsMap: featureCollection(layer: OCCUPATIONS)
        gridsMap: featureCollection(layer: GRIDS, zoom: 14, where: { bbox: [115.55, 34.33, 115.72, 34.46] })
        grids(first: 1000) { nodes { code geometry community { name } } }
        locate(lon: 115.6097, lat: 34.3767) { compound { name } grid { code } community { name } } }""",
}


@pytest.fixture(scope="module")
def schemas():
    settings = Settings()
    return settings, (build_schema(settings), build_schema(settings, fast_lists=False))


def write_directly(stores, sql: str, params: tuple[Any, ...]) -> str:
    """A copy of the demo store with one bad value written straight into it, foreign keys off."""
    target = stores.demo()
    if stores.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(target) as conn:
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute(sql, params)
        snapshot_after_hand_edit(target)
        return target
    import psycopg

    from hub.store.dialect import placeholders

    with psycopg.connect(target, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # no foreign key checks
        sql = sql.replace("SET geom = ?", "SET geom = ST_GeomFromWKB(?, 4326)")
        conn.execute(placeholders(sql), params)
    snapshot_after_hand_edit(target)
    return target


def answer(store: Store, schema: Any, settings: Settings, document: str) -> dict[str, Any]:
    ctx = Context(hub=Hub(store, settings), viewer=Viewer(role="admin"))
    result = asyncio.run(schema.execute(document, context_value=ctx))
    out: dict[str, Any] = {"data": as_json(result.data)}
    if result.errors:
        out["errors"] = [e.formatted for e in result.errors]
    if result.extensions:
        out["extensions"] = as_json(result.extensions)
    return out


@pytest.mark.parametrize(("name", "sql", "params", "kinds", "left_out"), CASES, ids=[c[0] for c in CASES])
def test_every_query_serves_or_names_a_bad_stored_row(stores, schemas, name, sql, params, kinds, left_out):
    if stores.kind not in kinds:
        pytest.skip(f"a {stores.kind} store does not take it")
    settings, (fast, plain) = schemas
    store = Store(write_directly(stores, sql, params)).open()
    try:
        for label, document in QUERIES.items():
            answers = [answer(store, schema, settings, document) for schema in (fast, plain)]
            assert answers[0] == answers[1], f"{label}: the fast path and graphql-core differ"
            got = answers[0]
            assert got["data"] is not None, f"{label}: data is null: {got.get('errors')}"
            assert all(v is not None for v in got["data"].values()), f"{label}: {got.get('errors')}"
            codes = {e.get("extensions", {}).get("code") for e in got.get("errors", [])}
            assert "INTERNAL" not in codes and not got.get("errors"), f"{label}: {got.get('errors')}"
            named = got.get("extensions", {}).get("storeFaults", {}).get("leftOut", [])
            if left_out is None:
                assert named == [], f"{label}: {named}"
            else:
                table, key = left_out
                assert [f["table"] for f in named] == [table], named
                assert key is None or named[0]["key"] == key, named
                assert named[0]["reason"]
    finally:
        store.close()
