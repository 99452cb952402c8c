"""Agricultural guidance in extreme weather (农技指导组): weather events, guidance groups, their technicians,
and the visits they log in the townships.

The agriculture bureau declares a weather event (its kind, the warning's level and moment, the days it is
expected) and forms guidance groups for it, each assigned townships; technicians belong to groups. A visit
is logged at a point (a village, a farm or a greenhouse) on a local date, with its kind of guidance, the
advice given (free text: staff only) and the hazards found there.

The rules of a visit, checked before it is written (the first that fails is the answer):

- the event and the group exist, and the group is one of the event's;
- a technician logs for their own group (their token's); an admin names the group;
- the kind is one of ``KINDS`` and the site one of ``SITES`` (refused naming the known ones);
- the point lies in a township (``OutsideArea`` otherwise, saying whether it is in an urban subdistrict or
  outside the district); its township and village are found from the point, never taken from the caller;
- the group is assigned that township for the event (``NotAssigned`` otherwise, naming the group that is):
  a group works where it was sent, so each township's visits and gaps answer to one group. When groups
  must help elsewhere, an admin assigns them the township first (``setGuidanceGroup``);
- the date is not before the warning's local date and not after today; the technicians named belong to the
  group; hazards found are 0–1,000; the advice is at most 2,000 characters.

Coverage (``coverage``): for each township assigned to a group of the event, the visits since the
warning's local date (up to ``as_of``), the villages visited, and those not visited yet (the gaps).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from hub.domain.access import ADMIN, TECHNICIAN, Viewer
from hub.domain.locate import at_point
from hub.domain.roster import local_time
from hub.errors import AccessDenied, Conflict, InputError, NotAssigned, NotFound, OutsideArea
from hub.geo.geojson import point
from hub.store import contract
from hub.store import records as r
from hub.store.catalog import Catalog

KINDS = contract.VISIT_KINDS
"""小麦防冻, 棚室加固, 棚室增温, other guidance."""
SITES = contract.VISIT_SITES
"""Where a visit was made: in a village, at a farm, at a greenhouse (设施农业)."""
EVENT_KINDS = contract.EVENT_KINDS
"""寒潮, 暴雪, 大风, 冻雨, 暴雨, 高温, 干旱, other."""
LEVELS = contract.WARNING_LEVELS
"""The colours of China's meteorological warnings, from the lowest to the highest."""
MAX_HAZARDS = 1000
MAX_ADVICE = 2000
MAX_TECHNICIANS = 50
CODE_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")


def _one_of(value: str, known: tuple[str, ...], what: str, field: str) -> str:
    if value not in known:
        raise InputError(f"unknown {what} {value!r}; one of {', '.join(known)}", field=field)
    return value


def check_code(code: str, what: str, *, field: str) -> str:
    """A code the bureau chooses (an event's, a group's): 1–32 of A–Z, 0–9, ``-`` and ``_``.

    >>> check_code("CW2023-12", "event", field="code")
    'CW2023-12'
    >>> check_code("寒潮", "event", field="code")
    Traceback (most recent call last):
    ...
    hub.errors.InputError: code: an event code is 1–32 of A–Z, 0–9, - and _; got '寒潮'
    """
    if not 1 <= len(code) <= 32 or not set(code) <= CODE_CHARS:
        raise InputError(f"an {what} code is 1–32 of A–Z, 0–9, - and _; got {code!r}", field=field)
    return code


def event_of(catalog: Catalog, code: str, *, field: str = "eventCode") -> r.WeatherEvent:
    found = catalog.weather_events.get(code)
    if found is None:
        known = ", ".join(sorted(catalog.weather_events)) or "none"
        raise NotFound(f"no weather event {code!r}; known events: {known}", field=field)
    return found


def group_of(catalog: Catalog, code: str, *, field: str = "groupCode") -> r.GuidanceGroup:
    found = catalog.guidance_groups.get(code)
    if found is None:
        known = ", ".join(sorted(catalog.guidance_groups)) or "none"
        raise NotFound(f"no guidance group {code!r}; known groups: {known}", field=field)
    return found


def groups_of(catalog: Catalog, event_code: str | None = None) -> list[r.GuidanceGroup]:
    """The groups of an event (of every event when None), by code."""
    return [g for _, g in sorted(catalog.guidance_groups.items()) if event_code in (None, g.event_code)]


def technicians_of(catalog: Catalog, group_code: str) -> list[r.Technician]:
    """A group's technicians, by id."""
    return [t for _, t in sorted(catalog.technicians.items()) if t.group_code == group_code]


def covering(catalog: Catalog, event_code: str, township_code: str) -> list[r.GuidanceGroup]:
    """The groups of an event assigned a township (at most one, as ``check_group`` keeps it)."""
    return [g for g in groups_of(catalog, event_code) if township_code in g.township_codes]


def latest_event(catalog: Catalog) -> r.WeatherEvent | None:
    """The event warned last (the one meant when a question names none)."""
    return max(catalog.weather_events.values(), key=lambda e: (e.warned_at, e.code), default=None)


