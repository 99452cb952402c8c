"""GraphQL types of figures: a group's key (places as objects, periods, codes) and each family's measures.

Plain strawberry types filled from the service's results (``hub.services.figures``); a group of every
family carries its ``key`` and its measures, and the total is a group with an empty key.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar

import strawberry

from hub.domain.figures.compute import Figures, Group
from hub.schema import types as t
from hub.schema.cost import sized

if TYPE_CHECKING:
    from hub.schema.guidance import GuidanceGroup, WeatherEvent
    from hub.schema.hazards import SafetyCampaign
    from hub.schema.microservices import VolunteerTeam

G = TypeVar("G")
GROUPS_ESTIMATE = 200
"""Groups the cost model counts for a figures answer before it runs (a subdistrict × month year has ~80)."""


@strawberry.enum(
    description="How figures can be grouped: by the polygon of a place layer holding the record's point or "
    "centroid (PROPERTY_COMPANY: the company of that compound), by an attribute of the family, or by local "
    "calendar period (Asia/Shanghai) of its date (`dateBy`)."
)
class Grouping(Enum):
    SUBDISTRICT = "SUBDISTRICT"
    COMMUNITY = "COMMUNITY"
    GRID = "GRID"
    COMPOUND = "COMPOUND"
    SECTOR = "SECTOR"
    TOWNSHIP = "TOWNSHIP"
    VILLAGE = "VILLAGE"
    PROPERTY_COMPANY = "PROPERTY_COMPANY"
    KIND = "KIND"
    CATEGORY = "CATEGORY"
    STATUS = "STATUS"
    STATE = "STATE"
    SEVERITY = "SEVERITY"
    SQUAD = "SQUAD"
    GUIDANCE_GROUP = "GUIDANCE_GROUP"
    WEATHER_EVENT = "WEATHER_EVENT"
    CAMPAIGN = "CAMPAIGN"
    TEAM = "TEAM"
    DAY = "DAY"
    MONTH = "MONTH"
    QUARTER = "QUARTER"
    YEAR = "YEAR"


@strawberry.enum(description="Which date of a record the calendar groupings and `during` follow.")
class FigureDate(Enum):
    MANAGED = "MANAGED"
    COMMITTEE_SET_UP = "COMMITTEE_SET_UP"
    BRANCH_SET_UP = "BRANCH_SET_UP"
    REPORTED = "REPORTED"
    CLEARED = "CLEARED"
    RECOVERED = "RECOVERED"
    YEAR = "YEAR"
    HELD = "HELD"
    RAISED = "RAISED"
    SOLVED = "SOLVED"
    CLOSED = "CLOSED"
    STARTED = "STARTED"
    SIGNED = "SIGNED"
    VISITED = "VISITED"
    FOUND = "FOUND"
    RECTIFIED = "RECTIFIED"
    REQUESTED = "REQUESTED"
    DONE = "DONE"


@strawberry.type(description="What a group stands for: one value per grouping asked; null where it has none.")
class FigureKey:
    subdistrict: t.Subdistrict | None = None
    community: t.Community | None = None
    grid: t.Grid | None = None
    compound: t.Compound | None = None
    sector: t.Sector | None = None
    township: t.Township | None = None
    village: t.Village | None = None
    property_company: t.PropertyCompany | None = None
    squad: t.Squad | None = None
    guidance_group: Annotated[GuidanceGroup, strawberry.lazy("hub.schema.guidance")] | None = None
    weather_event: Annotated[WeatherEvent, strawberry.lazy("hub.schema.guidance")] | None = None
    campaign: Annotated[SafetyCampaign, strawberry.lazy("hub.schema.hazards")] | None = None
    team: Annotated[VolunteerTeam, strawberry.lazy("hub.schema.microservices")] | None = None
    kind: str | None = None
    category: str | None = None
    status: str | None = None
    state: str | None = None
    severity: str | None = None
    day: date | None = None
    month: str | None = strawberry.field(default=None, description="YYYY-MM, local time.")
    quarter: str | None = strawberry.field(default=None, description="YYYY-Qn, local time.")
    year: int | None = None
    none: list[Grouping] = strawberry.field(
        default_factory=list,
        metadata=sized(1),
        description="The groupings this group has no value for: records on no polygon of the layer, without "
        "the date, the squad or the attribute. They are a group of their own, never dropped.",
    )


def key_of(group: Group) -> FigureKey:
    """The key of a group: places and squads as their records (the types show records), the rest as values."""
    fields = {grouping.lower(): value for grouping, value in group.key.items() if value is not None}
    return FigureKey(**fields, none=[Grouping(g) for g in group.none])


def fill(cls: type[G], group: Group) -> G:
    """An instance of a family's group type from a domain group (whole numbers where the type says Int)."""
    hints = {f.name: f.type for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, Any] = {}
    for name, value in group.values.items():
        if name not in hints:
            continue
        values[name] = round(value) if hints[name] in (int, "int") and value is not None else value
    return cls(key=key_of(group), **values)  # type: ignore[call-arg]


@strawberry.type(name="Figures", description="Figures grouped as asked, and their total over all groups.")
class FigureSet(Generic[G]):
    group_by: list[Grouping] = strawberry.field(metadata=sized(2))
    date_by: FigureDate | None = strawberry.field(description="The date the calendar groupings follow.")
    total: G = strawberry.field(description="Over every record selected; summed measures equal the groups' sums.")
    groups: list[G] = strawberry.field(
        description="One per combination of keys met, 'none' included.", metadata=sized(GROUPS_ESTIMATE)
    )


def figure_set(cls: type[G], fig: Figures) -> FigureSet[G]:
    return FigureSet(
        group_by=[Grouping(g) for g in fig.group_by],
        date_by=FigureDate(fig.date_by) if fig.date_by else None,
        total=fill(cls, fig.total),
        groups=[fill(cls, g) for g in fig.groups],
    )


