"""Residents' micro-services (微小服务): small services residents ask of a volunteer team in their compound (paying
a phone bill, unblocking a toilet, changing a bulb, …), taken, done and rated on the case workflow
(``hub.domain.workflow``).

A subdistrict's volunteer teams (党员志愿队, 关爱老人志愿者服务队, 业主驿站) serve some of its communities; their
volunteers (personal data: names and phones) log the requests that reach them through the WeChat group, a
visit, a call or in person. A request belongs to a compound (its point is the compound's), so it is counted by
compound, community and subdistrict like everything else; the resident who asked is named only to the team
(and admins), and what was asked is free text (staff and the team only).

The rules of a request, checked before it is written: the team exists and the caller is one of its
volunteers (or an admin naming the team); the compound exists and lies in a community the team serves; the
kind is one of ``KINDS`` (``BAD_INPUT`` naming them), the channel one of ``CHANNELS``; the moment is not in the
future nor more than 30 days ago. Its deadline is the kind's time (``DUE_DAYS``) from the request.

States and moves::

    REQUESTED  待接单  logged; the deadline runs
    TAKEN      已接单  a volunteer took it
    DONE       已完成  done, waiting for the resident's rating
    RATED      已评价  rated 1–5 by the resident     } terminal: ``closed_at`` is set
    CANCELLED  已取消  withdrawn                      }

    action   from               to         who
    TAKE     REQUESTED          TAKEN      volunteers of the team; admins
    FINISH   TAKEN              DONE       volunteers of the team; admins
    RATE     DONE               RATED      volunteers of the team (the resident's rating); admins
    CANCEL   REQUESTED, TAKEN   CANCELLED  volunteers of the team; admins; note required

A request is open (still to be done) while REQUESTED or TAKEN, overdue when open past its deadline.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import shapely

from hub.domain.access import ADMIN, VOLUNTEER, Viewer
from hub.domain.roster import local_time
from hub.domain.workflow import Party, Workflow, clean_text, one_of
from hub.errors import AccessDenied, Conflict, InputError, NotAssigned, NotFound
from hub.store import records as r
from hub.store.catalog import Catalog

KIND = "service_request"
"""The kind of case of a request's steps (``CaseStep.kind``)."""

KINDS = ("PHONE_BILL", "TOILET_UNBLOCKING", "LIGHT_BULB", "PLUMBING", "ELECTRICAL", "ERRAND", "ELDERLY_CARE", "OTHER")
KIND_NAMES = {
    "PHONE_BILL": "话费收缴",
    "TOILET_UNBLOCKING": "厕所疏通",
    "LIGHT_BULB": "更换灯泡",
    "PLUMBING": "水管维修",
    "ELECTRICAL": "电路维修",
    "ERRAND": "代购代办",
    "ELDERLY_CARE": "助老陪护",
    "OTHER": "其他",
}
DUE_DAYS = {
    "PHONE_BILL": 1,
    "TOILET_UNBLOCKING": 1,
    "LIGHT_BULB": 2,
    "PLUMBING": 2,
    "ELECTRICAL": 2,
    "ERRAND": 2,
    "ELDERLY_CARE": 3,
    "OTHER": 3,
}
"""How many days a team has to do a request of each kind (configuration; a subdistrict may set its own)."""
CHANNELS = ("WECHAT_GROUP", "VISIT", "PHONE", "IN_PERSON")
TEAM_KINDS = ("PARTY_MEMBERS", "ELDERLY_CARE", "OWNERS_STATION")
TEAM_KIND_NAMES = {"PARTY_MEMBERS": "党员志愿队", "ELDERLY_CARE": "关爱老人志愿者服务队", "OWNERS_STATION": "业主驿站"}

