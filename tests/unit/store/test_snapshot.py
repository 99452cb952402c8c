"""A worker starts from a snapshot of the catalog's columns and the changes logged after it, on both stores:
never stale (a write made after the snapshot is there after a restart), and a missing, corrupt or foreign
snapshot falls back to reading every row, saying why in the log."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import uuid

import pytest
import shapely

from hub.store import Store, snapshot
from hub.store import records as r
from hub.store.catalog import Catalog

LOG = "hub.store"


def occupation(n: int, status: str = "OCCUPIED") -> r.Occupation:
    x = 115.61 + n * 1e-4
    return r.Occupation(shapely.box(x, 34.38, x + 5e-5, 34.38005), "", compound_id=1, kind="STORAGE", status=status)


def report(store: Store, n: int) -> int:
    done = store.submit(
        operation="reportOccupation",
        client_id=str(uuid.uuid4()),
        actor="officer:t",
        payload={"n": n},
        apply=lambda uow: {"id": uow.add(occupation(n)).id},
    )
    return int(done.result["id"])


def clear(store: Store, occupation_id: int) -> None:
    def apply(uow):
        old = store.data.occupations.get(occupation_id)
        return {"id": uow.put(r.Occupation(**{**vars_of(old), "status": "CLEARED"})).id}

    store.submit(operation="clearOccupation", client_id=None, actor="officer:t", payload={}, apply=apply)


def vars_of(record) -> dict:
    return {f: getattr(record, f) for f in record.__dataclass_fields__}


def contents(catalog: Catalog) -> dict:
    """Every record of the columnar tables, in key order (records made from columns where they still are)."""
    return {
        "occupations": sorted(catalog.occupations, key=lambda x: x.id),
        "incidents": sorted(catalog.incidents, key=lambda x: x.id),
        "patrols": sorted(catalog.patrols, key=lambda x: x.id),
        "steps": {k: sorted(v, key=lambda s: s.id) for k, v in catalog.incident_steps.items() if v},
        "rules": catalog.roster_rules,
        "exceptions": catalog.roster_exceptions,
        "agreements": sorted((m.id, m.agreement) for m in catalog.merchants),
    }


@pytest.fixture
def target(stores):
    """A demo store's location (a file or a database), not opened."""
    return stores.demo()


def reopened(target, caplog, snapshots: str | None = None) -> Store:
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOG):
        return Store(target, snapshots=snapshots).open()


def test_a_second_start_reads_the_snapshot_and_holds_what_a_full_load_holds(target, caplog):
    first = reopened(target, caplog)
    try:
        assert first.snapshot_path is not None and first.snapshot_path.exists()
        assert "wrote the catalog snapshot" in caplog.text or "loaded the catalog from the snapshot" in caplog.text
        want = contents(first.data)
    finally:
        first.close()
    second = reopened(target, caplog)
    try:
        assert "loaded the catalog from the snapshot" in caplog.text
        assert contents(second.data) == want
        assert len(want["occupations"]) > 0
    finally:
        second.close()


def test_writes_made_after_the_snapshot_are_there_after_a_restart(target, caplog):
    store = reopened(target, caplog)
    try:
        taken = store.snapshot_seq
        new = [report(store, n) for n in range(3)]
        old = min(x.id for x in store.data.occupations if x.id not in new)
        clear(store, old)
        want = contents(store.data)
        assert store.seq >= (taken or 0) + 4
    finally:
        store.close()  # fewer changes than snapshot.REFRESH: the snapshot on disk stays as it was
    again = reopened(target, caplog)
    try:
        assert again.snapshot_seq == taken
        assert "loaded the catalog from the snapshot" in caplog.text and "and 4 changes after it" in caplog.text
        got = contents(again.data)
        assert got == want
        assert {x.id for x in got["occupations"]} >= set(new)
        assert again.data.occupations.get(old).status == "CLEARED"
        assert again.data.occupations.query(bbox=(115.6099, 34.3799, 115.6104, 34.3801)).size  # found by place
    finally:
        again.close()


def test_a_write_by_another_worker_after_the_snapshot_reaches_a_worker_that_starts_later(target, caplog):
    reopened(target, caplog).close()  # the snapshot
    writer = Store(target).open()
    try:
        new = report(writer, 11)
    finally:
        writer.close()  # one change past the snapshot: not enough to write a new one
    again = reopened(target, caplog)
    try:
        assert "loaded the catalog from the snapshot" in caplog.text
        assert again.data.occupations.get(new) is not None
    finally:
        again.close()


