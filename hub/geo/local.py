"""A local metric projection around a point, for buffers and distances in metres.

A transverse Mercator on the WGS84 ellipsoid, centred on the point of interest with scale 1 there:
the scale error grows as (d / R)² / 2 with the distance d from the centre, which is below 1.3e-6
(1.3 mm per km) within 10 km and below 1.3e-4 within 100 km. The hub centres a projection on each
query point or geometry, so distances and buffers of the sizes it deals with (metres to a few
kilometres) agree with geodesic measures to well under a millimetre per kilometre.

Transformers are built from a PROJ pipeline string (about 50 µs, against ~8 ms for ``from_crs``)
and are thread-safe (pyproj ≥ 3.1), so ``local_projection`` may cache and share them.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from pyproj.enums import TransformDirection

DISTRICT = (115.65, 34.42)
"""(lon, lat) near the middle of Suiyang District; a centre for district-wide planar work."""


class LocalProjection:
    """Transverse Mercator in metres centred on (lon0, lat0): that point maps to (0, 0), x east, y north.

    >>> proj = LocalProjection(115.6097, 34.3767)
    >>> shapely.get_coordinates(proj.forward(shapely.Point(115.6097, 34.3767))).tolist()
    [[0.0, 0.0]]
    >>> proj.forward(None) is None
    True
    """

    __slots__ = ("_transformer", "lat0", "lon0")

    def __init__(self, lon0: float, lat0: float) -> None:
        if not (math.isfinite(lon0) and math.isfinite(lat0) and abs(lon0) <= 180 and abs(lat0) < 90):
            raise ValueError(f"a projection centre needs lon in [-180, 180] and lat in (-90, 90), got {lon0}, {lat0}")
        self.lon0 = float(lon0)
        self.lat0 = float(lat0)
        self._transformer = Transformer.from_pipeline(
            "+proj=pipeline +step +proj=unitconvert +xy_in=deg +xy_out=rad "
            f"+step +proj=tmerc +lat_0={self.lat0!r} +lon_0={self.lon0!r} +k=1 +x_0=0 +y_0=0 +ellps=WGS84"
        )

    def __repr__(self) -> str:
        return f"LocalProjection({self.lon0!r}, {self.lat0!r})"

    def forward(self, geoms: Any) -> Any:
        """Lon/lat geometries (one or an array) to metres; ``None`` stays ``None``.

        >>> proj = LocalProjection(115.6097, 34.3767)
        >>> x, y = shapely.get_coordinates(proj.forward(shapely.Point(115.6097, 34.3857)))[0]
        >>> round(float(x), 6), round(float(y), 1)  # 0.009° of latitude north is about 998.4 m
        (0.0, 998.4)
        """
        return shapely.transform(geoms, self._forward_xy)

    def inverse(self, geoms: Any) -> Any:
        """Geometries in metres (one or an array) back to lon/lat; ``None`` stays ``None``.

        >>> proj = LocalProjection(115.6097, 34.3767)
        >>> shapely.get_coordinates(proj.inverse(shapely.Point(0, 0))).round(9).tolist()
        [[115.6097, 34.3767]]
        >>> proj.inverse([None]).tolist()
        [None]
        """
        return shapely.transform(geoms, self._inverse_xy)

    def _forward_xy(self, coords: np.ndarray) -> np.ndarray:
        x, y = self._transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    def _inverse_xy(self, coords: np.ndarray) -> np.ndarray:
        lon, lat = self._transformer.transform(coords[:, 0], coords[:, 1], direction=TransformDirection.INVERSE)
        return np.column_stack([lon, lat])


@lru_cache(maxsize=256)
def local_projection(lon0: float, lat0: float) -> LocalProjection:
    """The ``LocalProjection`` centred on (lon0, lat0), cached (the cache holds no request state).

    >>> local_projection(*DISTRICT) is local_projection(*DISTRICT)
    True
    """
    return LocalProjection(lon0, lat0)


def buffer_m(geoms: Any, meters: float, *, quad_segs: int = 16) -> Any:
    """Buffer by ``meters`` in a local projection centred on each geometry's centroid, back in lon/lat.

    Takes one geometry or an array (one projection per geometry). A negative distance shrinks
    polygons; ``None`` gives ``None`` and an empty geometry an empty polygon. Each quarter circle
    has ``quad_segs`` segments, so a buffered point is a regular polygon of 4·quad_segs sides
    inscribed in the geodesic circle (area short of π·r² by about 0.16 % at the default 16).

    >>> from hub.geo.measure import geodesic_area
    >>> disc = buffer_m(shapely.Point(115.6097, 34.3767), 100)
    >>> round(geodesic_area(disc))  # π·100² = 31,416 less the inscribed polygon's 0.16 %
    31365
    >>> buffer_m([None], 100).tolist()
    [None]
    """
    single = not isinstance(geoms, list | tuple | np.ndarray)
    arr = np.asarray([geoms] if single else geoms, dtype=object).reshape(-1)
    out = np.empty(arr.shape, dtype=object)
    for i, g in enumerate(arr):  # one projection per geometry: a loop over geometries, not vertices
        if g is None:
            continue
        if g.is_empty:
            out[i] = shapely.Polygon()
            continue
        c = shapely.centroid(g)
        proj = local_projection(c.x, c.y)
        out[i] = proj.inverse(shapely.buffer(proj.forward(g), meters, quad_segs=quad_segs))
    return out[0] if single else out