_M2 = "Geodesic m² (clipped to the drawn area, with `clip`)."


@strawberry.type(description="Compounds: management, fees, committees and party branches.")
class CompoundGroup:
    key: FigureKey
    count: int
    households: int
    area_m2: float = strawberry.field(description=_M2)
    formerly_unmanaged: int = strawberry.field(description="Former 失管/三无 or old compounds, now managed.")
    collecting_fees: int
    with_party_branch: int
    with_committee: int


@strawberry.type(description="Occupied public space: reported and cleared area.")
class OccupationGroup:
    key: FigureKey
    count: int
    area_m2: float = strawberry.field(description=_M2)
    cleared_count: int
    cleared_area_m2: float
    occupied_count: int = strawberry.field(description="Not cleared yet.")
    occupied_area_m2: float


@strawberry.type(description="Recovered public rooms (floor area, as recorded).")
class PublicRoomGroup:
    key: FigureKey
    count: int
    floor_area_m2: float


@strawberry.type(description="Fee collection by compound and year.")
class FeeGroup:
    key: FigureKey
    count: int = strawberry.field(description="Compound-years.")
    collecting: int
    collecting_share: float | None
    mean_collection_rate: float | None = strawberry.field(
        description="Mean share of households paying, over the compounds collecting."
    )
    households: int


@strawberry.type(description="Three-party joint meetings (三方联席会议) and the problems they solved.")
class MeetingGroup:
    key: FigureKey
    count: int = strawberry.field(description="Meetings held.")
    problems_raised: int
    problems_solved: int
    solved_share: float | None


@strawberry.type(description="Problems raised at the meetings.")
class ProblemGroup:
    key: FigureKey
    count: int
    solved: int
    solved_share: float | None
    mean_days_to_solve: float | None = strawberry.field(description="From the meeting to the solution.")
    p90_days_to_solve: float | None


@strawberry.type(description="Cases with the evaluation figures of digital city management (GB/T 30428-style).")
class IncidentGroup:
    key: FigureKey
    count: int = strawberry.field(description="Every case, rejected and cancelled ones included.")
    registered: int = strawberry.field(description="立案数: not rejected (不予立案) or cancelled.")
    dispatched: int = strawberry.field(description="派遣数: registered, with a squad.")
    handled: int = strawberry.field(description="处置数: reported handled.")
    handled_on_time: int = strawberry.field(description="按期处置数: first reported handled by the deadline.")
    closed: int = strawberry.field(description="结案数.")
    closure_rate: float | None = strawberry.field(description="结案率 = closed / registered.")
    on_time_closure_rate: float | None = strawberry.field(
        description="按期结案率 = closed and handled by the deadline / registered cases closed or past the deadline."
    )
    overdue: int = strawberry.field(description="超期案件: waiting to be handled, past the deadline now.")
    sent_back: int = strawberry.field(description="Verifications sent back (返工).")
    rework_rate: float | None = strawberry.field(description="返工率 = sent back / handled.")
    mean_handling_hours: float | None = strawberry.field(description="From dispatch to first reported handled.")
    p90_handling_hours: float | None


@strawberry.type(description="Patrols: how many, and the distance walked.")
class PatrolGroup:
    key: FigureKey
    count: int
    length_m: float = strawberry.field(description="Distance walked: geodesic length of the tracks, m.")


@strawberry.type(description="门前三包: merchants and their signed agreements.")
class FrontageGroup:
    key: FigureKey
    count: int = strawberry.field(description="Merchants.")
    signed: int
    signed_share: float | None


@strawberry.type(description="Agricultural guidance visits and the hazards they found (农技指导).")
class GuidanceVisitGroup:
    key: FigureKey
    count: int = strawberry.field(description="Visits.")
    hazards_found: int = strawberry.field(description="Hazards found (险情) at the sites visited.")
    with_hazards: int = strawberry.field(description="Visits that found at least one hazard.")
    technician_visits: int = strawberry.field(description="Technicians sent, summed over the visits (人次).")


@strawberry.type(description="Safety hazards found by the campaigns, and how their rectification went.")
class HazardGroup:
    key: FigureKey
    count: int = strawberry.field(description="Hazards found (cancelled ones included).")
    major: int = strawberry.field(description="Of them 重大隐患.")
    open: int = strawberry.field(description="Not verified (销号) or cancelled.")
    overdue: int = strawberry.field(description="Still to be rectified after the deadline's day, now.")
    rectified: int = strawberry.field(description="Reported rectified at least once.")
    rectified_on_time: int = strawberry.field(description="First reported rectified by the end of the deadline's day.")
    verified: int = strawberry.field(description="Re-inspected and closed (销号).")
    rectification_rate: float | None = strawberry.field(description="Verified / found (not cancelled).")
    on_time_rate: float | None = strawberry.field(
        description="Rectified on time / hazards (not cancelled) rectified or past their deadline now."
    )


@strawberry.type(description="Residents' micro-service requests (微小服务) and how the teams answered them.")
class ServiceRequestGroup:
    key: FigureKey
    count: int = strawberry.field(description="Requests made.")
    done: int = strawberry.field(description="Reported done (DONE or RATED).")
    done_on_time: int = strawberry.field(description="Done by the deadline.")
    open: int = strawberry.field(description="Still to be done (REQUESTED or TAKEN).")
    overdue: int = strawberry.field(description="Still to be done past the deadline, now.")
    rated: int
    mean_rating: float | None = strawberry.field(description="The residents' mean rating, 1–5.")
    mean_days_to_done: float | None = strawberry.field(description="From the request to its first report of done.")
