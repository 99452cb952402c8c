"""Who is on duty for a place at a moment. Shifts are defined in local time (Asia/Shanghai) and may run past
midnight.

A roster (:class:`Roster`) says where one kind of duty keeps its records in the catalog: its members (each
of a unit, with a standing shift), the place each unit works, the shifts, the units' rotation rules and
the dated exceptions. Two rosters use this machinery: the old-town brigade (officers of squads, each squad
in its sector: :data:`BRIGADE`) and the townships' 24-hour duty (值班值守: duty staff of a township, in that
township: ``hub.domain.township_duty``). Everything below takes the roster it answers for; the brigade's
functions of old (``assignments``, ``on_duty``, ``coverage_gaps``, ``rostered``) are those with
:data:`BRIGADE`.

A shift ``20:00``–``02:00`` covers 20:00 to midnight of its day and midnight to 02:00 of the next;
``16:00``–``24:00`` ends at midnight; a shift whose end is its start (``08:00``–``08:00``) lasts 24 hours.
A member's shift on a date comes from three places, each overriding the one before:

1. the member's standing ``shift_code`` (every day);
2. their unit's rotation rule, if it lists them: the cycle position
   ``(offset + days since anchor) mod len(cycle)``, where ``OFF`` is a day off;
3. the dated exceptions of that date: ``LEAVE`` (off), ``SWAP`` (two members exchange that day's shift
   and place), ``COVER`` (the member works the given shift in the given place instead of their own).

A member works in their unit's place unless a swap or cover sends them elsewhere; they stay a member of
their own unit wherever they work. Edits are checked in :mod:`hub.domain.roster_edit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from hub.errors import InputError
from hub.store.catalog import Catalog
from hub.store.records import Shift

LOCAL = ZoneInfo("Asia/Shanghai")
OFF = "OFF"
"""The cycle entry for a day off."""
KINDS = ("LEAVE", "SWAP", "COVER")
"""The kinds of roster exception."""
BRIGADE_HOURS = ("07:00", "02:00")
"""The brigade's working day, local time: streets are to be covered from 07:00 to 02:00 the next morning."""
ALL_DAY = ("00:00", "24:00")
"""A working day of 24 hours (a township's duty: somebody answers at any hour)."""


@dataclass(frozen=True, slots=True)
class Words:
    """What a roster calls its parts, in messages and in the input fields they name."""

    unit: str
    member: str
    place: str
    unit_field: str
    member_field: str
    place_field: str
    team_field: str
    """How a team entry names its member (``teams.0.officer``)."""


@dataclass(frozen=True)
class Roster:
    """Where one kind of duty keeps its records in the catalog, and the working day it must cover."""

    name: str
    words: Words
    members: Callable[[Catalog], Mapping[str, Any]]
    """Member id → member record (with ``id`` and a standing ``shift_code``)."""
    unit_of: Callable[[Any], str]
    """A member's unit code (their squad, their township)."""
    units: Callable[[Catalog], Mapping[str, Any]]
    """Unit code → unit record (a squad, a township)."""
    home: Callable[[Any], str | None]
    """The place a unit works (a squad's sector, the township itself)."""
    places: Callable[[Catalog], list[str]]
    """Every place the roster answers for, sorted (coverage gaps are looked for in each)."""
    shifts: Callable[[Catalog], Mapping[str, Shift]]
    rules: Callable[[Catalog], Mapping[str, Any]]
    """Unit code → rotation rule (with ``anchor``, ``cycle`` and ``teams``: (member id, offset) pairs)."""
    exceptions: Callable[[Catalog], Mapping[int, Any]]
    """Exception id → exception (with ``id``, ``on_date``, ``kind``, ``shift_code``, ``swap_with``)."""
    member_of: Callable[[Any], str]
    """An exception's member id."""
    cover_place: Callable[[Any], str | None]
    """The place a COVER exception sends its member to."""
    version: Callable[[Catalog], Hashable]
    """Changes whenever the rules or exceptions do (answers derived from them are remembered by it)."""
    hours: tuple[str, str] = BRIGADE_HOURS
    """The working day, local time, that must be covered in every place (``coverage_gaps``)."""


