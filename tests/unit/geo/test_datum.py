"""GCJ-02 and BD-09 agree with the published formula, and the iterative inverse undoes it to well under 0.5 m."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from hub.errors import InputError
from hub.geo.datum import (
    CRS_CODES,
    bd09_to_gcj02,
    bd09_to_wgs84,
    crs_code,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)
from tests.unit.geo.shapes import CENTRE

GEOD = Geod(ellps="WGS84")

# --- the reference: coordTransform_py's functions, transcribed as scalar pure-Python math ---------------

X_PI = 3.14159265358979324 * 3000.0 / 180.0
PI = 3.1415926535897932384626
KRASOVSKY_A = 6378245.0
EE = 0.00669342162296594323


def ref_out_of_china(lng, lat):
    return lng < 72.004 or lng > 137.8347 or lat < 0.8293 or lat > 55.8271


def ref_transformlat(lng, lat):
    ret = -100.0 + 2.0 * lng + 3.0 * lat + 0.2 * lat * lat + 0.1 * lng * lat + 0.2 * math.sqrt(math.fabs(lng))
    ret += (20.0 * math.sin(6.0 * lng * PI) + 20.0 * math.sin(2.0 * lng * PI)) * 2.0 / 3.0
    ret += (20.0 * math.sin(lat * PI) + 40.0 * math.sin(lat / 3.0 * PI)) * 2.0 / 3.0
    ret += (160.0 * math.sin(lat / 12.0 * PI) + 320 * math.sin(lat * PI / 30.0)) * 2.0 / 3.0
    return ret


def ref_transformlng(lng, lat):
    ret = 300.0 + lng + 2.0 * lat + 0.1 * lng * lng + 0.1 * lng * lat + 0.1 * math.sqrt(math.fabs(lng))
    ret += (20.0 * math.sin(6.0 * lng * PI) + 20.0 * math.sin(2.0 * lng * PI)) * 2.0 / 3.0
    ret += (20.0 * math.sin(lng * PI) + 40.0 * math.sin(lng / 3.0 * PI)) * 2.0 / 3.0
    ret += (150.0 * math.sin(lng / 12.0 * PI) + 300.0 * math.sin(lng / 30.0 * PI)) * 2.0 / 3.0
    return ret


def ref_wgs84togcj02(lng, lat):
    if ref_out_of_china(lng, lat):
        return lng, lat
    dlat = ref_transformlat(lng - 105.0, lat - 35.0)
    dlng = ref_transformlng(lng - 105.0, lat - 35.0)
    radlat = lat / 180.0 * PI
    magic = math.sin(radlat)
    magic = 1 - EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1 - EE)) / (magic * sqrtmagic) * PI)
    dlng = (dlng * 180.0) / (KRASOVSKY_A / sqrtmagic * math.cos(radlat) * PI)
    return lng + dlng, lat + dlat


def ref_gcj02tobd09(lng, lat):
    z = math.sqrt(lng * lng + lat * lat) + 0.00002 * math.sin(lat * X_PI)
    theta = math.atan2(lat, lng) + 0.000003 * math.cos(lng * X_PI)
    return z * math.cos(theta) + 0.0065, z * math.sin(theta) + 0.006


def ref_bd09togcj02(bd_lon, bd_lat):
    x = bd_lon - 0.0065
    y = bd_lat - 0.006
    z = math.sqrt(x * x + y * y) - 0.00002 * math.sin(y * X_PI)
    theta = math.atan2(y, x) - 0.000003 * math.cos(x * X_PI)
    return z * math.cos(theta), z * math.sin(theta)


# --- places ---------------------------------------------------------------------------------------------

SHANGQIU_GRID = np.stack(np.meshgrid(np.linspace(115.5, 115.8, 31), np.linspace(34.3, 34.5, 21)), -1).reshape(-1, 2)
CHINA_GRID = np.stack(np.meshgrid(np.linspace(74.0, 134.0, 61), np.linspace(4.0, 53.0, 50)), -1).reshape(-1, 2)
CITIES = {
    "Suiyang old town": CENTRE,
    "Beijing": (116.404, 39.915),
    "Shanghai": (121.4737, 31.2304),
    "Urumqi": (87.6168, 43.8256),
    "Lhasa": (91.1409, 29.6456),
    "Harbin": (126.5350, 45.8038),
    "Sanya": (109.5119, 18.2528),
}
ABROAD = [(2.3522, 48.8566), (-74.006, 40.7128), (151.2093, -33.8688), (139.6917, 35.6895), (60.0, 30.0)]


def metres(lon1, lat1, lon2, lat2):
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


@pytest.mark.parametrize("name", CITIES)
def test_wgs84_to_gcj02_matches_the_reference_at_cities(name):
    lon, lat = CITIES[name]
    assert wgs84_to_gcj02(lon, lat) == pytest.approx(ref_wgs84togcj02(lon, lat), abs=1e-12, rel=0)


@pytest.mark.parametrize("grid", [SHANGQIU_GRID, CHINA_GRID], ids=["shangqiu", "china"])
def test_every_conversion_matches_the_reference_over_a_grid(grid):
    lon, lat = grid[:, 0], grid[:, 1]
    cases = [
        (wgs84_to_gcj02, ref_wgs84togcj02),
        (gcj02_to_bd09, ref_gcj02tobd09),
        (bd09_to_gcj02, ref_bd09togcj02),
        (wgs84_to_bd09, lambda x, y: ref_gcj02tobd09(*ref_wgs84togcj02(x, y))),
    ]
    for ours, ref in cases:
        expected = np.array([ref(x, y) for x, y in grid])
        got = np.column_stack(ours(lon, lat))
        np.testing.assert_allclose(got, expected, atol=1e-12, rtol=0, err_msg=ours.__name__)


# coordtransform's README (wandergis/coordtransform), all four from (116.404, 39.915)
def test_coordtransform_readme_values():
    assert wgs84_to_gcj02(116.404, 39.915) == (116.41024449916938, 39.91640428150164)
    assert gcj02_to_bd09(116.404, 39.915) == (116.41036949371029, 39.92133699351021)
    assert bd09_to_gcj02(116.404, 39.915) == (116.39762729119315, 39.90865673957631)
    # the README's gcj02towgs84 is the quick inverse; ours iterates, and here the two are 6 cm apart
    lon, lat = gcj02_to_wgs84(116.404, 39.915)
    assert metres(lon, lat, 116.39775550083061, 39.91359571849836) < 0.1
    assert metres(*wgs84_to_gcj02(lon, lat), 116.404, 39.915) < 1e-3


# eviltransform's python tests (googollee/eviltransform): (wgs lat, wgs lng, gcj lat, gcj lng). Its Python port
# uses a = 6378137 rather than 6378245, which moves these ~500 m offsets by under 1 cm (1e-7°).
EVILTRANSFORM = [
    (31.1774276, 121.5272106, 31.17530398364597, 121.531541859215),
    (22.543847, 113.912316, 22.540796131694766, 113.9171764808363),
    (39.911954, 116.377817, 39.91334545536069, 116.38404722455657),
]


@pytest.mark.parametrize(("wlat", "wlng", "glat", "glng"), EVILTRANSFORM)
def test_eviltransform_published_pairs(wlat, wlng, glat, glng):
    assert wgs84_to_gcj02(wlng, wlat) == pytest.approx((glng, glat), abs=1e-6, rel=0)
    assert metres(*gcj02_to_wgs84(glng, glat), wlng, wlat) < 0.05


def test_the_offset_at_the_old_town_is_about_526_metres():
    lon, lat = wgs84_to_gcj02(*CENTRE)
    assert metres(*CENTRE, lon, lat) == pytest.approx(526.07, abs=0.01)
    bd = wgs84_to_bd09(*CENTRE)
    assert 1000 < metres(*CENTRE, *bd) < 1300


@pytest.mark.parametrize("grid", [SHANGQIU_GRID, CHINA_GRID], ids=["shangqiu", "china"])
def test_the_iterative_inverse_undoes_gcj02_to_well_under_half_a_metre(grid):
    lon, lat = grid[:, 0], grid[:, 1]
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert metres(lon, lat, *back).max() < 0.005
    # and it is the inverse in the other direction too
    forward = wgs84_to_gcj02(*gcj02_to_wgs84(lon, lat))
    assert metres(lon, lat, *forward).max() < 0.005


def test_the_quick_inverse_would_not_have_been_good_enough():
    """Guards the point of iterating: coordTransform's gcj02towgs84 (2·gcj − forward(gcj)) is metres off here."""
    lon, lat = SHANGQIU_GRID[:, 0], SHANGQIU_GRID[:, 1]
    gcj = [ref_wgs84togcj02(x, y) for x, y in SHANGQIU_GRID]
    quick = np.array([(2 * gx - ref_wgs84togcj02(gx, gy)[0], 2 * gy - ref_wgs84togcj02(gx, gy)[1]) for gx, gy in gcj])
    assert metres(lon, lat, quick[:, 0], quick[:, 1]).max() > 2.0


