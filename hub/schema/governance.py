"""The records behind the governance figures as top-level, filterable, paged queries: meetings and their
problems, recovered public rooms, property companies' grades of a year (red and black lists), and
compounds' management history."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Any

import numpy as np
import strawberry
from strawberry.types import Info

from hub.domain import governance as rules
from hub.domain.filters import SpatialFilter as DomainSpatialFilter
from hub.domain.model import records as rec
from hub.errors import InputError
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.distance import distance_field
from hub.schema.inputs import DateRangeInput, SpatialFilter, connection, date_range, spatial
from hub.schema.scalars import GeoJSON
from hub.schema.views import RecordView, shown
from hub.services import governance as service

Ctx = Info[Context, None]


def _unordered(where: DomainSpatialFilter, records: str) -> DomainSpatialFilter:
    """The filter of a list of records without a geometry of their own: ordering by distance is refused."""
    if where.order_from is not None:
        raise InputError(
            f"{records} have no geometry of their own to order by distance; list their compounds by distance instead",
            field="where.orderByDistanceFrom",
        )
    return where


def _compound_of(root: Any, info: Ctx) -> t.Compound | None:
    return shown(info.context.data.compounds.get(root.compound_id))


@strawberry.type(
    description="A recovered public room (公共用房) of a compound: floor area, use, when it was recovered."
)
class PublicRoom(RecordView, t.Node):
    __record__ = rec.PublicRoom
    id: strawberry.ID = t.global_id("PublicRoom")
    room_id: int = strawberry.field(resolver=lambda root: root.id)
    floor_area_m2: float = strawberry.field(description="Floor area of the rooms as recorded (not ground area).")
    use: str
    recovered_on: date | None
    geometry: GeoJSON = t.geometry_field("public_rooms", "Where the rooms are, as GeoJSON (WGS84 unless `crs`).")
    distance_m: float | None = distance_field()
    compound: t.Compound | None = strawberry.field(resolver=_compound_of)


@strawberry.enum(description="诚实守信红榜 (RED) or 失信黑榜 (BLACK).")
class Listing(Enum):
    RED = "RED"
    BLACK = "BLACK"


@strawberry.type(description="A property company's score in a year, and the grade and list it earns then.")
class CompanyGrade(RecordView):
    __record__ = rules.CompanyGrade
    company: t.PropertyCompany
    year: int
    score: float
    grade: str | None = strawberry.field(description="AAA, AA, A, B, C, or null below the lowest grade.")
    listing: Listing | None = strawberry.field(resolver=lambda root: Listing(root.listing) if root.listing else None)


def _period_company(root: rules.Period, info: Ctx) -> t.PropertyCompany | None:
    key = root.period.property_company_id
    return shown(info.context.data.companies.get(key) if key else None)


def _period_compound(root: rules.Period, info: Ctx) -> t.Compound | None:
    return shown(info.context.data.compounds.get(root.period.compound_id))


@strawberry.type(description="How a compound was managed from `since` until `until` (UNMANAGED: 失管/三无).")
class ManagementPeriod(RecordView):
    __record__ = rules.Period
    compound: t.Compound | None = strawberry.field(resolver=_period_compound)
    mode: str = strawberry.field(
        resolver=lambda root: root.period.mode,
        description="UNMANAGED, PROPERTY_COMPANY, COMMITTEE_HIRED or SELF_MANAGED.",
    )
    since: date | None = strawberry.field(
        resolver=lambda root: root.period.since, description="Null: since the compound was built."
    )
    until: date | None = strawberry.field(description="Null: still so.")
    current: bool
    property_company: t.PropertyCompany | None = strawberry.field(resolver=_period_company)


class _Listed:
    """Records in a list (paged by index) or a dict (paged by key): what ``connection`` reads them from."""

    def __init__(self, items: list[Any] | dict[Any, Any]) -> None:
        self.records = items


@strawberry.type
class GovernanceQuery:
    @strawberry.field(
        description="Three-party joint meetings held in `during`, at compounds meeting `where`.",
        metadata=sized(lambda d: len(d.meetings)),
    )
    def meetings(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        during: DateRangeInput | None = None,
        kinds: list[str] | None = None,
        compounds: list[int] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Meeting]:
        ctx = info.context
        cmd = service.RecordsCommand(_unordered(spatial(where, ctx), "meetings"), date_range(during), compounds, kinds)
        ids = service.meetings(ctx.hub, ctx.viewer, cmd)
        return connection(_Listed(ctx.data.meetings), ids, first, after, ctx)

    @strawberry.field(
        description="Problems raised at meetings held in `during` (solved or not, by category).",
        metadata=sized(lambda d: len(d.problems)),
    )
    def problems(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        during: DateRangeInput | None = None,
        solved: bool | None = None,
        categories: list[str] | None = None,
        compounds: list[int] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Problem]:
        ctx = info.context
        found = spatial(where, ctx)
        cmd = service.RecordsCommand(found, date_range(during), compounds, categories, solved)
        pos = service.problems(ctx.hub, ctx.viewer, cmd)
        return connection(ctx.data.problems, pos, first, after, ctx, order=found)

    @strawberry.field(
        description="Public rooms recovered in `during` (2,407 m² in all in the article).",
        metadata=sized(lambda d: len(d.public_rooms)),
    )
    def public_rooms(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        during: DateRangeInput | None = None,
        uses: list[str] | None = None,
        compounds: list[int] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[PublicRoom]:
        ctx = info.context
        found = spatial(where, ctx)
        pos = service.public_rooms(
            ctx.hub, ctx.viewer, service.RecordsCommand(found, date_range(during), compounds, uses)
        )
        return connection(ctx.data.public_rooms, pos, first, after, ctx, order=found)

    @strawberry.field(
        description="Property companies' grades of a year, best score first; `listing: RED` is that year's red "
        "list (诚实守信红榜), `BLACK` its black list (失信黑榜).",
        metadata=sized(lambda d: len(d.companies)),
    )
    def property_company_grades(
        self,
        info: Ctx,
        year: int,
        listing: Listing | None = None,
        grade: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[CompanyGrade]:
        ctx = info.context
        found = service.grades(ctx.hub, ctx.viewer, year, listing.value if listing else None, grade)
        return connection(_Listed(found), np.arange(len(found)), first, after, ctx)

    @strawberry.field(
        description="Compounds' management periods (unmanaged → managed, with dates), by compound, oldest first; "
        "`during` keeps periods that began in it.",
        metadata=sized(lambda d: sum(len(v) for v in d.management.values())),
    )
    def management_history(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        compounds: list[int] | None = None,
        modes: list[str] | None = None,
        during: DateRangeInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[ManagementPeriod]:
        ctx = info.context
        where_ = _unordered(spatial(where, ctx), "management periods")
        periods = service.management_history(
            ctx.hub, ctx.viewer, service.RecordsCommand(where_, date_range(during), compounds, modes)
        )
        by_id = {p.period.id: p for p in periods}
        return connection(_Listed(by_id), np.asarray(sorted(by_id), dtype=np.intp), first, after, ctx)
