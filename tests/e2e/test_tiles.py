"""Vector tiles over HTTP, decoded with an independent decoder and checked against the data files."""

from __future__ import annotations

import gzip
import math

import brotli
import httpx
import mapbox_vector_tile
import pytest
import shapely
import shapely.affinity
from shapely.geometry import box

from hub.geo import datum
from tests.common import CENTRE, layer
from tests.conftest import Server

pytestmark = pytest.mark.e2e


def tile_of(lon, lat, z):
    """Slippy-map tile numbers (the OSM wiki formula, written out here independently of the hub)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def bounds_of(z, x, y):
    n = 2**z

    def lat(row):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return (x / n * 360 - 180, lat(y + 1), (x + 1) / n * 360 - 180, lat(y))


def get(server, path, token=None, **headers):
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.get(f"{server.url}{path}", headers=headers, timeout=30)


def decode(data):
    return mapbox_vector_tile.decode(data)


@pytest.mark.parametrize("z", [14, 16])
def test_a_tile_over_the_old_town_holds_exactly_the_compounds_in_it(server, z):
    x, y = tile_of(*CENTRE, z)
    r = get(server, f"/tiles/compounds/{z}/{x}/{y}.mvt")
    assert r.status_code == 200 and r.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    tile = decode(r.content)
    minx, miny, maxx, maxy = bounds_of(z, x, y)
    pad_x, pad_y = (maxx - minx) * 64 / 4096, (maxy - miny) * 64 / 4096
    df = layer("compounds")
    inside = set(df.loc[df.geometry.intersects(box(minx + pad_x, miny + pad_y, maxx - pad_x, maxy - pad_y)), "id"])
    near = set(df.loc[df.geometry.intersects(box(minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)), "id"])
    got = {f["id"] for f in tile["compounds"]["features"]}
    assert inside <= got <= near and got
    by_id = {int(row["id"]): row for _, row in df.iterrows()}
    for f in tile["compounds"]["features"]:
        assert f["properties"]["name"] == by_id[f["id"]]["name"]


def pixels(geom, z, x, y):
    """A lon/lat geometry in the pixels of tile z/x/y (extent 4096, y down), by the spherical Mercator formula."""
    minx, miny, maxx, maxy = bounds_of(z, x, y)

    def merc_y(lat):
        return math.degrees(math.asinh(math.tan(math.radians(lat))))

    y0, y1 = merc_y(miny), merc_y(maxy)
    return shapely.transform(
        geom, lambda c: [[(lon - minx) / (maxx - minx) * 4096, (y1 - merc_y(lat)) / (y1 - y0) * 4096] for lon, lat in c]
    )


def assert_same_shapes(features, expected):
    for f in features:
        got = shapely.geometry.shape(f["geometry"])
        want = shapely.clip_by_rect(expected[f["id"]], -64, -64, 4160, 4160)
        assert got.is_valid
        assert shapely.symmetric_difference(got, want).area <= want.length * 1.0 + 4  # within a pixel


def test_tile_polygons_are_the_stored_shapes_in_tile_pixels(server):
    z = 16
    x, y = tile_of(*CENTRE, z)
    tile = decode(get(server, f"/tiles/compounds/{z}/{x}/{y}.mvt").content)
    df = layer("compounds").set_index("id")
    # mapbox_vector_tile flips y to point up by default; compare in its convention
    expected = {i: shapely.affinity.scale(pixels(g, z, x, y), 1, -1, origin=(0, 2048)) for i, g in df.geometry.items()}
    assert_same_shapes(tile["compounds"]["features"], expected)


def test_public_tiles_carry_no_personal_data_and_staff_tiles_do(server):
    z = 15
    x, y = tile_of(*CENTRE, z)
    public = decode(get(server, f"/tiles/grids/{z}/{x}/{y}.mvt?properties=code,workerName").content)
    public = public["grids"]["features"]
    assert public and all("workerPhone" not in f["properties"] for f in public)
    assert all(f["properties"]["workerName"].endswith("*") for f in public)
    refused = get(server, f"/tiles/grids/{z}/{x}/{y}.mvt?properties=workerPhone")
    assert refused.status_code == 403 and refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    lean = decode(get(server, f"/tiles/grids/{z}/{x}/{y}.mvt").content)["grids"]["features"]
    assert all(set(f["properties"]) == {"code"} for f in lean)  # the layer's default properties
    token = server.token("--role", "admin")
    admin = get(server, f"/tiles/grids/{z}/{x}/{y}.mvt?properties=workerName,workerPhone", token=token)
    assert admin.headers["cache-control"].startswith("private")
    staff = decode(admin.content)["grids"]["features"]
    assert all(len(f["properties"]["workerPhone"]) == 11 for f in staff)


def test_an_empty_tile_is_204_and_a_repeat_with_the_etag_is_304(server):
    far = get(server, "/tiles/compounds/14/0/0.mvt")
    assert far.status_code == 204
    x, y = tile_of(*CENTRE, 14)
    first = get(server, f"/tiles/compounds/14/{x}/{y}.mvt")
    assert first.headers["etag"] and "max-age" in first.headers["cache-control"]
    again = get(server, f"/tiles/compounds/14/{x}/{y}.mvt", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_the_all_layers_tile_has_every_layer_present_there(server):
    x, y = tile_of(*CENTRE, 14)
    tile = decode(get(server, f"/tiles/all/14/{x}/{y}.mvt").content)
    assert {"sectors", "compounds", "grids", "merchants", "communities", "subdistricts"} <= set(tile)


def test_a_township_tile_holds_the_townships_and_villages_it_meets_with_their_codes(server):
    z = 11
    villages = layer("villages")
    point = villages[villages.name == "顺南村"].geometry.iloc[0].representative_point()
    x, y = tile_of(point.x, point.y, z)
    tile = decode(get(server, f"/tiles/all/{z}/{x}/{y}.mvt").content)
    minx, miny, maxx, maxy = bounds_of(z, x, y)
    pad_x, pad_y = (maxx - minx) * 64 / 4096, (maxy - miny) * 64 / 4096
    inner = box(minx + pad_x, miny + pad_y, maxx - pad_x, maxy - pad_y)
    outer = box(minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)
    for name in ("townships", "villages"):
        df = layer(name)
        got = {f["properties"]["code"] for f in tile[name]["features"]}
        assert set(df.loc[df.intersects(inner), "code"]) <= got <= set(df.loc[df.intersects(outer), "code"])
    assert "411403102" in {f["properties"]["code"] for f in tile["townships"]["features"]}  # 李口镇


def test_a_gcj02_tile_lays_the_sectors_on_the_gcj02_grid(server):
    z = 14
    x, y = tile_of(*datum.wgs84_to_gcj02(*CENTRE), z)
    features = decode(get(server, f"/tiles/sectors/{z}/{x}/{y}.mvt?crs=GCJ02").content)["sectors"]["features"]
    sectors = layer("sectors").set_index("code")
    assert len(features) == 4
    expected = {}
    for f in features:
        code = f["properties"]["code"]
        g = datum.from_wgs84(sectors.loc[code, "geometry"], "GCJ02")
        expected[f["id"]] = shapely.affinity.scale(pixels(g, z, x, y), 1, -1, origin=(0, 2048))
    assert_same_shapes(features, expected)


def test_bad_tile_addresses_and_layers_are_refused_clearly(server):
    assert get(server, "/tiles/compounds/3/99/0.mvt").status_code == 400
    r = get(server, "/tiles/nope/3/1/1.mvt")
    assert r.status_code == 400 and "unknown layer" in r.json()["errors"][0]["message"]


def test_tilejson_describes_the_layer(server):
    r = get(server, "/tiles/compounds.json")
    doc = r.json()
    assert doc["tilejson"] == "3.0.0"
    assert doc["tiles"][0].endswith("/tiles/compounds/{z}/{x}/{y}.mvt")
    assert doc["vector_layers"][0]["id"] == "compounds"


def test_tilejson_urls_never_carry_the_requests_host(server):
    """It is marked public for shared caches: a forged Host must not end up in what they keep."""
    r = get(server, "/tiles/compounds.json", Host="evil.example")
    assert r.status_code == 200 and r.headers["cache-control"].startswith("public")
    assert r.json()["tiles"] == ["/tiles/compounds/{z}/{x}/{y}.mvt"]
    assert "evil" not in r.text


def test_tilejson_urls_start_with_the_configured_public_url(tmp_path):
    srv = Server(tmp_path / "pub.db", env={"HUB_PUBLIC_URL": "https://hub.suiyang.example/"}).start()
    try:
        doc = get(srv, "/tiles/sectors.json?crs=GCJ02", Host="evil.example").json()
        assert doc["tiles"] == ["https://hub.suiyang.example/tiles/sectors/{z}/{x}/{y}.mvt?crs=GCJ02"]
    finally:
        srv.stop()


def test_the_tile_url_tilejson_advertises_for_a_crs_serves_that_grid(server):
    template = get(server, "/tiles/sectors.json?crs=gcj-02").json()["tiles"][0]
    x, y = tile_of(*datum.wgs84_to_gcj02(*CENTRE), 14)
    path = template.replace("{z}", "14").replace("{x}", str(x)).replace("{y}", str(y))
    assert get(server, path).content == get(server, f"/tiles/sectors/14/{x}/{y}.mvt?crs=GCJ02").content


def test_tilejson_refuses_an_unknown_crs_naming_the_known_ones(server):
    r = get(server, "/tiles/compounds.json?crs=EPSG:3857")
    assert r.status_code == 400
    error = r.json()["errors"][0]
    assert error["extensions"]["code"] == "BAD_INPUT"
    assert all(name in error["message"] for name in ("WGS84", "GCJ02", "BD09"))
    nope = get(server, "/tiles/nowhere.json")
    assert nope.status_code == 404 and nope.json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def raw_get(server, path, **headers):
    """The answer's bytes as sent (no decoding by the client), and its headers."""
    with httpx.stream("GET", f"{server.url}{path}", headers=headers, timeout=30) as r:
        return b"".join(r.iter_raw()), r.headers, r.status_code


@pytest.mark.parametrize(("coding", "decompress"), [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_a_compressed_tile_is_the_same_tile_with_its_own_etag(server, coding, decompress):
    x, y = tile_of(*CENTRE, 14)
    path = f"/tiles/all/14/{x}/{y}.mvt"
    plain, plain_headers, _ = raw_get(server, path, **{"Accept-Encoding": "identity"})
    packed, headers, _ = raw_get(server, path, **{"Accept-Encoding": coding})
    assert "content-encoding" not in plain_headers
    assert headers["content-encoding"] == coding
    assert decompress(packed) == plain and len(packed) < len(plain)
    assert "Accept-Encoding" in headers["vary"] and "Authorization" in headers["vary"]
    assert headers["etag"] != plain_headers["etag"]
    again = get(server, path, **{"Accept-Encoding": coding, "If-None-Match": headers["etag"]})
    assert again.status_code == 304 and again.headers["etag"] == headers["etag"]
    changed = get(server, path, **{"Accept-Encoding": coding, "If-None-Match": '"0000"'})
    assert changed.status_code == 200
