"""The case workflow of digital city management (GB/T 30428, CJ/T 315) for the old-town brigade.

A case is reported at a point, registered (立案) and dispatched (派遣) at once to the squad on shift
in the sector that contains the point; the category's deadline starts then. The squad accepts it,
handles it and reports back; the command centre verifies and closes it, or sends it back.

Every function here is pure: it takes the catalog, the viewer and the time, checks the rules, and
returns new records (``id`` 0 for new ones, ``geojson`` empty) for the caller to write in one
transaction. A caller that writes the result of :func:`advance` should check in that transaction
that the stored case is still in the state it was read in, so two concurrent moves cannot both win.

States (``None`` before registration)::

    DISPATCHED 待处理   registered and dispatched; the deadline runs
    HANDLING   处置中   accepted by the squad
    HANDLED    待核查   reported handled, waiting for the command centre to verify
    VERIFIED   已核查   verified on site
    CLOSED     已结案   closed                 } terminal: ``closed_at`` is set
    REJECTED   不予立案 not a case for the hub } and no action applies
    CANCELLED  已撤销   withdrawn              }

Actions, the moves they allow, and who may take them::

    action          from                  to          who
    REGISTER        (none)                DISPATCHED  officers, inside a sector; admins, anywhere
    ACCEPT          DISPATCHED            HANDLING    officers of the assigned squad; admins
    REPORT_HANDLED  HANDLING              HANDLED     officers of the assigned squad; admins
    VERIFY          HANDLED               VERIFIED    admins (the command centre)
    SEND_BACK       HANDLED               HANDLING    admins (verification failed); note required
    CLOSE           VERIFIED              CLOSED      admins
    REJECT          DISPATCHED            REJECTED    admins; note required
    CANCEL          DISPATCHED, HANDLING  CANCELLED   admins; note required

A viewer who may not take an action gets :class:`~hub.errors.AccessDenied`; an action the case's
state does not allow gets :class:`~hub.errors.Conflict`. Permission is checked before state.

The table, who may, the notes and overdue are applied by the workflow machinery every kind of case shares
(``hub.domain.workflow``; ``WORKFLOW`` below is this table on it).

A point outside every old-town sector can only be registered by an admin: the case then has no
sector and no squad, is DISPATCHED to the command centre itself, and only admins can move it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from hub.domain import guards
from hub.domain.access import ADMIN, OFFICER, Viewer
from hub.domain.categories import CATEGORIES, WORKING_HOURS, Category, WorkingHours, deadline
from hub.domain.events import Event
from hub.domain.locate import at_point
from hub.domain.roster import Duty, local_time, on_duty
from hub.domain.workflow import Party, Workflow, clean_text
from hub.errors import AccessDenied, InputError, LimitExceeded
from hub.geo.geojson import point
from hub.store.catalog import Catalog
from hub.store.records import Incident, IncidentStep, Sector, Squad

DISPATCHED = "DISPATCHED"
HANDLING = "HANDLING"
HANDLED = "HANDLED"
VERIFIED = "VERIFIED"
CLOSED = "CLOSED"
REJECTED = "REJECTED"
CANCELLED = "CANCELLED"
STATES = (DISPATCHED, HANDLING, HANDLED, VERIFIED, CLOSED, REJECTED, CANCELLED)
STATE_NAMES = {
    DISPATCHED: "待处理",
    HANDLING: "处置中",
    HANDLED: "待核查",
    VERIFIED: "已核查",
    CLOSED: "已结案",
    REJECTED: "不予立案",
    CANCELLED: "已撤销",
}
TERMINAL = frozenset({CLOSED, REJECTED, CANCELLED})
OPEN = frozenset(STATES) - TERMINAL
AWAITING_HANDLING = frozenset({DISPATCHED, HANDLING})
"""States in which the squad still owes the handling, so the deadline can be missed."""

REGISTER = "REGISTER"
ACCEPT = "ACCEPT"
REPORT_HANDLED = "REPORT_HANDLED"
VERIFY = "VERIFY"
SEND_BACK = "SEND_BACK"
CLOSE = "CLOSE"
REJECT = "REJECT"
CANCEL = "CANCEL"

TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    ACCEPT: (frozenset({DISPATCHED}), HANDLING),
    REPORT_HANDLED: (frozenset({HANDLING}), HANDLED),
    VERIFY: (frozenset({HANDLED}), VERIFIED),
    SEND_BACK: (frozenset({HANDLED}), HANDLING),
    CLOSE: (frozenset({VERIFIED}), CLOSED),
    REJECT: (frozenset({DISPATCHED}), REJECTED),
    CANCEL: (frozenset({DISPATCHED, HANDLING}), CANCELLED),
}
"""action -> (states it applies to, state it leads to); the table of the module docstring."""
ACTIONS = tuple(TRANSITIONS)
SQUAD_ACTIONS = frozenset({ACCEPT, REPORT_HANDLED})
"""Actions the officers of the assigned squad may take; admins may take every action."""
NOTE_REQUIRED = frozenset({SEND_BACK, REJECT, CANCEL})

WORKFLOW = Workflow(
    noun="case",
    states=STATES,
    names=STATE_NAMES,
    transitions=TRANSITIONS,
    terminal=TERMINAL,
    awaiting=AWAITING_HANDLING,
    party=Party(
        role=OFFICER,
        people="officers",
        unit="squad",
        unit_of_viewer=lambda v: v.squad_code,
        unit_of_case=lambda x: x.squad_code,
        actions=SQUAD_ACTIONS,
    ),
    note_required=NOTE_REQUIRED,
    opened=lambda x: x.reported_at,
)
"""The city-management case workflow on the shared machinery (``hub.domain.workflow``)."""

MAX_DESCRIPTION = 2000
MAX_NOTE = 2000
MAX_PHOTOS = 10
MAX_URL = 2048
FUTURE_TOLERANCE = timedelta(minutes=5)
OLDEST_SIGHTING = timedelta(days=30)


# --- registration ----------------------------------------------------------------------------


def report(
    catalog: Catalog,
    viewer: Viewer,
    *,
    client_id: str,
    category_code: str,
    lon: Any,
    lat: Any,
    description: str,
    photos: Sequence[str],
    seen_at: datetime,
    now: datetime,
    categories: Mapping[str, Category] = CATEGORIES,
    hours: WorkingHours = WORKING_HOURS,
) -> tuple[Incident, list[IncidentStep]]:
    """Register a case seen at (lon, lat) and dispatch it; return the case and its first steps.

    The squad is the one on shift in the sector at ``seen_at`` (the sector's own squad first, then
    any squad covering it); when nobody is on shift it is the squad responsible for the sector,
    and the REGISTER step's note says which rule applied. The deadline counts from ``now``, the
    dispatch. Times are returned in Asia/Shanghai; naive inputs are taken to be local.
    """
    if viewer.role not in (OFFICER, ADMIN):
        raise AccessDenied(f"only officers and admins can report cases; this request is {viewer.role}")
    now, seen_at = local_time(now, field="now"), local_time(seen_at, field="seenAt")
    client_id = guards.client_id(client_id)
    category = _category(category_code, categories)
    where = point(lon, lat, field="location")
    text = clean_text(description, "description", MAX_DESCRIPTION)
    if not text:
        raise InputError("describe what was seen: the description is empty", field="description")
    urls = _photos(photos)
    _sighting(seen_at, now)

    sector = _sector_at(catalog, where.x, where.y)
    if sector is None:
        if not viewer.is_admin:
            raise InputError(
                f"({where.x:g}, {where.y:g}) lies outside the old-town sectors; only admins can register cases there",
                field="location",
            )
        squad, note = None, "outside the old-town sectors: registered by the command centre with no squad"
    else:
        squad, note = _dispatch(catalog, sector, seen_at)

    incident = Incident(
        geometry=where,
        geojson="",
        client_id=client_id,
        category=category.code,
        description=text,
        photos=urls,
        seen_at=seen_at,
        reported_at=now,
        reported_by=viewer.actor,
        sector_code=None if sector is None else sector.code,
        squad_code=None if squad is None else squad.code,
        state=DISPATCHED,
        deadline=deadline(category, now, hours),
    )
    step = IncidentStep(0, now, viewer.actor, REGISTER, None, DISPATCHED, note)
    return incident, [step]


def _sector_at(catalog: Catalog, lon: float, lat: float) -> Sector | None:
    """The sector containing the point, by ``locate``'s rule (on a border, the lowest code)."""
    return at_point(catalog.sectors, lon, lat)


