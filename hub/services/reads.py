"""What the hub answers: records by place and attribute, what lies at a point, the figures.

Reads never touch the database: they ask the in-memory catalog (``hub.store.catalog``) through the
domain's rules. Lists of spatial records come back as sorted positions in their layer (cursors are
positions), so a caller pages them without copying.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np

from hub.domain import frontage as frontage_rules
from hub.domain import incidents as incident_rules
from hub.domain import roster
from hub.domain.compounds import CompoundFilter
from hub.domain.figures.periods import DateRange
from hub.domain.filters import SpatialFilter
from hub.domain.locate import Location
from hub.domain.locate import locate as locate_at
from hub.domain.stats import Stats, compute_stats
from hub.domain.township_duty import TownshipDuty, check_township, duty_at
from hub.domain.township_duty import duty_assignments as township_duty_assignments
from hub.domain.township_duty import duty_gaps as township_duty_gaps
from hub.errors import InputError, NotFound
from hub.services.hub import Hub
from hub.store.catalog import Catalog
from hub.store.records import Incident, RosterException

ALWAYS = DateRange()

NODE_SOURCES: dict[str, tuple[Callable[[Catalog], Any], type]] = {
    "Compound": (lambda d: d.compounds, int),
    "Subdistrict": (lambda d: d.subdistricts, str),
    "Community": (lambda d: d.communities, str),
    "Grid": (lambda d: d.grids, str),
    "Township": (lambda d: d.townships, str),
    "Village": (lambda d: d.villages, str),
    "Occupation": (lambda d: d.occupations, int),
    "Sector": (lambda d: d.sectors, str),
    "Squad": (lambda d: d.squads, str),
    "Officer": (lambda d: d.officers, str),
    "PropertyCompany": (lambda d: d.companies, str),
    "Meeting": (lambda d: d.meetings, int),
    "Problem": (lambda d: d.problems, int),
    "Merchant": (lambda d: d.merchants, str),
    "Incident": (lambda d: d.incidents, int),
    "Patrol": (lambda d: d.patrols, int),
    "PublicRoom": (lambda d: d.public_rooms, int),
    "WeatherEvent": (lambda d: d.weather_events, str),
    "GuidanceGroup": (lambda d: d.guidance_groups, str),
    "Technician": (lambda d: d.technicians, str),
    "GuidanceVisit": (lambda d: d.guidance_visits, int),
    "SafetyCampaign": (lambda d: d.safety_campaigns, str),
    "Premises": (lambda d: d.premises, int),
    "Inspection": (lambda d: d.inspections, int),
    "Hazard": (lambda d: d.hazards, int),
    "VolunteerTeam": (lambda d: d.volunteer_teams, str),
    "Volunteer": (lambda d: d.volunteers, str),
    "ServiceRequest": (lambda d: d.service_requests, int),
}
"""Where a record of each type is found by its key, and the type of its keys."""


def record(hub: Hub, type_name: str, key: str, *, field: str = "id") -> Any:
    """The record of a type by its key (None when no such record), or NotFound for an unknown type."""
    source = NODE_SOURCES.get(type_name)
    if source is None:
        raise NotFound(f"no object type {type_name!r}", field=field)
    table, key_type = source
    try:
        return table(hub.data).get(key_type(key))
    except ValueError:
        raise NotFound(f"{type_name} {key!r} names no object", field=field) from None


def stats(hub: Hub) -> Stats:
    return compute_stats(hub.data)


def locate(hub: Hub, lon: float, lat: float, at: datetime) -> Location:
    return locate_at(hub.data, lon, lat, at, field="locate")


def compounds(hub: Hub, where: SpatialFilter, attributes: CompoundFilter | None = None) -> np.ndarray:
    """Positions of the compounds meeting the spatial and attribute conditions."""
    positions = where.positions(hub.data.compounds)
    return positions if attributes is None else attributes.apply(hub.data, positions)


def villages(hub: Hub, where: SpatialFilter, township: str | None = None) -> np.ndarray:
    """Positions of the villages meeting the spatial condition, of one township (refused if it names none)."""
    layer = hub.data.villages
    positions = where.positions(layer)
    if township is None:
        return positions
    if hub.data.townships.get(township) is None:
        codes = ", ".join(t.code for t in hub.data.townships) or "none"
        raise NotFound(f"no township {township!r}; one of {codes}", field="township")
    recs = layer.records
    return np.asarray(
        [p for p in positions.tolist() if (v := recs[p]) is not None and v.township_code == township], np.intp
    )


def occupations(
    hub: Hub,
    where: SpatialFilter,
    status: str | None = None,
    reported: DateRange = ALWAYS,
    cleared: DateRange = ALWAYS,
) -> np.ndarray:
    """Positions of the occupations meeting the spatial condition, of a status, reported and cleared in the ranges."""
    layer = hub.data.occupations
    positions = where.positions(layer)
    if status is None and reported.open and cleared.open:
        return positions
    recs = layer.records
    return np.asarray(
        [
            p
            for p in positions.tolist()
            if (r := recs[p]) is not None
            and (status is None or r.status == status)
            and reported.holds(r.reported_on)
            and cleared.holds(r.cleared_on)
        ],
        np.intp,
    )


def incidents(
    hub: Hub,
    where: SpatialFilter,
    *,
    category: str | None = None,
    state: str | None = None,
    sector: str | None = None,
    squad: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> np.ndarray:
    layer = hub.data.incidents
    found = incident_rules.find(hub.data, category=category, state=state, sector=sector, since=since, until=until)
    keep = {layer.position(x.id) for x in found if squad is None or x.squad_code == squad}
    return np.asarray([p for p in where.positions(layer).tolist() if p in keep], dtype=np.intp)


def open_cases(hub: Hub, squad: str) -> list[Incident]:
    """A squad's cases not yet closed, rejected or cancelled, the nearest deadline first."""
    return incident_rules.open_cases(hub.data, squad)


