"""Fan-shaped zones (sectors) about a centre, built on the ellipsoid.

The old town's four management sectors are quadrants about 大隅首 out to the 城郭路 ring; a
sector is the polygon bounded by two geodesic radii and the arc between them. The arc is drawn
with one vertex per ``step`` degrees of bearing, so area and shape match the true geodesic disc.
"""

from __future__ import annotations

import numpy as np
import shapely
from shapely import Polygon

from hub.geo.measure import WGS84


def sector(
    lon: float, lat: float, radius_m: float, start_bearing: float, end_bearing: float, *, step: float = 0.5
) -> Polygon:
    """The sector from ``start_bearing`` clockwise to ``end_bearing`` (degrees from north), exterior ring CCW.

    A sweep of 360° gives the whole disc. Radius must be positive and the sweep in (0, 360].

    >>> from hub.geo.measure import geodesic_area
    >>> ne = sector(115.6097, 34.3767, 1457, 0, 90)
    >>> round(geodesic_area(ne) / 1e6, 3)  # a quarter of π·1457² m²
    1.667
    >>> ne.exterior.is_ccw
    True
    >>> sector(115.6097, 34.3767, 1457, 0, 0)
    Traceback (most recent call last):
    ...
    ValueError: a sector needs a sweep in (0, 360] degrees, got 0
    """
    sweep = (end_bearing - start_bearing) % 360 or (360.0 if end_bearing != start_bearing else 0.0)
    if not 0 < sweep <= 360:
        raise ValueError(f"a sector needs a sweep in (0, 360] degrees, got {sweep:g}")
    if radius_m <= 0:
        raise ValueError(f"a sector needs a positive radius, got {radius_m:g}")
    n = max(int(np.ceil(sweep / step)), 2)
    bearings = start_bearing + np.linspace(0.0, sweep, n + 1)
    lons, lats, _ = WGS84.fwd(
        np.full(bearings.shape, lon),
        np.full(bearings.shape, lat),
        bearings,
        np.full(bearings.shape, radius_m),
    )
    arc = list(zip(lons.tolist(), lats.tolist(), strict=True))
    ring = arc[:-1] if sweep == 360 else [(lon, lat), *arc]
    poly = Polygon(ring)
    return shapely.geometry.polygon.orient(poly, sign=1.0)


QUADRANTS: dict[str, tuple[float, float]] = {
    "NE": (0.0, 90.0),
    "SE": (90.0, 180.0),
    "SW": (180.0, 270.0),
    "NW": (270.0, 360.0),
}
"""Bearing ranges (clockwise from north) of the four quadrant sectors, keyed by sector code."""


def quadrants(lon: float, lat: float, radius_m: float, *, step: float = 0.5) -> dict[str, Polygon]:
    """The four quadrant sectors about a centre, keyed ``NE``, ``SE``, ``SW``, ``NW``; they tile the disc.

    >>> from hub.geo.measure import geodesic_area
    >>> q = quadrants(115.6097, 34.3767, 1457)
    >>> sorted(q)
    ['NE', 'NW', 'SE', 'SW']
    >>> round(sum(geodesic_area(p) for p in q.values()) / 1e6, 2)
    6.67
    """
    return {code: sector(lon, lat, radius_m, a, b, step=step) for code, (a, b) in QUADRANTS.items()}
