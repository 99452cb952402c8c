"""Reading the audit log: every write, with who made it, when, and what it changed.

Rows are written with the change itself (``hub.store.unit_of_work``, token and import commands);
this module only reads them back, newest first, for the admins' ``auditLog`` query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.store.base import Reader
from hub.store.sqlite import where
from hub.store.unit_of_work import stamp


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    """Role and token id (``officer:3f2a…``), ``cli`` or ``hub init``."""
    action: str
    entity: str
    entity_id: str | None
    detail: dict[str, Any]
    """What changed: the request's input and what the hub decided (e.g. the squad a case went to)."""


def find_audit(
    db: Reader,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Audit rows, newest first, filtered by entity (and its id), actor, action and time [since, until)."""
    clause, params = where(
        ("entity = ?", entity),
        ("entity_id = ?", entity_id),
        ("actor = ?", actor),
        ("action = ?", action),
        ("at >= ?", None if since is None else stamp(since)),
        ("at < ?", None if until is None else stamp(until)),
    )
    rows = db.read(f"SELECT * FROM audit_log{clause} ORDER BY id DESC LIMIT ?", (*params, limit))
    return [
        AuditEntry(
            r["id"],
            _moment(r["at"]),
            r["actor"],
            r["action"],
            r["entity"],
            r["entity_id"],
            orjson.loads(r["detail"]) if r["detail"] else {},
        )
        for r in rows
    ]


def _moment(text: str) -> datetime:
    """A stored time: ISO 8601 with offset, or SQLite's ``datetime('now')`` (UTC, no offset)."""
    t = datetime.fromisoformat(text)
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)
