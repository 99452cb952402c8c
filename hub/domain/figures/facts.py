"""Fact tables: a record family as columns (numpy arrays), kept current with its layer.

Figures are computed over these arrays all at once, never record by record. A fact table holds one row
per record position (a deleted record's row is marked absent), each record's representative point, and
the family's columns: codes (kinds, states, squads… as small integers with a vocabulary), numbers,
flags, and local day numbers. It is built on first use and, after writes, brought up to date by
recomputing only the rows of the positions written since (``Layer.changed_since``); a table is never
changed in place (readers may hold it), a refresh makes a new one.

Families without a layer of their own (meetings, fee years) are small and static: their tables are
rebuilt whenever what they derive from changes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from hub.domain.figures.periods import NO_DAY, day_number
from hub.domain.figures.places import LAYERS, containing, representative_points
from hub.store.catalog import Catalog

CODE, NUMBER, FLAG, DAY = "code", "number", "flag", "day"


@dataclass(frozen=True, slots=True)
class Column:
    """How one column is read from a record (``get(catalog, record)``), and what it holds."""

    kind: str
    get: Callable[[Catalog, Any], Any]


def attribute(kind: str, get: Callable[[Any], Any]) -> Column:
    """A column read from the record alone (``get(record)``)."""
    return Column(kind, lambda catalog, record: get(record))


@dataclass(frozen=True)
class Facts:
    """One snapshot of a family's columns; row ``i`` is record position ``i``."""

    version: Hashable
    present: np.ndarray
    x: np.ndarray
    y: np.ndarray
    values: dict[str, np.ndarray]
    vocab: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """For code columns: the text of each code number."""

    def __len__(self) -> int:
        return len(self.present)

    def code(self, column: str, text: str) -> int:
        """The number of a code's text in a column (-2, matching nothing, when it never occurs)."""
        names = self.vocab[column]
        return names.index(text) if text in names else -2


def _convert(kind: str, raw: Sequence[Any], vocab: dict[str, int] | None) -> np.ndarray:
    if kind == CODE:
        assert vocab is not None
        out = np.empty(len(raw), dtype=np.int32)
        for i, v in enumerate(raw):
            out[i] = -1 if v is None else vocab.setdefault(v, len(vocab))
        return out
    if kind == NUMBER:
        return np.fromiter((np.nan if v is None else v for v in raw), dtype=np.float64, count=len(raw))
    if kind == FLAG:
        return np.fromiter((bool(v) for v in raw), dtype=bool, count=len(raw))
    if kind == DAY:
        return _days(raw)
    raise ValueError(f"unknown column kind {kind!r}")


def _days(raw: Sequence[Any]) -> np.ndarray:
    """Day numbers; plain dates converted in one vectorised step, moments one by one (their local date)."""
    if any(isinstance(v, datetime) for v in raw):
        return np.fromiter((day_number(v) for v in raw), dtype=np.int32, count=len(raw))
    arr = np.array(raw, dtype="datetime64[D]")  # None becomes NaT
    out = arr.astype(np.int64)
    out[np.isnat(arr)] = NO_DAY
    return out.astype(np.int32)


@dataclass(frozen=True)
class Source:
    """Where a family's rows come from: the records (by position), their geometries, and their version."""

    records: Callable[[Catalog], Sequence[Any]]
    geoms: Callable[[Catalog], np.ndarray] | None
    version: Callable[[Catalog], Hashable]
    changed_since: Callable[[Catalog, Hashable], np.ndarray | None] = lambda c, v: None
    compound_of: Callable[[Any], int] | None = None
    """For rows without a geometry: the compound id whose centroid places them."""


_locks: dict[Hashable, threading.Lock] = {}
_locks_guard = threading.Lock()


def _lock(key: Hashable) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault(key, threading.Lock())


def facts(catalog: Catalog, name: str, source: Source, columns: dict[str, Column]) -> Facts:
    """The family's fact table as of now: built on first use, refreshed row by row after writes."""
    key = ("figures.facts", name)
    version = source.version(catalog)
    hit: Facts | None = catalog.memo.get(key)
    if hit is not None and hit.version == version:
        return hit
    with _lock((id(catalog), key)):
        hit = catalog.memo.get(key)
        if hit is not None and hit.version == version:
            return hit
        changed = None if hit is None else source.changed_since(catalog, hit.version)
        made = _build(catalog, source, columns, version) if hit is None or changed is None else None
        if made is None:
            assert hit is not None and changed is not None
            made = _refresh(catalog, source, columns, hit, changed, version)
        catalog.memo[key] = made
        return made


