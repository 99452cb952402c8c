"""The shared store: PostgreSQL + PostGIS, for several hub workers and machines.

:class:`PostgresDatabase` has the interface of :class:`~hub.store.sqlite.SQLiteDatabase` (``open``,
``write``, ``read``, ``snapshot``, ``schema_version``), so the rest of the store runs unchanged on
either: SQL is written once, in SQLite's words, and :class:`PgConnection` translates it
(``hub.store.dialect``). Reads take connections from a psycopg pool; writes, one at a time in a
process, run on a connection of their own. Each sets ``synchronous_commit=on``, so a write is
acknowledged only once its commit is on the server's disk.

Writes are serialised across every worker by a transaction-level advisory lock
(:data:`WRITE_LOCK`), taken first thing in each write transaction and released by its commit:
PostgreSQL mode keeps SQLite's one-writer rule, so the domain's checks, run against the in-memory
catalog inside the transaction, see every committed write (the store brings the catalog up to date
under the lock first; ``hub.store.feed``), and change sequence numbers are handed out in commit
order. A lost connection before the commit is retried on a new one for up to ``reconnect_s``
seconds (a database restart); a connection lost during the commit leaves the outcome unknown and
is reported as such (the client's retry with the same clientId is safe).

Blocking calls: callers on an event loop run these in a worker thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from typing import Any, Literal, TypeVar

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Loader
from psycopg.pq import Format
from psycopg.types import TypeInfo
from psycopg_pool import ConnectionPool

from hub.errors import StoreError
from hub.store.base import ConnReader, is_postgres, redact
from hub.store.dialect import POSTGRES, placeholders
from hub.store.migrations import SCHEMA_VERSION, migration

T = TypeVar("T")

log = logging.getLogger("hub.store")

WRITE_LOCK = 0x6875_6201
"""The advisory lock every write transaction holds until its commit ("hub" 1)."""
RECONNECT_S = 15.0
"""How long a write waits for the database to come back before it is refused."""
POOL_SIZE = 4

IntegrityError = psycopg.IntegrityError
_RETRY = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
_EWKB_SRID = 0x2000_0000


class _WKB(Loader):
    """PostGIS's binary geometry (EWKB with SRID) as plain WKB, byte for byte what the SQLite store keeps."""

    format = Format.BINARY

    def load(self, data: Any) -> bytes:
        b = bytes(data)
        order: Literal["little", "big"] = "little" if b[0] == 1 else "big"
        kind = int.from_bytes(b[1:5], order)
        if kind & _EWKB_SRID:
            return b[:1] + (kind & ~_EWKB_SRID).to_bytes(4, order) + b[9:]
        return b


@cache
def _row_class(names: tuple[str, ...]) -> type:
    """A tuple whose items can also be taken by column name, as ``sqlite3.Row``'s can."""
    index = {n: i for i, n in enumerate(names)}
    get = tuple.__getitem__

    def getitem(self: tuple, key: Any) -> Any:
        return get(self, index[key]) if isinstance(key, str) else get(self, key)

    return type("Row", (tuple,), {"__slots__": (), "__getitem__": getitem, "keys": lambda self: list(names)})


def _rows(cursor: Any) -> Callable[[Sequence[Any]], Any]:
    """The row class of a result, from its column names as the server sent them (``cursor.description`` would
    build a column object each, on every statement)."""
    res = cursor.pgresult
    if res is None:
        return _row_class(())
    encoding = cursor.connection.info.encoding
    return _row_class(tuple((res.fname(i) or b"").decode(encoding) for i in range(res.nfields)))


class PgConnection:
    """A psycopg connection that takes the hub's SQL as SQLite takes it (``?`` placeholders, rows by
    name or position, geometry read as WKB)."""

    dialect = POSTGRES
    IntegrityError = psycopg.IntegrityError

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | None = ()) -> psycopg.Cursor[Any]:
        cur = self.raw.cursor(binary=True, row_factory=_rows)
        cur.execute(placeholders(sql), params or None)
        return cur

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> psycopg.Cursor[Any]:
        cur = self.raw.cursor()
        cur.executemany(placeholders(sql), rows)
        return cur

    def sync_identities(self) -> None:
        """After rows were inserted with their keys given (an import, a copy): every identity sequence
        continues past the largest key, as SQLite's row ids do."""
        found = self.raw.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES'"
        ).fetchall()
        for table, column in found:
            # never backwards: the change log's sequence numbers must keep rising even when the log was purged
            # (followers take any number at or below the one they reached as applied)
            sequence = self._one("SELECT pg_get_serial_sequence(%s, %s)", (table, column))[0]
            last, called = self._one(f"SELECT last_value, is_called FROM {sequence}")
            top = self._one(f'SELECT coalesce(max("{column}"), 0) FROM "{table}"')[0]
            self.raw.execute("SELECT setval(%s, %s, false)", (sequence, max(top + 1, last + 1 if called else last)))

    def _one(self, sql: str, params: Sequence[Any] | None = None) -> Any:
        row = self.raw.execute(sql, params).fetchone()
        assert row is not None, sql  # each of these queries answers one row
        return row


