"""``distanceM(from: {lon, lat, crs})`` on every spatial type: geodesic metres to the nearest point of its geometry."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from hub.domain.distance import check_point, distance_to
from hub.domain.patrols import shown_track
from hub.geo.datum import point_to_wgs84
from hub.schema.enums import Crs

DESCRIPTION = "Geodesic metres from the point to the nearest point of the geometry (0 inside)."


@strawberry.input(description="A point to measure from (in `crs`, WGS84 by default).")
class DistanceFrom:
    lon: float
    lat: float
    crs: Crs | None = None


def _point(src: Any) -> tuple[float, float]:
    """(lon, lat) in WGS84 of a ``from`` argument (the input object, or the dict the compiled path passes)."""
    if isinstance(src, dict):
        lon, lat, crs = src.get("lon"), src.get("lat"), src.get("crs")
    else:
        lon, lat, crs = src.lon, src.lat, src.crs
    code = getattr(crs, "value", crs) or "WGS84"
    lon, lat = check_point(lon, lat, field="from")
    return (lon, lat) if code == "WGS84" else point_to_wgs84(lon, lat, code)


def _distance(root: Any, from_: Annotated[DistanceFrom, strawberry.argument(name="from")]) -> float | None:
    return distance_to(root.geometry, *_point(from_))


def _track_distance(
    root: Any, info: Info[Any, None], from_: Annotated[DistanceFrom, strawberry.argument(name="from")]
) -> float | None:
    """A patrol's distance tells where its track ran: shown (and logged) as the track is, to its squad and admins."""
    return shown_track(info.context.viewer, root, distance_to(root.geometry, *_point(from_)))


def distance_field(description: str = DESCRIPTION) -> Any:
    return strawberry.field(resolver=_distance, description=description)


def track_distance_field() -> Any:
    return strawberry.field(
        resolver=_track_distance,
        description="Geodesic metres from the point to the nearest point of the track: the squad itself and "
        "admins only (it tells where the track ran), else null.",
    )
