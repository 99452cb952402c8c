"""Inputs shared by every query: spatial filters, attribute filters, and connections (pages)."""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol, TypeVar

import numpy as np
import strawberry

from hub.domain.distance import ordered_page
from hub.domain.figures.periods import DateRange
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
    order_by_distance_from: PointInput | None = strawberry.field(
        default=None,
        description="Not a condition: list the features by geodesic distance from this point (to their nearest "
        "point), nearest first; pages go on from the last record seen.",
    )
    crs: Crs | None = strawberry.field(
        default=None, description="The coordinate system of the coordinates above (default WGS84)."
    )


@strawberry.input(description="A range of local dates (Asia/Shanghai), both ends included; either may be left open.")
class DateRangeInput:
    from_: date | None = strawberry.field(default=None, name="from")
    to: date | None = None


def date_range(during: DateRangeInput | None, field: str = "during") -> DateRange:
    """The domain's range from the input; a reversed one is refused naming ``field``."""
    return DateRange() if during is None else DateRange.checked(during.from_, during.to, field=field)


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
    order = where.order_by_distance_from
    return DomainSpatialFilter.parse(
        bbox=where.bbox,
        intersects=where.intersects,
        within=where.within,
        contains=contains,
        dwithin=dwithin,
        order_from=(order.lon, order.lat) if order else None,
        field="where",
        max_vertices=ctx.settings.max_vertices,
        crs=where.crs.value if where.crs else "WGS84",
    )


class HasRecords(Protocol):
    """Records by position (a layer's list) or by key (a dict of records keyed by id)."""

    @property
    def records(self) -> Any: ...


def connection(
    layer: HasRecords,
    positions: np.ndarray,
    first: int | None,
    after: str | None,
    ctx: Context,
    order: DomainSpatialFilter | None = None,
) -> t.Connection[Any]:
    """A page of the records at sorted ``positions``, after the cursor ``after``; or, when ``order`` asks for it,
    of a layer's records by distance from a point, nearest first."""
    size = check_first(first, max_page=ctx.settings.max_page)
    if order is not None and order.order_from is not None and isinstance(layer, Layer):
        page = ordered_page(layer, positions, *order.order_from, first=size, after=decode_cursor(after))
    else:
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
        _page=RecordList([records[p] for p in kept], kept, layer=layer if isinstance(layer, Layer) else None),
    )