def configure(raw: psycopg.Connection[Any]) -> None:
    """Every connection: durable commits, and PostGIS geometry read as WKB."""
    raw.execute("SET synchronous_commit = on")
    info = TypeInfo.fetch(raw, "geometry")
    if info is not None:
        raw.adapters.register_loader(info.oid, _WKB)
    raw.commit()


class PostgresDatabase:
    """A PostgreSQL + PostGIS database shared by every worker: a pool of connections, one writer at a time."""

    dialect = POSTGRES
    IntegrityError = IntegrityError

    def __init__(
        self, url: str, *, query_timeout_s: float = 10.0, reconnect_s: float = RECONNECT_S, pool_size: int = POOL_SIZE
    ) -> None:
        if not is_postgres(url):
            raise StoreError(f"{url!r} is not a postgresql:// URL")
        self.url = url
        self.path = url  # named like the SQLite store's, for messages
        self.query_timeout_s = query_timeout_s
        self.reconnect_s = reconnect_s
        self.pool_size = pool_size
        self._pool: ConnectionPool[Any] | None = None
        self._write_lock = threading.Lock()
        self._writer: psycopg.Connection[Any] | None = None
        """The connection this process writes on (under ``_write_lock``), kept open between writes."""

    def __str__(self) -> str:
        return redact(self.url)

    # -- lifecycle -------------------------------------------------------------------------------

    def open(self) -> PostgresDatabase:
        """Connect, create PostGIS if it is missing, and migrate to the current schema."""
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=10) as conn:
                if conn.info.server_version < 120000:
                    raise StoreError(f"{self}: PostgreSQL {conn.info.server_version // 10000} is too old (need 12+)")
                self._ensure_postgis(conn)
        except psycopg.OperationalError as exc:
            raise StoreError(f"cannot connect to {self}: {_first_line(exc)}") from exc
        self._pool = ConnectionPool(
            self.url,
            min_size=1,
            max_size=self.pool_size,
            configure=configure,
            check=ConnectionPool.check_connection,
            kwargs={"connect_timeout": 10},
            open=False,
            name="hub",
        )
        self._pool.open(wait=True, timeout=30)
        try:
            self._migrate()
        except BaseException:
            self.close()
            raise
        return self

    @staticmethod
    def _ensure_postgis(conn: psycopg.Connection[Any]) -> None:
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
            return
        try:
            conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        except psycopg.Error as exc:
            raise StoreError(
                f"PostGIS is not installed in this database and the hub may not create it ({_first_line(exc)}); "
                "ask its owner to run CREATE EXTENSION postgis"
            ) from exc

    def close(self) -> None:
        with self._write_lock:  # a write that takes the lock after this finds the database closed
            pool, self._pool = self._pool, None
            self._drop_writer()
        if pool is not None:
            pool.close()

    def __enter__(self) -> PostgresDatabase:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self, **kwargs: Any) -> psycopg.Connection[Any]:
        """A connection of its own, outside the pool (the writer's, the change feed's listener)."""
        conn = psycopg.connect(self.url, connect_timeout=10, **kwargs)
        try:
            configure(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    @property
    def schema_version(self) -> int:
        row = self.read_one("SELECT version FROM hub_schema")
        return 0 if row is None else int(row[0])

    def _migrate(self) -> None:
        def step(conn: PgConnection) -> None:
            conn.execute("CREATE TABLE IF NOT EXISTS hub_schema (version integer NOT NULL)")
            row = conn.execute("SELECT version FROM hub_schema").fetchone()
            current = 0 if row is None else int(row[0])
            if row is None:
                conn.execute("INSERT INTO hub_schema VALUES (0)")
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self} has schema version {current}, newer than this hub ({SCHEMA_VERSION}); upgrade the hub"
                )
            for version in range(current, SCHEMA_VERSION):
                script = migration(version, POSTGRES)
                if script.strip():
                    conn.raw.execute(script)
                conn.execute("UPDATE hub_schema SET version = ?", (version + 1,))

        self.write(step)  # under the write lock: two workers starting at once migrate once

    # -- writing ---------------------------------------------------------------------------------

    def write(
        self, fn: Callable[[PgConnection], T], after: Callable[[T], None] | None = None, *, exclusive: bool = True
    ) -> T:
        """Run ``fn(conn)`` in one transaction and commit (rolled back on error); ``after(result)`` runs
        once the commit has succeeded, before the next write of this process starts.

        ``exclusive`` (the default) takes the hub's write lock first, so writes of every worker run
        one after another. ``fn`` may run more than once: again after a lost connection (nothing was
        committed) or a serialisation failure.
        """
        deadline = time.monotonic() + self.reconnect_s
        with self._write_lock:  # the writer's connection refuses when the database is not open
            for attempt in range(1, 1_000_000):
                committing = False
                try:
                    raw = self._writer_connection()
                    try:
                        if exclusive:
                            raw.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
                        result = fn(PgConnection(raw))
                        committing = True
                        raw.commit()
                    except BaseException:
                        if not raw.closed and not committing:
                            raw.rollback()
                        raise
                except (psycopg.OperationalError, psycopg.InterfaceError) as exc:
                    self._drop_writer()
                    if committing:
                        raise StoreError(
                            "the database connection was lost while committing: the write may or may not be "
                            "stored; send it again with the same clientId"
                        ) from exc
                    if time.monotonic() > deadline:
                        raise StoreError(f"the database is unreachable: {_first_line(exc)}") from exc
                    log.warning("write to %s failed (%s); retrying on a new connection", self, _first_line(exc))
                    time.sleep(min(0.05 * attempt, 1.0))
                    continue
                except _RETRY:
                    if attempt >= 5:
                        raise
                    continue
                except Exception as exc:
                    if _unavailable(exc) and time.monotonic() <= deadline:
                        self._drop_writer()
                        time.sleep(min(0.05 * attempt, 1.0))
                        continue
                    raise
                if after is not None:
                    after(result)
                return result
        raise AssertionError("unreachable")

    def _writer_connection(self) -> psycopg.Connection[Any]:
        """The connection writes run on (the caller holds ``_write_lock``), connected again once it was lost.

        Writes are one at a time in a process, so one connection serves them all, without the pool's
        check on every borrow (a round trip): a connection found dead is replaced by the retry in ``write``.
        """
        if self._pool is None:
            raise StoreError("the database is not open")
        raw = self._writer
        if raw is None or raw.closed or raw.broken:
            self._drop_writer()
            raw = self._writer = self.connect()
        return raw

    def _drop_writer(self) -> None:
        raw, self._writer = self._writer, None
        if raw is not None:
            raw.close()

    # -- reading ---------------------------------------------------------------------------------

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Rows of one query, under the query time limit."""
        with self._reading() as reader:
            reader.conn.raw.execute(f"SET LOCAL statement_timeout = {int(self.query_timeout_s * 1000)}")
            try:
                return reader.read(sql, params)
            except pg_errors.QueryCanceled as exc:
                raise StoreError(f"the query took longer than {self.query_timeout_s:g} s and was stopped") from exc

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.read(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def _reading(self, *, snapshot: bool = False) -> Iterator[ConnReader]:
        if self._pool is None:
            raise StoreError("the database is not open")
        try:
            with self._pool.connection(timeout=self.reconnect_s) as raw:
                if snapshot:
                    raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                try:
                    yield ConnReader(PgConnection(raw))
                finally:
                    if not raw.closed:
                        raw.rollback()
        except psycopg.OperationalError as exc:
            raise StoreError(f"the database is unreachable: {_first_line(exc)}") from exc

    @contextmanager
    def snapshot(self) -> Iterator[ConnReader]:
        """Reads that all see the database at one moment (loading the catalog), without a time limit."""
        with self._reading(snapshot=True) as reader:
            yield reader


def _unavailable(exc: Exception) -> bool:
    """The server is shutting down or starting (a restart): worth retrying."""
    return isinstance(exc, pg_errors.AdminShutdown | pg_errors.CannotConnectNow | pg_errors.CrashShutdown)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
