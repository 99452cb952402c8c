"""A server on a store holding bad rows starts, serves every surface (GraphQL, tiles, OGC API, exports) without
them, and names them: in its log, at /healthz and in every GraphQL answer. Fixing a row with `hub import`
brings it back."""

from __future__ import annotations

import io
import sqlite3

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from tests.common import snapshot_after_hand_edit
from tests.conftest import ROOT, Server
from tests.e2e.test_import_live import import_file, wait_until
from tests.e2e.test_ogc import get
from tests.e2e.test_tiles import decode, tile_of

pytestmark = pytest.mark.e2e

BOWTIE = shapely.Polygon([(115.60, 34.37), (115.601, 34.371), (115.601, 34.37), (115.60, 34.371)])


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    db = tmp_path_factory.mktemp("broken") / "hub.db"
    Server(db).start().stop()  # made and loaded with the demo data
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE compounds SET management_mode = 'MAGIC' WHERE id = 7")
        conn.execute("UPDATE compounds SET households = 'lots' WHERE id = 8")
        conn.execute("UPDATE occupations SET geom = ? WHERE id = 3", (shapely.to_wkb(BOWTIE),))
    snapshot_after_hand_edit(db)
    srv = Server(db).start()
    yield srv
    srv.stop()


def test_every_surface_serves_without_the_bad_rows_and_names_them(broken):
    assert get(broken, "/healthz").json()["storeFaults"] == 3
    answer = broken.graphql("{ compounds(first: 1000) { totalCount nodes { compoundId managementMode } } }").json()
    assert answer["data"]["compounds"]["totalCount"] == 617 and "errors" not in answer
    named = {(f["table"], f["key"], f["field"]) for f in answer["extensions"]["storeFaults"]["leftOut"]}
    assert named == {
        ("compounds", "7", "management_mode"),
        ("compounds", "8", "households"),
        ("occupations", "3", "geom"),
    }
    items = get(broken, "/ogc/collections/compounds/items?limit=1000").json()
    assert items["numberMatched"] == 617 and get(broken, "/ogc/collections/compounds/items/7").status_code == 404
    csv = pd.read_csv(io.BytesIO(get(broken, "/export/compounds.csv").content), encoding="utf-8-sig")
    assert len(csv) == 617 and 7 not in set(csv["要素ID"])
    frame = gpd.read_file(ROOT / "fixtures" / "suiyang" / "compounds.geojson")
    x, y = tile_of(*frame[frame.id == 7].iloc[0].geometry.representative_point().coords[0], 16)
    tile = get(broken, f"/tiles/compounds/16/{x}/{y}.mvt")
    assert tile.status_code in (200, 204)
    if tile.status_code == 200:
        assert 7 not in {f["properties"].get("compoundId") for f in decode(tile.content)["compounds"]["features"]}


def test_a_bad_row_fixed_by_an_import_is_served_again(broken, tmp_path):
    frame = gpd.read_file(ROOT / "fixtures" / "suiyang" / "compounds.geojson")
    fixed = frame[frame.id.isin([7, 8])].drop(columns=["committee", "party_branch"])
    fixed.to_file(tmp_path / "compounds.gpkg")
    done = import_file(broken, tmp_path / "compounds.gpkg")
    assert done.returncode == 0, done.stdout + done.stderr
    assert wait_until(lambda: get(broken, "/healthz").json().get("storeFaults") == 1)
    answer = broken.graphql("{ compounds(first: 1000) { totalCount } }").json()
    assert answer["data"]["compounds"]["totalCount"] == 619
    assert [f["table"] for f in answer["extensions"]["storeFaults"]["leftOut"]] == ["occupations"]
