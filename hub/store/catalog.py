"""The in-memory side of the store: every record, and a spatial index per spatial layer.

Loaded from the database when the store opens and kept current by every write, so reads never
touch SQLite. A :class:`Layer` keeps its records in a list whose positions never change (a deleted
record leaves ``None``), so positions serve as stable page cursors.
"""

from __future__ import annotations

import dataclasses
import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any, Generic, TypeVar, cast

import numpy as np
import orjson
import shapely

from hub.geo.generalize import Generalized
from hub.geo.index import SpatialIndex
from hub.store import applying, faults, tables
from hub.store import records as r
from hub.store.base import Reader
from hub.store.columns import LazyRecords, TableColumns
from hub.store.tables import TABLES

R = TypeVar("R", bound=r.Spatial)

JOURNAL = 65_536
"""Writes a layer remembers the positions of (``Layer.changed_since``); older ones mean a full rebuild."""


class Layer(Generic[R]):
    """Spatial records of one kind, their index, and lookup by key."""

    def __init__(self, name: str, records: list[R], key: Callable[[R], Hashable], *, tiling: bool = False) -> None:
        self.name = name
        self._key = key
        self._records: list[R | None] | LazyRecords = list(records)
        self._index = SpatialIndex([x.geometry for x in records])
        self._by_key: dict[Hashable, int] = {key(x): i for i, x in enumerate(records)}
        self.tiling = tiling
        """The layer tiles the ground (neighbours share borders): it is generalised as a coverage."""
        self._generalized: Generalized | None = None
        self._variants: dict[Hashable, list[Any]] = {}
        self._all: tuple[int, np.ndarray] | None = None
        self.version = 0
        """Bumped by every write to the layer (tile and response caches key on it)."""
        self._journal: tuple[int, list[int]] = (0, [])
        """(base version, the position of each write since it, oldest first); replaced whole when trimmed."""

    @classmethod
    def from_columns(cls, name: str, columns: TableColumns, *, tiling: bool = False) -> Layer[Any]:
        """A layer whose geometries are decoded when first needed, and whose records are made from
        ``columns`` a position at a time when first asked for (``hub.store.columns``)."""
        layer: Layer[Any] = cls(name, [], KEYS.get(name, lambda x: x.id), tiling=tiling)
        if columns.n == 0:
            return layer

        def decode() -> np.ndarray:
            geoms = columns.geometries()
            columns.drop("geom")  # the WKB is not needed once decoded
            return geoms

        layer._index = SpatialIndex.deferred(decode, columns.n)
        layer._records = LazyRecords(columns, lambda: layer._index.geoms)
        layer._by_key = dict(zip(columns.keys(), range(columns.n), strict=True))
        return layer

    @property
    def records(self) -> list[R | None]:
        """Every position's record (None where one was deleted). Made from columns when first asked for
        on a layer loaded from them; the plain list once every record is made."""
        recs = self._records
        if type(recs) is LazyRecords and recs.complete:
            self._records = recs = recs.made
        return cast(list[R | None], recs)

    def _prefill(self, positions: np.ndarray) -> np.ndarray:
        """Make the records at ``positions`` in one batch, before the caller reads them one by one."""
        recs = self._records
        if type(recs) is LazyRecords and not recs.complete and len(positions):
            recs.fill(np.asarray(positions, dtype=np.intp))
        return positions

    def warm(self) -> None:
        """Decode the geometries, build the spatial tree and make every record now, rather than in the
        first queries that need them (between chunks of records, other threads get their turn)."""
        self._index.warm()
        recs = self._records
        if type(recs) is LazyRecords:
            recs.fill_all(pause=lambda: time.sleep(0.001))

    def key_of(self, record: R) -> Hashable:
        return self._key(record)

    @property
    def generalized(self) -> Generalized:
        """Per-zoom-band simplified copies of a tiling layer, built on first use and kept current."""
        if self._generalized is None:
            self._generalized = Generalized([x.geometry if x is not None else None for x in self.records])
        return self._generalized

    def variant(self, key: Hashable, pos: int, build: Callable[[int], Any], *, keep: bool = True) -> Any:
        """A value derived from the record at ``pos`` (serialised geometry in another CRS, a feature's
        bytes…), computed once per (key, position) and forgotten when that record is written.
        ``keep=False`` uses a kept value but does not keep a new one (whole-layer exports)."""
        return self.variants(key, [pos], build, keep=keep)[0]

    def variants(
        self, key: Hashable, positions: list[int], build: Callable[[int], Any], *, keep: bool = True
    ) -> list[Any]:
        """``variant`` for many positions at once (one lookup of the cache, misses built in place)."""
        cache = self._variants.get(key)
        if cache is None:
            if not keep:
                return [build(p) for p in positions]
            cache = self._variants[key] = [None] * len(self.records)
        if len(cache) < len(self.records):
            cache.extend([None] * (len(self.records) - len(cache)))
        if not positions:
            return []
        out = list(itemgetter(*positions)(cache)) if len(positions) > 1 else [cache[positions[0]]]
        if None in out:  # a C-level scan; the loop runs only when something is still to be built
            for i, value in enumerate(out):
                if value is None:
                    p = positions[i]
                    out[i] = build(p)
                    if keep:
                        cache[p] = out[i]
        return out

    def changed_since(self, version: int) -> np.ndarray | None:
        """Sorted positions written since ``version`` (empty if none), or None when the journal no
        longer reaches back that far: derived arrays update only those, or rebuild on None."""
        now = self.version
        base, journal = self._journal
        if not base <= version <= now:
            return None
        return np.unique(np.asarray(journal[version - base : now - base], dtype=np.intp))

    def _forget(self, pos: int) -> None:
        base, journal = self._journal
        if len(journal) >= JOURNAL:  # keep the newer half, as a new list: readers may hold the old one
            drop = len(journal) // 2
            base, journal = base + drop, journal[drop:]
        journal.append(pos)
        self._journal = (base, journal)
        self.version += 1
        for cache in self._variants.values():
            if pos < len(cache):
                cache[pos] = None
        if len(self._variants) > 64:
            self._variants.clear()

    def __len__(self) -> int:
        return len(self._by_key)

    def __iter__(self) -> Iterator[R]:
        return (x for x in self.records if x is not None)

    def get(self, key: Hashable) -> R | None:
        pos = self._by_key.get(key)
        return None if pos is None else self.records[pos]

    def position(self, key: Hashable) -> int | None:
        return self._by_key.get(key)

    def at(self, positions: np.ndarray | list[int]) -> list[R]:
        self._prefill(np.asarray(positions, dtype=np.intp))
        recs = self.records
        return [x for p in positions if (x := recs[p]) is not None]

    def all_positions(self) -> np.ndarray:
        """Positions of every present record, sorted (kept until the layer is written)."""
        hit = self._all
        if hit is None or hit[0] != self.version:
            recs = self._records
            present = (
                recs.live()
                if type(recs) is LazyRecords and not recs.complete
                else np.fromiter((x is not None for x in recs), dtype=bool, count=len(recs))
            )
            live = np.flatnonzero(present)
            live.setflags(write=False)
            hit = self._all = (self.version, live)
        return hit[1]

    def query(self, **filters: Any) -> np.ndarray:
        """Sorted positions of the records meeting every given filter (see ``SpatialIndex.query``: ``bbox``,
        ``intersects``, ``within``, ``dwithin``)."""
        if not any(v is not None for v in filters.values()):
            return self._prefill(self.all_positions())
        return self._prefill(self._index.query(**filters))

    def containing(self, lon: float, lat: float) -> np.ndarray:
        """Sorted positions of the records the point is in or on (on a shared border: both neighbours)."""
        return self._prefill(self._index.contains_point(lon, lat))

    @property
    def geoms(self) -> np.ndarray:
        """Every position's geometry (None where a record was deleted), as the index holds them."""
        return self._index.geoms

    def upsert(self, record: R) -> int:
        """Add a record or replace the one with the same key; returns its position."""
        k = self._key(record)
        pos = self._by_key.get(k)
        if pos is None:
            pos = self._index.append(record.geometry)
            self._records.append(record)
            self._by_key[k] = pos
            if self._generalized is not None:
                self._generalized.append(record.geometry)
        else:
            self._records[pos] = record  # first: a record made from the columns meanwhile has the old geometry
            self._index.replace(pos, record.geometry)
            if self._generalized is not None:
                self._generalized.replace(pos, record.geometry)
        self._forget(pos)
        return pos

    def touch(self, key: Hashable) -> None:
        """Mark the record as changed without replacing it (what is derived from it, beyond the record
        itself, has changed: a case's steps)."""
        pos = self._by_key.get(key)
        if pos is not None:
            self._forget(pos)

    def delete(self, key: Hashable) -> None:
        pos = self._by_key.pop(key, None)
        if pos is not None:
            self._index.delete(pos)
            self._records[pos] = None
            if self._generalized is not None:
                self._generalized.replace(pos, None)
            self._forget(pos)


