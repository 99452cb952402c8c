"""The records behind the governance figures as top-level, filterable, paged queries: meetings and their
problems, recovered public rooms, property companies' grades of a year (red and black lists), and
compounds' management history."""

from __future__ import annotations

from datetime import date
from enum import Enum
from typing import Annotated, Any

import numpy as np
import strawberry
from strawberry.types import Info

from hub.domain import governance as rules
from hub.domain.figures.periods import DateRange
from hub.domain.filters import SpatialFilter as DomainSpatialFilter
from hub.errors import InputError
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.distance import DistanceFrom, distance_in
from hub.schema.enums import Crs
from hub.schema.fast import VIEWS
from hub.schema.figures import DateRangeInput
from hub.schema.inputs import SpatialFilter, connection, spatial
from hub.schema.scalars import GeoJSON, to_global_id
from hub.services import governance as service
from hub.store import records as rec

Ctx = Info[Context, None]


def _unordered(where: DomainSpatialFilter, records: str) -> DomainSpatialFilter:
    """The filter of a list of records without a geometry of their own: ordering by distance is refused."""
    if where.order_from is not None:
        raise InputError(
            f"{records} have no geometry of their own to order by distance; list their compounds by distance instead",
            field="where.orderByDistanceFrom",
        )
    return where


def _during(during: DateRangeInput | None) -> DateRange:
    return DateRange() if during is None else DateRange.checked(during.from_, during.to, field="during")


@strawberry.type(
    description="A recovered public room (公共用房) of a compound: floor area, use, when it was recovered."
)
class PublicRoom(t.Node):
    _rec: strawberry.Private[rec.PublicRoom]
    room_id: int
    floor_area_m2: float = strawberry.field(description="Floor area of the rooms as recorded (not ground area).")
    use: str
    recovered_on: date | None

    @classmethod
    def from_domain(cls, r: rec.PublicRoom) -> PublicRoom:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("PublicRoom", r.id)),
            room_id=r.id,
            floor_area_m2=r.floor_area_m2,
            use=r.use,
            recovered_on=r.recovered_on,
        )

    @strawberry.field
    def compound(self, info: Ctx) -> t.Compound | None:
        c = info.context.data.compounds.get(self._rec.compound_id)
        return None if c is None else t.Compound.from_domain(c)

    @strawberry.field(description="Where the rooms are, as GeoJSON (WGS84 unless `crs` says otherwise).")
    def geometry(self, info: Ctx, crs: Crs = Crs.WGS84) -> GeoJSON:
        return GeoJSON(t.geometry_in(self._rec, info.context, crs))

    @strawberry.field(description="Geodesic metres from the point to the rooms.")
    def distance_m(self, info: Ctx, from_: Annotated[DistanceFrom, strawberry.argument(name="from")]) -> float | None:
        return distance_in(self._rec, info.context, **{"from": from_})


VIEWS[rec.PublicRoom] = PublicRoom  # type: ignore[assignment]  # how node(id:) shows a room's record


@strawberry.enum(description="诚实守信红榜 (RED) or 失信黑榜 (BLACK).")
class Listing(Enum):
    RED = "RED"
    BLACK = "BLACK"


@strawberry.type(description="A property company's score in a year, and the grade and list it earns then.")
class CompanyGrade:
    company: t.PropertyCompany
    year: int
    score: float
    grade: str | None = strawberry.field(description="AAA, AA, A, B, C, or null below the lowest grade.")
    listing: Listing | None


@strawberry.type(description="How a compound was managed from `since` until `until` (UNMANAGED: 失管/三无).")
class ManagementPeriod:
    compound: t.Compound
    mode: str = strawberry.field(description="UNMANAGED, PROPERTY_COMPANY, COMMITTEE_HIRED or SELF_MANAGED.")
    since: date | None = strawberry.field(description="Null: since the compound was built.")
    until: date | None = strawberry.field(description="Null: still so.")
    current: bool
    property_company: t.PropertyCompany | None


class _Listed:
    """Records in a list (paged by index) or a dict (paged by key): what ``connection`` reads them from."""

    def __init__(self, items: list[Any] | dict[Any, Any]) -> None:
        self.records = items


@strawberry.type
class GovernanceQuery:
    @strawberry.field(description="Three-party joint meetings held in `during`, at compounds meeting `where`.")
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
        cmd = service.RecordsCommand(_unordered(spatial(where, ctx), "meetings"), _during(during), compounds, kinds)
        ids = service.meetings(ctx.data, ctx.viewer, cmd)
        return connection(_Listed(ctx.data.meetings), ids, t.Meeting.from_domain, first, after, ctx)

    @strawberry.field(description="Problems raised at meetings held in `during` (solved or not, by category).")
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
        cmd = service.RecordsCommand(found, _during(during), compounds, categories, solved)
        pos = service.problems(ctx.data, ctx.viewer, cmd)
        return connection(ctx.data.problems, pos, t.Problem.from_domain, first, after, ctx, order=found)

    @strawberry.field(description="Public rooms recovered in `during` (2,407 m² in all in the article).")
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
            ctx.data, ctx.viewer, service.RecordsCommand(found, _during(during), compounds, uses)
        )
        return connection(ctx.data.public_rooms, pos, PublicRoom.from_domain, first, after, ctx, order=found)

    @strawberry.field(
        description="Property companies' grades of a year, best score first; `listing: RED` is that year's red "
        "list (诚实守信红榜), `BLACK` its black list (失信黑榜)."
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
        found = service.grades(ctx.data, ctx.viewer, year, listing.value if listing else None, grade)
        return connection(
            _Listed(found),
            np.arange(len(found)),
            lambda g: CompanyGrade(
                company=t.PropertyCompany.from_domain(g.company),
                year=g.year,
                score=g.score,
                grade=g.grade,
                listing=Listing(g.listing) if g.listing else None,
            ),
            first,
            after,
            ctx,
        )

    @strawberry.field(
        description="Compounds' management periods (unmanaged → managed, with dates), by compound, oldest first; "
        "`during` keeps periods that began in it."
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
        cmd = service.RecordsCommand(where_, _during(during), compounds, modes)
        periods = service.management_history(ctx.data, ctx.viewer, cmd)
        data = ctx.data

        def wrap(p: rules.Period) -> ManagementPeriod:
            company = data.companies.get(p.period.property_company_id) if p.period.property_company_id else None
            return ManagementPeriod(
                compound=t.Compound.from_domain(data.compounds.get(p.period.compound_id)),
                mode=p.period.mode,
                since=p.period.since,
                until=p.until,
                current=p.current,
                property_company=None if company is None else t.PropertyCompany.from_domain(company),
            )

        by_id = {p.period.id: p for p in periods}
        return connection(_Listed(by_id), np.asarray(sorted(by_id), dtype=np.intp), wrap, first, after, ctx)
