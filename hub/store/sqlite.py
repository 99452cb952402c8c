"""The embedded store: one SQLite file, one writer, many readers.

Every write goes through :meth:`SQLiteDatabase.write`, which runs a function on the single writer
connection inside ``BEGIN IMMEDIATE`` … ``COMMIT`` (rolled back on any exception), serialised by a
lock, so there is exactly one writer however many threads call it (Datasette's
``execute_write_fn``). Reads use one read-only connection per thread, bounded by a progress-handler
time limit. The file runs in WAL mode with ``synchronous=FULL`` by default: a write that returned is
on disk, and survives the process being killed and a power cut. With ``synchronous="normal"`` a write
returns once it is in the OS's cache, which survives the process being killed, and a flusher thread
syncs the log to disk right after (so a power cut can undo only the writes of the last moment, and
never corrupts the file); about 0.2 ms less per write (see ``docs/decisions.md``). The schema is
migrated forward on open (``hub.store.migrations``).

Blocking calls: callers on an event loop run these in a worker thread.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from hub.errors import StoreError
from hub.store.base import ConnReader
from hub.store.dialect import SQLITE
from hub.store.migrations import SCHEMA_VERSION, migration

T = TypeVar("T")

log = logging.getLogger("hub.store")

BUSY_TIMEOUT_MS = 5000

SYNC_MODES = ("full", "normal")

FLUSH_INTERVAL_S = 0.1
"""With ``synchronous="normal"``: the longest a returned write waits for the flusher's sync to disk."""
"""``synchronous`` settings the hub accepts (SQLite's FULL and NORMAL, in WAL mode)."""


def _connect(path: Path, *, readonly: bool) -> sqlite3.Connection:
    if readonly:
        conn = sqlite3.connect(
            f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
        )
    else:
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


