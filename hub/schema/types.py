"""GraphQL object types: thin views of records, declared once as plain, masked and link fields.

Each type names the record it shows (``__record__``) and declares its fields as getters:
``__plain__`` (read from the record), ``__masked__`` (personal data, through ``hub.domain.access``)
and ``__links__`` (other records, through ``hub.domain`` rules). Resolvers call those same getters,
and ``hub.schema.fast`` compiles them for long lists, so each field is defined in one place. No
business rule lives here.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable
from datetime import date, datetime
from operator import attrgetter
from typing import Any, Generic, TypeVar

import strawberry
from strawberry.types import Info

from hub.domain import access, features, grading
from hub.domain import compounds as compound_rules
from hub.domain.locate import Location as DomainLocation
from hub.domain.roster import Duty
from hub.domain.stats import Stats as DomainStats
from hub.schema.context import Context
from hub.schema.distance import distance_field, distance_in
from hub.schema.enums import CommitteeKind, Crs, ManagementMode, OccupationStatus
from hub.schema.fast import FromRecord, RecordList, links, masked, plain
from hub.schema.scalars import GeoJSON, to_global_id
from hub.store import records as rec

N = TypeVar("N")
_get = attrgetter
Ctx = Info[Context, None]


def geometry_in(r: Any, ctx: Any, crs: Any = None) -> Any:
    """A record's geometry in the asked coordinate system: the stored text for WGS84, converted otherwise."""
    return features.in_crs(r.geometry, r.geojson, getattr(crs, "value", crs) or "WGS84")


GEOMETRY: dict[str, Callable[..., Any]] = {"geometry": geometry_in, "distance_m": distance_in}
"""Argument fields of every spatial type: its geometry (in a CRS) and its distance from a point."""


def _geometry(self: Any, info: Ctx, crs: Crs = Crs.WGS84) -> GeoJSON:
    return self._with_args("geometry", info, crs=crs)


def geometry_field(description: str = "The shape, as GeoJSON (WGS84 unless `crs` says otherwise).") -> Any:
    return strawberry.field(resolver=_geometry, description=description)


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


@strawberry.type(name="Edge")
class Edge(Generic[N]):
    cursor: str
    node: N


@strawberry.type(name="Connection")
class Connection(Generic[N]):
    total_count: int
    page_info: PageInfo
    _page: strawberry.Private[RecordList]

    @strawberry.field(description="The page's records, each with its cursor.")
    def edges(self) -> list[Edge[N]]:
        return self._page.as_edges(Edge)  # type: ignore[return-value]

    @strawberry.field(description="The page's records, without cursors.")
    def nodes(self) -> list[N]:
        return self._page.as_nodes()  # type: ignore[return-value]


@strawberry.interface(description="An object with a global ID.")
class Node:
    id: strawberry.ID


@strawberry.type(description="A township-level unit (街道); the six urban subdistricts hold the compounds.")
class Subdistrict(FromRecord, Node):
    _rec: strawberry.Private[rec.Subdistrict]
    code: str
    name: str
    kind: str
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON = geometry_field()
    distance_m: float | None = distance_field()

    __record__ = rec.Subdistrict
    __args__ = GEOMETRY
    __plain__ = plain(
        id=lambda r: to_global_id("Subdistrict", r.code),
        code=_get("code"),
        name=_get("name"),
        kind=_get("kind"),
        area_m2=_get("area_m2"),
    )
    __links__ = links(
        communities=lambda r, ctx: [c for c in ctx.data.communities if c.subdistrict_code == r.code],
    )

    @strawberry.field(description="Communities (社区) of this subdistrict.")
    def communities(self, info: Ctx) -> list[Community]:
        return self._follow("communities", info)


