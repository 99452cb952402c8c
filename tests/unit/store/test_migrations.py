"""Migration 6 gives a store made before it the management periods its compounds imply, as the data set has them;
migration 8 gives an older store the (empty) townships and villages, and a data set may leave them out;
migration 9 the townships' duty and agricultural guidance (and the group of a technician's token); migration 10
gives an older store empty campaigns and micro-services (and the unit of an inspector's or volunteer's token);
migrations 11 (the change log on SQLite) and 12 (the store's identity) follow them."""

from __future__ import annotations

import json
import shutil
import sqlite3

from hub.store import Store
from hub.store.sqlite import SQLiteDatabase
from tests.common import FIXTURES

RURAL_FILES = (
    "townships.geojson",
    "villages.geojson",
    "township_duty.json",
    "guidance.json",
    "guidance_visits.geojson",
    "safety.json",
    "premises.geojson",
    "inspections.geojson",
    "hazards.geojson",
)
UNDO_10 = """
    DROP TABLE service_requests; DROP TABLE volunteers; DROP TABLE volunteer_teams; DROP TABLE hazards;
    DROP TABLE inspections; DROP TABLE premises; DROP TABLE safety_campaigns; DROP TABLE case_steps;
    ALTER TABLE tokens DROP COLUMN unit_code;
"""
UNDO_9 = """
    DROP TABLE guidance_visits; DROP TABLE technicians; DROP TABLE guidance_groups; DROP TABLE weather_events;
    DROP TABLE duty_exceptions; DROP TABLE duty_rules; DROP TABLE duty_officers; DROP TABLE duty_lines;
    DROP TABLE duty_shifts; ALTER TABLE tokens DROP COLUMN group_code;
"""
UNDO_8 = "DROP TABLE villages; DROP TABLE townships;"
UNDO_11 = "DROP TABLE changes;"
UNDO_12 = "DROP TABLE hub_identity;"


def periods(db: SQLiteDatabase) -> list[tuple]:
    rows = db.read("SELECT compound_id, since, mode, property_company_id FROM management_periods")
    return sorted((tuple(r) for r in rows), key=repr)


def test_a_store_from_before_the_history_gets_the_periods_of_the_data_set(tmp_path):
    path = tmp_path / "old.db"
    Store(path).open().close()  # the demo set, at the current schema
    conn = sqlite3.connect(path)
    conn.executescript(
        UNDO_12
        + UNDO_11
        + UNDO_10
        + UNDO_9
        + UNDO_8
        + "DROP TABLE management_periods; DROP TABLE fee_years; PRAGMA user_version = 5;"
    )
    conn.close()

    migrated = SQLiteDatabase(path).open()  # runs migration 6 on the old store
    try:
        assert migrated.schema_version >= 6
        doc = json.loads((FIXTURES / "management_history.json").read_text(encoding="utf-8"))
        want = sorted(
            ((p["compound_id"], p["since"], p["mode"], p["property_company_id"]) for p in doc["periods"]), key=repr
        )
        assert periods(migrated) == want
    finally:
        migrated.close()


def test_a_data_set_without_a_history_file_gets_the_periods_its_compounds_imply(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(FIXTURES, folder)
    (folder / "management_history.json").unlink()
    (folder / "fee_collection.json").unlink()
    store = Store(tmp_path / "h.db").open(fixtures=folder)
    try:
        doc = json.loads((FIXTURES / "management_history.json").read_text(encoding="utf-8"))
        want = sorted(
            ((p["compound_id"], p["since"], p["mode"], p["property_company_id"]) for p in doc["periods"]), key=repr
        )
        assert periods(store.db) == want
        assert store.data.fee_years == ()
    finally:
        store.close()


def test_a_store_from_before_the_townships_opens_with_none_and_keeps_the_rest(tmp_path):
    path = tmp_path / "old.db"
    Store(path).open().close()
    conn = sqlite3.connect(path)
    conn.executescript(UNDO_12 + UNDO_11 + UNDO_10 + UNDO_9 + UNDO_8 + "PRAGMA user_version = 7;")
    conn.close()

    store = Store(path).open()  # runs migrations 8 to 12
    try:
        assert store.db.schema_version >= 10
        assert len(store.data.townships) == 0 and len(store.data.villages) == 0
        assert store.data.guidance_groups == {} and store.data.duty_officers == {}
        assert len(store.data.compounds) == 619
    finally:
        store.close()


def test_a_data_set_without_its_rural_side_loads_without_townships(tmp_path):
    folder = tmp_path / "set"
    shutil.copytree(FIXTURES, folder)
    for name in RURAL_FILES:
        (folder / name).unlink()
    store = Store(tmp_path / "h.db").open(fixtures=folder)
    try:
        assert len(store.data.townships) == 0 and len(store.data.villages) == 0
        assert len(store.data.subdistricts) == 6 and len(store.data.guidance_visits) == 0
    finally:
        store.close()


def test_a_store_from_before_guidance_keeps_its_tokens_and_gets_the_empty_tables(tmp_path):
    path = tmp_path / "old.db"
    Store(path).open().close()
    conn = sqlite3.connect(path)
    conn.executescript("DELETE FROM guidance_visits; DELETE FROM technicians; DELETE FROM guidance_groups;")
    conn.executescript("DELETE FROM weather_events; DELETE FROM duty_rules; DELETE FROM duty_officers;")
    conn.executescript("DELETE FROM duty_lines; DELETE FROM duty_shifts;")
    conn.executescript(UNDO_12 + UNDO_11 + UNDO_10 + UNDO_9 + "PRAGMA user_version = 8;")
    conn.execute(
        "INSERT INTO tokens (id, hash, role, squad_code, label, created_at) VALUES "
        "('0badcafe', 'h', 'officer', 'SQ1', 'old', '2024-01-01T00:00:00+00:00')"
    )
    conn.commit()
    conn.close()

    store = Store(path).open()  # runs migrations 9 to 12
    try:
        row = store.db.read_one("SELECT role, squad_code, group_code FROM tokens WHERE id = '0badcafe'")
        assert tuple(row) == ("officer", "SQ1", None)
        assert len(store.data.townships) == 13 and store.data.technicians == {}
    finally:
        store.close()


def test_a_store_from_before_the_campaigns_keeps_its_tokens_and_gets_empty_campaigns_and_micro_services(tmp_path):
    path = tmp_path / "old.db"
    Store(path).open().close()
    conn = sqlite3.connect(path)
    conn.executescript(UNDO_12 + UNDO_11 + UNDO_10 + "PRAGMA user_version = 9;")
    conn.execute(
        "INSERT INTO tokens (id, hash, role, squad_code, label, created_at, group_code) VALUES "
        "('0badbeef', 'h', 'technician', NULL, 'old', '2024-01-01T00:00:00+00:00', 'AG1')"
    )
    conn.commit()
    conn.close()

    store = Store(path).open()  # runs migrations 10 to 12
    try:
        row = store.db.read_one("SELECT role, group_code, unit_code FROM tokens WHERE id = '0badbeef'")
        assert tuple(row) == ("technician", "AG1", None)
        assert store.data.safety_campaigns == {} and len(store.data.hazards) == 0
        assert store.data.volunteer_teams == {} and len(store.data.service_requests) == 0
        assert len(store.data.guidance_visits) == 214
    finally:
        store.close()
