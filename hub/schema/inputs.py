"""Inputs shared by every query: spatial filters, attribute filters, and connections (pages)."""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import strawberry

from hub.domain.filters import SpatialFilter as DomainSpatialFilter
from hub.domain.filters import check_first, paginate
from hub.domain.model import Layer
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.enums import Crs, ManagementMode
from hub.schema.scalars import GeoJSON, decode_cursor, encode_cursor
from hub.schema.views import RecordList

N = TypeVar("N")


@strawberry.input(description="A point and a distance: features within `meters` (on the ground) of the point.")
class DWithin:
    lon: float
    lat: float
    meters: float


@strawberry.input(description="A WGS84 point.")
class PointInput:
    lon: float
    lat: float


@strawberry.input(description="Spatial conditions; every one given must hold. Coordinates are WGS84 lon/lat.")
class SpatialFilter:
    bbox: list[float] | None = strawberry.field(
        default=None, description="[minLon, minLat, maxLon, maxLat]: features that intersect the box."
    )
    intersects: GeoJSON | None = strawberry.field(
        default=None, description="Features that intersect this GeoJSON geometry."
    )
    within: GeoJSON | None = strawberry.field(
        default=None, description="Features entirely within this GeoJSON geometry."
    )
    contains: PointInput | None = strawberry.field(
        default=None,
        description="Features that contain this point (a point on a border counts for both sides).",
    )
    d_within: DWithin | None = strawberry.field(
        default=None, description="Features within a distance in metres of a point."
    )
    crs: Crs | None = strawberry.field(
        default=None, description="The coordinate system of the coordinates above (default WGS84)."
    )


@strawberry.input(description="Attribute conditions on compounds; every one given must hold.")
class CompoundFilter:
    subdistrict_code: str | None = None
    community_code: str | None = None
    management_mode: ManagementMode | None = None
    formerly_unmanaged: bool | None = None
    property_company_code: str | None = None
    name_contains: str | None = None


def spatial(where: SpatialFilter | None, ctx: Context) -> DomainSpatialFilter:
    if where is None:
        return DomainSpatialFilter()
    dwithin = (where.d_within.lon, where.d_within.lat, where.d_within.meters) if where.d_within else None
    contains = (where.contains.lon, where.contains.lat) if where.contains else None
    return DomainSpatialFilter.parse(
        bbox=where.bbox,
        intersects=where.intersects,
        within=where.within,
        contains=contains,
        dwithin=dwithin,
        field="where",
        max_vertices=ctx.settings.max_vertices,
        crs=where.crs.value if where.crs else "WGS84",
    )


def connection(
    layer: Layer[Any],
    positions: np.ndarray,
    first: int | None,
    after: str | None,
    ctx: Context,
) -> t.Connection[Any]:
    """A page of a layer's records at sorted ``positions``, after the cursor ``after``."""
    size = check_first(first, max_page=ctx.settings.max_page)
    page = paginate(positions, first=size, after=decode_cursor(after))
    records = layer.records
    kept = page.positions.tolist()
    cursors = [encode_cursor(p) for p in kept[:1] + kept[-1:]]
    return t.Connection(
        total_count=page.total,
        page_info=t.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=page.has_previous,
            start_cursor=cursors[0] if cursors else None,
            end_cursor=cursors[-1] if cursors else None,
        ),
        _page=RecordList([records[p] for p in kept], kept, layer=layer),
    )
