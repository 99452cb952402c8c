"""Versioned schema of the store, for SQLite and PostgreSQL. Append a migration; never edit one that has shipped.

Each migration is written once, in SQLite's words, and translated mechanically for PostgreSQL +
PostGIS (``hub.store.dialect.postgres_ddl``: column types, geometry with SRID 4326 and a GiST
index); one that only one store needs is a :class:`Only` (the other store gets an empty step, so
version numbers stay the same in both). ``tests/unit/store/test_both_schemas.py`` checks that both
stores end with the same tables and columns.

The version lives in ``PRAGMA user_version`` (SQLite) or the ``hub_schema`` table (PostgreSQL).
Each migration runs in the writer's transaction, so a store is either at the old version or the
new one, never between.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hub.store.dialect import Dialect


@dataclass(frozen=True)
class Only:
    """A migration for one store only (``dialect`` is ``sqlite`` or ``postgresql``), written in its own SQL."""

    dialect: str
    script: str


SPATIAL = (
    "area_m2 REAL NOT NULL DEFAULT 0, geom BLOB NOT NULL, geojson TEXT NOT NULL, "
    "minx REAL NOT NULL, miny REAL NOT NULL, maxx REAL NOT NULL, maxy REAL NOT NULL"
)

MIGRATIONS: list[str | Only] = [
    # 1: the demo data model, tokens and the audit log
    f"""
    CREATE TABLE subdistricts (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, {SPATIAL});
    CREATE TABLE communities (
        code TEXT PRIMARY KEY, name TEXT NOT NULL,
        subdistrict_code TEXT NOT NULL REFERENCES subdistricts(code), {SPATIAL});
    CREATE TABLE grids (
        code TEXT PRIMARY KEY, community_code TEXT NOT NULL REFERENCES communities(code),
        worker_name TEXT NOT NULL, worker_phone TEXT NOT NULL, {SPATIAL});
    CREATE TABLE property_companies (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, credit_code TEXT NOT NULL, hotline TEXT NOT NULL);
    CREATE TABLE credit_scores (
        company_id TEXT NOT NULL REFERENCES property_companies(id), year INTEGER NOT NULL,
        score REAL NOT NULL, PRIMARY KEY (company_id, year));
    CREATE TABLE compounds (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL,
        community_code TEXT NOT NULL REFERENCES communities(code),
        subdistrict_code TEXT NOT NULL REFERENCES subdistricts(code),
        households INTEGER NOT NULL, year_built INTEGER, management_mode TEXT NOT NULL,
        property_company_id TEXT REFERENCES property_companies(id),
        formerly_unmanaged INTEGER NOT NULL, collects_fees INTEGER NOT NULL,
        fee_yuan_per_m2_month REAL, building_heads INTEGER NOT NULL DEFAULT 0, {SPATIAL});
    CREATE TABLE committees (
        compound_id INTEGER PRIMARY KEY REFERENCES compounds(id), kind TEXT NOT NULL,
        established_on TEXT NOT NULL, members INTEGER NOT NULL, chair_name TEXT NOT NULL);
    CREATE TABLE party_branches (
        compound_id INTEGER PRIMARY KEY REFERENCES compounds(id), established_on TEXT NOT NULL,
        provisional INTEGER NOT NULL, secretary_name TEXT NOT NULL, secretary_role TEXT NOT NULL,
        owner_party_members INTEGER NOT NULL, retired_party_members INTEGER NOT NULL,
        deputies INTEGER NOT NULL, property_company_party_members INTEGER NOT NULL);
    CREATE TABLE meetings (
        id INTEGER PRIMARY KEY, compound_id INTEGER NOT NULL REFERENCES compounds(id),
        held_on TEXT NOT NULL, kind TEXT NOT NULL, parties TEXT NOT NULL);
    CREATE TABLE problems (
        id INTEGER PRIMARY KEY, meeting_id INTEGER NOT NULL REFERENCES meetings(id),
        compound_id INTEGER NOT NULL REFERENCES compounds(id), category TEXT NOT NULL,
        description TEXT NOT NULL, solved INTEGER NOT NULL, solved_on TEXT, {SPATIAL});
    CREATE TABLE occupations (
        id INTEGER PRIMARY KEY, compound_id INTEGER NOT NULL REFERENCES compounds(id),
        kind TEXT NOT NULL, status TEXT NOT NULL, reported_on TEXT, cleared_on TEXT, {SPATIAL});
    CREATE TABLE public_rooms (
        id INTEGER PRIMARY KEY, compound_id INTEGER NOT NULL REFERENCES compounds(id),
        floor_area_m2 REAL NOT NULL, use TEXT NOT NULL, recovered_on TEXT, {SPATIAL});
    CREATE TABLE old_town (
        id INTEGER PRIMARY KEY CHECK (id = 1), centre_lon REAL NOT NULL, centre_lat REAL NOT NULL,
        centre_name TEXT NOT NULL, radius_m REAL NOT NULL);
    CREATE TABLE squads (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, sector_code TEXT NOT NULL, hotline TEXT NOT NULL);
    CREATE TABLE sectors (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, squad_code TEXT NOT NULL REFERENCES squads(code),
        start_bearing REAL NOT NULL, end_bearing REAL NOT NULL, {SPATIAL});
    CREATE TABLE shifts (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL);
    CREATE TABLE officers (
        id TEXT PRIMARY KEY, squad_code TEXT NOT NULL REFERENCES squads(code), name TEXT NOT NULL,
        phone TEXT NOT NULL, service TEXT NOT NULL, role TEXT NOT NULL,
        shift_code TEXT NOT NULL REFERENCES shifts(code));
    CREATE TABLE merchants (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, trade TEXT NOT NULL, sector_code TEXT,
        frontage TEXT, {SPATIAL});
    CREATE TABLE frontage_agreements (
        merchant_id TEXT PRIMARY KEY REFERENCES merchants(id), signed_on TEXT NOT NULL,
        officer_id TEXT NOT NULL REFERENCES officers(id), duties TEXT NOT NULL);
    CREATE TABLE tokens (
        id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, role TEXT NOT NULL, squad_code TEXT,
        label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
    CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, entity TEXT NOT NULL, entity_id TEXT, detail TEXT NOT NULL DEFAULT '{{}}');
    CREATE INDEX compounds_community ON compounds(community_code);
    CREATE INDEX problems_compound ON problems(compound_id);
    CREATE INDEX occupations_compound ON occupations(compound_id);
    CREATE INDEX meetings_compound ON meetings(compound_id);
    """,
]

MIGRATIONS.append(
    # 2: the field side: idempotency keys, incidents and their steps, patrols, rosters, field reports
    f"""
    CREATE TABLE idempotency_keys (
        client_id TEXT PRIMARY KEY, operation TEXT NOT NULL, actor TEXT NOT NULL,
        payload_hash TEXT NOT NULL, result TEXT NOT NULL, created_at TEXT NOT NULL);
    CREATE INDEX idempotency_created ON idempotency_keys(created_at);
    ALTER TABLE occupations ADD COLUMN reported_by TEXT NOT NULL DEFAULT '';
    ALTER TABLE occupations ADD COLUMN cleared_by TEXT NOT NULL DEFAULT '';
    CREATE TABLE incidents (
        id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE, category TEXT NOT NULL,
        description TEXT NOT NULL, photos TEXT NOT NULL, seen_at TEXT NOT NULL, reported_at TEXT NOT NULL,
        reported_by TEXT NOT NULL, sector_code TEXT, squad_code TEXT, state TEXT NOT NULL, deadline TEXT,
        closed_at TEXT, {SPATIAL});
    CREATE INDEX incidents_squad_state ON incidents(squad_code, state);
    CREATE TABLE incident_steps (
        id INTEGER PRIMARY KEY, incident_id INTEGER NOT NULL REFERENCES incidents(id), at TEXT NOT NULL,
        actor TEXT NOT NULL, action TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '');
    CREATE INDEX incident_steps_incident ON incident_steps(incident_id);
    CREATE TABLE patrols (
        id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,
        squad_code TEXT NOT NULL REFERENCES squads(code), officer_ids TEXT NOT NULL,
        started_at TEXT NOT NULL, ended_at TEXT NOT NULL, point_times TEXT NOT NULL,
        length_m REAL NOT NULL, logged_by TEXT NOT NULL, {SPATIAL});
    CREATE TABLE roster_rules (
        squad_code TEXT PRIMARY KEY REFERENCES squads(code), anchor TEXT NOT NULL, cycle TEXT NOT NULL,
        teams TEXT NOT NULL, updated_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE roster_exceptions (
        id INTEGER PRIMARY KEY, on_date TEXT NOT NULL, officer_id TEXT NOT NULL REFERENCES officers(id),
        kind TEXT NOT NULL, shift_code TEXT, sector_code TEXT, swap_with TEXT, note TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL DEFAULT '');
    CREATE INDEX roster_exceptions_date ON roster_exceptions(on_date);
    """
)

MIGRATIONS.append(
    # 3: drop indexes no query uses (reads are served from memory; the purge of old idempotency keys
    # at start scans the table once). Each cost a page write, and so time, on every reportIncident.
    """
    DROP INDEX IF EXISTS incidents_squad_state;
    DROP INDEX IF EXISTS incident_steps_incident;
    DROP INDEX IF EXISTS idempotency_created;
    """
)

MIGRATIONS.append(
    # 4: who was served whose personal data unmasked (hub.store.disclosures)
    """
    CREATE TABLE disclosures (
        id INTEGER PRIMARY KEY, first_at TEXT NOT NULL, last_at TEXT NOT NULL, actor TEXT NOT NULL,
        role TEXT NOT NULL, kind TEXT NOT NULL, subjects TEXT NOT NULL, views INTEGER NOT NULL);
    CREATE INDEX disclosures_last_at ON disclosures(last_at);
    """
)

MIGRATIONS.append(
    # 5: idempotency keys belong to the caller who sent them: the same UUID from another token is another
    # key (a replay never hands one caller another's result, and a conflict never names another's request)
    """
    CREATE TABLE idempotency_keys_new (
        actor TEXT NOT NULL, client_id TEXT NOT NULL, operation TEXT NOT NULL, payload_hash TEXT NOT NULL,
        result TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (actor, client_id));
    INSERT INTO idempotency_keys_new (actor, client_id, operation, payload_hash, result, created_at)
        SELECT actor, client_id, operation, payload_hash, result, created_at FROM idempotency_keys;
    DROP TABLE idempotency_keys;
    ALTER TABLE idempotency_keys_new RENAME TO idempotency_keys;
    """
)

DERIVED_PERIODS = """
    INSERT INTO management_periods (compound_id, since, mode, property_company_id)
        SELECT c.id, NULL, 'UNMANAGED', NULL FROM compounds c WHERE c.formerly_unmanaged <> 0 ORDER BY c.id;
    INSERT INTO management_periods (compound_id, since, mode, property_company_id)
        SELECT c.id, CASE WHEN c.formerly_unmanaged <> 0 THEN m.established_on END, c.management_mode,
               c.property_company_id
        FROM compounds c LEFT JOIN committees m ON m.compound_id = c.id ORDER BY c.id;
"""
"""The management periods a store's compounds imply: a formerly unmanaged compound was unmanaged until its
committee was set up, and is managed as it is now since; any other has been managed as now since it was built."""

MIGRATIONS.append(
    # 6: compounds over time: management periods (unmanaged → managed, with dates) and fee collection by year.
    # A store made before this gets the periods its compounds imply (formerly unmanaged: unmanaged until the
    # committee was set up); fee years come with a data set (fee_collection.json).
    f"""
    CREATE TABLE management_periods (
        id INTEGER PRIMARY KEY, compound_id INTEGER NOT NULL REFERENCES compounds(id), since TEXT,
        mode TEXT NOT NULL, property_company_id TEXT REFERENCES property_companies(id));
    CREATE INDEX management_periods_compound ON management_periods(compound_id);
    {DERIVED_PERIODS}
    CREATE TABLE fee_years (
        compound_id INTEGER NOT NULL REFERENCES compounds(id), year INTEGER NOT NULL,
        collecting INTEGER NOT NULL, rate REAL, PRIMARY KEY (compound_id, year));
    """
)

MIGRATIONS.append(
    # 7: the change feed (PostgreSQL): every committed change to a table the workers keep in memory, in
    # commit order (writes hold the write lock until they commit), so each worker can bring its layers
    # up to date by re-reading the rows named here; hub.store.feed. SQLite has one process, which knows
    # every write as it makes it.
    Only(
        "postgresql",
        """
        CREATE TABLE changes (
            seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, tx bigint NOT NULL, tbl text NOT NULL,
            key text NOT NULL, op text NOT NULL, origin text NOT NULL, at timestamptz NOT NULL DEFAULT now());
        CREATE INDEX changes_at ON changes (at);
        """,
    )
)

MIGRATIONS.append(
    # 8: the rural side of the district: townships (11 镇 and 2 乡) and their administrative villages (行政村)
    f"""
    CREATE TABLE townships (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, {SPATIAL});
    CREATE TABLE villages (
        code TEXT PRIMARY KEY, name TEXT NOT NULL,
        township_code TEXT NOT NULL REFERENCES townships(code), {SPATIAL});
    """
)

MIGRATIONS.append(
    # 9: the townships' 24-hour duty rosters (值班值守) and agricultural guidance in extreme weather (农技指导组);
    # technician tokens are bound to a guidance group
    f"""
    ALTER TABLE tokens ADD COLUMN group_code TEXT;
    CREATE TABLE duty_shifts (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, start TEXT NOT NULL, "end" TEXT NOT NULL);
    CREATE TABLE duty_lines (
        township_code TEXT PRIMARY KEY REFERENCES townships(code), hotline TEXT NOT NULL);
    CREATE TABLE duty_officers (
        id TEXT PRIMARY KEY, township_code TEXT NOT NULL REFERENCES townships(code), name TEXT NOT NULL,
        phone TEXT NOT NULL, role TEXT NOT NULL, shift_code TEXT NOT NULL);
    CREATE TABLE duty_rules (
        township_code TEXT PRIMARY KEY REFERENCES townships(code), anchor TEXT NOT NULL, cycle TEXT NOT NULL,
        teams TEXT NOT NULL, updated_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE duty_exceptions (
        id INTEGER PRIMARY KEY, on_date TEXT NOT NULL, staff_id TEXT NOT NULL REFERENCES duty_officers(id),
        kind TEXT NOT NULL, shift_code TEXT, township_code TEXT, swap_with TEXT, note TEXT NOT NULL DEFAULT '',
        created_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE weather_events (
        code TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, warning_level TEXT NOT NULL,
        warned_at TEXT NOT NULL, starts_on TEXT NOT NULL, ends_on TEXT, declared_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE guidance_groups (
        code TEXT PRIMARY KEY, event_code TEXT NOT NULL REFERENCES weather_events(code), name TEXT NOT NULL,
        township_codes TEXT NOT NULL, hotline TEXT NOT NULL DEFAULT '', updated_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE technicians (
        id TEXT PRIMARY KEY, group_code TEXT NOT NULL REFERENCES guidance_groups(code), name TEXT NOT NULL,
        phone TEXT NOT NULL, specialty TEXT NOT NULL, role TEXT NOT NULL);
    CREATE TABLE guidance_visits (
        id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,
        event_code TEXT NOT NULL REFERENCES weather_events(code),
        group_code TEXT NOT NULL REFERENCES guidance_groups(code),
        township_code TEXT NOT NULL REFERENCES townships(code), village_code TEXT REFERENCES villages(code),
        site TEXT NOT NULL, kind TEXT NOT NULL, visited_on TEXT NOT NULL, technician_ids TEXT NOT NULL,
        advice TEXT NOT NULL DEFAULT '', hazards_found INTEGER NOT NULL DEFAULT 0, logged_by TEXT NOT NULL,
        logged_at TEXT NOT NULL, {SPATIAL});
    """
)

MIGRATIONS.append(
    # 10: safety-hazard campaigns (premises, inspections, hazards) and residents' micro-services (volunteer teams,
    # volunteers, requests); the steps of both workflows; inspector and volunteer tokens are bound to a unit
    f"""
    ALTER TABLE tokens ADD COLUMN unit_code TEXT;
    CREATE TABLE case_steps (
        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, case_id INTEGER NOT NULL, at TEXT NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, from_state TEXT, to_state TEXT NOT NULL, note TEXT NOT NULL DEFAULT '');
    CREATE TABLE safety_campaigns (
        code TEXT PRIMARY KEY, township_code TEXT NOT NULL REFERENCES townships(code), name TEXT NOT NULL,
        starts_on TEXT NOT NULL, ends_on TEXT, departments TEXT NOT NULL, declared_by TEXT NOT NULL DEFAULT '');
    CREATE TABLE premises (
        id INTEGER PRIMARY KEY, name TEXT NOT NULL, category TEXT NOT NULL,
        township_code TEXT NOT NULL REFERENCES townships(code), village_code TEXT REFERENCES villages(code),
        registered_by TEXT NOT NULL DEFAULT '', {SPATIAL});
    CREATE TABLE inspections (
        id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,
        campaign_code TEXT NOT NULL REFERENCES safety_campaigns(code),
        premises_id INTEGER NOT NULL REFERENCES premises(id), township_code TEXT NOT NULL, category TEXT NOT NULL,
        inspected_on TEXT NOT NULL, departments TEXT NOT NULL, hazards_found INTEGER NOT NULL DEFAULT 0,
        logged_by TEXT NOT NULL, logged_at TEXT NOT NULL, {SPATIAL});
    CREATE TABLE hazards (
        id INTEGER PRIMARY KEY, inspection_id INTEGER NOT NULL REFERENCES inspections(id),
        campaign_code TEXT NOT NULL REFERENCES safety_campaigns(code),
        premises_id INTEGER NOT NULL REFERENCES premises(id), township_code TEXT NOT NULL, village_code TEXT,
        category TEXT NOT NULL, kind TEXT NOT NULL, severity TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
        found_at TEXT NOT NULL, due_on TEXT NOT NULL, state TEXT NOT NULL, closed_at TEXT,
        reported_by TEXT NOT NULL, {SPATIAL});
    CREATE TABLE volunteer_teams (
        code TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL,
        subdistrict_code TEXT NOT NULL REFERENCES subdistricts(code), community_codes TEXT NOT NULL,
        hotline TEXT NOT NULL DEFAULT '');
    CREATE TABLE volunteers (
        id TEXT PRIMARY KEY, team_code TEXT NOT NULL REFERENCES volunteer_teams(code), name TEXT NOT NULL,
        phone TEXT NOT NULL, role TEXT NOT NULL);
    CREATE TABLE service_requests (
        id INTEGER PRIMARY KEY, client_id TEXT NOT NULL UNIQUE,
        team_code TEXT NOT NULL REFERENCES volunteer_teams(code), compound_id INTEGER NOT NULL REFERENCES compounds(id),
        community_code TEXT NOT NULL, subdistrict_code TEXT NOT NULL, kind TEXT NOT NULL, channel TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '', resident_name TEXT NOT NULL DEFAULT '',
        resident_phone TEXT NOT NULL DEFAULT '', requested_at TEXT NOT NULL, deadline TEXT, state TEXT NOT NULL,
        volunteer_ids TEXT NOT NULL, rating INTEGER, closed_at TEXT, logged_by TEXT NOT NULL, {SPATIAL});
    """
)

MIGRATIONS.append(
    # 11: the change log on SQLite too (hub.store.changes): a worker that starts from a snapshot of its catalog
    # (hub.store.snapshot) applies the changes logged after it. AUTOINCREMENT: a sequence number is never
    # handed out twice, even after the newest rows are purged.
    Only(
        "sqlite",
        """
        CREATE TABLE changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, tx INTEGER NOT NULL, tbl TEXT NOT NULL, key TEXT NOT NULL,
            op TEXT NOT NULL, origin TEXT NOT NULL,
            at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));
        CREATE INDEX changes_at ON changes (at);
        """,
    )
)

MIGRATIONS.append(
    # 12: what names this store (a random id, set when it is first opened; never copied): a snapshot of the
    # catalog is used only by the store it was taken from
    "CREATE TABLE hub_identity (id TEXT NOT NULL);"
)

SCHEMA_VERSION = len(MIGRATIONS)


def migration(version: int, dialect: Dialect) -> str:
    """The SQL that takes a store of ``dialect`` from ``version`` to ``version + 1``."""
    step = MIGRATIONS[version]
    if isinstance(step, Only):
        return step.script if step.dialect == dialect.name else ""
    return dialect.ddl(step)
