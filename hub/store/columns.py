"""A table's rows as columns of numpy arrays, and records made from them a position at a time.

A large layer (a million occupations) is loaded as columns, not records: the database's values are
read once into arrays (:meth:`TableColumns.read`), or the arrays are read back from a snapshot file
(``hub.store.snapshot``, in a fraction of a second), and each record is made when something first asks
for its position (:class:`LazyRecords`). Encoding, per field:

- numbers (ids, counts, flags, measures): an ``int64`` or ``float64`` array and a mask of NULLs;
- text (kinds, states, codes, dates, JSON tuples, free text): a code per row (``int32``, -1 for NULL)
  into the column's distinct values, kept as one UTF-8 buffer with offsets; each distinct value is
  converted to its Python value (a ``date``, an interned string, a tuple) once, when first needed;
- ``geom`` (WKB) and ``geojson``: one buffer with offsets, no codes (every value is different).

A record made here equals one made by ``hub.store.tables.read_all`` from the same rows
(``tests/unit/store/test_columns.py``).
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import shapely

from hub.store import tables

PLAIN = ("geom", "geojson")
"""Columns stored as a buffer with offsets and no codes: every row's value is its own."""

CHUNK = 10_000
"""Geometries decoded and records made at a time when a whole layer is asked for (between chunks other
threads, the event loop among them, get their turn: a chunk holds the GIL for tens of milliseconds)."""


def _buffer(values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """One buffer holding every value, and the offsets where each starts (plus the end)."""
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, values), dtype=np.int64, count=len(values)), out=offsets[1:])
    return np.frombuffer(b"".join(values), dtype=np.uint8), offsets


def _split(blob: bytes, offsets: np.ndarray, positions: np.ndarray | None = None) -> list[bytes]:
    """The values at ``positions`` (every one when None) of a buffer with offsets."""
    if positions is None:
        bounds = offsets.tolist()
        return [blob[a:b] for a, b in itertools.pairwise(bounds)]
    return [blob[a:b] for a, b in zip(offsets[positions].tolist(), offsets[positions + 1].tolist(), strict=True)]


def _decode(wkb: np.ndarray) -> np.ndarray:
    """Geometries from WKB (None where a value does not decode), ``CHUNK`` at a time."""
    out = np.empty(len(wkb), dtype=object)
    for start in range(0, len(wkb), CHUNK):
        out[start : start + CHUNK] = shapely.from_wkb(wkb[start : start + CHUNK], on_invalid="ignore")
        time.sleep(0)  # let the other threads in between chunks
    return out


