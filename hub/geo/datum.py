"""Chinese base-map coordinates: WGS84 ↔ GCJ-02 (AMap/Gaode, Tencent) ↔ BD-09 (Baidu), vectorised.

GCJ-02 is WGS84 plus a smooth, non-linear offset (526 m to the east-south-east at Suiyang's old
town, 大隅首; 524–543 m over 115.5–115.8 E, 34.3–34.5 N) given by the public formula that coordTransform_py and
eviltransform implement (Krasovsky semi-axis a = 6378245.0, e² = 0.00669342162296594323). Outside
the box lon 72.004–137.8347, lat 0.8293–55.8271 ("out of China") GCJ-02 equals WGS84. BD-09 is
GCJ-02 with Baidu's second twist (a rotation and stretch with x_pi = π·3000/180, then +0.0065°,
+0.006°); like coordTransform_py, it applies everywhere, in China or not.

The quick inverse of GCJ-02 (subtract the offset measured at the GCJ-02 point) is off by up to
3 m here (5 m across China); ``gcj02_to_wgs84`` iterates it to a fixed point, below 1e-9° (0.1 mm)
within four rounds. Baidu's published inverse (``bd09_to_gcj02``) undoes ``gcj02_to_bd09`` to
about 5 cm here and 0.25 m across China; both are kept as published, so results match other tools.

Functions take scalars or arrays (broadcast together): scalars give a pair of floats, arrays a
pair of float arrays. ``to_wgs84`` and ``from_wgs84`` apply a conversion to shapely geometries.
Non-finite coordinates pass through as they are.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Literal, get_args

import numpy as np
import shapely

from hub.errors import InputError

Crs = Literal["WGS84", "GCJ02", "BD09"]
"""A coordinate system the API speaks: WGS84 (stored), GCJ-02 (AMap, Tencent), BD-09 (Baidu)."""

CRS_CODES: tuple[str, ...] = get_args(Crs)

A = 6378245.0
"""Semi-major axis of the GCJ-02 formula (Krasovsky 1940), metres."""
EE = 0.00669342162296594323
"""First eccentricity squared of the GCJ-02 formula."""
X_PI = math.pi * 3000.0 / 180.0
"""Baidu's angle factor."""
CHINA = (72.004, 0.8293, 137.8347, 55.8271)
"""(min lon, min lat, max lon, max lat) of the box within which GCJ-02 shifts coordinates."""

MAX_ITERATIONS = 10
TOLERANCE_DEG = 1e-9

Pair = tuple[Any, Any]


