"""GeoJSON in and out: parse and check client geometry, serialise stored geometry (RFC 7946).

Input is checked before anything else, and the first problem found is refused with a message that
names the place, a dotted path such as ``where.within.coordinates[0][3]`` (also the error's
``field``). The checks, in order:

1. JSON that decodes to an object with a known ``type``, narrowed by ``allowed``; a Feature stands
   for its geometry, a FeatureCollection is refused;
2. the vertex cap, counted from list lengths before any array is built (``LimitExceeded``);
3. ``coordinates`` nested to the depth the type needs, at least 2 positions per line and 4 per ring;
4. every position 2 or 3 finite numbers (``true`` is not a number), in [lon, lat] order
   (``SwappedCoordinatesError``), in range, and rings closed — one numpy pass over all positions;
5. validity, with GEOS's reason; repaired only on request, and only within the same type family.

Output: coordinates rounded to 6 decimals, exterior rings counter-clockwise and holes clockwise,
compact JSON strings ready to splice into a response.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

import numpy as np
import orjson
import shapely
from shapely import Point, Polygon

from hub.errors import GeometryError, LimitExceeded, SwappedCoordinatesError
from hub.geo.coords import (
    NOUN,
    Leaf,
    as_numbers,
    check_positions,
    check_ranges,
    count_positions,
    fmt,
    fmt_list,
    json_text,
    json_type,
    looks_swapped,
    walk,
)

GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)
"""The GeoJSON geometry types, in the order messages list them."""

_FAMILY = {
    "Point": "puntal",
    "MultiPoint": "puntal",
    "LineString": "lineal",
    "LinearRing": "lineal",
    "MultiLineString": "lineal",
    "Polygon": "polygonal",
    "MultiPolygon": "polygonal",
    "GeometryCollection": "collection",
}
_WGS84_NAMES = ("CRS84", "EPSG:4326", "EPSG::4326")


def parse_geometry(
    obj: Any,
    *,
    field: str = "geometry",
    max_vertices: int = 10_000,
    allowed: Collection[str] | None = None,
    repair: bool = False,
) -> shapely.Geometry:
    """Check client GeoJSON and return it as a 2-D shapely geometry (Z values are dropped).

    Parameters
    ----------
    obj : dict, str or bytes
        A decoded GeoJSON object, or its JSON text. A Feature stands for its geometry.
    field : str
        Dotted path of ``obj`` in the request; error fields and messages extend it.
    max_vertices : int
        Most positions accepted, over all parts.
    allowed : collection of str, optional
        Geometry type names accepted at the top level (default: all seven).
    repair : bool
        Repair an invalid geometry with ``shapely.make_valid`` instead of refusing it, provided the
        repair keeps the type family (a Polygon may become a MultiPolygon, never a line).

    Raises
    ------
    GeometryError, SwappedCoordinatesError, LimitExceeded

    Examples
    --------
    >>> parse_geometry('{"type": "Point", "coordinates": [115.6097, 34.3767, 52.0]}').wkt
    'POINT (115.6097 34.3767)'
    >>> parse_geometry({"type": "Point", "coordinates": [34.3767, 115.6097]}, field="where.near")
    Traceback (most recent call last):
    ...
    hub.errors.SwappedCoordinatesError: where.near.coordinates: coordinates look like [lat, lon]; \
