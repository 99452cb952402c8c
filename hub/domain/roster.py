"""Who is on shift, where, when. Shifts are defined in local time (Asia/Shanghai) and may run past midnight.

A shift ``20:00``–``02:00`` covers 20:00 to midnight of its day and midnight to 02:00 of the next;
``16:00``–``24:00`` ends at midnight. An officer works the shift of their roster entry; a squad is
on duty in its sector whenever any of its officers is on shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

from hub.store.catalog import Catalog
from hub.store.records import Officer, Shift, Squad

LOCAL = ZoneInfo("Asia/Shanghai")


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


def local_time(at: datetime, tz: ZoneInfo = LOCAL) -> datetime:
    """``at`` in local time; a naive datetime is taken to be local already."""
    return at.replace(tzinfo=tz) if at.tzinfo is None else at.astimezone(tz)


@dataclass(frozen=True, slots=True)
class Duty:
    """One squad on duty in a sector at a moment, with the officers on shift and their shifts."""

    squad: Squad
    sector_code: str
    officers: tuple[Officer, ...]
    shifts: tuple[Shift, ...]


def on_duty(catalog: Catalog, sector_code: str, at: datetime) -> list[Duty]:
    """The squads (with their officers on shift) working in a sector at a moment."""
    local = local_time(at).time()
    duties = []
    for squad in catalog.squads.values():
        if squad.sector_code != sector_code:
            continue
        running = {code for code, shift in catalog.shifts.items() if covers(shift, local)}
        officers = tuple(o for o in catalog.officers.values() if o.squad_code == squad.code and o.shift_code in running)
        if officers:
            shifts = tuple(catalog.shifts[c] for c in sorted(running) if any(o.shift_code == c for o in officers))
            duties.append(Duty(squad, sector_code, officers, shifts))
    return duties
