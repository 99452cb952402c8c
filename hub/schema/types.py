"""GraphQL object types: thin views of the store's records, with the viewer's masking applied.

Each type is made by ``from_domain(record)``; the record is kept as a private field so link
resolvers can follow it. No business rule lives here: masking is ``hub.domain.access``, links are
``hub.domain.compounds``, grades are ``hub.domain.grading``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, TypeVar

import strawberry
from strawberry.types import Info

from hub.domain import access, grading
from hub.domain import compounds as compound_rules
from hub.domain.roster import Duty
from hub.schema.context import Context
from hub.schema.enums import CommitteeKind, ManagementMode, OccupationStatus
from hub.schema.scalars import GeoJSON, to_global_id
from hub.store import records as rec

N = TypeVar("N")


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
    edges: list[Edge[N]]

    @strawberry.field(description="The nodes of the page, without cursors.")
    def nodes(self) -> list[N]:
        return [e.node for e in self.edges]


@strawberry.interface(description="An object with a global ID.")
class Node:
    id: strawberry.ID


@strawberry.type(description="A township-level unit (街道); the six urban subdistricts hold the compounds.")
class Subdistrict(Node):
    _rec: strawberry.Private[rec.Subdistrict]
    code: str
    name: str
    kind: str
    area_m2: float
    geometry: GeoJSON

    @classmethod
    def from_domain(cls, r: rec.Subdistrict) -> Subdistrict:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Subdistrict", r.code)),
            code=r.code,
            name=r.name,
            kind=r.kind,
            area_m2=r.area_m2,
            geometry=r.geojson,
        )

    @strawberry.field(description="Communities (社区) of this subdistrict.")
    def communities(self, info: Info[Context, None]) -> list[Community]:
        return [Community.from_domain(c) for c in info.context.data.communities if c.subdistrict_code == self.code]


@strawberry.type(description="A neighbourhood committee area (社区) with a 12-digit code.")
class Community(Node):
    _rec: strawberry.Private[rec.Community]
    code: str
    name: str
    area_m2: float
    geometry: GeoJSON

    @classmethod
    def from_domain(cls, r: rec.Community) -> Community:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Community", r.code)),
            code=r.code,
            name=r.name,
            area_m2=r.area_m2,
            geometry=r.geojson,
        )

    @strawberry.field
    def subdistrict(self, info: Info[Context, None]) -> Subdistrict | None:
        s = info.context.data.subdistricts.get(self._rec.subdistrict_code)
        return Subdistrict.from_domain(s) if s else None


@strawberry.type(description="A unit grid (网格, 14-digit code) and its grid worker.")
class Grid(Node):
    _rec: strawberry.Private[rec.Grid]
    code: str
    area_m2: float
    geometry: GeoJSON

    @classmethod
    def from_domain(cls, r: rec.Grid) -> Grid:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Grid", r.code)),
            code=r.code,
            area_m2=r.area_m2,
            geometry=r.geojson,
        )

    @strawberry.field(description="The grid worker's name; masked (张*) for the public.")
    def worker_name(self, info: Info[Context, None]) -> str:
        return access.worker_name(info.context.viewer, self._rec.worker_name)

    @strawberry.field(description="The grid worker's phone: admins see it, other staff masked, the public not.")
    def worker_phone(self, info: Info[Context, None]) -> str | None:
        return access.worker_phone(info.context.viewer, self._rec.worker_phone)

    @strawberry.field
    def community(self, info: Info[Context, None]) -> Community | None:
        c = info.context.data.communities.get(self._rec.community_code)
        return Community.from_domain(c) if c else None


@strawberry.type(description="A yearly credit score and the grade and list it earns.")
class CreditScore:
    year: int
    score: float
    grade: str | None = strawberry.field(description="AAA, AA, A, B, C, or null below 60.")
    listing: str | None = strawberry.field(description="RED (诚实守信红榜), BLACK (失信黑榜) or null.")


@strawberry.type(description="A property services company (物业服务企业).")
class PropertyCompany(Node):
    _rec: strawberry.Private[rec.PropertyCompany]
    code: str
    name: str
    credit_code: str
    hotline: str

    @classmethod
    def from_domain(cls, r: rec.PropertyCompany) -> PropertyCompany:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("PropertyCompany", r.id)),
            code=r.id,
            name=r.name,
            credit_code=r.credit_code,
            hotline=r.hotline,
        )

    @strawberry.field
    def scores(self) -> list[CreditScore]:
        out = []
        for s in self._rec.scores:
            scheme = grading.scheme_for(s.year)
            out.append(
                CreditScore(
                    year=s.year,
                    score=s.score,
                    grade=grading.grade(s.score, scheme),
                    listing=grading.listing(s.score, scheme),
                )
            )
        return out


@strawberry.type(description="The owners committee or property management committee of a compound.")
class Committee:
    _rec: strawberry.Private[rec.Committee]
    kind: CommitteeKind
    established_on: date
    members: int

    @strawberry.field(description="The chair's name; masked for the public.")
    def chair_name(self, info: Info[Context, None]) -> str:
        return access.worker_name(info.context.viewer, self._rec.chair_name)


@strawberry.type(description="The compound's party branch (小区党支部).")
class PartyBranch:
    _rec: strawberry.Private[rec.PartyBranch]
    established_on: date
    provisional: bool
    secretary_role: str
    owner_party_members: int
    retired_party_members: int
    deputies: int
    property_company_party_members: int

    @strawberry.field
    def members(self) -> int:
        r = self._rec
        return r.owner_party_members + r.retired_party_members + r.deputies + r.property_company_party_members

    @strawberry.field(description="The secretary's name; masked for the public.")
    def secretary_name(self, info: Info[Context, None]) -> str:
        return access.worker_name(info.context.viewer, self._rec.secretary_name)


@strawberry.type(description="A problem raised at a joint meeting, at a point inside its compound.")
class Problem(Node):
    _rec: strawberry.Private[rec.Problem]
    category: str
    description: str
    solved: bool
    solved_on: date | None
    geometry: GeoJSON

    @classmethod
    def from_domain(cls, r: rec.Problem) -> Problem:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Problem", r.id)),
            category=r.category,
            description=r.description,
            solved=r.solved,
            solved_on=r.solved_on,
            geometry=r.geojson,
        )


@strawberry.type(description="A three-party joint meeting (三方联席会议) on a compound's problems.")
class Meeting(Node):
    _rec: strawberry.Private[rec.Meeting]
    held_on: date
    kind: str
    parties: list[str]

    @classmethod
    def from_domain(cls, r: rec.Meeting) -> Meeting:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Meeting", r.id)),
            held_on=r.held_on,
            kind=r.kind,
            parties=list(r.parties),
        )

    @strawberry.field
    def problems(self, info: Info[Context, None]) -> list[Problem]:
        return [Problem.from_domain(p) for p in compound_rules.problems_of(info.context.data, self._rec)]


@strawberry.type(description="Illegally occupied public space inside a compound (非法侵占公共空间).")
class Occupation(Node):
    _rec: strawberry.Private[rec.Occupation]
    kind: str
    status: OccupationStatus
    reported_on: date | None
    cleared_on: date | None
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON

    @classmethod
    def from_domain(cls, r: rec.Occupation) -> Occupation:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Occupation", r.id)),
            kind=r.kind,
            status=OccupationStatus(r.status),
            reported_on=r.reported_on,
            cleared_on=r.cleared_on,
            area_m2=r.area_m2,
            geometry=r.geojson,
        )

    @strawberry.field
    def compound(self, info: Info[Context, None]) -> Compound | None:
        c = info.context.data.compounds.get(self._rec.compound_id)
        return Compound.from_domain(c) if c else None


@strawberry.type(description="A residential compound (小区).")
class Compound(Node):
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
    geometry: GeoJSON

    @classmethod
    def from_domain(cls, r: rec.Compound) -> Compound:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Compound", r.id)),
            compound_id=r.id,
            name=r.name,
            households=r.households,
            year_built=r.year_built,
            management_mode=ManagementMode(r.management_mode),
            formerly_unmanaged=r.formerly_unmanaged,
            collects_fees=r.collects_fees,
            fee_yuan_per_m2_month=r.fee_yuan_per_m2_month,
            building_heads=r.building_heads,
            area_m2=r.area_m2,
            geometry=r.geojson,
        )

    @strawberry.field
    def subdistrict(self, info: Info[Context, None]) -> Subdistrict | None:
        s = info.context.data.subdistricts.get(self._rec.subdistrict_code)
        return Subdistrict.from_domain(s) if s else None

    @strawberry.field
    def community(self, info: Info[Context, None]) -> Community | None:
        c = info.context.data.communities.get(self._rec.community_code)
        return Community.from_domain(c) if c else None

    @strawberry.field(description="The grids the compound lies in.")
    def grids(self, info: Info[Context, None]) -> list[Grid]:
        return [Grid.from_domain(g) for g in compound_rules.grids_of(info.context.data, self._rec)]

    @strawberry.field
    def committee(self) -> Committee | None:
        c = self._rec.committee
        if c is None:
            return None
        return Committee(_rec=c, kind=CommitteeKind(c.kind), established_on=c.established_on, members=c.members)

    @strawberry.field
    def party_branch(self) -> PartyBranch | None:
        b = self._rec.party_branch
        if b is None:
            return None
        return PartyBranch(
            _rec=b,
            established_on=b.established_on,
            provisional=b.provisional,
            secretary_role=b.secretary_role,
            owner_party_members=b.owner_party_members,
            retired_party_members=b.retired_party_members,
            deputies=b.deputies,
            property_company_party_members=b.property_company_party_members,
        )

    @strawberry.field
    def property_company(self, info: Info[Context, None]) -> PropertyCompany | None:
        pid = self._rec.property_company_id
        company = info.context.data.companies.get(pid) if pid else None
        return PropertyCompany.from_domain(company) if company else None

    @strawberry.field
    def occupations(self, info: Info[Context, None]) -> list[Occupation]:
        return [Occupation.from_domain(o) for o in compound_rules.occupations_of(info.context.data, self._rec)]

    @strawberry.field
    def meetings(self, info: Info[Context, None]) -> list[Meeting]:
        return [Meeting.from_domain(m) for m in compound_rules.meetings_of(info.context.data, self._rec)]


@strawberry.type(description="A member of the old-town enforcement brigade.")
class Officer(Node):
    _rec: strawberry.Private[rec.Officer]
    service: str
    role: str
    shift_code: str

    @classmethod
    def from_domain(cls, r: rec.Officer) -> Officer:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Officer", r.id)),
            service=r.service,
            role=r.role,
            shift_code=r.shift_code,
        )

    @strawberry.field(description="Masked (张*) unless you are of this officer's squad, an analyst or an admin.")
    def name(self, info: Info[Context, None]) -> str:
        return access.officer_name(info.context.viewer, self._rec.squad_code, self._rec.name)

    @strawberry.field(description="The personal phone: only the officer's own squad and admins see it.")
    def phone(self, info: Info[Context, None]) -> str | None:
        return access.officer_phone(info.context.viewer, self._rec.squad_code, self._rec.phone)


@strawberry.type(description="A squad (分队) of the brigade, responsible for one sector.")
class Squad(Node):
    _rec: strawberry.Private[rec.Squad]
    code: str
    name: str
    sector_code: str
    hotline: str = strawberry.field(
        description="The squad's public duty hotline (published instead of personal phones)."
    )

    @classmethod
    def from_domain(cls, r: rec.Squad) -> Squad:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Squad", r.code)),
            code=r.code,
            name=r.name,
            sector_code=r.sector_code,
            hotline=r.hotline,
        )

    @strawberry.field
    def officers(self, info: Info[Context, None]) -> list[Officer]:
        return [Officer.from_domain(o) for o in info.context.data.officers.values() if o.squad_code == self.code]


@strawberry.type(description="A fan-shaped management sector (片区) of the old town.")
class Sector(Node):
    _rec: strawberry.Private[rec.Sector]
    code: str
    name: str
    area_m2: float = strawberry.field(description="Geodesic area on the WGS84 ellipsoid, m².")
    geometry: GeoJSON

    @classmethod
    def from_domain(cls, r: rec.Sector) -> Sector:
        return cls(
            _rec=r,
            id=strawberry.ID(to_global_id("Sector", r.code)),
            code=r.code,
            name=r.name,
            area_m2=r.area_m2,
            geometry=r.geojson,
        )

    @strawberry.field
    def squad(self, info: Info[Context, None]) -> Squad | None:
        s = info.context.data.squads.get(self._rec.squad_code)
        return Squad.from_domain(s) if s else None


@strawberry.type(description="A shift in local time; end before start means it runs past midnight.")
class Shift:
    code: str
    name: str
    start: str
    end: str


@strawberry.type(description="A squad on duty in a sector at a moment, and its officers on shift.")
class OnDuty:
    _duty: strawberry.Private[Duty]

    @strawberry.field
    def squad(self) -> Squad:
        return Squad.from_domain(self._duty.squad)

    @strawberry.field
    def officers(self) -> list[Officer]:
        return [Officer.from_domain(o) for o in self._duty.officers]

    @strawberry.field
    def shifts(self) -> list[Shift]:
        return [Shift(code=s.code, name=s.name, start=s.start, end=s.end) for s in self._duty.shifts]


@strawberry.type(description="What lies at a point, and who is on duty there.")
class Location:
    lon: float
    lat: float
    at: datetime
    subdistrict: Subdistrict | None
    community: Community | None
    grid: Grid | None
    compound: Compound | None
    sector: Sector | None
    on_duty: list[OnDuty]


@strawberry.type(description="The district's figures, each computed from the records.")
class Stats:
    compounds: int
    compounds_with_party_branch: int
    compounds_with_committee: int
    compounds_collecting_fees: int
    compounds_formerly_unmanaged: int
    joint_meetings: int
    issues_raised: int
    issues_resolved: int
    occupied_area_cleared_m2: float
    occupied_area_remaining_m2: float
    public_rooms_recovered_m2: float
    squads: int
    officers: int
    subdistricts: int
    communities: int
    grids: int


@strawberry.type(description="Who the hub thinks you are.")
class Viewer:
    role: str
    squad_code: str | None
    token_id: str | None
