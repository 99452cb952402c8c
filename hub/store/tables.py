"""How records map to rows, for the tables the hub writes while it runs.

A :class:`Table` names a record class, its table and key. Conversion follows the record's type
hints: dates and times are ISO text, booleans integers, tuples JSON, and a spatial record's shapely
geometry becomes WKB plus its pre-serialised GeoJSON, geodesic measure and bounding box, all
computed once here, at write time. Reading back applies the same rules in reverse.
"""

from __future__ import annotations

import dataclasses
import sys
import types
import typing
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from itertools import repeat
from typing import Any

import numpy as np
import orjson
import shapely

from hub.geo.geojson import geometry_json, to_geojson
from hub.geo.measure import geodesic_area, geodesic_length
from hub.store import records as r
from hub.store.dialect import SQLITE, Dialect

SPATIAL_COLUMNS = ("area_m2", "geom", "geojson", "minx", "miny", "maxx", "maxy")


def spatial_values(geoms: list[shapely.Geometry], *, measure: bool = True) -> list[tuple[Any, ...]]:
    """The values of ``SPATIAL_COLUMNS`` for each geometry, computed once, when it is written.

    ``measure`` False stores 0 as the area (points, lines).
    """
    if len(geoms) == 1:  # one write, one geometry: scalar calls, without the arrays' overhead
        (g,) = geoms
        minx, miny, maxx, maxy = shapely.bounds(g).tolist()
        area = float(geodesic_area(g)) if measure else 0.0
        return [(area, shapely.to_wkb(g), geometry_json(g), minx, miny, maxx, maxy)]
    arr = np.asarray(geoms, dtype=object)
    areas = np.asarray(geodesic_area(arr)) if measure and len(arr) else np.zeros(len(arr))
    wkbs = shapely.to_wkb(arr)
    texts = to_geojson(arr)
    bounds = shapely.bounds(arr)
    return [(float(areas[i]), wkbs[i], texts[i], *map(float, bounds[i])) for i in range(len(arr))]


@dataclass(frozen=True)
class Table:
    name: str
    record: type
    key: str
    """The key column, or columns separated by commas (``company_id,year``)."""
    autoincrement: bool = False
    """The key is an integer the database assigns when the record comes with key 0."""
    measure: str | None = None
    """Record field that receives the geometry's geodesic measure (``area_m2`` or ``length_m``), if any."""

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(self.key.split(","))


TABLES: dict[type, Table] = {
    t.record: t
    for t in (
        Table("occupations", r.Occupation, "id", autoincrement=True, measure="area_m2"),
        Table("incidents", r.Incident, "id", autoincrement=True),
        Table("incident_steps", r.IncidentStep, "id", autoincrement=True),
        Table("patrols", r.Patrol, "id", autoincrement=True, measure="length_m"),
        Table("roster_rules", r.RosterRule, "squad_code"),
        Table("roster_exceptions", r.RosterException, "id", autoincrement=True),
        Table("frontage_agreements", r.FrontageAgreement, "merchant_id"),
        Table("compounds", r.Compound, "id", measure="area_m2"),
        Table("committees", r.Committee, "compound_id"),
        Table("management_periods", r.ManagementPeriod, "id", autoincrement=True),
        Table("meetings", r.Meeting, "id", autoincrement=True),
        Table("problems", r.Problem, "id", autoincrement=True),
        Table("public_rooms", r.PublicRoom, "id", autoincrement=True),
        Table("credit_scores", r.CreditScore, "company_id,year"),
        Table("duty_rules", r.DutyRule, "township_code"),
        Table("duty_exceptions", r.DutyException, "id", autoincrement=True),
        Table("duty_officers", r.DutyOfficer, "id"),
        Table("duty_lines", r.DutyLine, "township_code"),
        Table("weather_events", r.WeatherEvent, "code"),
        Table("guidance_groups", r.GuidanceGroup, "code"),
        Table("technicians", r.Technician, "id"),
        Table("guidance_visits", r.GuidanceVisit, "id", autoincrement=True),
        Table("case_steps", r.CaseStep, "id", autoincrement=True),
        Table("safety_campaigns", r.SafetyCampaign, "code"),
        Table("premises", r.Premises, "id", autoincrement=True),
        Table("inspections", r.Inspection, "id", autoincrement=True),
        Table("hazards", r.Hazard, "id", autoincrement=True),
        Table("volunteer_teams", r.VolunteerTeam, "code"),
        Table("volunteers", r.Volunteer, "id"),
        Table("service_requests", r.ServiceRequest, "id", autoincrement=True),
    )
}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(r))


