"""Stored rows that break the store's contract: named and left out when the catalog loads, never served.

Imports and ``hub init`` check every row before writing (``hub.store.checks``), and the hub's own writes
follow the domain's rules, but a store may still hold a row written by an older hub, by hand in SQL, or by
another tool: a code no enum has (``management_mode = 'MAGIC'``), text where a number belongs (SQLite keeps
``'lots'`` in an INTEGER column), a date or JSON list that does not parse, geometry that is not WKB, empty
or invalid. Served, such a value would fail every query that reaches it (``data: null`` for the whole
answer). :class:`Screened` reads the tables for the catalog and holds every row against the contract's
types and codes (the cheap checks, column by column, row by row only where a column fails), and
:func:`geometry_faults` checks the decoded geometry; each row that fails is left out and becomes a
:class:`Fault` — table, key, field, value, reason — that the server logs when it loads, reports at
``/healthz`` and names in every GraphQL answer (``extensions.storeFaults``) until the row is fixed (``hub
import`` fixes it: an import reads every row again). Ranges and rules across fields are not checked here:
a negative count or a cleared occupation without its date is served as it is, and fails no query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from hub.store import contract as c
from hub.store.base import Reader

_FROM = re.compile(r"\bFROM\s+(\w+)", re.I)
_GEOMETRY_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
                   "GeometryCollection")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Fault:
    """A stored row left out of every answer, and why."""

    table: str
    key: str
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.table} {self.key}: {self.field} holds {_show(self.value)}: {self.reason}; left out"

    def as_dict(self) -> dict[str, Any]:
        value = self.value if isinstance(self.value, str | int | float | type(None)) else _show(self.value)
        return {"table": self.table, "key": self.key, "field": self.field, "value": value, "reason": self.reason}


def _show(value: Any) -> str:
    if isinstance(value, bytes | memoryview):
        return f"<{len(bytes(value))} bytes>"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _parses(values: set[Any], convert: Any) -> bool:
    try:
        for v in values:
            convert(v)
    except (c.Bad, TypeError, ValueError):
        return False
    return True


def _column_ok(f: c.Field, column: Sequence[Any]) -> bool:
    """Whether every value of a column is of the field's type and codes (C-speed checks of whole columns)."""
    types = set(map(type, column))
    types.discard(type(None))
    if f.type == c.TEXT:
        return types <= {str} and (not f.choices or set(column) - {None} <= set(f.choices))
    if f.type == c.INT:
        return types <= {int}
    if f.type == c.FLOAT:
        return types <= {int, float}
    if f.type == c.BOOL:
        return set(column) - {None} <= {0, 1}
    return _parses(set(column) - {None}, lambda v: f.convert(v, ranges=False))


_STORED = {c.TEXT: (str,), c.INT: (int,), c.FLOAT: (int, float), c.BOOL: (int,)}
"""What a column of each type holds, as the catalog reads it (flags are 0 or 1)."""


def _value_problem(f: c.Field, value: Any) -> str | None:
    """Why one stored value cannot be served as its field's type and codes, or None."""
    if value is None:
        return None
    kinds = _STORED.get(f.type)
    if kinds is not None:
        if type(value) not in kinds or (f.type == c.BOOL and value not in (0, 1)):
            return f"{type(value).__name__} where the store keeps {c.TYPE_NAMES[f.type]}"
        if f.choices and value not in f.choices:
            return f"{value!r} is not one of {', '.join(f.choices)}"
        return None
    try:
        f.convert(value, ranges=False)
    except c.Bad as exc:
        return str(exc)
    return None


def _key(kind: c.Kind, row: Any) -> str:
    return "|".join(str(row[k]) for k in kind.key)


def screen(kind: c.Kind, rows: Sequence[Any]) -> tuple[list[int], list[Fault]]:
    """The positions of the rows whose values the contract takes, and a fault for each of the others."""
    names = set(rows[0].keys())
    bad: dict[int, Fault] = {}
    for f in kind.fields:
        if f.name not in names:
            continue
        column = [row[f.name] for row in rows]
        if _column_ok(f, column):
            continue
        for i, value in enumerate(column):
            if i in bad:
                continue
            reason = _value_problem(f, value)
            if reason is not None:
                bad[i] = Fault(kind.name, _key(kind, rows[i]), f.name, value, reason)
    return [i for i in range(len(rows)) if i not in bad], list(bad.values())


def geometry_faults(table: str, keys: Sequence[Any], wkb: Any, geoms: np.ndarray) -> dict[int, Fault]:
    """Faults of decoded geometries (``None`` where the WKB did not decode), by position."""
    kind = c.KINDS.get(table)
    allowed = kind.geometry if kind is not None else ()
    out: dict[int, Fault] = {}
    absent = np.fromiter((g is None for g in geoms), dtype=bool, count=len(geoms))
    missing = np.flatnonzero(absent)
    for i in missing.tolist():
        out[i] = Fault(table, str(keys[i]), "geom", wkb[i], "not a geometry (WKB that does not decode)")
    present = np.flatnonzero(~absent)
    if not len(present):
        return out
    some = geoms[present]
    empty = shapely.is_empty(some)
    types = shapely.get_type_id(some)
    reasons = shapely.is_valid_reason(some)
    for j in np.flatnonzero(empty | (reasons != "Valid Geometry")).tolist() + (
        np.flatnonzero(~np.isin(types, [_GEOMETRY_NAMES.index(t) for t in allowed])).tolist() if allowed else []
    ):
        i = int(present[j])
        if i in out:
            continue
        name = _GEOMETRY_NAMES[types[j]] if types[j] >= 0 else "geometry"
        if empty[j]:
            reason = f"an empty {name}"
        elif reasons[j] != "Valid Geometry":
            reason = f"not a valid {name}: {reasons[j]}"
        else:
            reason = f"a {name} where {table} have {' or '.join(allowed)}"
        out[i] = Fault(table, str(keys[i]), "geom", shapely.to_wkt(some[j], rounding_precision=6)[:60], reason)
    return out


class Screened:
    """A reader for loading the catalog: the rows of every table the contract knows, less those it refuses
    (kept in :attr:`faults`). Queries with ``LIMIT`` (probes of a table's columns) pass as they are."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.faults: list[Fault] = []

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        rows = self.reader.read(sql, params)
        found = _FROM.search(sql)
        kind = c.KINDS.get(found.group(1)) if found else None
        if kind is None or not rows or " LIMIT " in sql.upper():
            return rows
        keep, faults = screen(kind, rows)
        if not faults:
            return rows
        self.faults.extend(faults)
        return [rows[i] for i in keep]

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        return self.reader.read_one(sql, params)


def served_json(text: Any) -> bool:
    """Whether stored GeoJSON text can be spliced into an answer: an object (the cheap check of its ends; the
    hub wrote it from the geometry, so only a hand-made or truncated one fails)."""
    return isinstance(text, str) and text.startswith('{"type":') and text.endswith("}")
