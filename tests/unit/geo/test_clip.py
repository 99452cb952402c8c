"""Areas clipped to a drawn polygon equal pyproj's geodesic area of shapely's intersection, computed here."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod

from hub.geo.clip import clipped_areas
from hub.geo.measure import destination
from tests.unit.geo.shapes import CENTRE, square_m

GEOD = Geod(ellps="WGS84")


def pyproj_area(geom: shapely.Geometry) -> float:
    if geom.is_empty:
        return 0.0
    return abs(GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))[0])


def test_clipped_areas_equal_the_geodesic_area_of_each_intersection():
    rng = np.random.default_rng(5)
    drawn = shapely.Polygon(
        [destination(*CENTRE, b, r) for b, r in [(0, 600), (80, 900), (160, 500), (230, 800), (300, 700)]]
    )
    shapes = [
        square_m(*destination(*CENTRE, float(rng.uniform(0, 360)), float(rng.uniform(0, 1200))), float(s))
        for s in rng.uniform(10, 120, 400)
    ]
    got = clipped_areas(np.array(shapes, dtype=object), drawn)
    want = [pyproj_area(shapely.intersection(g, drawn)) for g in shapes]
    assert got == pytest.approx(want, abs=1e-6)
    assert 0 < (got > 0).sum() < len(shapes)  # some inside, some across the edge, some outside


def test_a_shape_wholly_inside_keeps_its_own_area_when_given():
    drawn = square_m(*CENTRE, 500)
    inside = square_m(*destination(*destination(*CENTRE, 0, 100), 90, 100), 50)
    got = clipped_areas(np.array([inside], dtype=object), drawn, own_m2=np.array([2500.0]))
    assert got.tolist() == [2500.0]


def test_points_lines_and_missing_shapes_have_no_area():
    drawn = square_m(*CENTRE, 500)
    got = clipped_areas(
        np.array([shapely.Point(destination(*CENTRE, 45, 50)), None, shapely.LineString([CENTRE, (115.7, 34.4)])]),
        drawn,
    )
    assert got[0] == 0.0 and np.isnan(got[1]) and got[2] == 0.0
