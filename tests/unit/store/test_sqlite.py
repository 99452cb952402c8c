"""The SQLite file: one writer, transactions all or nothing, a versioned schema."""

from __future__ import annotations

import sqlite3

import pytest

from hub.errors import StoreError
from hub.store.migrations import SCHEMA_VERSION
from hub.store.sqlite import SQLiteDatabase


@pytest.fixture
def db(tmp_path):
    with SQLiteDatabase(tmp_path / "t.db") as d:
        yield d


def test_a_new_file_is_migrated_to_the_current_schema_in_wal_mode(db):
    assert db.schema_version == SCHEMA_VERSION
    assert db.read_one("PRAGMA journal_mode")[0] == "wal"


def test_writes_are_synced_to_disk_before_they_return_unless_normal_is_asked_for(tmp_path):
    with SQLiteDatabase(tmp_path / "f.db") as full, SQLiteDatabase(tmp_path / "n.db", synchronous="NORMAL") as normal:
        # SQLite's codes: 1 NORMAL, 2 FULL
        assert full.write(lambda c: c.execute("PRAGMA synchronous").fetchone()[0]) == 2
        assert normal.write(lambda c: c.execute("PRAGMA synchronous").fetchone()[0]) == 1


def test_in_normal_mode_the_flusher_syncs_the_log_soon_after_writes_and_not_without_them(tmp_path):
    import time

    with SQLiteDatabase(tmp_path / "n.db", synchronous="normal") as db:
        deadline = time.monotonic() + 5
        while db.flushes == 0 and time.monotonic() < deadline:  # the migrations were writes
            time.sleep(0.01)
        settled = db.flushes
        assert settled >= 1
        time.sleep(0.3)
        assert db.flushes == settled  # nothing written, nothing synced
        db.write(lambda c: c.execute("INSERT INTO shifts VALUES ('A', 'a', '07:00', '15:00')"))
        while db.flushes == settled and time.monotonic() < deadline + 5:
            time.sleep(0.01)
        assert db.flushes == settled + 1
    with SQLiteDatabase(tmp_path / "f.db") as full:
        full.write(lambda c: c.execute("INSERT INTO shifts VALUES ('A', 'a', '07:00', '15:00')"))
        assert full.flushes == 0  # FULL syncs inside the commit: no flusher


def test_an_unknown_sync_mode_is_refused_with_the_choices(tmp_path):
    with pytest.raises(StoreError, match="full or normal, got 'off'"):
        SQLiteDatabase(tmp_path / "o.db", synchronous="off")


def test_a_write_that_fails_halfway_leaves_nothing_behind(db):
    db.write(lambda c: c.execute("INSERT INTO shifts VALUES ('A', 'a', '07:00', '15:00')"))

    def half(c):
        c.execute("INSERT INTO shifts VALUES ('B', 'b', '08:00', '16:00')")
        c.execute("INSERT INTO shifts VALUES ('A', 'dup', '09:00', '17:00')")  # primary key clash

    with pytest.raises(sqlite3.IntegrityError):
        db.write(half)
    assert [r[0] for r in db.read("SELECT code FROM shifts ORDER BY code")] == ["A"]


def test_readers_cannot_write(db):
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        db.read("INSERT INTO shifts VALUES ('X', 'x', '07:00', '15:00')")


def test_a_file_from_a_newer_hub_is_refused(tmp_path):
    path = tmp_path / "new.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this hub"):
        SQLiteDatabase(path).open()


def test_reopening_keeps_the_data(tmp_path):
    with SQLiteDatabase(tmp_path / "k.db") as d:
        d.write(lambda c: c.execute("INSERT INTO shifts VALUES ('A', 'a', '07:00', '15:00')"))
    with SQLiteDatabase(tmp_path / "k.db") as d:
        assert d.read_one("SELECT count(*) FROM shifts")[0] == 1


def test_a_slow_read_is_stopped_at_the_time_limit(tmp_path):
    with (
        SQLiteDatabase(tmp_path / "s.db", query_timeout_s=0.05) as d,
        pytest.raises(StoreError, match="longer"),
    ):
        d.read("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n")
