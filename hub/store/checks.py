"""Check every row of an import before anything is written, and say what is wrong where.

A :class:`Batch` holds the rows read from files (``hub.store.sources``), by kind. :func:`check` holds
them against the kinds' declarations (``hub.store.contract``) and against what the store holds now (the
catalog), and returns a :class:`Checked`: each row's values as they will be stored, whether it is new,
changed or the same as the stored record, and every :class:`Problem` (file, row, field, value, reason).
The checks:

- each value: its type, a code among the allowed ones, a pattern, a range, a null where a value is needed;
- each row: rules across its fields (a cleared occupation has the date it was cleared), and a key that
  no other row of the import has;
- references: each code a row refers to names a record stored or in the import (the missing code named),
  a compound's community lies in its subdistrict, a problem belongs to its meeting's compound;
- geometry: present, of the kind's types, not empty, coordinates in range and in lon/lat order, valid
  (with GEOS's reason), and for tilings and compounds no overlap with a neighbour beyond a tolerance.

An update may give only some columns: those it gives replace the stored values, the rest stay.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from hub.geo.geojson import to_geojson
from hub.geo.measure import geodesic_area
from hub.store import contract as c
from hub.store.catalog import Catalog
from hub.store.existing import Existing, existing

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: called as a long import goes."""

OVERLAP_TOLERANCE_M2 = 1.0
"""Neighbours (grids, communities, subdistricts, compounds) may overlap by this much and no more."""
NEW, CHANGED, SAME, REFUSED = "new", "changed", "unchanged", "refused"


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row cannot be imported: where (file and row, 1 = the first record), which field, its value."""

    source: str
    row: int
    field: str
    value: Any
    reason: str

    def __str__(self) -> str:
        return f"{self.source} row {self.row}: {self.field} = {_show(self.value)}: {self.reason}"


@dataclass
class Row:
    """One record as a file gave it: raw values by field name, and its geometry (WGS84) if it has one."""

    source: str
    number: int
    values: dict[str, Any]
    geometry: Any = None
    prefix: str = ""
    unreadable: str | None = None
    """Geometry text the file has but that is not geometry (bad WKT), for the report."""
    """For a record nested in another's row: the member it came from (``committee.``), for messages."""


@dataclass
class Batch:
    """The rows of an import by kind, and what was read but not used."""

    rows: dict[str, list[Row]] = field(default_factory=lambda: defaultdict(list))
    ignored: list[str] = field(default_factory=list)
    """Notes on columns no kind has (ignored), per file."""

    def add(self, kind: str, row: Row) -> None:
        self.rows[kind].append(row)

    def __len__(self) -> int:
        return sum(len(v) for v in self.rows.values())


@dataclass
class Staged:
    """A row as it will be stored: every field's value, its geometry, and what it does to the store."""

    row: Row
    values: dict[str, Any]
    geometry: Any
    state: str


