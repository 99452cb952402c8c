"""Persistence behind one interface: the SQLite file and the in-memory layers loaded from it.

``Store(path).open()`` creates and migrates the file, loads the demo data into an empty store when
asked, and reads every record into a :class:`~hub.store.catalog.Catalog` with spatial indexes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

from hub.store import unit_of_work
from hub.store.audit import AuditEntry, find_audit
from hub.store.catalog import Catalog, Layer, load_catalog
from hub.store.disclosures import Disclosure, DisclosureLog, find_disclosures
from hub.store.importer import DEFAULT_FIXTURES, ImportReport, import_dataset
from hub.store.records import Token
from hub.store.sqlite import SQLiteDatabase
from hub.store.tokens import RevocationWatch, find_token
from hub.store.unit_of_work import Outcome, UnitOfWork

__all__ = [
    "DEFAULT_FIXTURES",
    "AuditEntry",
    "Catalog",
    "Disclosure",
    "DisclosureLog",
    "ImportReport",
    "Layer",
    "Outcome",
    "SQLiteDatabase",
    "Store",
    "UnitOfWork",
    "find_audit",
    "find_disclosures",
]

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


class Store:
    """One hub's data: the database file and its in-memory catalog."""

    def __init__(
        self,
        path: str | Path,
        *,
        query_timeout_s: float = 10.0,
        synchronous: str = "full",
        token_cache_s: float = TOKEN_CACHE_S,
    ) -> None:
        self.db = SQLiteDatabase(path, query_timeout_s=query_timeout_s, synchronous=synchronous)
        self.catalog: Catalog | None = None
        self.disclosures: DisclosureLog | None = None
        """Who was served whose personal data unmasked (open while the store is)."""
        self._tokens = _Remembered(token_cache_s)
        self._live = _Remembered(token_cache_s)
        self._watch: RevocationWatch | None = None
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hub-writer")
        """The one thread that writes, for callers on an event loop (``loop.run_in_executor(store.writer, …)``)."""

    def open(self, *, fixtures: Path | None = None, load_demo: bool = True) -> Store:
        """Open (creating and migrating) the file; import the data set if the store is empty and asked to."""
        self.db.open()
        if load_demo and self.is_empty():
            import_dataset(self.db, fixtures)
        self.db.write(unit_of_work.purge_keys)
        self.catalog = load_catalog(self.db)
        self.disclosures = DisclosureLog(self.db)
        self._watch = RevocationWatch(self.db, self.forget_tokens).start()
        return self

    def close(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None
        self.writer.shutdown(wait=True)
        if self.disclosures is not None:
            self.disclosures.close()
            self.disclosures = None
        self.db.close()

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

        Blocking: call it from a worker thread when on an event loop.
        """

        def refresh(outcome: Outcome) -> None:
            for record, deleted in outcome.written:
                self.data.apply(record, deleted=deleted)

        return self.db.write(
            lambda conn: unit_of_work.run(
                conn, operation=operation, client_id=client_id, actor=actor, payload=payload, apply=apply, now=now
            ),
            after=refresh,
        )

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