class SQLiteDatabase:
    """A SQLite file opened for one process: a single writer and per-thread readers."""

    dialect = SQLITE
    IntegrityError = sqlite3.IntegrityError

    def __init__(self, path: str | Path, *, query_timeout_s: float = 10.0, synchronous: str = "full") -> None:
        if synchronous.lower() not in SYNC_MODES:
            raise StoreError(f"synchronous must be {' or '.join(SYNC_MODES)}, got {synchronous!r}")
        self.path = Path(path)
        self.query_timeout_s = query_timeout_s
        self.synchronous = synchronous.lower()
        self._flusher: _Flusher | None = None
        self._write_lock = threading.Lock()
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._writer: sqlite3.Connection | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def open(self) -> SQLiteDatabase:
        """Create the file if needed, switch on WAL and the sync mode, and migrate to the current schema."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            writer = _connect(self.path, readonly=False)
            mode = writer.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"could not switch {self.path} to WAL mode (got {mode})")
            writer.execute(f"PRAGMA synchronous = {self.synchronous.upper()}")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open the database {self.path}: {exc}") from exc
        self._writer = writer
        if self.synchronous == "normal":
            self._flusher = _Flusher(Path(f"{self.path}-wal"))
        self._migrate()
        return self

    def close(self) -> None:
        """Close every connection this object opened."""
        for conn in self._readers:
            conn.close()
        self._readers.clear()
        self._local = threading.local()
        if self._flusher is not None:
            self._flusher.stop()
            self._flusher = None
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    @property
    def flushes(self) -> int:
        """How many times the flusher has synced the log (``synchronous="normal"`` only)."""
        return 0 if self._flusher is None else self._flusher.count

    def __enter__(self) -> SQLiteDatabase:
        return self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        row = self.read_one("PRAGMA user_version")
        assert row is not None  # a PRAGMA always answers one row
        return int(row[0])

    def _migrate(self) -> None:
        def step(conn: sqlite3.Connection) -> None:
            current = conn.execute("PRAGMA user_version").fetchone()[0]
            if current > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} has schema version {current}, newer than this hub ({SCHEMA_VERSION}); upgrade the hub"
                )
            for version in range(current, SCHEMA_VERSION):
                for statement in _statements(migration(version, SQLITE)):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")

        self.write(step)

    # -- writing ---------------------------------------------------------------------------------

    def write(
        self, fn: Callable[[sqlite3.Connection], T], after: Callable[[T], None] | None = None, *, exclusive: bool = True
    ) -> T:
        """Run ``fn(conn)`` in one ``BEGIN IMMEDIATE`` transaction on the writer; commit, or roll back on error.

        ``after(result)`` runs once the commit has succeeded, still holding the writer's lock, so
        in-memory state derived from the write is current before the next write starts. (Every
        write is exclusive here; ``exclusive`` is for the PostgreSQL store's interface.)
        """
        if self._writer is None:
            raise StoreError("the database is not open")
        with self._write_lock:
            conn = self._writer
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = fn(conn)
                conn.execute("COMMIT")
                if self._flusher is not None:
                    self._flusher.wake()
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            if after is not None:
                after(result)
            return result

    # -- reading ---------------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path, readonly=True)
            self._local.conn = conn
            self._readers.append(conn)
        return conn

    @contextmanager
    def _time_limit(self, conn: sqlite3.Connection) -> Iterator[None]:
        deadline = time.monotonic() + self.query_timeout_s
        conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 10_000)
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise StoreError(f"the query took longer than {self.query_timeout_s:g} s and was stopped") from exc
            raise
        finally:
            conn.set_progress_handler(None, 0)

    def read(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        """Rows of one read-only query, under the query time limit."""
        conn = self._reader()
        with self._time_limit(conn):
            return conn.execute(sql, params).fetchall()

    def read_one(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Row | None:
        rows = self.read(sql, params)
        return rows[0] if rows else None

    @contextmanager
    def snapshot(self) -> Iterator[ConnReader]:
        """Reads that all see the file at one moment (loading the catalog), without a time limit."""
        conn = _connect(self.path, readonly=True)
        try:
            conn.execute("BEGIN")
            yield ConnReader(conn)
        finally:
            conn.close()


class _Flusher:
    """A thread that syncs the write-ahead log to disk at most every ``interval_s``, when there were writes.

    A write is on disk at most about ``interval_s`` after it returned (PostgreSQL's asynchronous
    commit works the same way, with 200 ms). Syncing after every write instead would cost as much
    as ``synchronous=FULL``: the sync and the thread's waking up compete with the next request.
    """

    def __init__(self, wal: Path, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.wal = wal
        self.interval_s = interval_s
        self.count = 0
        self._pending = threading.Event()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="hub-flusher", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._pending.set()

    def stop(self) -> None:
        self._stopping = True
        self._pending.set()
        self._thread.join()

    def _run(self) -> None:
        while True:
            self._pending.wait()
            self._pending.clear()
            try:
                fd = os.open(self.wal, os.O_RDONLY)
            except FileNotFoundError:  # no write has made the log yet
                fd = -1
            if fd >= 0:
                try:
                    os.fdatasync(fd)
                    self.count += 1
                except OSError as exc:  # a failing disk: say so, and keep trying on the next write
                    log.error("could not sync %s to disk: %s", self.wal, exc)
                finally:
                    os.close(fd)
            if self._stopping:
                return
            time.sleep(self.interval_s)  # writes meanwhile are synced together, next time round


def where(*conditions: tuple[str, Any]) -> tuple[str, list[Any]]:
    """A ``WHERE`` clause and its parameters from (condition, value) pairs, leaving out those whose value is None.

    >>> where(("kind = ?", "officer.phone"), ("actor = ?", None), ("last_at >= ?", "2024-06-01"))
    (' WHERE kind = ? AND last_at >= ?', ['officer.phone', '2024-06-01'])
    >>> where(("actor = ?", None))
    ('', [])
    """
    used = [(sql, value) for sql, value in conditions if value is not None]
    if not used:
        return "", []
    return " WHERE " + " AND ".join(sql for sql, _ in used), [value for _, value in used]


def _statements(script: str) -> list[str]:
    """Split a migration script into statements (they contain no semicolons inside literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]
