"""The townships' 24-hour duty (24小时值班值守): who answers for a township at a moment, on the roster machinery.

Each township keeps a duty roster: its duty officers (a leader on duty, 带班领导, and a duty clerk, 值班员, each
day), a 24-hour shift (``08:30``–``08:30``), a rotation rule per township and dated exceptions, exactly as the
brigade's squads keep theirs (``hub.domain.roster``). The unit is the township and it works in itself: a
duty officer covers their own township unless a ``COVER`` exception sends them to another. The working day
is the whole day, so ``coverage_gaps`` finds any hour in which a township has nobody on duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.roster import ALL_DAY, Assignment, Duty, Gap, Roster, Words, assignments, coverage_gaps, on_duty
from hub.errors import NotFound
from hub.store import records as r
from hub.store.catalog import Catalog

LEADER, STAFF = "LEADER", "STAFF"


def _townships(catalog: Catalog) -> dict[str, r.Township]:
    """Township code → record, remembered until the layer is written."""
    key = ("township_duty.units",)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != catalog.townships.version:
        hit = catalog.memo[key] = (catalog.townships.version, {t.code: t for t in catalog.townships})
    units: dict[str, r.Township] = hit[1]
    return units


TOWNSHIP_DUTY = Roster(
    name="township",
    words=Words("township", "duty officer", "township", "townshipCode", "staffId", "townshipCode", "staff"),
    members=lambda c: c.duty_officers,
    unit_of=lambda x: x.township_code,
    units=_townships,
    home=lambda township: township.code,
    places=lambda c: sorted(_townships(c)),
    shifts=lambda c: c.duty_shifts,
    rules=lambda c: c.duty_rules,
    exceptions=lambda c: c.duty_exceptions,
    member_of=lambda e: e.staff_id,
    cover_place=lambda e: e.township_code,
    version=lambda c: c.duty_version,
    hours=ALL_DAY,
)
"""The townships' duty: duty officers of each township, in that township, around the clock."""


@dataclass(frozen=True, slots=True)
class TownshipDuty(Duty):
    """A township's duty officers on shift at a moment (``unit`` is the township they belong to)."""


def check_township(catalog: Catalog, code: str, *, field: str = "township") -> r.Township:
    found = catalog.townships.get(code)
    if found is None:
        known = ", ".join(t.code for t in catalog.townships) or "none"
        raise NotFound(f"no township {code!r}; one of {known}", field=field)
    return found


def duty_at(catalog: Catalog, township_code: str, at: datetime) -> list[TownshipDuty]:
    """Who is on duty for a township at a moment: its own duty officers on shift, and any covering it from
    another township (listed under their own). Empty when nobody is."""
    return [
        TownshipDuty(d.unit, d.place, d.members, d.shifts)
        for d in on_duty(catalog, township_code, at, roster=TOWNSHIP_DUTY)
    ]


def duty_assignments(catalog: Catalog, day: date, township_code: str | None = None) -> list[Assignment]:
    """The duty turns of a local date, of one township or all, by start and duty officer."""
    return assignments(catalog, day, sector=township_code, roster=TOWNSHIP_DUTY)


def duty_gaps(catalog: Catalog, day: date) -> list[Gap]:
    """Every stretch of a local date in which a township has nobody on duty, by township code then start."""
    return coverage_gaps(catalog, day, roster=TOWNSHIP_DUTY)
