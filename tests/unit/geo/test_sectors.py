"""Sectors are true geodesic fans: their areas and radii match the disc they are cut from."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import Geod

from hub.geo.measure import geodesic_area
from hub.geo.sectors import QUADRANTS, quadrants, sector
from tests.unit.geo.shapes import CENTRE, OLD_TOWN_RADIUS_M

GEOD = Geod(ellps="WGS84")


@pytest.mark.parametrize("radius", [100.0, OLD_TOWN_RADIUS_M, 5_000.0])
def test_each_quadrant_has_a_quarter_of_the_disc_area(radius):
    for code, poly in quadrants(*CENTRE, radius).items():
        assert geodesic_area(poly) == pytest.approx(math.pi * radius**2 / 4, rel=1e-3), code


def test_the_four_quadrants_tile_the_disc_without_overlap():
    q = quadrants(*CENTRE, OLD_TOWN_RADIUS_M)
    disc = math.pi * OLD_TOWN_RADIUS_M**2
    assert geodesic_area(shapely.union_all(list(q.values()))) == pytest.approx(disc, rel=1e-3)
    codes = list(q)
    for i, a in enumerate(codes):
        for b in codes[i + 1 :]:
            assert geodesic_area(shapely.intersection(q[a], q[b])) < 1e-6 * disc, (a, b)


@pytest.mark.parametrize(("start", "end"), [*QUADRANTS.values(), (315.0, 45.0), (10.0, 370.0)])
def test_every_arc_vertex_is_one_radius_from_the_centre(start, end):
    coords = shapely.get_coordinates(sector(*CENTRE, OLD_TOWN_RADIUS_M, start, end))
    lon0, lat0 = CENTRE
    on_arc = ~((coords[:, 0] == lon0) & (coords[:, 1] == lat0))
    _, _, dist = GEOD.inv(np.full(on_arc.sum(), lon0), np.full(on_arc.sum(), lat0), *coords[on_arc].T)
    np.testing.assert_allclose(dist, OLD_TOWN_RADIUS_M, atol=1e-6)


@pytest.mark.parametrize(("start", "end", "fraction"), [(315.0, 45.0, 0.25), (0.0, 360.0, 1.0), (90.0, 120.0, 1 / 12)])
def test_a_sector_has_its_share_of_the_disc(start, end, fraction):
    poly = sector(*CENTRE, OLD_TOWN_RADIUS_M, start, end)
    assert poly.is_valid and poly.exterior.is_ccw
    assert geodesic_area(poly) == pytest.approx(fraction * math.pi * OLD_TOWN_RADIUS_M**2, rel=1e-3)


@pytest.mark.parametrize(
    ("radius", "start", "end", "message"),
    [(100, 30, 30, "sweep"), (0, 0, 90, "positive radius"), (-5, 0, 90, "positive radius")],
)
def test_a_sector_without_area_is_refused(radius, start, end, message):
    with pytest.raises(ValueError, match=message):
        sector(*CENTRE, radius, start, end)