def _base(tp: Any) -> Any:
    """The non-None type of an annotation (``date | None`` → ``date``)."""
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return args[0] if len(args) == 1 else tp
    return tp


@cache
def _columns(cls: Any) -> tuple[tuple[str, Any], ...]:
    """(field name, converter to the column value) of the record fields stored as plain columns."""
    hints = _hints(cls)
    return tuple(
        (f.name, _dumper(_base(hints[f.name])))
        for f in dataclasses.fields(cls)
        if f.name not in ("geometry", "geojson", "area_m2", TABLES[cls].measure)
        and not dataclasses.is_dataclass(_base(hints[f.name]))  # a record kept in a table of its own
    )


def _dumper(tp: Any) -> Any:
    if tp is bool:
        return lambda v: None if v is None else int(v)
    if tp in (date, datetime):
        return lambda v: None if v is None else v.isoformat()
    if typing.get_origin(tp) in (tuple, list, dict):
        return lambda v: None if v is None else orjson.dumps(v).decode()
    return None


def to_row(record: Any) -> dict[str, Any]:
    """The column values of a record; a spatial record's geometry columns are computed here."""
    table = TABLES[type(record)]
    row: dict[str, Any] = {}
    cls: Any = type(record)
    for name, dump in _columns(cls):
        value = getattr(record, name)
        if name == table.key and table.autoincrement and not value:
            continue
        row[name] = value if dump is None else dump(value)
    if isinstance(record, r.Spatial):
        (values,) = spatial_values([record.geometry], measure=table.measure == "area_m2")
        row.update(zip(SPATIAL_COLUMNS, values, strict=True))
        if table.measure == "length_m":
            row["length_m"] = float(geodesic_length(record.geometry))
    return row


def from_row(cls: type, row: Any, geometry: Any = None) -> Any:
    """A record of ``cls`` from a row (and its geometry, already decoded, for spatial records)."""
    names = row.keys()
    values = {
        name: value if load is None else load(value)
        for name, load in _loaders(cls)
        if name in names
        for value in (row[name],)
    }
    if "geometry" in _field_names(cls):
        values["geometry"] = geometry
    return cls(**values)


@cache
def _field_names(cls: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclasses.fields(cls))


@cache
def _loaders(cls: type) -> tuple[tuple[str, Any], ...]:
    """(field, converter from the column value or None) for each non-geometry field, worked out once per class."""
    hints = _hints(cls)
    return tuple((f.name, _loader(_base(hints[f.name]))) for f in dataclasses.fields(cls) if f.name != "geometry")


def _loader(tp: Any) -> Any:
    def none_or(convert: Any) -> Any:
        return lambda v: None if v is None else convert(v)

    if tp is bool:
        return none_or(bool)
    if tp is date:
        return none_or(date.fromisoformat)
    if tp is datetime:
        return none_or(datetime.fromisoformat)
    origin = typing.get_origin(tp)
    if origin is tuple:
        return none_or(lambda v: _tuples(orjson.loads(v)))
    if origin in (list, dict):
        return none_or(orjson.loads)
    if tp is str:  # kinds, states and codes repeat: keep one copy of each short string
        return lambda v: sys.intern(v) if v is not None and len(v) <= 32 else v
    return None


def _tuples(value: Any) -> Any:
    return tuple(_tuples(v) for v in value) if isinstance(value, list) else value


def insert(conn: Any, record: Any) -> Any:
    """Insert a record (the database assigns an autoincrement key given as 0); returns it as stored."""
    return _write(conn, record, replace=False)


def replace(conn: Any, record: Any) -> Any:
    """Insert or overwrite the record with the same key; returns it as stored."""
    return _write(conn, record, replace=True)


