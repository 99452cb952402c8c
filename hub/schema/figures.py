"""The analysts' figures over GraphQL: one field per family, each input → command → service → typed groups.

Every field takes the same arguments: ``groupBy`` (places, attributes, calendar periods), ``where`` (the
shared spatial filter), ``clip`` (a drawn polygon: only records meeting it, areas clipped to it),
``during`` and ``dateBy`` (a range of local dates on one of the family's dates), and ``filter`` (places
and attribute values). The work runs in a worker thread, off the event loop.
"""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

import strawberry
from strawberry.types import Info

from hub.domain.drawn import HELD
from hub.schema import figure_types as ft
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import BLOCKING, sized
from hub.schema.enums import Crs
from hub.schema.inputs import DateRangeInput, SpatialFilter, spatial
from hub.schema.scalars import GeoJSON
from hub.schema.views import shown
from hub.services import figures as service

Ctx = Info[Context, None]
G = TypeVar("G")


@strawberry.input(description="A polygon drawn on a map: records meeting it, with areas clipped to it.")
class DrawnAreaInput:
    geometry: GeoJSON = strawberry.field(description="A GeoJSON Polygon or MultiPolygon.")
    crs: Crs | None = strawberry.field(default=None, description="Its coordinate system (WGS84 by default).")


@strawberry.input(description="Keep only records in these places or with these values; every one given must hold.")
class FigureFilter:
    subdistricts: list[str] | None = None
    communities: list[str] | None = None
    grids: list[str] | None = None
    compounds: list[int] | None = None
    sectors: list[str] | None = None
    townships: list[str] | None = None
    villages: list[str] | None = None
    property_companies: list[str] | None = None
    kinds: list[str] | None = None
    categories: list[str] | None = None
    statuses: list[str] | None = None
    states: list[str] | None = None
    squads: list[str] | None = None
    guidance_groups: list[str] | None = None
    weather_events: list[str] | None = None
    severities: list[str] | None = None
    campaigns: list[str] | None = None
    teams: list[str] | None = None


_FILTERS = {
    "subdistricts": "SUBDISTRICT",
    "communities": "COMMUNITY",
    "grids": "GRID",
    "compounds": "COMPOUND",
    "sectors": "SECTOR",
    "townships": "TOWNSHIP",
    "villages": "VILLAGE",
    "property_companies": "PROPERTY_COMPANY",
    "kinds": "KIND",
    "categories": "CATEGORY",
    "statuses": "STATUS",
    "states": "STATE",
    "squads": "SQUAD",
    "guidance_groups": "GUIDANCE_GROUP",
    "weather_events": "WEATHER_EVENT",
    "severities": "SEVERITY",
    "campaigns": "CAMPAIGN",
    "teams": "TEAM",
}


def command(
    ctx: Context,
    family: str,
    group_by: list[ft.Grouping] | None,
    where: SpatialFilter | None,
    clip: DrawnAreaInput | None,
    during: DateRangeInput | None,
    date_by: ft.FigureDate | None,
    filter: FigureFilter | None,
) -> service.FiguresCommand:
    filters: dict[str, list[str]] = {}
    if filter is not None:
        for name, grouping in _FILTERS.items():
            values = getattr(filter, name)
            if values is not None:
                filters[grouping] = [str(v) for v in values]
    return service.FiguresCommand(
        family=family,
        group_by=[g.value for g in group_by or ()],
        where=spatial(where, ctx),
        clip=None if clip is None else clip.geometry,
        clip_crs=clip.crs.value if clip is not None and clip.crs else "WGS84",
        start=during.from_ if during else None,
        end=during.to if during else None,
        date_by=date_by.value if date_by else None,
        filters=filters,
        now=ctx.now,
        max_vertices=ctx.settings.max_vertices,
    )


HEAVY = {BLOCKING: True}
"""Figures work over whole columns: the operation runs in a worker thread, never on the event loop."""


_ARGS = " groupBy: places (by containment of the record's point or centroid), attributes, calendar periods of `dateBy`."


