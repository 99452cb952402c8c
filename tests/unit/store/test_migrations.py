"""Migration 6 gives a store made before it the management periods its compounds imply, as the data set has them."""

from __future__ import annotations

import json
import shutil
import sqlite3

from hub.store import Store
from hub.store.sqlite import SQLiteDatabase
from tests.common import FIXTURES


def periods(db: SQLiteDatabase) -> list[tuple]:
    rows = db.read("SELECT compound_id, since, mode, property_company_id FROM management_periods")
    return sorted((tuple(r) for r in rows), key=repr)


def test_a_store_from_before_the_history_gets_the_periods_of_the_data_set(tmp_path):
    path = tmp_path / "old.db"
    Store(path).open().close()  # the demo set, at the current schema
    conn = sqlite3.connect(path)
    conn.executescript(
        "DROP TABLE management_periods; DROP TABLE fee_years; DROP TABLE changes; DROP TABLE hub_identity;"
        " PRAGMA user_version = 5;"
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