def _points(catalog: Catalog, source: Source, records: Sequence[Any], rows: np.ndarray) -> tuple[Any, Any]:
    if source.geoms is not None:
        return representative_points(source.geoms(catalog)[rows])
    assert source.compound_of is not None
    compounds = catalog.compounds
    x, y = representative_points(
        np.array(
            [
                None
                if (rec := records[i]) is None or (c := compounds.get(source.compound_of(rec))) is None
                else c.geometry
                for i in rows.tolist()
            ],
            dtype=object,
        )
    )
    return x, y


def _build(catalog: Catalog, source: Source, columns: dict[str, Column], version: Hashable) -> Facts:
    records = source.records(catalog)
    rows = np.arange(len(records))
    present = np.fromiter((r is not None for r in records), dtype=bool, count=len(records))
    x, y = _points(catalog, source, records, rows)
    vocab: dict[str, dict[str, int]] = {}
    values = {}
    for name, col in columns.items():
        raw = [None if r is None else col.get(catalog, r) for r in records]
        values[name] = _convert(col.kind, raw, vocab.setdefault(name, {}) if col.kind == CODE else None)
    return Facts(version, present, x, y, values, {k: tuple(v) for k, v in vocab.items()})


def _refresh(
    catalog: Catalog, source: Source, columns: dict[str, Column], old: Facts, changed: np.ndarray, version: Hashable
) -> Facts:
    records = source.records(catalog)
    n = len(records)

    def grown(arr: np.ndarray, fill: Any) -> np.ndarray:
        out = np.full(n, fill, dtype=arr.dtype)
        out[: len(arr)] = arr[:n]
        return out

    rows = changed[changed < n]
    present = grown(old.present, False)
    present[rows] = [records[i] is not None for i in rows.tolist()]
    x, y = grown(old.x, np.nan), grown(old.y, np.nan)
    x[rows], y[rows] = _points(catalog, source, records, rows)
    values = {}
    vocab = {k: {t: i for i, t in enumerate(v)} for k, v in old.vocab.items()}
    for name, col in columns.items():
        fill = {CODE: -1, NUMBER: np.nan, FLAG: False, DAY: NO_DAY}[col.kind]
        arr = grown(old.values[name], fill)
        raw = [None if (r := records[i]) is None else col.get(catalog, r) for i in rows.tolist()]
        arr[rows] = _convert(col.kind, raw, vocab.get(name) if col.kind == CODE else None)
        values[name] = arr
    return Facts(version, present, x, y, values, {k: tuple(v) for k, v in vocab.items()})


def layer_source(layer_name: str) -> Source:
    """The rows of a spatial layer of the catalog, refreshed from its journal of writes."""

    def changed_since(catalog: Catalog, version: Hashable) -> np.ndarray | None:
        return getattr(catalog, layer_name).changed_since(version) if isinstance(version, int) else None

    return Source(
        records=lambda c: getattr(c, layer_name).records,
        geoms=lambda c: np.asarray(getattr(c, layer_name).geoms),
        version=lambda c: getattr(c, layer_name).version,
        changed_since=changed_since,
    )


def place_keys(catalog: Catalog, name: str, table: Facts, place: str) -> np.ndarray:
    """The position in the place layer of the polygon holding each row (-1: none), kept with the table.

    Kept per (table version, place layer version); after writes to the family's layer only the rows
    written since are placed again.
    """
    layer = getattr(catalog, LAYERS[place])
    key = ("figures.places", name, place)
    hit = catalog.memo.get(key)
    if hit is not None and hit[0] is table and hit[1] == layer.version:
        return hit[2]
    if hit is not None and hit[1] == layer.version and len(hit[2]) <= len(table):
        old_table, _, old = hit
        moved = np.flatnonzero(
            _differ(old_table.x, table.x[: len(old_table)])
            | _differ(old_table.y, table.y[: len(old_table)])
            | (old_table.present != table.present[: len(old_table)])
        )
        rows = np.union1d(moved, np.arange(len(old_table), len(table)))
        out = np.full(len(table), -1, dtype=np.int32)
        out[: len(old)] = old
        out[rows] = containing(catalog, place, table.x[rows], table.y[rows])
    else:
        out = containing(catalog, place, table.x, table.y)
    out[~table.present] = -1
    catalog.memo[key] = (table, layer.version, out)
    return out


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ~((a == b) | (np.isnan(a) & np.isnan(b)))
