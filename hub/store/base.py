"""What the rest of the store asks of a database, and which one a ``--db``/``HUB_DB`` value names.

Two databases have this interface: :class:`~hub.store.sqlite.SQLiteDatabase` (a file: the embedded
default, one process) and :class:`~hub.store.postgres.PostgresDatabase` (a ``postgresql://`` URL:
shared by several workers). A value is a URL only when it starts with ``postgresql://`` or
``postgres://``; any other ``scheme://`` is refused rather than taken for a folder name.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol, TypeVar

from hub.errors import StoreError
from hub.store.dialect import Dialect

T = TypeVar("T")


class Reader(Protocol):
    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...


class ConnReader:
    """Reads through one connection: a snapshot's, or that of a transaction in progress (what it will commit)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return list(self.conn.execute(sql, params).fetchall())

    def read_one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.read(sql, params)
        return rows[0] if rows else None


class Database(Reader, Protocol):
    """A store's database: one writer at a time, reads, a versioned schema."""

    dialect: Dialect

    @property
    def IntegrityError(self) -> type[Exception]:
        """What a broken unique or foreign key constraint raises."""
        ...

    def open(self) -> Database: ...

    def close(self) -> None: ...

    def write(self, fn: Callable[[Any], T], after: Callable[[T], None] | None = None, *, exclusive: bool = True) -> T:
        """Run ``fn(conn)`` in one transaction; ``after(result)`` once it has committed."""
        ...

    def snapshot(self) -> AbstractContextManager[Reader]:
        """Reads that all see one moment of the database."""
        ...

    @property
    def schema_version(self) -> int: ...


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_postgres(target: str | Path) -> bool:
    """Whether a ``--db``/``HUB_DB`` value names a PostgreSQL database (a URL) rather than a SQLite file.

    >>> is_postgres("postgresql://hub@db.local/suiyang"), is_postgres("hub.db")
    (True, False)
    """
    text = str(target)
    if text.startswith(("postgresql://", "postgres://")):
        return True
    if _SCHEME.match(text):
        raise StoreError(
            f"{text.split('://')[0]}:// is not a database this hub can use: give a SQLite file path "
            "or a postgresql:// URL"
        )
    return False


def open_database(
    target: str | Path, *, query_timeout_s: float = 10.0, synchronous: str = "full"
) -> Database:  # not opened yet
    """The database a ``--db``/``HUB_DB`` value names: a PostgreSQL URL, or else a SQLite file path."""
    if is_postgres(target):
        from hub.store.postgres import PostgresDatabase  # psycopg is needed only for PostgreSQL

        return PostgresDatabase(str(target), query_timeout_s=query_timeout_s)
    from hub.store.sqlite import SQLiteDatabase

    return SQLiteDatabase(target, query_timeout_s=query_timeout_s, synchronous=synchronous)


def redact(url: str | Path) -> str:
    """A connection URL without its password, for messages and logs.

    >>> redact("postgresql://hub:s3cret@db.local:5432/suiyang")
    'postgresql://hub:***@db.local:5432/suiyang'
    """
    url = str(url)
    scheme, sep, rest = url.partition("://")
    creds, at, host = rest.rpartition("@")
    if not at or ":" not in creds:
        return url
    return f"{scheme}{sep}{creds.split(':', 1)[0]}:***@{host}"
