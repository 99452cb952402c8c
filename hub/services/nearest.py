"""The k records of a map layer nearest to a point (open cases, unsigned merchants, compounds, …)."""

from __future__ import annotations

from dataclasses import dataclass

from hub.domain.access import Viewer
from hub.domain.distance import Hit, nearest
from hub.geo.datum import point_to_wgs84
from hub.services.hub import Hub


@dataclass(frozen=True)
class NearestCommand:
    layer: str
    lon: float
    lat: float
    k: int = 10
    max_meters: float | None = None
    crs: str = "WGS84"
    open_only: bool | None = None
    signed: bool | None = None


def nearest_records(hub: Hub, viewer: Viewer, cmd: NearestCommand) -> list[Hit]:
    """The nearest records, nearest first, each with its geodesic distance in metres from the point.

    Map layers hold no personal data beyond what their types mask, so every role may ask.
    """
    lon, lat = (cmd.lon, cmd.lat) if cmd.crs == "WGS84" else point_to_wgs84(cmd.lon, cmd.lat, cmd.crs)
    return nearest(
        hub.data, cmd.layer, lon, lat, cmd.k, max_m=cmd.max_meters, open_only=cmd.open_only, signed=cmd.signed
    )
