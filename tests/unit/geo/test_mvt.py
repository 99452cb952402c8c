"""Encoded tiles decode, with an independent decoder, to the clipped and quantised geometry, ids and properties.

The decoder is the ``mapbox-vector-tile`` package (protobuf-based); expectations are built with pyproj's
EPSG:3857 and shapely's clipping, not with the encoder's own projection.
"""

from __future__ import annotations

import itertools
import math

import mapbox_vector_tile
import numpy as np
import pytest
import shapely
from mapbox_vector_tile.Mapbox import vector_tile_pb2
from pyproj import Transformer

from hub.errors import InputError
from hub.geo.mvt import encode_layer, encode_tile, tile_at, tile_bounds, tile_bounds_mercator
from tests.unit.geo.shapes import CENTRE, OLD_TOWN_RADIUS_M, square_m

EXTENT, BUFFER = 4096, 64
HALF = math.pi * 6378137.0
TO_MERCATOR = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
Z14 = (14, 13453, 6524)
Z18 = (18, 215256, 104386)


def standard_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    """The slippy-map formula from the OSM wiki."""
    n = 2**z
    return int((lon + 180.0) / 360.0 * n), int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)


def to_tile_pixels(geom, z, x, y):
    """WGS84 geometry in tile pixel space (float, y down) through pyproj's Web Mercator."""
    size = 2 * HALF / 2**z
    minx, maxy = -HALF + x * size, HALF - y * size

    def f(c):
        mx, my = TO_MERCATOR.transform(c[:, 0], c[:, 1])
        return np.column_stack([(mx - minx) / size * EXTENT, (maxy - my) / size * EXTENT])

    return shapely.transform(geom, f)


def expected(geom, tile, buffer=BUFFER):
    return shapely.clip_by_rect(to_tile_pixels(geom, *tile), -buffer, -buffer, EXTENT + buffer, EXTENT + buffer)


def decode(tile_bytes: bytes) -> dict:
    return mapbox_vector_tile.decode(tile_bytes, default_options={"y_coord_down": True})


def features(layer_bytes: bytes, name: str = "layer") -> list[dict]:
    return decode(encode_tile([layer_bytes]))[name]["features"]


def raw_layer(layer_bytes: bytes):
    tile = vector_tile_pb2.tile()
    tile.ParseFromString(encode_tile([layer_bytes]))
    (layer,) = tile.layers
    return layer


def shape(feature: dict):
    return shapely.geometry.shape(feature["geometry"])


def signed_area(ring) -> float:
    """Surveyor's formula on a closed ring in tile coordinates: positive is clockwise on screen (y down)."""
    x, y = np.asarray(ring, dtype=float).T
    return 0.5 * float(np.sum(x[:-1] * y[1:] - x[1:] * y[:-1]))


def assert_oriented(geometry: dict) -> None:
    """Every exterior ring has positive area by the surveyor's formula, every hole negative (MVT 2.1, 4.3.4.4)."""
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for exterior, *holes in polygons:
        assert signed_area(exterior) > 0
        assert all(signed_area(hole) < 0 for hole in holes)


def assert_close_to(decoded, exact) -> None:
    """Every vertex moves at most half a pixel diagonal (0.71) in rounding, so the shapes differ by that.

    Rounding can make a polygon self-touching, so the overlay uses the decoded shape made valid.
    """
    assert shapely.hausdorff_distance(decoded, exact) <= 0.75
    if exact.area > 0:
        assert abs(decoded.area - exact.area) <= 0.75 * exact.length
        assert shapely.symmetric_difference(shapely.make_valid(decoded), exact).area <= 0.75 * exact.length


# --- tiles ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("z", [0, 1, 14, 18, 22])
def test_tile_at_agrees_with_the_slippy_map_formula(z):
    assert tile_at(*CENTRE, z) == standard_tile(*CENTRE, z)


def test_the_old_town_centre_tiles():
    assert tile_at(*CENTRE, 14) == Z14[1:]
    assert tile_at(*CENTRE, 18) == Z18[1:]
    for tile in (Z14, Z18):
        minlon, minlat, maxlon, maxlat = tile_bounds(*tile)
        assert minlon <= CENTRE[0] < maxlon and minlat < CENTRE[1] <= maxlat


