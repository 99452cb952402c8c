"""``distanceM(from: {lon, lat, crs})`` on every spatial type: geodesic metres to the nearest point of its geometry."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from hub.domain.distance import check_point, distance_to
from hub.geo.datum import point_to_wgs84
from hub.schema.enums import Crs


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


def distance_in(r: Any, ctx: Any, **arguments: Any) -> float | None:
    """A record's distance from the ``from`` point (None without a geometry)."""
    lon, lat = _point(arguments["from"])
    return distance_to(r.geometry, lon, lat)


def _distance(
    self: Any, info: Info[Any, None], from_: Annotated[DistanceFrom, strawberry.argument(name="from")]
) -> float | None:
    return self._with_args("distance_m", info, **{"from": from_})


def distance_field(
    description: str = "Geodesic metres from the point to the nearest point of the geometry (0 inside).",
) -> Any:
    return strawberry.field(resolver=_distance, description=description)