def sector_codes(catalog: Catalog) -> list[str]:
    """Every sector the brigade answers for: the sector layer's, and any a squad is assigned to."""
    return sorted({s.code for s in catalog.sectors} | {q.sector_code for q in catalog.squads.values()})


BRIGADE = Roster(
    name="brigade",
    words=Words("squad", "officer", "sector", "squadCode", "officerId", "sectorCode", "officer"),
    members=lambda c: c.officers,
    unit_of=lambda o: o.squad_code,
    units=lambda c: c.squads,
    home=lambda squad: squad.sector_code,
    places=sector_codes,
    shifts=lambda c: c.shifts,
    rules=lambda c: c.roster_rules,
    exceptions=lambda c: c.roster_exceptions,
    member_of=lambda e: e.officer_id,
    cover_place=lambda e: e.sector_code,
    version=lambda c: c.roster_version,
)
"""The old-town enforcement brigade: officers of four squads, each squad in its sector, 07:00–02:00."""


@cache
def minutes(hhmm: str) -> int:
    """Minutes after midnight of an ``HH:MM`` time; ``24:00`` is 1440 (remembered: shifts are few).

    >>> minutes("07:30"), minutes("24:00")
    (450, 1440)
    """
    h, m = hhmm.split(":")
    value = int(h) * 60 + int(m)
    if not 0 <= value <= 1440 or not 0 <= int(m) < 60:
        raise ValueError(f"not a time of day: {hhmm!r}")
    return value


def covers(shift: Shift, local: time) -> bool:
    """True when a shift is running at a local time of day (start inclusive, end exclusive).

    >>> night = Shift("NIGHT", "夜班", "20:00", "02:00")
    >>> covers(night, time(23, 59)), covers(night, time(1, 30)), covers(night, time(2, 0))
    (True, True, False)
    >>> covers(Shift("LATE", "晚班", "16:00", "24:00"), time(23, 59))
    True
    >>> covers(Shift("DUTY", "24小时值班", "08:30", "08:30"), time(3, 0))
    True
    """
    t = local.hour * 60 + local.minute
    start, end = minutes(shift.start), minutes(shift.end)
    if start < end:
        return start <= t < end
    return t >= start or t < end  # runs past midnight (all day when the end is the start)


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2199, 12, 31)
"""The dates the hub answers for; far outside them time-zone and day arithmetic would overflow."""


def local_time(at: datetime, tz: ZoneInfo = LOCAL, *, field: str = "at") -> datetime:
    """``at`` in local time; a naive datetime is taken to be local already.

    Moments outside 1970–2199 are refused (InputError naming ``field``) before any conversion can
    overflow, so a far-fetched client value is a clear error, never a crash.

    >>> local_time(datetime(2024, 6, 1, 13, 30, tzinfo=ZoneInfo("UTC"))).hour
    21
    >>> local_time(datetime(1, 1, 1, tzinfo=dt.timezone(timedelta(hours=9))), field="seenAt")
    Traceback (most recent call last):
    ...
    hub.errors.InputError: seenAt: 0001-01-01T00:00:00+09:00 is outside 1970-01-01 to 2199-12-31
    """
    if not FIRST_DAY <= at.date() <= LAST_DAY:
        raise InputError(f"{at.isoformat()} is outside {FIRST_DAY} to {LAST_DAY}", field=field)
    return at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)


def span(start: str, end: str, day: date, tz: ZoneInfo = LOCAL) -> tuple[datetime, datetime]:
    """The local moments a ``start``–``end`` stretch of ``day`` begins and ends; an end ≤ start is the next day.

    >>> s, e = span("20:00", "02:00", date(2024, 6, 1))
    >>> s.isoformat(), e.isoformat()
    ('2024-06-01T20:00:00+08:00', '2024-06-02T02:00:00+08:00')
    >>> span("16:00", "24:00", date(2024, 6, 1))[1].isoformat()
    '2024-06-02T00:00:00+08:00'
    """
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    a, b = minutes(start), minutes(end)
    if b <= a:
        b += 1440
    return midnight + timedelta(minutes=a), midnight + timedelta(minutes=b)