@pytest.mark.parametrize("tile", [Z14, Z18, (0, 0, 0), (3, 7, 0)])
def test_tile_bounds_are_the_mercator_bounds_in_degrees(tile):
    minlon, minlat, maxlon, maxlat = tile_bounds(*tile)
    mx0, my0 = TO_MERCATOR.transform(minlon, minlat)
    mx1, my1 = TO_MERCATOR.transform(maxlon, maxlat)
    assert tile_bounds_mercator(*tile) == pytest.approx((mx0, my0, mx1, my1), abs=1e-6)


@pytest.mark.parametrize("tile", [(14, 16384, 0), (1, 0, 2), (-1, 0, 0), (31, 0, 0), (1.5, 0, 0), (True, 0, 0)])
def test_a_tile_off_the_grid_is_refused(tile):
    with pytest.raises(InputError):
        tile_bounds(*tile)
    with pytest.raises(InputError):
        encode_layer("layer", [shapely.Point(CENTRE)], None, [1], z=tile[0], x=tile[1], y=tile[2])


# --- geometry -------------------------------------------------------------------------------------------------


def test_a_polygon_in_the_tile_decodes_to_its_quantised_shape():
    grid = square_m(115.6050, 34.3700, 300)
    (f,) = features(encode_layer("layer", [grid], [{"name": "东门"}], [7], z=Z14[0], x=Z14[1], y=Z14[2]))
    assert f["id"] == 7 and f["geometry"]["type"] == "Polygon"
    exact = expected(grid, Z14)
    decoded = shape(f)
    assert_close_to(decoded, exact)
    # the vertices are exactly the rounded pixel positions
    want = np.rint(shapely.get_coordinates(exact)[:-1])
    got = np.array(f["geometry"]["coordinates"][0][:-1])
    assert sorted(map(tuple, got.tolist())) == sorted(map(tuple, want.tolist()))


@pytest.mark.parametrize("reverse", [False, True], ids=["geojson-orientation", "reversed"])
def test_exteriors_are_clockwise_on_screen_and_holes_counter_clockwise(reverse):
    outer = square_m(115.6020, 34.3650, 600)
    hole = square_m(115.6040, 34.3670, 200)
    poly = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    poly = shapely.orient_polygons(poly, exterior_cw=reverse)
    far = square_m(115.6150, 34.3720, 200)
    multi = shapely.MultiPolygon([poly, shapely.orient_polygons(far, exterior_cw=not reverse)])
    (f,) = features(encode_layer("layer", [multi], None, [1], z=Z14[0], x=Z14[1], y=Z14[2]))
    assert f["geometry"]["type"] == "MultiPolygon"
    (ext1, hole1), (ext2,) = f["geometry"]["coordinates"]
    assert signed_area(ext1) > 0 and signed_area(ext2) > 0
    assert signed_area(hole1) < 0
    assert_close_to(shape(f), expected(multi, Z14))


def test_winding_seen_in_the_raw_commands():
    """One ring, read straight from the protobuf: MoveTo(1), LineTo(n-1), ClosePath(1), positive area."""
    layer = raw_layer(encode_layer("layer", [square_m(115.6050, 34.3700, 300)], None, [1], z=14, x=13453, y=6524))
    g = list(layer.features[0].geometry)
    assert g[0] == 9 and g[3] == (3 << 3) | 2 and g[-1] == 15 and len(g) == 1 + 2 + 1 + 6 + 1
    zz = np.array(g[1:3] + g[4:10])
    deltas = ((zz >> 1) ^ -(zz & 1)).reshape(-1, 2)
    ring = np.cumsum(deltas, axis=0)
    assert signed_area(np.vstack([ring, ring[:1]])) > 0


def test_a_polygon_crossing_the_tile_edge_is_clipped_to_the_buffer():
    big = shapely.Point(CENTRE).buffer(0.05)  # about 5 km across: covers the z14 tile and beyond
    (f,) = features(encode_layer("layer", [big], None, [1], z=Z14[0], x=Z14[1], y=Z14[2]))
    decoded = shape(f)
    assert decoded.bounds == (-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    assert decoded.equals(shapely.box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER))
    assert signed_area(f["geometry"]["coordinates"][0]) > 0