def overdue_cases(hub: Hub, now: datetime, squad: str | None = None) -> list[Incident]:
    """Cases still owed handling whose deadline has passed at ``now``, of one squad or all."""
    return incident_rules.overdue(hub.data, now, squad)


def merchants(hub: Hub, where: SpatialFilter, *, sector: str | None = None, signed: bool | None = None) -> np.ndarray:
    layer = hub.data.merchants
    positions = where.positions(layer)
    if sector is None and signed is None:
        return positions
    recs = layer.records
    return np.asarray(
        [
            p
            for p in positions.tolist()
            if (m := recs[p]) is not None
            and (sector is None or m.sector_code == sector)
            and (signed is None or (m.agreement is not None) == signed)
        ],
        dtype=np.intp,
    )


def signed_counts(hub: Hub) -> list[frontage_rules.SignedCount]:
    return frontage_rules.signed_counts(hub.data)


def on_duty(hub: Hub, sector: str, at: datetime) -> list[roster.Duty]:
    codes = roster.sector_codes(hub.data)
    if sector not in codes:
        raise InputError(f"no sector {sector!r}; one of {', '.join(codes)}", field="sector")
    return roster.on_duty(hub.data, sector, at)


def township_on_duty(hub: Hub, township: str, at: datetime) -> list[TownshipDuty]:
    check_township(hub.data, township)
    return duty_at(hub.data, township, at)


def duty_assignments(hub: Hub, day: date, township: str | None = None) -> list[roster.Assignment]:
    if township is not None:
        check_township(hub.data, township)
    return township_duty_assignments(hub.data, day, township)


def duty_gaps(hub: Hub, day: date) -> list[roster.Gap]:
    return township_duty_gaps(hub.data, day)


def roster_exceptions(hub: Hub, on: date | None = None) -> list[RosterException]:
    return [e for e in hub.data.roster_exceptions.values() if on is None or e.on_date == on]
