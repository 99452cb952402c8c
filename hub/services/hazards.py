"""Safety-hazard campaigns: admins declare campaigns, a township's inspectors log inspections from the field (the
premises, the hazards found) and move hazards along the workflow; anyone reads the hazards and the bulletin,
staff read what was found.

The rules are ``hub.domain.hazards``; here they run inside one write with the records, their steps, the audit
row and the caller's key, and new or moved hazards go out to live subscribers of their township.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from hub.domain import hazards as rules
from hub.domain.access import ADMIN, INSPECTOR, Viewer
from hub.domain.bulletin import Bulletin, weekly_bulletin
from hub.domain.figures.periods import DateRange
from hub.domain.filters import SpatialFilter
from hub.domain.guards import require_admin, require_inspector
from hub.domain.roster import local_time
from hub.errors import AccessDenied, InputError, NotFound
from hub.geo.datum import point_to_wgs84
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork
from hub.store.records import Hazard, Premises, SafetyCampaign


@dataclass(frozen=True, slots=True)
class DeclareSafetyCampaign:
    client_id: str
    code: str
    township_code: str
    name: str
    starts_on: date
    departments: tuple[str, ...]
    ends_on: date | None = None


@dataclass(frozen=True, slots=True)
class LogInspection:
    client_id: str
    campaign_code: str
    inspected_at: datetime
    premises_id: int | None = None
    premises_name: str | None = None
    premises_category: str | None = None
    lon: float | None = None
    lat: float | None = None
    crs: str = "WGS84"
    departments: tuple[str, ...] = ()
    hazards: tuple[rules.HazardInput, ...] = ()


@dataclass(frozen=True, slots=True)
class AdvanceHazard:
    client_id: str
    hazard_id: str
    action: str
    note: str = ""


def declare_safety_campaign(hub: Hub, viewer: Viewer, command: DeclareSafetyCampaign) -> Done:
    """Declare a township's campaign, or change one (dates, departments, name); the result names it."""
    require_admin(viewer, "declare safety campaigns")
    c = command
    payload = {
        "code": c.code,
        "township": c.township_code,
        "name": c.name,
        "startsOn": c.starts_on.isoformat(),
        "endsOn": c.ends_on.isoformat() if c.ends_on else None,
        "departments": list(c.departments),
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        campaign = SafetyCampaign(
            c.code, c.township_code, c.name, c.starts_on, c.ends_on, tuple(c.departments), viewer.actor
        )
        rules.check_campaign(hub.data, campaign)
        old = hub.data.safety_campaigns.get(c.code)
        uow.put(campaign)
        uow.audit("declare" if old is None else "update", "safety_campaign", c.code, {"input": payload})
        return {"campaign": c.code}

    return write(hub, viewer, operation="declareSafetyCampaign", key=c.client_id, payload=payload, apply=apply)


def log_inspection(hub: Hub, viewer: Viewer, command: LogInspection, *, now: datetime) -> Done:
    """Log an inspection (new premises registered on the way) and its hazards; the result names the inspection."""
    require_inspector(viewer, "log inspections")
    c = command
    payload = {
        "campaignCode": c.campaign_code,
        "inspectedAt": c.inspected_at.isoformat(),
        "premisesId": c.premises_id,
        "premisesName": c.premises_name,
        "premisesCategory": c.premises_category,
        "lon": c.lon,
        "lat": c.lat,
        "crs": c.crs,
        "departments": list(c.departments),
        "hazards": [
            {"kind": h.kind, "severity": h.severity, "description": h.description, "dueOn": h.due_on.isoformat()}
            for h in c.hazards
        ],
    }
    lon, lat = (c.lon, c.lat) if c.lon is None or c.lat is None else point_to_wgs84(c.lon, c.lat, c.crs)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        made = rules.inspect(
            hub.data,
            viewer,
            rules.InspectionInput(
                client_id=c.client_id,
                campaign_code=c.campaign_code,
                inspected_at=c.inspected_at,
                premises_id=c.premises_id,
                premises_name=c.premises_name,
                premises_category=c.premises_category,
                lon=lon,
                lat=lat,
                departments=c.departments,
                hazards=c.hazards,
            ),
            now=now,
        )
        premises = made.premises
        if made.new_premises is not None:
            premises = uow.add(made.new_premises)
            uow.audit("register", "premises", premises.id, {"name": premises.name, "category": premises.category})
        inspection = uow.add(_with(made.inspection, premises_id=premises.id))
        ids = []
        for h in made.hazards:
            stored = uow.add(_with(h, inspection_id=inspection.id, premises_id=premises.id))
            uow.add(rules.first_step(stored, viewer.actor))
            ids.append(stored.id)
        detail = {"input": payload, "premises": premises.id, "hazards": ids, "township": inspection.township_code}
        uow.audit("log", "inspection", inspection.id, detail)
        return {"inspection": inspection.id, "premises": premises.id, "hazards": ids}

    return write(hub, viewer, operation="logInspection", key=c.client_id, payload=payload, apply=apply)


def _with(record: Any, **changes: Any) -> Any:
    return dataclasses.replace(record, **changes)


def advance_hazard(hub: Hub, viewer: Viewer, command: AdvanceHazard, *, now: datetime) -> Done:
    """Move a hazard one step (who may is the workflow's rule); the result names the hazard."""
    require_inspector(viewer, "work on hazards")
    c = command
    payload = {"hazardId": c.hazard_id, "action": c.action, "note": c.note}

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        hazard = hub.data.hazards.get(int(c.hazard_id)) if c.hazard_id.isdigit() else None
        if hazard is None:
            raise NotFound(f"no hazard {c.hazard_id!r}", field="hazardId")
        changed, step = rules.advance(viewer, hazard, c.action, note=c.note, now=now)
        stored = uow.put(changed)
        uow.add(step)
        uow.audit(c.action.lower(), "hazard", stored.id, {"input": payload, "from": hazard.state, "to": stored.state})
        return {"hazard": stored.id}

    return write(hub, viewer, operation="advanceHazard", key=c.client_id, payload=payload, apply=apply)


def followed_township(hub: Hub, viewer: Viewer, township: str | None) -> str | None:
    """The township whose hazard events this viewer may follow (None: every township, for admins and analysts).

    Inspectors follow their own township; admins and analysts any township, or all.
    """
    if viewer.role not in (INSPECTOR, ADMIN) and not viewer.sees_staff_names():
        raise AccessDenied("hazard events are for staff; send a token in the connection params")
    if township is not None and hub.data.townships.get(township) is None:
        codes = ", ".join(t.code for t in hub.data.townships)
        raise InputError(f"no township {township!r}; one of {codes}", field="township")
    if viewer.role == INSPECTOR:
        if township not in (None, viewer.unit_code):
            raise AccessDenied(f"inspectors of {viewer.unit_code} follow their township, not {township}")
        return viewer.unit_code
    return township


# --- reads ------------------------------------------------------------------------------------------------


def campaigns(hub: Hub, township: str | None = None) -> list[SafetyCampaign]:
    if township is not None and hub.data.townships.get(township) is None:
        raise NotFound(f"no township {township!r}", field="township")
    found = hub.data.safety_campaigns.values()
    return sorted((x for x in found if township in (None, x.township_code)), key=lambda x: (x.starts_on, x.code))


def uninspected(hub: Hub, campaign: str, category: str | None = None) -> list[Premises]:
    return rules.uninspected(hub.data, campaign, category)


@dataclass(frozen=True, slots=True)
class HazardQuery:
    filter: rules.HazardFilter = field(default_factory=rules.HazardFilter)
    found: DateRange = field(default_factory=DateRange)


def hazards(hub: Hub, where: SpatialFilter, q: HazardQuery, now: datetime) -> np.ndarray:
    """Positions of the hazards meeting the spatial filter and the conditions (each checked)."""
    data = hub.data
    rules.check_filter(data, q.filter)
    positions = where.positions(data.hazards)
    if q == HazardQuery():
        return positions
    recs = data.hazards.records
    return np.asarray(
        [
            p
            for p in positions.tolist()
            if (x := recs[p]) is not None
            and rules.matches(x, q.filter, now)
            and q.found.holds(None if x.found_at is None else local_time(x.found_at).date())
        ],
        dtype=np.intp,
    )


def hazard(hub: Hub, hazard_id: int) -> Hazard | None:
    return hub.data.hazards.get(hazard_id)


def bulletin(hub: Hub, viewer: Viewer, campaign: str, week_of: date | None, now: datetime) -> Bulletin:
    """The weekly bulletin (周通报) of a campaign for the week holding ``week_of`` (this week when None)."""
    return weekly_bulletin(hub.data, campaign, week_of, now)
