"""The hub's two logs, for admins: who saw whose personal data, and who changed what.

Every name, phone number and patrol track served unmasked is logged as it goes out (see
``hub.domain.access``); ``disclosures`` answers "who saw this officer's phone, and when" (PIPL: log
who saw it). ``auditLog`` lists the writes, each with who made it, when and what it changed. Both
logs live in SQLite only (they grow without end and are read rarely), so these queries read the
file (in a worker thread: the cost model marks them blocking); views reach the disclosure log within about a second.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from hub.domain.access import KINDS
from hub.schema.context import Context
from hub.schema.cost import sized, weighs
from hub.services import logs

Ctx = Info[Context, None]


@strawberry.type(description="One caller's unmasked views of one kind of personal data within about a second.")
class DisclosureEntry:
    first_at: datetime
    last_at: datetime
    actor: str = strawberry.field(description="Who: role and token id (`officer:3f2a…`), or `admin:cli`.")
    role: str
    kind: str = strawberry.field(description=f"What: one of {', '.join(KINDS)}.")
    subjects: list[str] = strawberry.field(
        description="Whose: officer ids, grid codes, compound ids (for chairs and secretaries), patrol ids.",
        metadata=sized(50),
    )
    views: int = strawberry.field(description="How many values were served (one shown twice counts twice).")


@strawberry.type(description="One write: who made it, when, and what it changed.")
class AuditLogEntry:
    id: int
    at: datetime
    actor: str = strawberry.field(description="Role and token id (`officer:3f2a…`), `cli`, or `hub init`.")
    action: str = strawberry.field(description="`report`, `advance`, `clear`, `create`, `revoke`, `import`, …")
    entity: str
    entity_id: str | None
    detail: JSON = strawberry.field(description="The request's input and what the hub decided.", metadata=weighs(2000))


def FIRST(data: Any, args: dict[str, Any]) -> float:
    """A log page's size: its ``first``."""
    return float(args.get("first") or 0)


@strawberry.type
class PrivacyQuery:
    @strawberry.field(
        description=(
            "Admins: who was served whose personal data unmasked, newest first. Filter by kind, actor, "
            "subject (e.g. an officer id) and time (since inclusive, until exclusive); page back with `until`."
        ),
        metadata=sized(FIRST, blocking=True),
    )
    def disclosures(
        self,
        info: Ctx,
        kind: str | None = None,
        actor: str | None = None,
        subject: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int = 100,
    ) -> list[DisclosureEntry]:
        ctx = info.context
        where = logs.LogFilter(since=since, until=until, actor=actor, first=first)
        # a database read: the cost model marks it blocking, so it runs in a worker thread (hub.schema.admission)
        found = logs.disclosures(ctx.hub, ctx.viewer, where, kind=kind, subject=subject)
        return [DisclosureEntry(**dataclasses.asdict(d)) for d in found]

    @strawberry.field(
        description=(
            "Admins: the writes, newest first. Filter by entity (`incident`, `patrol`, `occupation`, `token`, …) "
            "and its id, actor, action and time (since inclusive, until exclusive)."
        ),
        metadata=sized(FIRST, blocking=True),
    )
    def audit_log(
        self,
        info: Ctx,
        entity: str | None = None,
        entity_id: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int = 100,
    ) -> list[AuditLogEntry]:
        ctx = info.context
        where = logs.LogFilter(since=since, until=until, actor=actor, first=first)
        found = logs.audit_log(ctx.hub, ctx.viewer, where, entity=entity, entity_id=entity_id, action=action)
        return [AuditLogEntry(**dataclasses.asdict(a)) for a in found]
