"""Roster upkeep by admins: a squad's rotation rule, and dated exceptions (leave, swaps, cover)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.domain.access import Viewer
from hub.domain.guards import require_admin
from hub.domain.roster_edit import check_exception, check_rule, describe
from hub.errors import NotFound
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork
from hub.store.records import RosterException, RosterRule


@dataclass(frozen=True, slots=True)
class SetRosterRule:
    client_id: str
    squad_code: str
    anchor: date
    cycle: tuple[str, ...]
    teams: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class AddRosterException:
    client_id: str
    on_date: date
    officer_id: str
    kind: str
    shift_code: str | None = None
    sector_code: str | None = None
    swap_with: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class RemoveRosterException:
    client_id: str
    exception_id: int


def set_roster_rule(hub: Hub, viewer: Viewer, command: SetRosterRule) -> Done:
    """Set (replace) a squad's rotation; refused with the reason if it conflicts. The result names the squad."""
    require_admin(viewer, "edit rosters")
    c = command
    payload = {
        "squadCode": c.squad_code,
        "anchor": c.anchor.isoformat(),
        "cycle": list(c.cycle),
        "teams": [list(t) for t in c.teams],
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        rule = RosterRule(c.squad_code, c.anchor, c.cycle, c.teams, viewer.actor)
        check_rule(hub.data, rule)
        uow.put(rule)
        uow.audit("set", "roster_rule", rule.squad_code, {"input": payload})
        return {"squad": rule.squad_code}

    return write(hub, viewer, operation="setRosterRule", key=c.client_id, payload=payload, apply=apply)


def add_roster_exception(hub: Hub, viewer: Viewer, command: AddRosterException) -> Done:
    """Add leave, a swap or cover on a date; conflicting edits are refused. The result names the exception."""
    require_admin(viewer, "edit rosters")
    c = command
    payload = {
        "date": c.on_date.isoformat(),
        "officerId": c.officer_id,
        "kind": c.kind,
        "shiftCode": c.shift_code,
        "sectorCode": c.sector_code,
        "swapWith": c.swap_with,
        "note": c.note,
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        exc = RosterException(
            0, c.on_date, c.officer_id, c.kind, c.shift_code, c.sector_code, c.swap_with, c.note, viewer.actor
        )
        check_exception(hub.data, exc)
        stored = uow.add(exc)
        uow.audit("add", "roster_exception", stored.id, {"input": payload})
        return {"exception": stored.id}

    return write(hub, viewer, operation="addRosterException", key=c.client_id, payload=payload, apply=apply)


def remove_roster_exception(hub: Hub, viewer: Viewer, command: RemoveRosterException) -> Done:
    """Withdraw an exception; the audit row says what it was."""
    require_admin(viewer, "edit rosters")
    c = command
    payload = {"id": c.exception_id}

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        exc = hub.data.roster_exceptions.get(c.exception_id)
        if exc is None:
            raise NotFound(f"no roster exception {c.exception_id}", field="id")
        uow.remove(exc)
        uow.audit("remove", "roster_exception", exc.id, {"input": payload, "was": describe(exc)})
        return {"exception": exc.id}

    return write(hub, viewer, operation="removeRosterException", key=c.client_id, payload=payload, apply=apply)
