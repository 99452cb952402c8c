"""Import a data set (the Suiyang demo set, or a district's own files in the same layout) into the store.

All or nothing: every row is checked first, every rejected row is reported with its file, feature
number and reason, and only a clean set is written, in one transaction. Geometry is validated by
``hub.geo.geojson``, measured on the ellipsoid and serialised once here; responses reuse that text.

The layout is documented in ``fixtures/README.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from hub.errors import HubError, InputError
from hub.geo.geojson import parse_geometry
from hub.geo.sectors import sector
from hub.store.dialect import SQLITE
from hub.store.migrations import DERIVED_PERIODS
from hub.store.tables import SPATIAL_COLUMNS, spatial_values
from hub.store.unit_of_work import stamp

if TYPE_CHECKING:
    from hub.store.base import Database

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "suiyang"


@dataclass
class ImportReport:
    """What an import did: rows per table, and every rejected row with its reason."""

    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Layer:
    file: str
    table: str
    columns: tuple[str, ...]
    geom_types: frozenset[str]
    row: Callable[[dict[str, Any]], dict[str, Any]] = lambda p: p
    measure: bool = True
    optional: bool = False
    """A data set may leave the file out (a district's own set without its rural side): nothing is loaded."""


_POLY = frozenset({"Polygon", "MultiPolygon"})
_POINT = frozenset({"Point"})

LAYERS: tuple[_Layer, ...] = (
    _Layer("subdistricts.geojson", "subdistricts", ("code", "name", "kind"), _POLY),
    _Layer("communities.geojson", "communities", ("code", "name", "subdistrict_code"), _POLY),
    _Layer("grids.geojson", "grids", ("code", "community_code", "worker_name", "worker_phone"), _POLY),
    _Layer("townships.geojson", "townships", ("code", "name", "kind"), _POLY, optional=True),
    _Layer("villages.geojson", "villages", ("code", "name", "township_code"), _POLY, optional=True),
    _Layer(
        "compounds.geojson",
        "compounds",
        (
            "id",
            "name",
            "community_code",
            "subdistrict_code",
            "households",
            "year_built",
            "management_mode",
            "property_company_id",
            "formerly_unmanaged",
            "collects_fees",
            "fee_yuan_per_m2_month",
            "building_heads",
        ),
        _POLY,
    ),
    _Layer(
        "problems.geojson",
        "problems",
        ("id", "meeting_id", "compound_id", "category", "description", "solved", "solved_on"),
        _POINT,
        measure=False,
    ),
    _Layer(
        "occupations.geojson",
        "occupations",
        ("id", "compound_id", "kind", "status", "reported_on", "cleared_on"),
        _POLY,
    ),
    _Layer(
        "public_rooms.geojson",
        "public_rooms",
        ("id", "compound_id", "floor_area_m2", "use", "recovered_on"),
        _POINT,
        row=lambda p: {**p, "floor_area_m2": p.get("area_m2")},
        measure=False,
    ),
    _Layer(
        "guidance_visits.geojson",
        "guidance_visits",
        (
            "id",
            "client_id",
            "event_code",
            "group_code",
            "township_code",
            "village_code",
            "site",
            "kind",
            "visited_on",
            "technician_ids",
            "advice",
            "hazards_found",
            "logged_by",
            "logged_at",
        ),
        _POINT,
        row=lambda p: {**p, "technician_ids": orjson.dumps(p.get("technician_ids") or []).decode()},
        measure=False,
        optional=True,
    ),
    _Layer(
        "premises.geojson",
        "premises",
        ("id", "name", "category", "township_code", "village_code"),
        _POINT,
        measure=False,
        optional=True,
    ),
    _Layer(
        "inspections.geojson",
        "inspections",
        (
            "id",
            "client_id",
            "campaign_code",
            "premises_id",
            "township_code",
            "category",
            "inspected_on",
            "departments",
            "hazards_found",
            "logged_by",
            "logged_at",
        ),
        _POINT,
        row=lambda p: {**p, "departments": _jsonish(list(p.get("departments") or []))},
        measure=False,
        optional=True,
    ),
    _Layer(
        "hazards.geojson",
        "hazards",
        (
            "id",
            "inspection_id",
            "campaign_code",
            "premises_id",
            "township_code",
            "village_code",
            "category",
            "kind",
            "severity",
            "description",
            "found_at",
            "due_on",
            "state",
            "closed_at",
            "reported_by",
        ),
        _POINT,
        measure=False,
        optional=True,
    ),
    _Layer(
        "service_requests.geojson",
        "service_requests",
        (
            "id",
            "client_id",
            "team_code",
            "compound_id",
            "community_code",
            "subdistrict_code",
            "kind",
            "channel",
            "description",
            "resident_name",
            "resident_phone",
            "requested_at",
            "deadline",
            "state",
            "volunteer_ids",
            "rating",
            "closed_at",
            "logged_by",
        ),
        _POINT,
        row=lambda p: {**p, "volunteer_ids": _jsonish(list(p.get("volunteer_ids") or []))},
        measure=False,
        optional=True,
    ),
    _Layer(
        "merchants.geojson",
        "merchants",
        ("id", "name", "trade", "sector_code", "frontage"),
        _POINT,
        row=lambda p: {**p, "frontage": orjson.dumps(p["frontage"]).decode() if p.get("frontage") else None},
        measure=False,
    ),
)


def _read_json(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise InputError(f"{path}: file not found") from exc
    except orjson.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from exc


def insert_rows(conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows into a table, in either store's dialect (geometry given as WKB)."""
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = getattr(conn, "dialect", SQLITE).marks(columns)
    conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


def _features(path: Path, layer: _Layer, report: ImportReport) -> tuple[list[dict[str, Any]], list[Any]]:
    doc = _read_json(path)
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        raise InputError(f"{path.name}: expected a GeoJSON FeatureCollection")
    props, geoms = [], []
    for i, feature in enumerate(doc.get("features") or []):
        where = f"{path.name} feature {i}"
        try:
            geom = parse_geometry(feature.get("geometry"), field=f"{where}.geometry", allowed=set(layer.geom_types))
            p = layer.row(dict(feature.get("properties") or {}))
            missing = [c for c in layer.columns if c not in p]
            if missing:
                raise InputError(f"missing properties {', '.join(missing)}", field=where)
        except HubError as exc:
            report.rejected.append(str(exc) if exc.field else f"{where}: {exc}")
            continue
        props.append(p)
        geoms.append(geom)
    return props, geoms


def _optional(path: Path, member: str) -> list[dict[str, Any]]:
    """The records under ``member`` of an optional JSON file (none when the data set has no such file)."""
    if not path.exists():
        return []
    doc = _read_json(path)
    rows = doc.get(member) if isinstance(doc, dict) else None
    if not isinstance(rows, list):
        raise InputError(f"{path.name}: expected a JSON object with a list {member!r}")
    return rows


def _date_or_none(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def import_dataset(db: Database, folder: Path | None = None) -> ImportReport:
    """Check and load a whole data set into an empty store in one transaction; raise InputError listing rejects."""
    folder = folder or DEFAULT_FIXTURES
    if not folder.is_dir():
        raise InputError(f"data set folder {folder} does not exist")
    report = ImportReport()
    staged: list[tuple[str, tuple[str, ...], list[tuple[Any, ...]]]] = []
    compounds_props: list[dict[str, Any]] = []

    companies = _read_json(folder / "property_companies.json").get("companies", [])
    staged.append(
        (
            "property_companies",
            ("id", "name", "credit_code", "hotline"),
            [(c["id"], c["name"], c["credit_code"], c["hotline"]) for c in companies],
        )
    )
    staged.append(
        (
            "credit_scores",
            ("company_id", "year", "score"),
            [(c["id"], s["year"], s["score"]) for c in companies for s in c.get("scores", [])],
        )
    )

    town = _read_json(folder / "old_town.json")
    centre = town["centre"]
    staged.append(
        (
            "old_town",
            ("id", "centre_lon", "centre_lat", "centre_name", "radius_m"),
            [(1, centre["lon"], centre["lat"], centre.get("name", ""), town["radius_m"])],
        )
    )
    staged.append(
        (
            "squads",
            ("code", "name", "sector_code", "hotline"),
            [(s["code"], s["name"], s["sector_code"], s.get("hotline", "")) for s in town["squads"]],
        )
    )
    sector_geoms = [
        sector(centre["lon"], centre["lat"], town["radius_m"], s["start_bearing"], s["end_bearing"])
        for s in town["sectors"]
    ]
    staged.append(
        (
            "sectors",
            ("code", "name", "squad_code", "start_bearing", "end_bearing", *SPATIAL_COLUMNS),
            [
                (s["code"], s["name"], s["squad_code"], s["start_bearing"], s["end_bearing"], *v)
                for s, v in zip(town["sectors"], spatial_values(sector_geoms), strict=True)
            ],
        )
    )
    staged.append(
        (
            "shifts",
            ("code", "name", "start", "end"),
            [(s["code"], s["name"], s["start"], s["end"]) for s in town["shifts"]],
        )
    )
    staged.append(
        (
            "officers",
            ("id", "squad_code", "name", "phone", "service", "role", "shift_code"),
            [
                (o["id"], o["squad_code"], o["name"], o["phone"], o["service"], o["role"], o["shift_code"])
                for o in town["officers"]
            ],
        )
    )

    for layer in LAYERS:
        if layer.optional and not (folder / layer.file).exists():
            continue
        props, geoms = _features(folder / layer.file, layer, report)
        values = spatial_values(geoms, measure=layer.measure)
        rows = [(*(_jsonish(p[c]) for c in layer.columns), *v) for p, v in zip(props, values, strict=True)]
        staged.append((layer.table, (*layer.columns, *SPATIAL_COLUMNS), rows))
        if layer.table == "compounds":
            compounds_props = props
        if layer.table == "merchants":
            staged.append(
                (
                    "frontage_agreements",
                    ("merchant_id", "signed_on", "officer_id", "duties"),
                    [
                        (p["id"], a["signed_on"], a["officer_id"], orjson.dumps(a.get("duties", [])).decode())
                        for p in props
                        if (a := p.get("agreement"))
                    ],
                )
            )

    staged.append(
        (
            "committees",
            ("compound_id", "kind", "established_on", "members", "chair_name"),
            [
                (p["id"], c["kind"], c["established_on"], c["members"], c["chair_name"])
                for p in compounds_props
                if (c := p.get("committee"))
            ],
        )
    )
    branch_cols = (
        "owner_party_members",
        "retired_party_members",
        "deputies",
        "property_company_party_members",
    )
    staged.append(
        (
            "party_branches",
            (
                "compound_id",
                "established_on",
                "provisional",
                "secretary_name",
                "secretary_role",
                *branch_cols,
            ),
            [
                (
                    p["id"],
                    b["established_on"],
                    int(bool(b["provisional"])),
                    b["secretary_name"],
                    b["secretary_role"],
                    *(int(b.get("members", {}).get(k, 0)) for k in branch_cols),
                )
                for p in compounds_props
                if (b := p.get("party_branch"))
            ],
        )
    )
    meetings = _read_json(folder / "meetings.json").get("meetings", [])
    staged.append(
        (
            "meetings",
            ("id", "compound_id", "held_on", "kind", "parties"),
            [
                (
                    m["id"],
                    m["compound_id"],
                    m["held_on"],
                    m["kind"],
                    orjson.dumps(m.get("parties", [])).decode(),
                )
                for m in meetings
            ],
        )
    )

    duty = _read_json(folder / "township_duty.json") if (folder / "township_duty.json").exists() else {}
    staged.append(
        (
            "duty_shifts",
            ("code", "name", "start", "end"),
            [(s["code"], s["name"], s["start"], s["end"]) for s in duty.get("shifts", [])],
        )
    )
    staged.append(
        (
            "duty_lines",
            ("township_code", "hotline"),
            [(x["township_code"], x["hotline"]) for x in duty.get("lines", [])],
        )
    )
    staged.append(
        (
            "duty_officers",
            ("id", "township_code", "name", "phone", "role", "shift_code"),
            [
                (o["id"], o["township_code"], o["name"], o["phone"], o["role"], o["shift_code"])
                for o in duty.get("officers", [])
            ],
        )
    )
    staged.append(
        (
            "duty_rules",
            ("township_code", "anchor", "cycle", "teams"),
            [
                (x["township_code"], x["anchor"], orjson.dumps(x["cycle"]).decode(), orjson.dumps(x["teams"]).decode())
                for x in duty.get("rules", [])
            ],
        )
    )
    guidance = _read_json(folder / "guidance.json") if (folder / "guidance.json").exists() else {}
    staged.append(
        (
            "weather_events",
            ("code", "kind", "name", "warning_level", "warned_at", "starts_on", "ends_on"),
            [
                (e["code"], e["kind"], e["name"], e["warning_level"], e["warned_at"], e["starts_on"], e.get("ends_on"))
                for e in guidance.get("events", [])
            ],
        )
    )
    staged.append(
        (
            "guidance_groups",
            ("code", "event_code", "name", "township_codes", "hotline"),
            [
                (g["code"], g["event_code"], g["name"], _jsonish(g["township_codes"]), g.get("hotline", ""))
                for g in guidance.get("groups", [])
            ],
        )
    )
    staged.append(
        (
            "technicians",
            ("id", "group_code", "name", "phone", "specialty", "role"),
            [
                (t["id"], t["group_code"], t["name"], t["phone"], t["specialty"], t["role"])
                for t in guidance.get("technicians", [])
            ],
        )
    )

    safety = _read_json(folder / "safety.json") if (folder / "safety.json").exists() else {}
    staged.append(
        (
            "safety_campaigns",
            ("code", "township_code", "name", "starts_on", "ends_on", "departments"),
            [
                (c["code"], c["township_code"], c["name"], c["starts_on"], c.get("ends_on"), _jsonish(c["departments"]))
                for c in safety.get("campaigns", [])
            ],
        )
    )
    services = _read_json(folder / "microservices.json") if (folder / "microservices.json").exists() else {}
    staged.append(
        (
            "volunteer_teams",
            ("code", "name", "kind", "subdistrict_code", "community_codes", "hotline"),
            [
                (t["code"], t["name"], t["kind"], t["subdistrict_code"], _jsonish(t["community_codes"]), t["hotline"])
                for t in services.get("teams", [])
            ],
        )
    )
    staged.append(
        (
            "volunteers",
            ("id", "team_code", "name", "phone", "role"),
            [(v["id"], v["team_code"], v["name"], v["phone"], v["role"]) for v in services.get("volunteers", [])],
        )
    )
    staged.append(
        (
            "case_steps",
            ("kind", "case_id", "at", "actor", "action", "from_state", "to_state", "note"),
            [
                (
                    x["kind"],
                    x["case_id"],
                    x["at"],
                    x["actor"],
                    x["action"],
                    x.get("from_state"),
                    x["to_state"],
                    x["note"],
                )
                for doc in (safety, services)
                for x in doc.get("steps", [])
            ],
        )
    )

    periods = _optional(folder / "management_history.json", "periods")
    staged.append(
        (
            "management_periods",
            ("id", "compound_id", "since", "mode", "property_company_id"),
            [
                (p["id"], p["compound_id"], _date_or_none(p.get("since")), p["mode"], p.get("property_company_id"))
                for p in periods
            ],
        )
    )
    fee_years = _optional(folder / "fee_collection.json", "years")
    staged.append(
        (
            "fee_years",
            ("compound_id", "year", "collecting", "rate"),
            [(f["compound_id"], f["year"], int(bool(f["collecting"])), f.get("rate")) for f in fee_years],
        )
    )

    if report.rejected:
        raise InputError(
            f"the data set in {folder} has {len(report.rejected)} rejected rows; nothing was imported:\n- "
            + "\n- ".join(report.rejected[:50])
        )

    order = [
        "subdistricts",
        "communities",
        "grids",
        "townships",
        "villages",
        "duty_shifts",
        "duty_lines",
        "duty_officers",
        "duty_rules",
        "weather_events",
        "guidance_groups",
        "technicians",
        "guidance_visits",
        "safety_campaigns",
        "premises",
        "inspections",
        "hazards",
        "property_companies",
        "credit_scores",
        "compounds",
        "committees",
        "party_branches",
        "meetings",
        "management_periods",
        "fee_years",
        "problems",
        "occupations",
        "public_rooms",
        "old_town",
        "squads",
        "sectors",
        "shifts",
        "officers",
        "merchants",
        "frontage_agreements",
        "volunteer_teams",
        "volunteers",
        "service_requests",
        "case_steps",
    ]
    staged.sort(key=lambda t: order.index(t[0]))

    def load(conn: Any) -> None:
        if conn.execute("SELECT count(*) FROM compounds").fetchone()[0]:
            raise InputError("the store already holds data; import into an empty store")
        for table, columns, rows in staged:
            try:
                insert_rows(conn, table, columns, rows)
            except db.IntegrityError as exc:
                raise InputError(f"{table}: {exc}") from exc
            report.counts[table] = len(rows)
        if not periods:  # a data set without a history: the periods its compounds imply
            for statement in DERIVED_PERIODS.split(";"):
                if statement.strip():
                    conn.execute(statement)
            report.counts["management_periods"] = conn.execute("SELECT count(*) FROM management_periods").fetchone()[0]
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity, detail) VALUES (?, 'hub init', 'import', 'dataset', ?)",
            (stamp(), orjson.dumps({"folder": str(folder), "counts": report.counts}).decode()),
        )
        if hasattr(conn, "sync_identities"):
            conn.sync_identities()

    db.write(load)
    return report


def _jsonish(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return value