@dataclass
class Checked:
    """The outcome of checking a batch: the rows to write and every problem found."""

    staged: dict[str, list[Staged]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    read: dict[str, int] = field(default_factory=dict)
    """Rows read per kind (those with problems included)."""
    attempted: dict[str, set[Any]] = field(default_factory=dict)
    """The codes of every row read, refused or not: a row referring to a refused one is not refused for it too
    (the refused row is named already)."""

    @property
    def ok(self) -> bool:
        return not self.problems

    def counts(self) -> dict[str, dict[str, int]]:
        """Per kind: how many rows are new, changed, unchanged, and refused (having a problem)."""
        out: dict[str, dict[str, int]] = {}
        for kind, rows in self.staged.items():
            tally = {NEW: 0, CHANGED: 0, SAME: 0}
            for s in rows:
                tally[s.state] += 1
            refused = self.read.get(kind, 0) - len(rows)
            if refused:
                tally[REFUSED] = refused
            out[kind] = tally
        return out


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def check(
    batch: Batch,
    catalog: Catalog,
    *,
    tolerance_m2: float = OVERLAP_TOLERANCE_M2,
    progress: Progress | None = None,
) -> Checked:
    """Hold every row of ``batch`` against the contract and the stored records (``catalog``)."""
    out = Checked(ignored=list(batch.ignored))
    rows = _with_children(batch, out.problems)
    out.read = {name: len(v) for name, v in rows.items()}
    stored = {name: existing(catalog, name) for name in rows}
    total = sum(len(v) for v in rows.values())
    done = 0
    for name in c.ORDER:
        if name not in rows:
            continue
        kind = c.KINDS[name]
        out.staged[name] = staged = []
        seen: dict[tuple[Any, ...], Row] = {}
        for row in rows[name]:
            out.attempted.setdefault(name, set()).add(_first_key(kind, row))
            s = _stage(kind, row, stored[name], seen, out.problems)
            if s is not None:
                staged.append(s)
            done += 1
            if progress is not None and done % 2000 == 0:
                progress("check", done, total)
        _geometry(kind, staged, stored[name], out.problems)
    _references(out, catalog)
    for name, staged in out.staged.items():
        if c.KINDS[name].disjoint:
            _overlaps(c.KINDS[name], staged, stored[name], tolerance_m2, out.problems)
    if progress is not None:
        progress("check", total, total)
    out.problems.sort(key=lambda p: (p.source, p.row, p.field))
    return out


def _with_children(batch: Batch, problems: list[Problem]) -> dict[str, list[Row]]:
    """The batch's rows, with records nested in a row (a compound's committee) as rows of their own kinds."""
    rows: dict[str, list[Row]] = defaultdict(list)
    for name, kind_rows in batch.rows.items():
        rows[name].extend(kind_rows)
        for child in c.KINDS[name].children:
            for row in kind_rows:
                if child.member not in row.values:
                    continue
                nested = row.values[child.member]
                try:
                    parsed = c.Field(child.member, c.JSON, required=False).convert(nested)
                except c.Bad as exc:
                    problems.append(Problem(row.source, row.number, row.prefix + child.member, nested, str(exc)))
                    continue
                items = [] if parsed is None else parsed if child.many else [parsed]
                if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
                    want = "a list of objects" if child.many else "an object"
                    problems.append(Problem(row.source, row.number, row.prefix + child.member, nested, f"not {want}"))
                    continue
                parent = row.values.get(c.KINDS[name].key[0])
                for i, item in enumerate(items):
                    prefix = f"{row.prefix}{child.member}{f'[{i}]' if child.many else ''}."
                    values = {**child.flatten(item), child.parent_key: parent}
                    rows[child.kind].append(Row(row.source, row.number, values, prefix=prefix))
    return rows


def _first_key(kind: c.Kind, row: Row) -> Any:
    try:
        return kind.by_name[kind.key[0]].convert(row.values.get(kind.key[0]))
    except c.Bad:
        return None


def _stage(
    kind: c.Kind, row: Row, stored: Existing, seen: dict[tuple[Any, ...], Row], problems: list[Problem]
) -> Staged | None:
    """A row's values converted and merged with the stored record's; None (and problems) if it cannot be."""

    def refuse(name: str, value: Any, reason: str) -> None:
        problems.append(Problem(row.source, row.number, row.prefix + name, value, reason))

    missing_key = [k for k in kind.key if k not in row.values]
    if missing_key:
        refuse(missing_key[0], None, f"every {kind.label} needs its key")
        return None
    values: dict[str, Any] = {}
    for name in kind.key:
        try:
            values[name] = kind.by_name[name].convert(row.values[name])
        except c.Bad as exc:
            refuse(name, row.values[name], str(exc))
            return None
    key = kind.key_of(values)
    first = seen.setdefault(key, row)
    if first is not row:
        shown = "/".join(str(k) for k in key)
        refuse(kind.key[0], shown, f"duplicate {kind.label} {shown}: row {first.number} has it too")
        return None
    before = stored.values(key)
    bad = False
    for f in kind.fields:
        if f.name in values:
            continue
        if f.name not in row.values:  # a column the file does not have: the stored value, or the default
            if before is not None:
                values[f.name] = before[f.name]
            elif f.default is not c._MISSING:
                values[f.name] = f.default
            else:
                refuse(f.name, None, f"a new {kind.label} needs a value here (the file has no such column)")
                bad = True
            continue
        raw = row.values[f.name]
        if before is None and f.default is not c._MISSING and c.blank(raw) is None:
            values[f.name] = f.default  # a new record's empty cell: the default
            continue
        try:
            values[f.name] = f.convert(raw)
        except c.Bad as exc:
            refuse(f.name, raw, str(exc))
            bad = True
    if bad:
        return None
    for rule in kind.rules:
        broken = rule(values)
        if broken is not None:
            refuse(broken[0], values.get(broken[0]), broken[1])
            bad = True
    if bad:
        return None
    state = NEW if before is None else SAME if before == values else CHANGED
    return Staged(row, values, row.geometry, state)


def _geometry(kind: c.Kind, staged: list[Staged], stored: Existing, problems: list[Problem]) -> None:
    """Check the geometry of each row of a spatial kind; rows without one keep the stored geometry."""
    if not kind.geometry:
        return
    given = [s for s in staged if s.geometry is not None]
    for s in staged:
        if s.row.unreadable is not None:
            problems.append(Problem(s.row.source, s.row.number, "geometry", s.row.unreadable, "not WKT"))
            s.state = "bad"
        elif s.geometry is None:
            kept = stored.geometry(kind.key_of(s.values))
            if kept is None:
                problems.append(Problem(s.row.source, s.row.number, "geometry", None, f"a new {kind.label} needs one"))
                s.state = "bad"
            else:
                s.geometry = kept
    if not given:
        _drop_bad(staged)
        return
    geoms = np.asarray([s.geometry for s in given], dtype=object)
    reasons = shapely.is_valid_reason(geoms)
    bounds = shapely.bounds(geoms)
    kinds = shapely.get_type_id(geoms)
    names = np.asarray(["Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString",
                        "MultiPolygon", "GeometryCollection"], dtype=object)  # fmt: skip
    for i, s in enumerate(given):
        reason = _geometry_problem(
            kind, names[kinds[i]] if kinds[i] >= 0 else "None", s.geometry, bounds[i], reasons[i]
        )
        if reason is not None:
            problems.append(Problem(s.row.source, s.row.number, "geometry", _wkt(s.geometry), reason))
            s.state = "bad"
    texts = to_geojson(np.asarray([s.geometry for s in given if s.state != "bad"], dtype=object))
    for s, text in zip((s for s in given if s.state != "bad"), texts, strict=True):
        if s.state == SAME and stored.geojson(kind.key_of(s.values)) != text:
            s.state = CHANGED
    _drop_bad(staged)


def _drop_bad(staged: list[Staged]) -> None:
    staged[:] = [s for s in staged if s.state != "bad"]


def _geometry_problem(kind: c.Kind, type_name: str, geom: Any, bounds: np.ndarray, valid: str) -> str | None:
    if type_name not in kind.geometry:
        want = " or ".join(kind.geometry)
        return f"a {type_name} where a {kind.label} has a {want}"
    if geom.is_empty:
        return f"an empty {type_name}"
    minx, miny, maxx, maxy = bounds
    if minx >= 18 and maxx <= 54 and miny >= 73 and maxy <= 136:  # China with x and y swapped
        return "coordinates look like lat/lon; the hub takes lon/lat (x = longitude)"
    if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
        return (
            f"coordinates out of range for longitude/latitude ({minx:.6g}, {miny:.6g} … {maxx:.6g}, {maxy:.6g}); "
            "is the file in a projected coordinate system? say which with --crs (e.g. EPSG:4548)"
        )
    if valid != "Valid Geometry":
        return f"not a valid {type_name}: {valid}"
    return None


def _wkt(geom: Any) -> str:
    text = shapely.to_wkt(geom, rounding_precision=6)
    return text if len(text) <= 60 else text[:57] + "..."


def _keys(out: Checked, catalog: Catalog, name: str) -> set[Any]:
    """Every key of a kind after the import: stored and staged (single-column keys)."""
    known = set(existing(catalog, name).keys())
    known.update(s.values[c.KINDS[name].key[0]] for s in out.staged.get(name, ()))
    known.update(out.attempted.get(name, ()))
    return known


def _references(out: Checked, catalog: Catalog) -> None:
    """Each code a row refers to names a record stored or staged; links agree with each other."""
    keys: dict[str, set[Any]] = {}

    def known(name: str) -> set[Any]:
        if name not in keys:
            keys[name] = _keys(out, catalog, name)
        return keys[name]

    final = _final_values(out, catalog)
    for name, staged in out.staged.items():
        kind = c.KINDS[name]
        refs = [f for f in kind.fields if f.refers is not None]
        bad: set[int] = set()
        for i, s in enumerate(staged):
            for f in refs:
                value = s.values.get(f.name)
                if value is None or (f.refers == name and value == s.values.get(kind.key[0])):
                    continue
                if value not in known(f.refers or ""):
                    target = c.KINDS[f.refers or ""].label
                    out.problems.append(
                        Problem(
                            s.row.source,
                            s.row.number,
                            s.row.prefix + f.name,
                            value,
                            f"no {target} {value} (neither stored nor in this import)",
                        )
                    )
                    bad.add(i)
            link = _link_problem(name, s.values, final)
            if link is not None:
                out.problems.append(Problem(s.row.source, s.row.number, s.row.prefix + link[0], link[1], link[2]))
                bad.add(i)
        staged[:] = [s for i, s in enumerate(staged) if i not in bad]


def _final_values(out: Checked, catalog: Catalog) -> Callable[[str, Any], dict[str, Any] | None]:
    """The values a record of a kind will have after the import (staged, else stored), by single key."""
    staged = {name: {s.values[c.KINDS[name].key[0]]: s.values for s in rows} for name, rows in out.staged.items()}

    def get(name: str, key: Any) -> dict[str, Any] | None:
        hit = staged.get(name, {}).get(key)
        return hit if hit is not None else existing(catalog, name).values((key,))

    return get


def _link_problem(
    name: str, v: dict[str, Any], final: Callable[[str, Any], dict[str, Any] | None]
) -> tuple[str, Any, str] | None:
    """(field, value, reason) where two references of a row disagree."""
    if name == "compounds":
        community = final("communities", v.get("community_code"))
        if community is not None and community.get("subdistrict_code") != v.get("subdistrict_code"):
            return (
                "community_code",
                v.get("community_code"),
                f"community {v.get('community_code')} lies in subdistrict {community.get('subdistrict_code')}, "
                f"not {v.get('subdistrict_code')}",
            )
    if name == "problems":
        meeting = final("meetings", v.get("meeting_id"))
        if meeting is not None and meeting.get("compound_id") != v.get("compound_id"):
            return (
                "compound_id",
                v.get("compound_id"),
                f"meeting {v.get('meeting_id')} was held at compound {meeting.get('compound_id')}",
            )
    return None


def _overlaps(
    kind: c.Kind, staged: list[Staged], stored: Existing, tolerance_m2: float, problems: list[Problem]
) -> None:
    """Refuse rows whose new or changed geometry overlaps a neighbour (stored or staged) beyond the tolerance."""
    moved = [s for s in staged if s.state != SAME]
    if not moved:
        return
    staged_keys = {kind.key_of(s.values) for s in staged}
    others = [(k, g) for k, g in stored.geometries() if k not in staged_keys]
    keys = [kind.key_of(s.values) for s in staged] + [k for k, _ in others]
    geoms = np.asarray([s.geometry for s in staged] + [g for _, g in others], dtype=object)
    tree = shapely.STRtree(geoms)
    mine = np.asarray([s.geometry for s in moved], dtype=object)
    left, right = tree.query(mine, predicate="intersects")
    moved_at = {id(s): i for i, s in enumerate(staged)}
    self_pos = np.asarray([moved_at[id(s)] for s in moved])
    keep = right != self_pos[left]
    left, right = left[keep], right[keep]
    if not len(left):
        return
    inner = shapely.relate_pattern(mine[left], geoms[right], "T********")
    left, right = left[inner], right[inner]
    if not len(left):
        return
    areas = np.asarray(geodesic_area(shapely.intersection(mine[left], geoms[right])), dtype=float)
    reported: set[int] = set()
    for i, j, area in zip(left.tolist(), right.tolist(), areas.tolist(), strict=True):
        if area <= tolerance_m2 or i in reported:
            continue
        s = moved[i]
        other = "/".join(str(k) for k in keys[j])
        problems.append(
            Problem(
                s.row.source,
                s.row.number,
                "geometry",
                _wkt(s.geometry),
                f"overlaps {kind.label} {other} by {area:,.1f} m² (more than the {tolerance_m2:g} m² allowed)",
            )
        )
        reported.add(i)
    bad = {id(moved[i]) for i in reported}
    staged[:] = [s for s in staged if id(s) not in bad]