def _write(conn: Any, record: Any, *, replace: bool) -> Any:
    table = TABLES[type(record)]
    row = to_row(record)
    dialect = getattr(conn, "dialect", SQLITE)
    returned = conn.execute(_sql(dialect, table.name, table.keys, tuple(row), replace), tuple(row.values())).fetchall()
    return stored(record, row, returned[0][0] if returned else None)


@cache
def _sql(dialect: Dialect, table: str, keys: tuple[str, ...], columns: tuple[str, ...], replace: bool) -> str:
    """The statement writing these columns (made once per table and column set), returning the (first) key.

    >>> print(_sql(SQLITE, "r", ("code",), ("code", "n"), True))
    INSERT INTO r ("code", "n") VALUES (?, ?) ON CONFLICT ("code") DO UPDATE SET "n" = excluded."n" RETURNING "code"
    """
    cols = ", ".join(f'"{c}"' for c in columns)
    sql = f"INSERT INTO {table} ({cols}) VALUES ({dialect.marks(columns)})"
    if replace:
        rest = [f'"{c}" = excluded."{c}"' for c in columns if c not in keys]
        conflict = ", ".join(f'"{k}"' for k in keys)
        sql += f" ON CONFLICT ({conflict}) DO " + (f"UPDATE SET {', '.join(rest)}" if rest else "NOTHING")
    return f'{sql} RETURNING "{keys[0]}"'


def stored(record: Any, row: dict[str, Any], rowid: int | None) -> Any:
    """The record as the database now holds it: its assigned key, and the values computed at write time.

    Equal to reading the row back (``tests/unit/store/test_tables.py`` checks it), without the round trip.
    """
    table = TABLES[type(record)]
    changes: dict[str, Any] = {}
    if table.autoincrement and not getattr(record, table.key):
        changes[table.key] = rowid
    if isinstance(record, r.Spatial):
        changes["geojson"] = row["geojson"]
        if table.measure == "area_m2":
            changes["area_m2"] = row["area_m2"]
        elif table.measure == "length_m":
            changes["length_m"] = row["length_m"]
    return dataclasses.replace(record, **changes) if changes else record


def key_of(record: Any) -> Any:
    """A record's key: the value of its key column, or a tuple of them for a key of several columns."""
    keys = TABLES[type(record)].keys
    return getattr(record, keys[0]) if len(keys) == 1 else tuple(getattr(record, k) for k in keys)


def key_text(record: Any) -> str:
    """A record's key as text (the change feed's): values joined by ``|``.

    >>> key_text(r.CreditScore(2023, 91.5, "PC001")), key_text(r.Meeting(7, 1, None, "JOINT_MEETING"))
    ('PC001|2023', '7')
    """
    key = key_of(record)
    return "|".join(map(str, key)) if isinstance(key, tuple) else str(key)


def parse_key(cls: type, text: str) -> Any:
    """The key :func:`key_text` wrote, with each part of its column's type."""
    table = TABLES[cls]
    hints = _hints(cls)
    parts = text.split("|") if len(table.keys) > 1 else [text]
    values = tuple(_base(hints[k])(v) for k, v in zip(table.keys, parts, strict=True))
    return values[0] if len(values) == 1 else values


def _where(table: Table) -> str:
    return " AND ".join(f'"{k}" = ?' for k in table.keys)


def delete(conn: Any, record: Any) -> None:
    table = TABLES[type(record)]
    key = key_of(record)
    conn.execute(f"DELETE FROM {table.name} WHERE {_where(table)}", key if isinstance(key, tuple) else (key,))


def reread(conn: Any, cls: type, key: Any, original: Any = None) -> Any:
    table = TABLES[cls]
    params = key if isinstance(key, tuple) else (key,)
    row = conn.execute(f"SELECT * FROM {table.name} WHERE {_where(table)}", params).fetchone()
    geometry = getattr(original, "geometry", None)
    if issubclass(cls, r.Spatial) and row is not None and geometry is None:
        geometry = shapely.from_wkb(row["geom"])
    return from_row(cls, row, geometry)


