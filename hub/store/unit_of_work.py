"""One write: a transaction that records the change, its audit row and its idempotency key together.

Phones on patchy networks retry. Every mutation carries a client-generated UUID; the first time a
UUID is seen its write runs and the result is kept under the key, so a retry gets the original
result back and writes nothing. The same UUID with a different payload (or for another operation)
is refused with :class:`~hub.errors.Conflict`. Keys are kept for 30 days (at least 7 is promised).

A key belongs to the caller who sent it (the actor: role and token id): another caller sending the
same UUID neither gets the first caller's result nor learns what it was. Callers check who may
write before they submit, so a caller who may not write is refused before any replay.

The domain hands :meth:`UnitOfWork.add` records, never SQL; after the commit the store brings its
in-memory catalog up to date with exactly the records written.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import orjson

from hub.errors import Conflict
from hub.store import tables

T = TypeVar("T")

KEEP_KEYS = timedelta(days=30)


def stamp(t: datetime | None = None) -> str:
    """A moment as the store's logs and keys keep it: UTC, ISO 8601 to the second, so text order is time
    order (a naive moment is taken as UTC; None is now).

    >>> from datetime import timezone
    >>> stamp(datetime(2024, 6, 5, 21, 30, tzinfo=timezone(timedelta(hours=8))))
    '2024-06-05T13:30:00+00:00'
    """
    if t is None:
        t = datetime.now(UTC)
    elif t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    return t.astimezone(UTC).isoformat(timespec="seconds")


def payload_hash(operation: str, payload: Any) -> str:
    """A stable hash of an operation's input (keys sorted), to tell a retry from a different request."""
    return hashlib.sha256(operation.encode() + b"\0" + orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


@dataclass
class UnitOfWork:
    """What one write may do inside its transaction."""

    conn: Any
    actor: str
    now: datetime
    written: list[tuple[Any, bool]] = field(default_factory=list)
    audit_rows: list[tuple[str, str, str | None, dict[str, Any]]] = field(default_factory=list)

    def add(self, record: T) -> T:
        """Insert a record (a 0 key is assigned by the database); returns it as stored."""
        stored = tables.insert(self.conn, record)
        self.written.append((stored, False))
        return stored

    def put(self, record: T) -> T:
        """Insert or overwrite the record with the same key; returns it as stored."""
        stored = tables.replace(self.conn, record)
        self.written.append((stored, False))
        return stored

    def remove(self, record: Any) -> None:
        tables.delete(self.conn, record)
        self.written.append((record, True))

    def audit(self, action: str, entity: str, entity_id: Any, detail: dict[str, Any]) -> None:
        """Record who changed what (the store adds who and when)."""
        self.audit_rows.append((action, entity, None if entity_id is None else str(entity_id), detail))


@dataclass(frozen=True)
class Outcome:
    """What a write returned: its result (kept under the client id), and whether it was a replay."""

    result: Any
    replayed: bool
    written: tuple[tuple[Any, bool], ...] = ()


def run(
    conn: Any,
    *,
    operation: str,
    client_id: str | None,
    actor: str,
    payload: Any,
    apply: Callable[[UnitOfWork], Any],
    now: datetime | None = None,
) -> Outcome:
    """Inside the caller's transaction: replay a known client id, or apply the write and keep its key."""
    now = now or datetime.now(UTC)
    digest = payload_hash(operation, payload)
    if client_id is not None:
        row = conn.execute(
            "SELECT * FROM idempotency_keys WHERE actor = ? AND client_id = ?", (actor, client_id)
        ).fetchone()
        if row is not None:
            if row["operation"] != operation or row["payload_hash"] != digest:
                raise Conflict(
                    f"clientId {client_id} was already used for a different {row['operation']} request; "
                    "use a new UUID for a new request",
                    field="clientId",
                )
            return Outcome(orjson.loads(row["result"]), replayed=True)
    uow = UnitOfWork(conn, actor, now)
    try:
        result = apply(uow)
    except getattr(conn, "IntegrityError", sqlite3.IntegrityError) as exc:  # e.g. a case whose clientId another
        # caller already used (PostgreSQL's connection names its own class)
        raise Conflict(
            f"the write conflicts with a stored record ({exc}); use a new clientId", field="clientId"
        ) from exc
    at = stamp(now)
    if client_id is not None:
        conn.execute(
            "INSERT INTO idempotency_keys (actor, client_id, operation, payload_hash, result, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (actor, client_id, operation, digest, orjson.dumps(result).decode(), at),
        )
    for action, entity, entity_id, detail in uow.audit_rows or [(operation, operation, None, {"input": payload})]:
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?, ?)",
            (at, actor, action, entity, entity_id, orjson.dumps({**detail, "clientId": client_id}).decode()),
        )
    return Outcome(result, replayed=False, written=tuple(uow.written))


def purge_keys(conn: Any, now: datetime | None = None) -> int:
    """Drop idempotency keys older than the keeping period; returns how many went."""
    cutoff = stamp((now or datetime.now(UTC)) - KEEP_KEYS)
    return conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (cutoff,)).rowcount