KEYS: dict[str, Callable[[Any], Hashable]] = {
    "subdistricts": lambda x: x.code,
    "communities": lambda x: x.code,
    "grids": lambda x: x.code,
    "sectors": lambda x: x.code,
    "townships": lambda x: x.code,
    "villages": lambda x: x.code,
}
"""How each layer keys its records (by ``id`` when not listed)."""


CASE_LAYERS = {"hazard": "hazards", "service_request": "service_requests"}
"""The layer of each kind of case whose steps are ``CaseStep`` records."""


TILINGS = frozenset({"subdistricts", "communities", "grids", "sectors", "townships", "villages"})
"""Layers that tile the ground (neighbours share borders): generalised as a coverage."""


def _layer(name: str, records: list[Any]) -> Layer[Any]:
    return Layer(name, records, KEYS.get(name, lambda x: x.id), tiling=name in TILINGS)


def _empty(name: str) -> Layer[Any]:
    return _layer(name, [])


@dataclass
class Catalog:
    """Every record of the store, in memory."""

    subdistricts: Layer[r.Subdistrict] = field(default_factory=lambda: _empty("subdistricts"))
    communities: Layer[r.Community] = field(default_factory=lambda: _empty("communities"))
    grids: Layer[r.Grid] = field(default_factory=lambda: _empty("grids"))
    townships: Layer[r.Township] = field(default_factory=lambda: _empty("townships"))
    villages: Layer[r.Village] = field(default_factory=lambda: _empty("villages"))
    compounds: Layer[r.Compound] = field(default_factory=lambda: _empty("compounds"))
    problems: Layer[r.Problem] = field(default_factory=lambda: _empty("problems"))
    occupations: Layer[r.Occupation] = field(default_factory=lambda: _empty("occupations"))
    public_rooms: Layer[r.PublicRoom] = field(default_factory=lambda: _empty("public_rooms"))
    sectors: Layer[r.Sector] = field(default_factory=lambda: _empty("sectors"))
    merchants: Layer[r.Merchant] = field(default_factory=lambda: _empty("merchants"))
    companies: dict[str, r.PropertyCompany] = field(default_factory=dict)
    meetings: dict[int, r.Meeting] = field(default_factory=dict)
    squads: dict[str, r.Squad] = field(default_factory=dict)
    officers: dict[str, r.Officer] = field(default_factory=dict)
    shifts: dict[str, r.Shift] = field(default_factory=dict)
    old_town: r.OldTown | None = None
    meetings_by_compound: dict[int, list[int]] = field(default_factory=dict)
    management: dict[int, tuple[r.ManagementPeriod, ...]] = field(default_factory=dict)
    """Each compound's management periods, oldest first."""
    fee_years: tuple[r.FeeYear, ...] = ()
    incidents: Layer[r.Incident] = field(default_factory=lambda: _empty("incidents"))
    incident_steps: dict[int, list[r.IncidentStep]] = field(default_factory=dict)
    patrols: Layer[r.Patrol] = field(default_factory=lambda: _empty("patrols"))
    roster_rules: dict[str, r.RosterRule] = field(default_factory=dict)
    roster_exceptions: dict[int, r.RosterException] = field(default_factory=dict)
    roster_version: int = 0
    """Bumped by every change to roster rules or exceptions, so answers derived from them can be remembered."""
    duty_officers: dict[str, r.DutyOfficer] = field(default_factory=dict)
    duty_lines: dict[str, r.DutyLine] = field(default_factory=dict)
    duty_shifts: dict[str, r.Shift] = field(default_factory=dict)
    duty_rules: dict[str, r.DutyRule] = field(default_factory=dict)
    duty_exceptions: dict[int, r.DutyException] = field(default_factory=dict)
    duty_version: int = 0
    """Bumped by every change to the townships' duty rules or exceptions."""
    weather_events: dict[str, r.WeatherEvent] = field(default_factory=dict)
    guidance_groups: dict[str, r.GuidanceGroup] = field(default_factory=dict)
    technicians: dict[str, r.Technician] = field(default_factory=dict)
    guidance_visits: Layer[r.GuidanceVisit] = field(default_factory=lambda: _empty("guidance_visits"))
    safety_campaigns: dict[str, r.SafetyCampaign] = field(default_factory=dict)
    premises: Layer[r.Premises] = field(default_factory=lambda: _empty("premises"))
    inspections: Layer[r.Inspection] = field(default_factory=lambda: _empty("inspections"))
    hazards: Layer[r.Hazard] = field(default_factory=lambda: _empty("hazards"))
    volunteer_teams: dict[str, r.VolunteerTeam] = field(default_factory=dict)
    volunteers: dict[str, r.Volunteer] = field(default_factory=dict)
    service_requests: Layer[r.ServiceRequest] = field(default_factory=lambda: _empty("service_requests"))
    case_steps: dict[tuple[str, int], list[r.CaseStep]] = field(default_factory=dict)
    """The steps of hazards and service requests, by (kind, case id), oldest first."""
    memo: dict[Any, Any] = field(default_factory=dict)
    """Answers the domain derives and remembers (keyed with the version of what they derive from)."""
    generation: int = 0
    """Bumped by every record applied: anything derived from the whole catalog can key on it."""
    records_version: int = 0
    """Bumped by every change to the records kept outside layers (companies and their scores, meetings,
    management periods, fee years): answers derived from them key on it."""
    faults: tuple[Any, ...] = ()
    """Stored rows left out because they break the store's contract (``hub.store.faults``)."""

    @property
    def _layers_by_type(self) -> dict[type, Layer[Any]]:
        """The layers that writes change, by the type of their records."""
        return {
            r.Occupation: self.occupations,
            r.Incident: self.incidents,
            r.Patrol: self.patrols,
            r.GuidanceVisit: self.guidance_visits,
            r.Premises: self.premises,
            r.Inspection: self.inspections,
            r.Hazard: self.hazards,
            r.ServiceRequest: self.service_requests,
        }

    @property
    def _kept_by_type(self) -> dict[type, dict[Any, Any]]:
        """The records outside layers that writes change (duty officers and lines, guidance, campaigns,
        volunteers), by their type."""
        return {
            r.WeatherEvent: self.weather_events,
            r.GuidanceGroup: self.guidance_groups,
            r.Technician: self.technicians,
            r.SafetyCampaign: self.safety_campaigns,
            r.VolunteerTeam: self.volunteer_teams,
            r.Volunteer: self.volunteers,
            r.DutyOfficer: self.duty_officers,
            r.DutyLine: self.duty_lines,
        }

    def layers(self) -> dict[str, Layer[Any]]:
        """Every spatial layer, by name."""
        return {f.name: v for f in dataclasses.fields(self) if isinstance(v := getattr(self, f.name), Layer)}

    def apply(self, record: Any, *, deleted: bool = False) -> None:
        """Bring the in-memory side up to date with a record just committed (or deleted)."""
        self.generation += 1
        layer = self._layers_by_type.get(type(record))
        if layer is not None and deleted:
            layer.delete(layer.key_of(record))
        elif layer is not None:
            layer.upsert(record)
        elif isinstance(record, r.IncidentStep):
            steps = self.incident_steps.setdefault(record.incident_id, [])
            if deleted:
                steps[:] = [s for s in steps if s.id != record.id]
            else:  # applied once, from whichever side came first
                _put_step(steps, record)
            self.incidents.touch(record.incident_id)  # the figures derived from its steps change
        elif isinstance(record, r.RosterRule):
            self.roster_rules[record.squad_code] = record
            self.roster_version += 1
        elif isinstance(record, r.RosterException):
            if deleted:
                self.roster_exceptions.pop(record.id, None)
            else:
                self.roster_exceptions[record.id] = record
            self.roster_version += 1  # after: a reader that sees the new version sees the exception
        elif isinstance(record, r.DutyRule):
            self.duty_rules[record.township_code] = record
            self.duty_version += 1
        elif isinstance(record, r.DutyException):
            if deleted:
                self.duty_exceptions.pop(record.id, None)
            else:
                self.duty_exceptions[record.id] = record
            self.duty_version += 1  # after: a reader that sees the new version sees the exception
        elif type(record) in self._kept_by_type:
            kept = self._kept_by_type[type(record)]
            key = tables.TABLES[type(record)].key
            if deleted:
                kept.pop(getattr(record, key), None)
            else:
                kept[getattr(record, key)] = record
        elif isinstance(record, r.CaseStep):
            case_steps = self.case_steps.setdefault((record.kind, record.case_id), [])
            if deleted:
                case_steps[:] = [s for s in case_steps if s.id != record.id]
            else:  # applied once, from whichever side came first
                _put_step(case_steps, record)
            getattr(self, CASE_LAYERS[record.kind]).touch(record.case_id)  # the figures derived from its steps change
        elif isinstance(record, r.FrontageAgreement):
            merchant = self.merchants.get(record.merchant_id)
            if merchant is not None:
                self.merchants.upsert(dataclasses.replace(merchant, agreement=None if deleted else record))
        else:
            applying.apply(self, record, deleted)

    def current(self, cls: type, key: Any) -> Any:
        """The record of this kind and key the catalog holds now, or None (for a change that deleted it)."""
        if cls is r.IncidentStep:
            return next((s for steps in self.incident_steps.values() for s in steps if s.id == key), None)
        if cls is r.RosterRule:
            return self.roster_rules.get(key)
        if cls is r.RosterException:
            return self.roster_exceptions.get(key)
        if cls is r.DutyRule:
            return self.duty_rules.get(key)
        if cls is r.DutyException:
            return self.duty_exceptions.get(key)
        if cls in self._kept_by_type:
            return self._kept_by_type[cls].get(key)
        if cls is r.FrontageAgreement:
            merchant = self.merchants.get(key)
            return None if merchant is None else merchant.agreement
        if cls is r.CaseStep:
            return next((s for steps in self.case_steps.values() for s in steps if s.id == key), None)
        layer = self._layers_by_type.get(cls)
        if layer is None:
            return applying.current(self, cls, key)
        return layer.get(key)

    def held(self, cls: type) -> int | None:
        """How many records of a columnar kind (``COLUMNAR``) the catalog holds; None for frontage agreements,
        held on their merchants (one whose merchant is left out is not held)."""
        by_kind: dict[type, Any] = {
            r.RosterRule: self.roster_rules,
            r.RosterException: self.roster_exceptions,
            r.DutyRule: self.duty_rules,
            r.DutyException: self.duty_exceptions,
            **self._kept_by_type,
            **self._layers_by_type,
        }
        if cls is r.IncidentStep:
            return sum(map(len, self.incident_steps.values()))
        if cls is r.CaseStep:
            return sum(map(len, self.case_steps.values()))
        if cls is r.FrontageAgreement:
            return None
        return len(by_kind[cls])