def test_the_old_town_covers_its_z18_tile():
    old_town = shapely.Point(CENTRE).buffer(OLD_TOWN_RADIUS_M / 92_000)  # ~1.4 km: far beyond the ~120 m tile
    (f,) = features(encode_layer("layer", [old_town], None, [1], z=Z18[0], x=Z18[1], y=Z18[2], buffer=16))
    assert shape(f).equals(shapely.box(-16, -16, EXTENT + 16, EXTENT + 16))


def test_a_part_straddling_the_edge_keeps_its_inside_and_loses_the_rest():
    _, minlat, maxlon, _ = tile_bounds(*Z14)
    strip = shapely.box(maxlon - 0.002, minlat + 0.005, maxlon + 0.002, minlat + 0.006)
    (f,) = features(encode_layer("layer", [strip], None, [1], z=Z14[0], x=Z14[1], y=Z14[2]))
    decoded = shape(f)
    assert decoded.bounds[2] == EXTENT + BUFFER
    assert_close_to(decoded, expected(strip, Z14))


def test_points_outside_the_tile_and_buffer_are_dropped_and_inside_the_buffer_kept():
    minlon, _, maxlon, _ = tile_bounds(*Z14)
    px = (maxlon - minlon) / EXTENT  # one pixel in degrees of longitude
    geoms = [
        shapely.Point(CENTRE),
        shapely.Point(maxlon + 30 * px, CENTRE[1]),  # in the buffer
        shapely.Point(maxlon + 100 * px, CENTRE[1]),  # beyond it
        shapely.MultiPoint([CENTRE, (maxlon + 100 * px, CENTRE[1]), (minlon + 10 * px, CENTRE[1])]),
    ]
    fs = features(encode_layer("layer", geoms, None, [1, 2, 3, 4], z=Z14[0], x=Z14[1], y=Z14[2]))
    assert [f["id"] for f in fs] == [1, 2, 4]
    for f, g in zip(fs, [geoms[0], geoms[1], geoms[3]], strict=True):
        assert_close_to(shape(f), expected(g, Z14))
    assert fs[1]["geometry"]["coordinates"][0] == EXTENT + 30
    assert fs[2]["geometry"]["type"] == "MultiPoint" and len(fs[2]["geometry"]["coordinates"]) == 2


def test_lines_are_clipped_and_their_parts_carry_the_cursor():
    minlon, _, maxlon, _ = tile_bounds(*Z14)
    road = shapely.LineString([(minlon - 0.01, CENTRE[1] - 0.005), CENTRE, (maxlon + 0.01, CENTRE[1] + 0.003)])
    lanes = shapely.MultiLineString([[(115.600, 34.365), (115.605, 34.368)], [(115.610, 34.370), (115.615, 34.375)]])
    fs = features(
        encode_layer("layer", [road, lanes], [{"kind": "road"}, {"kind": "lane"}], [5, 6], z=14, x=13453, y=6524)
    )
    assert [f["geometry"]["type"] for f in fs] == ["LineString", "MultiLineString"]
    road_px = shape(fs[0])
    assert road_px.bounds[0] == -BUFFER and road_px.bounds[2] == EXTENT + BUFFER
    for f, g in zip(fs, [road, lanes], strict=True):
        assert_close_to(shape(f), expected(g, Z14))


def test_repeated_points_after_rounding_are_removed():
    x0, y0 = CENTRE
    tiny = 1e-7  # about a centimetre: a fiftieth of a z14 pixel
    line = shapely.LineString([(x0, y0), (x0 + tiny, y0), (x0 + 0.001, y0), (x0 + 0.001, y0 + tiny), (x0 + 0.002, y0)])
    layer = encode_layer("layer", [line], None, [1], z=Z14[0], x=Z14[1], y=Z14[2])
    (f,) = features(layer)
    coords = f["geometry"]["coordinates"]
    assert len(coords) == 3 and all(a != b for a, b in itertools.pairwise(coords))
    assert list(raw_layer(layer).features[0].geometry)[3] == (2 << 3) | 2  # LineTo(2)