REQUESTED, TAKEN, DONE, RATED, CANCELLED = "REQUESTED", "TAKEN", "DONE", "RATED", "CANCELLED"
STATES = (REQUESTED, TAKEN, DONE, RATED, CANCELLED)
STATE_NAMES = {REQUESTED: "待接单", TAKEN: "已接单", DONE: "已完成", RATED: "已评价", CANCELLED: "已取消"}
REPORT = "REPORT"
"""The action of a request's first step (logged); not a move of the table."""
TAKE, FINISH, RATE, CANCEL = "TAKE", "FINISH", "RATE", "CANCEL"
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    TAKE: (frozenset({REQUESTED}), TAKEN),
    FINISH: (frozenset({TAKEN}), DONE),
    RATE: (frozenset({DONE}), RATED),
    CANCEL: (frozenset({REQUESTED, TAKEN}), CANCELLED),
}
ACTIONS = tuple(TRANSITIONS)
AWAITING = frozenset({REQUESTED, TAKEN})
"""Open requests: still to be done (the deadline can be missed)."""
TERMINAL = frozenset({RATED, CANCELLED})
DONE_STATES = frozenset({DONE, RATED})

MAX_DESCRIPTION = 500
MAX_NAME = 50
MAX_VOLUNTEERS = 10
OLDEST = timedelta(days=30)
FUTURE_TOLERANCE = timedelta(minutes=5)

WORKFLOW = Workflow(
    noun="request",
    states=STATES,
    names=STATE_NAMES,
    transitions=TRANSITIONS,
    terminal=TERMINAL,
    awaiting=AWAITING,
    party=Party(
        role=VOLUNTEER,
        people="volunteers",
        unit="team",
        unit_of_viewer=lambda v: v.unit_code,
        unit_of_case=lambda x: x.team_code,
        actions=frozenset(ACTIONS),
        centre="subdistrict office",
    ),
    note_required=frozenset({CANCEL}),
    opened=lambda x: x.requested_at,
)


def team_of(catalog: Catalog, code: str, *, field: str = "team") -> r.VolunteerTeam:
    found = catalog.volunteer_teams.get(code)
    if found is None:
        known = ", ".join(sorted(catalog.volunteer_teams)) or "none"
        raise NotFound(f"no volunteer team {code!r}; known teams: {known}", field=field)
    return found


def volunteers_of(catalog: Catalog, team_code: str) -> list[r.Volunteer]:
    return [v for _, v in sorted(catalog.volunteers.items()) if v.team_code == team_code]


@dataclass(frozen=True, slots=True)
class RequestInput:
    client_id: str
    compound_id: int
    kind: str
    requested_at: datetime
    team_code: str | None = None
    channel: str = "WECHAT_GROUP"
    description: str = ""
    resident_name: str = ""
    resident_phone: str = ""


def request(catalog: Catalog, viewer: Viewer, v: RequestInput, *, now: datetime) -> r.ServiceRequest:
    """The request to store once the rules of the module docstring hold (raises the first that fails)."""
    if viewer.role == VOLUNTEER:
        if v.team_code not in (None, viewer.unit_code):
            raise AccessDenied(f"you log requests for team {viewer.unit_code}, not {v.team_code}", field="teamCode")
        code = viewer.unit_code or ""
    elif viewer.role == ADMIN:
        if v.team_code is None:
            raise InputError("name the team the request went to", field="teamCode")
        code = v.team_code
    else:
        raise AccessDenied(f"only volunteers and admins may log micro-service requests; you are {viewer.role}")
    team = team_of(catalog, code, field="teamCode")
    compound = catalog.compounds.get(v.compound_id)
    if compound is None:
        raise NotFound(f"no compound {v.compound_id}", field="compoundId")
    if compound.community_code not in team.community_codes:
        raise NotAssigned(
            f"compound {compound.id} ({compound.name}) is in community {compound.community_code}, which team "
            f"{team.code} does not serve ({', '.join(team.community_codes)})",
            field="compoundId",
        )
    one_of(v.kind, KINDS, "kind of service", "kind")
    one_of(v.channel, CHANNELS, "channel", "channel")
    at = local_time(v.requested_at, field="requestedAt")
    now = local_time(now)
    if at > now + FUTURE_TOLERANCE:
        raise InputError(f"{at.isoformat(timespec='minutes')} is in the future", field="requestedAt")
    if at < now - OLDEST:
        raise InputError(f"{at.isoformat(timespec='minutes')} is more than 30 days ago", field="requestedAt")
    return r.ServiceRequest(
        geometry=shapely.point_on_surface(compound.geometry),
        geojson="",
        client_id=v.client_id,
        team_code=team.code,
        compound_id=compound.id,
        community_code=compound.community_code,
        subdistrict_code=compound.subdistrict_code,
        kind=v.kind,
        channel=v.channel,
        description=clean_text(v.description, "description", MAX_DESCRIPTION),
        resident_name=clean_text(v.resident_name, "residentName", MAX_NAME),
        resident_phone=clean_text(v.resident_phone, "residentPhone", MAX_NAME),
        requested_at=at,
        deadline=at + timedelta(days=DUE_DAYS[v.kind]),
        state=REQUESTED,
        logged_by=viewer.actor,
    )


