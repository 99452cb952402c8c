"""Coordinate systems files come in, and their geometries as WGS84 lon/lat.

Files a district keeps are in WGS84 (EPSG:4326), in the national datum CGCS2000 (EPSG:4490, within a
metre of WGS84 here), in a CGCS2000 Gauss–Krüger projection (EPSG:4548, central meridian 117°E, or
EPSG:4547, 114°E), or in the shifted coordinates of Chinese web maps (GCJ-02, BD-09). EPSG systems are
converted by pyproj (``always_xy``: x is the longitude or easting, whatever the system's axis order);
GCJ-02 and BD-09 by ``hub.geo.datum``, since no EPSG code describes them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from hub.errors import InputError
from hub.geo import datum

WGS84 = "EPSG:4326"
SHIFTED = ("GCJ02", "BD09")
_WGS84_NAMES = {"WGS84", "CRS84", "OGC:CRS84", "EPSG:4326", "WGS 84"}


def crs_name(text: str | None) -> str:
    """The canonical name of a coordinate system given by a user or a file: ``EPSG:4326`` for WGS84,
    ``GCJ02`` or ``BD09`` for the web maps' systems, ``EPSG:n`` for any other pyproj knows.

    >>> crs_name("wgs84"), crs_name("gcj-02"), crs_name("EPSG:4548"), crs_name("epsg:4490")
    ('EPSG:4326', 'GCJ02', 'EPSG:4548', 'EPSG:4490')
    >>> crs_name("EPSG:99999")
    Traceback (most recent call last):
    ...
    hub.errors.InputError: crs: unknown coordinate system 'EPSG:99999': use WGS84, GCJ02, BD09 or an EPSG code \
such as EPSG:4490 (CGCS2000) or EPSG:4548
    """
    if text is None or not str(text).strip():
        return WGS84
    raw = str(text).strip()
    squeezed = raw.upper().replace("-", "").replace("_", "")
    if squeezed in SHIFTED:
        return squeezed
    if raw.upper() in _WGS84_NAMES or squeezed in _WGS84_NAMES:
        return WGS84
    try:
        crs = CRS.from_user_input(raw)
    except CRSError:
        raise InputError(
            f"unknown coordinate system {raw!r}: use WGS84, GCJ02, BD09 or an EPSG code such as "
            "EPSG:4490 (CGCS2000) or EPSG:4548",
            field="crs",
        ) from None
    found = crs.to_authority()
    if found is None:
        return crs.to_wkt()
    return WGS84 if found == ("OGC", "CRS84") else f"{found[0]}:{found[1]}"


@cache
def _transformer(name: str) -> Transformer:
    return Transformer.from_crs(CRS.from_user_input(name), CRS.from_epsg(4326), always_xy=True)


def to_wgs84(geoms: Any, crs: str) -> Any:
    """Geometries (an array, None allowed) given in ``crs`` (a name :func:`crs_name` takes) as WGS84 lon/lat.

    >>> g = to_wgs84(np.array([shapely.Point(500000, 3805000)]), "EPSG:4548")  # on 117°E, 34.4°N
    >>> [round(float(v), 4) for v in shapely.get_coordinates(g)[0]]
    [117.0, 34.3727]
    >>> to_wgs84(np.array([None]), "GCJ02").tolist()
    [None]
    """
    name = crs_name(crs)
    if name == WGS84:
        return geoms
    if name in SHIFTED:
        return datum.to_wgs84(geoms, name)
    transformer = _transformer(name)

    def xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, xy)