@pytest.mark.parametrize("grid", [SHANGQIU_GRID, CHINA_GRID], ids=["shangqiu", "china"])
def test_bd09_round_trips_within_the_published_inverse(grid):
    lon, lat = grid[:, 0], grid[:, 1]
    assert metres(lon, lat, *bd09_to_gcj02(*gcj02_to_bd09(lon, lat))).max() < 0.25
    assert metres(lon, lat, *bd09_to_wgs84(*wgs84_to_bd09(lon, lat))).max() < 0.25


@pytest.mark.parametrize("place", ABROAD)
def test_outside_china_gcj02_is_wgs84(place):
    assert out_of_china(*place)
    assert wgs84_to_gcj02(*place) == place
    assert gcj02_to_wgs84(*place) == place


def test_the_china_box_edges_are_inside():
    assert not out_of_china(72.004, 0.8293) and not out_of_china(137.8347, 55.8271)
    assert out_of_china(72.0039, 30.0) and out_of_china(100.0, 55.8272)
    assert wgs84_to_gcj02(72.0039, 30.0) == (72.0039, 30.0)


def test_scalars_give_floats_and_arrays_keep_their_shape():
    lon, lat = wgs84_to_gcj02(*CENTRE)
    assert type(lon) is float and type(lat) is float
    grid = SHANGQIU_GRID.reshape(21, 31, 2)
    for func in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84):
        x, y = func(grid[..., 0], grid[..., 1])
        assert x.shape == y.shape == (21, 31), func.__name__
        x, y = func([], [])
        assert x.shape == (0,), func.__name__