@strawberry.type(description="A neighbourhood committee area (社区) with a 12-digit code.")
class Community(FromRecord, Node):
    _rec: strawberry.Private[rec.Community]
    code: str
    name: str
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON = geometry_field()
    distance_m: float | None = distance_field()

    __record__ = rec.Community
    __args__ = GEOMETRY
    __plain__ = plain(
        id=lambda r: to_global_id("Community", r.code),
        code=_get("code"),
        name=_get("name"),
        area_m2=_get("area_m2"),
    )
    __links__ = links(subdistrict=lambda r, ctx: ctx.data.subdistricts.get(r.subdistrict_code))

    @strawberry.field
    def subdistrict(self, info: Ctx) -> Subdistrict | None:
        return self._follow("subdistrict", info)


@strawberry.type(description="A unit grid (网格, 14-digit code) and its grid worker.")
class Grid(FromRecord, Node):
    _rec: strawberry.Private[rec.Grid]
    code: str
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON = geometry_field()
    distance_m: float | None = distance_field()

    __record__ = rec.Grid
    __args__ = GEOMETRY
    __plain__ = plain(id=lambda r: to_global_id("Grid", r.code), code=_get("code"), area_m2=_get("area_m2"))
    __masked__ = masked(
        worker_name=lambda r, v: access.worker_name(v, r.worker_name, access.WORKER_NAME, r.code),
        worker_phone=lambda r, v: access.worker_phone(v, r.worker_phone, r.code),
    )
    __links__ = links(community=lambda r, ctx: ctx.data.communities.get(r.community_code))

    @strawberry.field(description="The grid worker's name; masked (张*) for the public.")
    def worker_name(self, info: Ctx) -> str:
        return self._mask("worker_name", info)

    @strawberry.field(description="The grid worker's phone: admins see it, other staff masked, the public not.")
    def worker_phone(self, info: Ctx) -> str | None:
        return self._mask("worker_phone", info)

    @strawberry.field
    def community(self, info: Ctx) -> Community | None:
        return self._follow("community", info)


@strawberry.type(description="A yearly credit score, and the grade and list it earns under that year's scheme.")
class CreditScore(FromRecord):
    _rec: strawberry.Private[rec.CreditScore]
    year: int
    score: float
    grade: str | None = strawberry.field(description="AAA, AA, A, B, C, or null below the lowest grade.")
    listing: str | None = strawberry.field(description="RED (诚实守信红榜), BLACK (失信黑榜) or null.")

    __record__ = rec.CreditScore
    __plain__ = plain(
        year=_get("year"),
        score=_get("score"),
        grade=lambda s: grading.grade(s.score, grading.scheme_for(s.year)),
        listing=lambda s: grading.listing(s.score, grading.scheme_for(s.year)),
    )


@strawberry.type(description="A property services company (物业服务企业).")
class PropertyCompany(FromRecord, Node):
    _rec: strawberry.Private[rec.PropertyCompany]
    code: str
    name: str
    credit_code: str
    hotline: str

    __record__ = rec.PropertyCompany
    __plain__ = plain(
        id=lambda r: to_global_id("PropertyCompany", r.id),
        code=_get("id"),
        name=_get("name"),
        credit_code=_get("credit_code"),
        hotline=_get("hotline"),
    )
    __links__ = links(scores=lambda r, ctx: r.scores)

    @strawberry.field
    def scores(self, info: Ctx) -> list[CreditScore]:
        return self._follow("scores", info)


@strawberry.type(description="The owners committee or property management committee of a compound.")
class Committee(FromRecord):
    _rec: strawberry.Private[rec.Committee]
    kind: CommitteeKind
    established_on: date
    members: int

    __record__ = rec.Committee
    __plain__ = plain(
        kind=lambda r: CommitteeKind(r.kind), established_on=_get("established_on"), members=_get("members")
    )
    __masked__ = masked(chair_name=lambda r, v: access.worker_name(v, r.chair_name, access.CHAIR_NAME, r.compound_id))

    @strawberry.field(description="The chair's name; masked for the public.")
    def chair_name(self, info: Ctx) -> str:
        return self._mask("chair_name", info)


