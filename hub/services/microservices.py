"""Residents' micro-services: a team's volunteers log the requests that reach them and move them along (taken,
done, rated); anyone reads the requests and their figures, without the resident's name or what was asked.

The rules are ``hub.domain.microservices``; here they run inside one write with the request, its steps, the
audit row and the caller's key (a phone's retry with the same ``clientId`` is answered from the first write).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from hub.domain import microservices as rules
from hub.domain.access import Viewer
from hub.domain.figures.periods import DateRange
from hub.domain.filters import SpatialFilter
from hub.domain.guards import require_volunteer
from hub.domain.roster import local_time
from hub.domain.workflow import one_of
from hub.errors import NotFound
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork
from hub.store.records import ServiceRequest, Volunteer, VolunteerTeam


@dataclass(frozen=True, slots=True)
class LogServiceRequest:
    client_id: str
    compound_id: int
    kind: str
    requested_at: datetime
    team_code: str | None = None
    channel: str = "WECHAT_GROUP"
    description: str = ""
    resident_name: str = ""
    resident_phone: str = ""


@dataclass(frozen=True, slots=True)
class AdvanceServiceRequest:
    client_id: str
    request_id: str
    action: str
    note: str = ""
    rating: int | None = None
    volunteer_ids: tuple[str, ...] = ()


def log_service_request(hub: Hub, viewer: Viewer, command: LogServiceRequest, *, now: datetime) -> Done:
    """Log a resident's request (volunteers of the team, or admins naming it); the result names the request."""
    require_volunteer(viewer, "log micro-service requests")
    c = command
    payload = {
        "compoundId": c.compound_id,
        "kind": c.kind,
        "requestedAt": c.requested_at.isoformat(),
        "teamCode": c.team_code,
        "channel": c.channel,
        "description": c.description,
        "residentName": c.resident_name,
        "residentPhone": c.resident_phone,
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        made = rules.request(
            hub.data,
            viewer,
            rules.RequestInput(
                client_id=c.client_id,
                compound_id=c.compound_id,
                kind=c.kind,
                requested_at=c.requested_at,
                team_code=c.team_code,
                channel=c.channel,
                description=c.description,
                resident_name=c.resident_name,
                resident_phone=c.resident_phone,
            ),
            now=now,
        )
        stored = uow.add(made)
        uow.add(rules.first_step(stored, viewer.actor))
        # the audit row keeps what was done, not the resident's contact (personal data stays in its record)
        detail = {"input": {**payload, "residentName": "", "residentPhone": ""}, "team": stored.team_code}
        uow.audit("log", "service_request", stored.id, detail)
        return {"request": stored.id}

    return write(hub, viewer, operation="logServiceRequest", key=c.client_id, payload=payload, apply=apply)


def advance_service_request(hub: Hub, viewer: Viewer, command: AdvanceServiceRequest, *, now: datetime) -> Done:
    """Move a request one step (take, finish, rate, cancel); the result names the request."""
    require_volunteer(viewer, "work on micro-service requests")
    c = command
    payload = {
        "requestId": c.request_id,
        "action": c.action,
        "note": c.note,
        "rating": c.rating,
        "volunteerIds": list(c.volunteer_ids),
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        req = hub.data.service_requests.get(int(c.request_id)) if c.request_id.isdigit() else None
        if req is None:
            raise NotFound(f"no micro-service request {c.request_id!r}", field="requestId")
        changed, step = rules.advance(
            hub.data, viewer, req, c.action, note=c.note, now=now, rating=c.rating, volunteer_ids=c.volunteer_ids
        )
        stored = uow.put(changed)
        uow.add(step)
        detail = {"input": payload, "from": req.state, "to": stored.state}
        uow.audit(c.action.lower(), "service_request", stored.id, detail)
        return {"request": stored.id}

    return write(hub, viewer, operation="advanceServiceRequest", key=c.client_id, payload=payload, apply=apply)


# --- reads ------------------------------------------------------------------------------------------------


def teams(hub: Hub, subdistrict: str | None = None) -> list[VolunteerTeam]:
    if subdistrict is not None and hub.data.subdistricts.get(subdistrict) is None:
        raise NotFound(f"no subdistrict {subdistrict!r}", field="subdistrict")
    found = hub.data.volunteer_teams.values()
    return sorted((t for t in found if subdistrict in (None, t.subdistrict_code)), key=lambda t: t.code)


def volunteers(hub: Hub, team: str | None = None) -> list[Volunteer]:
    if team is not None:
        rules.team_of(hub.data, team)
    return [v for _, v in sorted(hub.data.volunteers.items()) if team in (None, v.team_code)]


@dataclass(frozen=True, slots=True)
class RequestFilter:
    compound: int | None = None
    community: str | None = None
    subdistrict: str | None = None
    team: str | None = None
    kind: str | None = None
    state: str | None = None
    requested: DateRange = field(default_factory=DateRange)


def requests(hub: Hub, where: SpatialFilter, f: RequestFilter) -> np.ndarray:
    """Positions of the requests meeting the spatial filter and the conditions (each checked)."""
    data = hub.data
    if f.compound is not None and data.compounds.get(f.compound) is None:
        raise NotFound(f"no compound {f.compound}", field="compound")
    if f.community is not None and data.communities.get(f.community) is None:
        raise NotFound(f"no community {f.community!r}", field="community")
    if f.subdistrict is not None and data.subdistricts.get(f.subdistrict) is None:
        raise NotFound(f"no subdistrict {f.subdistrict!r}", field="subdistrict")
    if f.team is not None:
        rules.team_of(data, f.team)
    if f.kind is not None:
        one_of(f.kind, rules.KINDS, "kind of service", "kind")
    rules.WORKFLOW.check_state(f.state)
    layer = data.service_requests
    positions = where.positions(layer)
    if f == RequestFilter():
        return positions
    recs = layer.records
    return np.asarray(
        [
            p
            for p in positions.tolist()
            if (x := recs[p]) is not None
            and f.compound in (None, x.compound_id)
            and f.community in (None, x.community_code)
            and f.subdistrict in (None, x.subdistrict_code)
            and f.team in (None, x.team_code)
            and f.kind in (None, x.kind)
            and f.state in (None, x.state)
            and f.requested.holds(None if x.requested_at is None else local_time(x.requested_at).date())
        ],
        dtype=np.intp,
    )


def open_requests(hub: Hub, older_than_days: int, now: datetime, team: str | None = None) -> list[ServiceRequest]:
    return rules.open_older_than(hub.data, older_than_days, now, team)
