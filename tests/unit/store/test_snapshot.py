"""A worker starts from a snapshot of the catalog's columns and the changes logged after it, on both stores:
never stale (a write made after the snapshot is there after a restart), and a missing, corrupt or foreign
snapshot falls back to reading every row, saying why in the log."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import sqlite3
import typing
import uuid
from datetime import date

import pytest
import shapely

from hub.store import Store, snapshot, tables
from hub.store import records as r
from hub.store.catalog import Catalog
from hub.store.tables import TABLES
from tests.unit.store.test_tables import SAMPLES

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


FREE_TEXT = ("note", "description", "name", "chair_name", "advice", "updated_by", "declared_by",
             "created_by", "logged_by", "reported_by", "registered_by")  # fmt: skip
"""Fields a test may change without breaking a code, a reference or the contract."""


def every_record(catalog: Catalog, reader) -> dict:
    """Every record of every kind the hub writes (``TABLES``, not a list made here: a new kind is in it), as
    the catalog holds it, by the keys the database has; a spatial record with its stored GeoJSON."""
    out = {}
    for cls, table in TABLES.items():
        columns = ", ".join(f'"{k}"' for k in table.keys)
        held = {}
        for row in reader.read(f"SELECT {columns} FROM {table.name}"):
            key = row[0] if len(table.keys) == 1 else tuple(row)
            found = catalog.current(cls, key)
            held[key] = (found, getattr(found, "geojson", None))
        out[cls.__name__] = held
    return out


def edited(record):
    """The record with a free-text field (else a measure) changed; as it is when it has neither."""
    hints = typing.get_type_hints(type(record), vars(r))
    fields = dataclasses.fields(record)
    for f in fields:
        if f.name in FREE_TEXT and hints[f.name] is str:
            return dataclasses.replace(record, **{f.name: f"{getattr(record, f.name)} (edited)"})
    for f in fields:
        if hints[f.name] is float and f.name not in ("area_m2", "length_m"):
            return dataclasses.replace(record, **{f.name: getattr(record, f.name) + 0.5})
    return record


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


def seed(store: Store, missing: set[type]) -> None:
    """Write a record of each kind the demo set lacks (incidents and their steps, patrols, rosters, the duty's
    exceptions), from ``test_tables``'s samples; a kind neither has fails here."""
    samples = {type(x): x for x in SAMPLES}
    officer = next(iter(store.data.duty_officers.values()))
    samples[r.DutyException] = r.DutyException(0, date(2024, 6, 5), officer.id, "LEAVE", note="年假", created_by="t")
    assert missing <= set(samples), missing - set(samples)

    def apply(uow):
        incident = uow.add(samples[r.Incident]) if r.Incident in missing else None
        for cls in missing - {r.Incident}:
            sample = samples[cls]
            if cls is r.IncidentStep:
                sample = dataclasses.replace(sample, incident_id=incident.id)
            uow.add(sample) if tables.TABLES[cls].autoincrement else uow.put(sample)
        return {}

    store.submit(operation="seed", client_id=None, actor="admin:t", payload={}, apply=apply)


