"""An in-memory spatial layer: a geometry array with an STRtree, answering the hub's spatial filters.

Positions are stable: position ``i`` is the ``i``-th geometry given or appended, and a deleted
geometry leaves ``None`` in its place. Every query returns the sorted positions that match, as a
numpy integer array, so callers can map them to records with one fancy index.

Writes do not rebuild the tree: a write changes one slot in place and records the position as
dirty; queries check the few dirty positions directly (prefiltered by their bounds) besides the
tree, and the tree is rebuilt only once the dirty positions outgrow about 4·√n (for a million
features: one rebuild per ~4,000 writes). A query reads one immutable state (array view, tree,
dirty positions); writes are serialised by a lock and publish a new state. A tree is built when
first asked for (or by :meth:`SpatialIndex.warm`), so a layer of a million features is ready to
take writes before its tree exists (half a second saved from a worker's start).

Predicates are evaluated by GEOS over arrays (``STRtree.query(..., predicate=...)`` and shapely's
vectorised predicates with the query geometry prepared), never in a Python loop per feature.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from shapely import Point

from hub.geo.local import local_projection
from hub.geo.measure import meters_to_degrees

_NOTHING = np.empty(0, dtype=np.intp)

FEW = 16
"""Layers this small answer ``contains_point`` by testing every geometry, quicker than asking the tree."""

Filter = Callable[[np.ndarray], np.ndarray]


@lru_cache(maxsize=16)
def _point(lon: float, lat: float) -> Point:
    """(lon, lat) as a geometry, made once for the several layers asked about one point in turn (``locate``
    asks seven); geometries are immutable, so the same one serves every caller.

    >>> _point(115.6, 34.37) is _point(115.6, 34.37)
    True
    """
    return Point(lon, lat)


class SpatialIndex:
    """Geometries (WGS84 lon/lat, ``None`` for deleted) with an STRtree.

    >>> layer = SpatialIndex([shapely.box(115.60, 34.37, 115.61, 34.38), None, Point(115.605, 34.375)])
    >>> layer.contains_point(115.605, 34.375).tolist()
    [0, 2]
    >>> layer.bbox(0, 0, 1, 1).tolist()  # nothing there
    []
    """

    def __init__(self, geoms: Iterable[shapely.Geometry | None] = ()) -> None:
        arr = _checked(geoms)
        self._buf = arr
        self._lock = threading.Lock()
        self._state = _State.build(arr, len(arr))
        self._decode: Callable[[], np.ndarray] | None = None
        self._n = len(arr)
        """Geometries held, counted while they are deferred."""
        self._writes: list[tuple[int, shapely.Geometry | None]] = []
        """Writes made while the geometries are deferred, in order."""

    @classmethod
    def deferred(cls, decode: Callable[[], np.ndarray], n: int) -> SpatialIndex:
        """An index of ``n`` geometries that ``decode()`` gives when a query first needs them (a million
        decode in about a second: a worker starting from a snapshot is ready before that). Writes made
        before then are kept and applied after the decoding.

        >>> layer = SpatialIndex.deferred(lambda: shapely.from_wkt(["POINT (1 2)", "POINT (3 4)"]), 2)
        >>> layer.append(Point(5, 6)), len(layer)
        (2, 3)
        >>> layer.replace(0, Point(3, 4))
        >>> layer.contains_point(3, 4).tolist()
        [0, 1]
        """
        index = cls()
        index._decode = decode
        index._n = n
        return index

    def _ready(self) -> None:
        """Decode deferred geometries (once, whichever thread asks first), then apply the writes made meanwhile."""
        if self._decode is not None:
            with self._lock:
                if self._decode is not None:
                    decoded = np.asarray(self._decode(), dtype=object)  # shapely's own output: no check needed
                    arr = np.empty(self._n, dtype=object)
                    arr[: len(decoded)] = decoded
                    for pos, geom in self._writes:
                        arr[pos] = geom
                    self._buf = arr
                    self._state = _State.build(arr, len(arr))
                    self._writes = []
                    self._decode = None

    def warm(self) -> None:
        """Decode the geometries and build the tree now, instead of in the first query that needs them."""
        self._snapshot().tree.query(Point(0, 0))

    @property
    def geoms(self) -> np.ndarray:
        """The geometry array (read-only; change it with ``replace``, ``append`` and ``delete``)."""
        self._ready()
        return self._state.geoms

    def __len__(self) -> int:
        return self._n if self._decode is not None else len(self._state.geoms)

    def _deferred_write(self, pos: int | None, geom: shapely.Geometry | None) -> int | None:
        """Keep a write for after the decoding (under the lock); its position, or None once decoded."""
        if self._decode is None:
            return None
        if pos is None:
            pos, self._n = self._n, self._n + 1
        elif not 0 <= pos < self._n:
            raise IndexError(f"position {pos} is outside the layer (0..{self._n - 1})")
        self._writes.append((pos, geom))
        return pos

    # --- writes ---------------------------------------------------------------------------
    #
    # A write changes one slot of the buffer in place and records the position as dirty; the tree
    # is rebuilt only when the dirty positions outgrow ``_State.limit`` (about 4·√n), so a write to a
    # layer of a million features costs microseconds, and queries check the few dirty positions
    # directly. Readers take one immutable ``_State``; a write publishes a new one.

    def replace(self, pos: int, geom: shapely.Geometry | None) -> None:
        """Put ``geom`` at position ``pos`` (``None`` deletes).

        >>> layer = SpatialIndex([Point(115.6, 34.37)])
        >>> layer.replace(0, Point(115.7, 34.4))
        >>> layer.contains_point(115.6, 34.37).tolist(), layer.contains_point(115.7, 34.4).tolist()
        ([], [0])
        """
        _check_one(geom)
        with self._lock:
            if self._deferred_write(pos, geom) is not None:
                return
            state = self._state
            if not 0 <= pos < len(state.geoms):
                raise IndexError(f"position {pos} is outside the layer (0..{len(state.geoms) - 1})")
            self._buf[pos] = geom
            self._state = state.touched(self._buf, len(state.geoms), pos)

    def append(self, geom: shapely.Geometry | None) -> int:
        """Add ``geom`` at the end; return its position.

        >>> layer = SpatialIndex()
        >>> layer.append(Point(115.6, 34.37)), layer.contains_point(115.6, 34.37).tolist()
        (0, [0])
        """
        _check_one(geom)
        with self._lock:
            deferred = self._deferred_write(None, geom)
            if deferred is not None:
                return deferred
            n = len(self._state.geoms)
            if n == len(self._buf):  # grow by half again: appends stay amortised O(1)
                bigger = np.empty(max(8, n + n // 2), dtype=object)
                bigger[:n] = self._buf[:n]
                self._buf = bigger
            self._buf[n] = geom
            self._state = self._state.touched(self._buf, n + 1, n)
            self._n = n + 1
            return n

    def delete(self, pos: int) -> None:
        """Remove the geometry at ``pos``, leaving ``None`` so other positions do not move.

        >>> layer = SpatialIndex([Point(115.6, 34.37)])
        >>> layer.delete(0)
        >>> layer.geoms.tolist(), layer.contains_point(115.6, 34.37).tolist()
        ([None], [])
        """
        self.replace(pos, None)

    # --- queries --------------------------------------------------------------------------

    def bbox(self, minx: float, miny: float, maxx: float, maxy: float) -> np.ndarray:
        """Positions of geometries that intersect the box (the geometry itself, not just its envelope).

        >>> line = shapely.LineString([(0, 0), (1, 1)])
        >>> SpatialIndex([line]).bbox(0.6, 0.0, 1.0, 0.3).tolist()  # envelopes overlap, the line misses
        []
        """
        return self.query(bbox=(minx, miny, maxx, maxy))

    def intersects(self, g: shapely.Geometry | None) -> np.ndarray:
        """Positions of geometries that intersect ``g`` (touching counts); ``None`` matches nothing.

        >>> SpatialIndex([shapely.box(0, 0, 1, 1)]).intersects(shapely.box(1, 1, 2, 2)).tolist()
        [0]
        """
        return _NOTHING if g is None else self.query(intersects=g)

    def within(self, g: shapely.Geometry | None) -> np.ndarray:
        """Positions of geometries within ``g`` (no point outside it; lying along its boundary is allowed);
        ``None`` matches nothing.

        >>> layer = SpatialIndex([shapely.box(0, 0, 1, 1), shapely.box(0, 0, 3, 3)])
        >>> layer.within(shapely.box(0, 0, 2, 2)).tolist()  # box 0 shares two edges and still counts
        [0]
        """
        return _NOTHING if g is None else self.query(within=g)

    def contains_point(self, lon: float, lat: float) -> np.ndarray:
        """Positions of geometries the point is in or on: a point on a border shared by two sectors
        matches both, so a point is never lost between neighbours.

        >>> a, b = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
        >>> SpatialIndex([a, b]).contains_point(1, 0.5).tolist()  # on the shared edge
        [0, 1]
        """
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return _NOTHING
        state = self._snapshot()
        if len(state.geoms) <= FEW:  # a handful of shapes (the sectors): test them all, no tree
            return np.flatnonzero(shapely.intersects_xy(state.geoms, lon, lat))
        point = _point(lon, lat)
        found = state.tree.query(point, predicate="intersects")
        if state.dirty.size == 0:
            return np.sort(found)
        # the tree knows the dirty positions' old shapes: drop its word on them, ask their new ones
        found = found[~np.isin(found, state.dirty)]
        near = state.dirty_near((lon, lat, lon, lat))
        hits = near[shapely.intersects(state.geoms[near], point)]
        return np.union1d(found, hits)

    def dwithin(self, lon: float, lat: float, meters: float) -> np.ndarray:
        """Positions of geometries whose distance to (lon, lat) is at most ``meters``.

        Distances are measured in a transverse Mercator centred on the point, which matches the
        geodesic distance to within 1.3 mm per km up to 10 km (see ``hub.geo.local``); meant for
        distances up to about 100 km. A negative or NaN distance matches nothing.

        >>> from hub.geo.measure import destination
        >>> layer = SpatialIndex([Point(destination(115.6097, 34.3767, 60, 999.9)),
        ...                       Point(destination(115.6097, 34.3767, 60, 1000.1))])
        >>> layer.dwithin(115.6097, 34.3767, 1000).tolist()
        [0]
        """
        return self.query(dwithin=(lon, lat, meters))

    def query(
        self,
        bbox: Sequence[float] | None = None,
        intersects: shapely.Geometry | None = None,
        within: shapely.Geometry | None = None,
        dwithin: tuple[float, float, float] | None = None,
    ) -> np.ndarray:
        """Positions of geometries that satisfy every filter given; with none, every present geometry.

        The tree is searched once with the intersection of the filters' envelopes; each filter then
        narrows the candidates with one vectorised GEOS call, cheapest first.

        Parameters
        ----------
        bbox : (minx, miny, maxx, maxy), optional
            Geometries intersecting the box.
        intersects, within : shapely geometry, optional
            Geometries intersecting ``intersects``; geometries within ``within``.
        dwithin : (lon, lat, meters), optional
            Geometries at most ``meters`` from the point.

        >>> layer = SpatialIndex([Point(115.60, 34.37), Point(115.61, 34.38), Point(115.62, 34.38)])
        >>> layer.query(bbox=(115.595, 34.365, 115.615, 34.385), dwithin=(115.62, 34.38, 1000)).tolist()
        [1]
        >>> layer.query(within=shapely.Polygon()).tolist()  # an empty area holds nothing
        []
        """
        state = self._snapshot()
        geoms = state.geoms
        filters: list[tuple[Sequence[float], Filter]] = []
        if bbox is not None:
            area = shapely.box(*bbox)
            filters.append((bbox, _prepared(shapely.intersects, area)))
        if intersects is not None:
            filters.append((_bounds(intersects), _prepared(shapely.intersects, intersects)))
        if within is not None:  # a feature within g is g containing the feature
            filters.append((_bounds(within), _prepared(shapely.contains, within)))
        if dwithin is not None:
            lon, lat, meters = dwithin
            usable = meters >= 0 and abs(lon) <= 180 and abs(lat) < 90  # False for NaN too
            dlon, dlat = meters_to_degrees(meters, lat) if usable else (math.nan, math.nan)
            filters.append(((lon - dlon, lat - dlat, lon + dlon, lat + dlat), _near(lon, lat, meters)))
        if not filters:
            return np.flatnonzero(~shapely.is_missing(geoms))
        lows, highs = np.array([f[0] for f in filters], dtype=float).reshape(-1, 2, 2).transpose(1, 0, 2)
        minx, miny = lows.max(axis=0)
        maxx, maxy = highs.min(axis=0)
        if not (minx <= maxx and miny <= maxy):  # disjoint envelopes, NaN or an empty geometry
            return _NOTHING
        candidates = state.tree.query(shapely.box(minx, miny, maxx, maxy))
        if state.dirty.size:  # the tree's envelopes of dirty positions may be stale: add theirs now
            candidates = np.union1d(candidates, state.dirty_near((minx, miny, maxx, maxy)))
        else:
            candidates = np.sort(candidates)
        for _, keep in filters:
            if candidates.size == 0:
                break
            candidates = candidates[keep(geoms[candidates])]
        return candidates

    def _snapshot(self) -> _State:
        """The current state; the tree is rebuilt here first when the dirty positions have outgrown it."""
        self._ready()
        state = self._state
        if state.dirty.size > state.limit:
            with self._lock:
                state = self._state
                if state.dirty.size > state.limit:
                    state = self._state = _State.build(self._buf, len(state.geoms))
        return state


@dataclass(frozen=True)
class _State:
    """What a query reads: the geometries, a tree over them as they were, and the positions written since."""

    geoms: np.ndarray
    lazy_tree: _Tree
    dirty: np.ndarray
    """Sorted positions replaced or appended since the tree was built."""
    dirty_bounds: np.ndarray
    """Their current bounds (rows of minx, miny, maxx, maxy; NaN for None), for a quick prefilter."""
    limit: int
    room: tuple[np.ndarray, np.ndarray] | None = None
    """Arrays that ``dirty`` and ``dirty_bounds`` are the start of, with space to grow: a write past
    the last dirty position (every append) fills the next slot instead of copying both arrays.
    Only the newest state grows into them; older states view a shorter start, which never changes."""

    @classmethod
    def build(cls, buf: np.ndarray, n: int) -> _State:
        # the tree gets its own copy: slots of the buffer change in place, and the tree must keep
        # the geometries it indexed alive
        snapshot = np.array(buf[:n], dtype=object)
        return cls(
            _frozen(buf[:n]),
            _Tree(snapshot),
            _NOTHING,
            np.empty((0, 4)),
            max(64, 4 * math.isqrt(max(n, 1))),
        )

    def touched(self, buf: np.ndarray, n: int, pos: int) -> _State:
        """The state after a write at ``pos`` (the buffer already holds the new geometry)."""
        geoms = _frozen(buf[:n])
        bounds = shapely.bounds(buf[pos])
        k = self.dirty.size
        if k == 0 or pos > self.dirty[k - 1]:  # past the last dirty position: grow at the end
            room = self.room
            if (
                room is None
                or k == len(room[0])
                or self.dirty.base is not room[0]
                or self.dirty_bounds.base is not room[1]
            ):
                size = max(16, 2 * k)
                room = (np.empty(size, dtype=np.intp), np.empty((size, 4)))
                room[0][:k] = self.dirty
                room[1][:k] = self.dirty_bounds
            room[0][k] = pos
            room[1][k] = bounds
            return _State(geoms, self.lazy_tree, room[0][: k + 1], room[1][: k + 1], self.limit, room)
        i = int(np.searchsorted(self.dirty, pos))
        if self.dirty[i] == pos:
            dirty, dirty_bounds = self.dirty, self.dirty_bounds.copy()
            dirty_bounds[i] = bounds
        else:
            dirty = np.insert(self.dirty, i, pos)
            dirty_bounds = np.insert(self.dirty_bounds, i, bounds, axis=0)
        return _State(geoms, self.lazy_tree, dirty, dirty_bounds, self.limit)

    @property
    def tree(self) -> shapely.STRtree:
        return self.lazy_tree.get()

    def dirty_near(self, box: Sequence[float]) -> np.ndarray:
        """Dirty positions whose current bounds meet ``box`` (None geometries never do)."""
        b = self.dirty_bounds
        minx, miny, maxx, maxy = box
        meet = (b[:, 0] <= maxx) & (b[:, 2] >= minx) & (b[:, 1] <= maxy) & (b[:, 3] >= miny)
        return self.dirty[meet]


class _Tree:
    """An STRtree over a fixed array of geometries, built on first use (once, whichever thread asks first)."""

    def __init__(self, geoms: np.ndarray) -> None:
        self._geoms: np.ndarray | None = geoms
        self._tree: shapely.STRtree | None = None
        self._lock = threading.Lock()

    def get(self) -> shapely.STRtree:
        tree = self._tree
        if tree is None:
            with self._lock:
                if self._tree is None:
                    self._tree = shapely.STRtree(self._geoms)
                    self._geoms = None  # the tree keeps its own reference
                tree = self._tree
        return tree


def _checked(geoms: Any) -> np.ndarray:
    items = list(geoms)
    arr = np.empty(len(items), dtype=object)
    arr[:] = items
    if not (shapely.is_geometry(arr) | shapely.is_missing(arr)).all():
        raise TypeError("a SpatialIndex holds shapely geometries or None")
    return arr


def _check_one(geom: Any) -> None:
    if geom is not None and not isinstance(geom, shapely.Geometry):
        raise TypeError("a SpatialIndex holds shapely geometries or None")


def _frozen(arr: np.ndarray) -> np.ndarray:
    """A read-only view (the array itself may still change through the buffer it views)."""
    view = arr.view()
    view.flags.writeable = False
    return view


def _bounds(g: shapely.Geometry | None) -> tuple[float, float, float, float]:
    return tuple(shapely.bounds(g).tolist())  # NaN for None and empty geometries


def _prepared(predicate: Callable, g: shapely.Geometry) -> Filter:
    """``predicate(g, candidates)`` with ``g`` prepared, so GEOS indexes it once for all candidates."""
    if g is not None and not shapely.is_prepared(g):
        shapely.prepare(g)
    return lambda candidates: predicate(g, candidates)


def _near(lon: float, lat: float, meters: float) -> Filter:
    """Candidates within ``meters`` of the point, measured in a projection centred on it."""

    def keep(candidates: np.ndarray) -> np.ndarray:
        proj = local_projection(lon, lat)
        return shapely.distance(proj.forward(candidates), Point(0.0, 0.0)) <= meters

    return keep
