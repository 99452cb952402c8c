"""Cases: report one seen at a point (dispatched to the squad on shift there), move one along the workflow.

The rules are ``hub.domain.incidents``; here they run inside one write, with the case, its steps, the
audit row and the caller's key, and the event goes out to live subscribers once it is stored.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from hub.domain import incidents as rules
from hub.domain.access import ADMIN, OFFICER, Viewer
from hub.domain.guards import require_staff
from hub.errors import AccessDenied, InputError, NotFound
from hub.geo.datum import point_to_wgs84
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class ReportIncident:
    client_id: str
    category: str
    lon: float
    lat: float
    description: str
    seen_at: datetime
    photos: tuple[str, ...] = ()
    crs: str = "WGS84"


@dataclass(frozen=True, slots=True)
class AdvanceIncident:
    client_id: str
    incident_id: str
    """The case number (the key of a global ID)."""
    action: str
    note: str = ""


def report_incident(hub: Hub, viewer: Viewer, command: ReportIncident, *, now: datetime) -> Done:
    """Register a case and dispatch it; the result names the stored case (``{"incident": id}``)."""
    require_staff(viewer, "report cases")
    c = command
    payload = {
        "category": c.category,
        "lon": c.lon,
        "lat": c.lat,
        "description": c.description,
        "seenAt": c.seen_at.isoformat(),
        "photos": list(c.photos),
        "crs": c.crs,
    }
    lon, lat = point_to_wgs84(c.lon, c.lat, c.crs)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        incident, steps = rules.report(
            hub.data,
            viewer,
            client_id=c.client_id,
            category_code=c.category,
            lon=lon,
            lat=lat,
            description=c.description,
            photos=c.photos,
            seen_at=c.seen_at,
            now=now,
            categories=hub.categories,
        )
        stored = uow.add(incident)
        for step in steps:
            uow.add(dataclasses.replace(step, incident_id=stored.id))
        uow.audit("report", "incident", stored.id, {"input": payload, "squad": stored.squad_code})
        return {"incident": stored.id}

    return write(
        hub,
        viewer,
        operation="reportIncident",
        key=c.client_id,
        payload=payload,
        apply=apply,
    )


def advance_incident(hub: Hub, viewer: Viewer, command: AdvanceIncident, *, now: datetime) -> Done:
    """Move a case one step (who may is the workflow's rule); the result names the case."""
    require_staff(viewer, "work on cases")
    c = command
    payload = {"incidentId": c.incident_id, "action": c.action, "note": c.note}

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        incident = hub.data.incidents.get(int(c.incident_id)) if c.incident_id.isdigit() else None
        if incident is None:
            raise NotFound(f"no case {c.incident_id!r}", field="incidentId")
        changed, step = rules.advance(hub.data, viewer, incident, c.action, note=c.note, now=now)
        stored = uow.put(changed)
        uow.add(step)
        detail = {"input": payload, "from": incident.state, "to": stored.state}
        uow.audit(c.action.lower(), "incident", stored.id, detail)
        return {"incident": stored.id}

    return write(
        hub,
        viewer,
        operation="advanceIncident",
        key=c.client_id,
        payload=payload,
        apply=apply,
    )


def followed_sector(hub: Hub, viewer: Viewer, sector: str | None) -> str | None:
    """The sector whose case events this viewer may follow (None: every sector, for admins), or why not.

    Officers follow their own squad's sector; admins any sector, or all.
    """
    if viewer.role not in (OFFICER, ADMIN):
        raise AccessDenied("incident events are for officers and admins; send a token in the connection params")
    if sector is not None and hub.data.sectors.get(sector) is None:
        codes = ", ".join(s.code for s in hub.data.sectors)
        raise InputError(f"no sector {sector!r}; one of {codes}", field="sector")
    if viewer.role == OFFICER:
        own = hub.data.squads.get(viewer.squad_code or "")
        mine = own.sector_code if own else None
        if sector not in (None, mine):
            raise AccessDenied(f"squad {viewer.squad_code} follows sector {mine}, not {sector}")
        return mine
    return sector
