"""The change feed: how every worker on a PostgreSQL store keeps its in-memory catalog current.

Every write that changes a table the workers keep in memory (``hub.store.tables.TABLES``) adds a
row per changed record to ``changes`` (seq, tx, table, key, op) in its own transaction and sends
``NOTIFY hub_changes`` (delivered on commit). Writes hold the store's write lock until they
commit, so sequence numbers are in commit order: a worker that has applied every change up to
``seq`` has a catalog equal to the database as of that change.

Each worker follows the feed on a connection of its own, in a thread (off the event loop):
``LISTEN``, then re-read the rows the new changes name, in one REPEATABLE READ snapshot, and apply
them to the catalog in sequence order, one transaction at a time (its changes are handed to the
store's listeners, which publish subscription events). Without a notice it looks anyway every
``POLL_S``; after a lost connection it reconnects, listens again and catches up from its last
sequence; a worker that starts loads the catalog and the last sequence in one snapshot.

A worker's own write applies its records to its catalog right after the commit, before it answers
(read-your-writes), and before it writes it catches up under the write lock, so the domain's
checks see every committed write, as with SQLite's single writer. Whoever applies a change first —
the writer after its commit, or the follower thread — does so under :attr:`Feed.lock`; the other
sees the sequence already passed and leaves it, so each change is applied and published once.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import psycopg
import shapely

from hub.store import tables
from hub.store.base import ConnReader
from hub.store.catalog import Catalog, load_catalog
from hub.store.postgres import PgConnection, PostgresDatabase
from hub.store.resync import merge

log = logging.getLogger("hub.store")

CHANNEL = "hub_changes"
WAKE_S = 0.5
"""How often the follower wakes without a notice (to see whether it is asked to stop)."""
POLL_S = 5.0
"""Without a notice, the follower still looks for changes this often (a safety net: notices are not lost
while the connection lives, and after a lost connection it catches up anyway)."""
KEEP_DAYS = 7
"""Changes are kept this long: a worker cut off for longer must restart to catch up."""
BATCH = 10_000

Written = tuple[tuple[Any, bool], ...]
"""Records a transaction wrote, each with whether it was deleted."""

BY_TABLE = {t.name: t for t in tables.TABLES.values()}
RESYNC = "resync"
"""A change that names no record: many were written at once (an import); followers read the catalog again."""


@dataclass
class Batch:
    """Changes after some sequence number, and the rows they name, all as of one snapshot."""

    changes: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    """(seq, tx, table, key, op) in sequence order."""
    records: dict[tuple[str, str], Any] = field(default_factory=dict)
    """(table, key) → the record as it is now; absent when the row is gone."""
    fresh: Catalog | None = None
    """When the changes hold a resync: the whole catalog as of the snapshot, and the feed's last seq then."""
    through: int = 0

    @property
    def last(self) -> int:
        return self.changes[-1][0] if self.changes else 0


def _typed(table: tables.Table, keys: Iterable[str]) -> list[Any]:
    """The distinct values of the first key column the keys name (all of a key of one column)."""
    kind = tables.key_type(table.record)
    return sorted({kind(k.split("|")[0]) for k in keys})


def _row_key(table: tables.Table, row: Any) -> str:
    return "|".join(str(row[k]) for k in table.keys)


