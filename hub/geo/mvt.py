"""Mapbox Vector Tile 2.1 encoding of WGS84 geometries in array passes, never a Python loop over coordinates.

Bounds mapped to tile pixels drop the geometries that miss the buffered tile; only those crossing
its edge become new (pixel) geometries, clipped by ``shapely.clip_by_rect``. All coordinates then
come out as flat arrays, are projected to Web Mercator pixels (x right, y down) and rounded;
repeated points go, lines shorter than two points and rings of no area are dropped (with the holes
of a dropped exterior), and rings are turned so that exteriors have positive area by the
surveyor's formula in tile coordinates (clockwise on screen) and holes negative (rounding may still
leave a ring touching itself: nothing is re-validated, unlike PostGIS's ST_AsMVTGeom). Commands with
zigzag deltas, ids, tags, types and lengths form one integer stream, written as protobuf varints
by numpy. Only properties take a dict look-up per feature. The protobuf is written by hand::

    Tile    { repeated Layer layers = 3; }
    Layer   { uint32 version = 15 [2]; string name = 1; repeated Feature features = 2;
              repeated string keys = 3; repeated Value values = 4; uint32 extent = 5; }
    Feature { uint64 id = 1; packed uint32 tags = 2; GeomType type = 3; packed uint32 geometry = 4; }
    Value   { string = 1; float = 2; double = 3; int64 = 4; uint64 = 5; sint64 = 6; bool = 7; }

Tiles are numbered in the XYZ scheme (y down from the north), as ``/tiles/{layer}/{z}/{x}/{y}.mvt``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any

import numpy as np
import shapely

from hub.errors import InputError

EARTH_RADIUS = 6378137.0
"""Radius of the Web Mercator sphere (EPSG:3857), metres."""
MAX_LAT = 85.0511287798066
"""Latitude of the square world's north and south edges in Web Mercator."""
MAX_ZOOM = 30
POINT, LINESTRING, POLYGON = 1, 2, 3
"""MVT geometry types."""
MOVE_TO, LINE_TO, CLOSE_PATH = 1, 2, 7

# shapely type id + 1 (None is -1) -> MVT type; 0 for what a tile cannot carry (GeometryCollection)
_MVT_TYPE = np.array([0, POINT, LINESTRING, LINESTRING, POLYGON, POINT, LINESTRING, POLYGON, 0])
_PART_TYPES = {POINT: [0], LINESTRING: [1, 2], POLYGON: [3]}
_PLAIN = frozenset((str, int, float, bool))
_NAN = float("nan")
_DOUBLE = struct.Struct("<d").pack
Arr = np.ndarray
Props = Sequence[Mapping[str, Any] | None] | None


def _check_tile(z: int, x: int, y: int) -> int:
    if not all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (z, x, y)):
        raise InputError(f"tile coordinates are whole numbers, got {z}/{x}/{y}")
    if not 0 <= z <= MAX_ZOOM:
        raise InputError(f"zoom {z} is outside 0–{MAX_ZOOM}")
    n = 1 << int(z)
    if not (0 <= x < n and 0 <= y < n):
        raise InputError(f"tile {z}/{x}/{y} is outside the zoom {z} grid, whose x and y run from 0 to {n - 1}")
    return n


def tile_bounds_mercator(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(minx, miny, maxx, maxy) of tile z/x/y in Web Mercator metres (EPSG:3857).

    >>> [round(v, 2) for v in tile_bounds_mercator(0, 0, 0)]
    [-20037508.34, -20037508.34, 20037508.34, 20037508.34]
    >>> tile_bounds_mercator(1, 2, 0)
    Traceback (most recent call last):
    ...
    hub.errors.InputError: tile 1/2/0 is outside the zoom 1 grid, whose x and y run from 0 to 1
    """
    n = _check_tile(z, x, y)
    half = math.pi * EARTH_RADIUS
    size = 2 * half / n
    return -half + x * size, half - (y + 1) * size, -half + (x + 1) * size, half - y * size


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of tile z/x/y (XYZ scheme, y down from the north).

    >>> [round(v, 6) for v in tile_bounds(14, 13453, 6524)]  # holds the old town's centre, 大隅首
    [115.598145, 34.361576, 115.620117, 34.379713]
    >>> tile_bounds(0, 0, 0)[3]  # the square world ends short of the pole
    85.0511287798066
    """
    n = _check_tile(z, x, y)

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y)