def _dispatch(catalog: Catalog, sector: Sector, seen_at: datetime) -> tuple[Squad | None, str]:
    """The squad a case in ``sector`` goes to, and why (for the REGISTER step's note)."""
    at = f"{seen_at:%H:%M}"
    duties = sorted(
        on_duty(catalog, sector.code, seen_at), key=lambda d: (d.squad.sector_code != sector.code, d.squad.code)
    )
    if duties:
        duty = duties[0]
        return (
            duty.squad,
            f"dispatched to {_squad(duty.squad)}: on shift in {_sector(sector)} at {at} ({_shifts(duty)})",
        )
    responsible = sorted((s for s in catalog.squads.values() if s.sector_code == sector.code), key=lambda s: s.code)
    squad = responsible[0] if responsible else catalog.squads.get(sector.squad_code)
    if squad is None:
        return None, f"no squad is on shift in or responsible for {_sector(sector)}: left to the command centre"
    return squad, f"dispatched to {_squad(squad)}, responsible for {_sector(sector)}: no squad on shift there at {at}"


def _squad(squad: Squad) -> str:
    return f"{squad.code} {squad.name}"


def _sector(sector: Sector) -> str:
    return f"{sector.code} {sector.name}"


def _shifts(duty: Duty) -> str:
    return ", ".join(f"{s.code} {s.name} {s.start}–{s.end}" for s in duty.shifts)