def test_features_that_round_away_are_dropped_and_an_empty_layer_is_empty_bytes():
    sliver = shapely.box(CENTRE[0], CENTRE[1], CENTRE[0] + 1e-7, CENTRE[1] + 1e-3)  # a hundredth of a pixel wide
    speck = square_m(*CENTRE, 0.05)
    far_away = square_m(116.0, 34.0, 100)
    nothing = [sliver, speck, far_away, None, shapely.Polygon(), shapely.GeometryCollection([shapely.Point(CENTRE)])]
    assert encode_layer("layer", nothing, None, range(len(nothing)), z=Z14[0], x=Z14[1], y=Z14[2]) == b""
    assert encode_layer("layer", [], [], [], z=Z14[0], x=Z14[1], y=Z14[2]) == b""
    assert encode_tile([b"", b""]) == b""
    kept = [*nothing, square_m(*CENTRE, 50)]
    fs = features(encode_layer("layer", kept, None, range(len(kept)), z=Z14[0], x=Z14[1], y=Z14[2]))
    assert [f["id"] for f in fs] == [len(nothing)]


def test_a_hole_that_rounds_away_is_dropped_and_its_polygon_kept():
    outer = square_m(115.6020, 34.3650, 300)
    speck = square_m(115.6040, 34.3670, 0.1)
    (f,) = features(encode_layer("layer", [outer.difference(speck)], None, [1], z=Z14[0], x=Z14[1], y=Z14[2]))
    assert f["geometry"]["type"] == "Polygon" and len(f["geometry"]["coordinates"]) == 1
    assert_close_to(shape(f), expected(outer, Z14))


def test_mixed_types_keep_their_input_order():
    geoms = [square_m(*CENTRE, 80), shapely.Point(CENTRE), shapely.LineString([CENTRE, (115.612, 34.378)])]
    geoms += [square_m(115.600, 34.368, 40), shapely.Point(115.601, 34.369)]
    fs = features(encode_layer("layer", geoms, None, [10, 11, 12, 13, 14], z=Z14[0], x=Z14[1], y=Z14[2]))
    assert [f["id"] for f in fs] == [10, 11, 12, 13, 14]
    assert [f["geometry"]["type"] for f in fs] == ["Polygon", "Point", "LineString", "Polygon", "Point"]
    for f, g in zip(fs, geoms, strict=True):
        assert_close_to(shape(f), expected(g, Z14))


def test_a_thousand_small_polygons_decode_correctly():
    rng = np.random.default_rng(20240601)
    minlon, minlat, maxlon, maxlat = tile_bounds(*Z14)
    pad = 0.1 * (maxlon - minlon)
    n = 1000
    cx = rng.uniform(minlon - pad, maxlon + pad, n)
    cy = rng.uniform(minlat - pad, maxlat + pad, n)
    angles = (np.arange(12) + rng.uniform(-0.4, 0.4, (n, 12))) * (2 * np.pi / 12)  # star-shaped, so valid
    radius = rng.uniform(0.0001, 0.0004, (n, 1)) * rng.uniform(0.7, 1.0, (n, 12))  # 10–40 m
    rings = np.stack([cx[:, None] + radius * np.cos(angles), cy[:, None] + radius * np.sin(angles)], axis=-1)
    geoms = shapely.polygons(rings)
    assert shapely.is_valid(geoms).all()
    props = [
        {"code": f"SY-{i:04d}", "households": int(i % 50), "share": float(i) / n, "open": bool(i % 2)} for i in range(n)
    ]
    ids = np.arange(1000, 1000 + n)
    layer = encode_layer("grids", geoms, props, ids, z=Z14[0], x=Z14[1], y=Z14[2])
    fs = decode(encode_tile([layer]))["grids"]["features"]
    want = expected(geoms, Z14)
    present = np.flatnonzero(~shapely.is_empty(want))
    assert n // 2 < len(present) < n  # the rest lie beyond the buffer
    assert [f["id"] for f in fs] == (1000 + present).tolist()
    for f, i in zip(fs, present, strict=True):
        assert f["properties"] == props[i]
        assert_oriented(f["geometry"])  # clipped stars may come out as MultiPolygons
        assert_close_to(shape(f), want[i])
    raw = raw_layer(layer)
    assert (raw.version, raw.extent, raw.name) == (2, EXTENT, "grids")
    assert list(raw.keys) == ["code", "households", "share", "open"]
    assert len(raw.values) == len(present) + 50 + len(present) + 2  # codes, 50 counts, shares, True/False


# --- properties and ids ---------------------------------------------------------------------------------------


