"""Admins keep the governance records current one change at a time: a compound's management, a joint
meeting with its problems, a recovered public room, a company's yearly score (and so its listing).

Each use-case checks who may first (admins), then runs the domain's rules (``hub.domain.upkeep``) inside
one write: the records, the audit row and the caller's idempotency key together
(``hub.services.writes``). Positions may be sent in GCJ-02 or BD-09 (``crs``); they are stored in WGS84.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import shapely

from hub.domain import upkeep as rules
from hub.domain.access import Viewer
from hub.domain.guards import require_admin
from hub.geo.datum import point_to_wgs84
from hub.geo.geojson import point as checked_point
from hub.services.field_reports import today
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class Position:
    lon: float
    lat: float
    crs: str = "WGS84"


@dataclass(frozen=True, slots=True)
class ChangeManagement:
    client_id: str
    compound_id: int
    since: date
    mode: str
    property_company_id: str | None = None
    committee: rules.NewCommittee | None = None


@dataclass(frozen=True, slots=True)
class ProblemRaised:
    category: str
    description: str
    solved: bool = False
    solved_on: date | None = None
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class RecordMeeting:
    client_id: str
    compound_id: int
    held_on: date
    kind: str
    parties: tuple[str, ...]
    problems: tuple[ProblemRaised, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordPublicRoom:
    client_id: str
    compound_id: int
    floor_area_m2: float
    use: str
    recovered_on: date
    position: Position | None = None


@dataclass(frozen=True, slots=True)
class SetCreditScore:
    client_id: str
    company_id: str
    year: int
    score: float


def _point(position: Position | None, field: str) -> shapely.Point | None:
    if position is None:
        return None
    given = checked_point(position.lon, position.lat, field=field)
    lon, lat = point_to_wgs84(given.x, given.y, position.crs)
    return shapely.Point(lon, lat)


def _payload(command: Any) -> dict[str, Any]:
    """The command as JSON-able values (what the idempotency key is checked against, and what is audited)."""

    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items() if k != "client_id"}
        return value

    out: dict[str, Any] = plain(dataclasses.asdict(command))
    return out


def change_management(hub: Hub, viewer: Viewer, command: ChangeManagement, *, now: datetime) -> Done:
    """Record a compound's management from a date on (a new period; the compound and its committee as they
    become); the result names the compound (``{"compound": id}``)."""
    require_admin(viewer, "change a compound's management")
    c = command
    payload = _payload(c)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        compound, period, committee = rules.change_management(
            hub.data,
            compound_id=c.compound_id,
            since=c.since,
            mode=c.mode,
            company_id=c.property_company_id,
            committee=c.committee,
            today=today(now),
        )
        uow.put(compound)
        stored = uow.add(period)
        if committee is not None:
            uow.put(committee)
        uow.audit("change", "management", c.compound_id, {"input": payload, "period": stored.id})
        return {"compound": c.compound_id}

    return write(hub, viewer, operation="changeManagement", key=c.client_id, payload=payload, apply=apply)


def record_meeting(hub: Hub, viewer: Viewer, command: RecordMeeting, *, now: datetime) -> Done:
    """Record a three-party joint meeting and the problems raised at it; the result names the meeting."""
    require_admin(viewer, "record joint meetings")
    c = command
    payload = _payload(c)
    problems = [
        rules.NewProblem(
            p.category, p.description, p.solved, p.solved_on, _point(p.position, f"problems[{i}].position")
        )
        for i, p in enumerate(c.problems)
    ]

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        meeting, raised = rules.record_meeting(
            hub.data,
            compound_id=c.compound_id,
            held_on=c.held_on,
            kind=c.kind,
            parties=c.parties,
            problems=problems,
            today=today(now),
        )
        stored = uow.add(meeting)
        ids = [uow.add(dataclasses.replace(p, meeting_id=stored.id)).id for p in raised]
        uow.audit("record", "meeting", stored.id, {"input": payload, "problems": ids})
        return {"meeting": stored.id}

    return write(hub, viewer, operation="recordMeeting", key=c.client_id, payload=payload, apply=apply)


def record_public_room(hub: Hub, viewer: Viewer, command: RecordPublicRoom, *, now: datetime) -> Done:
    """Record a recovered public room; the result names it (``{"publicRoom": id}``)."""
    require_admin(viewer, "record recovered public rooms")
    c = command
    payload = _payload(c)
    point = _point(c.position, "position")

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        room = rules.record_public_room(
            hub.data,
            compound_id=c.compound_id,
            floor_area_m2=c.floor_area_m2,
            use=c.use,
            recovered_on=c.recovered_on,
            point=point,
            today=today(now),
        )
        stored = uow.add(room)
        uow.audit("record", "publicRoom", stored.id, {"input": payload})
        return {"publicRoom": stored.id}

    return write(hub, viewer, operation="recordPublicRoom", key=c.client_id, payload=payload, apply=apply)


def set_credit_score(hub: Hub, viewer: Viewer, command: SetCreditScore, *, now: datetime) -> Done:
    """Record a company's score of a year (in place of one recorded before); its grade and red or black
    listing follow from the year's scheme. The result names the company and year."""
    require_admin(viewer, "set credit scores")
    c = command
    payload = _payload(c)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        score = rules.credit_score(hub.data, company_id=c.company_id, year=c.year, score=c.score, today=today(now))
        uow.put(score)
        uow.audit("score", "propertyCompany", c.company_id, {"input": payload})
        return {"company": c.company_id, "year": c.year}

    return write(hub, viewer, operation="setCreditScore", key=c.client_id, payload=payload, apply=apply)
