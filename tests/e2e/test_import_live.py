"""`hub import` run from the command line beside a running server, on the same store: the server's GraphQL,
tiles (with new ETags), OGC API items and exports serve the imported records without a restart (SQLite: the
server notices the file changed within a second; PostgreSQL: through the change feed)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from tests.conftest import ROOT, Server
from tests.e2e.test_ogc import get
from tests.e2e.test_tiles import decode, tile_of

pytestmark = pytest.mark.e2e

DEMO = ROOT / "fixtures" / "suiyang"
NEW_ID = 9001


@pytest.fixture(scope="module")
def live(stores):
    srv = Server(stores.new()).start()
    yield srv
    srv.stop()


def free_spot() -> tuple[shapely.Polygon, str, str]:
    """A 20 m square inside a grid no compound touches, with that grid's community and subdistrict codes."""
    compounds = gpd.read_file(DEMO / "compounds.geojson")
    grids = gpd.read_file(DEMO / "grids.geojson")
    empty = grids[~grids.intersects(compounds.union_all())].iloc[0]
    x, y = empty.geometry.representative_point().coords[0]
    d = 0.0001
    square = shapely.box(x - d, y - d, x + d, y + d)
    community = empty["community_code"]
    return square, community, community[:9]


def import_file(srv: Server, path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hub", "import", str(path)],
        cwd=ROOT,
        env={**os.environ, "HUB_DB": str(srv.db)},
        capture_output=True,
        text=True,
        timeout=120,
    )


def surfaces(srv: Server, compound_id: int, point: tuple[float, float]) -> dict:
    x, y = tile_of(*point, 16)
    tile = get(srv, f"/tiles/compounds/16/{x}/{y}.mvt")
    features = decode(tile.content)["compounds"]["features"] if tile.status_code == 200 else []
    item = get(srv, f"/ogc/collections/compounds/items/{compound_id}")
    csv = pd.read_csv(io.BytesIO(get(srv, "/export/compounds.csv").content), encoding="utf-8-sig")
    rows = csv[csv["要素ID"] == compound_id]
    nodes = srv.graphql("{ compounds(first: 1000) { nodes { compoundId name households } } }").json()
    return {
        "graphql": {n["compoundId"]: n for n in nodes["data"]["compounds"]["nodes"]}.get(compound_id),
        "etag": tile.headers.get("etag"),
        "tile": {f["properties"].get("compoundId"): f["properties"].get("name") for f in features},
        "ogc": item.json()["properties"] if item.status_code == 200 else None,
        "export": rows.iloc[0]["小区名称"] if len(rows) else None,
    }


def wait_until(check, seconds: float = 15.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def test_a_changed_and_a_new_compound_imported_from_the_cli_show_everywhere_in_the_running_server(live, tmp_path):
    frame = gpd.read_file(DEMO / "compounds.geojson").drop(columns=["committee", "party_branch"])
    five = frame[frame.id == 5].iloc[0]
    five_point = five.geometry.representative_point().coords[0]
    square, community, subdistrict = free_spot()
    new_point = square.centroid.coords[0]
    before = surfaces(live, 5, five_point)
    assert before["graphql"]["name"] == five["name"] and before["export"] == five["name"]
    assert surfaces(live, NEW_ID, new_point)["ogc"] is None

    frame.loc[frame.id == 5, "name"] = "胜利路33号院(改)"
    frame.loc[frame.id == 5, "households"] = 333
    new = {
        "id": NEW_ID,
        "name": "新建小区",
        "community_code": community,
        "subdistrict_code": subdistrict,
        "households": 88,
        "management_mode": "UNMANAGED",
        "property_company_id": None,
        "formerly_unmanaged": False,
        "collects_fees": False,
    }
    frame = pd.concat([frame, gpd.GeoDataFrame([new], geometry=[square], crs="EPSG:4326")], ignore_index=True)
    frame.to_file(tmp_path / "compounds.gpkg")

    done = import_file(live, tmp_path / "compounds.gpkg")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "compounds: 1 new, 1 changed, 618 unchanged" in done.stdout

    assert wait_until(lambda: live.graphql("{ stats { compounds } }").json()["data"]["stats"]["compounds"] == 620)
    after = surfaces(live, 5, five_point)
    assert after["graphql"] == {"compoundId": 5, "name": "胜利路33号院(改)", "households": 333}
    assert after["etag"] != before["etag"] and after["tile"][5] == "胜利路33号院(改)"
    assert after["ogc"]["name"] == "胜利路33号院(改)" and after["ogc"]["households"] == 333
    assert after["export"] == "胜利路33号院(改)"
    fresh = surfaces(live, NEW_ID, new_point)
    assert fresh["graphql"]["name"] == "新建小区"
    assert fresh["tile"][NEW_ID] == "新建小区"
    assert fresh["ogc"]["managementMode"] == "UNMANAGED"
    assert fresh["export"] == "新建小区"


def test_a_refused_import_beside_the_running_server_changes_nothing_it_serves(live, tmp_path):
    frame = gpd.read_file(DEMO / "compounds.geojson").drop(columns=["committee", "party_branch"])
    frame.loc[frame.id == 12, "management_mode"] = "MAGIC"
    frame.loc[frame.id == 13, "households"] = -1
    frame.to_file(tmp_path / "compounds.gpkg")
    before = live.graphql("{ compounds(first: 20) { nodes { compoundId managementMode households } } }").json()
    done = import_file(live, tmp_path / "compounds.gpkg")
    assert done.returncode == 1
    assert "refused: 2 problems; nothing was written" in done.stdout
    time.sleep(1.5)  # longer than the server takes to notice a change to the file
    after = live.graphql("{ compounds(first: 20) { nodes { compoundId managementMode households } } }").json()
    assert after == before


def test_the_hubs_own_exports_edited_in_a_spreadsheet_or_in_qgis_import_back(live, tmp_path):
    (tmp_path / "compounds.gpkg").write_bytes(get(live, "/export/compounds.gpkg").content)
    frame = gpd.read_file(tmp_path / "compounds.gpkg")  # camelCase columns, layer "compounds"
    frame.loc[frame.compoundId == 20, "households"] = 2020
    frame.to_file(tmp_path / "edited.gpkg", layer="compounds")
    done = import_file(live, tmp_path / "edited.gpkg")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "compounds: 0 new, 1 changed," in done.stdout
    assert wait_until(lambda: surfaces(live, 20, (0.0, 0.0))["ogc"]["households"] == 2020)

    (tmp_path / "export.csv").write_bytes(get(live, "/export/compounds.csv").content)
    table = pd.read_csv(tmp_path / "export.csv", encoding="utf-8-sig")  # Chinese headers, WKT
    table.loc[table["小区编号"] == 21, "户数"] = 2121
    table.to_csv(tmp_path / "compounds.csv", index=False, encoding="utf-8-sig")
    done = import_file(live, tmp_path / "compounds.csv")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "compounds: 0 new, 1 changed," in done.stdout
    assert wait_until(lambda: surfaces(live, 21, (0.0, 0.0))["ogc"]["households"] == 2121)
