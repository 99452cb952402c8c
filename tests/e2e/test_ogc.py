"""OGC API Features over HTTP, read by the clients GIS people use: OWSLib, GDAL (ogrinfo, ogr2ogr), geopandas.

Expectations come from the fixture files read without the hub (``tests.common.layer``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time

import geopandas as gpd
import httpx
import pytest
import shapely
from openapi_spec_validator import validate
from owslib.ogcapi.features import Features

from hub.domain.features import LAYERS
from tests.common import CENTRE, layer

pytestmark = pytest.mark.e2e

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
EPSG_4490 = "http://www.opengis.net/def/crs/EPSG/0/4490"
OLD_TOWN_BOX = (CENTRE[0] - 0.01, CENTRE[1] - 0.01, CENTRE[0] + 0.01, CENTRE[1] + 0.01)


def ogr(*args):
    """Run one of GDAL's command-line tools (skipped where GDAL is missing; in CI, which installs it, a failure)."""
    if shutil.which(args[0]) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{args[0]} is missing (CI must install gdal-bin: see .ci/run)")
        pytest.skip(f"{args[0]} is not installed (apt-get install gdal-bin)")
    out = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return out.stdout


def get(server, path, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=60)


def token_actor(token):
    return "officer:" + token.split("_")[1]


# --- the documents --------------------------------------------------------------------------------------------------


