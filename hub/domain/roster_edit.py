"""Checks for roster edits, before they are written: pure functions over the catalog, for any roster
(``hub.domain.roster.Roster``: the brigade's by default, a township's duty roster alike).

Malformed input (a missing field, an offset outside the cycle, an unknown kind) raises
:class:`~hub.errors.InputError`, a code that names nothing raises :class:`~hub.errors.NotFound`,
and an edit that contradicts the stored roster (a member of another unit in a team, a second
exception for a member on one date, a swap with someone who is not working that day) raises
:class:`~hub.errors.Conflict`. Conflicts are judged against the exceptions already in the catalog
for that date; an exception with the id of a stored one is an update and is not judged against
itself. Coverage gaps an edit would open are reported by ``coverage_gaps``, not refused here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.domain.roster import BRIGADE, KINDS, OFF, Roster, check_day, exceptions_on, involved, rostered
from hub.errors import Conflict, InputError, NotFound
from hub.store.catalog import Catalog


def _at(prefix: str | None, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _known(names: Iterable[str]) -> str:
    listed = sorted(names)
    return ", ".join(listed) if listed else "none"


def check_rule(catalog: Catalog, rule: Any, *, field: str | None = None, roster: Roster = BRIGADE) -> None:
    """Raise unless ``rule`` can replace its unit's rotation.

    The unit must exist; the cycle must be non-empty and name known shifts or ``OFF``; each team
    entry must name a distinct member of that unit with an offset inside the cycle.
    """
    w = roster.words
    unit_code = roster.unit_of(rule)
    units, members, shifts = roster.units(catalog), roster.members(catalog), roster.shifts(catalog)
    check_day(rule.anchor, field=_at(field, "anchor"))
    if unit_code not in units:
        raise NotFound(f"no {w.unit} {unit_code!r}; known {w.unit}s: {_known(units)}", field=_at(field, w.unit_field))
    if not rule.cycle:
        raise InputError("a cycle needs at least one day (a shift code or OFF)", field=_at(field, "cycle"))
    for i, code in enumerate(rule.cycle):
        if code != OFF and code not in shifts:
            raise NotFound(
                f"day {i} of the cycle names no shift {code!r}; use one of {_known(shifts)} or {OFF}",
                field=_at(field, f"cycle.{i}"),
            )
    seen: set[str] = set()
    for i, (member_id, offset) in enumerate(rule.teams):
        where = _at(field, f"teams.{i}")
        member = members.get(member_id)
        if member is None:
            raise NotFound(f"no {w.member} {member_id!r}", field=f"{where}.{w.team_field}")
        if member_id in seen:
            raise InputError(f"{w.member} {member_id} is listed twice; give each {w.member} one offset", field=where)
        seen.add(member_id)
        if roster.unit_of(member) != unit_code:
            raise Conflict(
                f"{w.member} {member_id} belongs to {w.unit} {roster.unit_of(member)}, not {unit_code}; "
                f"a rule rotates only its own {w.unit}'s {w.member}s",
                field=f"{where}.{w.team_field}",
            )
        if not isinstance(offset, int) or not 0 <= offset < len(rule.cycle):
            raise InputError(
                f"offset {offset!r} of {w.member} {member_id} is outside the {len(rule.cycle)}-day cycle "
                f"(use 0 to {len(rule.cycle) - 1})",
                field=f"{where}.offset",
            )


def describe(exc: Any, roster: Roster = BRIGADE) -> str:
    """What a stored exception does, for messages.

    >>> from datetime import date
    >>> from hub.store.records import RosterException
    >>> describe(RosterException(4, date(2024, 6, 1), "OF02", "SWAP", swap_with="OF05"))
    'exception 4: OF02 swaps shifts with OF05 on 2024-06-01'
    """
    member = roster.member_of(exc)
    what = {
        "LEAVE": f"{member} is on leave",
        "SWAP": f"{member} swaps shifts with {exc.swap_with}",
        "COVER": f"{member} covers {roster.words.place} {roster.cover_place(exc)} on shift {exc.shift_code}",
    }.get(exc.kind, f"{member} has a {exc.kind} exception")
    return f"exception {exc.id}: {what} on {exc.on_date.isoformat()}"


def _require_free(taken: dict[str, Any], member_id: str, field: str, roster: Roster) -> None:
    held = taken.get(member_id)
    if held is not None:
        w = roster.words
        raise Conflict(
            f"{w.member} {member_id} already has an exception that day ({describe(held, roster)}); "
            f"change or remove it first (one exception per {w.member} per day)",
            field=field,
        )


def _require_unused(exc: Any, names: tuple[str, ...], field: str | None, roster: Roster) -> None:
    attrs = {"shiftCode": exc.shift_code, roster.words.place_field: roster.cover_place(exc), "swapWith": exc.swap_with}
    for name in names:
        if attrs[name] is not None:
            raise InputError(f"a {exc.kind} exception takes no {name}", field=_at(field, name))


def check_exception(catalog: Catalog, exc: Any, *, field: str | None = None, roster: Roster = BRIGADE) -> None:
    """Raise unless ``exc`` can be added to (or replace its namesake in) the roster of its date.

    LEAVE: the member has no other exception that day. SWAP: ``swap_with`` is another known
    member, neither has an exception that day and both are rostered to work. COVER: a known
    shift and place, and the member has no other exception that day.
    """
    w = roster.words
    members, shifts = roster.members(catalog), roster.shifts(catalog)
    member_id = roster.member_of(exc)
    check_day(exc.on_date, field=_at(field, "date"))
    if exc.kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}, got {exc.kind!r}", field=_at(field, "kind"))
    if member_id not in members:
        raise NotFound(f"no {w.member} {member_id!r}", field=_at(field, w.member_field))
    taken: dict[str, Any] = {}
    for other in exceptions_on(catalog, exc.on_date, roster):
        if other.id != exc.id or not exc.id:
            for someone in involved(other, roster):
                taken.setdefault(someone, other)
    day = exc.on_date.isoformat()
    mine = _at(field, w.member_field)

    if exc.kind == "LEAVE":
        _require_unused(exc, ("shiftCode", w.place_field, "swapWith"), field, roster)
        _require_free(taken, member_id, mine, roster)
    elif exc.kind == "SWAP":
        _require_unused(exc, ("shiftCode", w.place_field), field, roster)
        if not exc.swap_with:
            raise InputError(
                f"a SWAP needs swapWith: the {w.member} who takes the other shift", field=_at(field, "swapWith")
            )
        if exc.swap_with == member_id:
            raise InputError(f"{w.member} {member_id} cannot swap with themselves", field=_at(field, "swapWith"))
        if exc.swap_with not in members:
            raise NotFound(f"no {w.member} {exc.swap_with!r}", field=_at(field, "swapWith"))
        _require_free(taken, member_id, mine, roster)
        _require_free(taken, exc.swap_with, _at(field, "swapWith"), roster)
        for someone, name in ((member_id, w.member_field), (exc.swap_with, "swapWith")):
            code = rostered(catalog, members[someone], exc.on_date, roster)
            if code == OFF or code not in shifts:
                raise Conflict(
                    f"{w.member} {someone} is not working on {day} (rostered {code}); "
                    "a swap exchanges two worked shifts",
                    field=_at(field, name),
                )
    else:  # COVER
        _require_unused(exc, ("swapWith",), field, roster)
        if not exc.shift_code or exc.shift_code not in shifts:
            raise NotFound(
                f"a COVER needs a known shift, got {exc.shift_code!r}; use one of {_known(shifts)}",
                field=_at(field, "shiftCode"),
            )
        places = roster.places(catalog)
        place = roster.cover_place(exc)
        if not place or place not in places:
            raise NotFound(
                f"a COVER needs a known {w.place}, got {place!r}; use one of {_known(places)}",
                field=_at(field, w.place_field),
            )
        _require_free(taken, member_id, mine, roster)
