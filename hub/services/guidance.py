"""Agricultural guidance in extreme weather: the bureau declares events and forms groups (admins), technicians
log their visits from the field; anyone reads coverage and the groups, staff read the advice.

The rules are ``hub.domain.guidance``; here they run inside one write with the record, its audit row and the
caller's key (a phone's retry with the same ``clientId`` is answered from the first write).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from hub.domain import guidance as rules
from hub.domain.access import Viewer
from hub.domain.figures.periods import DateRange
from hub.domain.filters import SpatialFilter
from hub.domain.guards import require_admin, require_technician
from hub.errors import InputError, NotFound
from hub.geo.datum import point_to_wgs84
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork
from hub.store.records import GuidanceGroup, GuidanceVisit, WeatherEvent


@dataclass(frozen=True, slots=True)
class DeclareWeatherEvent:
    client_id: str
    code: str
    kind: str
    name: str
    warning_level: str
    warned_at: datetime
    starts_on: date
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class SetGuidanceGroup:
    client_id: str
    code: str
    event_code: str
    name: str
    township_codes: tuple[str, ...]
    technician_ids: tuple[str, ...] = ()
    """Technicians who join the group (moved from the group they were in); the others stay where they are."""
    hotline: str = ""


@dataclass(frozen=True, slots=True)
class LogGuidanceVisit:
    client_id: str
    event_code: str
    lon: float
    lat: float
    visited_on: date
    site: str
    kind: str
    group_code: str | None = None
    """Admins name the group; a technician's token names it already."""
    technician_ids: tuple[str, ...] = ()
    advice: str = ""
    hazards_found: int = 0
    crs: str = "WGS84"


