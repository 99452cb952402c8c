"""Who is on shift, where, when. Shifts are defined in local time (Asia/Shanghai) and may run past midnight.

A shift ``20:00``–``02:00`` covers 20:00 to midnight of its day and midnight to 02:00 of the next;
``16:00``–``24:00`` ends at midnight. An officer's shift on a date comes from three places, each
overriding the one before:

1. the officer's standing ``shift_code`` (every day);
2. their squad's :class:`~hub.store.records.RosterRule`, if it lists them: the cycle position
   ``(offset + days since anchor) mod len(cycle)``, where ``OFF`` is a day off;
3. the dated :class:`~hub.store.records.RosterException` records of that date: ``LEAVE`` (off),
   ``SWAP`` (two officers exchange that day's shift and sector), ``COVER`` (the officer works the
   given shift in the given sector instead of their own).

An officer works in their squad's sector unless a swap or cover sends them elsewhere; they stay
a member of their own squad wherever they work. Edits are checked in :mod:`hub.domain.roster_edit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hub.errors import InputError
from hub.store.catalog import Catalog
from hub.store.records import Officer, RosterException, Shift, Squad

LOCAL = ZoneInfo("Asia/Shanghai")
OFF = "OFF"
"""The cycle entry for a day off."""
KINDS = ("LEAVE", "SWAP", "COVER")
"""The kinds of roster exception."""
BRIGADE_HOURS = ("07:00", "02:00")
"""The brigade's working day, local time: streets are to be covered from 07:00 to 02:00 the next morning."""


def minutes(hhmm: str) -> int:
    """Minutes after midnight of an ``HH:MM`` time; ``24:00`` is 1440.

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
    """
    t = local.hour * 60 + local.minute
    start, end = minutes(shift.start), minutes(shift.end)
    if start < end:
        return start <= t < end
    return t >= start or t < end  # runs past midnight


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
    """One officer's shift on one date: where, and the local moments it starts and ends."""

    date: dt.date
    officer: Officer
    squad_code: str
    """The officer's own squad (also when covering another squad's sector)."""
    sector_code: str
    """The sector worked that day."""
    shift: Shift
    start: datetime
    end: datetime
    """Exclusive; the next day for a shift that runs past midnight."""

    def running(self, at: datetime) -> bool:
        """True when the shift is running at ``at`` (start inclusive, end exclusive)."""
        return self.start <= local_time(at) < self.end


@dataclass(frozen=True, slots=True)
class Duty:
    """One squad on duty in a sector at a moment, with the officers on shift and their shifts."""

    squad: Squad
    sector_code: str
    officers: tuple[Officer, ...]
    shifts: tuple[Shift, ...]


@dataclass(frozen=True, slots=True)
class Gap:
    """A stretch of the brigade's working hours in which nobody is on shift in a sector."""

    sector_code: str
    start: datetime
    end: datetime


def rostered(catalog: Catalog, officer: Officer, day: date) -> str:
    """The shift code (or ``OFF``) the squad's rule gives an officer on a date, before exceptions.

    Without a rule for the squad, or for an officer the rule does not list, the standing
    ``shift_code`` every day.
    """
    rule = catalog.roster_rules.get(officer.squad_code)
    if rule is None or not rule.cycle:
        return officer.shift_code
    offset = _offsets(catalog).get(officer.id)
    if offset is None:
        return officer.shift_code
    return rule.cycle[(offset + (day - rule.anchor).days) % len(rule.cycle)]


def _offsets(catalog: Catalog) -> dict[str, int]:
    """Officer id → offset into their squad's cycle, from every rule (worked out once per roster version)."""
    hit = catalog.memo.get("roster_offsets")
    if hit is None or hit[0] != catalog.roster_version:
        offsets = {officer: n for rule in catalog.roster_rules.values() for officer, n in rule.teams}
        hit = catalog.memo["roster_offsets"] = (catalog.roster_version, offsets)
    return hit[1]


def exceptions_on(catalog: Catalog, day: date) -> list[RosterException]:
    """The roster exceptions dated ``day``, in the order they were made (by id)."""
    hit = catalog.memo.get("exceptions_by_day")
    if hit is None or hit[0] != catalog.roster_version:
        by_day: dict[date, list[RosterException]] = {}
        for x in sorted(catalog.roster_exceptions.values(), key=lambda x: x.id):
            by_day.setdefault(x.on_date, []).append(x)
        hit = catalog.memo["exceptions_by_day"] = (catalog.roster_version, by_day)
    return list(hit[1].get(day, ()))


def involved(exc: RosterException) -> tuple[str, ...]:
    """The officers an exception changes: its officer, and for a swap the other officer too."""
    if exc.kind == "SWAP" and exc.swap_with:
        return (exc.officer_id, exc.swap_with)
    return (exc.officer_id,)


