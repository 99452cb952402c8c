"""`hub import` and `hub init` with real files made by geopandas (GeoPackage, Shapefile, CSV with WKT), on both
stores: a dry run reports and writes nothing, a sound file is upserted by its codes, a bad one is refused with
every bad row named and nothing stored changes."""

from __future__ import annotations

import json
import shutil
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import orjson
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from hub.cli import main
from hub.store import Store
from hub.store.copy import tables_in_order
from tests.conftest import ROOT

DEMO = ROOT / "fixtures" / "suiyang"


def compounds_frame() -> gpd.GeoDataFrame:
    """The demo compounds as a GIS user has them: flat columns (no nested committee or branch)."""
    return gpd.read_file(DEMO / "compounds.geojson").drop(columns=["committee", "party_branch"])


def snapshot(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of a store, for comparing before and after."""
    store = Store(db)
    store.db.open()
    try:
        with store.db.snapshot() as snap:
            return {
                t: sorted(map(tuple, snap.read(f"SELECT * FROM {t}")), key=repr)
                for t in tables_in_order(store.db, snap)
            }
    finally:
        store.close()


def hub(*args: str) -> Any:
    return CliRunner().invoke(main, list(args))


def query(db: str, document: str) -> dict[str, Any]:
    out = hub("query", "--db", db, "--role", "admin", document)
    assert out.exit_code == 0, out.output
    return json.loads(out.output)["data"]


@pytest.fixture
def db(stores) -> str:
    return stores.demo()


def test_a_dry_run_reports_what_would_change_and_writes_nothing(db, tmp_path):
    frame = compounds_frame()
    frame.loc[frame.id == 1, "households"] = 120
    frame.loc[frame.id == 2, "name"] = "新华小区"
    frame.to_file(tmp_path / "compounds.gpkg")
    before = snapshot(db)
    out = hub("import", str(tmp_path / "compounds.gpkg"), "--db", db, "--dry-run")
    assert out.exit_code == 0, out.output
    assert "compounds: 0 new, 2 changed, 617 unchanged" in out.output
    assert "dry run: every row is sound; 2 would be written (nothing was written)" in out.output
    assert snapshot(db) == before


def test_a_changed_geopackage_is_upserted_by_compound_id(db, tmp_path):
    frame = compounds_frame()
    frame.loc[frame.id == 1, "households"] = 120
    frame.loc[frame.id == 2, "name"] = "新华小区"
    frame.to_file(tmp_path / "compounds.gpkg")
    out = hub("import", str(tmp_path / "compounds.gpkg"), "--db", db)
    assert out.exit_code == 0, out.output
    assert "imported: 2 rows written" in out.output
    found = query(db, "{ a: compounds(first: 2) { nodes { compoundId name households committee { kind } } } }")
    one, two = found["a"]["nodes"]
    assert one["households"] == 120 and two["name"] == "新华小区"
    assert one["committee"] is not None  # the nested records the file leaves out stay as they were
    audit = query(db, '{ auditLog(entity: "dataset", first: 5) { actor action } }')["auditLog"]
    assert {"actor": "admin:cli", "action": "import"} in audit
    again = hub("import", str(tmp_path / "compounds.gpkg"), "--db", db)
    assert "nothing to write: every row is as stored" in again.output


def test_the_bad_rows_of_the_issue_are_refused_each_named_and_nothing_changes(db, tmp_path):
    frame = compounds_frame().astype({"households": object})
    frame.loc[frame.id == 5, "management_mode"] = "MAGIC"
    frame.loc[frame.id == 6, "households"] = "lots"
    frame.loc[frame.id == 7, "community_code"] = "411403001999"
    frame.loc[frame.id == 8, "geometry"] = shapely.Polygon(
        [(115.60, 34.37), (115.601, 34.371), (115.601, 34.37), (115.60, 34.371)]
    )
    frame.loc[frame.id == 9, "id"] = 10
    frame.to_file(tmp_path / "compounds.gpkg")
    before = snapshot(db)
    out = hub("import", str(tmp_path / "compounds.gpkg"), "--db", db)
    assert out.exit_code == 1
    report = out.output
    assert "refused: 6 problems; nothing was written" in report
    lines = {line.split()[1]: line for line in report.splitlines() if line.startswith("compounds.gpkg")}
    assert "management_mode" in lines["5"] and "not one of PROPERTY_COMPANY, COMMITTEE_HIRED" in lines["5"]
    assert "households" in lines["6"] and "lots" in lines["6"] and "not a whole number" in lines["6"]
    assert "no community 411403001999" in lines["7"]
    assert "Self-intersection" in lines["8"]
    assert "overlaps compound 9 by" in lines["9"]  # row 9, renumbered 10, still lies on the stored compound 9
    assert "duplicate compound 10: row 9 has it too" in lines["10"]
    assert snapshot(db) == before


def test_a_shapefile_with_its_short_column_names_is_read(db, tmp_path):
    frame = compounds_frame()
    frame.loc[frame.id == 3, "management_mode"] = "COMMITTEE_HIRED"
    frame.loc[frame.id == 3, "property_company_id"] = None
    folder = tmp_path / "shp"
    folder.mkdir()
    with warnings.catch_warnings():  # geopandas and GDAL say the names are cut, as a GIS user's Shapefile has them
        warnings.simplefilter("ignore")
        frame.to_file(folder / "compounds.shp", engine="pyogrio", encoding="utf-8")
    assert "management" in gpd.read_file(folder / "compounds.shp").columns
    out = hub("import", str(folder / "compounds.shp"), "--db", db)
    assert out.exit_code == 0, out.output
    assert "1 changed" in out.output
    mode = query(db, "{ compounds(first: 3) { nodes { managementMode } } }")["compounds"]["nodes"][2]
    assert mode == {"managementMode": "COMMITTEE_HIRED"}


def test_a_csv_with_wkt_in_cgcs2000_gauss_kruger_comes_back_to_the_same_places(db, tmp_path):
    frame = compounds_frame().to_crs("EPSG:4548")
    frame.loc[frame.id == 4, "households"] = 444
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table["WKT"] = frame.geometry.to_wkt()
    table.to_csv(tmp_path / "compounds.csv", index=False, encoding="utf-8-sig")
    assert hub("import", str(tmp_path / "compounds.csv"), "--db", db, "--dry-run").exit_code == 1  # no CRS said
    out = hub("import", str(tmp_path / "compounds.csv"), "--db", db, "--crs", "EPSG:4548")
    assert out.exit_code == 0, out.output
    assert "compounds: 0 new, 1 changed, 618 unchanged" in out.output  # the same places, to 6 decimals
    assert query(db, "{ compounds(first: 4) { nodes { households } } }")["compounds"]["nodes"][3] == {"households": 444}


def test_a_new_public_room_given_in_gcj02_is_stored_in_wgs84(db, tmp_path):
    # 大隅首: WGS84 (115.6097, 34.3767) is (115.615147, 34.375253) on AMap (GCJ-02), about 525 m apart
    room = {"id": 900, "compound_id": 1, "floor_area_m2": 35.5, "use": "ACTIVITY_ROOM", "recovered_on": "2024-05-01"}
    gpd.GeoDataFrame([room], geometry=[shapely.Point(115.615147, 34.375253)], crs="EPSG:4326").to_file(
        tmp_path / "public_rooms.geojson"
    )
    out = hub("import", str(tmp_path / "public_rooms.geojson"), "--db", db, "--crs", "GCJ02")
    assert out.exit_code == 0, out.output
    found = query(db, "{ publicRooms(compounds: [1]) { nodes { roomId floorAreaM2 geometry } } }")["publicRooms"]
    (stored,) = [n for n in found["nodes"] if n["roomId"] == 900]
    lon, lat = stored["geometry"]["coordinates"]
    assert abs(lon - 115.6097) < 1e-5 and abs(lat - 34.3767) < 1e-5


def test_governance_records_are_upserted_by_their_keys(db, tmp_path):
    fees = pd.DataFrame([{"compound_id": 1, "year": 2024, "collecting": "true", "rate": 0.8}])
    fees.to_csv(tmp_path / "fee_years.csv", index=False)
    scores = pd.DataFrame([{"company_id": "PC001", "year": 2023, "score": 101.5}])
    scores.to_csv(tmp_path / "credit_scores.csv", index=False)
    for name in ("fee_years.csv", "credit_scores.csv"):
        out = hub("import", str(tmp_path / name), "--db", db)
        assert out.exit_code == 0, out.output
    red = query(db, "{ propertyCompanyGrades(year: 2023, listing: RED) { nodes { company { code } score grade } } }")
    assert {"company": {"code": "PC001"}, "score": 101.5, "grade": "AAA"} in red["propertyCompanyGrades"]["nodes"]
    fees_2024 = query(db, "{ feeFigures(groupBy: [YEAR]) { groups { key { year } count collecting } } }")
    assert {"key": {"year": 2024}, "count": 1, "collecting": 1} in fees_2024["feeFigures"]["groups"]


def test_a_file_whose_name_is_no_kind_needs_kind(db, tmp_path):
    compounds_frame().to_file(tmp_path / "edits.gpkg")
    out = hub("import", str(tmp_path / "edits.gpkg"), "--db", db)
    assert out.exit_code != 0 and "--kind" in out.output
    assert hub("import", str(tmp_path / "edits.gpkg"), "--db", db, "--kind", "compounds").exit_code == 0


def test_a_long_import_shows_a_progress_bar_on_a_terminal_only(db, tmp_path):
    frame = compounds_frame()
    grids = gpd.read_file(DEMO / "grids.geojson")
    grids.to_file(tmp_path / "grids.gpkg")
    out = CliRunner().invoke(main, ["import", str(tmp_path / "grids.gpkg"), "--db", db, "--dry-run"])
    assert out.exit_code == 0, out.output
    assert "grids: 0 new, 0 changed, 4950 unchanged" in out.output
    assert "rows/s" not in out.output  # not a terminal: no bar
    assert len(frame) == 619


# -- hub init: the same checks -------------------------------------------------------------------


def test_init_refuses_a_data_set_with_bad_rows_naming_each_and_leaves_the_store_empty(stores, tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(DEMO, folder)
    doc = orjson.loads((folder / "compounds.geojson").read_bytes())
    doc["features"][0]["properties"]["management_mode"] = "MAGIC"
    doc["features"][1]["properties"]["households"] = "lots"
    doc["features"][2]["properties"]["community_code"] = "411403001999"
    (folder / "compounds.geojson").write_bytes(orjson.dumps(doc))
    db = stores.new()
    out = hub("init", "--db", db, "--fixtures", str(folder))
    assert out.exit_code != 0
    assert "has 3 rejected rows; nothing was imported" in out.output
    assert "compounds.geojson row 1: management_mode = 'MAGIC': 'MAGIC' is not one of" in out.output
    assert "compounds.geojson row 2: households = 'lots': not a whole number" in out.output
    assert "compounds.geojson row 3: community_code = '411403001999': no community 411403001999" in out.output
    assert "FOREIGN KEY" not in out.output
    after = snapshot(db)
    assert all(not rows for table, rows in after.items() if table != "hub_schema")


def test_init_stores_the_demo_data_set_as_the_files_give_it(stores):
    db = stores.new()
    assert hub("init", "--db", db).exit_code == 0
    found = query(db, "{ compounds(first: 1) { nodes { name households committee { kind establishedOn } } } }")
    expected = orjson.loads((DEMO / "compounds.geojson").read_bytes())["features"][0]["properties"]
    (node,) = found["compounds"]["nodes"]
    assert node["name"] == expected["name"] and node["households"] == expected["households"]
    assert node["committee"] == {
        "kind": expected["committee"]["kind"],
        "establishedOn": expected["committee"]["established_on"],
    }
    assert np.isclose(
        query(db, "{ stats { occupiedAreaClearedM2 } }")["stats"]["occupiedAreaClearedM2"], 3862.0, atol=0.5
    )
