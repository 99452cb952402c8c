"""Checks for roster edits, before they are written: pure functions over the catalog.

Malformed input (a missing field, an offset outside the cycle, an unknown kind) raises
:class:`~hub.errors.InputError`, a code that names nothing raises :class:`~hub.errors.NotFound`,
and an edit that contradicts the stored roster (an officer of another squad in a team, a second
exception for an officer on one date, a swap with someone who is not working that day) raises
:class:`~hub.errors.Conflict`. Conflicts are judged against the exceptions already in the catalog
for that date; an exception with the id of a stored one is an update and is not judged against
itself. Coverage gaps an edit would open are reported by ``coverage_gaps``, not refused here.
"""

from __future__ import annotations

from collections.abc import Iterable

from hub.domain.roster import KINDS, OFF, check_day, exceptions_on, involved, rostered, sector_codes
from hub.errors import Conflict, InputError, NotFound
from hub.store.catalog import Catalog
from hub.store.records import RosterException, RosterRule


def _at(prefix: str | None, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _known(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none"


def check_rule(catalog: Catalog, rule: RosterRule, *, field: str | None = None) -> None:
    """Raise unless ``rule`` can replace its squad's rotation.

    The squad must exist; the cycle must be non-empty and name known shifts or ``OFF``; each team
    entry must name a distinct officer of that squad with an offset inside the cycle.
    """
    check_day(rule.anchor, field=_at(field, "anchor"))
    if rule.squad_code not in catalog.squads:
        raise NotFound(
            f"no squad {rule.squad_code!r}; known squads: {_known(catalog.squads)}", field=_at(field, "squadCode")
        )
    if not rule.cycle:
        raise InputError("a cycle needs at least one day (a shift code or OFF)", field=_at(field, "cycle"))
    for i, code in enumerate(rule.cycle):
        if code != OFF and code not in catalog.shifts:
            raise NotFound(
                f"day {i} of the cycle names no shift {code!r}; use one of {_known(catalog.shifts)} or {OFF}",
                field=_at(field, f"cycle.{i}"),
            )
    seen: set[str] = set()
    for i, (officer_id, offset) in enumerate(rule.teams):
        where = _at(field, f"teams.{i}")
        officer = catalog.officers.get(officer_id)
        if officer is None:
            raise NotFound(f"no officer {officer_id!r}", field=f"{where}.officer")
        if officer_id in seen:
            raise InputError(f"officer {officer_id} is listed twice; give each officer one offset", field=where)
        seen.add(officer_id)
        if officer.squad_code != rule.squad_code:
            raise Conflict(
                f"officer {officer_id} belongs to squad {officer.squad_code}, not {rule.squad_code}; "
                "a rule rotates only its own squad's officers",
                field=f"{where}.officer",
            )
        if not isinstance(offset, int) or not 0 <= offset < len(rule.cycle):
            raise InputError(
                f"offset {offset!r} of officer {officer_id} is outside the {len(rule.cycle)}-day cycle "
                f"(use 0 to {len(rule.cycle) - 1})",
                field=f"{where}.offset",
            )


def describe(exc: RosterException) -> str:
    """What a stored exception does, for messages.

    >>> from datetime import date
    >>> describe(RosterException(4, date(2024, 6, 1), "OF02", "SWAP", swap_with="OF05"))
    'exception 4: OF02 swaps shifts with OF05 on 2024-06-01'
    """
    what = {
        "LEAVE": f"{exc.officer_id} is on leave",
        "SWAP": f"{exc.officer_id} swaps shifts with {exc.swap_with}",
        "COVER": f"{exc.officer_id} covers sector {exc.sector_code} on shift {exc.shift_code}",
    }.get(exc.kind, f"{exc.officer_id} has a {exc.kind} exception")
    return f"exception {exc.id}: {what} on {exc.on_date.isoformat()}"


def _require_free(taken: dict[str, RosterException], officer_id: str, field: str) -> None:
    held = taken.get(officer_id)
    if held is not None:
        raise Conflict(
            f"officer {officer_id} already has an exception that day ({describe(held)}); "
            "change or remove it first (one exception per officer per day)",
            field=field,
        )


def _require_unused(exc: RosterException, names: tuple[str, ...], field: str | None) -> None:
    attrs = {"shiftCode": exc.shift_code, "sectorCode": exc.sector_code, "swapWith": exc.swap_with}
    for name in names:
        if attrs[name] is not None:
            raise InputError(f"a {exc.kind} exception takes no {name}", field=_at(field, name))


def check_exception(catalog: Catalog, exc: RosterException, *, field: str | None = None) -> None:
    """Raise unless ``exc`` can be added to (or replace its namesake in) the roster of its date.

    LEAVE: the officer has no other exception that day. SWAP: ``swap_with`` is another known
    officer, neither has an exception that day and both are rostered to work. COVER: a known
    shift and sector, and the officer has no other exception that day.
    """
    check_day(exc.on_date, field=_at(field, "date"))
    if exc.kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, got {exc.kind!r}", field=_at(field, "kind"))
    if exc.officer_id not in catalog.officers:
        raise NotFound(f"no officer {exc.officer_id!r}", field=_at(field, "officerId"))
    taken: dict[str, RosterException] = {}
    for other in exceptions_on(catalog, exc.on_date):
        if other.id != exc.id or not exc.id:
            for officer_id in involved(other):
                taken.setdefault(officer_id, other)
    day = exc.on_date.isoformat()

    if exc.kind == "LEAVE":
        _require_unused(exc, ("shiftCode", "sectorCode", "swapWith"), field)
        _require_free(taken, exc.officer_id, _at(field, "officerId"))
    elif exc.kind == "SWAP":
        _require_unused(exc, ("shiftCode", "sectorCode"), field)
        if not exc.swap_with:
            raise InputError(
                "a SWAP needs swapWith: the officer who takes the other shift", field=_at(field, "swapWith")
            )
        if exc.swap_with == exc.officer_id:
            raise InputError(f"officer {exc.officer_id} cannot swap with themselves", field=_at(field, "swapWith"))
        if exc.swap_with not in catalog.officers:
            raise NotFound(f"no officer {exc.swap_with!r}", field=_at(field, "swapWith"))
        _require_free(taken, exc.officer_id, _at(field, "officerId"))
        _require_free(taken, exc.swap_with, _at(field, "swapWith"))
        for officer_id, name in ((exc.officer_id, "officerId"), (exc.swap_with, "swapWith")):
            code = rostered(catalog, catalog.officers[officer_id], exc.on_date)
            if code == OFF or code not in catalog.shifts:
                raise Conflict(
                    f"officer {officer_id} is not working on {day} (rostered {code}); "
                    "a swap exchanges two worked shifts",
                    field=_at(field, name),
                )
    else:  # COVER
        _require_unused(exc, ("swapWith",), field)
        if not exc.shift_code or exc.shift_code not in catalog.shifts:
            raise NotFound(
                f"a COVER needs a known shift, got {exc.shift_code!r}; use one of {_known(catalog.shifts)}",
                field=_at(field, "shiftCode"),
            )
        sectors = sector_codes(catalog)
        if not exc.sector_code or exc.sector_code not in sectors:
            raise NotFound(
                f"a COVER needs a known sector, got {exc.sector_code!r}; use one of {_known(sectors)}",
                field=_at(field, "sectorCode"),
            )
        _require_free(taken, exc.officer_id, _at(field, "officerId"))
