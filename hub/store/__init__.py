"""Persistence behind one interface: a SQLite file or a PostgreSQL + PostGIS database, and the
in-memory layers loaded from it.

``Store(target).open()`` creates and migrates the database (a file path, or a ``postgresql://``
URL: ``hub.store.base``), loads the demo data into an empty store when asked, and reads every
record into a :class:`~hub.store.catalog.Catalog` with spatial indexes. Writes go through
:meth:`Store.submit`; reads through :attr:`Store.data`. On PostgreSQL several workers share the
database, and each keeps its catalog current from the change feed (``hub.store.feed``).
Whatever changes the catalog — this worker's writes or another's — is handed to the functions
given to :meth:`Store.on_change` (live subscriptions are published from there).
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.store import changes, snapshot, unit_of_work
from hub.store.audit import AuditEntry, find_audit
from hub.store.base import ConnReader, Database, is_postgres, open_database
from hub.store.catalog import Catalog, Layer, load_catalog
from hub.store.disclosures import Disclosure, DisclosureLog, find_disclosures
from hub.store.importer import DEFAULT_FIXTURES, ImportReport, import_dataset
from hub.store.records import Token
from hub.store.resync import merge
from hub.store.sqlite import SQLiteDatabase
from hub.store.tables import TABLES
from hub.store.tokens import RevocationWatch, find_token
from hub.store.unit_of_work import Outcome, UnitOfWork

__all__ = [
    "DEFAULT_FIXTURES",
    "AuditEntry",
    "Catalog",
    "Database",
    "Disclosure",
    "DisclosureLog",
    "ImportReport",
    "Layer",
    "Outcome",
    "SQLiteDatabase",
    "Store",
    "UnitOfWork",
    "Written",
    "find_audit",
    "find_disclosures",
    "is_postgres",
]

Written = tuple[tuple[Any, bool], ...]

log = logging.getLogger("hub.store")

TOKEN_CACHE_S = 30.0


class _Remembered:
    """Answers kept for ``ttl_s`` seconds (at most ``most`` of them; all forgotten when full)."""

    def __init__(self, ttl_s: float, most: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.most = most
        self._kept: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> tuple[bool, Any]:
        """(known, answer), from memory alone."""
        hit = self._kept.get(key)
        if hit is not None and time.monotonic() - hit[0] < self.ttl_s:
            return True, hit[1]
        return False, None

    def answer(self, key: Any, work_out: Callable[[], Any]) -> Any:
        """The kept answer, or ``work_out()``'s, kept from now on."""
        known, kept = self.get(key)
        if known:
            return kept
        if len(self._kept) >= self.most:
            self._kept.clear()
        fresh = work_out()
        self._kept[key] = (time.monotonic(), fresh)
        return fresh

    def clear(self) -> None:
        self._kept.clear()


def _log_faults(catalog: Catalog) -> None:
    """Name, in the server's log, each stored row left out because it breaks the store's contract."""
    for fault in catalog.faults[:100]:
        log.warning("%s", fault)
    if len(catalog.faults) > 100:
        log.warning("… and %d more stored rows left out", len(catalog.faults) - 100)


def _data_version(conn: Any) -> Any:
    """SQLite's number that moves when another connection commits (PRAGMA data_version)."""
    return conn.execute("PRAGMA data_version").fetchone()[0]


