"""``nearest``: the k records of a map layer nearest to a point, each with its geodesic distance."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.enums import Crs, MapLayer
from hub.schema.fast import view
from hub.services.nearest import NearestCommand, nearest_records

Ctx = Info[Context, None]


@strawberry.type(description="A record near the point, and how far it is.")
class Nearby:
    distance_m: float = strawberry.field(description="Geodesic metres to the record's nearest point (0 inside).")
    node: t.Node = strawberry.field(description="The record (use a fragment: `... on Incident { caseNumber }`).")


@strawberry.type
class SpatialQuery:
    @strawberry.field(
        description="The k (1–1,000) records of a layer nearest to a point, nearest first, none farther than "
        "`maxMeters`: open cases (`open: true` on INCIDENTS), unsigned merchants (`signed: false`), compounds…"
    )
    def nearest(
        self,
        info: Ctx,
        layer: MapLayer,
        lon: float,
        lat: float,
        k: int = 10,
        max_meters: float | None = None,
        crs: Crs | None = None,
        open: bool | None = None,
        signed: bool | None = None,
    ) -> list[Nearby]:
        cmd = NearestCommand(
            layer=layer.value,
            lon=lon,
            lat=lat,
            k=k,
            max_meters=max_meters,
            crs=crs.value if crs else "WGS84",
            open_only=open,
            signed=signed,
        )
        return [
            Nearby(distance_m=h.distance_m, node=view(h.record))
            for h in nearest_records(info.context.data, info.context.viewer, cmd)
        ]