def test_properties_round_trip_and_are_deduplicated():
    props = [
        {"name": "东门社区", "n": 3, "neg": -7, "share": 0.25, "ok": True, "gone": None},
        {"name": "东门社区", "n": 3, "share": 1.0, "ok": False, "big": 2**63 + 1},
        {"n": True, "one": 1, "onef": 1.0, "np": np.int32(4), "npf": np.float64(0.5), "npb": np.bool_(True)},
        {},
    ]
    geoms = [shapely.Point(CENTRE)] * 4
    layer = encode_layer("layer", geoms, props, [1, 2, 3, 4], z=Z14[0], x=Z14[1], y=Z14[2])
    got = [f["properties"] for f in features(layer)]
    assert got[0] == {"name": "东门社区", "n": 3, "neg": -7, "share": 0.25, "ok": True}
    assert got[1] == {"name": "东门社区", "n": 3, "share": 1.0, "ok": False, "big": 2**63 + 1}
    assert got[2] == {"n": True, "one": 1, "onef": 1.0, "np": 4, "npf": 0.5, "npb": True}
    assert type(got[2]["n"]) is bool and type(got[2]["one"]) is int and type(got[2]["onef"]) is float
    assert got[3] == {}
    raw = raw_layer(layer)
    assert len(raw.keys) == len(set(raw.keys)) == 11  # "gone" (None) is left out
    values = [str(v) for v in raw.values]
    # 东门社区 3 -7 0.25 True 1.0 False 2**63+1 1 4 0.5: repeats stored once, True, 1 and 1.0 kept apart
    assert len(values) == len(set(values)) == 11
    assert raw.values[1].uint_value == 3 and raw.values[2].sint_value == -7


def test_nan_values_share_one_entry():
    props = [{"x": float("nan")}, {"x": np.float64("nan")}]
    layer = encode_layer("layer", [shapely.Point(CENTRE)] * 2, props, [1, 2], z=Z14[0], x=Z14[1], y=Z14[2])
    raw = raw_layer(layer)
    assert len(raw.values) == 1 and math.isnan(raw.values[0].double_value)


def test_long_strings_and_large_ids():
    text = "社区网格" * 100  # 1,200 bytes of UTF-8
    ids = [2**64 - 1, 0]
    layer = encode_layer("layer", [shapely.Point(CENTRE)] * 2, [{"t": text}, {}], ids, z=Z14[0], x=Z14[1], y=Z14[2])
    fs = features(layer)
    assert [f["id"] for f in fs] == ids and fs[0]["properties"]["t"] == text


def test_unsupported_property_values_and_bad_ids_are_refused():
    point = [shapely.Point(CENTRE)]
    with pytest.raises(TypeError, match="property 'when'"):
        encode_layer("layer", point, [{"when": [2024]}], [1], z=Z14[0], x=Z14[1], y=Z14[2])
    for ids in ([-1], [1.5], [1, 2], [2**64]):
        with pytest.raises(ValueError):
            encode_layer("layer", point, None, ids, z=Z14[0], x=Z14[1], y=Z14[2])
    with pytest.raises(ValueError):
        encode_layer("layer", point, [{}, {}], [1], z=Z14[0], x=Z14[1], y=Z14[2])


def test_a_tile_of_two_layers():
    a = encode_layer("grids", [square_m(*CENTRE, 100)], [{"k": "v"}], [1], z=Z14[0], x=Z14[1], y=Z14[2])
    b = encode_layer("pois", [shapely.Point(CENTRE)], [{"k": 2}], [2], z=Z14[0], x=Z14[1], y=Z14[2])
    tile = decode(encode_tile([a, b"", b]))
    assert list(tile) == ["grids", "pois"]
    assert tile["grids"]["features"][0]["properties"] == {"k": "v"}
    assert tile["pois"]["features"][0]["properties"] == {"k": 2}
    assert tile["pois"]["extent"] == EXTENT and tile["pois"]["version"] == 2


def test_a_smaller_extent_and_buffer():
    big = shapely.Point(CENTRE).buffer(0.05)
    (f,) = features(encode_layer("layer", [big], None, [1], z=Z14[0], x=Z14[1], y=Z14[2], extent=512, buffer=0))
    assert shape(f).equals(shapely.box(0, 0, 512, 512))
