"""Who saw whose personal data: the disclosure log, for admins (PIPL: log who saw it).

Every name, phone number and patrol track served unmasked is logged as it goes out (see
``hub.domain.access``); ``disclosures`` answers "who saw this officer's phone, and when". The log
lives in SQLite only (it grows with every staff request), so this query reads the file, in a worker
thread; entries reach it within about a second of the view.
"""

from __future__ import annotations

from datetime import datetime

import anyio
import strawberry
from strawberry.types import Info

from hub.domain.access import KINDS
from hub.domain.guards import require_admin
from hub.errors import InputError, LimitExceeded
from hub.schema.context import Context
from hub.store import Disclosure, find_disclosures

Ctx = Info[Context, None]


@strawberry.type(description="One caller's unmasked views of one kind of personal data within about a second.")
class DisclosureEntry:
    first_at: datetime
    last_at: datetime
    actor: str = strawberry.field(description="Who: role and token id (`officer:3f2a…`), or `admin:cli`.")
    role: str
    kind: str = strawberry.field(description=f"What: one of {', '.join(KINDS)}.")
    subjects: list[str] = strawberry.field(
        description="Whose: officer ids, grid codes, compound ids (for chairs and secretaries), patrol ids."
    )
    views: int = strawberry.field(description="How many values were served (one shown twice counts twice).")

    @classmethod
    def of(cls, d: Disclosure) -> DisclosureEntry:
        return cls(
            first_at=d.first_at,
            last_at=d.last_at,
            actor=d.actor,
            role=d.role,
            kind=d.kind,
            subjects=list(d.subjects),
            views=d.views,
        )


@strawberry.type
class PrivacyQuery:
    @strawberry.field(
        description=(
            "Admins: who was served whose personal data unmasked, newest first. Filter by kind, actor, "
            "subject (e.g. an officer id) and time (since inclusive, until exclusive); page back with `until`."
        )
    )
    async def disclosures(
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
        require_admin(ctx.viewer, "read the disclosure log")
        if kind is not None and kind not in KINDS:
            raise InputError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}", field="kind")
        if not 0 < first <= ctx.settings.max_page:
            raise LimitExceeded(f"first must be between 1 and {ctx.settings.max_page:,}, got {first:,}", field="first")
        found = await anyio.to_thread.run_sync(
            lambda: find_disclosures(
                ctx.store.db, kind=kind, actor=actor, subject=subject, since=since, until=until, limit=first
            )
        )
        return [DisclosureEntry.of(d) for d in found]
