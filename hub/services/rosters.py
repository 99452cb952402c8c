"""Roster upkeep by admins: a squad's rotation rule and dated exceptions (leave, swaps, cover), and the same
for the townships' 24-hour duty rosters. One set of writes serves both (``_set_rule``, ``_add_exception``,
``_remove_exception``), checked by the same rules (``hub.domain.roster_edit``) for the roster at hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from hub.domain.access import Viewer
from hub.domain.guards import require_admin
from hub.domain.roster import BRIGADE, Roster
from hub.domain.roster_edit import check_exception, check_rule, describe
from hub.domain.township_duty import TOWNSHIP_DUTY
from hub.errors import NotFound
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork
from hub.store.records import DutyException, DutyRule, RosterException, RosterRule


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


@dataclass(frozen=True, slots=True)
class SetDutyRule:
    client_id: str
    township_code: str
    anchor: date
    cycle: tuple[str, ...]
    teams: tuple[tuple[str, int], ...]


@dataclass(frozen=True, slots=True)
class AddDutyException:
    client_id: str
    on_date: date
    staff_id: str
    kind: str
    shift_code: str | None = None
    township_code: str | None = None
    """For COVER: the township covered."""
    swap_with: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class RemoveDutyException:
    client_id: str
    exception_id: int


@dataclass(frozen=True, slots=True)
class _Kind:
    """What differs between the rosters' writes: the roster, the names in the audit and idempotency keys."""

    roster: Roster
    rule_entity: str
    exception_entity: str
    operations: tuple[str, str, str]
    """(set a rule, add an exception, remove one)."""


_BRIGADE = _Kind(
    BRIGADE, "roster_rule", "roster_exception", ("setRosterRule", "addRosterException", "removeRosterException")
)
_TOWNSHIPS = _Kind(
    TOWNSHIP_DUTY, "duty_rule", "duty_exception", ("setDutyRule", "addDutyException", "removeDutyException")
)


def _rule_payload(unit_field: str, unit: str, c: Any) -> dict[str, Any]:
    return {
        unit_field: unit,
        "anchor": c.anchor.isoformat(),
        "cycle": list(c.cycle),
        "teams": [list(t) for t in c.teams],
    }


def _set_rule(hub: Hub, viewer: Viewer, kind: _Kind, client_id: str, rule: Any) -> Done:
    """Set (replace) a unit's rotation rule; refused with the reason if it conflicts. The result names the unit."""
    require_admin(viewer, "edit rosters")
    unit = kind.roster.unit_of(rule)
    payload = _rule_payload(kind.roster.words.unit_field, unit, rule)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        check_rule(hub.data, rule, roster=kind.roster)
        uow.put(rule)
        uow.audit("set", kind.rule_entity, unit, {"input": payload})
        return {kind.roster.words.unit: unit}

    return write(hub, viewer, operation=kind.operations[0], key=client_id, payload=payload, apply=apply)


def _add_exception(hub: Hub, viewer: Viewer, kind: _Kind, client_id: str, exc: Any, payload: Mapping[str, Any]) -> Done:
    """Add leave, a swap or cover on a date; conflicting edits are refused. The result names the exception."""
    require_admin(viewer, "edit rosters")

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        check_exception(hub.data, exc, roster=kind.roster)
        stored = uow.add(exc)
        uow.audit("add", kind.exception_entity, stored.id, {"input": dict(payload)})
        return {"exception": stored.id}

    return write(hub, viewer, operation=kind.operations[1], key=client_id, payload=dict(payload), apply=apply)


def _remove_exception(hub: Hub, viewer: Viewer, kind: _Kind, client_id: str, exception_id: int) -> Done:
    """Withdraw an exception; the audit row says what it was."""
    require_admin(viewer, "edit rosters")
    payload = {"id": exception_id}

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        exc = kind.roster.exceptions(hub.data).get(exception_id)
        if exc is None:
            raise NotFound(f"no {kind.exception_entity.replace('_', ' ')} {exception_id}", field="id")
        uow.remove(exc)
        uow.audit("remove", kind.exception_entity, exc.id, {"input": payload, "was": describe(exc, kind.roster)})
        return {"exception": exc.id}

    return write(hub, viewer, operation=kind.operations[2], key=client_id, payload=payload, apply=apply)


def set_roster_rule(hub: Hub, viewer: Viewer, command: SetRosterRule) -> Done:
    """Set (replace) a squad's rotation; the result names the squad (``{"squad": code}``)."""
    c = command
    return _set_rule(
        hub, viewer, _BRIGADE, c.client_id, RosterRule(c.squad_code, c.anchor, c.cycle, c.teams, viewer.actor)
    )


def add_roster_exception(hub: Hub, viewer: Viewer, command: AddRosterException) -> Done:
    """Add leave, a swap or cover in another sector to the brigade's roster."""
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
    exc = RosterException(
        0, c.on_date, c.officer_id, c.kind, c.shift_code, c.sector_code, c.swap_with, c.note, viewer.actor
    )
    return _add_exception(hub, viewer, _BRIGADE, c.client_id, exc, payload)


def remove_roster_exception(hub: Hub, viewer: Viewer, command: RemoveRosterException) -> Done:
    return _remove_exception(hub, viewer, _BRIGADE, command.client_id, command.exception_id)


def set_duty_rule(hub: Hub, viewer: Viewer, command: SetDutyRule) -> Done:
    """Set (replace) a township's duty rotation; the result names the township (``{"township": code}``)."""
    c = command
    rule = DutyRule(c.township_code, c.anchor, c.cycle, c.teams, viewer.actor)
    return _set_rule(hub, viewer, _TOWNSHIPS, c.client_id, rule)


def add_duty_exception(hub: Hub, viewer: Viewer, command: AddDutyException) -> Done:
    """Add leave, a swap or cover of another township to the townships' duty roster."""
    c = command
    payload = {
        "date": c.on_date.isoformat(),
        "staffId": c.staff_id,
        "kind": c.kind,
        "shiftCode": c.shift_code,
        "townshipCode": c.township_code,
        "swapWith": c.swap_with,
        "note": c.note,
    }
    exc = DutyException(
        0, c.on_date, c.staff_id, c.kind, c.shift_code, c.township_code, c.swap_with, c.note, viewer.actor
    )
    return _add_exception(hub, viewer, _TOWNSHIPS, c.client_id, exc, payload)


def remove_duty_exception(hub: Hub, viewer: Viewer, command: RemoveDutyException) -> Done:
    return _remove_exception(hub, viewer, _TOWNSHIPS, command.client_id, command.exception_id)
