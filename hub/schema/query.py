"""The Query root: thin resolvers that map arguments to the read use-cases (``hub.services.reads``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import strawberry
from strawberry.types import Info

from hub.domain.compounds import CompoundFilter as DomainCompoundFilter
from hub.geo.datum import point_to_wgs84
from hub.geo.geojson import point
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import Crs, OccupationStatus
from hub.schema.inputs import CompoundFilter, DateRangeInput, SpatialFilter, connection, date_range, spatial
from hub.schema.scalars import from_global_id
from hub.schema.views import shown
from hub.services import reads


@strawberry.type
class Query:
    @strawberry.field(description="The district's headline figures, computed from the records.")
    def stats(self, info: Info[Context, None]) -> t.Stats:  # type: ignore[valid-type] # made from DomainStats
        return t.Stats(**dataclasses.asdict(reads.stats(info.context.hub)))

    @strawberry.field(
        description="The urban subdistricts (街道) that hold the compounds.",
        metadata=sized(lambda d: len(d.subdistricts)),
    )
    def subdistricts(self, info: Info[Context, None]) -> list[t.Subdistrict]:
        return shown(info.context.data.subdistricts)

    @strawberry.field(
        description="Communities (社区), optionally filtered in space.", metadata=sized(lambda d: len(d.communities))
    )
    def communities(
        self,
        info: Info[Context, None],
        where: SpatialFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Community]:
        layer = info.context.data.communities
        found = spatial(where, info.context)
        return connection(layer, found.positions(layer), first, after, info.context, order=found)

    @strawberry.field(
        description="Residential compounds (小区) meeting the spatial and attribute filters.",
        metadata=sized(lambda d: len(d.compounds)),
    )
    def compounds(
        self,
        info: Info[Context, None],
        where: SpatialFilter | None = None,
        filter: CompoundFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Compound]:
        ctx = info.context
        attributes = None
        if filter is not None:
            attributes = DomainCompoundFilter(
                subdistrict_code=filter.subdistrict_code,
                community_code=filter.community_code,
                management_mode=filter.management_mode.value if filter.management_mode else None,
                formerly_unmanaged=filter.formerly_unmanaged,
                property_company_id=filter.property_company_code,
                name_contains=filter.name_contains,
            )
        found = spatial(where, ctx)
        positions = reads.compounds(ctx.hub, found, attributes)
        return connection(ctx.data.compounds, positions, first, after, ctx, order=found)

    @strawberry.field(
        description="The rural towns (镇) and townships (乡), optionally filtered in space.",
        metadata=sized(lambda d: len(d.townships)),
    )
    def townships(
        self,
        info: Info[Context, None],
        where: SpatialFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Township]:
        layer = info.context.data.townships
        found = spatial(where, info.context)
        return connection(layer, found.positions(layer), first, after, info.context, order=found)

    @strawberry.field(
        description="Administrative villages (行政村), optionally of one township and filtered in space.",
        metadata=sized(lambda d: len(d.villages)),
    )
    def villages(
        self,
        info: Info[Context, None],
        where: SpatialFilter | None = None,
        township: str | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Village]:
        ctx = info.context
        found = spatial(where, ctx)
        positions = reads.villages(ctx.hub, found, township)
        return connection(ctx.data.villages, positions, first, after, ctx, order=found)

    @strawberry.field(
        description="Unit grids (网格) meeting the spatial filter.", metadata=sized(lambda d: len(d.grids))
    )
    def grids(
        self,
        info: Info[Context, None],
        where: SpatialFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Grid]:
        layer = info.context.data.grids
        found = spatial(where, info.context)
        return connection(layer, found.positions(layer), first, after, info.context, order=found)

    @strawberry.field(
        description="Occupations of public space inside compounds, of a status, reported and cleared in the local "
        "date ranges given (both ends included).",
        metadata=sized(lambda d: len(d.occupations)),
    )
    def occupations(
        self,
        info: Info[Context, None],
        where: SpatialFilter | None = None,
        status: OccupationStatus | None = None,
        reported: DateRangeInput | None = None,
        cleared: DateRangeInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[t.Occupation]:
        ctx = info.context
        found = spatial(where, ctx)
        positions = reads.occupations(
            ctx.hub,
            found,
            status.value if status else None,
            reported=date_range(reported, "reported"),
            cleared=date_range(cleared, "cleared"),
        )
        return connection(ctx.data.occupations, positions, first, after, ctx, order=found)

    @strawberry.field(
        description="The four fan-shaped sectors (片区) of the old town.", metadata=sized(lambda d: len(d.sectors))
    )
    def sectors(self, info: Info[Context, None]) -> list[t.Sector]:
        return shown(info.context.data.sectors)

    @strawberry.field(
        description="The squads (分队) of the old-town enforcement brigade.", metadata=sized(lambda d: len(d.squads))
    )
    def squads(self, info: Info[Context, None]) -> list[t.Squad]:
        return shown(info.context.data.squads.values())

    @strawberry.field(
        description="The brigade's shifts, in local time (Asia/Shanghai).", metadata=sized(lambda d: len(d.shifts))
    )
    def shifts(self, info: Info[Context, None]) -> list[t.Shift]:
        return shown(info.context.data.shifts.values())

    @strawberry.field(
        description="Property companies with their yearly credit scores and grades.",
        metadata=sized(lambda d: len(d.companies)),
    )
    def property_companies(self, info: Info[Context, None]) -> list[t.PropertyCompany]:
        return shown(info.context.data.companies.values())

    @strawberry.field(
        description="What lies at a point (in `crs`, WGS84 by default; the answer's lon/lat are WGS84), and the "
        "squads and officers on shift there at `at` (now if omitted; a time without offset is Asia/Shanghai)."
    )
    def locate(
        self,
        info: Info[Context, None],
        lon: float,
        lat: float,
        at: datetime | None = None,
        crs: Crs | None = None,
    ) -> t.Location:
        ctx = info.context
        if crs is not None and crs != Crs.WGS84:
            point(lon, lat, field="locate")  # checked as sent, then converted
            lon, lat = point_to_wgs84(lon, lat, crs.value)
        return shown(reads.locate(ctx.hub, lon, lat, at or ctx.now))

    @strawberry.field(description="Any object by its global ID.")
    def node(self, info: Info[Context, None], id: strawberry.ID) -> t.Node | None:
        type_name, key = from_global_id(id)
        return shown(reads.record(info.context.hub, type_name, key))

    @strawberry.field(description="Who the hub thinks you are (your token's role and squad).")
    def viewer(self, info: Info[Context, None]) -> t.Viewer:
        v = info.context.viewer
        return t.Viewer(
            role=v.role, squad_code=v.squad_code, token_id=v.token_id, group_code=v.group_code, unit_code=v.unit_code
        )
