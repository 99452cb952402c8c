"""Canonical geometries for the geo tests: WGS84 lon/lat around Suiyang's old town.

Built from first principles (geodesic offsets from a known point), so tests can state expected
areas and distances by hand. Kept beside the geo tests while ``tests/common.py`` (the demo data
read without the hub) settles; they can move there unchanged.
"""

from __future__ import annotations

import math

import shapely

from hub.geo.measure import destination
from tests.common import CENTRE

__all__ = ["BOWTIE", "CENTRE", "OLD_TOWN_RADIUS_M", "SQUARE", "polygon", "ring", "square_m"]

OLD_TOWN_RADIUS_M = 1457.0
"""Radius of the 城郭路 ring about ``CENTRE`` (大隅首), the outer edge of the quadrant sectors."""

SQUARE = [[115.60, 34.37], [115.61, 34.37], [115.61, 34.38], [115.60, 34.38], [115.60, 34.37]]
"""A valid counter-clockwise ring of about 920 m × 1,110 m south-west of the centre."""

BOWTIE = [[115.60, 34.37], [115.61, 34.38], [115.61, 34.37], [115.60, 34.38], [115.60, 34.37]]
"""A ring that crosses itself at (115.605, 34.375): two triangles of 2.5e-5 square degrees each."""


def square_m(lon: float, lat: float, side_m: float) -> shapely.Polygon:
    """A square with its south-west corner at (lon, lat), sides ``side_m`` metres along geodesics, CCW."""
    se = destination(lon, lat, 90, side_m)
    ne = destination(*se, 0, side_m)
    nw = destination(lon, lat, 0, side_m)
    return shapely.Polygon([(lon, lat), se, ne, nw])


def ring(n: int, lon: float = CENTRE[0], lat: float = CENTRE[1], radius_deg: float = 0.01) -> list[list[float]]:
    """A closed GeoJSON ring of ``n`` distinct positions on a circle (``n + 1`` positions in all)."""
    step = 2 * math.pi / n
    pts = [[lon + radius_deg * math.cos(k * step), lat + radius_deg * math.sin(k * step)] for k in range(n)]
    return [*pts, pts[0]]


def polygon(*rings: list[list[float]]) -> dict:
    """A GeoJSON Polygon from rings of positions."""
    return {"type": "Polygon", "coordinates": list(rings)}