@dataclass(frozen=True, slots=True)
class Assignment:
    """One member's shift on one date: where, and the local moments it starts and ends."""

    date: dt.date
    member: Any
    """The officer (or township duty officer) working."""
    unit: str
    """The member's own unit (also when covering another unit's place)."""
    place: str
    """The place worked that day (a sector, a township)."""
    shift: Shift
    start: datetime
    end: datetime
    """Exclusive; the next day for a shift that runs past midnight."""

    def running(self, at: datetime) -> bool:
        """True when the shift is running at ``at`` (start inclusive, end exclusive)."""
        return self.start <= local_time(at) < self.end

    @property
    def officer(self) -> Any:
        """The brigade's name for the member."""
        return self.member

    @property
    def squad_code(self) -> str:
        """The brigade's name for the unit."""
        return self.unit

    @property
    def sector_code(self) -> str:
        """The brigade's name for the place."""
        return self.place


@dataclass(frozen=True, slots=True)
class Duty:
    """One unit on duty in a place at a moment, with its members on shift and their shifts."""

    unit: Any
    """The unit's record (a squad, a township)."""
    place: str
    members: tuple[Any, ...]
    shifts: tuple[Shift, ...]

    @property
    def squad(self) -> Any:
        return self.unit

    @property
    def sector_code(self) -> str:
        return self.place

    @property
    def officers(self) -> tuple[Any, ...]:
        return self.members


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch of the working hours in which nobody is on shift in a place."""

    place: str
    start: datetime
    end: datetime

    @property
    def sector_code(self) -> str:
        return self.place


def rostered(catalog: Catalog, member: Any, day: date, roster: Roster = BRIGADE) -> str:
    """The shift code (or ``OFF``) the unit's rule gives a member on a date, before exceptions.

    Without a rule for the unit, or for a member the rule does not list, the standing ``shift_code``
    every day.
    """
    rule = roster.rules(catalog).get(roster.unit_of(member))
    if rule is None or not rule.cycle:
        return str(member.shift_code)
    offset = _offsets(catalog, roster).get(member.id)
    if offset is None:
        return str(member.shift_code)
    return str(rule.cycle[(offset + (day - rule.anchor).days) % len(rule.cycle)])


def _remembered(catalog: Catalog, name: str, roster: Roster, work_out: Callable[[], Any]) -> Any:
    """What ``work_out`` gives for this roster, remembered until the roster changes (``roster.version``)."""
    key = (name, roster.name)
    version = roster.version(catalog)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != version:
        hit = catalog.memo[key] = (version, work_out())
    return hit[1]


def _offsets(catalog: Catalog, roster: Roster) -> dict[str, int]:
    """Member id → offset into their unit's cycle, from every rule (worked out once per roster version)."""
    rules = roster.rules(catalog)
    return _remembered(
        catalog, "roster_offsets", roster, lambda: {m: n for rule in rules.values() for m, n in rule.teams}
    )


def exceptions_on(catalog: Catalog, day: date, roster: Roster = BRIGADE) -> list[Any]:
    """The roster exceptions dated ``day``, in the order they were made (by id)."""

    def by_day() -> dict[date, list[Any]]:
        out: dict[date, list[Any]] = {}
        for x in sorted(roster.exceptions(catalog).values(), key=lambda x: x.id):
            out.setdefault(x.on_date, []).append(x)
        return out

    return list(_remembered(catalog, "exceptions_by_day", roster, by_day).get(day, ()))


def involved(exc: Any, roster: Roster = BRIGADE) -> tuple[str, ...]:
    """The members an exception changes: its member, and for a swap the other member too."""
    member = roster.member_of(exc)
    if exc.kind == "SWAP" and exc.swap_with:
        return (member, exc.swap_with)
    return (member,)


def plan(
    catalog: Catalog, day: date, roster: Roster = BRIGADE, only: Iterable[str] | None = None
) -> dict[str, tuple[str, str | None]]:
    """Member id → (shift code or ``OFF``, place code) on a date, after that date's exceptions.

    Exceptions apply in id order; a swap exchanges whatever the two members have at that point. ``only``
    plans those members alone (they must include everyone the date's exceptions name).
    """
    out: dict[str, tuple[str, str | None]] = {}
    units = roster.units(catalog)
    members = roster.members(catalog)
    chosen = members.values() if only is None else (members[m] for m in only if m in members)
    for member in chosen:
        unit = units.get(roster.unit_of(member))
        out[member.id] = (rostered(catalog, member, day, roster), roster.home(unit) if unit is not None else None)
    for exc in exceptions_on(catalog, day, roster):
        member_id = roster.member_of(exc)
        if member_id not in out:
            continue
        if exc.kind == "LEAVE":
            out[member_id] = (OFF, out[member_id][1])
        elif exc.kind == "SWAP" and exc.swap_with in out and exc.swap_with != member_id:
            other = exc.swap_with
            out[member_id], out[other] = out[other], out[member_id]
        elif exc.kind == "COVER" and exc.shift_code and (place := roster.cover_place(exc)):
            out[member_id] = (exc.shift_code, place)
    return out


