"""GraphQL object types: views of the hub's records, each field declared once.

A type shows one record class (``__record__``, see ``hub.schema.views``). A field with no resolver
is the record's attribute of the same name; any other field is a resolver taking the record as
``root``: a renamed or derived value, personal data through ``hub.domain.access`` (masked by
role, logged when shown), or the records it links to through ``hub.domain`` rules. The same
declarations drive graphql-core's execution and the compiled plans of ``hub.schema.fast``. No
business rule lives here.
"""

from __future__ import annotations

import dataclasses
import typing
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import strawberry
from strawberry.types import Info

from hub.domain import access, fanout, features, grading, guidance
from hub.domain import compounds as compound_rules
from hub.domain.locate import Location as DomainLocation
from hub.domain.model import records as rec
from hub.domain.roster import Duty
from hub.domain.stats import Stats as DomainStats
from hub.domain.township_duty import duty_at
from hub.schema.context import Context
from hub.schema.cost import PAGE, sized, weighs
from hub.schema.distance import distance_field
from hub.schema.enums import CommitteeKind, Crs, ManagementMode, OccupationStatus
from hub.schema.scalars import GeoJSON, to_global_id
from hub.schema.views import RecordList, RecordView, shown

if TYPE_CHECKING:
    from hub.schema.guidance import GuidanceGroup
    from hub.schema.township_duty import TownshipDuty

N = TypeVar("N")
Ctx = Info[Context, None]
AREA = "Geodesic area on the WGS84 ellipsoid, m²."


def geometry_field(layer: str, description: str = "The shape, as GeoJSON (WGS84 unless `crs` says otherwise).") -> Any:
    """The ``geometry`` field of a type whose records live in the catalog layer ``layer`` (whose mean GeoJSON
    size the cost model counts for it)."""

    def geometry(root: Any, crs: Crs = Crs.WGS84) -> GeoJSON:
        code = crs.value if isinstance(crs, Crs) else str(crs or "WGS84")  # the fast path passes the raw value
        return GeoJSON(features.in_crs(root.geometry, root.geojson, code))

    return strawberry.field(
        resolver=geometry,
        description=description,
        metadata=weighs(lambda data: fanout.mean_geojson_bytes(data, layer)),
    )


def global_id(type_name: str, key: str = "id") -> Any:
    """The Relay ``id`` field: ``type_name`` and the record's ``key``."""
    return strawberry.field(resolver=lambda root: to_global_id(type_name, getattr(root, key)))


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

    @strawberry.field(description="The page's records, each with its cursor.", metadata=sized(PAGE))
    def edges(self) -> list[Edge[N]]:
        return self._page.as_edges(Edge)  # type: ignore[return-value]

    @strawberry.field(description="The page's records, without cursors.", metadata=sized(PAGE))
    def nodes(self) -> list[N]:
        return self._page.as_nodes()  # type: ignore[return-value]


@strawberry.interface(description="An object with a global ID.")
class Node:
    id: strawberry.ID


@strawberry.interface(
    description="A named area of the map with a stable code: a subdistrict, community, sector, township or village."
)
class Area(Node):
    code: str
    name: str
    area_m2: float = strawberry.field(description=AREA)


def _subdistrict_of(root: Any, info: Ctx) -> Subdistrict | None:
    return shown(info.context.data.subdistricts.get(root.subdistrict_code))


def _communities(root: rec.Subdistrict, info: Ctx) -> list[Community]:
    return shown(c for c in info.context.data.communities if c.subdistrict_code == root.code)


@strawberry.type(description="A township-level unit (街道); the six urban subdistricts hold the compounds.")
class Subdistrict(RecordView, Area):
    __record__ = rec.Subdistrict
    id: strawberry.ID = global_id("Subdistrict", "code")
    kind: str
    geometry: GeoJSON = geometry_field("subdistricts")
    distance_m: float | None = distance_field()
    communities: list[Community] = strawberry.field(
        resolver=_communities,
        description="Communities (社区) of this subdistrict.",
        metadata=sized(fanout.communities_per_subdistrict),
    )


@strawberry.type(description="A neighbourhood committee area (社区) with a 12-digit code.")
class Community(RecordView, Area):
    __record__ = rec.Community
    id: strawberry.ID = global_id("Community", "code")
    geometry: GeoJSON = geometry_field("communities")
    distance_m: float | None = distance_field()
    subdistrict: Subdistrict | None = strawberry.field(resolver=_subdistrict_of)


def _villages(root: rec.Township, info: Ctx) -> list[Village]:
    return shown(v for v in info.context.data.villages if v.township_code == root.code)


def _township_of(root: Any, info: Ctx) -> Township | None:
    return shown(info.context.data.townships.get(root.township_code))


def _duty_line(root: rec.Township, info: Ctx) -> str | None:
    line = info.context.data.duty_lines.get(root.code)
    return None if line is None else line.hotline