GeoJSON wants [lon, lat] (got [34.3767, 115.6097] at where.near.coordinates)
    """
    if allowed is not None and not set(allowed) <= set(GEOMETRY_TYPES):
        raise ValueError(f"unknown geometry types in allowed: {sorted(set(allowed) - set(GEOMETRY_TYPES))}")
    obj = _decode(obj, field)
    kind, obj, field = _geometry_object(obj, field, allowed)
    members = _members(kind, obj, field)
    total = sum(count_positions(coords, k) for k, coords, _ in members)
    if total > max_vertices:
        raise LimitExceeded(f"{NOUN[kind]} has {total:,} vertices; the limit is {max_vertices:,}", field=field)
    leaves: list[Leaf] = []
    trees = [walk(coords, k, f"{path}.coordinates", leaves) for k, coords, path in members]
    xy, starts, ends = check_positions(leaves)
    parts = [_build(k, tree, xy, starts, ends) for (k, _, _), tree in zip(members, trees, strict=True)]
    geom = shapely.GeometryCollection(parts) if kind == "GeometryCollection" else parts[0]
    return _valid(geom, kind, field, allowed, repair)


def to_geojson(geoms: Any, *, precision: int = 6) -> list[str]:
    """Serialise geometries as compact RFC 7946 GeoJSON strings, one per geometry.

    Coordinates are rounded to ``precision`` decimals (not snapped to a grid, so topology is not
    rebuilt), exterior rings are made counter-clockwise and holes clockwise. ``None`` gives
    ``"null"`` and an empty geometry has empty ``coordinates``.

    >>> clockwise = shapely.box(115.6, 34.37, 115.61, 34.3800004, ccw=False)
    >>> to_geojson([clockwise, None])
    ['{"type":"Polygon","coordinates":[[[115.6,34.37],[115.61,34.37],[115.61,34.38],[115.6,34.38],\
[115.6,34.37]]]}', 'null']
    """
    arr = np.asarray(geoms, dtype=object).reshape(-1)
    if arr.size == 0:
        return []
    rounded = shapely.transform(arr, lambda c: np.round(c, precision) + 0.0)  # + 0.0 turns -0.0 into 0.0
    out = shapely.to_geojson(_orient(rounded))
    empty = shapely.is_empty(rounded)
    if empty.any():  # GEOS writes an empty Polygon as [[]]; RFC 7946 readers expect []
        out[empty] = [_empty_json(g) for g in rounded[empty]]
    out[shapely.is_missing(rounded)] = "null"
    return out.tolist()


def geometry_json(geom: shapely.Geometry | None, precision: int = 6) -> str:
    """One geometry as a compact GeoJSON string (see ``to_geojson``).

    >>> geometry_json(Point(115.60971234, 34.3767))
    '{"type":"Point","coordinates":[115.609712,34.3767]}'
    >>> geometry_json(None)
    'null'

    A 2-D point (what every field report is) is written without building arrays: the same
    coordinates, rounded the way ``np.round`` rounds, though the text may spell a number with fewer
    digits than GEOS would (``34.3767`` where GEOS may write ``34.376700000000001``).

    >>> geometry_json(Point(-0.0000001, 34.37670049))
    '{"type":"Point","coordinates":[0.0,34.3767]}'
    """
    if isinstance(geom, Point) and not geom.is_empty and not geom.has_z:
        x, y = geom.x, geom.y
        if math.isfinite(x) and math.isfinite(y):
            scale = 10.0**precision  # as np.round: scale, round half to even, scale back; + 0.0 drops -0.0
            rounded = (round(x * scale) / scale + 0.0, round(y * scale) / scale + 0.0)
            return orjson.dumps({"type": "Point", "coordinates": rounded}).decode()
    return to_geojson([geom], precision=precision)[0]


def bbox_polygon(bbox: Any, *, field: str = "where.bbox") -> Polygon:
    """Check a bounding box ``[minLon, minLat, maxLon, maxLat]`` and return it as a polygon.

    >>> bbox_polygon([115.6, 34.37, 115.61, 34.38]).area > 0
    True
    """
    return shapely.box(*bbox_bounds(bbox, field=field))


def bbox_bounds(bbox: Any, *, field: str = "where.bbox") -> tuple[float, float, float, float]:
    """Check a bounding box ``[minLon, minLat, maxLon, maxLat]`` and return its four numbers.

    A box with min == max on an axis is accepted (a degenerate box still works as a filter); a
    box crossing the antimeridian (minLon > maxLon in RFC 7946) is not supported.

    >>> bbox_bounds([115.6, 34.37, 115.61, 34.38])
    (115.6, 34.37, 115.61, 34.38)
    >>> bbox_bounds([115.61, 34.37, 115.6, 34.38])
    Traceback (most recent call last):
    ...
    hub.errors.GeometryError: where.bbox: minLon 115.61 is greater than maxLon 115.6 at where.bbox; \