def read_columns(conn_or_db: Any, cls: type, order: str | None = None) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every row of a table, in key order, as columns of the database's values: (names, columns); the
    fields of ``cls`` the table has, and ``geom`` last for a spatial record."""
    table = TABLES[cls]
    read = conn_or_db.read if hasattr(conn_or_db, "read") else lambda sql: conn_or_db.execute(sql).fetchall()
    probe = read(f"SELECT * FROM {table.name} LIMIT 1")
    if not probe:
        return [], []
    present = set(probe[0].keys())
    names = [name for name, _ in _loaders(cls) if name in present]
    spatial = issubclass(cls, r.Spatial)
    selected = ", ".join(f'"{n}"' for n in names) + (", geom" if spatial else "")
    rows = read(f"SELECT {selected} FROM {table.name} ORDER BY {order or table.key}")  # "a,b" orders by both
    columns = list(zip(*rows, strict=True))
    return names + (["geom"] if spatial else []), columns


def read_all(conn_or_db: Any, cls: type, order: str | None = None) -> list[Any]:
    """Every record of a table, in key order, built column by column (``build``); spatial geometry
    decoded in one vectorised call. A million occupations load in about 4 s instead of 14 row by row."""
    names, columns = read_columns(conn_or_db, cls, order)
    if not columns:
        return []
    values: dict[str, Any] = {}
    loaders = dict(_loaders(cls))
    for name, column in zip(names, columns, strict=True):
        if name != "geom":
            values[name] = _convert(column, loaders[name])
    if names[-1] != "geom":
        return build(cls, values, len(columns[0]))
    wkb = np.asarray(columns[-1], dtype=object)
    values["geometry"] = shapely.from_wkb(wkb, on_invalid="ignore")
    made = build(cls, values, len(columns[0]))
    bad = geometry_faults(conn_or_db, cls, values[TABLES[cls].keys[0]], wkb, values["geometry"], values["geojson"])
    return [x for i, x in enumerate(made) if i not in bad] if bad else made


def geometry_faults(conn_or_db: Any, cls: type, keys: Any, wkb: Any, geoms: Any, geojson: Any) -> set[int]:
    """The positions of rows whose geometry (WKB decoded as ``geoms``, None where it did not decode) or stored
    GeoJSON breaks the store's contract, when ``conn_or_db`` keeps faults (``hub.store.faults.Screened``: they
    join its list); else none."""
    kept_faults = getattr(conn_or_db, "faults", None)
    if kept_faults is None:
        return set()
    from hub.store.faults import Fault, geometry_faults, served_json

    name = TABLES[cls].name
    bad = geometry_faults(name, keys, wkb, geoms)
    for i, text in enumerate(geojson):
        if i not in bad and not served_json(text):
            bad[i] = Fault(name, str(keys[i]), "geojson", text, "not a GeoJSON object")
    kept_faults.extend(bad.values())
    return set(bad)


def _convert(column: tuple[Any, ...], load: Any) -> Any:
    """A column's values converted by ``load``; repeated values (dates, kinds, states) converted once each."""
    if load is None:
        return column
    distinct = set(column)
    if len(distinct) * 4 < len(column):
        known = {v: load(v) for v in distinct}
        return list(map(known.__getitem__, column))
    return list(map(load, column))


def build(cls: type, values: dict[str, Any], n: int) -> list[Any]:
    """``n`` records of a frozen dataclass from columns of field values (a field without a column gets its
    default), without calling ``__init__`` once per record: a frozen dataclass's ``__init__`` sets each field
    through ``object.__setattr__``, about 2 µs a record of eleven fields; setting each slot for a whole column
    at once is a quarter of that. Equal to ``cls(**fields)`` record for record (``tests/unit/store/test_tables.py``).
    """
    made: list[Any] = list(map(object.__new__, repeat(cls, n)))
    for f in dataclasses.fields(cls):
        column = values.get(f.name)
        if column is None:
            if f.default is dataclasses.MISSING:
                raise TypeError(f"{cls.__name__}: no values for {f.name}")
            column = repeat(f.default, n)
        deque(map(getattr(cls, f.name).__set__, made, column), maxlen=0)
    return made


def key_type(cls: type) -> type:
    """The Python type of a table's (first) key column (``int`` for ids, ``str`` for codes)."""
    kind = _base(_hints(cls)[TABLES[cls].keys[0]])
    return kind if isinstance(kind, type) else str
