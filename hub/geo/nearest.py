"""Geodesic distance from a point to the nearest point of geometries, and the k nearest of a layer.

The nearest point of each geometry is found in a transverse Mercator centred within 3 km of the query
point (``hub.geo.local``; the centre is the point rounded to 0.05°, so queries nearby share one cached
projection): it is conformal, and its scale there is off by under 1.2e-7, so the foot of the shortest
line is where it is on the ellipsoid to well under a millimetre at district scale; the distance to that
point is then measured on the WGS84 ellipsoid (``pyproj.Geod.inv``). A point inside a polygon
is 0 m from it. ``None`` and empty geometries give ``nan`` and sort last.

The k nearest are found by growing a search box around the point (the layer's STRtree answers
each box), ranking the candidates by a cheap planar distance, and measuring only the shortlist
exactly; the search stops once k candidates lie within the box's inscribed circle, so nothing
outside the box can be nearer.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Protocol

import numpy as np
import shapely

from hub.geo.index import SpatialIndex  # noqa: F401 (the doctest uses it)
from hub.geo.local import local_projection
from hub.geo.measure import WGS84, meters_to_degrees

START_M = 50.0
"""First search radius of ``nearest_k``; it grows fourfold until k are found."""
FAR_M = 20_100_000.0
"""Half the Earth's circumference: a search that reaches this has looked everywhere."""
A_M, E2 = 6_378_137.0, 0.00669437999014
"""The WGS84 ellipsoid: semi-major axis (m) and first eccentricity squared."""


