"""Agricultural guidance in extreme weather over GraphQL: weather events, guidance groups, technicians, visits,
coverage since the warning and the group covering a place; the admins' and technicians' mutations.

The rules live in ``hub.domain.guidance`` and the use-cases in ``hub.services.guidance``; this module adapts
them. A technician's name and phone, and a visit's advice (free text), are personal data: masked or hidden by
role and logged when shown (``hub.domain.access``).
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.domain import access, fanout
from hub.domain import guidance as rules
from hub.domain.model import records as rec
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.distance import distance_field
from hub.schema.enums import Crs
from hub.schema.frontage import record_key
from hub.schema.inputs import DateRangeInput, SpatialFilter, connection, date_range, spatial
from hub.schema.scalars import GeoJSON
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, Written, perform, user_errors_field
from hub.services import guidance as services

Ctx = Info[Context, None]


def _groups_of_event(root: rec.WeatherEvent, info: Ctx) -> list[GuidanceGroup]:
    return shown(rules.groups_of(info.context.data, root.code))


@strawberry.type(description="Extreme weather the agriculture bureau answers with guidance groups.")
class WeatherEvent(RecordView, t.Node):
    __record__ = rec.WeatherEvent
    id: strawberry.ID = t.global_id("WeatherEvent", "code")
    code: str
    kind: str = strawberry.field(
        description="COLD_WAVE, BLIZZARD, GALE, FREEZING_RAIN, RAINSTORM, HEAT_WAVE, DROUGHT, OTHER."
    )
    name: str
    warning_level: str = strawberry.field(description="The warning's colour: BLUE, YELLOW, ORANGE or RED.")
    warned_at: datetime = strawberry.field(
        description="When the warning went out; coverage counts from its local date."
    )
    starts_on: date
    ends_on: date | None
    groups: list[GuidanceGroup] = strawberry.field(
        resolver=_groups_of_event,
        description="The guidance groups formed for it.",
        metadata=sized(fanout.groups_per_event),
    )


def _event_of(root: rec.GuidanceGroup, info: Ctx) -> WeatherEvent | None:
    return shown(info.context.data.weather_events.get(root.event_code))


def _group_townships(root: rec.GuidanceGroup, info: Ctx) -> list[t.Township]:
    towns = info.context.data.townships
    return shown(x for code in root.township_codes if (x := towns.get(code)) is not None)


def _group_technicians(root: rec.GuidanceGroup, info: Ctx) -> list[Technician]:
    return shown(rules.technicians_of(info.context.data, root.code))


def _technician_count(root: rec.GuidanceGroup, info: Ctx) -> int:
    return len(rules.technicians_of(info.context.data, root.code))


def _group_visits(root: rec.GuidanceGroup, info: Ctx) -> int:
    return sum(1 for v in info.context.data.guidance_visits if v.group_code == root.code)


def _group_hazards(root: rec.GuidanceGroup, info: Ctx) -> int:
    return sum(v.hazards_found for v in info.context.data.guidance_visits if v.group_code == root.code)


@strawberry.type(description="A technical guidance group (农技指导组) formed for a weather event, and its townships.")
class GuidanceGroup(RecordView, t.Node):
    __record__ = rec.GuidanceGroup
    id: strawberry.ID = t.global_id("GuidanceGroup", "code")
    code: str
    name: str
    event_code: str
    hotline: str = strawberry.field(description="The group's public contact (published instead of personal phones).")
    event: WeatherEvent | None = strawberry.field(resolver=_event_of)
    townships: list[t.Township] = strawberry.field(
        resolver=_group_townships,
        description="The townships it is sent to.",
        metadata=sized(fanout.townships_per_group),
    )
    technicians: list[Technician] = strawberry.field(
        resolver=_group_technicians,
        description="Its technicians (names masked for the public).",
        metadata=sized(fanout.technicians_per_group),
    )
    technician_count: int = strawberry.field(resolver=_technician_count, description="How many technicians it has.")
    visits: int = strawberry.field(resolver=_group_visits, description="Visits it has logged.")
    hazards_found: int = strawberry.field(resolver=_group_hazards, description="Hazards its visits found.")


def _technician_name(root: rec.Technician, info: Ctx) -> str:
    return access.technician_name(info.context.viewer, root)


def _technician_phone(root: rec.Technician, info: Ctx) -> str | None:
    return access.technician_phone(info.context.viewer, root)


def _technician_group(root: rec.Technician, info: Ctx) -> GuidanceGroup | None:
    return shown(info.context.data.guidance_groups.get(root.group_code))


@strawberry.type(description="An agricultural technician (农技人员) of the bureau, in one guidance group.")
class Technician(RecordView, t.Node):
    __record__ = rec.Technician
    id: strawberry.ID = t.global_id("Technician")
    code: str = strawberry.field(resolver=lambda root: root.id, description="The staff code (AT01…), not personal.")
    group_code: str
    specialty: str = strawberry.field(
        description="CROPS, HORTICULTURE, PLANT_PROTECTION, SOIL_FERTILIZER, AGRI_MACHINERY."
    )
    role: str = strawberry.field(description="LEADER or MEMBER.")
    name: str = strawberry.field(
        resolver=_technician_name, description="Masked (张*) unless you are of this group, an analyst or an admin."
    )
    phone: str | None = strawberry.field(
        resolver=_technician_phone, description="The personal phone: only the technician's own group and admins."
    )
    group: GuidanceGroup | None = strawberry.field(resolver=_technician_group)


def _visit_group(root: rec.GuidanceVisit, info: Ctx) -> GuidanceGroup | None:
    return shown(info.context.data.guidance_groups.get(root.group_code))


def _visit_township(root: rec.GuidanceVisit, info: Ctx) -> t.Township | None:
    return shown(info.context.data.townships.get(root.township_code))


def _visit_village(root: rec.GuidanceVisit, info: Ctx) -> t.Village | None:
    return shown(info.context.data.villages.get(root.village_code) if root.village_code else None)


def _visit_technicians(root: rec.GuidanceVisit, info: Ctx) -> list[Technician]:
    techs = info.context.data.technicians
    return shown(x for tid in root.technician_ids if (x := techs.get(tid)) is not None)


def _advice(root: rec.GuidanceVisit, info: Ctx) -> str | None:
    return access.advice(info.context.viewer, root)


def _logged_by(root: rec.GuidanceVisit, info: Ctx) -> str | None:
    return root.logged_by if info.context.viewer.sees_staff_names() else None


@strawberry.type(description="A guidance group's visit to a village, farm or greenhouse in a township.")
class GuidanceVisit(RecordView, t.Node):
    __record__ = rec.GuidanceVisit
    id: strawberry.ID = t.global_id("GuidanceVisit")
    visit_id: int = strawberry.field(resolver=lambda root: root.id)
    event_code: str
    group_code: str
    township_code: str
    village_code: str | None
    site: str = strawberry.field(description="VILLAGE, FARM or GREENHOUSE.")
    kind: str = strawberry.field(description="WHEAT_FROST, GREENHOUSE_REINFORCEMENT, GREENHOUSE_HEATING or OTHER.")
    visited_on: date | None
    hazards_found: int = strawberry.field(description="Safety hazards found at the site (险情).")
    geometry: GeoJSON = t.geometry_field("guidance_visits")
    distance_m: float | None = distance_field()
    group: GuidanceGroup | None = strawberry.field(resolver=_visit_group)
    township: t.Township | None = strawberry.field(resolver=_visit_township)
    village: t.Village | None = strawberry.field(resolver=_visit_village)
    technicians: list[Technician] = strawberry.field(
        resolver=_visit_technicians,
        metadata=sized(lambda d: fanout.mean_length(d, "guidance_visits", "technician_ids")),
    )
    advice: str | None = strawberry.field(
        resolver=_advice,
        description="The advice given, as written: staff and the group's own technicians (free text may name people).",
    )
    logged_by: str | None = strawberry.field(
        resolver=_logged_by, description="Who logged it (token role and id); staff only."
    )
    logged_at: datetime | None


@strawberry.type(description="How a township assigned for an event has been visited since the warning.")
class TownshipCoverage(RecordView):
    __record__ = rules.TownshipCoverage
    township: t.Township
    groups: list[GuidanceGroup] = strawberry.field(metadata=sized(1))
    visits: int
    hazards_found: int
    last_visit_on: date | None
    villages: int = strawberry.field(description="Its villages.")
    visited_villages: list[t.Village] = strawberry.field(metadata=sized(fanout.villages_per_township))
    unvisited_villages: list[t.Village] = strawberry.field(
        description="Villages with no visit since the warning: the gaps.", metadata=sized(fanout.villages_per_township)
    )


@strawberry.type(description="Which group covers a place for an event.")
class GuidanceCover(RecordView):
    __record__ = rules.Cover
    event: WeatherEvent
    township: t.Township | None = strawberry.field(description="Null outside every township.")
    village: t.Village | None
    groups: list[GuidanceGroup] = strawberry.field(
        description="The group assigned the township (empty where none is).", metadata=sized(1)
    )


@strawberry.type
class GuidanceQuery:
    @strawberry.field(
        description="Declared weather events, the latest warning last.", metadata=sized(lambda d: len(d.weather_events))
    )
    def weather_events(self, info: Ctx) -> list[WeatherEvent]:
        return shown(sorted(info.context.data.weather_events.values(), key=lambda e: (e.warned_at, e.code)))

    @strawberry.field(
        description="Guidance groups of an event (every event's when omitted).",
        metadata=sized(lambda d: len(d.guidance_groups)),
    )
    def guidance_groups(self, info: Ctx, event: str | None = None) -> list[GuidanceGroup]:
        return shown(services.groups(info.context.hub, event))

    @strawberry.field(description="Technicians, of one group or all.", metadata=sized(lambda d: len(d.technicians)))
    def technicians(self, info: Ctx, group: str | None = None) -> list[Technician]:
        data = info.context.data
        if group is not None:
            rules.group_of(data, group, field="group")
        return shown(x for _, x in sorted(data.technicians.items()) if group in (None, x.group_code))

    @strawberry.field(
        description="Guidance visits by place, event, group, township, village, kind and local date of the visit.",
        metadata=sized(lambda d: len(d.guidance_visits)),
    )
    def guidance_visits(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        event: str | None = None,
        group: str | None = None,
        township: str | None = None,
        village: str | None = None,
        kind: str | None = None,
        visited: DateRangeInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[GuidanceVisit]:
        ctx = info.context
        found = spatial(where, ctx)
        f = services.VisitFilter(event, group, township, village, kind, date_range(visited, "visited"))
        positions = services.visits(ctx.hub, found, f)
        return connection(ctx.data.guidance_visits, positions, first, after, ctx, order=found)

    @strawberry.field(
        description="For an event (the latest when omitted): each township assigned to a group, its visits since "
        "the warning's local date up to `asOf`, and its villages not visited yet (`onlyGaps`: only townships "
        "with such villages).",
        metadata=sized(lambda d: len(d.townships)),
    )
    def guidance_coverage(
        self, info: Ctx, event: str | None = None, as_of: date | None = None, only_gaps: bool = False
    ) -> list[TownshipCoverage]:
        return shown(services.coverage(info.context.hub, event, as_of, only_gaps=only_gaps))

    @strawberry.field(
        description="Which guidance group covers a point (lon, lat in `crs`, WGS84 by default) for an event (the "
        "latest when omitted): the township and village there and the group assigned the township."
    )
    def guidance_cover(
        self, info: Ctx, lon: float, lat: float, event: str | None = None, crs: Crs | None = None
    ) -> GuidanceCover:
        code = crs.value if crs else "WGS84"
        return shown(services.cover(info.context.hub, event, lon=lon, lat=lat, village=None, crs=code))

    @strawberry.field(
        description="Which guidance group covers a village (12-digit code) for an event (the latest when omitted)."
    )
    def village_guidance_cover(self, info: Ctx, village: str, event: str | None = None) -> GuidanceCover:
        return shown(services.cover(info.context.hub, event, lon=None, lat=None, village=village))


@strawberry.input
class DeclareWeatherEventInput:
    client_id: str
    code: str = strawberry.field(description="The event's code, chosen by the bureau (A–Z, 0–9, - and _).")
    kind: str
    name: str
    warning_level: str
    warned_at: datetime
    starts_on: date
    ends_on: date | None = None


@strawberry.input
class SetGuidanceGroupInput:
    client_id: str
    code: str
    event_code: str
    name: str
    townships: list[str] = strawberry.field(description="Township codes (9 digits); one group per township.")
    technician_ids: list[str] = strawberry.field(
        default_factory=list, description="Technicians who join the group; the others stay where they are."
    )
    hotline: str = ""


@strawberry.input
class LogGuidanceVisitInput:
    client_id: str = strawberry.field(description="A UUID made by the phone; a retry with the same one is safe.")
    event_code: str
    group_code: str | None = strawberry.field(default=None, description="Admins name it; a technician's token does.")
    lon: float
    lat: float
    crs: Crs | None = None
    visited_on: date
    site: str = strawberry.field(description="VILLAGE, FARM or GREENHOUSE.")
    kind: str = strawberry.field(description="WHEAT_FROST, GREENHOUSE_REINFORCEMENT, GREENHOUSE_HEATING or OTHER.")
    technician_ids: list[str] = strawberry.field(default_factory=list)
    advice: str = ""
    hazards_found: int = 0


@strawberry.type
class WeatherEventPayload:
    event: WeatherEvent | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class GuidanceGroupPayload:
    group: GuidanceGroup | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class GuidanceVisitPayload:
    visit: GuidanceVisit | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


def _visit_payload(ctx: Context, done: Written) -> GuidanceVisitPayload:
    visit = ctx.data.guidance_visits.get(done.result["visit"]) if done.result else None
    return GuidanceVisitPayload(visit=shown(visit), replayed=done.replayed, user_errors=done.errors)


@strawberry.type
class GuidanceMutation:
    @strawberry.mutation(description="Declare a weather event, or change a declared one (admins).")
    async def declare_weather_event(self, info: Ctx, input: DeclareWeatherEventInput) -> WeatherEventPayload:
        ctx = info.context

        def command() -> services.DeclareWeatherEvent:
            return services.DeclareWeatherEvent(
                client_id=input.client_id,
                code=input.code,
                kind=input.kind,
                name=input.name,
                warning_level=input.warning_level,
                warned_at=input.warned_at,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
            )

        done = await perform(ctx, command, services.declare_weather_event)
        event = ctx.data.weather_events.get(done.result["event"]) if done.result else None
        return WeatherEventPayload(event=shown(event), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Form a guidance group for an event or change its townships (admins).")
    async def set_guidance_group(self, info: Ctx, input: SetGuidanceGroupInput) -> GuidanceGroupPayload:
        ctx = info.context

        def command() -> services.SetGuidanceGroup:
            return services.SetGuidanceGroup(
                client_id=input.client_id,
                code=input.code,
                event_code=input.event_code,
                name=input.name,
                township_codes=tuple(input.townships),
                technician_ids=tuple(
                    record_key(x, "Technician", field=f"technicianIds[{i}]") for i, x in enumerate(input.technician_ids)
                ),
                hotline=input.hotline,
            )

        done = await perform(ctx, command, services.set_guidance_group)
        group = ctx.data.guidance_groups.get(done.result["group"]) if done.result else None
        return GuidanceGroupPayload(group=shown(group), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(
        description="Log a guidance visit at a point in a township (technicians of the group, or admins naming "
        "it); the township and village are found from the point."
    )
    async def log_guidance_visit(self, info: Ctx, input: LogGuidanceVisitInput) -> GuidanceVisitPayload:
        ctx = info.context

        def command() -> services.LogGuidanceVisit:
            return services.LogGuidanceVisit(
                client_id=input.client_id,
                event_code=input.event_code,
                group_code=input.group_code,
                lon=input.lon,
                lat=input.lat,
                crs=input.crs.value if input.crs else "WGS84",
                visited_on=input.visited_on,
                site=input.site,
                kind=input.kind,
                technician_ids=tuple(
                    record_key(x, "Technician", field=f"technicianIds[{i}]") for i, x in enumerate(input.technician_ids)
                ),
                advice=input.advice,
                hazards_found=input.hazards_found,
            )

        return _visit_payload(ctx, await perform(ctx, command, services.log_guidance_visit, now=ctx.now))