def check_day(day: date, *, field: str = "date") -> date:
    """The date, or an InputError when it is outside the range rosters answer for.

    >>> check_day(date(2024, 6, 5))
    datetime.date(2024, 6, 5)
    >>> check_day(date(9999, 12, 31))
    Traceback (most recent call last):
    ...
    hub.errors.InputError: date: 9999-12-31 is outside 1970-01-01 to 2199-12-31
    """
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f"{day.isoformat()} is outside {FIRST_DAY} to {LAST_DAY}", field=field)
    return day


def assignments(
    catalog: Catalog,
    day: date,
    *,
    squad: str | None = None,
    sector: str | None = None,
    roster: Roster = BRIGADE,
) -> list[Assignment]:
    """Every member working on a local date (optionally of one unit, ``squad``, or in one place, ``sector``),
    by start and member id.

    Members who are off, and entries naming a shift or place the catalog does not know, give no assignment.
    """
    check_day(day)
    found = _day(catalog, day, roster) if sector is None else _in_place(catalog, day, sector, roster)
    return [a for a in found if squad is None or a.unit == squad]


MEMO_DAYS = 64


def _assign(catalog: Catalog, day: date, roster: Roster, only: Iterable[str] | None = None) -> list[Assignment]:
    """The assignments of a date (of the members ``only`` names, when given), by start and member id."""
    return _dated(day, _worked(catalog, plan(catalog, day, roster, only), roster))


Work = tuple[Any, str, str, Shift]
"""Who works where, in which shift, on some date: (member, their unit's code, place, shift)."""


def _worked(catalog: Catalog, planned: dict[str, tuple[str, str | None]], roster: Roster) -> list[Work]:
    """A plan's members at work: those off, or given a shift or place the catalog does not know, left out."""
    members, shifts = roster.members(catalog), roster.shifts(catalog)
    out = []
    for member_id, (code, place) in planned.items():
        shift = shifts.get(code)
        if shift is not None and place is not None:
            member = members[member_id]
            out.append((member, roster.unit_of(member), place, shift))
    return out


def _dated(day: date, work: Iterable[Work]) -> list[Assignment]:
    """The assignments of ``work`` on a date, with its shifts' local moments, by start and member id."""
    out = [
        Assignment(day, member, unit, place, shift, start, end)
        for (member, unit, place, shift), start, end in _timed(day, work)
    ]
    out.sort(key=lambda a: (a.start, a.member.id))
    return out


def _timed(day: date, work: Iterable[Work]) -> Iterator[tuple[Work, datetime, datetime]]:
    """Each of ``work`` with the local moments its shift starts and ends on a date."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for w in work:
        shift = w[3]
        when = spans.get(shift.code)
        if when is None:
            when = spans[shift.code] = _span(shift.start, shift.end, day)
        yield w, *when


_span = lru_cache(maxsize=512)(span)
"""``span`` remembered: every call for a date asks for the moments of the same few shifts."""


def _day(catalog: Catalog, day: date, roster: Roster) -> tuple[Assignment, ...]:
    """All of a date's assignments, remembered until the roster changes (``roster.version``)."""
    days: dict[Any, tuple[Assignment, ...]] = catalog.memo.setdefault(("assignments", roster.name), {})
    key = (day, roster.version(catalog))
    hit = days.get(key)
    if hit is None:
        if len(days) >= MEMO_DAYS:
            days.clear()
        hit = days[key] = tuple(_assign(catalog, day, roster))
    return hit


def _members_at(catalog: Catalog, place: str, roster: Roster) -> tuple[str, ...]:
    """The members whose unit works in a place (remembered until the roster changes)."""
    return _by_place(catalog, roster).get(place, ())


