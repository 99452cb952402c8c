"""The local projection measures like the ellipsoid near its centre; buffers come out geodesic."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod
from shapely import Point

from hub.geo.local import DISTRICT, LocalProjection, buffer_m, local_projection
from hub.geo.measure import destination, geodesic_area
from tests.unit.geo.shapes import CENTRE, square_m

GEOD = Geod(ellps="WGS84")
CENTRES = [CENTRE, DISTRICT, (0.0, 0.0), (-70.0, -45.0)]


@pytest.mark.parametrize("centre", CENTRES)
def test_the_centre_maps_to_the_origin(centre):
    xy = shapely.get_coordinates(LocalProjection(*centre).forward(Point(centre)))
    np.testing.assert_allclose(xy, [[0.0, 0.0]], atol=1e-9)


@pytest.mark.parametrize("centre", CENTRES)
@pytest.mark.parametrize("meters", [10.0, 1_000.0, 10_000.0])
def test_planar_distances_from_the_centre_match_geodesic_ones(centre, meters):
    bearings = np.arange(0, 360, 15.0)
    ends = [Point(destination(*centre, b, meters)) for b in bearings]
    projected = LocalProjection(*centre).forward(np.array(ends, dtype=object))
    # scale error (d / R)² / 2 is 1.3e-6 at 10 km
    np.testing.assert_allclose(shapely.distance(projected, Point(0, 0)), meters, rtol=2e-6)


def test_north_along_the_central_meridian_is_the_y_axis():
    end = destination(*CENTRE, 0, 1000)
    x, y = shapely.get_coordinates(local_projection(*CENTRE).forward(Point(end)))[0]
    assert (x, y) == pytest.approx((0.0, 1000.0), abs=1e-6)


def test_inverse_undoes_forward_over_an_array_with_gaps():
    rng = np.random.default_rng(7)
    pts = shapely.points(rng.uniform([115.4, 34.2], [115.9, 34.6], (200, 2)))
    geoms = np.array([*pts, None, shapely.LineString()], dtype=object)
    proj = local_projection(*DISTRICT)
    back = proj.inverse(proj.forward(geoms))
    np.testing.assert_allclose(shapely.get_coordinates(back[:200]), shapely.get_coordinates(pts), atol=1e-10)
    assert back[200] is None and back[201].is_empty


def test_projections_are_cached_per_centre():
    assert local_projection(*CENTRE) is local_projection(*CENTRE)
    assert local_projection(*CENTRE) is not local_projection(*DISTRICT)
    assert repr(local_projection(*CENTRE)) == "LocalProjection(115.6097, 34.3767)"


@pytest.mark.parametrize("centre", [(200.0, 34.0), (115.0, 90.0), (math.nan, 34.0)])
def test_a_projection_centre_off_the_globe_is_refused(centre):
    with pytest.raises(ValueError, match="projection centre"):
        LocalProjection(*centre)


@pytest.mark.parametrize("radius", [10.0, 100.0, 1457.0])
def test_a_buffered_point_is_a_polygon_inscribed_in_the_geodesic_circle(radius):
    disc = buffer_m(Point(CENTRE), radius)
    ring = shapely.get_coordinates(disc.exterior)[:-1]
    n = len(ring)
    assert n == 64  # 16 segments per quarter
    _, _, dist = GEOD.inv(np.full(n, CENTRE[0]), np.full(n, CENTRE[1]), ring[:, 0], ring[:, 1])
    np.testing.assert_allclose(dist, radius, atol=1e-3)
    inscribed = n / 2 * radius**2 * math.sin(2 * math.pi / n)
    assert geodesic_area(disc) == pytest.approx(inscribed, rel=1e-4)


def test_a_buffered_square_gains_its_sides_and_rounded_corners():
    grown = buffer_m(square_m(*CENTRE, 100), 10)
    n = 64  # the four corners make one full circle of 64 sides
    expected = 100 * 100 + 4 * 100 * 10 + n / 2 * 10**2 * math.sin(2 * math.pi / n)
    assert geodesic_area(grown) == pytest.approx(expected, rel=1e-4)


def test_a_negative_buffer_shrinks_a_square_by_that_much_on_each_side():
    assert geodesic_area(buffer_m(square_m(*CENTRE, 100), -10)) == pytest.approx(80 * 80, abs=1)


def test_buffer_keeps_missing_and_empty_geometries_and_takes_arrays():
    out = buffer_m(np.array([Point(CENTRE), None, Point()], dtype=object), 50)
    assert out.shape == (3,)
    assert geodesic_area(out[0]) == pytest.approx(math.pi * 50**2, rel=2e-3)
    assert out[1] is None and out[2].is_empty
    assert buffer_m(None, 50) is None
