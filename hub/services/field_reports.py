"""Reports from the field: occupied public space found and cleared, and signed 门前三包 agreements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hub.domain import frontage as frontage_rules
from hub.domain import occupations as occupation_rules
from hub.domain.access import Viewer
from hub.domain.guards import require_staff
from hub.domain.roster import local_time
from hub.errors import InputError
from hub.geo.datum import geojson_to_wgs84
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork


@dataclass(frozen=True, slots=True)
class ReportOccupation:
    client_id: str
    geometry: Any
    """A GeoJSON Polygon (a decoded object) in ``crs``."""
    kind: str
    reported_on: date | None = None
    """The local date; default today."""
    crs: str = "WGS84"


@dataclass(frozen=True, slots=True)
class ClearOccupation:
    client_id: str
    occupation_id: str
    cleared_on: date | None = None


@dataclass(frozen=True, slots=True)
class SignFrontageAgreement:
    client_id: str
    merchant_id: str
    officer_id: str
    duties: tuple[str, ...]
    signed_on: date | None = None


def today(now: datetime) -> date:
    """The district's local date at ``now``."""
    return local_time(now).date()


def report_occupation(hub: Hub, viewer: Viewer, command: ReportOccupation, *, now: datetime) -> Done:
    """Record occupied space inside one compound; the result names it (``{"occupation": id}``)."""
    require_staff(viewer, "report occupied space")
    c = command
    reported_on = c.reported_on or today(now)
    payload = {"geometry": c.geometry, "kind": c.kind, "reportedOn": reported_on.isoformat(), "crs": c.crs}
    geometry = geojson_to_wgs84(c.geometry, c.crs)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        occupation = occupation_rules.report(
            hub.data,
            viewer,
            geometry=geometry,
            kind=c.kind,
            reported_on=reported_on,
            today=today(now),
            max_vertices=hub.settings.max_vertices,
        )
        stored = uow.add(occupation)
        uow.audit("report", "occupation", stored.id, {"input": payload, "areaM2": stored.area_m2})
        return {"occupation": stored.id}

    return write(hub, viewer, operation="reportOccupation", key=c.client_id, payload=payload, apply=apply)


def clear_occupation(hub: Hub, viewer: Viewer, command: ClearOccupation, *, now: datetime) -> Done:
    """Mark occupied space cleared (its area joins the cleared total); the result names it."""
    require_staff(viewer, "clear occupied space")
    c = command
    cleared_on = c.cleared_on or today(now)
    payload = {"occupationId": c.occupation_id, "clearedOn": cleared_on.isoformat()}
    if not c.occupation_id.isdigit():
        raise InputError(f"{c.occupation_id!r} is not an occupation ID", field="occupationId")

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        cleared = occupation_rules.clear(
            hub.data, viewer, occupation_id=int(c.occupation_id), cleared_on=cleared_on, today=today(now)
        )
        stored = uow.put(cleared)
        uow.audit("clear", "occupation", stored.id, {"input": payload, "areaM2": stored.area_m2})
        return {"occupation": stored.id}

    return write(hub, viewer, operation="clearOccupation", key=c.client_id, payload=payload, apply=apply)


def sign_frontage_agreement(hub: Hub, viewer: Viewer, command: SignFrontageAgreement, *, now: datetime) -> Done:
    """Record a merchant's signed agreement; the result names the merchant (``{"merchant": code}``)."""
    require_staff(viewer, "sign 门前三包 agreements")
    c = command
    signed_on = c.signed_on or today(now)
    payload = {
        "merchantId": c.merchant_id,
        "officerId": c.officer_id,
        "duties": list(c.duties),
        "signedOn": signed_on.isoformat(),
    }

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        agreement = frontage_rules.sign(
            hub.data,
            viewer,
            merchant_id=c.merchant_id,
            officer_id=c.officer_id,
            signed_on=signed_on,
            duties=list(c.duties),
            today=today(now),
        )
        uow.put(agreement)
        uow.audit("sign", "frontage_agreement", c.merchant_id, {"input": payload})
        return {"merchant": c.merchant_id}

    return write(hub, viewer, operation="signFrontageAgreement", key=c.client_id, payload=payload, apply=apply)