def _by_place(catalog: Catalog, roster: Roster) -> dict[str | None, tuple[str, ...]]:
    """Place → the members whose unit works there (remembered until the roster changes)."""

    def by_place() -> dict[str | None, tuple[str, ...]]:
        units = roster.units(catalog)
        out: dict[str | None, list[str]] = {}
        for member in roster.members(catalog).values():
            unit = units.get(roster.unit_of(member))
            out.setdefault(roster.home(unit) if unit is not None else None, []).append(member.id)
        return {k: tuple(v) for k, v in out.items()}

    found: dict[str | None, tuple[str, ...]] = _remembered(catalog, "members_by_place", roster, by_place)
    return found


def _in_place(catalog: Catalog, day: date, place: str, roster: Roster) -> tuple[Assignment, ...]:
    """A date's assignments in one place, remembered (dispatch asks for them on every call): from the whole
    date's if that is known already, else from who works there that day (``_work_in``)."""
    places: dict[Any, tuple[Assignment, ...]] = catalog.memo.setdefault(("assignments_in", roster.name), {})
    version = roster.version(catalog)
    key = (day, place, version)
    hit = places.get(key)
    if hit is None:
        if len(places) >= MEMO_DAYS * 8:
            places.clear()
        whole = catalog.memo.get(("assignments", roster.name), {}).get((day, version))
        found = _dated(day, _work_in(catalog, day, place, roster)) if whole is None else whole
        hit = places[key] = tuple(a for a in found if a.place == place)
    return hit


def _work_in(catalog: Catalog, day: date, place: str, roster: Roster) -> tuple[Work, ...]:
    """Who works in a place on a date, their shifts not yet dated.

    On a date without exceptions, who the rules put there at that point of their cycles (``_rota``);
    otherwise worked out from the members whose unit works there and those the date's exceptions name
    (only they can work there that day).
    """
    named = {m for x in exceptions_on(catalog, day, roster) for m in involved(x, roster)}
    if not named:
        return _rota(catalog, day, place, roster)
    return _planned_in(catalog, day, place, roster, [*_members_at(catalog, place, roster), *sorted(named)])


def _planned_in(catalog: Catalog, day: date, place: str, roster: Roster, only: list[str]) -> tuple[Work, ...]:
    """Who of the members ``only`` names works in a place on a date (``plan``, with the date's exceptions)."""
    return tuple(w for w in _worked(catalog, plan(catalog, day, roster, only), roster) if w[2] == place)


def _rota(catalog: Catalog, day: date, place: str, roster: Roster) -> tuple[Work, ...]:
    """Who the rules put to work in a place on a date that has no exceptions (remembered until the roster
    changes).

    A member's rostered shift depends on the date only through where their unit's cycle stands, so every
    date at the same point of the cycles of the units working there gets the same answer.
    """
    version = roster.version(catalog)  # first: whatever is read after it is at least this version
    rules = roster.rules(catalog)

    def cycles() -> dict[str | None, tuple[tuple[date, int], ...]]:
        """Place → the (anchor, length) of the cycles of the units working there."""
        members = roster.members(catalog)
        out = {}
        for at, ids in _by_place(catalog, roster).items():
            ruled = [rules[u] for u in {roster.unit_of(members[m]) for m in ids} if u in rules and rules[u].cycle]
            out[at] = tuple(sorted({(rule.anchor, len(rule.cycle)) for rule in ruled}))
        return out

    phase = tuple(
        (day - anchor).days % n for anchor, n in _remembered(catalog, "cycles_by_place", roster, cycles).get(place, ())
    )
    rotas: dict[Any, tuple[Work, ...]] = catalog.memo.setdefault(("rota", roster.name), {})
    key = (place, phase, version)
    hit = rotas.get(key)
    if hit is None:
        if len(rotas) >= MEMO_DAYS * 8:
            rotas.clear()
        hit = _planned_in(catalog, day, place, roster, list(_members_at(catalog, place, roster)))
        if roster.version(catalog) == version:  # the roster did not change meanwhile: phase and plan agree
            rotas[key] = hit
    return hit


def _around(catalog: Catalog, days: Iterable[date], place: str | None, roster: Roster) -> list[Assignment]:
    return [a for d in days for a in assignments(catalog, d, sector=place, roster=roster)]