def _township_on_duty(
    root: rec.Township, info: Ctx, at: datetime | None = None
) -> list[Annotated[TownshipDuty, strawberry.lazy("hub.schema.township_duty")]]:
    return shown(duty_at(info.context.data, root.code, at or info.context.now))


def _guidance_groups(
    root: rec.Township, info: Ctx, event: str | None = None
) -> list[Annotated[GuidanceGroup, strawberry.lazy("hub.schema.guidance")]]:
    data = info.context.data
    if event is None:
        latest = guidance.latest_event(data)
        event = latest.code if latest is not None else ""
    return shown(guidance.covering(data, event, root.code))


@strawberry.type(
    description="A rural township-level unit: a town (镇, kind `town`) or a township (乡, kind `township`); with the "
    "six urban subdistricts the 13 of them tile the district."
)
class Township(RecordView, Area):
    __record__ = rec.Township
    id: strawberry.ID = global_id("Township", "code")
    kind: str = strawberry.field(description="`town` (镇) or `township` (乡).")
    geometry: GeoJSON = geometry_field("townships")
    distance_m: float | None = distance_field()
    villages: list[Village] = strawberry.field(
        resolver=_villages,
        description="Its administrative villages (行政村).",
        metadata=sized(fanout.villages_per_township),
    )
    duty_hotline: str | None = strawberry.field(
        resolver=_duty_line, description="The township's 24-hour duty line (值班电话), published for the public."
    )
    on_duty: list[Annotated[TownshipDuty, strawberry.lazy("hub.schema.township_duty")]] = strawberry.field(
        resolver=_township_on_duty,
        description="Its duty officers on shift at `at` (now if omitted): the 24-hour duty (值班值守).",
        metadata=sized(1),
    )
    guidance_groups: list[Annotated[GuidanceGroup, strawberry.lazy("hub.schema.guidance")]] = strawberry.field(
        resolver=_guidance_groups,
        description="The agricultural guidance group assigned it for an event (the latest when omitted).",
        metadata=sized(1),
    )


@strawberry.type(description="An administrative village (行政村) of a township, with a 12-digit code.")
class Village(RecordView, Area):
    __record__ = rec.Village
    id: strawberry.ID = global_id("Village", "code")
    geometry: GeoJSON = geometry_field("villages")
    distance_m: float | None = distance_field()
    township: Township | None = strawberry.field(resolver=_township_of)


def person_name(attr: str, kind: str, key: str) -> Any:
    """The resolver of a person's name kept on a record (``attr``): masked by role, logged when shown in full
    as ``kind`` of the record's ``key`` (``hub.domain.access``)."""

    def name(root: Any, info: Ctx) -> str:
        return access.worker_name(info.context.viewer, getattr(root, attr), kind, getattr(root, key))

    return name


def _worker_phone(root: rec.Grid, info: Ctx) -> str | None:
    return access.worker_phone(info.context.viewer, root.worker_phone, root.code)


def _community_of(root: Any, info: Ctx) -> Community | None:
    return shown(info.context.data.communities.get(root.community_code))


@strawberry.type(description="A unit grid (网格, 14-digit code) and its grid worker.")
class Grid(RecordView, Node):
    __record__ = rec.Grid
    id: strawberry.ID = global_id("Grid", "code")
    code: str
    area_m2: float = strawberry.field(description=AREA)
    geometry: GeoJSON = geometry_field("grids")
    distance_m: float | None = distance_field()
    worker_name: str = strawberry.field(
        resolver=person_name("worker_name", access.WORKER_NAME, "code"),
        description="The grid worker's name; masked (张*) for the public.",
    )
    worker_phone: str | None = strawberry.field(
        resolver=_worker_phone,
        description="The grid worker's phone: admins see it, other staff masked, the public not.",
    )
    community: Community | None = strawberry.field(resolver=_community_of)


@strawberry.type(description="A yearly credit score, and the grade and list it earns under that year's scheme.")
class CreditScore(RecordView):
    __record__ = rec.CreditScore
    year: int
    score: float
    grade: str | None = strawberry.field(
        resolver=lambda root: grading.grade(root.score, grading.scheme_for(root.year)),
        description="AAA, AA, A, B, C, or null below the lowest grade.",
    )
    listing: str | None = strawberry.field(
        resolver=lambda root: grading.listing(root.score, grading.scheme_for(root.year)),
        description="RED (诚实守信红榜), BLACK (失信黑榜) or null.",
    )


@strawberry.type(description="A property services company (物业服务企业).")
class PropertyCompany(RecordView, Node):
    __record__ = rec.PropertyCompany
    id: strawberry.ID = global_id("PropertyCompany")
    code: str = strawberry.field(resolver=lambda root: root.id)
    name: str
    credit_code: str
    hotline: str
    scores: list[CreditScore] = strawberry.field(metadata=sized(fanout.scores_per_company))


