"""How mutations run: validate in the domain, write once through the store, answer with a payload.

Every mutation takes a client-generated UUID (``clientId``). The write runs in a worker thread on
the store's single writer; the hub's own errors become ``userErrors`` (never a server error), a
retry with the same UUID returns the original result with ``replayed: true``, and a reused UUID with
a different payload answers ``CONFLICT``. Events are published only for writes that happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import strawberry

from hub.domain.events import Event
from hub.errors import HubError
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.store import UnitOfWork
from hub.store.unit_of_work import canonical_uuid


@strawberry.type(description="A problem with a mutation's input: where (`field`), what (`message`), a stable `code`.")
class UserError:
    field: str | None
    message: str
    code: str

    @classmethod
    def from_error(cls, exc: HubError) -> UserError:
        return cls(field=exc.field, message=exc.message, code=exc.code)


def user_errors_field() -> Any:
    """The ``userErrors`` field every payload has."""
    return strawberry.field(description="What was wrong with the input, if anything.", metadata=sized(2))


@dataclass
class Written:
    """What a mutation's write produced: the stored result, whether it was a replay, or the errors."""

    result: Any = None
    replayed: bool = False
    errors: list[UserError] = field(default_factory=list)


async def perform(
    ctx: Context,
    *,
    operation: str,
    client_id: str,
    payload: dict[str, Any],
    apply: Callable[[UnitOfWork], Any],
    events: Callable[[Any], list[Event]] | None = None,
) -> Written:
    """Run one idempotent write; ``apply`` (inside the transaction) returns a JSON-able result to keep."""
    try:
        cid = canonical_uuid(client_id)
        outcome = await asyncio.get_running_loop().run_in_executor(
            ctx.store.writer,
            lambda: ctx.store.submit(
                operation=operation, client_id=cid, actor=ctx.viewer.actor, payload=payload, apply=apply
            ),
        )
    except HubError as exc:
        return Written(errors=[UserError.from_error(exc)])
    if events is not None and not outcome.replayed:
        for event in events(outcome.result):
            ctx.events.publish(event)
    return Written(outcome.result, outcome.replayed)