@strawberry.type(description="The compound's party branch (小区党支部).")
class PartyBranch(FromRecord):
    _rec: strawberry.Private[rec.PartyBranch]
    established_on: date
    provisional: bool
    secretary_role: str
    owner_party_members: int
    retired_party_members: int
    deputies: int
    property_company_party_members: int
    members: int

    __record__ = rec.PartyBranch
    __plain__ = plain(
        established_on=_get("established_on"),
        provisional=_get("provisional"),
        secretary_role=_get("secretary_role"),
        owner_party_members=_get("owner_party_members"),
        retired_party_members=_get("retired_party_members"),
        deputies=_get("deputies"),
        property_company_party_members=_get("property_company_party_members"),
        members=lambda r: (
            r.owner_party_members + r.retired_party_members + r.deputies + r.property_company_party_members
        ),
    )
    __masked__ = masked(
        secretary_name=lambda r, v: access.worker_name(v, r.secretary_name, access.SECRETARY_NAME, r.compound_id)
    )

    @strawberry.field(description="The secretary's name; masked for the public.")
    def secretary_name(self, info: Ctx) -> str:
        return self._mask("secretary_name", info)


@strawberry.type(description="A problem raised at a joint meeting, at a point inside its compound.")
class Problem(FromRecord, Node):
    _rec: strawberry.Private[rec.Problem]
    category: str
    solved: bool
    solved_on: date | None
    geometry: GeoJSON = geometry_field()
    distance_m: float | None = distance_field()

    __record__ = rec.Problem
    __args__ = GEOMETRY
    __plain__ = plain(
        id=lambda r: to_global_id("Problem", r.id),
        category=_get("category"),
        solved=_get("solved"),
        solved_on=_get("solved_on"),
    )
    __masked__ = masked(description=lambda r, v: r.description if v.sees_staff_names() else None)

    @strawberry.field(description="What the residents raised, in their words: free text, for staff only.")
    def description(self, info: Ctx) -> str | None:
        return self._mask("description", info)


@strawberry.type(description="A three-party joint meeting (三方联席会议) on a compound's problems.")
class Meeting(FromRecord, Node):
    _rec: strawberry.Private[rec.Meeting]
    held_on: date
    kind: str
    parties: list[str]

    __record__ = rec.Meeting
    __plain__ = plain(
        id=lambda r: to_global_id("Meeting", r.id),
        held_on=_get("held_on"),
        kind=_get("kind"),
        parties=lambda r: list(r.parties),
    )
    __links__ = links(problems=lambda r, ctx: compound_rules.problems_of(ctx.data, r))

    @strawberry.field
    def problems(self, info: Ctx) -> list[Problem]:
        return self._follow("problems", info)


@strawberry.type(description="Illegally occupied public space inside a compound (非法侵占公共空间).")
class Occupation(FromRecord, Node):
    _rec: strawberry.Private[rec.Occupation]
    kind: str
    status: OccupationStatus
    reported_on: date | None
    cleared_on: date | None
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON = geometry_field()
    distance_m: float | None = distance_field()

    __record__ = rec.Occupation
    __args__ = GEOMETRY
    __plain__ = plain(
        id=lambda r: to_global_id("Occupation", r.id),
        kind=_get("kind"),
        status=lambda r: OccupationStatus(r.status),
        reported_on=_get("reported_on"),
        cleared_on=_get("cleared_on"),
        area_m2=_get("area_m2"),
    )
    __links__ = links(compound=lambda r, ctx: ctx.data.compounds.get(r.compound_id))

    @strawberry.field
    def compound(self, info: Ctx) -> Compound | None:
        return self._follow("compound", info)


