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
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.store import unit_of_work
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
    ) -> None:
        self.db: Database = open_database(path, query_timeout_s=query_timeout_s, synchronous=synchronous)
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
        if self.shared:
            from hub.store import feed

            self.db.write(feed.purge, exclusive=False)
            self.feed = feed.Feed(self.db, lambda: self.data, self._changed)  # type: ignore[arg-type]
        else:
            self._seen_version = self.db.write(_data_version)
        with self.db.snapshot() as snap:  # the catalog and the feed's position at one moment
            self.catalog = load_catalog(snap)
            seq = feed.last_seq(snap) if self.shared else 0
        if self.feed is not None:
            self.feed.start(seq)
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
        if self.disclosures is not None:
            self.disclosures.close()
            self.disclosures = None
        self.db.close()

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
            return outcome, (feed.record(conn, kept) if feed is not None and kept else 0)

        def refresh(done: tuple[Outcome, int]) -> None:
            outcome, seq = done
            if not outcome.written:
                return
            if feed is not None:
                feed.applied(seq, outcome.written)
                return
            for record, deleted in outcome.written:
                self.data.apply(record, deleted=deleted)
            self._changed(outcome.written)

        return self.db.write(work, after=refresh)[0]

    def _catch_up(self, conn: Any) -> None:
        """Inside a write transaction: bring the catalog up to every write committed so far, this worker's or
        another's (PostgreSQL: from the change feed; SQLite: read again when another process has written)."""
        if self.feed is not None:
            self.feed.catch_up(conn)
            return
        version = _data_version(conn)
        if version != self._seen_version:
            self._changed(merge(self.data, load_catalog(ConnReader(conn))))
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
            return result, wrote, (feed.record_resync(conn) if feed is not None and wrote else 0)

        def after(done: tuple[Any, bool, int]) -> None:
            if not done[1]:
                return
            if feed is not None:
                feed.resync_to(done[2])
            else:
                self.resync()

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