def check_event(event: r.WeatherEvent) -> None:
    """Raise unless an event can be stored: a code, a known kind and level, dates in order."""
    check_code(event.code, "event", field="code")
    _one_of(event.kind, EVENT_KINDS, "weather kind", "kind")
    _one_of(event.warning_level, LEVELS, "warning level", "warningLevel")
    if not event.name.strip():
        raise InputError("an event needs a name (e.g. 2023年12月大风降温雨雪天气)", field="name")
    warned = local_time(event.warned_at, field="warnedAt").date()
    if event.ends_on is not None and event.ends_on < event.starts_on:
        raise InputError(f"{event.ends_on} is before startsOn ({event.starts_on})", field="endsOn")
    if event.ends_on is not None and event.ends_on < warned:
        raise InputError(f"{event.ends_on} is before the warning ({warned})", field="endsOn")


def check_group(catalog: Catalog, group: r.GuidanceGroup, technician_ids: tuple[str, ...]) -> None:
    """Raise unless a group can be stored: its event, its townships (each assigned to no other group of the
    event), its technicians known."""
    check_code(group.code, "group", field="code")
    event_of(catalog, group.event_code, field="eventCode")
    if not group.name.strip():
        raise InputError("a group needs a name (e.g. 第一技术指导组)", field="name")
    old = catalog.guidance_groups.get(group.code)
    if old is not None and old.event_code != group.event_code:
        raise Conflict(
            f"group {group.code} was formed for event {old.event_code}; form a group with a new code for "
            f"{group.event_code}",
            field="eventCode",
        )
    if not group.township_codes:
        raise InputError("a group needs at least one township", field="townships")
    for i, code in enumerate(group.township_codes):
        if catalog.townships.get(code) is None:
            known = ", ".join(t.code for t in catalog.townships) or "none"
            raise NotFound(f"no township {code!r}; one of {known}", field=f"townships[{i}]")
        if code in group.township_codes[:i]:
            raise InputError(f"township {code} is given twice", field=f"townships[{i}]")
        others = [g.code for g in covering(catalog, group.event_code, code) if g.code != group.code]
        if others:
            raise Conflict(
                f"township {code} is already assigned to group {others[0]} for event {group.event_code}; "
                "take it from that group first (one group answers for a township)",
                field=f"townships[{i}]",
            )
    if len(technician_ids) > MAX_TECHNICIANS:
        raise InputError(
            f"{len(technician_ids)} technicians; a group has at most {MAX_TECHNICIANS}", field="technicianIds"
        )
    for i, tid in enumerate(technician_ids):
        if tid not in catalog.technicians:
            raise NotFound(f"no technician {tid!r}", field=f"technicianIds[{i}]")
        if tid in technician_ids[:i]:
            raise InputError(f"technician {tid} is given twice", field=f"technicianIds[{i}]")


def where_is(catalog: Catalog, lon: float, lat: float) -> str:
    """What a point outside every township is in, for the message that refuses it."""
    sub = at_point(catalog.subdistricts, lon, lat)
    if sub is not None:
        return f"it lies in {sub.name} ({sub.code}), an urban subdistrict"
    return "it lies outside the district"


@dataclass(frozen=True, slots=True)
class VisitInput:
    """A visit as the caller describes it (the point already in WGS84)."""

    client_id: str
    event_code: str
    group_code: str | None
    lon: float
    lat: float
    visited_on: date
    site: str
    kind: str
    technician_ids: tuple[str, ...] = ()
    advice: str = ""
    hazards_found: int = 0


