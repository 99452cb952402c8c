"""How mutations run: input → command → use-case (``hub.services``) in the store's writer thread → payload.

Every mutation takes a client-generated UUID (``clientId``). The use-case blocks on the store's single
writer and the disk, so it runs in the writer's thread; the hub's own errors become ``userErrors``
(never a server error), a retry with the same UUID returns the original result with
``replayed: true``, and a reused UUID with a different payload answers ``CONFLICT``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import strawberry

from hub.errors import HubError
from hub.schema.context import Context
from hub.schema.cost import sized


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
    """What a mutation's use-case produced: the stored result, whether it was a replay, or the errors."""

    result: Any = None
    replayed: bool = False
    errors: list[UserError] = field(default_factory=list)


async def perform(ctx: Context, command: Callable[[], Any], use_case: Callable[..., Any], **options: Any) -> Written:
    """Build the command (``command()``: input → command, which may refuse bad input) and run the use-case
    ``use_case(hub, viewer, command, **options)`` in the store's writer thread; errors become ``userErrors``."""
    try:
        made = command()
        done = await asyncio.get_running_loop().run_in_executor(
            ctx.hub.writer, lambda: use_case(ctx.hub, ctx.viewer, made, **options)
        )
    except HubError as exc:
        return Written(errors=[UserError.from_error(exc)])
    return Written(done.result, done.replayed)