def _coverage_size(data: Any, args: dict[str, Any]) -> float:
    """Sectors × days of the range asked (a sector-day is one item of ``sectorCoverage``)."""
    during = args.get("during")
    start, end = (getattr(during, "from_", None), getattr(during, "to", None)) if during is not None else (None, None)
    if isinstance(during, dict):
        start, end = during.get("from"), during.get("to")
    days = (end - start).days + 1 if isinstance(start, date) and isinstance(end, date) and end >= start else 366
    sectors = len(args.get("sectors") or ()) or len(data.sectors)
    return float(sectors * min(max(days, 1), 366))


def figures_field(family: str, group: type[G], description: str) -> Any:
    """The field of one family's figures: the arguments every figures field takes, answered by the service."""

    def resolve(
        info: Ctx,
        group_by: list[ft.Grouping] | None = None,
        where: SpatialFilter | None = None,
        clip: DrawnAreaInput | None = None,
        during: DateRangeInput | None = None,
        date_by: ft.FigureDate | None = None,
        filter: FigureFilter | None = None,
    ) -> Any:
        ctx = info.context
        cmd = command(ctx, family, group_by, where, clip, during, date_by, filter)
        return ft.figure_set(group, service.figures(ctx.hub, ctx.viewer, cmd))

    resolve.__annotations__["return"] = ft.FigureSet[group]  # type: ignore[valid-type]
    return strawberry.field(resolver=resolve, description=description + _ARGS, metadata=HEAVY)