boxes that cross the antimeridian are not supported
    """
    if not isinstance(bbox, list | tuple) or len(bbox) != 4:
        got = f"an array of {len(bbox)}" if isinstance(bbox, list | tuple) else json_type(bbox)
        raise GeometryError(f"a bbox is [minLon, minLat, maxLon, maxLat], got {got} at {field}", field=field)
    values = as_numbers(bbox, lambda i: f"{field}[{i}]", ("minLon", "minLat", "maxLon", "maxLat"))
    xy = values.reshape(2, 2)
    if looks_swapped(xy[:, 0], xy[:, 1]).any():
        raise SwappedCoordinatesError(
            "bbox looks like [minLat, minLon, maxLat, maxLon]; "
            "GeoJSON wants [minLon, minLat, maxLon, maxLat] "
            f"(got {fmt_list(values)} at {field})",
            field=field,
        )
    check_ranges(xy, lambda i, axis: f"{field}[{2 * i + axis}]")
    min_lon, min_lat, max_lon, max_lat = values.tolist()
    if min_lat > max_lat:
        msg = f"minLat {fmt(min_lat)} is greater than maxLat {fmt(max_lat)} at {field}"
        raise GeometryError(msg, field=field)
    if min_lon > max_lon:
        raise GeometryError(
            f"minLon {fmt(min_lon)} is greater than maxLon {fmt(max_lon)} at {field}; "
            "boxes that cross the antimeridian are not supported",
            field=field,
        )
    return (min_lon, min_lat, max_lon, max_lat)


def point(lon: Any, lat: Any, *, field: str) -> Point:
    """Check a longitude and latitude and return them as a Point.

    >>> point(115.6097, 34.3767, field="where.containsPoint").wkt
    'POINT (115.6097 34.3767)'
    >>> point(True, 34.3767, field="where.containsPoint")
    Traceback (most recent call last):
    ...
    hub.errors.GeometryError: where.containsPoint: longitude true is not a number at where.containsPoint
    """
    if (
        type(lon) is float
        and type(lat) is float
        and -180.0 <= lon <= 180.0
        and -90.0 <= lat <= 90.0
        and not (3.0 <= lon <= 54.0 and 73.0 <= lat <= 136.0)
    ):
        return Point(lon, lat)  # the common case, without building arrays; same checks as below
    lon, lat = as_numbers([lon, lat], lambda _: field, ("longitude", "latitude")).tolist()
    xy = np.array([[lon, lat]])
    if looks_swapped(xy[:, 0], xy[:, 1]).any():
        raise SwappedCoordinatesError(
            f"lon and lat look swapped (got lon {fmt(lon)}, lat {fmt(lat)} at {field})", field=field
        )
    check_ranges(xy, lambda i, axis: field)
    return Point(lon, lat)


# --- structure -------------------------------------------------------------------------------


def _decode(obj: Any, field: str) -> Any:
    if isinstance(obj, str | bytes | bytearray | memoryview):
        try:
            return orjson.loads(obj)
        except orjson.JSONDecodeError as exc:
            raise GeometryError(f"{field} is not valid JSON: {exc}", field=field) from None
    return obj


def _geometry_object(
    obj: Any, field: str, allowed: Collection[str] | None, *, feature: bool = True
) -> tuple[str, dict, str]:
    """Resolve a Feature (if ``feature``) to its geometry and check the type; return (type, object, field)."""
    if not isinstance(obj, dict):
        raise GeometryError(f"expected a GeoJSON object, got {json_type(obj)} at {field}", field=field)
    kind = obj.get("type")
    if kind == "Feature" and feature:
        field = f"{field}.geometry"
        obj = obj.get("geometry")
        if obj is None:
            raise GeometryError(f"the Feature has no geometry at {field}", field=field)
        if not isinstance(obj, dict):
            raise GeometryError(f"expected a GeoJSON geometry, got {json_type(obj)} at {field}", field=field)
        kind = obj.get("type")
    if kind is None:
        raise GeometryError(f'GeoJSON object has no "type" at {field}', field=field)
    if kind in ("Feature", "FeatureCollection"):
        raise GeometryError(f"expected a GeoJSON geometry, got {kind} at {field}", field=field)
    if not isinstance(kind, str) or kind not in GEOMETRY_TYPES:
        near = [t for t in GEOMETRY_TYPES if t.lower() == str(kind).lower()]
        hint = f" (type names are case-sensitive: {near[0]}?)" if near else ""
        raise GeometryError(
            f"unknown geometry type {json_text(kind)}{hint} at {field}; expected one of {', '.join(GEOMETRY_TYPES)}",
            field=field,
        )
    if allowed is not None and kind not in allowed:
        raise GeometryError(f"expected {_either(allowed)}, got {kind} at {field}", field=field)
    crs = obj.get("crs")
    if crs is not None:
        props = crs.get("properties") if isinstance(crs, dict) else None
        name = props.get("name") if isinstance(props, dict) else None
        if not (isinstance(name, str) and name.upper().endswith(_WGS84_NAMES)):
            raise GeometryError(
                f"crs {json_text(name or crs)} is not supported at {field}.crs: GeoJSON coordinates are "
                "WGS84 [lon, lat] (RFC 7946); ask for another system with the crs argument",
                field=f"{field}.crs",
            )
    return kind, obj, field


def _members(kind: str, obj: dict, field: str) -> list[tuple[str, Any, str]]:
    """(type, coordinates, field) of the geometry, or of each member of a GeometryCollection."""
    if kind != "GeometryCollection":
        if "coordinates" not in obj:
            raise GeometryError(f'{kind} has no "coordinates" at {field}', field=field)
        return [(kind, obj["coordinates"], field)]
    geometries = obj.get("geometries")
    if not isinstance(geometries, list) or not geometries:
        msg = f"a GeometryCollection needs a non-empty geometries array at {field}.geometries"
        raise GeometryError(msg, field=f"{field}.geometries")
    members = []
    for i, member in enumerate(geometries):
        path = f"{field}.geometries[{i}]"
        sub, member, path = _geometry_object(member, path, None, feature=False)
        if sub == "GeometryCollection":
            raise GeometryError(f"nested GeometryCollections are not supported at {path}", field=path)
        members.extend(_members(sub, member, path))
    return members


# --- geometry --------------------------------------------------------------------------------


def _build(kind: str, tree: Any, xy: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> shapely.Geometry:
    def seg(k: int) -> np.ndarray:
        return xy[starts[k] : ends[k]]

    def poly(rings: list[int]) -> Polygon:
        return Polygon(seg(rings[0]), [seg(k) for k in rings[1:]])

    if kind == "Point":
        return Point(xy[starts[tree]])
    if kind == "MultiPoint":
        return shapely.MultiPoint(seg(tree))
    if kind == "LineString":
        return shapely.LineString(seg(tree))
    if kind == "MultiLineString":
        return shapely.MultiLineString([seg(k) for k in tree])
    if kind == "Polygon":
        return poly(tree)
    return shapely.MultiPolygon([poly(p) for p in tree])


def _valid(
    geom: shapely.Geometry, kind: str, field: str, allowed: Collection[str] | None, repair: bool
) -> shapely.Geometry:
    reason = shapely.is_valid_reason(geom)
    if reason == "Valid Geometry":
        return geom
    problem = f"{NOUN[kind]} is not valid: {reason}"
    if not repair:
        raise GeometryError(problem, field=field)
    if _FAMILY[kind] == "polygonal":  # "structure" drops collapsed spikes instead of keeping them as lines
        fixed = shapely.make_valid(geom, method="structure", keep_collapsed=False)
    else:
        fixed = shapely.make_valid(geom)
    if fixed.is_empty or _FAMILY.get(fixed.geom_type) != _FAMILY[kind]:
        got = "nothing" if fixed.is_empty else f"a {fixed.geom_type}"
        raise GeometryError(f"{problem}; repair would turn the {NOUN[kind]} into {got}", field=field)
    if allowed is not None and fixed.geom_type not in allowed:
        raise GeometryError(f"{problem}; repair gives a {fixed.geom_type}, not {_either(allowed)}", field=field)
    return fixed


def _orient(arr: np.ndarray) -> np.ndarray:
    """Exterior rings counter-clockwise, holes clockwise (per-geometry fallback before shapely 2.1)."""
    orient_polygons = getattr(shapely, "orient_polygons", None)
    if orient_polygons is not None:
        return orient_polygons(arr, exterior_cw=False)
    out = np.empty(arr.shape, dtype=object)
    out[:] = [_orient_one(g) for g in arr]
    return out


def _orient_one(g: shapely.Geometry | None) -> shapely.Geometry | None:
    if g is None or g.is_empty:
        return g
    if g.geom_type == "Polygon":
        return shapely.geometry.polygon.orient(g, sign=1.0)
    if g.geom_type in ("MultiPolygon", "GeometryCollection"):
        return type(g)([_orient_one(part) for part in g.geoms])
    return g


def _empty_json(g: shapely.Geometry) -> str:
    member = "geometries" if g.geom_type == "GeometryCollection" else "coordinates"
    return f'{{"type":"{g.geom_type}","{member}":[]}}'


def _either(types: Collection[str]) -> str:
    names = [t for t in GEOMETRY_TYPES if t in types]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