def tile_at(lon: float, lat: float, z: int) -> tuple[int, int]:
    """(x, y) of the zoom ``z`` tile holding (lon, lat); latitudes beyond the square world are clamped.

    >>> tile_at(115.6097, 34.3767, 14), tile_at(115.6097, 34.3767, 18)
    ((13453, 6524), (215256, 104386))
    >>> tile_at(180.0, -90.0, 1)  # the east and south edges belong to the last tiles
    (1, 1)
    """
    n = _check_tile(z, 0, 0)
    if not (math.isfinite(lon) and math.isfinite(lat)):
        raise InputError(f"a tile needs a finite position, got {lon}, {lat}")
    px, py = _world(np.array([[lon, lat]], dtype=np.float64), n)[0]
    return min(max(math.floor(px), 0), n - 1), min(max(math.floor(py), 0), n - 1)


def _world(coords: np.ndarray, scale: float, dx: float = 0.0, dy: float = 0.0) -> np.ndarray:
    """Lon/lat rows on a Web Mercator world ``scale`` wide (x right from 180° W, y down), less (dx, dy)."""
    lon, lat = coords[:, 0], coords[:, 1]
    if (np.abs(lat) > MAX_LAT).any():  # NaN (bounds of missing geometries) compares False, stays NaN
        lat = np.clip(lat, -MAX_LAT, MAX_LAT)
    out = np.empty((len(coords), 2))
    np.multiply(lon, scale / 360.0, out=out[:, 0])
    out[:, 0] += scale / 2 - dx
    np.multiply(np.log(np.tan(lat * (math.pi / 360.0) + math.pi / 4)), -scale / (2 * math.pi), out=out[:, 1])
    out[:, 1] += scale / 2 - dy
    return out


def encode_layer(
    name: str, geoms: Any, properties: Props, ids: Any, *, z: int, x: int, y: int, extent: int = 4096, buffer: int = 64
) -> bytes:
    """One MVT ``Layer`` message of the WGS84 ``geoms`` (a sequence) in tile z/x/y; ``b""`` if none remain.

    ``properties[i]`` (str, int, float or bool values; ``None`` values are left out; or no
    ``properties`` at all) and ``ids[i]`` (a non-negative int) belong to ``geoms[i]``. Points,
    lines, polygons and their multi types are encoded; ``None``, empty geometries, geometry
    collections and features that clip or round away to nothing are left out. Wrap the result
    with ``encode_tile``. A bad tile address raises ``InputError``.

    >>> ring = shapely.Polygon([(115.60, 34.37), (115.62, 34.37), (115.62, 34.38), (115.60, 34.38)])
    >>> layer = encode_layer("grids", [ring], [{"name": "东门"}], [7], z=14, x=13453, y=6524)
    >>> layer[:7], len(layer)  # the name, then one feature, a key, a value, the extent and the version
    (b'\\n\\x05grids', 55)
    >>> encode_layer("grids", [ring, None], [{}, {}], [7, 8], z=14, x=0, y=0)  # nothing in that tile
    b''
    """
    n = _check_tile(z, x, y)
    if not isinstance(extent, int) or extent < 1 or not isinstance(buffer, int) or buffer < 0:
        raise ValueError(f"extent must be a positive int and buffer a non-negative int, got {extent}, {buffer}")
    arr = np.empty(len(geoms), dtype=object)
    arr[:] = list(geoms)
    id_arr = _ids(ids, len(arr))
    if properties is not None and len(properties) != len(arr):
        raise ValueError(f"{len(arr)} geometries but {len(properties)} property dicts")
    q, lens, feat, kinds = _paths(arr, partial(_world, scale=n * extent, dx=x * extent, dy=y * extent), buffer, extent)
    if not lens.size:
        return b""
    geometry, per_path = _commands(q, lens, feat, kinds)
    first = np.flatnonzero(np.r_[True, feat[1:] != feat[:-1]])  # each feature's first path
    tags, tag_counts, keys, values = _tags(properties, feat[first])
    features = _features(
        id_arr[feat[first]], kinds[first], tags, tag_counts, geometry, np.add.reduceat(per_path, first)
    )
    keys_out = b"".join(_field(b"\x1a", k.encode()) for k in keys)
    tail = b"\x28" + _varint(extent) + b"\x78\x02"  # extent, and version 2
    return _field(b"\x0a", name.encode()) + features + keys_out + _values(values) + tail


