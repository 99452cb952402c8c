"""Exports over HTTP, read as their users read them: GeoJSON with geopandas, CSV as a spreadsheet would
(the csv module with utf-8-sig, and pandas), GeoPackage with geopandas and ogrinfo."""

from __future__ import annotations

import csv
import io
import time

import geopandas as gpd
import httpx
import pandas as pd
import pytest
import shapely

from tests.common import CENTRE, layer
from tests.e2e.test_ogc import get, ogr, token_actor

pytestmark = pytest.mark.e2e

AREA = shapely.Point(CENTRE).buffer(0.006)
"""A drawn area around 大隅首 (a 32-gon)."""


def test_a_geojson_export_is_rfc_7946_with_every_compound(server):
    r = get(server, "/export/compounds.geojson")
    assert r.headers["content-type"] == "application/geo+json"
    assert "content-length" not in r.headers  # streamed
    assert r.headers["content-disposition"] == 'attachment; filename="compounds.geojson"'
    df = gpd.read_file(io.BytesIO(r.content))
    assert len(df) == 619 and r.json()["numberMatched"] == 619
    assert shapely.is_ccw(df.geometry.exterior).all()  # RFC 7946: exterior rings counter-clockwise
    expected = layer("compounds").set_index("id").geometry
    for cid, geom in zip(df["compoundId"], df.geometry, strict=True):
        assert shapely.equals_exact(geom.normalize(), expected[cid].normalize(), tolerance=1e-6)


def test_intersects_and_within_select_as_the_drawn_area_says(server):
    df = layer("compounds")
    area = shapely.to_geojson(AREA)
    inter = get(server, f"/export/compounds.geojson?intersects={area}").json()
    assert {f["id"] for f in inter["features"]} == set(df.loc[df.intersects(AREA), "id"])
    within = get(server, f"/export/compounds.geojson?within={area}").json()
    assert {f["id"] for f in within["features"]} == set(df.loc[df.within(AREA), "id"])
    assert 0 < len(within["features"]) < len(inter["features"])


def test_a_large_area_can_be_posted_as_json(server):
    big = shapely.Point(CENTRE).buffer(0.008, quad_segs=400)  # 1,600 corners: too long for a URL
    r = httpx.post(
        f"{server.url}/export/compounds.geojson",
        json={"intersects": shapely.geometry.mapping(big), "managementMode": "PROPERTY_COMPANY"},
        timeout=60,
    )
    df = layer("compounds")
    expected = df.loc[df.intersects(big) & (df.management_mode == "PROPERTY_COMPANY"), "id"]
    assert {f["id"] for f in r.json()["features"]} == set(expected) and len(expected)


def test_a_csv_export_opens_as_a_spreadsheet_would_with_the_chinese_intact(server):
    r = get(server, "/export/occupations.csv?status=CLEARED")
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.content.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"), newline="")))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["要素ID", "编号", "小区编号", "占用类型", "状态"]
    assert header[-3:] == ["几何(WKT)", "代表点经度", "代表点纬度"]
    df = layer("occupations")
    cleared = df[df.status == "CLEARED"].set_index("id")
    assert sorted(int(x[0]) for x in body) == sorted(cleared.index)
    for row in body:
        geom = shapely.from_wkt(row[-3])
        assert shapely.equals_exact(geom.normalize(), cleared.geometry[int(row[0])].normalize(), tolerance=1e-6)
        assert geom.intersects(shapely.Point(float(row[-2]), float(row[-1])))
    frame = pd.read_csv(io.BytesIO(r.content), encoding="utf-8-sig")
    assert list(frame.columns) == header and len(frame) == len(cleared)
    assert (frame["状态"] == "CLEARED").all()


def test_compound_names_come_through_a_csv_export(server):
    frame = pd.read_csv(io.BytesIO(get(server, "/export/compounds.csv").content), encoding="utf-8-sig")
    names = layer("compounds").set_index("id").name
    assert dict(zip(frame["要素ID"], frame["小区名称"], strict=True)) == names.to_dict()


def test_a_geopackage_export_opens_in_geopandas_and_ogrinfo(server, tmp_path):
    r = get(server, "/export/occupations.gpkg?crs=EPSG:4490&datetime=2022-01-01/2022-12-31")
    assert r.headers["content-type"] == "application/geopackage+sqlite3"
    path = tmp_path / "occupations.gpkg"
    path.write_bytes(r.content)
    df = gpd.read_file(path)
    fixture = layer("occupations")
    in_2022 = fixture[(fixture.reported_on >= "2022-01-01") & (fixture.reported_on <= "2022-12-31")].set_index("id")
    assert df.crs.to_epsg() == 4490 and sorted(df["occupationId"]) == sorted(in_2022.index)
    row = df.iloc[0]
    assert shapely.equals_exact(
        row.geometry.normalize(), in_2022.geometry[row["occupationId"]].normalize(), tolerance=1e-6
    )
    assert str(row["reportedOn"].date()) == in_2022.reported_on[row["occupationId"]]
    assert f"Feature Count: {len(in_2022)}" in ogr("ogrinfo", "-ro", "-so", str(path), "occupations")


def test_exports_mask_personal_data_for_the_public_and_log_it_for_staff(server):
    box = ",".join(str(v) for v in AREA.bounds)
    path = f"/export/grids.csv?bbox={box}&properties=code,workerName"
    public = pd.read_csv(io.BytesIO(get(server, path).content), encoding="utf-8-sig", dtype=str)
    assert public["网格员"].str.endswith("*").all() and len(public)
    assert get(server, "/export/grids.gpkg?properties=workerPhone").status_code == 403
    officer = server.token("--role", "officer", "--squad", "SQ1")
    staff = pd.read_csv(io.BytesIO(get(server, path, token=officer).content), encoding="utf-8-sig", dtype=str)
    names = layer("grids").set_index("code").worker_name
    assert (staff["网格员"] == staff["网格代码"].map(names)).all()
    admin = server.token("--role", "admin")
    time.sleep(1.5)
    log = server.graphql('{ disclosures(kind: "gridWorker.name") { actor subjects } }', token=admin).json()
    mine = [e for e in log["data"]["disclosures"] if e["actor"] == token_actor(officer)]
    assert {s for e in mine for s in e["subjects"]} == set(staff["网格代码"])


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/export/nowhere.csv", 404, "layer"),
        ("/export/compounds.xlsx", 404, "format"),
        ("/export/compounds.csv?colour=red", 400, "colour"),
        ("/export/compounds.geojson?crs=EPSG:4490", 400, "crs"),
        ("/export/compounds.csv?within={not json", 400, "within"),
        (
            '/export/compounds.csv?within={"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}',
            400,
            "within",
        ),
        ("/export/figures/nothing.csv", 404, "name"),
    ],
)
def test_bad_export_requests_are_refused_with_the_reason(server, path, status, parameter):
    r = get(server, path)
    assert r.status_code == status and r.json()["parameter"] == parameter