class TableColumns:
    """Every row of one table (of ``hub.store.tables.TABLES``) as arrays, in key order."""

    def __init__(self, cls: type, n: int, arrays: dict[str, np.ndarray]) -> None:
        self.cls = cls
        self.n = n
        self.arrays = arrays
        """``{field}.v`` values, ``{field}.m`` NULL mask, ``{field}.c`` codes, ``{field}.b`` buffer and
        ``{field}.o`` offsets: what a snapshot file holds."""
        self._values: dict[str, np.ndarray] = {}
        self._blobs: dict[str, bytes] = {}
        self.faults: list[Any] = []
        """The table's rows left out because they break the store's contract (``hub.store.faults.Fault``)."""
        self.decoded: np.ndarray | None = None
        """Every row's geometry, when it was decoded as it was read (to screen it): :meth:`geometries` hands it out."""
        self._loaders = {name: load for name, load in tables._loaders(cls)}

    # -- from the database -------------------------------------------------------------------------

    @classmethod
    def read(cls, reader: Any, record: type) -> TableColumns:
        """Every row of ``record``'s table, read in key order. When ``reader`` keeps faults
        (``hub.store.faults.Screened``), rows whose values or geometry break the store's contract are left
        out and join its faults; the geometry, decoded to check it, is kept (``decoded``)."""
        names, columns = tables.read_columns(reader, record)
        if not columns or names[-1] != "geom" or getattr(reader, "faults", None) is None:
            return cls.encode(record, names, columns)
        wkb = np.asarray(columns[-1], dtype=object)
        geoms = _decode(wkb)
        keys = columns[names.index(tables.TABLES[record].keys[0])]
        bad = tables.geometry_faults(reader, record, keys, wkb, geoms, columns[names.index("geojson")])
        if bad:
            keep = [i for i in range(len(wkb)) if i not in bad]
            columns = [tuple(column[i] for i in keep) for column in columns]
            geoms = geoms[keep]
        made = cls.encode(record, names, columns)
        made.decoded = geoms
        return made

    @classmethod
    def encode(cls, record: type, names: list[str], columns: list[tuple[Any, ...]]) -> TableColumns:
        n = len(columns[0]) if columns else 0
        arrays: dict[str, np.ndarray] = {}
        for name, column in zip(names, columns, strict=True):
            if name in PLAIN:
                values = [v.encode() if isinstance(v, str) else bytes(v) for v in column]
                arrays[f"{name}.b"], arrays[f"{name}.o"] = _buffer(values)
                continue
            kinds = set(map(type, column)) - {type(None)}
            nulls = np.fromiter((v is None for v in column), dtype=bool, count=n)
            if kinds <= {int, bool}:
                arrays[f"{name}.v"] = np.fromiter((v or 0 for v in column), dtype=np.int64, count=n)
            elif kinds <= {int, float}:
                arrays[f"{name}.v"] = np.fromiter((0.0 if v is None else v for v in column), dtype=np.float64, count=n)
            else:
                index: dict[Any, int] = {}
                codes = np.fromiter(
                    (-1 if v is None else index.setdefault(v, len(index)) for v in column), dtype=np.int32, count=n
                )
                distinct = [v.encode() if isinstance(v, str) else bytes(v) for v in index]
                arrays[f"{name}.c"] = codes
                arrays[f"{name}.b"], arrays[f"{name}.o"] = _buffer(distinct)
                if any(isinstance(v, bytes | memoryview) for v in index):
                    arrays[f"{name}.x"] = np.ones(1, dtype=bool)  # bytes, not text
                continue
            if nulls.any():
                arrays[f"{name}.m"] = nulls
        return cls(record, n, arrays)

    # -- reading values ----------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        return sorted({k.rsplit(".", 1)[0] for k in self.arrays})

    def keys(self) -> list[Any]:
        """Every row's key, in order."""
        return self.values(tables.TABLES[self.cls].key)

    def wkb(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """The geometry of rows ``start`` to ``stop`` (every row by default) as WKB (an object array, for
        ``shapely.from_wkb``)."""
        stop = self.n if stop is None else min(stop, self.n)
        out = np.empty(max(stop - start, 0), dtype=object)
        out[:] = _split(self._blob("geom"), self.arrays["geom.o"], np.arange(start, stop))
        return out

    def geometries(self) -> np.ndarray:
        """Every row's geometry, decoded ``CHUNK`` rows at a time: shapely holds the GIL while it decodes, and a
        million at once would stall every other thread (the event loop) for a second or more."""
        if self.decoded is not None:
            out, self.decoded = self.decoded, None
            return out
        out = np.empty(self.n, dtype=object)
        for start in range(0, self.n, CHUNK):
            out[start : start + CHUNK] = shapely.from_wkb(self.wkb(start, start + CHUNK))
            time.sleep(0)  # let the other threads in between chunks
        return out

    def values(self, name: str, positions: np.ndarray | None = None) -> list[Any]:
        """The converted values of a field at ``positions`` (every row when None)."""
        a = self.arrays
        load = self._loaders.get(name)
        if f"{name}.c" in a:
            codes = a[f"{name}.c"] if positions is None else a[f"{name}.c"][positions]
            return list(self._distinct(name)[codes].tolist())
        if name in PLAIN:
            raw = _split(self._blob(name), a[f"{name}.o"], positions)
            return [b.decode() for b in raw]
        column = a[f"{name}.v"] if positions is None else a[f"{name}.v"][positions]
        mask = a.get(f"{name}.m")
        if mask is None:
            out = column.tolist()
        else:
            held = column.astype(object)  # Python numbers, and None where the database had NULL
            held[mask if positions is None else mask[positions]] = None
            out = held.tolist()
        return out if load is None else tables._convert(tuple(out), load)

    def _blob(self, name: str) -> bytes:
        """A field's buffer as bytes (sliced cheaply); the array becomes a view of it, so it is held once."""
        hit = self._blobs.get(name)
        if hit is None:
            hit = self._blobs[name] = self.arrays[f"{name}.b"].tobytes()
            self.arrays[f"{name}.b"] = np.frombuffer(hit, dtype=np.uint8)
        return hit

    def _distinct(self, name: str) -> np.ndarray:
        """A field's distinct values, converted once each, with None last (code -1)."""
        hit = self._values.get(name)
        if hit is None:
            raw = _split(self._blob(name), self.arrays[f"{name}.o"])
            texts: list[Any] = raw if f"{name}.x" in self.arrays else [b.decode() for b in raw]
            load = self._loaders.get(name)
            hit = np.empty(len(texts) + 1, dtype=object)
            hit[:-1] = texts if load is None else [load(t) for t in texts]
            hit[-1] = None
            self._values[name] = hit
        return hit

    def records(self, positions: np.ndarray, geoms: np.ndarray | None = None) -> list[Any]:
        """The records at ``positions`` (geometry from ``geoms``, the layer's geometry array)."""
        values = {name: self.values(name, positions) for name in self.names if name != "geom"}
        if geoms is not None:
            values["geometry"] = geoms[positions].tolist()
        return tables.build(self.cls, values, len(positions))

    def drop(self, name: str) -> None:
        """Forget a field's arrays (the geometry's WKB, once it is decoded)."""
        for key in [k for k in self.arrays if k.rsplit(".", 1)[0] == name]:
            del self.arrays[key]
        self._blobs.pop(name, None)
        self._values.pop(name, None)


class LazyRecords:
    """A layer's records by position, each made from the columns when first asked for.

    Behaves as the list a layer keeps (``records[p]``, ``len``, iteration, ``append``, assignment;
    None for a deleted record). Once every record is made (the warm-up thread makes them all after the
    worker is ready), the columns are dropped and :attr:`complete` is set: the layer then hands out
    the plain list.
    """

    def __init__(self, columns: TableColumns, geoms: Callable[[], np.ndarray]) -> None:
        self.columns: TableColumns | None = columns
        self._geoms = geoms
        self.base = columns.n
        self.made: list[Any] = [None] * columns.n
        self._pending = np.ones(columns.n, dtype=bool)
        self._left = columns.n
        self._lock = threading.Lock()

    @property
    def complete(self) -> bool:
        return self._left == 0

    def __len__(self) -> int:
        return len(self.made)

    def __getitem__(self, pos: int) -> Any:
        if pos < self.base and self._left and self._pending[pos]:
            self.fill(np.array([pos], dtype=np.intp))
        return self.made[pos]

    def __setitem__(self, pos: int, record: Any) -> None:
        with self._lock:
            self.made[pos] = record
            if pos < self.base and self._pending[pos]:
                self._pending[pos] = False
                self._settle(1)

    def append(self, record: Any) -> None:
        with self._lock:
            self.made.append(record)

    def __iter__(self) -> Iterator[Any]:
        self.fill_all()
        return iter(self.made)

    def live(self) -> np.ndarray:
        """Whether each position holds a record (not deleted), without making any."""
        made = np.fromiter((x is not None for x in self.made), dtype=bool, count=len(self.made))
        made[: self.base] |= self._pending
        return made

    def fill(self, positions: np.ndarray) -> None:
        """Make the records at ``positions`` that are not made yet."""
        if not self._left:
            return
        positions = positions[positions < self.base]
        geoms = self._geoms()  # decoded before the lock: a write may be waiting on it with the index's lock
        with self._lock:
            todo = np.unique(positions[self._pending[positions]])
            if not todo.size or self.columns is None:
                return
            made = self.made
            for p, record in zip(todo.tolist(), self.columns.records(todo, geoms), strict=True):
                made[p] = record
            self._pending[todo] = False
            self._settle(len(todo))

    def fill_all(self, pause: Callable[[], None] | None = None) -> None:
        """Make every record, a chunk at a time (``pause`` between chunks)."""
        while self._left:
            todo = np.flatnonzero(self._pending)[:CHUNK]
            self.fill(todo)
            if pause is not None:
                pause()

    def _settle(self, count: int) -> None:
        self._left -= count
        if not self._left:
            self.columns = None  # every record is made: the arrays are no longer needed