def plan(catalog: Catalog, day: date) -> dict[str, tuple[str, str | None]]:
    """Officer id → (shift code or ``OFF``, sector code) on a date, after that date's exceptions.

    Exceptions apply in id order; a swap exchanges whatever the two officers have at that point.
    """
    out: dict[str, tuple[str, str | None]] = {}
    for officer in catalog.officers.values():
        squad = catalog.squads.get(officer.squad_code)
        out[officer.id] = (rostered(catalog, officer, day), squad.sector_code if squad else None)
    for exc in exceptions_on(catalog, day):
        if exc.officer_id not in out:
            continue
        if exc.kind == "LEAVE":
            out[exc.officer_id] = (OFF, out[exc.officer_id][1])
        elif exc.kind == "SWAP" and exc.swap_with in out and exc.swap_with != exc.officer_id:
            other = exc.swap_with
            out[exc.officer_id], out[other] = out[other], out[exc.officer_id]
        elif exc.kind == "COVER" and exc.shift_code and exc.sector_code:
            out[exc.officer_id] = (exc.shift_code, exc.sector_code)
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
    catalog: Catalog, day: date, *, squad: str | None = None, sector: str | None = None
) -> list[Assignment]:
    """Every officer working on a local date (optionally of one squad, or in one sector), by start and officer id.

    Officers who are off, and entries naming a shift or sector the catalog does not know, give no
    assignment.
    """
    check_day(day)
    found = _day(catalog, day) if sector is None else _in_sector(catalog, day, sector)
    return [a for a in found if squad is None or a.squad_code == squad]


MEMO_DAYS = 64


def _day(catalog: Catalog, day: date) -> tuple[Assignment, ...]:
    """All of a date's assignments, remembered until the roster changes (``catalog.roster_version``)."""
    days: dict[Any, tuple[Assignment, ...]] = catalog.memo.setdefault("assignments", {})
    key = (day, catalog.roster_version)
    hit = days.get(key)
    if hit is None:
        out = []
        spans: dict[str, tuple[datetime, datetime]] = {}
        for officer_id, (code, sector_code) in plan(catalog, day).items():
            officer = catalog.officers[officer_id]
            shift = catalog.shifts.get(code)
            if shift is None or sector_code is None:
                continue
            when = spans.get(code)
            if when is None:
                when = spans[code] = span(shift.start, shift.end, day)
            out.append(Assignment(day, officer, officer.squad_code, sector_code, shift, *when))
        out.sort(key=lambda a: (a.start, a.officer.id))
        if len(days) >= MEMO_DAYS:
            days.clear()
        hit = days[key] = tuple(out)
    return hit


def _in_sector(catalog: Catalog, day: date, sector: str) -> tuple[Assignment, ...]:
    """A date's assignments in one sector, remembered with the date's (dispatch asks for them on every report)."""
    sectors: dict[Any, tuple[Assignment, ...]] = catalog.memo.setdefault("assignments_in_sector", {})
    key = (day, sector, catalog.roster_version)
    hit = sectors.get(key)
    if hit is None:
        if len(sectors) >= MEMO_DAYS * 8:
            sectors.clear()
        hit = sectors[key] = tuple(a for a in _day(catalog, day) if a.sector_code == sector)
    return hit


def _around(catalog: Catalog, days: Iterable[date], sector: str | None = None) -> list[Assignment]:
    return [a for d in days for a in assignments(catalog, d, sector=sector)]


def on_duty(catalog: Catalog, sector_code: str, at: datetime) -> list[Duty]:
    """The squads (with their officers on shift) working in a sector at a moment.

    Includes the previous day's shifts still running after midnight, and officers of other squads
    covering the sector (listed under their own squad). Squads in code order, officers by id,
    shifts by code. A naive ``at`` is local time.
    """
    local = local_time(at)
    days = (local.date() - timedelta(days=1), local.date())
    running = [a for a in _around(catalog, days, sector_code) if a.start <= local < a.end]
    by_squad: dict[str, dict[str, Assignment]] = {}
    for a in running:
        by_squad.setdefault(a.squad_code, {}).setdefault(a.officer.id, a)
    duties = []
    for code in sorted(by_squad):
        squad = catalog.squads.get(code)
        if squad is None:
            continue
        chosen = [by_squad[code][k] for k in sorted(by_squad[code])]
        shifts = {a.shift.code: a.shift for a in chosen}
        duties.append(
            Duty(squad, sector_code, tuple(a.officer for a in chosen), tuple(shifts[c] for c in sorted(shifts)))
        )
    return duties


def sector_codes(catalog: Catalog) -> list[str]:
    """Every sector the brigade answers for: the sector layer's, and any a squad is assigned to."""
    return sorted({s.code for s in catalog.sectors} | {q.sector_code for q in catalog.squads.values()})


def working_hours(day: date, hours: tuple[str, str] = BRIGADE_HOURS) -> tuple[datetime, datetime]:
    """The brigade's working hours of a local date, as local moments.

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


def coverage_gaps(catalog: Catalog, day: date, *, hours: tuple[str, str] = BRIGADE_HOURS) -> list[Gap]:
    """Every stretch of a date's working hours (``hours``, 07:00–02:00 by default) with nobody on shift in a sector.

    Shifts of the day before and after count where they overlap those hours. By sector code, then start.
    """
    check_day(day)
    window = working_hours(day, hours)
    around = _around(catalog, (day - timedelta(days=1), day, day + timedelta(days=1)))
    gaps: list[Gap] = []
    for code in sector_codes(catalog):
        busy = [(a.start, a.end) for a in around if a.sector_code == code]
        gaps.extend(Gap(code, start, end) for start, end in uncovered(window, busy))
    return gaps