# --- input checks ----------------------------------------------------------------------------


def _category(code: Any, categories: Mapping[str, Category]) -> Category:
    category = categories.get(code) if isinstance(code, str) else None
    if category is None:
        raise InputError(f"unknown category {code!r}; valid codes: {', '.join(categories)}", field="category")
    return category


def _photos(photos: Any) -> tuple[str, ...]:
    if isinstance(photos, str) or not isinstance(photos, Iterable):
        raise InputError("photos must be a list of http(s) URLs", field="photos")
    urls = tuple(photos)
    if len(urls) > MAX_PHOTOS:
        raise LimitExceeded(f"{len(urls)} photos sent; the limit is {MAX_PHOTOS}", field="photos")
    for i, url in enumerate(urls):
        field = f"photos[{i}]"
        if not isinstance(url, str):
            raise InputError(f"photo {i} is not a URL", field=field)
        if len(url) > MAX_URL:
            raise LimitExceeded(f"photo URL {i} has {len(url):,} characters; the limit is {MAX_URL:,}", field=field)
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or any(c.isspace() for c in url)
        ):
            raise InputError(f"photo {i} is not an http(s) URL: {url[:80]!r}", field=field)
    return urls


def _sighting(seen_at: datetime, now: datetime) -> None:
    if seen_at > now + FUTURE_TOLERANCE:
        raise InputError(
            f"seenAt {seen_at.isoformat(timespec='minutes')} is in the future "
            f"(now {now.isoformat(timespec='minutes')})",
            field="seenAt",
        )
    if seen_at < now - OLDEST_SIGHTING:
        raise InputError(
            f"seenAt {seen_at.isoformat(timespec='minutes')} is more than {OLDEST_SIGHTING.days} days ago; "
            "report cases while they can still be handled",
            field="seenAt",
        )


# --- workflow --------------------------------------------------------------------------------


def allowed_actions(state: str) -> tuple[str, ...]:
    """The actions the workflow allows from a state, in table order.

    >>> allowed_actions(DISPATCHED), allowed_actions(CLOSED)
    (('ACCEPT', 'REJECT', 'CANCEL'), ())
    """
    return WORKFLOW.allowed_actions(state)


def advance(
    catalog: Catalog, viewer: Viewer, incident: Incident, action: str, *, note: str, now: datetime
) -> tuple[Incident, IncidentStep]:
    """Move a case by one action; return the changed case and the step that records the move.

    Raises AccessDenied when the viewer may not take the action on this case, Conflict when the
    case's state does not allow it, InputError for an unknown action or a bad note.
    """
    changed, move = WORKFLOW.advance(viewer, incident, action, note=note, now=now)
    return changed, IncidentStep(incident.id, move.at, viewer.actor, action, move.source, move.target, move.note)