def _put_step(steps: list[Any], record: Any) -> None:
    """Add a case's step to its list, or put it in place of the step with its id (a step is added once)."""
    at = next((i for i, s in enumerate(steps) if s.id == record.id), None)
    if at is None:
        steps.append(record)
    elif steps[at] != record:
        steps[at] = record


def _d(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)


def _spatial(db: Reader, table: str, columns: str, order: str) -> tuple[list[Any], list[Any]]:
    rows = db.read(f"SELECT {columns}, geom, geojson FROM {table} ORDER BY {order}")
    if not rows:
        return [], []
    wkb = [row["geom"] for row in rows]
    geoms = shapely.from_wkb(np.asarray(wkb, dtype=object), on_invalid="ignore")
    keys = [row[0] for row in rows]
    bad = faults.geometry_faults(table, keys, wkb, geoms)
    for i, row in enumerate(rows):
        if i not in bad and not faults.served_json(row["geojson"]):
            bad[i] = faults.Fault(table, str(keys[i]), "geojson", row["geojson"], "not a GeoJSON object")
    if bad and isinstance(db, faults.Screened):
        db.faults.extend(bad.values())
    keep = [i for i in range(len(rows)) if i not in bad]
    return [rows[i] for i in keep], [geoms[i] for i in keep]