def test_a_corrupt_snapshot_is_not_used_and_the_full_load_writes_a_good_one(target, caplog):
    store = reopened(target, caplog)
    path = store.snapshot_path
    want = contents(store.data)
    store.close()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(64)  # zeros inside some array: the zip's checksum no longer matches
    path.write_bytes(bytes(data))
    again = reopened(target, caplog)
    try:
        assert "is unreadable" in caplog.text and "loading every row from the database" in caplog.text
        assert contents(again.data) == want
    finally:
        again.close()
    third = reopened(target, caplog)
    try:
        assert "loaded the catalog from the snapshot" in caplog.text
    finally:
        third.close()


def test_a_truncated_or_missing_snapshot_falls_back_to_the_full_load(target, caplog):
    store = reopened(target, caplog)
    path = store.snapshot_path
    want = contents(store.data)
    store.close()
    path.write_bytes(path.read_bytes()[:1000])
    again = reopened(target, caplog)
    try:
        assert "is unreadable" in caplog.text
        assert contents(again.data) == want
    finally:
        again.close()
    path.unlink()
    last = reopened(target, caplog)
    try:
        assert "no catalog snapshot" in caplog.text
        assert contents(last.data) == want
    finally:
        last.close()


def test_rows_written_behind_the_logs_back_are_seen_by_their_counts(stores, target, caplog):
    store = reopened(target, caplog)
    store.close()
    with Store(target).db as db:  # a row the change log never heard of
        db.write(lambda conn: conn.execute("DELETE FROM occupations WHERE id = (SELECT max(id) FROM occupations)"))
    again = reopened(target, caplog)
    try:
        assert "the database has" in caplog.text and "loading every row from the database" in caplog.text
        assert len(again.data.occupations) == again.db.read_one("SELECT count(*) FROM occupations")[0]
    finally:
        again.close()


def test_a_snapshot_of_another_history_is_not_used(tmp_path, caplog):
    original = tmp_path / "a.db"
    Store(original, snapshots="auto").open().close()
    copy = tmp_path / "b.db"
    shutil.copy(original, copy)  # the same store, until the two diverge
    a, b = Store(original, snapshots="auto").open(), Store(copy, snapshots="auto").open()
    try:
        report(a, 1)
        report(b, 2)  # the same sequence number, another change
        a.refresh_snapshot()
        seq = a.seq
        want = contents(b.data)
    finally:
        a.close()
        b.close()
    shutil.copy(f"{original}{snapshot.SUFFIX}", f"{copy}{snapshot.SUFFIX}")
    again = reopened(copy, caplog, "auto")
    try:
        assert f"change {seq} is not the one it was taken at" in caplog.text
        assert contents(again.data) == want
    finally:
        again.close()


def test_a_snapshot_of_another_store_is_not_used(tmp_path, caplog):
    one, two = tmp_path / "one.db", tmp_path / "two.db"
    Store(one, snapshots="auto").open().close()
    Store(two, snapshots="auto").open().close()
    shutil.copy(f"{one}{snapshot.SUFFIX}", f"{two}{snapshot.SUFFIX}")
    again = reopened(two, caplog, "auto")
    try:
        assert "is of another store" in caplog.text
    finally:
        again.close()


def test_snapshots_can_be_switched_off(tmp_path):
    store = Store(tmp_path / "h.db", snapshots="off").open()
    try:
        assert store.snapshot_path is None
        assert not (tmp_path / f"h.db{snapshot.SUFFIX}").exists()
    finally:
        store.close()


def test_a_sqlite_snapshot_lies_beside_its_file_and_a_folder_holds_one_per_store(tmp_path):
    beside = Store(tmp_path / "h.db", snapshots="auto").open()
    beside.close()
    assert (tmp_path / f"h.db{snapshot.SUFFIX}").exists()
    folder = tmp_path / "snaps"
    elsewhere = Store(tmp_path / "h.db", snapshots=str(folder)).open()
    elsewhere.close()
    assert [p.name for p in folder.iterdir()] == [f"{elsewhere.identity}{snapshot.SUFFIX}"]


def test_closing_a_store_far_past_its_snapshot_writes_a_new_one(target, caplog, monkeypatch):
    monkeypatch.setattr(snapshot, "REFRESH", 2)
    store = reopened(target, caplog)
    try:
        report(store, 1)
        report(store, 2)
        seq = store.seq
    finally:
        store.close()
    assert snapshot.seq_of(store.snapshot_path) == seq


def test_the_change_log_keeps_the_sqlite_store_in_sequence(tmp_path):
    store = Store(tmp_path / "h.db").open()
    try:
        before = store.seq
        report(store, 1)
        rows = store.db.read("SELECT seq, tbl, op FROM changes ORDER BY seq")
        assert [(x["tbl"], x["op"]) for x in rows][-1:] == [("occupations", "upsert")]
        assert store.seq == rows[-1]["seq"] == before + 1
    finally:
        store.close()
    with sqlite3.connect(tmp_path / "h.db") as conn:  # the log is in the file, for the next start
        assert conn.execute("SELECT count(*) FROM changes").fetchone()[0] == 1