def visit(catalog: Catalog, viewer: Viewer, v: VisitInput, *, now: datetime) -> r.GuidanceVisit:
    """The visit to store, once every rule of the module docstring holds (raises the first that does not)."""
    event = event_of(catalog, v.event_code)
    if viewer.role == TECHNICIAN:
        if v.group_code not in (None, viewer.group_code):
            raise AccessDenied(f"you log visits for group {viewer.group_code}, not {v.group_code}", field="groupCode")
        group_code = viewer.group_code or ""
    elif viewer.role == ADMIN:
        if v.group_code is None:
            raise InputError("name the group that made the visit", field="groupCode")
        group_code = v.group_code
    else:
        raise AccessDenied(f"only technicians and admins may log guidance visits; you are {viewer.role}")
    group = group_of(catalog, group_code)
    if group.event_code != event.code:
        raise Conflict(f"group {group.code} works on event {group.event_code}, not {event.code}", field="groupCode")
    _one_of(v.kind, KINDS, "kind of visit", "kind")
    _one_of(v.site, SITES, "site", "site")
    geom = point(v.lon, v.lat, field="location")
    township = at_point(catalog.townships, v.lon, v.lat)
    if township is None:
        raise OutsideArea(
            f"({v.lon:g}, {v.lat:g}) is outside every township: {where_is(catalog, v.lon, v.lat)}; "
            "guidance visits are to the townships",
            field="location",
        )
    if township.code not in group.township_codes:
        cover = covering(catalog, event.code, township.code)
        who = f"group {cover[0].code} ({cover[0].name}) is" if cover else "no group is"
        raise NotAssigned(
            f"group {group.code} is not assigned {township.name} ({township.code}) for {event.code}; {who}. "
            "An admin can assign it the township first",
            field="location",
        )
    warned = local_time(event.warned_at).date()
    today = local_time(now).date()
    if v.visited_on < warned:
        raise InputError(f"{v.visited_on} is before the warning of {event.code} ({warned})", field="visitedOn")
    if v.visited_on > today:
        raise InputError(f"{v.visited_on} is in the future (today is {today})", field="visitedOn")
    if len(v.technician_ids) > MAX_TECHNICIANS:
        raise InputError(f"at most {MAX_TECHNICIANS} technicians", field="technicianIds")
    for i, tid in enumerate(v.technician_ids):
        tech = catalog.technicians.get(tid)
        if tech is None:
            raise NotFound(f"no technician {tid!r}", field=f"technicianIds[{i}]")
        if tech.group_code != group.code:
            raise Conflict(
                f"technician {tid} is of group {tech.group_code}, not {group.code}", field=f"technicianIds[{i}]"
            )
    if not 0 <= v.hazards_found <= MAX_HAZARDS:
        raise InputError(f"hazardsFound is {v.hazards_found}; give 0 to {MAX_HAZARDS}", field="hazardsFound")
    if len(v.advice) > MAX_ADVICE:
        raise InputError(f"the advice has {len(v.advice)} characters; at most {MAX_ADVICE}", field="advice")
    village = at_point(catalog.villages, v.lon, v.lat)
    return r.GuidanceVisit(
        geometry=geom,
        geojson="",  # made when it is written (hub.store.tables)
        client_id=v.client_id,
        event_code=event.code,
        group_code=group.code,
        township_code=township.code,
        village_code=None if village is None else village.code,
        site=v.site,
        kind=v.kind,
        visited_on=v.visited_on,
        technician_ids=tuple(v.technician_ids),
        advice=v.advice,
        hazards_found=v.hazards_found,
        logged_by=viewer.actor,
        logged_at=now,
    )


@dataclass(frozen=True, slots=True)
class TownshipCoverage:
    """How a township assigned for an event has been visited since the warning."""

    township: r.Township
    groups: tuple[r.GuidanceGroup, ...]
    visits: int
    hazards_found: int
    last_visit_on: date | None
    villages: int
    visited_villages: tuple[r.Village, ...]
    unvisited_villages: tuple[r.Village, ...]


def coverage(catalog: Catalog, event_code: str, as_of: date | None = None) -> list[TownshipCoverage]:
    """Every township assigned to a group of the event, with its visits from the warning's local date to
    ``as_of`` (included; every visit when None) and the villages not visited in that time. By township code."""
    event = event_of(catalog, event_code, field="event")
    warned = local_time(event.warned_at).date()
    visits: dict[str, list[r.GuidanceVisit]] = defaultdict(list)
    for x in catalog.guidance_visits:
        day = x.visited_on
        if x.event_code == event.code and day is not None and day >= warned and (as_of is None or day <= as_of):
            visits[x.township_code].append(x)
    assigned = sorted({code for g in groups_of(catalog, event.code) for code in g.township_codes})
    villages: dict[str, list[r.Village]] = defaultdict(list)
    for v in catalog.villages:
        villages[v.township_code].append(v)
    out = []
    for code in assigned:
        town = catalog.townships.get(code)
        if town is None:
            continue
        seen = {x.village_code for x in visits[code]}
        mine = sorted(villages[code], key=lambda v: v.code)
        out.append(
            TownshipCoverage(
                township=town,
                groups=tuple(covering(catalog, event.code, code)),
                visits=len(visits[code]),
                hazards_found=sum(x.hazards_found for x in visits[code]),
                last_visit_on=max((x.visited_on for x in visits[code] if x.visited_on), default=None),
                villages=len(mine),
                visited_villages=tuple(v for v in mine if v.code in seen),
                unvisited_villages=tuple(v for v in mine if v.code not in seen),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Cover:
    """Which group of an event covers a place: the township and village there, and the group(s)."""

    event: r.WeatherEvent
    township: r.Township | None
    village: r.Village | None
    groups: tuple[r.GuidanceGroup, ...]


def cover(
    catalog: Catalog,
    event_code: str,
    *,
    lon: float | None = None,
    lat: float | None = None,
    village_code: str | None = None,
) -> Cover:
    """The group(s) covering a point or a village for an event (none where no township is, or none assigned)."""
    event = event_of(catalog, event_code, field="event")
    if (village_code is None) == (lon is None or lat is None):
        raise InputError("give either a point (lon and lat) or a village code", field="village")
    if village_code is not None:
        village = catalog.villages.get(village_code)
        if village is None:
            raise NotFound(f"no village {village_code!r}", field="village")
        town = catalog.townships.get(village.township_code)
    else:
        assert lon is not None and lat is not None
        point(lon, lat, field="location")
        town = at_point(catalog.townships, lon, lat)
        village = at_point(catalog.villages, lon, lat)
    groups = () if town is None else tuple(covering(catalog, event.code, town.code))
    return Cover(event, town, village, groups)
