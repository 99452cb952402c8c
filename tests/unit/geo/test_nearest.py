"""Distances from a point agree with pyproj.Geod.inv to the nearest point; the k nearest with a brute-force sort."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.ops import nearest_points

from hub.geo.index import SpatialIndex
from hub.geo.measure import destination
from hub.geo.nearest import distances_m, nearest_k
from tests.unit.geo.shapes import CENTRE, square_m

GEOD = Geod(ellps="WGS84")


@cache
def aeqd_about(lon: float, lat: float) -> Transformer:
    return Transformer.from_crs("EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +ellps=WGS84", always_xy=True)


def expected(geom: shapely.Geometry, lon: float, lat: float) -> float:
    """Independently: the nearest point in an azimuthal equidistant projection about the query point (which keeps
    every distance from that point true), then the geodesic distance to it."""
    aeqd = aeqd_about(lon, lat)
    planar = shapely.transform(geom, lambda xy: np.column_stack(aeqd.transform(xy[:, 0], xy[:, 1])))
    near = nearest_points(shapely.Point(0, 0), planar)[1]
    nlon, nlat = aeqd.transform(near.x, near.y, direction="INVERSE")
    return float(GEOD.inv(lon, lat, nlon, nlat)[2])


def random_shapes(rng: np.random.Generator, n: int) -> list[shapely.Geometry]:
    shapes: list[shapely.Geometry] = []
    for i in range(n):
        lon, lat = destination(*CENTRE, float(rng.uniform(0, 360)), float(rng.uniform(0, 8000)))
        kind = i % 3
        if kind == 0:
            shapes.append(shapely.Point(lon, lat))
        elif kind == 1:
            shapes.append(square_m(lon, lat, float(rng.uniform(5, 400))))
        else:
            end = destination(lon, lat, float(rng.uniform(0, 360)), float(rng.uniform(50, 2000)))
            shapes.append(shapely.LineString([(lon, lat), end]))
    return shapes


def test_distances_equal_the_geodesic_distance_to_the_nearest_point_within_half_a_metre():
    rng = np.random.default_rng(7)
    shapes = random_shapes(rng, 120)
    for lon, lat in [CENTRE, destination(*CENTRE, 200, 3000), destination(*CENTRE, 45, 6000)]:
        got = distances_m(np.array(shapes, dtype=object), lon, lat)
        want = [expected(g, lon, lat) for g in shapes]
        assert got == pytest.approx(want, abs=0.5)


def test_a_point_inside_a_polygon_is_zero_metres_from_it_and_missing_shapes_are_nan():
    inside = square_m(CENTRE[0] - 0.001, CENTRE[1] - 0.001, 300)
    got = distances_m(np.array([inside, None, shapely.Polygon()], dtype=object), *CENTRE)
    assert got[0] == 0.0 and np.isnan(got[1]) and np.isnan(got[2])


def test_a_point_due_east_is_the_distance_it_was_placed_at():
    east = shapely.Point(destination(*CENTRE, 90, 2500.0))
    assert distances_m(np.array([east]), *CENTRE)[0] == pytest.approx(2500.0, abs=1e-3)


@pytest.mark.parametrize("k", [1, 5, 40])
def test_the_k_nearest_are_those_a_brute_force_sort_gives(k):
    rng = np.random.default_rng(11 + k)
    shapes = random_shapes(rng, 300)
    index = SpatialIndex(shapes)
    lon, lat = destination(*CENTRE, 30, 1000)
    pos, dist = nearest_k(index, lon, lat, k)
    brute = [expected(g, lon, lat) for g in shapes]
    order = sorted(range(len(shapes)), key=lambda i: (brute[i], i))[:k]
    assert dist == pytest.approx([brute[i] for i in order], abs=0.5)
    assert [int(p) for p in pos] == order


def test_nearest_keeps_only_what_passes_the_filter_and_stays_within_the_distance():
    rng = np.random.default_rng(3)
    shapes = random_shapes(rng, 200)
    index = SpatialIndex(shapes)
    even = lambda positions: positions % 2 == 0  # noqa: E731
    pos, dist = nearest_k(index, *CENTRE, 1000, max_m=2000, keep=even)
    brute = sorted((expected(g, *CENTRE), i) for i, g in enumerate(shapes) if i % 2 == 0)
    brute = [(d, i) for d, i in brute if d <= 2000]
    assert [int(p) for p in pos] == [i for _, i in brute]
    assert (dist <= 2000).all() and all(int(p) % 2 == 0 for p in pos)


def test_an_empty_layer_has_no_nearest():
    pos, dist = nearest_k(SpatialIndex([]), *CENTRE, 3)
    assert pos.tolist() == [] and dist.tolist() == []
