"""``nearest``: the k records of a map layer nearest to a point, each with its geodesic distance."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from hub.domain.distance import Hit
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import Crs, MapLayer
from hub.schema.frontage import Merchant
from hub.schema.incidents import Incident
from hub.schema.views import RecordView, shown
from hub.services.nearest import NearestCommand, nearest_records

Ctx = Info[Context, None]

MapFeature = Annotated[
    t.Subdistrict | t.Community | t.Grid | t.Sector | t.Compound | t.Occupation | Incident | Merchant,
    strawberry.union("MapFeature", description="A record of a map layer."),
]


@strawberry.type(description="A record near the point, and how far it is.")
class Nearby(RecordView):
    __record__ = Hit
    distance_m: float = strawberry.field(description="Geodesic metres to the record's nearest point (0 inside).")
    node: MapFeature = strawberry.field(
        resolver=lambda root: root.record,
        description="The record (use fragments: `... on Incident { caseNumber }`).",
    )


@strawberry.type
class SpatialQuery:
    @strawberry.field(
        description="The k (1–1,000) records of a layer nearest to a point, nearest first, none farther than "
        "`maxMeters`: open cases (`open: true` on INCIDENTS), unsigned merchants (`signed: false`), compounds…",
        metadata=sized(lambda data, args: min(max(int(args.get("k") or 10), 0), 1000)),
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
        return shown(nearest_records(info.context.hub, info.context.viewer, cmd))
