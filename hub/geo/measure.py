"""Geodesic measures on the WGS84 ellipsoid (pyproj.Geod), vectorised over geometry arrays.

Areas are in square metres and lengths in metres, the same figures any GIS tool that measures on
the ellipsoid reports. Missing geometries (``None``) give ``nan``; empty geometries give ``0.0``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import shapely
from pyproj import Geod

WGS84 = Geod(ellps="WGS84")


def _as_array(geoms: object) -> np.ndarray:
    arr = np.asarray(geoms, dtype=object)
    return arr.reshape(-1) if arr.ndim == 0 else arr


def geodesic_area(geoms: object) -> np.ndarray | float:
    """Area of each (multi)polygon in m² on the WGS84 ellipsoid; 0 for points and lines.

    Returns a float for a single geometry and an array for an array.

    >>> from shapely import box
    >>> round(geodesic_area(box(115.6, 34.37, 115.61, 34.38)))  # about 920 m × 1,110 m
    1020292
    >>> geodesic_area([None, shapely.Polygon()]).tolist()
    [nan, 0.0]
    """
    single = isinstance(geoms, shapely.Geometry) or geoms is None
    arr = _as_array(geoms)
    out = np.full(arr.shape, np.nan)
    for i, g in enumerate(arr):
        if g is not None:
            out[i] = _area(g)
    return float(out[0]) if single else out


def _area(g: shapely.Geometry) -> float:
    if g.is_empty:
        return 0.0
    if g.geom_type == "GeometryCollection":  # pyproj would give its lines an "area" too
        return sum(_area(part) for part in g.geoms)
    if g.geom_type not in ("Polygon", "MultiPolygon"):
        return 0.0
    # pyproj signs each ring's area by its orientation: every exterior must be CCW and every hole
    # CW, or the parts of a MultiPolygon drawn in opposite directions cancel out.
    area, _ = WGS84.geometry_area_perimeter(_orient_ccw(g))
    return abs(area)


def _orient_ccw(g: shapely.Geometry) -> shapely.Geometry:
    if hasattr(shapely, "orient_polygons"):  # shapely >= 2.1
        return shapely.orient_polygons(g, exterior_cw=False)
    if g.geom_type == "Polygon":
        return shapely.geometry.polygon.orient(g, sign=1.0)
    return shapely.MultiPolygon([shapely.geometry.polygon.orient(p, sign=1.0) for p in g.geoms])


def geodesic_length(geoms: object) -> np.ndarray | float:
    """Length of each line in metres (perimeter for polygons) on the WGS84 ellipsoid.

    >>> from shapely import LineString
    >>> round(geodesic_length(LineString([(115.6, 34.0), (115.6, 35.0)])))  # one degree of latitude
    110931
    >>> geodesic_length([None]).tolist()
    [nan]
    """
    single = isinstance(geoms, shapely.Geometry) or geoms is None
    arr = _as_array(geoms)
    out = np.full(arr.shape, np.nan)
    for i, g in enumerate(arr):
        if g is None:
            continue
        out[i] = 0.0 if g.is_empty else WGS84.geometry_length(g)
    return float(out[0]) if single else out


def destination(lon: float, lat: float, bearing: float, meters: float) -> tuple[float, float]:
    """The point ``meters`` from (lon, lat) along the geodesic with the given bearing (degrees from north).

    >>> lon, lat = destination(115.6097, 34.3767, 45, 500)
    >>> round(lon, 5), round(lat, 5)
    (115.61354, 34.37989)
    >>> destination(115.6097, 34.3767, 90, 0)
    (115.6097, 34.3767)
    """
    if meters == 0:
        return (lon, lat)
    lon2, lat2, _ = WGS84.fwd(lon, lat, bearing, meters)
    return (float(lon2), float(lat2))


def distance(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Geodesic distance in metres between two points.

    >>> round(distance(115.6097, 34.3767, 115.61354, 34.37989))
    500
    >>> distance(115.0, 34.0, 115.0, 34.0)
    0.0
    """
    _, _, d = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(d)


def meters_to_degrees(meters: float, lat: float) -> tuple[float, float]:
    """Half-widths (dlon, dlat) in degrees of a box holding every point within ``meters`` of a point.

    Errs on the generous side (5 % margin), for use as an index prefilter.

    >>> dlon, dlat = meters_to_degrees(1000, 34.38)
    >>> round(dlon, 4), round(dlat, 4)
    (0.0114, 0.0095)
    """
    dlat = meters / 110_574.0 * 1.05
    dlon = meters / (111_320.0 * max(math.cos(math.radians(lat)), 1e-6)) * 1.05
    return (dlon, dlat)


def total_area(geoms: Iterable[shapely.Geometry]) -> float:
    """Sum of geodesic areas in m².

    >>> total_area([])
    0.0
    """
    arr = list(geoms)
    return float(np.nansum(geodesic_area(arr))) if arr else 0.0