def declare_weather_event(hub: Hub, viewer: Viewer, command: DeclareWeatherEvent) -> Done:
    """Declare an event, or change a declared one (a raised warning, new dates); the result names it."""
    require_admin(viewer, "declare weather events")
    c = command
    payload = {
        "code": c.code,
        "kind": c.kind,
        "name": c.name,
        "warningLevel": c.warning_level,
        "warnedAt": c.warned_at.isoformat(),
        "startsOn": c.starts_on.isoformat(),
        "endsOn": c.ends_on.isoformat() if c.ends_on else None,
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        event = WeatherEvent(c.code, c.kind, c.name, c.warning_level, c.warned_at, c.starts_on, c.ends_on, viewer.actor)
        rules.check_event(event)
        old = hub.data.weather_events.get(c.code)
        uow.put(event)
        detail: dict[str, Any] = {"input": payload}
        if old is not None:
            detail["was"] = {"warningLevel": old.warning_level, "endsOn": str(old.ends_on) if old.ends_on else None}
        uow.audit("declare" if old is None else "update", "weather_event", c.code, detail)
        return {"event": c.code}

    return write(hub, viewer, operation="declareWeatherEvent", key=c.client_id, payload=payload, apply=apply)


def set_guidance_group(hub: Hub, viewer: Viewer, command: SetGuidanceGroup) -> Done:
    """Form a group for an event or change one (its townships, name, hotline); listed technicians join it."""
    require_admin(viewer, "form guidance groups")
    c = command
    payload = {
        "code": c.code,
        "eventCode": c.event_code,
        "name": c.name,
        "townships": list(c.township_codes),
        "technicianIds": list(c.technician_ids),
        "hotline": c.hotline,
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        group = GuidanceGroup(c.code, c.event_code, c.name, c.township_codes, c.hotline, viewer.actor)
        rules.check_group(hub.data, group, c.technician_ids)
        old = hub.data.guidance_groups.get(c.code)
        uow.put(group)
        moved = []
        for tid in c.technician_ids:
            tech = hub.data.technicians[tid]
            if tech.group_code != c.code:
                uow.put(dataclasses.replace(tech, group_code=c.code))
                moved.append({"technician": tid, "from": tech.group_code})
        detail: dict[str, Any] = {"input": payload, "moved": moved}
        if old is not None:
            detail["was"] = {"townships": list(old.township_codes), "name": old.name}
        uow.audit("form" if old is None else "change", "guidance_group", c.code, detail)
        return {"group": c.code}

    return write(hub, viewer, operation="setGuidanceGroup", key=c.client_id, payload=payload, apply=apply)


def log_guidance_visit(hub: Hub, viewer: Viewer, command: LogGuidanceVisit, *, now: datetime) -> Done:
    """Log a group's visit (technicians of the group, or admins naming it); the result names the stored visit."""
    require_technician(viewer, "log guidance visits")
    c = command
    payload = {
        "eventCode": c.event_code,
        "groupCode": c.group_code,
        "lon": c.lon,
        "lat": c.lat,
        "crs": c.crs,
        "visitedOn": c.visited_on.isoformat(),
        "site": c.site,
        "kind": c.kind,
        "technicianIds": list(c.technician_ids),
        "advice": c.advice,
        "hazardsFound": c.hazards_found,
    }
    lon, lat = point_to_wgs84(c.lon, c.lat, c.crs)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        made = rules.visit(
            hub.data,
            viewer,
            rules.VisitInput(
                client_id=c.client_id,
                event_code=c.event_code,
                group_code=c.group_code,
                lon=lon,
                lat=lat,
                visited_on=c.visited_on,
                site=c.site,
                kind=c.kind,
                technician_ids=c.technician_ids,
                advice=c.advice,
                hazards_found=c.hazards_found,
            ),
            now=now,
        )
        stored = uow.add(made)
        where = {"township": stored.township_code, "village": stored.village_code, "group": stored.group_code}
        uow.audit("log", "guidance_visit", stored.id, {"input": payload, **where})
        return {"visit": stored.id}

    return write(hub, viewer, operation="logGuidanceVisit", key=c.client_id, payload=payload, apply=apply)


# --- reads ----------------------------------------------------------------------------------------------


def event_code(hub: Hub, code: str | None, *, field: str = "event") -> str:
    """The event a question names, or the latest one when it names none (InputError when there is none)."""
    if code is not None:
        return rules.event_of(hub.data, code, field=field).code
    latest = rules.latest_event(hub.data)
    if latest is None:
        raise InputError("no weather event has been declared", field=field)
    return latest.code


def groups(hub: Hub, event: str | None = None) -> list[GuidanceGroup]:
    """The guidance groups of an event (every event's when None), by code."""
    if event is not None:
        rules.event_of(hub.data, event, field="event")
    return rules.groups_of(hub.data, event)


@dataclass(frozen=True, slots=True)
class VisitFilter:
    event: str | None = None
    group: str | None = None
    township: str | None = None
    village: str | None = None
    kind: str | None = None
    visited: DateRange = field(default_factory=DateRange)


def visits(hub: Hub, where: SpatialFilter, f: VisitFilter) -> np.ndarray:
    """Positions of the visits meeting the spatial filter and the attribute conditions (each checked)."""
    data = hub.data
    if f.event is not None:
        rules.event_of(data, f.event, field="event")
    if f.group is not None:
        rules.group_of(data, f.group, field="group")
    if f.township is not None and data.townships.get(f.township) is None:
        raise NotFound(f"no township {f.township!r}", field="township")
    if f.village is not None and data.villages.get(f.village) is None:
        raise NotFound(f"no village {f.village!r}", field="village")
    if f.kind is not None and f.kind not in rules.KINDS:
        raise InputError(f"unknown kind of visit {f.kind!r}; one of {', '.join(rules.KINDS)}", field="kind")
    layer = data.guidance_visits
    positions = where.positions(layer)
    if f == VisitFilter():
        return positions
    recs = layer.records
    return np.asarray(
        [
            p
            for p in positions.tolist()
            if (x := recs[p]) is not None
            and f.event in (None, x.event_code)
            and f.group in (None, x.group_code)
            and f.township in (None, x.township_code)
            and f.village in (None, x.village_code)
            and f.kind in (None, x.kind)
            and f.visited.holds(x.visited_on)
        ],
        dtype=np.intp,
    )


def coverage(
    hub: Hub, event: str | None, as_of: date | None, *, only_gaps: bool = False
) -> list[rules.TownshipCoverage]:
    """Each assigned township's visits since the warning and its unvisited villages (only the townships with an
    unvisited village, with ``only_gaps``)."""
    found = rules.coverage(hub.data, event_code(hub, event), as_of)
    return [c for c in found if c.unvisited_villages] if only_gaps else found


def cover(
    hub: Hub, event: str | None, *, lon: float | None, lat: float | None, village: str | None, crs: str = "WGS84"
) -> rules.Cover:
    """The group covering a point (in ``crs``) or a village for an event (the latest when None)."""
    if lon is not None and lat is not None and crs != "WGS84":
        lon, lat = point_to_wgs84(lon, lat, crs)
    return rules.cover(hub.data, event_code(hub, event), lon=lon, lat=lat, village_code=village)


def visit(hub: Hub, visit_id: int) -> GuidanceVisit | None:
    return hub.data.guidance_visits.get(visit_id)