def test_the_landing_page_links_the_api_definition_conformance_and_collections(server):
    doc = get(server, "/ogc").json()
    rels = {link["rel"]: link["href"] for link in doc["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"].endswith("/ogc/collections")
    conformance = get(server, "/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conformance


def test_the_api_definition_is_valid_openapi_3_and_lists_every_collections_items(server):
    r = get(server, "/ogc/api")
    assert r.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    doc = r.json()
    validate(doc)  # raises when the document is not valid OpenAPI 3.0
    for name in LAYERS:
        assert f"/collections/{name}/items" in doc["paths"]
    status = [p["name"] for p in doc["paths"]["/collections/occupations/items"]["get"]["parameters"] if "name" in p]
    assert "status" in status


def test_every_layer_is_a_collection_with_its_extent_and_crss(server):
    doc = get(server, "/ogc/collections").json()
    by_id = {c["id"]: c for c in doc["collections"]}
    assert set(by_id) == set(LAYERS)
    compounds = by_id["compounds"]
    assert compounds["storageCrs"] == CRS84 and {CRS84, EPSG_4326, EPSG_4490} <= set(compounds["crs"])
    expected = layer("compounds").total_bounds
    got = compounds["extent"]["spatial"]["bbox"][0]
    assert got == pytest.approx(list(expected), abs=1e-6)
    reported = sorted(layer("occupations")["reported_on"])
    interval = by_id["occupations"]["extent"]["temporal"]["interval"][0]
    assert interval[0].startswith(reported[0]) and interval[1].startswith(reported[-1])


def test_queryables_are_a_json_schema_of_the_open_properties_only(server):
    doc = get(server, "/ogc/collections/grids/queryables").json()
    assert doc["type"] == "object" and doc["$schema"].startswith("https://json-schema.org/")
    assert "code" in doc["properties"] and "workerName" not in doc["properties"]
    occupations = get(server, "/ogc/collections/occupations/queryables").json()["properties"]
    assert occupations["reportedOn"] == {"title": "发现日期", "type": "string", "format": "date"}


# --- items ----------------------------------------------------------------------------------------------------------


def test_a_bbox_selects_the_compounds_that_intersect_it(server):
    box = ",".join(str(v) for v in OLD_TOWN_BOX)
    doc = get(server, f"/ogc/collections/compounds/items?bbox={box}&limit=1000").json()
    df = layer("compounds")
    expected = set(df.loc[df.geometry.intersects(shapely.box(*OLD_TOWN_BOX)), "id"])
    assert {f["id"] for f in doc["features"]} == expected
    assert doc["numberMatched"] == doc["numberReturned"] == len(expected)


def test_property_filters_and_datetime_select_what_the_fixture_says(server):
    df = layer("occupations")
    cleared = df[df.status == "CLEARED"]
    doc = get(server, "/ogc/collections/occupations/items?status=CLEARED&limit=1000").json()
    assert {f["id"] for f in doc["features"]} == set(cleared["id"])
    in_2022 = df[(df.reported_on >= "2022-01-01") & (df.reported_on <= "2022-12-31")]
    doc = get(server, "/ogc/collections/occupations/items?datetime=2022-01-01/2022-12-31&limit=1000").json()
    assert {f["id"] for f in doc["features"]} == set(in_2022["id"]) and len(in_2022)
    since = sorted(df.reported_on)[len(df) // 2]
    doc = get(server, f"/ogc/collections/occupations/items?datetime={since}/..&limit=1000").json()
    assert {f["id"] for f in doc["features"]} == set(df.loc[df.reported_on >= since, "id"])
    doc = get(server, f"/ogc/collections/occupations/items?datetime=../{since}&status=CLEARED").json()
    assert doc["numberMatched"] == ((df.reported_on <= since) & (df.status == "CLEARED")).sum()


def test_properties_selects_the_properties_served(server):
    doc = get(server, "/ogc/collections/compounds/items?properties=name,households&limit=3").json()
    assert all(set(f["properties"]) == {"name", "households"} for f in doc["features"])


def test_pages_link_to_the_next_and_previous_and_cover_every_feature_once(server):
    ids, url, pages = [], f"{server.url}/ogc/collections/compounds/items?limit=250", 0
    while url:
        doc = httpx.get(url, timeout=30).json()
        rels = {link["rel"]: link["href"] for link in doc["links"]}
        if pages:
            assert "prev" in rels
        ids += [f["id"] for f in doc["features"]]
        url, pages = rels.get("next"), pages + 1
    assert pages == 3 and sorted(ids) == sorted(layer("compounds")["id"])


@pytest.mark.parametrize("crs", [EPSG_4326, EPSG_4490])
def test_epsg_4326_and_cgcs2000_answers_put_latitude_first_and_say_so(server, crs):
    r = get(server, f"/ogc/collections/compounds/items/1?crs={crs}")
    assert r.headers["content-crs"] == f"<{crs}>"
    lat_lon = shapely.geometry.shape(r.json()["geometry"])
    lon_lat = layer("compounds").set_index("id").geometry[1]
    swapped = shapely.transform(lat_lon, lambda c: c[:, ::-1])
    assert shapely.equals_exact(swapped.normalize(), lon_lat.normalize(), tolerance=1e-6)
    assert get(server, "/ogc/collections/compounds/items/1").headers["content-crs"] == f"<{CRS84}>"


def test_a_bbox_in_epsg_4326_is_read_latitude_first(server):
    x0, y0, x1, y1 = OLD_TOWN_BOX
    lon_lat = get(server, f"/ogc/collections/compounds/items?bbox={x0},{y0},{x1},{y1}&limit=1000").json()
    lat_lon = get(
        server, f"/ogc/collections/compounds/items?bbox={y0},{x0},{y1},{x1}&bbox-crs={EPSG_4326}&limit=1000"
    ).json()
    assert lat_lon["numberMatched"] == lon_lat["numberMatched"] > 0


@pytest.mark.parametrize(
    ("path", "status", "parameter"),
    [
        ("/ogc/collections/nowhere", 404, "collectionId"),
        ("/ogc/collections/nowhere/items", 404, "collectionId"),
        ("/ogc/collections/compounds/items/999999", 404, "featureId"),
        ("/ogc/collections/compounds/items?colour=red", 400, "colour"),
        ("/ogc/collections/compounds/items?bbox=1,2,3", 400, "bbox"),
        ("/ogc/collections/compounds/items?bbox=a,b,c,d", 400, "bbox"),
        ("/ogc/collections/compounds/items?bbox=115.7,34.3,115.6,34.4", 400, "bbox"),
        ("/ogc/collections/occupations/items?datetime=2024-13-45", 400, "datetime"),
        ("/ogc/collections/occupations/items?datetime=2024-06-30/2024-06-01", 400, "datetime"),
        ("/ogc/collections/compounds/items?datetime=2024-06-01", 400, "datetime"),
        ("/ogc/collections/compounds/items?limit=0", 400, "limit"),
        ("/ogc/collections/compounds/items?limit=ten", 400, "limit"),
        ("/ogc/collections/compounds/items?crs=EPSG:3857", 400, "crs"),
        ("/ogc/collections/compounds/items?bbox=1,2,3,4&bbox-crs=EPSG:3857", 400, "bbox-crs"),
        ("/ogc/collections/compounds/items?households=lots", 400, "households"),
        ("/ogc/collections/grids/items?properties=workerPhone", 403, "properties"),
        ("/ogc/collections/compounds?f=xml", 400, "f"),
    ],
)
def test_bad_requests_get_the_status_the_standard_says_and_a_json_reason(server, path, status, parameter):
    r = get(server, path)
    assert r.status_code == status
    body = r.json()
    assert body["parameter"] == parameter and body["description"] and body["code"]


def test_a_limit_over_the_maximum_is_served_as_the_maximum(server):
    doc = get(server, "/ogc/collections/grids/items?limit=1000000").json()
    assert doc["numberReturned"] == 4950 and doc["numberMatched"] == 4950  # all fit under 10,000


def test_browsers_get_html_and_clients_json(server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for path in ("/ogc", "/ogc/collections", "/ogc/collections/compounds", "/ogc/collections/compounds/items"):
        page = get(server, path, Accept=browser)
        assert page.headers["content-type"].startswith("text/html") and "<html" in page.text
        assert get(server, path, Accept="application/json").headers["content-type"].startswith("application/")
        assert get(server, path + "?f=json", Accept=browser).headers["content-type"].startswith("application/")
    item = get(server, "/ogc/collections/compounds/items/1?f=html").text
    assert layer("compounds").set_index("id").name[1] in item


# --- roles ----------------------------------------------------------------------------------------------------------


def test_grid_workers_names_are_masked_for_the_public_and_logged_when_staff_see_them(server):
    path = "/ogc/collections/grids/items?properties=code,workerName&limit=5"
    public = get(server, path).json()["features"]
    assert all(f["properties"]["workerName"].endswith("*") for f in public)
    officer = server.token("--role", "officer", "--squad", "SQ4")
    staff = get(server, path, token=officer).json()["features"]
    names = layer("grids").set_index("code").worker_name
    assert all(f["properties"]["workerName"] == names[f["id"]] for f in staff)
    admin = server.token("--role", "admin")
    time.sleep(1.5)
    log = server.graphql('{ disclosures(kind: "gridWorker.name") { actor subjects views } }', token=admin).json()[
        "data"
    ]["disclosures"]
    mine = [e for e in log if e["actor"] == token_actor(officer)]
    assert {s for e in mine for s in e["subjects"]} == {f["id"] for f in staff}


# --- real clients ---------------------------------------------------------------------------------------------------


def test_owslib_lists_the_collections_and_pages_through_all_619_compounds(server):
    api = Features(f"{server.url}/ogc")
    assert {c["id"] for c in api.collections()["collections"]} == set(LAYERS)
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in api.conformance()["conformsTo"]
    seen, offset = [], 0
    while True:
        page = api.collection_items("compounds", limit=200, offset=offset)
        seen += [f["id"] for f in page["features"]]
        if not any(link["rel"] == "next" for link in page["links"]):
            break
        offset += 200
    assert page["numberMatched"] == 619 and sorted(seen) == sorted(layer("compounds")["id"])


def test_geopandas_reads_an_items_url(server):
    df = gpd.read_file(f"{server.url}/ogc/collections/sectors/items?f=json")
    assert sorted(df["code"]) == sorted(layer("sectors")["code"])
    expected = layer("sectors").set_index("code").geometry
    for code, geom in zip(df["code"], df.geometry, strict=True):
        assert shapely.equals_exact(geom.normalize(), expected[code].normalize(), tolerance=1e-6)


def test_ogrinfo_reads_every_layer(server):
    summary = ogr("ogrinfo", "-ro", "-so", "-al", f"OAPIF:{server.url}/ogc")
    for name in LAYERS:
        assert f"Layer name: {name}" in summary
    counts = ogr("ogrinfo", "-ro", "-so", f"OAPIF:{server.url}/ogc", "compounds")
    assert "Feature Count: 619" in counts


def test_ogr2ogr_copies_the_compounds_into_a_geopackage(server, tmp_path):
    target = tmp_path / "compounds.gpkg"
    ogr("ogr2ogr", "-f", "GPKG", str(target), f"OAPIF:{server.url}/ogc", "compounds")
    df = gpd.read_file(target)
    assert len(df) == 619
    expected = layer("compounds").set_index("id")
    row = df.loc[df["compoundId"] == 5].iloc[0]
    assert row["name"] == expected.name[5]
    assert shapely.equals_exact(row.geometry.normalize(), expected.geometry[5].normalize(), tolerance=1e-6)
    assert "Feature Count: 619" in ogr("ogrinfo", "-ro", "-so", str(target), "compounds")
