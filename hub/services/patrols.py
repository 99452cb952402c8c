"""Patrols: log one (its officers, times and GPS track, checked for plausibility), and the day's patrols."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from hub.domain import patrols as rules
from hub.domain.access import Viewer
from hub.domain.guards import require_staff
from hub.geo.datum import geojson_to_wgs84
from hub.services.hub import Hub
from hub.services.writes import Done, write
from hub.store import UnitOfWork
from hub.store.records import Patrol


@dataclass(frozen=True, slots=True)
class LogPatrol:
    client_id: str
    squad_code: str
    officer_ids: tuple[str, ...]
    started_at: datetime
    ended_at: datetime
    track: Any
    """A GeoJSON LineString (a decoded object) in ``crs``."""
    point_times: tuple[str, ...] | None = None
    crs: str = "WGS84"


def log_patrol(hub: Hub, viewer: Viewer, command: LogPatrol, *, now: datetime) -> Done:
    """Store a patrol; the result names it (``{"patrol": id}``). The audit row holds figures, not the track."""
    require_staff(viewer, "log patrols")
    c = command
    payload = {
        "squadCode": c.squad_code,
        "officerIds": list(c.officer_ids),
        "startedAt": c.started_at.isoformat(),
        "endedAt": c.ended_at.isoformat(),
        "track": c.track,
        "pointTimes": None if c.point_times is None else list(c.point_times),
        "crs": c.crs,
    }
    track = geojson_to_wgs84(c.track, c.crs)

    def apply(uow: UnitOfWork) -> dict[str, Any]:
        patrol = rules.check_patrol(
            hub.data,
            viewer,
            client_id=c.client_id,
            squad_code=c.squad_code,
            officer_ids=list(c.officer_ids),
            started_at=c.started_at,
            ended_at=c.ended_at,
            track=track,
            point_times=None if c.point_times is None else list(c.point_times),
            now=now,
        )
        stored = uow.add(patrol)
        figures = {"squad": stored.squad_code, "lengthM": stored.length_m, "points": len(stored.point_times)}
        uow.audit("log", "patrol", stored.id, figures)
        return {"patrol": stored.id}

    return write(hub, viewer, operation="logPatrol", key=c.client_id, payload=payload, apply=apply)


def patrols_on(hub: Hub, day: date, squad: str | None = None) -> list[Patrol]:
    """Patrols that overlap a local day, optionally of one squad."""
    start, end = rules.day_window(day)
    return [
        p
        for p in hub.data.patrols
        if (squad is None or p.squad_code == squad)
        and p.started_at is not None
        and p.ended_at is not None
        and p.started_at < end
        and p.ended_at > start
    ]


def coverage(hub: Hub, sector: str, day: date) -> rules.Coverage:
    """How much of a sector one local day's patrols passed within 50 m of, and what they passed."""
    return rules.patrol_coverage(hub.data, sector, day, field="sector")