COLUMNAR: tuple[type, ...] = tuple(cls for cls in TABLES if cls not in applying.KEPT)
"""The tables written while the hub runs (``hub.store.tables.TABLES``) that grow to millions of rows: cases,
their steps, patrols, visits, inspections, rosters and the records beside them. They are loaded as columns
(from the database, or from a snapshot of them) and followed by the change log. The governance records
(``hub.store.applying.KEPT``: compounds, committees, meetings, ...) and the data set's tables are read as
records, from the database, at every start."""


def read_columns(reader: Reader) -> dict[type, TableColumns]:
    """Every row of the columnar tables, as columns (what a snapshot holds); each table's rows that break the
    store's contract are left out and named in its ``faults``."""
    out: dict[type, TableColumns] = {}
    for cls in COLUMNAR:
        screened = faults.Screened(reader)
        out[cls] = TableColumns.read(screened, cls)
        out[cls].faults = list(screened.faults)
    return out


def _eager(columns: TableColumns) -> list[Any]:
    return columns.records(np.arange(columns.n)) if columns.n else []


def _lazy(name: str, columns: TableColumns) -> Layer[Any]:
    return Layer.from_columns(name, columns, tiling=name in TILINGS)


def load_catalog(reader: Reader, columns: dict[type, TableColumns] | None = None) -> Catalog:
    """Read every table into records and build the spatial indexes; the columnar tables' rows are
    ``columns`` when given (a snapshot's), read from ``reader`` otherwise. Rows that break the store's
    contract are left out and named in ``Catalog.faults`` (``hub.store.faults``)."""
    cols = read_columns(reader) if columns is None else columns
    db = faults.Screened(reader)
    for held in cols.values():
        db.faults.extend(held.faults)
    rows, g = _spatial(db, "subdistricts", "code, name, kind, area_m2", "code")
    subdistricts = [
        r.Subdistrict(g[i], x["geojson"], x["code"], x["name"], x["kind"], x["area_m2"]) for i, x in enumerate(rows)
    ]
    rows, g = _spatial(db, "communities", "code, name, subdistrict_code, area_m2", "code")
    communities = [
        r.Community(g[i], x["geojson"], x["code"], x["name"], x["subdistrict_code"], x["area_m2"])
        for i, x in enumerate(rows)
    ]
    rows, g = _spatial(db, "grids", "code, community_code, worker_name, worker_phone, area_m2", "code")
    grids = [
        r.Grid(
            g[i],
            x["geojson"],
            x["code"],
            x["community_code"],
            x["worker_name"],
            x["worker_phone"],
            x["area_m2"],
        )
        for i, x in enumerate(rows)
    ]
    rows, g = _spatial(db, "townships", "code, name, kind, area_m2", "code")
    townships = [
        r.Township(g[i], x["geojson"], x["code"], x["name"], x["kind"], x["area_m2"]) for i, x in enumerate(rows)
    ]
    rows, g = _spatial(db, "villages", "code, name, township_code, area_m2", "code")
    villages = [
        r.Village(g[i], x["geojson"], x["code"], x["name"], x["township_code"], x["area_m2"])
        for i, x in enumerate(rows)
    ]

    scores: dict[str, list[r.CreditScore]] = defaultdict(list)
    for x in db.read("SELECT company_id, year, score FROM credit_scores ORDER BY company_id, year"):
        scores[x["company_id"]].append(r.CreditScore(x["year"], x["score"], x["company_id"]))
    companies = {
        x["id"]: r.PropertyCompany(x["id"], x["name"], x["credit_code"], x["hotline"], tuple(scores[x["id"]]))
        for x in db.read("SELECT * FROM property_companies ORDER BY id")
    }

    committees = {
        x["compound_id"]: r.Committee(
            x["kind"], date.fromisoformat(x["established_on"]), x["members"], x["chair_name"], x["compound_id"]
        )
        for x in db.read("SELECT * FROM committees")
    }
    branches = {
        x["compound_id"]: r.PartyBranch(
            date.fromisoformat(x["established_on"]),
            bool(x["provisional"]),
            x["secretary_name"],
            x["secretary_role"],
            x["owner_party_members"],
            x["retired_party_members"],
            x["deputies"],
            x["property_company_party_members"],
            x["compound_id"],
        )
        for x in db.read("SELECT * FROM party_branches")
    }
    rows, g = _spatial(db, "compounds", "*", "id")
    compounds = [
        r.Compound(
            g[i],
            x["geojson"],
            x["id"],
            x["name"],
            x["community_code"],
            x["subdistrict_code"],
            x["households"],
            x["year_built"],
            x["management_mode"],
            x["property_company_id"],
            bool(x["formerly_unmanaged"]),
            bool(x["collects_fees"]),
            x["fee_yuan_per_m2_month"],
            x["building_heads"],
            committees.get(x["id"]),
            branches.get(x["id"]),
            x["area_m2"],
        )
        for i, x in enumerate(rows)
    ]

    meetings = {
        x["id"]: r.Meeting(
            x["id"],
            x["compound_id"],
            date.fromisoformat(x["held_on"]),
            x["kind"],
            tuple(orjson.loads(x["parties"])),
        )
        for x in db.read("SELECT * FROM meetings ORDER BY id")
    }
    by_compound: dict[int, list[int]] = defaultdict(list)
    for m in meetings.values():
        by_compound[m.compound_id].append(m.id)

    rows, g = _spatial(db, "problems", "*", "id")
    problems = [
        r.Problem(
            g[i],
            x["geojson"],
            x["id"],
            x["meeting_id"],
            x["compound_id"],
            x["category"],
            x["description"],
            bool(x["solved"]),
            _d(x["solved_on"]),
        )
        for i, x in enumerate(rows)
    ]
    occupations = _lazy("occupations", cols[r.Occupation])
    rows, g = _spatial(db, "public_rooms", "*", "id")
    rooms = [
        r.PublicRoom(g[i], x["geojson"], x["id"], x["compound_id"], x["floor_area_m2"], x["use"], _d(x["recovered_on"]))
        for i, x in enumerate(rows)
    ]
    rows, g = _spatial(db, "sectors", "*", "code")
    sectors = [
        r.Sector(g[i], x["geojson"], x["code"], x["name"], x["squad_code"], x["area_m2"]) for i, x in enumerate(rows)
    ]
    agreements = {a.merchant_id: a for a in _eager(cols[r.FrontageAgreement])}
    rows, g = _spatial(db, "merchants", "*", "id")
    merchants = [
        r.Merchant(
            g[i],
            x["geojson"],
            x["id"],
            x["name"],
            x["trade"],
            x["sector_code"],
            x["frontage"],
            agreements.get(x["id"]),
        )
        for i, x in enumerate(rows)
    ]

    management: dict[int, list[r.ManagementPeriod]] = defaultdict(list)
    for x in db.read("SELECT * FROM management_periods ORDER BY compound_id, since IS NOT NULL, since, id"):
        management[x["compound_id"]].append(
            r.ManagementPeriod(x["id"], x["compound_id"], _d(x["since"]), x["mode"], x["property_company_id"])
        )
    fee_years = tuple(
        r.FeeYear(x["compound_id"], x["year"], bool(x["collecting"]), x["rate"])
        for x in db.read("SELECT * FROM fee_years ORDER BY year, compound_id")
    )

    town = db.read_one("SELECT * FROM old_town WHERE id = 1")
    steps: dict[int, list[r.IncidentStep]] = defaultdict(list)
    for step in _eager(cols[r.IncidentStep]):
        steps[step.incident_id].append(step)
    steps = dict(steps)
    case_steps: dict[tuple[str, int], list[r.CaseStep]] = defaultdict(list)
    for cs in _eager(cols[r.CaseStep]):
        case_steps[(cs.kind, cs.case_id)].append(cs)
    return Catalog(
        subdistricts=_layer("subdistricts", subdistricts),
        communities=_layer("communities", communities),
        grids=_layer("grids", grids),
        townships=_layer("townships", townships),
        villages=_layer("villages", villages),
        compounds=_layer("compounds", compounds),
        problems=_layer("problems", problems),
        occupations=occupations,
        public_rooms=_layer("public_rooms", rooms),
        sectors=_layer("sectors", sectors),
        merchants=_layer("merchants", merchants),
        companies=companies,
        meetings=meetings,
        squads={
            x["code"]: r.Squad(x["code"], x["name"], x["sector_code"], x["hotline"])
            for x in db.read("SELECT * FROM squads ORDER BY code")
        },
        officers={
            x["id"]: r.Officer(
                x["id"], x["squad_code"], x["name"], x["phone"], x["service"], x["role"], x["shift_code"]
            )
            for x in db.read("SELECT * FROM officers ORDER BY id")
        },
        shifts={
            x["code"]: r.Shift(x["code"], x["name"], x["start"], x["end"])
            for x in db.read("SELECT * FROM shifts ORDER BY start, code")
        },
        old_town=None
        if town is None
        else r.OldTown(town["centre_lon"], town["centre_lat"], town["centre_name"], town["radius_m"]),
        meetings_by_compound=dict(by_compound),
        management={k: tuple(v) for k, v in management.items()},
        fee_years=fee_years,
        incidents=_lazy("incidents", cols[r.Incident]),
        incident_steps=steps,
        patrols=_lazy("patrols", cols[r.Patrol]),
        roster_rules={x.squad_code: x for x in _eager(cols[r.RosterRule])},
        roster_exceptions={x.id: x for x in _eager(cols[r.RosterException])},
        duty_officers={x.id: x for x in _eager(cols[r.DutyOfficer])},
        duty_lines={x.township_code: x for x in _eager(cols[r.DutyLine])},
        duty_shifts={
            x["code"]: r.Shift(x["code"], x["name"], x["start"], x["end"])
            for x in db.read("SELECT * FROM duty_shifts ORDER BY start, code")
        },
        duty_rules={x.township_code: x for x in _eager(cols[r.DutyRule])},
        duty_exceptions={x.id: x for x in _eager(cols[r.DutyException])},
        weather_events={x.code: x for x in _eager(cols[r.WeatherEvent])},
        guidance_groups={x.code: x for x in _eager(cols[r.GuidanceGroup])},
        technicians={x.id: x for x in _eager(cols[r.Technician])},
        guidance_visits=_lazy("guidance_visits", cols[r.GuidanceVisit]),
        safety_campaigns={x.code: x for x in _eager(cols[r.SafetyCampaign])},
        premises=_lazy("premises", cols[r.Premises]),
        inspections=_lazy("inspections", cols[r.Inspection]),
        hazards=_lazy("hazards", cols[r.Hazard]),
        volunteer_teams={x.code: x for x in _eager(cols[r.VolunteerTeam])},
        volunteers={x.id: x for x in _eager(cols[r.Volunteer])},
        service_requests=_lazy("service_requests", cols[r.ServiceRequest]),
        case_steps=dict(case_steps),
        faults=tuple(db.faults),
    )
