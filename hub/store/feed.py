"""The change feed: how every worker on a PostgreSQL store keeps its in-memory catalog current.

Every write that changes a table the workers keep in memory (``hub.store.tables.TABLES``) adds a
row per changed record to ``changes`` (seq, tx, table, key, op) in its own transaction
(``hub.store.changes``, which SQLite keeps too) and sends ``NOTIFY hub_changes`` (delivered on
commit); an import adds one ``resync`` row, after which followers read the catalog again. Writes hold
the store's write lock until they commit, so sequence numbers are in commit order: a worker that has
applied every change up to ``seq`` has a catalog equal to the database as of that change.

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
from collections.abc import Callable
from typing import Any

import psycopg

from hub.store import changes
from hub.store.catalog import Catalog, load_catalog
from hub.store.changes import Batch, Written
from hub.store.postgres import PgConnection, PostgresDatabase
from hub.store.resync import merge

log = logging.getLogger("hub.store")

CHANNEL = "hub_changes"
WAKE_S = 0.5
"""How often the follower wakes without a notice (to see whether it is asked to stop)."""
POLL_S = 5.0
"""Without a notice, the follower still looks for changes this often (a safety net: notices are not lost
while the connection lives, and after a lost connection it catches up anyway)."""


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
        self._writing: int | None = None
        """The sequence number of this worker's write being committed: its notice is not news to the follower,
        the writer applies it itself (``applied``)."""
        self._look = threading.Event()
        """Set when a write of this worker ended without applying its changes (its commit's outcome unknown):
        the follower looks at the feed at once."""
        self.connected = threading.Event()
        """Set while the follower is listening (tests and health checks)."""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- inside a write transaction (holding the write lock) -----------------------------------

    def catch_up(self, conn: PgConnection) -> None:
        """Apply every change committed so far (called under the write lock, so none is in flight)."""
        while True:
            batch = changes.fetch(conn, self.seq)
            self.apply(batch)
            if len(batch.changes) < changes.BATCH:
                return

    def record(self, conn: PgConnection, written: Written) -> int:
        """Add the transaction's changes to the feed and notify the followers (on commit); the last seq."""
        seq = changes.record(conn, written, self.origin)
        self._writing = seq or None
        return seq

    def record_resync(self, conn: PgConnection) -> int:
        """Add a resync to the feed (an import wrote many records) and notify the followers; its seq."""
        return changes.record_resync(conn, self.origin)

    def resync_to(self, seq: int) -> None:
        """This worker's import committed as ``seq``: read the catalog again (unless the follower already has)."""
        with self.lock:
            if seq <= self.seq:
                return
            with self.db.snapshot() as snap:
                fresh, through = load_catalog(snap), changes.last_seq(snap)
            self.publish(merge(self.catalog(), fresh))
            self.seq = max(self.seq, through)

    # -- applying ----------------------------------------------------------------------------------

    def applied(self, seq: int, written: Written) -> None:
        """A write of this worker committed as ``seq``: put its records in the catalog (unless the
        follower already has) and publish them."""
        with self.lock:
            self._writing = None
            if seq and seq <= self.seq:
                return
            catalog = self.catalog()
            for record, deleted in written:
                catalog.apply(record, deleted=deleted)
            self.seq = max(self.seq, seq)
            self.publish(written)

    def settled(self) -> None:
        """A write of this worker ended, committed or not: if its changes were not applied (``applied``), the
        follower looks at the feed now rather than trusting that the write's notice needs nothing."""
        if self._writing is not None:
            self._writing = None
            self._look.set()

    def apply(self, batch: Batch) -> None:
        """Apply a batch's changes past ``seq``, one transaction at a time, in sequence order."""
        with self.lock:
            self.seq = changes.apply(self.catalog(), batch, self.seq, self.publish)

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
                elif (
                    not self._look.is_set()
                    and not self._news(self._notices(conn))
                    and not self._look.is_set()
                    and time.monotonic() - looked < POLL_S
                ):
                    continue
                self._look.clear()
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
    def _notices(conn: psycopg.Connection[Any]) -> list[int | None]:
        """Wait up to ``WAKE_S`` for notices; the sequence number each names (None where it names none)."""
        return [_seq_of(n.payload) for n in conn.notifies(timeout=WAKE_S, stop_after=1)]

    def _news(self, notices: list[int | None]) -> bool:
        """Whether these notices may bring changes this worker has not applied: not when each names one
        already applied or being committed by this worker (its own writes, which it puts in the catalog
        itself before it answers). Notices come in commit order, which is sequence order, so every later
        change brings a notice of its own."""
        writing = self._writing
        return any(seq is None or (seq > self.seq and seq != writing) for seq in notices)

    def _catch_up_from(self, conn: psycopg.Connection[Any]) -> None:
        while not self._stop.is_set():
            with conn.transaction():
                conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                batch = changes.fetch(PgConnection(conn), self.seq)
            self.apply(batch)
            if len(batch.changes) < changes.BATCH:
                return


def _seq_of(payload: str) -> int | None:
    """The sequence number a notice names (``hub.store.changes``), None when it names none.

    >>> _seq_of("42"), _seq_of("")
    (42, None)
    """
    return int(payload) if payload.isdigit() else None