def _arrays(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    x, y = np.broadcast_arrays(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return x.copy(), y.copy()


def _out(lon: np.ndarray, lat: np.ndarray) -> Pair:
    if lon.ndim == 0:
        return float(lon), float(lat)
    return lon, lat


def out_of_china(lon: Any, lat: Any) -> Any:
    """Whether each position lies outside the GCJ-02 box (where GCJ-02 equals WGS84); NaN is outside.

    >>> out_of_china(115.6097, 34.3767), out_of_china(2.35, 48.86)
    (False, True)
    >>> out_of_china([115.6, float("nan")], [34.4, 34.4]).tolist()
    [False, True]
    """
    out = ~_in_china(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    return bool(out) if out.ndim == 0 else out


def _in_china(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.asarray((x >= CHINA[0]) & (x <= CHINA[2]) & (y >= CHINA[1]) & (y <= CHINA[3]))


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 minus WGS84 (dlon, dlat) in degrees at a WGS84 position, ignoring the China box."""
    pi = math.pi
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat += common
    dlat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * pi) + 320 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon += common
    dlon += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = np.sin(radlat)
    magic = 1 - EE * magic * magic
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1 - EE)) / (magic * sqrt_magic) * pi)
    dlon = (dlon * 180.0) / (A / sqrt_magic * np.cos(radlat) * pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: Any, lat: Any) -> Pair:
    """WGS84 to GCJ-02 (AMap/Gaode, Tencent); positions outside China are returned unchanged.

    >>> wgs84_to_gcj02(116.404, 39.915)  # Tiananmen, as coordTransform's README gives it
    (116.41024449916938, 39.91640428150164)
    >>> wgs84_to_gcj02([115.6097, 2.35], [34.3767, 48.86])[1].round(6).tolist()  # Paris stays put
    [34.375253, 48.86]
    """
    x, y = _arrays(lon, lat)
    inside = _in_china(x, y)
    if inside.any():
        dlon, dlat = _offset(x[inside], y[inside])
        x[inside] += dlon
        y[inside] += dlat
    return _out(x, y)


def gcj02_to_wgs84(lon: Any, lat: Any) -> Pair:
    """GCJ-02 to WGS84 by fixed-point iteration of the forward formula, to within 1e-9° (0.1 mm).

    The first round is the quick inverse (metres off); later rounds refine all positions at once,
    at most ten rounds in all; positions outside China are returned unchanged.

    >>> lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(115.6097, 34.3767))
    >>> round(lon, 9), round(lat, 9)
    (115.6097, 34.3767)
    >>> gcj02_to_wgs84(float("nan"), 34.0)
    (nan, 34.0)
    """
    gx, gy = _arrays(lon, lat)
    x, y = gx.copy(), gy.copy()
    idx = np.flatnonzero(_in_china(gx, gy))
    tx, ty = gx.reshape(-1)[idx], gy.reshape(-1)[idx]
    wx, wy = tx.copy(), ty.copy()
    for _ in range(MAX_ITERATIONS):
        dlon, dlat = _offset(wx, wy)
        rx, ry = wx + dlon - tx, wy + dlat - ty  # forward of the guess minus the target
        if not idx.size or max(np.abs(rx).max(), np.abs(ry).max()) < TOLERANCE_DEG:
            break
        wx -= rx
        wy -= ry
    x.reshape(-1)[idx] = wx
    y.reshape(-1)[idx] = wy
    return _out(x, y)


def gcj02_to_bd09(lon: Any, lat: Any) -> Pair:
    """GCJ-02 to BD-09 (Baidu); applied everywhere, as coordTransform_py does.

    >>> gcj02_to_bd09(116.404, 39.915)  # coordTransform's README
    (116.41036949371029, 39.92133699351021)
    >>> gcj02_to_bd09([], [])[0].shape
    (0,)
    """
    x, y = _arrays(lon, lat)
    with np.errstate(invalid="ignore", over="ignore"):  # huge input gives inf, refused by the range check after
        z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * X_PI)
        theta = np.arctan2(y, x) + 0.000003 * np.cos(x * X_PI)
    return _out(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006)


def bd09_to_gcj02(lon: Any, lat: Any) -> Pair:
    """BD-09 (Baidu) to GCJ-02, the published approximate inverse (good to 0.25 m).

    >>> bd09_to_gcj02(116.404, 39.915)  # coordTransform's README
    (116.39762729119315, 39.90865673957631)
    >>> bd09_to_gcj02(np.array([116.404]), np.array([39.915]))[0].round(6).tolist()
    [116.397627]
    """
    x, y = _arrays(lon, lat)
    x -= 0.0065
    y -= 0.006
    with np.errstate(invalid="ignore", over="ignore"):  # huge input gives inf, refused by the range check after
        z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * X_PI)
        theta = np.arctan2(y, x) - 0.000003 * np.cos(x * X_PI)
    return _out(z * np.cos(theta), z * np.sin(theta))


def wgs84_to_bd09(lon: Any, lat: Any) -> Pair:
    """WGS84 to BD-09 through GCJ-02.

    >>> [round(v, 6) for v in wgs84_to_bd09(116.404, 39.915)]
    [116.416627, 39.9227]
    >>> [round(v, 4) for v in wgs84_to_bd09(2.35, 48.86)]  # outside China only Baidu's twist applies
    [2.3566, 48.866]
    """
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def bd09_to_wgs84(lon: Any, lat: Any) -> Pair:
    """BD-09 to WGS84 through GCJ-02 (the iterative inverse).

    >>> lon, lat = bd09_to_wgs84(*wgs84_to_bd09(115.6097, 34.3767))
    >>> round(lon, 6), round(lat, 6)
    (115.6097, 34.3767)
    """
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


_TO_WGS84: dict[str, Callable[[Any, Any], Pair]] = {"GCJ02": gcj02_to_wgs84, "BD09": bd09_to_wgs84}
_FROM_WGS84: dict[str, Callable[[Any, Any], Pair]] = {"GCJ02": wgs84_to_gcj02, "BD09": wgs84_to_bd09}


def crs_code(text: str) -> Crs:
    """The ``Crs`` named by ``text``, ignoring case, hyphens and underscores ("gcj-02" is GCJ02).

    >>> crs_code("gcj-02"), crs_code("BD09"), crs_code("wgs_84")
    ('GCJ02', 'BD09', 'WGS84')
    >>> crs_code("EPSG:3857")
    Traceback (most recent call last):
    ...
    hub.errors.InputError: unknown coordinate system 'EPSG:3857'; use one of WGS84, GCJ02, BD09
    """
    code = str(text).upper().replace("-", "").replace("_", "").strip()
    if code not in CRS_CODES:
        raise InputError(f"unknown coordinate system {text!r}; use one of {', '.join(CRS_CODES)}")
    return code  # type: ignore[return-value]


def _on_geometries(geoms: Any, func: Callable[[Any, Any], Pair]) -> Any:
    def xy(coords: np.ndarray) -> np.ndarray:
        out = coords.copy()
        out[:, 0], out[:, 1] = func(coords[:, 0], coords[:, 1])
        return out

    return shapely.transform(geoms, xy, include_z=None)  # Z, where present, is kept as it is


def to_wgs84(geoms: Any, crs: str) -> Any:
    """Geometries (one or an array) given in ``crs`` as WGS84; for WGS84 the very same object.

    ``None`` stays ``None``, empty geometries stay empty; an unknown ``crs`` raises ``InputError``.

    >>> p = shapely.Point(115.6097, 34.3767)
    >>> to_wgs84(p, "WGS84") is p
    True
    >>> back = to_wgs84(from_wgs84(p, "BD09"), "bd-09")
    >>> shapely.get_coordinates(back).round(6).tolist()  # Baidu's published inverse is good to ~5 cm
    [[115.6097, 34.3767]]
    >>> to_wgs84(np.array([None, shapely.Point()]), "GCJ02").tolist()
    [None, <POINT EMPTY>]
    """
    code = crs_code(crs)
    return geoms if code == "WGS84" else _on_geometries(geoms, _TO_WGS84[code])


def from_wgs84(geoms: Any, crs: str) -> Any:
    """WGS84 geometries (one or an array) in ``crs``; for WGS84 the very same object.

    >>> p = shapely.Point(115.6097, 34.3767)
    >>> shapely.get_coordinates(from_wgs84(p, "GCJ02")).round(6).tolist()
    [[115.615147, 34.375253]]
    >>> from_wgs84(p, "WGS84") is p
    True
    """
    code = crs_code(crs)
    return geoms if code == "WGS84" else _on_geometries(geoms, _FROM_WGS84[code])


def point_to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """One position given in ``crs`` as WGS84 (unchanged for WGS84 and for non-finite input).

    >>> point_to_wgs84(115.615147, 34.375253, "GCJ02") == point_to_wgs84(115.615147, 34.375253, "gcj-02")
    True
    >>> point_to_wgs84(200.0, 34.0, "WGS84")
    (200.0, 34.0)
    """
    code = crs_code(crs)
    if code == "WGS84" or not (math.isfinite(lon) and math.isfinite(lat)):
        return (lon, lat)
    x, y = _TO_WGS84[code](lon, lat)
    return (float(x), float(y))


def geojson_to_wgs84(obj: Any, crs: str) -> Any:
    """A GeoJSON geometry object (a dict, not yet validated) with its coordinates given in ``crs`` as WGS84.

    Conversion happens at the edge of the API, before validation; anything that is not a
    well-formed coordinate array is returned untouched so that validation reports it as it stands.

    >>> [round(v, 5) for v in geojson_to_wgs84({"type": "Point", "coordinates": [115.615147, 34.375253]}, "GCJ02")
    ...  ["coordinates"]]
    [115.6097, 34.3767]
    >>> geojson_to_wgs84({"type": "Point", "coordinates": "junk"}, "GCJ02")
    {'type': 'Point', 'coordinates': 'junk'}
    """
    code = crs_code(crs)
    if code == "WGS84" or not isinstance(obj, dict):
        return obj
    if obj.get("type") == "Feature" and isinstance(obj.get("geometry"), dict):
        return {**obj, "geometry": geojson_to_wgs84(obj["geometry"], code)}
    if obj.get("type") == "GeometryCollection" and isinstance(obj.get("geometries"), list):
        return {**obj, "geometries": [geojson_to_wgs84(g, code) for g in obj["geometries"]]}
    converted = _convert_nested(obj.get("coordinates"), _TO_WGS84[code])
    return obj if converted is None else {**obj, "coordinates": converted}


def _convert_nested(coords: Any, func: Callable[[Any, Any], Pair]) -> Any:
    """Nested coordinate lists converted level by level (rings may differ in length); None if malformed."""
    if not isinstance(coords, list) or not coords:
        return None
    if all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords):
        if len(coords) < 2:
            return None
        x, y = func(np.float64(coords[0]), np.float64(coords[1]))
        return [round(float(x), 9), round(float(y), 9), *coords[2:]]
    if all(
        isinstance(c, list) and c and all(isinstance(v, int | float) and not isinstance(v, bool) for v in c)
        for c in coords
    ):
        if any(len(c) < 2 for c in coords):
            return None
        x, y = func(np.array([c[0] for c in coords], dtype=float), np.array([c[1] for c in coords], dtype=float))
        return [[round(float(a), 9), round(float(b), 9), *c[2:]] for a, b, c in zip(x, y, coords, strict=True)]
    parts = [_convert_nested(c, func) for c in coords]
    return None if any(p is None for p in parts) else parts