@strawberry.type(description="A residential compound (小区).")
class Compound(FromRecord, Node):
    _rec: strawberry.Private[rec.Compound]
    compound_id: int = strawberry.field(description="The compound's number in the district register.")
    name: str
    households: int
    year_built: int | None
    management_mode: ManagementMode
    formerly_unmanaged: bool = strawberry.field(description="A former 失管/三无 or old compound, now managed.")
    collects_fees: bool
    fee_yuan_per_m2_month: float | None
    building_heads: int
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON = geometry_field()
    distance_m: float | None = distance_field()

    __record__ = rec.Compound
    __args__ = GEOMETRY
    __plain__ = plain(
        id=lambda r: to_global_id("Compound", r.id),
        compound_id=_get("id"),
        name=_get("name"),
        households=_get("households"),
        year_built=_get("year_built"),
        management_mode=lambda r: ManagementMode(r.management_mode),
        formerly_unmanaged=_get("formerly_unmanaged"),
        collects_fees=_get("collects_fees"),
        fee_yuan_per_m2_month=_get("fee_yuan_per_m2_month"),
        building_heads=_get("building_heads"),
        area_m2=_get("area_m2"),
    )
    __links__ = links(
        subdistrict=lambda r, ctx: ctx.data.subdistricts.get(r.subdistrict_code),
        community=lambda r, ctx: ctx.data.communities.get(r.community_code),
        grids=lambda r, ctx: compound_rules.grids_of(ctx.data, r),
        committee=lambda r, ctx: r.committee,
        party_branch=lambda r, ctx: r.party_branch,
        property_company=lambda r, ctx: (
            ctx.data.companies.get(r.property_company_id) if r.property_company_id else None
        ),
        occupations=lambda r, ctx: compound_rules.occupations_of(ctx.data, r),
        meetings=lambda r, ctx: compound_rules.meetings_of(ctx.data, r),
    )

    @strawberry.field
    def subdistrict(self, info: Ctx) -> Subdistrict | None:
        return self._follow("subdistrict", info)

    @strawberry.field
    def community(self, info: Ctx) -> Community | None:
        return self._follow("community", info)

    @strawberry.field(description="The grids the compound lies in.")
    def grids(self, info: Ctx) -> list[Grid]:
        return self._follow("grids", info)

    @strawberry.field
    def committee(self, info: Ctx) -> Committee | None:
        return self._follow("committee", info)

    @strawberry.field
    def party_branch(self, info: Ctx) -> PartyBranch | None:
        return self._follow("party_branch", info)

    @strawberry.field
    def property_company(self, info: Ctx) -> PropertyCompany | None:
        return self._follow("property_company", info)

    @strawberry.field(description="Occupations of public space inside the compound.")
    def occupations(self, info: Ctx) -> list[Occupation]:
        return self._follow("occupations", info)

    @strawberry.field(description="The three-party joint meetings held on the compound's problems.")
    def meetings(self, info: Ctx) -> list[Meeting]:
        return self._follow("meetings", info)


@strawberry.type(description="A member of the old-town enforcement brigade.")
class Officer(FromRecord, Node):
    _rec: strawberry.Private[rec.Officer]
    code: str = strawberry.field(description="The officer's staff code (OF01…), not personal data.")
    squad_code: str
    service: str
    role: str
    shift_code: str

    __record__ = rec.Officer
    __plain__ = plain(
        id=lambda r: to_global_id("Officer", r.id),
        code=_get("id"),
        squad_code=_get("squad_code"),
        service=_get("service"),
        role=_get("role"),
        shift_code=_get("shift_code"),
    )
    __masked__ = masked(
        name=lambda r, v: access.officer_name(v, r),
        phone=lambda r, v: access.officer_phone(v, r),
    )

    @strawberry.field(description="Masked (张*) unless you are of this officer's squad, an analyst or an admin.")
    def name(self, info: Ctx) -> str:
        return self._mask("name", info)

    @strawberry.field(description="The personal phone: only the officer's own squad and admins see it.")
    def phone(self, info: Ctx) -> str | None:
        return self._mask("phone", info)


@strawberry.type(description="A squad (分队) of the brigade, responsible for one sector.")
class Squad(FromRecord, Node):
    _rec: strawberry.Private[rec.Squad]
    code: str
    name: str
    sector_code: str
    hotline: str = strawberry.field(
        description="The squad's public duty hotline (published instead of personal phones)."
    )

    __record__ = rec.Squad
    __plain__ = plain(
        id=lambda r: to_global_id("Squad", r.code),
        code=_get("code"),
        name=_get("name"),
        sector_code=_get("sector_code"),
        hotline=_get("hotline"),
    )
    __links__ = links(officers=lambda r, ctx: [o for o in ctx.data.officers.values() if o.squad_code == r.code])

    @strawberry.field
    def officers(self, info: Ctx) -> list[Officer]:
        return self._follow("officers", info)


