"""Geodesic measures agree with figures worked out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from shapely import LineString, MultiPolygon, Point, Polygon

from hub.geo.measure import (
    destination,
    distance,
    geodesic_area,
    geodesic_length,
    meters_to_degrees,
    total_area,
)
from tests.unit.geo.shapes import CENTRE, square_m

CENTRES = [CENTRE, (115.65, 34.42), (0.0, 0.0), (-70.0, -45.0)]


@pytest.mark.parametrize("centre", CENTRES, ids=["old-town", "district", "null-island", "patagonia"])
@pytest.mark.parametrize(("side", "tolerance"), [(10.0, 0.01), (100.0, 1.0)])
def test_a_square_built_from_geodesic_offsets_has_area_side_squared(centre, side, tolerance):
    assert geodesic_area(square_m(*centre, side)) == pytest.approx(side * side, abs=tolerance)


def test_the_area_does_not_depend_on_which_way_the_ring_runs():
    sq = square_m(*CENTRE, 100)
    assert geodesic_area(sq.reverse()) == pytest.approx(geodesic_area(sq), rel=1e-12)


def test_a_hole_is_subtracted():
    outer = square_m(*CENTRE, 100)
    hole = square_m(*destination(*destination(*CENTRE, 0, 25), 90, 25), 50)
    holed = Polygon(outer.exterior.coords, [hole.exterior.coords])
    assert geodesic_area(holed) == pytest.approx(100 * 100 - 50 * 50, abs=1)


def test_a_multipolygon_with_parts_drawn_in_opposite_directions_sums_its_parts():
    a = square_m(*CENTRE, 100)
    b = square_m(*destination(*CENTRE, 90, 500), 100).reverse()  # clockwise
    assert geodesic_area(MultiPolygon([a, b])) == pytest.approx(20_000, abs=2)


def test_the_lines_of_a_collection_add_no_area():
    sq = square_m(*CENTRE, 100)
    collection = shapely.GeometryCollection([sq, LineString([CENTRE, destination(*CENTRE, 45, 300)])])
    assert geodesic_area(collection) == pytest.approx(10_000, abs=1)


@pytest.mark.parametrize(
    ("geom", "area"),
    [(None, math.nan), (Polygon(), 0.0), (Point(CENTRE), 0.0), (LineString([CENTRE, (115.62, 34.38)]), 0.0)],
    ids=["missing", "empty", "point", "line"],
)
def test_missing_empty_and_areal_less_geometries_have_defined_areas(geom, area):
    assert geodesic_area([geom]).tolist() == pytest.approx([area], nan_ok=True)


@pytest.mark.parametrize("bearing", [0, 45, 90, 200, 333])
@pytest.mark.parametrize("meters", [1.0, 500.0, 12_345.0])
def test_a_line_to_a_geodesic_destination_is_that_long(bearing, meters):
    end = destination(*CENTRE, bearing, meters)
    assert geodesic_length(LineString([CENTRE, end])) == pytest.approx(meters, abs=1e-6)
    assert distance(*CENTRE, *end) == pytest.approx(meters, abs=1e-6)


def test_a_polygon_length_is_its_perimeter():
    assert geodesic_length(square_m(*CENTRE, 100)) == pytest.approx(400, abs=0.01)


def test_lengths_of_missing_and_empty_geometries():
    assert geodesic_length([None, LineString()]).tolist() == pytest.approx([math.nan, 0.0], nan_ok=True)


@pytest.mark.parametrize("lat", [0.0, 34.3767, 60.0])
@pytest.mark.parametrize("meters", [10.0, 1_000.0, 50_000.0])
def test_the_degree_box_holds_the_whole_circle_without_being_much_larger(lat, meters):
    dlon, dlat = meters_to_degrees(meters, lat)
    bearings = np.arange(0, 360, 5.0)
    ends = np.array([destination(115.0, lat, b, meters) for b in bearings])
    reach_lon = np.abs(ends[:, 0] - 115.0).max()
    reach_lat = np.abs(ends[:, 1] - lat).max()
    assert reach_lon <= dlon <= 1.1 * reach_lon
    assert reach_lat <= dlat <= 1.1 * reach_lat


def test_total_area_sums_and_skips_missing():
    squares = [square_m(*CENTRE, 100), None, square_m(*CENTRE, 10)]
    assert total_area(squares) == pytest.approx(10_100, abs=1)
    assert total_area([]) == 0.0