@strawberry.type
class FigureQuery:
    compound_figures: ft.FigureSet[ft.CompoundGroup] = figures_field(
        "compounds",
        ft.CompoundGroup,
        "Compounds by management mode (KIND), history (STATUS: FORMERLY_UNMANAGED or MANAGED_SINCE_BUILT), place; "
        "dates MANAGED (taken into management), COMMITTEE_SET_UP, BRANCH_SET_UP.",
    )
    occupation_figures: ft.FigureSet[ft.OccupationGroup] = figures_field(
        "occupations",
        ft.OccupationGroup,
        "Occupied public space by KIND, STATUS (OCCUPIED, CLEARED), place; dates REPORTED (default) and CLEARED.",
    )
    public_room_figures: ft.FigureSet[ft.PublicRoomGroup] = figures_field(
        "public_rooms", ft.PublicRoomGroup, "Recovered public rooms by use (KIND) and place; date RECOVERED."
    )
    fee_figures: ft.FigureSet[ft.FeeGroup] = figures_field(
        "fee_years",
        ft.FeeGroup,
        "Fee collection by YEAR, STATUS (COLLECTING, NOT_COLLECTING), the compound's management mode (KIND) and "
        "place (the compound's).",
    )
    meeting_figures: ft.FigureSet[ft.MeetingGroup] = figures_field(
        "meetings",
        ft.MeetingGroup,
        "Three-party joint meetings and the problems they solved, by KIND and place (the compound's); date HELD.",
    )
    problem_figures: ft.FigureSet[ft.ProblemGroup] = figures_field(
        "problems",
        ft.ProblemGroup,
        "Problems raised at the meetings by CATEGORY, STATUS (SOLVED, OPEN), place; dates RAISED (the meeting's) "
        "and SOLVED.",
    )
    incident_figures: ft.FigureSet[ft.IncidentGroup] = figures_field(
        "incidents",
        ft.IncidentGroup,
        "Cases with the evaluation figures (立案数, 结案数, 按期结案率, overdue, handling time) by SECTOR, SQUAD, "
        "CATEGORY, STATE, place; dates REPORTED (default) and CLOSED.",
    )
    patrol_figures: ft.FigureSet[ft.PatrolGroup] = figures_field(
        "patrols",
        ft.PatrolGroup,
        "Patrols and the distance walked by SQUAD and place (the track's centroid); date STARTED. For the share "
        "of each sector covered per day see sectorCoverage.",
    )
    frontage_figures: ft.FigureSet[ft.FrontageGroup] = figures_field(
        "merchants",
        ft.FrontageGroup,
        "门前三包: merchants and signed agreements by SECTOR, SQUAD (the sector's), trade (KIND), STATUS (SIGNED, "
        "UNSIGNED); date SIGNED.",
    )

    guidance_visit_figures: ft.FigureSet[ft.GuidanceVisitGroup] = figures_field(
        "guidance_visits",
        ft.GuidanceVisitGroup,
        "农技指导: guidance visits and the hazards they found by TOWNSHIP, VILLAGE (their point), kind of guidance "
        "(KIND), site (CATEGORY: VILLAGE, FARM, GREENHOUSE), GUIDANCE_GROUP, WEATHER_EVENT; date VISITED.",
    )

    hazard_figures: ft.FigureSet[ft.HazardGroup] = figures_field(
        "hazards",
        ft.HazardGroup,
        "安全隐患: hazards found by the safety campaigns and their rectification (open, overdue, rectified on time, "
        "verified) by TOWNSHIP, VILLAGE (their point), premises CATEGORY, SEVERITY, KIND, STATE, CAMPAIGN; dates FOUND "
        "(default), RECTIFIED (first reported rectified) and CLOSED.",
    )
    service_request_figures: ft.FigureSet[ft.ServiceRequestGroup] = figures_field(
        "service_requests",
        ft.ServiceRequestGroup,
        "微小服务: residents' micro-service requests and how many were done, by SUBDISTRICT, COMMUNITY, COMPOUND "
        "(their compound's point), KIND of service, CATEGORY (the channel), STATE, TEAM; dates REQUESTED (default) "
        "and DONE.",
    )

    @strawberry.field(
        description="A polygon drawn on a map: its geodesic area, the occupied space inside it "
        "(each occupation's part inside, geodesic) and how many records of each layer it holds.",
        metadata=HEAVY,
    )
    def drawn_area(self, info: Ctx, area: DrawnAreaInput) -> DrawnArea:
        ctx = info.context
        cmd = service.DrawnAreaCommand(
            area.geometry, area.crs.value if area.crs else "WGS84", max_vertices=ctx.settings.max_vertices
        )
        found = service.drawn_area(ctx.hub, ctx.viewer, cmd)
        return DrawnArea(
            area_m2=found.area_m2,
            occupations=found.occupations,
            occupation_area_m2=found.occupation_area_m2,
            occupied_area_m2=found.occupied_area_m2,
            cleared_area_m2=found.cleared_area_m2,
            held=[LayerCount(layer=name, count=n) for name, n in found.held],
        )

    @strawberry.field(
        description="The share of each sector covered by patrols (within 50 m of a track) on each "
        "local day of `during` (at most 366 days), as patrolCoverage works it out.",
        metadata={**HEAVY, **sized(_coverage_size)},
    )
    def sector_coverage(self, info: Ctx, during: DateRangeInput, sectors: list[str] | None = None) -> list[SectorDay]:
        ctx = info.context
        cmd = service.CoverageCommand(during.from_, during.to, tuple(sectors) if sectors is not None else None)
        found = service.sector_coverage(ctx.hub, ctx.viewer, cmd)
        return [
            SectorDay(
                sector=shown(ctx.data.sectors.get(c.sector_code)),
                date=c.day,
                share=c.share,
                covered_m2=c.covered_m2,
                patrols=c.patrols,
                length_m=c.length_m,
            )
            for c in found
        ]


@strawberry.type(description="How many records of a layer meet a drawn area.")
class LayerCount:
    layer: str
    count: int


@strawberry.type(description="What a drawn area holds.")
class DrawnArea:
    area_m2: float = strawberry.field(description="The polygon's geodesic area, m².")
    occupations: int = strawberry.field(description="Occupations meeting it, wholly or in part.")
    occupation_area_m2: float = strawberry.field(description="Their area inside it: each one's part, geodesic m².")
    occupied_area_m2: float = strawberry.field(description="…of those not cleared yet.")
    cleared_area_m2: float = strawberry.field(description="…of those cleared.")
    held: list[LayerCount] = strawberry.field(
        description="Records of each layer meeting it (patrols not counted).", metadata=sized(len(HELD))
    )


@strawberry.type(description="How much of a sector lay within 50 m of one local day's patrol tracks.")
class SectorDay:
    sector: t.Sector
    date: date
    share: float = strawberry.field(description="Share of the sector's area within 50 m of the tracks, 0–1.")
    covered_m2: float
    patrols: int
    length_m: float = strawberry.field(description="Distance walked by those patrols, m.")
