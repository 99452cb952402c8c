"""The map fast path: a whole layer in an area as one GeoJSON FeatureCollection.

Features are joined from bytes made once per (feature, zoom band, coordinate system, property set)
and kept until that record changes (``hub.domain.features``); a typed GraphQL list of the same
features resolves every field of every object instead. The answer is capped by ``limit``; past it
the collection says how many matched and gives the cursor for the rest (``next``, passed as
``after``), in the manner of OGC API Features' ``numberMatched``/``numberReturned``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import orjson
import strawberry
from strawberry.types import Info

from hub.domain import fanout
from hub.domain import features as rules
from hub.errors import HubError, LimitExceeded
from hub.geo.collection import collection_bytes
from hub.schema.context import Context
from hub.schema.cost import weighs
from hub.schema.enums import Crs, MapLayer
from hub.schema.inputs import SpatialFilter, spatial
from hub.schema.scalars import GeoJSON, decode_cursor, encode_cursor

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 50_000


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
        spec = rules.map_layer(layer.value)
        props = rules.check_properties(spec, ctx.viewer, properties)
        code = rules.check_crs(crs.value if crs else None)
        if zoom is not None and not 0 <= zoom <= 24:
            raise LimitExceeded(f"zoom must be between 0 and 24, got {zoom:g}", field="zoom")
        size = DEFAULT_LIMIT if limit is None else limit
        if not 0 < size <= MAX_LIMIT:
            raise LimitExceeded(f"limit must be between 1 and {MAX_LIMIT:,}, got {size:,}", field="limit")
        key = (
            spec.name,
            orjson.dumps(dataclasses.asdict(where) if where else None),
            zoom,
            code,
            props,
            rules.viewer_class(spec, props, ctx.viewer),
            size,
            after,
        )
        if rules.disclosed_kinds(spec, props, ctx.viewer):  # logged each time: built (from kept features) each time
            return GeoJSON(orjson.Fragment(_collection(ctx, spec, where, zoom, code, props, size, after)))
        return GeoJSON(
            orjson.Fragment(
                rules.remembered(
                    ctx.data, [spec.name], key, lambda: _collection(ctx, spec, where, zoom, code, props, size, after)
                )
            )
        )


def _collection(
    ctx: Context,
    spec: rules.MapLayer,
    where: SpatialFilter | None,
    zoom: float | None,
    code: str,
    props: tuple[str, ...],
    size: int,
    after: str | None,
) -> bytes:
    data_layer = spec.layer(ctx.data)
    positions = spatial(where, ctx).positions(data_layer)
    band = rules.band(data_layer, zoom)
    positions = rules.drop_invisible(data_layer, positions, zoom, band)
    start = decode_cursor(after)
    if start is not None:
        positions = positions[np.searchsorted(positions, start, side="right") :]
    matched = len(positions)
    page = positions[:size]
    members: dict[str, object] = {"numberMatched": matched, "numberReturned": len(page), "layer": spec.name}
    if code != "WGS84":
        members["crs"] = code
    if matched > size:
        members["next"] = encode_cursor(int(page[-1]))
        members["message"] = f"{matched:,} features match and the limit is {size:,}: pass next as `after` for the rest"
    return collection_bytes(rules.features(ctx.data, ctx.viewer, spec, page, props, zoom=zoom, crs=code), members)