@strawberry.type(description="A fan-shaped management sector (片区) of the old town.")
class Sector(FromRecord, Node):
    _rec: strawberry.Private[rec.Sector]
    code: str
    name: str
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON = geometry_field()
    distance_m: float | None = distance_field()

    __record__ = rec.Sector
    __args__ = GEOMETRY
    __plain__ = plain(
        id=lambda r: to_global_id("Sector", r.code),
        code=_get("code"),
        name=_get("name"),
        area_m2=_get("area_m2"),
    )
    __links__ = links(squad=lambda r, ctx: ctx.data.squads.get(r.squad_code))

    @strawberry.field
    def squad(self, info: Ctx) -> Squad | None:
        return self._follow("squad", info)


@strawberry.type(description="A shift in local time; an end before the start means it runs past midnight.")
class Shift(FromRecord):
    _rec: strawberry.Private[rec.Shift]
    code: str
    name: str
    start: str
    end: str

    __record__ = rec.Shift
    __plain__ = plain(code=_get("code"), name=_get("name"), start=_get("start"), end=_get("end"))


@strawberry.type(description="A squad on duty in a sector at a moment, and its officers on shift.")
class OnDuty(FromRecord):
    _rec: strawberry.Private[Duty]
    sector_code: str

    __record__ = Duty
    __plain__ = plain(sector_code=_get("sector_code"))
    __links__ = links(
        squad=lambda d, ctx: d.squad, officers=lambda d, ctx: list(d.officers), shifts=lambda d, ctx: list(d.shifts)
    )

    @strawberry.field
    def squad(self, info: Ctx) -> Squad:
        return self._follow("squad", info)

    @strawberry.field(description="The squad's officers whose shift is running.")
    def officers(self, info: Ctx) -> list[Officer]:
        return self._follow("officers", info)

    @strawberry.field(description="The shifts those officers are on.")
    def shifts(self, info: Ctx) -> list[Shift]:
        return self._follow("shifts", info)


@strawberry.type(description="What lies at a point, and who is on duty there.")
class Location(FromRecord):
    _rec: strawberry.Private[DomainLocation]
    lon: float
    lat: float
    at: datetime

    __record__ = DomainLocation
    __plain__ = plain(lon=_get("lon"), lat=_get("lat"), at=_get("at"))
    __links__ = links(
        subdistrict=lambda loc, ctx: loc.subdistrict,
        community=lambda loc, ctx: loc.community,
        grid=lambda loc, ctx: loc.grid,
        compound=lambda loc, ctx: loc.compound,
        sector=lambda loc, ctx: loc.sector,
        on_duty=lambda loc, ctx: list(loc.on_duty),
    )

    @strawberry.field
    def subdistrict(self, info: Ctx) -> Subdistrict | None:
        return self._follow("subdistrict", info)

    @strawberry.field
    def community(self, info: Ctx) -> Community | None:
        return self._follow("community", info)

    @strawberry.field
    def grid(self, info: Ctx) -> Grid | None:
        return self._follow("grid", info)

    @strawberry.field
    def compound(self, info: Ctx) -> Compound | None:
        return self._follow("compound", info)

    @strawberry.field(description="The old-town sector the point lies in; null outside the 城郭路 ring.")
    def sector(self, info: Ctx) -> Sector | None:
        return self._follow("sector", info)

    @strawberry.field(description="The squads and officers on shift in that sector at that moment.")
    def on_duty(self, info: Ctx) -> list[OnDuty]:
        return self._follow("on_duty", info)


Stats = strawberry.type(
    dataclasses.make_dataclass("Stats", list(typing.get_type_hints(DomainStats).items())),
    description="The district's figures, each computed from the records (hub.domain.stats).",
)


@strawberry.type(description="Who the hub thinks you are.")
class Viewer:
    role: str
    squad_code: str | None
    token_id: str | None