def nearest_points(geoms: np.ndarray, lon: float, lat: float) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) arrays of the point of each geometry nearest to (lon, lat); ``nan`` for None or empty.

    >>> lons, lats = nearest_points(np.array([shapely.box(115.61, 34.37, 115.62, 34.38)]), 115.60, 34.375)
    >>> round(float(lons[0]), 6), round(float(lats[0]), 4)  # the west edge, at the same latitude
    (115.61, 34.375)
    """
    geoms = np.asarray(geoms, dtype=object).reshape(-1)
    out_lon = np.full(len(geoms), np.nan)
    out_lat = np.full(len(geoms), np.nan)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not usable.any():
        return out_lon, out_lat
    proj = local_projection(*_frame_centre(lon, lat))
    planar = proj.forward(geoms[usable])
    lines = shapely.shortest_line(proj.forward(shapely.Point(lon, lat)), planar)
    back = shapely.get_coordinates(proj.inverse(shapely.get_point(lines, 1)))
    touching = shapely.length(lines) == 0  # the point is on or in the geometry: its own coordinates, exactly
    back[touching] = (lon, lat)
    out_lon[usable], out_lat[usable] = back[:, 0], back[:, 1]
    return out_lon, out_lat


def _frame_centre(lon: float, lat: float) -> tuple[float, float]:
    """The centre of the metric frame for a query point: the point rounded to 0.05° (within 3 km of it, where the
    transverse Mercator's scale is off by under 1.2e-7), so nearby queries share one cached projection.

    >>> _frame_centre(115.6097, 34.3767)
    (115.6, 34.4)
    """
    return (round(round(lon / 0.05) * 0.05, 2), round(round(lat / 0.05) * 0.05, 2))


def distances_m(geoms: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Geodesic distance in metres from (lon, lat) to the nearest point of each geometry (0 inside).

    >>> from hub.geo.measure import destination
    >>> far = shapely.Point(destination(115.6097, 34.3767, 30, 1234.5))
    >>> distances_m(np.array([far, None, shapely.box(115.60, 34.37, 115.62, 34.38)]), 115.6097, 34.3767).round(3)
    array([1234.5,    nan,    0. ])
    """
    lons, lats = nearest_points(geoms, lon, lat)
    out = np.full(len(lons), np.nan)
    ok = ~np.isnan(lons)
    if ok.any():
        n = int(ok.sum())
        _, _, d = WGS84.inv(np.full(n, lon), np.full(n, lat), lons[ok], lats[ok])
        out[ok] = d
    return out


def order_by_distance(distances: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """Indices that sort by distance, nearest first; ties by position, ``nan`` last.

    >>> order_by_distance(np.array([5.0, np.nan, 1.0, 5.0]), np.array([9, 3, 7, 2])).tolist()
    [2, 3, 0, 1]
    """
    d = np.where(np.isnan(distances), np.inf, distances)
    return np.lexsort((positions, d))


def _planar(geoms: np.ndarray, lon: float, lat: float) -> np.ndarray:
    """Approximate distances in metres: an equirectangular frame with the ellipsoid's scales at the point
    (off by about 1e-4 per km of distance, from the change of scale with latitude)."""
    phi = math.radians(lat)
    w = math.sqrt(1 - E2 * math.sin(phi) ** 2)
    mx = math.radians(1) * A_M * math.cos(phi) / w  # metres per degree of longitude here
    my = math.radians(1) * A_M * (1 - E2) / w**3  # metres per degree of latitude here
    scaled = shapely.transform(geoms, lambda c: (c - (lon, lat)) * (mx, my))
    return shapely.distance(shapely.Point(0.0, 0.0), scaled)


class Searchable(Protocol):
    """What ``nearest_k`` searches: a geometry array by position, and the positions meeting a box (all for None)."""

    @property
    def geoms(self) -> np.ndarray: ...

    def query(self, *, bbox: tuple[float, float, float, float] | None = None) -> np.ndarray: ...


def nearest_k(
    index: Searchable,
    lon: float,
    lat: float,
    k: int,
    *,
    max_m: float | None = None,
    keep: Callable[[np.ndarray], np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(positions, distances in m) of the ``k`` geometries of ``index`` nearest to (lon, lat), nearest first.

    Only positions for which ``keep(positions)`` is True count (``keep`` takes and returns arrays);
    none farther than ``max_m`` when it is given. Ties are broken by position.

    >>> from hub.geo.measure import destination
    >>> pts = [shapely.Point(destination(115.6097, 34.3767, 90, m)) for m in (300, 100, 200, 5000)]
    >>> pos, d = nearest_k(SpatialIndex(pts), 115.6097, 34.3767, 2)
    >>> pos.tolist(), d.round(3).tolist()
    ([1, 2], [100.0, 200.0])
    >>> nearest_k(SpatialIndex(pts), 115.6097, 34.3767, 3, max_m=250)[0].tolist()
    [1, 2]
    """
    limit = FAR_M if max_m is None else min(max_m, FAR_M)
    radius = min(START_M, limit)
    geoms = index.geoms
    while True:
        dlon, dlat = meters_to_degrees(radius, lat)  # generous: the box holds the whole circle of `radius`
        last = radius >= limit or dlon >= 180 or dlat >= 90
        box = None if dlon >= 180 or dlat >= 90 else (lon - dlon, lat - dlat, lon + dlon, lat + dlat)
        candidates = index.query(bbox=box)
        if keep is not None and candidates.size:
            candidates = candidates[keep(candidates)]
        if candidates.size >= k or last:
            if candidates.size > k:  # shortlist by the planar distance, with a margin for its error
                rough = _planar(geoms[candidates], lon, lat)
                cut = float(np.partition(rough, k - 1)[k - 1])
                candidates = candidates[rough <= cut * (1.01 + cut / 1e6) + 1.0]
            exact = distances_m(geoms[candidates], lon, lat)
            order = order_by_distance(exact, candidates)[:k]
            found, dist = candidates[order], exact[order]
            # complete when the k-th lies inside the circle the box holds: nothing outside can be nearer
            if last or (len(found) == k and float(dist[-1]) <= radius):
                within = dist <= limit
                return found[within], dist[within]
        radius = min(radius * 4, limit)