@strawberry.type(description="The owners committee or property management committee of a compound.")
class Committee(RecordView):
    __record__ = rec.Committee
    kind: CommitteeKind
    established_on: date
    members: int
    chair_name: str = strawberry.field(
        resolver=person_name("chair_name", access.CHAIR_NAME, "compound_id"),
        description="The chair's name; masked for the public.",
    )


@strawberry.type(description="The compound's party branch (小区党支部).")
class PartyBranch(RecordView):
    __record__ = rec.PartyBranch
    established_on: date
    provisional: bool
    secretary_role: str
    owner_party_members: int
    retired_party_members: int
    deputies: int
    property_company_party_members: int
    members: int = strawberry.field(
        resolver=lambda root: (
            root.owner_party_members + root.retired_party_members + root.deputies + root.property_company_party_members
        )
    )
    secretary_name: str = strawberry.field(
        resolver=person_name("secretary_name", access.SECRETARY_NAME, "compound_id"),
        description="The secretary's name; masked for the public.",
    )


def _problem_description(root: rec.Problem, info: Ctx) -> str | None:
    return access.free_text(info.context.viewer, root.description, access.PROBLEM_DESCRIPTION, root.id)


@strawberry.type(description="A problem raised at a joint meeting, at a point inside its compound.")
class Problem(RecordView, Node):
    __record__ = rec.Problem
    id: strawberry.ID = global_id("Problem")
    category: str
    solved: bool
    solved_on: date | None
    geometry: GeoJSON = geometry_field("problems")
    distance_m: float | None = distance_field()
    description: str | None = strawberry.field(
        resolver=_problem_description,
        description="The problem as the meeting recorded it: staff only (free text may name people).",
    )


def _problems(root: rec.Meeting, info: Ctx) -> list[Problem]:
    return shown(compound_rules.problems_of(info.context.data, root))


@strawberry.type(description="A three-party joint meeting (三方联席会议) on a compound's problems.")
class Meeting(RecordView, Node):
    __record__ = rec.Meeting
    id: strawberry.ID = global_id("Meeting")
    held_on: date
    kind: str
    parties: list[str] = strawberry.field(metadata=sized(fanout.parties_per_meeting))
    problems: list[Problem] = strawberry.field(resolver=_problems, metadata=sized(fanout.problems_per_meeting))


def _compound_of(root: Any, info: Ctx) -> Compound | None:
    return shown(info.context.data.compounds.get(root.compound_id))


@strawberry.type(description="Illegally occupied public space inside a compound (非法侵占公共空间).")
class Occupation(RecordView, Node):
    __record__ = rec.Occupation
    id: strawberry.ID = global_id("Occupation")
    kind: str
    status: OccupationStatus
    reported_on: date | None
    cleared_on: date | None
    area_m2: float = strawberry.field(description=AREA)
    geometry: GeoJSON = geometry_field("occupations")
    distance_m: float | None = distance_field()
    compound: Compound | None = strawberry.field(resolver=_compound_of)


def _grids(root: rec.Compound, info: Ctx) -> list[Grid]:
    return shown(compound_rules.grids_of(info.context.data, root))


def _property_company(root: rec.Compound, info: Ctx) -> PropertyCompany | None:
    return shown(info.context.data.companies.get(root.property_company_id) if root.property_company_id else None)


def _occupations(root: rec.Compound, info: Ctx) -> list[Occupation]:
    return shown(compound_rules.occupations_of(info.context.data, root))


def _meetings(root: rec.Compound, info: Ctx) -> list[Meeting]:
    return shown(compound_rules.meetings_of(info.context.data, root))


@strawberry.type(description="A residential compound (小区).")
class Compound(RecordView, Node):
    __record__ = rec.Compound
    id: strawberry.ID = global_id("Compound")
    compound_id: int = strawberry.field(
        resolver=lambda root: root.id, description="The compound's number in the district register."
    )
    name: str
    households: int
    year_built: int | None
    management_mode: ManagementMode
    formerly_unmanaged: bool = strawberry.field(description="A former 失管/三无 or old compound, now managed.")
    collects_fees: bool
    fee_yuan_per_m2_month: float | None
    building_heads: int
    area_m2: float = strawberry.field(description=AREA)
    geometry: GeoJSON = geometry_field("compounds")
    distance_m: float | None = distance_field()
    subdistrict: Subdistrict | None = strawberry.field(resolver=_subdistrict_of)
    community: Community | None = strawberry.field(resolver=_community_of)
    grids: list[Grid] = strawberry.field(
        resolver=_grids, description="The grids the compound lies in.", metadata=sized(fanout.grids_per_compound)
    )
    committee: Committee | None
    party_branch: PartyBranch | None
    property_company: PropertyCompany | None = strawberry.field(resolver=_property_company)
    occupations: list[Occupation] = strawberry.field(
        resolver=_occupations,
        description="Occupations of public space inside the compound.",
        metadata=sized(fanout.occupations_per_compound),
    )
    meetings: list[Meeting] = strawberry.field(
        resolver=_meetings,
        description="The three-party joint meetings held on the compound's problems.",
        metadata=sized(fanout.meetings_per_compound),
    )


