"""The hub's two logs, for admins: who was served whose personal data unmasked, and who changed what."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from hub.domain.access import KINDS, Viewer
from hub.domain.guards import require_admin
from hub.domain.roster import local_time
from hub.errors import InputError, LimitExceeded
from hub.services.hub import Hub
from hub.store import AuditEntry, Disclosure, find_audit, find_disclosures


@dataclass(frozen=True, slots=True)
class LogFilter:
    """Conditions on log entries; ``since`` inclusive, ``until`` exclusive, newest first, at most ``first``."""

    since: datetime | None = None
    until: datetime | None = None
    actor: str | None = None
    first: int = 100


def _checked(where: LogFilter) -> LogFilter:
    """The filter with its moments checked to be within the range the hub answers for (a year-1 moment has no
    UTC form to compare with)."""
    for name in ("since", "until"):
        moment = getattr(where, name)
        if moment is not None:
            local_time(moment, field=name)
    return where


def _limit(hub: Hub, first: int) -> int:
    if not 0 < first <= hub.settings.max_page:
        raise LimitExceeded(f"first must be between 1 and {hub.settings.max_page:,}, got {first:,}", field="first")
    return first


def disclosures(
    hub: Hub, viewer: Viewer, where: LogFilter, *, kind: str | None = None, subject: str | None = None
) -> list[Disclosure]:
    """Who was served whose personal data unmasked (a database read: blocking)."""
    require_admin(viewer, "read the disclosure log")
    if kind is not None and kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}", field="kind")
    limit = _limit(hub, _checked(where).first)
    return find_disclosures(
        hub.store.db, kind=kind, actor=where.actor, subject=subject, since=where.since, until=where.until, limit=limit
    )


def audit_log(
    hub: Hub,
    viewer: Viewer,
    where: LogFilter,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
) -> list[AuditEntry]:
    """The writes: who made each, when, and what it changed (a database read: blocking)."""
    require_admin(viewer, "read the audit log")
    limit = _limit(hub, _checked(where).first)
    return find_audit(
        hub.store.db,
        entity=entity,
        entity_id=entity_id,
        actor=where.actor,
        action=action,
        since=where.since,
        until=where.until,
        limit=limit,
    )