def test_inputs_are_not_modified():
    lon, lat = SHANGQIU_GRID[:, 0].copy(), SHANGQIU_GRID[:, 1].copy()
    gcj02_to_wgs84(lon, lat)
    bd09_to_wgs84(lon, lat)
    np.testing.assert_array_equal(lon, SHANGQIU_GRID[:, 0])
    np.testing.assert_array_equal(lat, SHANGQIU_GRID[:, 1])


def test_non_finite_coordinates_pass_through_without_warnings():
    lon, lat = gcj02_to_wgs84([math.nan, 115.6, math.inf], [34.4, math.nan, 34.4])
    assert np.isnan(lon[0]) and lon[1] == 115.6 and lon[2] == math.inf
    assert np.isnan(lat[1])
    assert all(np.isnan(v) for v in bd09_to_wgs84(math.nan, 34.4))


# --- geometries -------------------------------------------------------------------------------------------


def test_wgs84_returns_the_very_same_object():
    geoms = np.array([shapely.Point(CENTRE), None], dtype=object)
    assert to_wgs84(geoms, "WGS84") is geoms
    assert from_wgs84(geoms, "wgs-84") is geoms


@pytest.mark.parametrize("crs", ["GCJ02", "BD09"])
def test_geometries_convert_vertex_by_vertex(crs):
    poly = shapely.Polygon([(115.60, 34.37), (115.61, 34.37), (115.61, 34.38), (115.60, 34.37)], [])
    line = shapely.LineString([(115.55, 34.35), (115.70, 34.45)])
    geoms = np.array([poly, line, shapely.Point(CENTRE), None, shapely.Polygon()], dtype=object)
    out = from_wgs84(geoms, crs)
    convert = wgs84_to_gcj02 if crs == "GCJ02" else wgs84_to_bd09
    src = shapely.get_coordinates(geoms[:3])
    np.testing.assert_allclose(shapely.get_coordinates(out[:3]), np.column_stack(convert(src[:, 0], src[:, 1])))
    assert list(shapely.get_type_id(out[:3])) == [3, 1, 0]
    assert out[3] is None and out[4].is_empty
    back = to_wgs84(out, crs)
    assert metres(*shapely.get_coordinates(back[:3]).T, *src.T).max() < 0.25


def test_z_values_are_kept():
    p = shapely.Point(115.6097, 34.3767, 42.0)
    out = from_wgs84(p, "GCJ02")
    assert out.has_z and out.z == 42.0
    assert (out.x, out.y) == pytest.approx(wgs84_to_gcj02(115.6097, 34.3767), abs=1e-12)


@pytest.mark.parametrize(
    ("text", "code"), [("WGS84", "WGS84"), ("gcj02", "GCJ02"), ("GCJ-02", "GCJ02"), ("bd_09", "BD09")]
)
def test_crs_codes_are_read_leniently(text, code):
    assert crs_code(text) == code
    assert code in CRS_CODES


@pytest.mark.parametrize("text", ["EPSG:4326", "BD09MC", ""])
def test_an_unknown_crs_is_refused_with_the_choices(text):
    with pytest.raises(InputError, match="use one of WGS84, GCJ02, BD09"):
        to_wgs84(shapely.Point(CENTRE), text)