def fetch(conn: PgConnection, after: int, limit: int = BATCH) -> Batch:
    """The changes after ``after`` (at most ``limit``) and the current rows they name."""
    batch = Batch(
        [
            (int(r[0]), int(r[1]), r[2], r[3], r[4])
            for r in conn.execute(
                "SELECT seq, tx, tbl, key, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        ]
    )
    if any(op == RESYNC for *_, op in batch.changes):
        reader = ConnReader(conn)
        batch.fresh, batch.through = load_catalog(reader), last_seq(reader)
        return batch
    wanted: dict[str, set[str]] = {}
    for _, _, tbl, key, _ in batch.changes:
        wanted.setdefault(tbl, set()).add(key)
    for tbl, keys in wanted.items():
        table = BY_TABLE[tbl]
        rows = conn.execute(
            f'SELECT * FROM {table.name} WHERE "{table.keys[0]}" = ANY(?)', (_typed(table, keys),)
        ).fetchall()
        rows = [row for row in rows if _row_key(table, row) in keys]
        geoms = shapely.from_wkb([row["geom"] for row in rows]) if "geom" in (rows[0].keys() if rows else ()) else None
        for i, row in enumerate(rows):
            record = tables.from_row(table.record, row, None if geoms is None else geoms[i])
            batch.records[(tbl, _row_key(table, row))] = record
    return batch


def last_seq(reader: Any) -> int:
    row = reader.read_one("SELECT coalesce(max(seq), 0) FROM changes")
    return int(row[0])


class Feed:
    """Follows the change feed of a PostgreSQL store into one catalog."""

    def __init__(
        self, db: PostgresDatabase, catalog: Callable[[], Catalog], publish: Callable[[Written], None]
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.publish = publish
        self.origin = f"{socket.gethostname()}:{os.getpid()}"
        self.seq = 0
        """Every change up to here is in the catalog."""
        self.lock = threading.Lock()
        self.connected = threading.Event()
        """Set while the follower is listening (tests and health checks)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- inside a write transaction (holding the write lock) -----------------------------------

    def catch_up(self, conn: PgConnection) -> None:
        """Apply every change committed so far (called under the write lock, so none is in flight)."""
        while True:
            batch = fetch(conn, self.seq)
            self.apply(batch)
            if len(batch.changes) < BATCH:
                return

    def record(self, conn: PgConnection, written: Written) -> int:
        """Add the transaction's changes to the feed and notify the followers (on commit); the last seq."""
        rows: list[Any] = []
        for record, deleted in written:
            table = tables.TABLES[type(record)]
            rows += [table.name, tables.key_text(record), "delete" if deleted else "upsert", self.origin]
        if not rows:
            return 0
        values = ", ".join("(txid_current(), ?, ?, ?, ?)" for _ in written)
        seqs = conn.execute(f"INSERT INTO changes (tx, tbl, key, op, origin) VALUES {values} RETURNING seq", rows)
        last = max(int(r[0]) for r in seqs.fetchall())
        conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(last)))
        return last

    def record_resync(self, conn: PgConnection) -> int:
        """Add a resync to the feed (an import wrote many records) and notify the followers; its seq."""
        (seq,) = conn.execute(
            "INSERT INTO changes (tx, tbl, key, op, origin) VALUES (txid_current(), '*', '*', ?, ?) RETURNING seq",
            (RESYNC, self.origin),
        ).fetchall()[0]
        conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, str(seq)))
        return int(seq)

    def resync_to(self, seq: int) -> None:
        """This worker's import committed as ``seq``: read the catalog again (unless the follower already has)."""
        with self.lock:
            if seq <= self.seq:
                return
            with self.db.snapshot() as snap:
                fresh, through = load_catalog(snap), last_seq(snap)
            self.publish(merge(self.catalog(), fresh))
            self.seq = max(self.seq, through)

    # -- applying ----------------------------------------------------------------------------------

    def applied(self, seq: int, written: Written) -> None:
        """A write of this worker committed as ``seq``: put its records in the catalog (unless the
        follower already has) and publish them."""
        with self.lock:
            if seq and seq <= self.seq:
                return
            catalog = self.catalog()
            for record, deleted in written:
                catalog.apply(record, deleted=deleted)
            self.seq = max(self.seq, seq)
            self.publish(written)

    def apply(self, batch: Batch) -> None:
        """Apply a batch's changes past ``seq``, one transaction at a time, in sequence order."""
        with self.lock:
            if batch.last <= self.seq:
                return
            catalog = self.catalog()
            if batch.fresh is not None:
                self.publish(merge(catalog, batch.fresh))
                self.seq = max(batch.last, batch.through)
                return
            current: list[tuple[Any, bool]] = []
            tx = None
            for seq, change_tx, tbl, key, _op in batch.changes:
                if seq <= self.seq:
                    continue
                if tx is not None and change_tx != tx and current:
                    self.publish(tuple(current))
                    current = []
                tx = change_tx
                record = batch.records.get((tbl, key))
                if record is None:
                    old = catalog.current(BY_TABLE[tbl].record, tables.parse_key(BY_TABLE[tbl].record, key))
                    if old is not None:
                        catalog.apply(old, deleted=True)
                        current.append((old, True))
                else:
                    catalog.apply(record)
                    current.append((record, False))
            if current:
                self.publish(tuple(current))
            self.seq = batch.last

    # -- the follower thread -------------------------------------------------------------------

    def start(self, seq: int) -> None:
        self.seq = seq
        self._stop.clear()
        self._thread = threading.Thread(target=self._follow, name="hub-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None

    def _follow(self) -> None:
        conn: psycopg.Connection[Any] | None = None
        delay = 0.1
        looked = 0.0
        while not self._stop.is_set():
            try:
                if conn is None:
                    conn = self.db.connect(autocommit=True)
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.connected.set()
                    log.info("following the change feed of %s from seq %d", self.db, self.seq)
                    delay = 0.1
                elif not self._notified(conn) and time.monotonic() - looked < POLL_S:
                    continue
                looked = time.monotonic()
                self._catch_up_from(conn)
            except psycopg.Error as exc:
                self.connected.clear()
                log.warning("change feed connection lost (%s); reconnecting", str(exc).strip().splitlines()[:1])
                if conn is not None:
                    conn.close()
                conn = None
                self._stop.wait(delay)
                delay = min(delay * 2, 2.0)
            except Exception:  # a bug applying a change: say so, keep following
                log.exception("could not apply changes from the feed")
                self._stop.wait(WAKE_S)
        self.connected.clear()
        if conn is not None:
            conn.close()

    @staticmethod
    def _notified(conn: psycopg.Connection[Any]) -> bool:
        """Wait up to ``WAKE_S`` for a notice; whether one came."""
        return any(True for _ in conn.notifies(timeout=WAKE_S, stop_after=1))

    def _catch_up_from(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                batch = fetch(PgConnection(conn), self.seq)
            self.apply(batch)
            if len(batch.changes) < BATCH:
                return


def purge(conn: PgConnection) -> int:
    """Drop changes older than ``KEEP_DAYS``; returns how many went."""
    return int(conn.execute(f"DELETE FROM changes WHERE at < now() - interval '{KEEP_DAYS} days'").rowcount)
