"""The map fast path over GraphQL: a whole layer in an area as one GeoJSON FeatureCollection
(``hub.services.maps``), handed to the answer as pre-serialised bytes."""

from __future__ import annotations

from typing import Any

import orjson
import strawberry
from strawberry.types import Info

from hub.domain import fanout
from hub.domain import features as rules
from hub.errors import HubError
from hub.schema.context import Context
from hub.schema.cost import weighs
from hub.schema.enums import Crs, MapLayer
from hub.schema.inputs import SpatialFilter, spatial
from hub.schema.scalars import GeoJSON
from hub.services import maps

DEFAULT_LIMIT = maps.DEFAULT_LIMIT


def _collection_bytes(data: Any, args: dict[str, Any]) -> float:
    """What a collection can weigh: as many features as the layer holds (at most ``limit``) at their mean size."""
    name = getattr(args.get("layer"), "value", args.get("layer"))
    try:
        spec = rules.map_layer(str(name))
    except HubError:
        return 0.0  # an unknown layer is refused when the field runs
    layer = spec.layer(data)
    limit = args.get("limit") or DEFAULT_LIMIT
    return min(float(limit), float(len(layer))) * (fanout.mean_geojson_bytes(data, spec.catalog_attr) + 64)


@strawberry.type
class MapQuery:
    @strawberry.field(
        description="One RFC 7946 FeatureCollection of a layer in an area: geometry generalised for `zoom` "
        "(tilings keep shared borders; features under a pixel are dropped), in `crs`, with the asked "
        "`properties` your role may see. Past `limit` (default 10,000) the collection carries "
        "`numberMatched` and `next`: pass it as `after` for the rest.",
        metadata=weighs(_collection_bytes),
    )
    def feature_collection(
        self,
        info: Info[Context, None],
        layer: MapLayer,
        where: SpatialFilter | None = None,
        zoom: float | None = None,
        crs: Crs | None = None,
        properties: list[str] | None = None,
        limit: int | None = None,
        after: str | None = None,
    ) -> GeoJSON:
        ctx = info.context
        request = maps.CollectionRequest(
            layer=layer.value,
            where=spatial(where, ctx),
            zoom=zoom,
            crs=crs.value if crs else None,
            properties=None if properties is None else tuple(properties),
            limit=limit,
            after=after,
        )
        return GeoJSON(orjson.Fragment(maps.feature_collection(ctx.hub, ctx.viewer, request)))