def _officer_name(root: rec.Officer, info: Ctx) -> str:
    return access.officer_name(info.context.viewer, root)


def _officer_phone(root: rec.Officer, info: Ctx) -> str | None:
    return access.officer_phone(info.context.viewer, root)


@strawberry.type(description="A member of the old-town enforcement brigade.")
class Officer(RecordView, Node):
    __record__ = rec.Officer
    id: strawberry.ID = global_id("Officer")
    code: str = strawberry.field(
        resolver=lambda root: root.id, description="The officer's staff code (OF01…), not personal data."
    )
    squad_code: str
    service: str
    role: str
    shift_code: str
    name: str = strawberry.field(
        resolver=_officer_name,
        description="Masked (张*) unless you are of this officer's squad, an analyst or an admin.",
    )
    phone: str | None = strawberry.field(
        resolver=_officer_phone, description="The personal phone: only the officer's own squad and admins see it."
    )


def _squad_officers(root: rec.Squad, info: Ctx) -> list[Officer]:
    return shown(o for o in info.context.data.officers.values() if o.squad_code == root.code)


@strawberry.type(description="A squad (分队) of the brigade, responsible for one sector.")
class Squad(RecordView, Node):
    __record__ = rec.Squad
    id: strawberry.ID = global_id("Squad", "code")
    code: str
    name: str
    sector_code: str
    hotline: str = strawberry.field(
        description="The squad's public duty hotline (published instead of personal phones)."
    )
    officers: list[Officer] = strawberry.field(resolver=_squad_officers, metadata=sized(fanout.officers_per_squad))


def squad_of(root: Any, info: Ctx) -> Squad | None:
    return shown(info.context.data.squads.get(root.squad_code) if root.squad_code else None)


@strawberry.type(description="A fan-shaped management sector (片区) of the old town.")
class Sector(RecordView, Area):
    __record__ = rec.Sector
    id: strawberry.ID = global_id("Sector", "code")
    geometry: GeoJSON = geometry_field("sectors")
    distance_m: float | None = distance_field()
    squad: Squad | None = strawberry.field(resolver=squad_of)


@strawberry.type(description="A shift in local time; an end before the start means it runs past midnight.")
class Shift(RecordView):
    __record__ = rec.Shift
    code: str
    name: str
    start: str
    end: str


@strawberry.type(description="A squad on duty in a sector at a moment, and its officers on shift.")
class OnDuty(RecordView):
    __record__ = Duty
    sector_code: str
    squad: Squad
    officers: list[Officer] = strawberry.field(
        description="The squad's officers whose shift is running.", metadata=sized(fanout.officers_per_squad)
    )
    shifts: list[Shift] = strawberry.field(
        description="The shifts those officers are on.", metadata=sized(lambda d: len(d.shifts))
    )


@strawberry.type(description="What lies at a point, and who is on duty there.")
class Location(RecordView):
    __record__ = DomainLocation
    lon: float
    lat: float
    at: datetime
    subdistrict: Subdistrict | None
    community: Community | None
    grid: Grid | None
    compound: Compound | None
    sector: Sector | None = strawberry.field(
        description="The old-town sector the point lies in; null outside the 城郭路 ring."
    )
    township: Township | None = strawberry.field(
        description="The town (镇) or township (乡) the point lies in; null in the urban subdistricts."
    )
    village: Village | None = strawberry.field(description="The administrative village (行政村) the point lies in.")
    township_on_duty: list[Annotated[TownshipDuty, strawberry.lazy("hub.schema.township_duty")]] = strawberry.field(
        description="The township's duty officers on shift at that moment (24-hour duty, 值班值守).",
        metadata=sized(lambda d: 1),
    )
    on_duty: list[OnDuty] = strawberry.field(
        description="The squads and officers on shift in that sector at that moment.",
        metadata=sized(lambda d: len(d.squads)),
    )


Stats = strawberry.type(
    dataclasses.make_dataclass("Stats", list(typing.get_type_hints(DomainStats).items())),
    description="The district's figures, each computed from the records (hub.domain.stats).",
)


@strawberry.type(description="Who the hub thinks you are.")
class Viewer:
    role: str
    squad_code: str | None
    token_id: str | None
    group_code: str | None = strawberry.field(description="A technician's guidance group.")
    unit_code: str | None = strawberry.field(default=None, description="An inspector's township, a volunteer's team.")