def test_a_change_to_every_kind_after_the_snapshot_gives_at_a_restart_what_a_full_load_gives(target, caplog):
    store = reopened(target, caplog)
    try:
        with store.db.snapshot() as reader:
            held = every_record(store.data, reader)
        seed(store, {cls for cls in TABLES if not held[cls.__name__]})
        store.refresh_snapshot()  # the snapshot holds every kind
        with store.db.snapshot() as reader:
            firsts = every_record(store.data, reader)
        originals = [next(iter(held.values()))[0] for held in firsts.values()]
        changed = [edited(x) for x in originals]
        assert {type(x) for x in changed} == set(TABLES)
        edited_kinds = {type(x).__name__ for x, old in zip(changed, originals, strict=True) if x != old}
        assert len(edited_kinds) >= len(TABLES) - 4  # all but those without free text or a measure
        gone = max(store.data.case_steps[next(iter(store.data.case_steps))], key=lambda s: s.id)

        def apply(uow):
            for record in changed:
                uow.put(record)
            uow.remove(gone)
            return {}

        store.submit(operation="editEverything", client_id=None, actor="admin:t", payload={}, apply=apply)
        with store.db.snapshot() as reader:
            live = every_record(store.data, reader)
    finally:
        store.close()  # fewer changes than snapshot.REFRESH: the snapshot on disk stays as it was
    again = reopened(target, caplog)
    try:
        assert f"and {len(changed) + 1} changes after it" in caplog.text
        with again.db.snapshot() as reader:
            got = every_record(again.data, reader)
    finally:
        again.close()
    full = Store(target, snapshots="off").open()
    try:
        with full.db.snapshot() as reader:
            want = every_record(full.data, reader)
    finally:
        full.close()
    for cls in TABLES:
        name = cls.__name__
        assert got[name] == want[name], name
        assert live[name] == want[name], name
    assert all(want[name] != firsts[name] for name in edited_kinds)  # the edits are there, not the snapshot's
    assert gone.id not in {s.id for s, _ in want["CaseStep"].values()}


def test_a_corrupt_snapshot_is_not_used_and_the_full_load_writes_a_good_one(target, caplog):
    store = reopened(target, caplog)
    path = store.snapshot_path
    want = contents(store.data)
    store.close()
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = bytes(b ^ 0xFF for b in data[middle : middle + 64])  # the checksum fails
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


def test_an_empty_snapshot_file_falls_back_to_the_full_load(target, caplog):
    first = reopened(target, caplog)
    first.close()
    first.snapshot_path.write_bytes(b"")
    again = reopened(target, caplog)
    try:
        assert "is unreadable" in caplog.text
    finally:
        again.close()


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


def test_an_import_after_the_snapshot_makes_the_next_start_read_every_row_and_write_a_new_snapshot(target, caplog):
    store = reopened(target, caplog)
    old = store.snapshot_path.read_bytes()
    try:
        taken = store.snapshot_seq
        renamed = dataclasses.replace(next(iter(store.data.technicians.values())), name="王技术员")
        store.bulk(lambda conn: (tables.replace(conn, renamed), True))  # what `hub import` does, in one transaction
        assert store.data.technicians[renamed.id].name == "王技术员"
    finally:
        store.close()  # one change past the snapshot, but a resync: a new snapshot is written
    assert snapshot.seq_of(store.snapshot_path) != taken
    again = reopened(target, caplog)
    try:
        assert "loaded the catalog from the snapshot" in caplog.text
        assert again.data.technicians[renamed.id].name == "王技术员"
    finally:
        again.close()
    store.snapshot_path.write_bytes(old)  # the snapshot from before the import is refused
    stale = reopened(target, caplog)
    try:
        assert "records were imported after it" in caplog.text
        assert stale.data.technicians[renamed.id].name == "王技术员"
    finally:
        stale.close()


def test_a_write_of_ten_thousand_records_is_logged_as_one_transaction_and_seen_after_a_restart(target, caplog):
    # more change-log rows than one statement may carry parameters for (SQLite: 32,766; four a row)
    store = Store(target).open()
    before = store.seq

    def apply(uow):
        return {"ids": [uow.add(occupation(10_000 + n)).id for n in range(10_000)]}

    ids = store.submit(operation="bench", client_id=None, actor="officer:t", payload={}, apply=apply).result["ids"]
    assert store.seq - before == 10_000
    txs = store.db.read("SELECT DISTINCT tx FROM changes WHERE seq > ?", (before,))
    assert len(txs) == 1  # one transaction: a follower applies and publishes its records together
    store.close()
    again = reopened(target, caplog)
    try:
        assert all(again.data.occupations.get(i) is not None for i in ids)
    finally:
        again.close()
