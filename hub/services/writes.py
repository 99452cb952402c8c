"""How every write use-case runs: one transaction on the store's single writer, idempotent on the caller's key.

A phone retries; every write carries a client-generated UUID (``clientId``). :func:`write` checks
it and runs ``apply`` inside the store's transaction (record, audit row and key together). Live
events are not published here but from what the store reports committed (``Hub`` listens to
``Store.on_change``): so a write made on another worker reaches this worker's subscribers too, and
a replay publishes nothing. Callers check who may write
*before* calling it, so a caller who may not write is refused before any replay; the key belongs
to the caller (``hub.store.unit_of_work``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub.domain import guards
from hub.domain.access import Viewer
from hub.services.hub import Hub
from hub.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class Done:
    """What a write produced: its result (JSON-able, kept under the client's key) and whether it was a replay."""

    result: Any
    replayed: bool


def write(
    hub: Hub,
    viewer: Viewer,
    *,
    operation: str,
    key: str,
    payload: Any,
    apply: Callable[[UnitOfWork], Any],
) -> Done:
    """Run one idempotent write as ``viewer`` (blocking: it waits for the writer and the disk)."""
    outcome = hub.store.submit(
        operation=operation, client_id=guards.client_id(key), actor=viewer.actor, payload=payload, apply=apply
    )
    return Done(outcome.result, outcome.replayed)