def first_step(req: r.ServiceRequest, actor: str) -> r.CaseStep:
    assert req.requested_at is not None
    return r.CaseStep(KIND, req.id, req.requested_at, actor, REPORT, None, REQUESTED)


def advance(
    catalog: Catalog,
    viewer: Viewer,
    req: r.ServiceRequest,
    action: str,
    *,
    note: Any,
    now: datetime,
    rating: int | None = None,
    volunteer_ids: Sequence[str] = (),
) -> tuple[r.ServiceRequest, r.CaseStep]:
    """Move a request one step. TAKE and FINISH may name the volunteers who did it (of the team); RATE needs the
    resident's rating, 1 to 5."""
    changed, m = WORKFLOW.advance(viewer, req, action, note=note, now=now)
    if action == RATE:
        if rating is None or not 1 <= rating <= 5:
            raise InputError(f"rating a request takes the resident's rating, 1 to 5; got {rating}", field="rating")
        changed = _replace(changed, rating=rating)
    elif rating is not None:
        raise InputError(f"a rating goes with RATE, not {action}", field="rating")
    if volunteer_ids:
        if len(volunteer_ids) > MAX_VOLUNTEERS:
            raise InputError(f"at most {MAX_VOLUNTEERS} volunteers", field="volunteerIds")
        for i, vid in enumerate(volunteer_ids):
            person = catalog.volunteers.get(vid)
            if person is None:
                raise NotFound(f"no volunteer {vid!r}", field=f"volunteerIds[{i}]")
            if person.team_code != req.team_code:
                raise Conflict(
                    f"volunteer {vid} is of team {person.team_code}, not {req.team_code}", field=f"volunteerIds[{i}]"
                )
        merged = tuple(dict.fromkeys((*req.volunteer_ids, *volunteer_ids)))
        changed = _replace(changed, volunteer_ids=merged)
    return changed, r.CaseStep(KIND, req.id, m.at, viewer.actor, action, m.source, m.target, m.note)


def _replace(req: r.ServiceRequest, **changes: Any) -> r.ServiceRequest:
    return dataclasses.replace(req, **changes)


def done_at(catalog: Catalog, req: r.ServiceRequest) -> datetime | None:
    """When a request was first reported done (its FINISH step), or None."""
    return next((s.at for s in catalog.case_steps.get((KIND, req.id), []) if s.action == FINISH), None)


def is_open(req: r.ServiceRequest) -> bool:
    return req.state in AWAITING


def open_older_than(catalog: Catalog, days: int, now: datetime, team: str | None = None) -> list[r.ServiceRequest]:
    """Open requests (still to be done) logged more than ``days`` days before ``now``, the oldest first."""
    if not 0 <= days <= 3650:
        raise InputError(f"olderThanDays is {days}; give 0 to 3650", field="olderThanDays")
    if team is not None:
        team_of(catalog, team)
    cutoff = local_time(now) - timedelta(days=days)
    found = [
        x
        for x in catalog.service_requests
        if is_open(x)
        and team in (None, x.team_code)
        and x.requested_at is not None
        and local_time(x.requested_at) < cutoff
    ]
    return sorted(found, key=lambda x: (x.requested_at, x.id))