def encode_tile(layers: Sequence[bytes]) -> bytes:
    """A ``Tile`` message holding the encoded layers; empty layers (``b""``) are left out.

    >>> encode_tile([b"\\x0a\\x01a", b""])
    b'\\x1a\\x03\\n\\x01a'
    >>> encode_tile([])
    b''
    """
    return b"".join(_field(b"\x1a", layer) for layer in layers if layer)


# --- geometry as flat arrays of paths ----------------------------------------------------------------------------


def _ids(ids: Any, count: int) -> np.ndarray:
    if not isinstance(ids, np.ndarray):  # numpy would make floats of ints past 2**63, so those are taken first
        ids = list(ids)
        ids = np.array(ids, np.uint64) if all(type(i) is int and 0 <= i < 1 << 64 for i in ids) else np.asarray(ids)
    if ids.shape != (count,) or (count and (ids.dtype.kind not in "iu" or (ids.dtype.kind == "i" and ids.min() < 0))):
        raise ValueError(f"ids must be {count} non-negative integers below 2**64, got {ids.dtype} of shape {ids.shape}")
    return ids.astype(np.uint64)


def _paths(arr: np.ndarray, to_pixels: Callable, buffer: int, extent: int) -> tuple[np.ndarray, ...]:
    """Every path (a line, a ring, or all of a feature's points) in whole pixels, in feature order:
    (points, path lengths, path's row in ``arr``, path's MVT type)."""
    lo, hi = -buffer, extent + buffer
    mvt_type = _MVT_TYPE[shapely.get_type_id(arr) + 1]
    b = shapely.bounds(arr)  # NaN for None and empty geometries, which every comparison drops
    (x0, y1), (x1, y0) = to_pixels(b[:, :2]).T, to_pixels(b[:, 2:]).T
    near = (mvt_type > 0) & (x1 >= lo) & (x0 <= hi) & (y1 >= lo) & (y0 <= hi)
    inside = near & (x0 >= lo) & (x1 <= hi) & (y0 >= lo) & (y1 <= hi)
    groups: list[tuple[Any, Arr, Callable | None]] = []  # (geometries, their rows, projection still to apply)
    if (rows := np.flatnonzero(inside)).size:
        groups.append((arr[rows], rows, to_pixels))
    if (crossing := np.flatnonzero(near & ~inside)).size:  # only these become new (pixel) geometries
        clipped = shapely.clip_by_rect(shapely.transform(arr[crossing], to_pixels), lo, lo, hi, hi)
        groups.append((clipped, crossing, None))
    pieces = [(np.empty((0, 2), np.int32), *[np.empty(0, np.int64)] * 3)]
    for geoms, rows, project in groups:
        for kind, paths in ((POINT, partial(_lines, points=True)), (LINESTRING, _lines), (POLYGON, _polygons)):
            if (sel := mvt_type[rows] == kind).any():
                parts, feat = _parts(geoms[sel], rows[sel], _PART_TYPES[kind])
                q, lens, feat = paths(parts, feat, project)
                pieces.append((q, lens, feat, np.full(lens.shape, kind)))
    q, lens, feat, kinds = (np.concatenate(a) for a in zip(*pieces, strict=True))
    if len(pieces) > 2:  # put the paths in feature order, and their points with them
        order = np.argsort(feat, kind="stable")
        starts, lens, feat, kinds = np.cumsum(lens)[order] - lens[order], lens[order], feat[order], kinds[order]
        q = _take(q, np.repeat(starts - (np.cumsum(lens) - lens), lens) + np.arange(len(q)))
    return q, lens, feat, kinds