# --- queries ---------------------------------------------------------------------------------


def open_cases(catalog: Catalog, squad_code: str) -> list[Incident]:
    """A squad's cases that are not closed, rejected or cancelled, the nearest deadline first."""
    cases = [x for x in catalog.incidents if x.squad_code == squad_code and x.state in OPEN]
    return sorted(cases, key=_by_deadline)


def overdue(catalog: Catalog, now: datetime, squad_code: str | None = None) -> list[Incident]:
    """Cases still waiting to be handled (DISPATCHED or HANDLING) whose deadline has passed.

    A case reported handled is with the command centre and no longer overdue, even if it was late.
    ``squad_code`` None means every squad. Nearest (most overdue) deadline first.
    """
    return WORKFLOW.overdue((x for x in catalog.incidents if squad_code in (None, x.squad_code)), now)


def find(
    catalog: Catalog,
    *,
    category: str | None = None,
    state: str | None = None,
    sector: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Incident]:
    """Cases meeting every given filter, oldest report first; ``since`` is inclusive, ``until`` exclusive."""
    WORKFLOW.check_state(state)
    lo = None if since is None else local_time(since, field="since")
    hi = None if until is None else local_time(until, field="until")
    out = []
    for x in catalog.incidents:
        if category is not None and x.category != category:
            continue
        if state is not None and x.state != state:
            continue
        if sector is not None and x.sector_code != sector:
            continue
        if lo is not None or hi is not None:
            at = None if x.reported_at is None else local_time(x.reported_at)
            if at is None or (lo is not None and at < lo) or (hi is not None and at >= hi):
                continue
        out.append(x)
    return sorted(out, key=lambda x: (x.reported_at is None, x.reported_at and local_time(x.reported_at), x.id))


def _by_deadline(x: Incident) -> tuple[bool, datetime | None, int]:
    return WORKFLOW.by_deadline(x)


# --- Open311 ---------------------------------------------------------------------------------

BRIGADE = "古城综合执法大队"


def as_open311(
    incident: Incident, *, catalog: Catalog | None = None, categories: Mapping[str, Category] = CATEGORIES
) -> dict[str, Any]:
    """The case as an Open311 GeoReport v2 service request.

    ``agency_responsible`` is the squad (by name when ``catalog`` is given), or the brigade for a
    case with no squad; ``status`` is ``closed`` for closed, rejected and cancelled cases.
    """
    category = categories.get(incident.category)
    squad = None if catalog is None or incident.squad_code is None else catalog.squads.get(incident.squad_code)
    agency = f"{BRIGADE}{squad.name} ({squad.code})" if squad is not None else incident.squad_code or BRIGADE
    geom = incident.geometry
    return {
        "service_request_id": str(incident.id),
        "status": "closed" if incident.state in TERMINAL else "open",
        "status_notes": STATE_NAMES.get(incident.state, incident.state),
        "service_code": incident.category,
        "service_name": category.name if category is not None else incident.category,
        "description": incident.description,
        "agency_responsible": agency,
        "requested_datetime": _iso(incident.reported_at),
        "expected_datetime": _iso(incident.deadline),
        "lat": float(geom.y),
        "long": float(geom.x),
        "media_url": incident.photos[0] if incident.photos else None,
    }


def _iso(at: datetime | None) -> str | None:
    return None if at is None else local_time(at).isoformat(timespec="seconds")


def events(catalog: Catalog, written: Iterable[tuple[Any, bool]]) -> list[Event]:
    """The live events one committed transaction makes: one per case it moved, with the case as the
    catalog now holds it and the last step written (kind ``REPORTED`` for a new case, else the action).

    Published from the store's change notices, so subscribers on every worker get every case's moves.
    """
    steps: dict[int, list[IncidentStep]] = {}
    for record, deleted in written:
        if isinstance(record, IncidentStep) and not deleted:
            steps.setdefault(record.incident_id, []).append(record)
    out = []
    for incident_id, moves in steps.items():
        incident = catalog.incidents.get(incident_id)
        if incident is not None:
            kind = "REPORTED" if any(m.action == REGISTER for m in moves) else moves[-1].action
            out.append(Event("incident", kind, incident.sector_code, incident, moves[-1]))
    return out