def _last_end(shifts: Iterable[Shift], day: date) -> datetime:
    """When the last of these shifts worked on ``day`` ends (a shift past midnight ends the next day).

    Every assignment takes its moments from its shift (``_timed``), so none of ``day``'s runs after this.

    >>> night = Shift("N", "夜班", "20:00", "02:00")
    >>> _last_end([night], date(2024, 6, 1)).isoformat()
    '2024-06-02T02:00:00+08:00'
    >>> _last_end([], date(2024, 6, 1)).isoformat()
    '2024-06-01T00:00:00+08:00'
    """
    ends = (minutes(s.end) + (1440 if minutes(s.end) <= minutes(s.start) else 0) for s in shifts)  # as span's
    return datetime.combine(day, time(0), tzinfo=LOCAL) + timedelta(minutes=max(ends, default=0))


def on_duty(catalog: Catalog, sector_code: str, at: datetime, roster: Roster = BRIGADE) -> list[Duty]:
    """The units (with their members on shift) working in a place at a moment.

    Includes the previous day's shifts still running after midnight, and members of other units
    covering the place (listed under their own unit). Units in code order, members by id, shifts
    by code. A naive ``at`` is local time.
    """
    local = local_time(at)
    days: tuple[date, ...] = (local.date() - timedelta(days=1), local.date())
    if local >= _last_end(roster.shifts(catalog).values(), days[0]):  # the day before's shifts are all over
        days = days[1:]
    by_unit: dict[str, dict[str, Work]] = {}
    for day in days:  # the day before's first: a member's night shift still running comes before a new one
        for work, start, end in _timed(day, _work_in(catalog, check_day(day), sector_code, roster)):
            if start <= local < end:
                by_unit.setdefault(work[1], {}).setdefault(work[0].id, work)
    units = roster.units(catalog)
    duties = []
    for code in sorted(by_unit):
        unit = units.get(code)
        if unit is None:
            continue
        chosen = [by_unit[code][k] for k in sorted(by_unit[code])]
        shifts = {w[3].code: w[3] for w in chosen}
        duties.append(Duty(unit, sector_code, tuple(w[0] for w in chosen), tuple(shifts[c] for c in sorted(shifts))))
    return duties


def working_hours(day: date, hours: tuple[str, str] = BRIGADE_HOURS) -> tuple[datetime, datetime]:
    """The working hours of a local date, as local moments.

    >>> s, e = working_hours(date(2024, 6, 1))
    >>> s.isoformat(), e.isoformat()
    ('2024-06-01T07:00:00+08:00', '2024-06-02T02:00:00+08:00')
    """
    return span(hours[0], hours[1], day)


def uncovered(
    window: tuple[datetime, datetime], busy: Iterable[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The stretches of ``window`` that no ``busy`` interval covers (all half-open), by one sweep.

    >>> h = lambda n: datetime(2024, 6, 1, n)
    >>> [(a.hour, b.hour) for a, b in uncovered((h(7), h(20)), [(h(9), h(12)), (h(11), h(15)), (h(16), h(22))])]
    [(7, 9), (15, 16)]
    """
    lo, hi = window
    gaps = []
    reached = lo
    for start, end in sorted(busy):
        if end <= reached or start >= hi:
            continue
        if start > reached:
            gaps.append((reached, start))
        reached = end
        if reached >= hi:
            break
    if reached < hi:
        gaps.append((reached, hi))
    return gaps


def coverage_gaps(
    catalog: Catalog, day: date, *, hours: tuple[str, str] | None = None, roster: Roster = BRIGADE
) -> list[Gap]:
    """Every stretch of a date's working hours (``hours``, the roster's own by default: 07:00–02:00 for the
    brigade) with nobody on shift in a place.

    Shifts of the day before and after count where they overlap those hours. By place code, then start.
    """
    check_day(day)
    window = working_hours(day, hours or roster.hours)
    around = _around(catalog, (day - timedelta(days=1), day, day + timedelta(days=1)), None, roster)
    gaps: list[Gap] = []
    for code in roster.places(catalog):
        busy = [(a.start, a.end) for a in around if a.place == code]
        gaps.extend(Gap(code, start, end) for start, end in uncovered(window, busy))
    return gaps