class Store:
    """One hub's data: the database and its in-memory catalog."""

    def __init__(
        self,
        path: str | Path,
        *,
        query_timeout_s: float = 10.0,
        synchronous: str = "full",
        token_cache_s: float = TOKEN_CACHE_S,
        snapshots: str | None = None,
    ) -> None:
        self.db: Database = open_database(path, query_timeout_s=query_timeout_s, synchronous=synchronous)
        self.target = path
        self.snapshots = snapshots if snapshots is not None else os.environ.get("HUB_SNAPSHOT")
        """``HUB_SNAPSHOT``: where the catalog's snapshot is kept (``hub.store.snapshot.location``)."""
        self.snapshot_path: Path | None = None
        self.snapshot_seq: int | None = None
        """The change sequence of the snapshot on disk (None: there is none)."""
        self._seq = 0
        self.identity = ""
        self.warmed = threading.Event()
        """Set once everything built on first use is built (``hub.app``'s warm-up thread)."""
        self.shared = is_postgres(path)
        """The database is shared by several workers (PostgreSQL): the catalog follows its change feed."""
        self.catalog: Catalog | None = None
        self.disclosures: DisclosureLog | None = None
        """Who was served whose personal data unmasked (open while the store is)."""
        self.feed: Any = None
        """The change feed this worker follows (``hub.store.feed.Feed``; PostgreSQL only)."""
        self._tokens = _Remembered(token_cache_s)
        self._live = _Remembered(token_cache_s)
        self._listeners: list[Callable[[Written], None]] = []
        self._watch: RevocationWatch | None = None
        self._seen_version: Any = None
        """SQLite: the writer connection's ``data_version`` when the catalog was last brought up to the file (it
        moves when another process commits: a ``hub import`` run beside the server)."""
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-writer")
        """The one thread that writes, for callers on an event loop (``loop.run_in_executor(store.writer, …)``)."""

    def open(self, *, fixtures: Path | None = None, load_demo: bool = True) -> Store:
        """Open (creating and migrating) the database; import the data set if the store is empty and asked to."""
        self.db.open()
        if load_demo and self.is_empty():
            import_dataset(self.db, fixtures)
        self.db.write(unit_of_work.purge_keys)
        self.db.write(changes.purge, exclusive=False)
        self.identity = self.db.write(_identity)  # under the write lock: workers starting at once make one
        if self.shared:
            from hub.store import feed

            self.feed = feed.Feed(self.db, lambda: self.data, self._changed)  # type: ignore[arg-type]
        else:
            self._seen_version = self.db.write(_data_version)
        self.snapshot_path = snapshot.location(self.target, self.snapshots, self.identity)
        with self.db.snapshot() as snap:  # the catalog and its change sequence at one moment
            self.catalog, self._seq, self.snapshot_seq = snapshot.open_catalog(snap, self.snapshot_path, self.identity)
        if self.feed is not None:
            self.feed.start(self._seq)
        _log_faults(self.catalog)
        self.disclosures = DisclosureLog(self.db)
        self._watch = RevocationWatch(self.db, self.forget_tokens, self._outside_write).start()
        return self

    def close(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        self.writer.shutdown(wait=True)
        if self.feed is not None:
            self.feed.stop()
        if self.catalog is not None and self.snapshot_path is not None:
            self.refresh_snapshot(least=snapshot.REFRESH)
        if self.disclosures is not None:
            self.disclosures.close()
            self.disclosures = None
        self.db.close()

    @property
    def seq(self) -> int:
        """Every change logged up to here is in the catalog."""
        return int(self.feed.seq) if self.feed is not None else self._seq

    def refresh_snapshot(self, least: int = 1) -> bool:
        """Write a new snapshot of the catalog's columnar tables, read from the database, if it is at least
        ``least`` changes behind (and no newer one is on disk, written by another worker); whether it did.
        Needs the database open, not the catalog (``hub snapshot``)."""
        if not self.identity:
            self.identity = self.db.write(_identity)  # under the write lock: workers starting at once make one
            self.snapshot_path = snapshot.location(self.target, self.snapshots, self.identity)
        path = self.snapshot_path
        if path is None:
            return False
        with self.db.snapshot() as reader:
            last = changes.last_seq(reader)
            on_disk = snapshot.seq_of(path) if path.exists() else None
            if on_disk is not None and last - on_disk < least and not changes.resync_after(reader, on_disk):
                return False
            try:
                snapshot.write(path, snapshot.take(reader, self.identity))
            except OSError as exc:
                log.warning("could not write the catalog snapshot %s: %s", path, exc)
                return False
        self.snapshot_seq = last
        return True

    def on_change(self, listener: Callable[[Written], None]) -> None:
        """Call ``listener(written)`` after each committed transaction's records reach the catalog, this
        worker's and (on PostgreSQL) every other's: ``written`` holds (record, deleted) pairs."""
        self._listeners.append(listener)

    def _changed(self, written: Written) -> None:
        for listener in self._listeners:
            listener(written)

    def submit(
        self,
        *,
        operation: str,
        client_id: str | None,
        actor: str,
        payload: Any,
        apply: Callable[[UnitOfWork], Any],
        now: datetime | None = None,
    ) -> Outcome:
        """Run one write (see ``hub.store.unit_of_work``) in one transaction, then update the catalog.

        On PostgreSQL the catalog first catches up with every committed write (under the write lock,
        so the domain's checks see them all), and the write's changes join the feed.
        Blocking: call it from a worker thread when on an event loop.
        """
        feed = self.feed

        def work(conn: Any) -> tuple[Outcome, int]:
            self._catch_up(conn)
            outcome = unit_of_work.run(
                conn, operation=operation, client_id=client_id, actor=actor, payload=payload, apply=apply, now=now
            )
            kept = tuple(w for w in outcome.written if type(w[0]) in TABLES)
            if not kept:
                return outcome, 0
            return outcome, (feed.record(conn, kept) if feed is not None else changes.record(conn, kept, "sqlite"))

        def refresh(done: tuple[Outcome, int]) -> None:
            outcome, seq = done
            if not outcome.written:
                return
            if feed is not None:
                feed.applied(seq, outcome.written)
                return
            for record, deleted in outcome.written:
                self.data.apply(record, deleted=deleted)
            self._seq = max(self._seq, seq)
            self._changed(outcome.written)

        try:
            return self.db.write(work, after=refresh)[0]
        finally:
            if feed is not None:
                feed.settled()

    def _catch_up(self, conn: Any) -> None:
        """Inside a write transaction: bring the catalog up to every write committed so far, this worker's or
        another's (PostgreSQL: from the change feed; SQLite: read again when another process has written)."""
        if self.feed is not None:
            self.feed.catch_up(conn)
            return
        version = _data_version(conn)
        if version != self._seen_version:
            reader = ConnReader(conn)
            self._changed(merge(self.data, load_catalog(reader)))
            self._seq = changes.last_seq(reader)
            self._seen_version = version

    def catch_up(self) -> None:
        """Bring the catalog up to writes other processes made (the store's watch calls this when the file
        changed; a no-op on PostgreSQL, whose change feed does it)."""
        if self.feed is None and self.catalog is not None:
            self.db.write(self._catch_up)

    def _outside_write(self) -> None:
        if self.catalog is not None:
            self.catch_up()

    def bulk(self, fn: Callable[[Any], tuple[Any, bool]]) -> Any:
        """Run ``fn(conn)`` — many records at once, an import — in one transaction, after the catalog has caught
        up with every committed write (so ``fn``'s checks see them all). ``fn`` returns its result and whether it
        wrote anything; if it did, after the commit the catalog is read again and merged (``hub.store.resync``),
        here, and on PostgreSQL in every worker (the feed's resync)."""
        feed = self.feed

        def work(conn: Any) -> tuple[Any, bool, int]:
            self._catch_up(conn)
            result, wrote = fn(conn)
            if not wrote:
                return result, wrote, 0
            # the log names the import, so a snapshot taken before it is not used (SQLite too: another process's)
            seq = feed.record_resync(conn) if feed is not None else changes.record_resync(conn, "sqlite")
            return result, wrote, seq

        def after(done: tuple[Any, bool, int]) -> None:
            if not done[1]:
                return
            if feed is not None:
                feed.resync_to(done[2])
            else:
                self.resync()
                self._seq = max(self._seq, done[2])

        return self.db.write(work, after=after)[0]

    def resync(self) -> None:
        """Read the catalog again and bring the one in use up to it (``hub.store.resync``); tell the listeners."""
        with self.db.snapshot() as snap:
            fresh = load_catalog(snap)
        self._changed(merge(self.data, fresh))

    def is_empty(self) -> bool:
        row = self.db.read_one("SELECT count(*) FROM subdistricts")
        return row is None or row[0] == 0

    @property
    def data(self) -> Catalog:
        if self.catalog is None:
            raise RuntimeError("the store is not open")
        return self.catalog

    def forget_tokens(self) -> None:
        """Drop every remembered token check (the tokens table changed: a token may have been revoked)."""
        self._tokens.clear()
        self._live.clear()

    def cached_token(self, text: str) -> tuple[bool, Token | None]:
        """(known, token) from the cache alone, without touching the database."""
        return self._tokens.get(text)

    def token(self, text: str) -> Token | None:
        """The live token for this bearer text (remembered for ``token_cache_s``, 30 s by default, and
        forgotten within a second of any change to the tokens table, so a revocation takes effect then)."""
        return self._tokens.answer(text, lambda: find_token(self.db, text))

    def cached_token_live(self, token_id: str) -> tuple[bool, bool]:
        """(known, live) for a token id from the cache alone."""
        return self._live.get(token_id)

    def token_live(self, token_id: str) -> bool:
        """Whether the token with this id is still unrevoked (remembered like ``token``): long-lived
        connections (subscriptions) ask again as they go, so a lost phone's revoked token stops them."""

        def work_out() -> bool:
            row = self.db.read_one("SELECT revoked FROM tokens WHERE id = ?", (token_id,))
            return row is not None and not row["revoked"]

        return bool(self._live.answer(token_id, work_out))


def _identity(conn: Any) -> str:
    """The store's identity: made when it is first opened, never copied (``hub_identity``)."""
    row = conn.execute("SELECT id FROM hub_identity ORDER BY id LIMIT 1").fetchone()
    if row is not None:
        return str(row[0])
    made = uuid.uuid4().hex
    conn.execute("INSERT INTO hub_identity (id) VALUES (?)", (made,))
    return made