def _parts(geoms: np.ndarray, rows: np.ndarray, types: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The non-empty single parts of the given shapely types, and the row of each (no copies if none is multi)."""
    type_id = shapely.get_type_id(geoms)
    if (type_id >= 4).any():  # multi-part geometries and collections
        geoms, index = shapely.get_parts(geoms, return_index=True)
        rows, type_id = rows[index], shapely.get_type_id(geoms)
    ok = np.isin(type_id, types) & ~shapely.is_empty(geoms)
    return (geoms, rows) if ok.all() else (geoms[ok], rows[ok])


def _pixels(coords: np.ndarray, project: Callable | None) -> np.ndarray:
    out = coords if project is None else project(coords)
    return np.rint(out, out=out).astype(np.int32)


def _take(q: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Rows of ``q`` by index or mask (``np.take`` is many times faster than ``q[which]`` on 2-D arrays)."""
    return np.take(q, np.flatnonzero(which) if which.dtype == bool else which, axis=0)


def _dedupe(q: np.ndarray, path: np.ndarray) -> np.ndarray:
    """Which points to keep: the first of each path and any that differ from the point before."""
    keep = np.ones(len(q), dtype=bool)
    keep[1:] = (q[1:, 0] != q[:-1, 0]) | (q[1:, 1] != q[:-1, 1]) | (path[1:] != path[:-1])
    return keep


def _lines(geoms: np.ndarray, feat: np.ndarray, project: Callable | None, points: bool = False) -> tuple:
    """Lines as paths of two or more points; with ``points``, one path of all of a feature's points."""
    coords, path = shapely.get_coordinates(geoms, return_index=True)
    path = feat[path] if points else path
    q = _pixels(coords, project)
    keep = _dedupe(q, path)
    q, path = _take(q, keep), path[keep]
    owner, lens = np.unique(path, return_counts=True)
    ok = lens >= (1 if points else 2)
    return _take(q, np.repeat(ok, lens)), lens[ok], (owner if points else feat[owner])[ok]


def _polygons(polys: np.ndarray, feat: np.ndarray, project: Callable | None) -> tuple:
    """Polygon rings as paths without their closing point, oriented for MVT, those of no area dropped."""
    if shapely.get_num_interior_rings(polys).any():
        rings, owner = shapely.get_rings(polys, return_index=True)  # exterior first, then the holes
        exterior = np.r_[True, owner[1:] != owner[:-1]]
    else:  # no holes (the usual case): each polygon's coordinates are its exterior's
        rings, owner, exterior = polys, np.arange(len(polys)), np.ones(len(polys), dtype=bool)
    coords, ring = shapely.get_coordinates(rings, return_index=True)
    q = _pixels(coords, project)
    keep = _dedupe(q, ring)
    kept = np.bincount(ring[keep], minlength=len(rings))
    keep[np.flatnonzero(keep)[np.cumsum(kept)[kept > 0] - 1]] = False  # the closing point: ClosePath says it
    q, ring = _take(q, keep), ring[keep]
    lens = np.bincount(ring, minlength=len(rings))
    ends = np.cumsum(lens)
    starts = ends - lens
    nxt = np.arange(1, len(q) + 1)
    nxt[ends[lens > 0] - 1] = starts[lens > 0]
    x, y = q[:, 0].astype(np.int64), q[:, 1].astype(np.int64)
    cross = np.r_[0, np.cumsum(x * y[nxt] - x[nxt] * y)]
    area2 = cross[ends] - cross[starts]  # twice the signed area: positive is clockwise with y down
    ok = (lens >= 3) & (area2 != 0)
    solid = np.zeros(len(polys), dtype=bool)
    solid[owner[exterior]] = ok[exterior]
    ok &= solid[owner]  # a hole goes with its exterior
    if (flip := (area2 < 0) == exterior).any():
        i = np.arange(len(q))
        q = _take(q, np.where(flip[ring], (starts + ends - 1)[ring] - i, i))
    return _take(q, ok[ring]), lens[ok], feat[owner[ok]]


def _commands(q: np.ndarray, lens: np.ndarray, feat: np.ndarray, kinds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The geometry integers of all paths in one stream, and how many belong to each path."""
    line = kinds != POINT
    size = 1 + 2 * lens + line + (kinds == POLYGON)  # MoveTo, the pairs, LineTo, ClosePath
    offset = np.cumsum(size) - size
    out = np.empty(int(size.sum()), dtype=np.uint32)
    out[offset] = MOVE_TO | (np.where(line, 1, lens) << 3)
    out[offset[line] + 3] = LINE_TO | ((lens[line] - 1) << 3)
    out[(offset + size - 1)[kinds == POLYGON]] = CLOSE_PATH | (1 << 3)
    starts = np.cumsum(lens) - lens  # each path's first point
    slot = np.repeat(offset + 1 - 2 * starts + line, lens) + 2 * np.arange(len(q))  # x of each point
    slot[starts] -= line  # the first point comes before the LineTo
    delta = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=q.dtype))
    new_feature = starts[np.r_[True, feat[1:] != feat[:-1]]]
    delta[new_feature] = q[new_feature]  # each feature's cursor starts at (0, 0)
    out[slot] = _zigzag(delta[:, 0])
    out[slot + 1] = _zigzag(delta[:, 1])
    return out, size


# --- protobuf ----------------------------------------------------------------------------------------------------


def _features(ids: Arr, types: Arr, tags: Arr, tag_counts: Arr, geometry: Arr, geom_counts: Arr) -> bytes:
    """All ``features`` fields as one varint stream: 0x12 len 0x08 id 0x12 len tags… 0x18 type 0x22 len geometry…"""
    tag_bytes = _segment_sums(_varint_sizes(tags), tag_counts)
    geom_bytes = _segment_sums(_varint_sizes(geometry), geom_counts)
    body = 5 + _varint_sizes(ids) + _varint_sizes(tag_bytes) + tag_bytes + _varint_sizes(geom_bytes) + geom_bytes
    dtype = np.uint64 if ids.size and int(ids.max()) >> 32 else np.uint32  # half the memory when ids allow
    head = np.empty((len(ids), 10), dtype=dtype)
    head[:] = [0x12, 0, 0x08, 0, 0x12, 0, 0x18, 0, 0x22, 0]
    head[:, 1], head[:, 3], head[:, 5], head[:, 7], head[:, 9] = body, ids, tag_bytes, types, geom_bytes
    size = 10 + tag_counts + geom_counts
    start = np.cumsum(size) - size
    out = np.empty(int(size.sum()), dtype=dtype)
    cols = np.arange(10)
    out[(start[:, None] + cols + (cols >= 6) * tag_counts[:, None]).ravel()] = head.ravel()  # the tags go after col 5
    out[np.arange(len(tags)) + np.repeat(start + 6 - (np.cumsum(tag_counts) - tag_counts), tag_counts)] = tags
    shift = start + 10 + tag_counts - (np.cumsum(geom_counts) - geom_counts)
    out[np.arange(len(geometry)) + np.repeat(shift, geom_counts)] = geometry
    return _varints(out)


def _tags(properties: Props, rows: np.ndarray) -> tuple:
    """Tag pairs of the features at ``rows``, how many per feature, and the layer's keys and values.

    Values are told apart by type as well as value, so that ``True``, ``1`` and ``1.0`` stay distinct.
    """
    keys: dict[str, int] = {}
    values: dict[tuple[type, Any], int] = {}
    flat: list[int] = []
    ends = np.zeros(len(rows) + 1, dtype=np.int64)
    for i, row in enumerate(rows.tolist() if properties is not None else (), 1):
        for k, v in (properties[row] or {}).items():  # type: ignore[index]
            t = type(v)
            if t not in _PLAIN:
                if v is None:
                    continue
                t, v = _plain(k, v)
            if t is float and v != v:
                v = _NAN  # one NaN object, so that all NaNs share one value
            if (ki := keys.get(k)) is None:
                ki = keys[k] = len(keys)
            if (vi := values.get((t, v))) is None:
                vi = values[t, v] = len(values)
            flat += (ki, vi)
        ends[i] = len(flat)
    return np.array(flat, dtype=np.uint32), np.diff(ends), list(keys), list(values)


def _plain(key: str, v: Any) -> tuple[type, Any]:
    """A numpy scalar or an instance of a subclass of str, int, float or bool as the plain Python value."""
    for t, types in ((bool, (bool, np.bool_)), (int, (int, np.integer)), (float, (float, np.floating)), (str, str)):
        if isinstance(v, types):
            return t, t(v)
    raise TypeError(f"property {key!r}: a tile carries str, int, float or bool values, not {type(v).__name__}")


def _values(values: list[tuple[type, Any]]) -> bytes:
    """The layer's ``values`` fields: string, double, uint64, sint64 or bool ``Value`` messages."""
    out = []
    for t, v in values:
        if t is str:
            out.append(_field(b"\x22", _field(b"\x0a", v.encode())))
        elif t is float or not -(1 << 63) <= v < 1 << 64:  # ints beyond 64 bits go as doubles
            out.append(b"\x22\x09\x19" + _DOUBLE(v))
        elif t is bool:
            out.append(b"\x22\x02\x38\x01" if v else b"\x22\x02\x38\x00")
        else:  # uint64, or sint64 (zigzag) for negative ints
            out.append(_field(b"\x22", b"\x28" + _varint(v) if v >= 0 else b"\x30" + _varint((-v << 1) - 1)))
    return b"".join(out)


def _zigzag(v: np.ndarray) -> np.ndarray:
    return ((v << 1) ^ (v >> 31)).view(np.uint32)


def _segment_sums(values: np.ndarray, counts: np.ndarray) -> np.ndarray:
    total = np.r_[0, np.cumsum(values, dtype=np.int64)]
    ends = np.cumsum(counts)
    return total[ends] - total[ends - counts]


def _varint_sizes(v: np.ndarray) -> np.ndarray:
    """Bytes in the varint of each (unsigned) value, as uint8."""
    sizes = np.ones(v.shape, dtype=np.uint8)
    top, limit = (int(v.max()) if v.size else 0), 1 << 7
    while limit <= top:
        sizes += v >= limit
        limit <<= 7
    return sizes


def _varints(v: np.ndarray) -> bytes:
    """Unsigned ints as protobuf varints (7 bits a byte, low first, high bit set on all but the last)."""
    sizes = _varint_sizes(v)
    if not v.size or sizes.max() == 1:
        return v.astype(np.uint8).tobytes()
    out = np.empty(int(sizes.sum(dtype=np.int64)), dtype=np.uint8)
    at = np.cumsum(sizes, dtype=np.int64) - sizes
    while True:  # one pass per byte position, over the values that still have bytes to write
        more = sizes > 1
        byte = (v & 0x7F).astype(np.uint8)
        byte[more] |= 0x80
        out[at] = byte
        if not more.any():
            return out.tobytes()
        v, at, sizes = v[more] >> 7, at[more] + 1, sizes[more] - 1


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(out) + bytes((n,))


def _field(key: bytes, payload: bytes) -> bytes:
    """A length-delimited field: its key, the payload's length as a varint, the payload."""
    return key + (bytes((len(payload),)) if len(payload) < 0x80 else _varint(len(payload))) + payload
