"""Residents' micro-services over GraphQL: volunteer teams, volunteers (names masked, phones hidden), requests
by compound, community, team, kind, state and month, open requests older than N days; the volunteers' mutations.

A request never shows the public who asked or what was asked (``residentName`` and ``description`` are null for
the public); the team that serves it sees both, logged (``hub.domain.access``).
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.domain import access, fanout
from hub.domain import microservices as rules
from hub.domain.figures.periods import DateRange
from hub.domain.model import records as rec
from hub.errors import InputError
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import ServiceRequestAction, ServiceRequestState
from hub.schema.frontage import record_key
from hub.schema.hazards import CaseStep
from hub.schema.inputs import DateRangeInput, SpatialFilter, connection, date_range, spatial
from hub.schema.scalars import GeoJSON
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, Written, perform, user_errors_field
from hub.services import microservices as services

Ctx = Info[Context, None]


def _team_subdistrict(root: rec.VolunteerTeam, info: Ctx) -> t.Subdistrict | None:
    return shown(info.context.data.subdistricts.get(root.subdistrict_code))


def _team_volunteers(root: rec.VolunteerTeam, info: Ctx) -> list[Volunteer]:
    return shown(rules.volunteers_of(info.context.data, root.code))


def _team_requests(root: rec.VolunteerTeam, info: Ctx) -> int:
    return sum(1 for x in info.context.data.service_requests if x.team_code == root.code)


@strawberry.type(
    description="A volunteer team (党员志愿队, 关爱老人志愿者服务队, 业主驿站) and the communities it serves."
)
class VolunteerTeam(RecordView, t.Node):
    __record__ = rec.VolunteerTeam
    id: strawberry.ID = t.global_id("VolunteerTeam", "code")
    code: str
    name: str
    kind: str = strawberry.field(description="PARTY_MEMBERS, ELDERLY_CARE or OWNERS_STATION.")
    subdistrict_code: str
    community_codes: list[str] = strawberry.field(metadata=sized(fanout.communities_per_team))
    hotline: str = strawberry.field(description="The team's public contact (published instead of personal phones).")
    subdistrict: t.Subdistrict | None = strawberry.field(resolver=_team_subdistrict)
    volunteers: list[Volunteer] = strawberry.field(
        resolver=_team_volunteers,
        description="Its volunteers (names masked for the public).",
        metadata=sized(fanout.volunteers_per_team),
    )
    requests: int = strawberry.field(resolver=_team_requests, description="Requests it has logged.")


def _volunteer_name(root: rec.Volunteer, info: Ctx) -> str:
    return access.volunteer_name(info.context.viewer, root)


def _volunteer_phone(root: rec.Volunteer, info: Ctx) -> str | None:
    return access.volunteer_phone(info.context.viewer, root)


def _volunteer_team(root: rec.Volunteer, info: Ctx) -> VolunteerTeam | None:
    return shown(info.context.data.volunteer_teams.get(root.team_code))


@strawberry.type(description="A volunteer of a team.")
class Volunteer(RecordView, t.Node):
    __record__ = rec.Volunteer
    id: strawberry.ID = t.global_id("Volunteer")
    code: str = strawberry.field(resolver=lambda root: root.id, description="The volunteer's code, not personal.")
    team_code: str
    role: str = strawberry.field(description="LEADER or MEMBER.")
    name: str = strawberry.field(
        resolver=_volunteer_name, description="Masked (张*) unless you are of this team, an analyst or an admin."
    )
    phone: str | None = strawberry.field(
        resolver=_volunteer_phone, description="The personal phone: only the volunteer's own team and admins."
    )
    team: VolunteerTeam | None = strawberry.field(resolver=_volunteer_team)


def _sees(root: rec.ServiceRequest, info: Ctx) -> bool:
    return access.sees_request(info.context.viewer, root.team_code)


def _description(root: rec.ServiceRequest, info: Ctx) -> str | None:
    viewer = info.context.viewer
    return access.case_text(viewer, root.description, access.REQUEST_DESCRIPTION, root.id, _sees(root, info))


def _resident_name(root: rec.ServiceRequest, info: Ctx) -> str | None:
    return access.resident_name(info.context.viewer, root)


def _resident_phone(root: rec.ServiceRequest, info: Ctx) -> str | None:
    return access.resident_phone(info.context.viewer, root)


def _steps(root: rec.ServiceRequest, info: Ctx) -> list[CaseStep]:
    found = info.context.data.case_steps.get((rules.KIND, root.id), [])
    return shown(found if _sees(root, info) else [])


def _volunteers(root: rec.ServiceRequest, info: Ctx) -> list[Volunteer]:
    people = info.context.data.volunteers
    return shown(x for vid in root.volunteer_ids if (x := people.get(vid)) is not None)


def _team(root: rec.ServiceRequest, info: Ctx) -> VolunteerTeam | None:
    return shown(info.context.data.volunteer_teams.get(root.team_code))


def _compound(root: rec.ServiceRequest, info: Ctx) -> t.Compound | None:
    return shown(info.context.data.compounds.get(root.compound_id))


def _overdue(root: rec.ServiceRequest, info: Ctx) -> bool:
    return rules.WORKFLOW.is_overdue(root, info.context.now)


def _logged_by(root: rec.ServiceRequest, info: Ctx) -> str | None:
    return root.logged_by if info.context.viewer.sees_staff_names() else None


@strawberry.type(description="A resident's request for a micro-service (微小服务) in a compound, through a team.")
class ServiceRequest(RecordView, t.Node):
    __record__ = rec.ServiceRequest
    id: strawberry.ID = t.global_id("ServiceRequest")
    request_id: int = strawberry.field(resolver=lambda root: root.id)
    team_code: str
    compound_id: int
    community_code: str
    subdistrict_code: str
    kind: str = strawberry.field(
        description="PHONE_BILL, TOILET_UNBLOCKING, LIGHT_BULB, PLUMBING, ELECTRICAL, ERRAND, ELDERLY_CARE or OTHER."
    )
    channel: str = strawberry.field(description="WECHAT_GROUP, VISIT, PHONE or IN_PERSON.")
    state: ServiceRequestState
    requested_at: datetime | None
    deadline: datetime | None
    closed_at: datetime | None
    rating: int | None = strawberry.field(description="The resident's rating, 1–5, once rated.")
    geometry: GeoJSON = t.geometry_field("service_requests", "The compound's point, as GeoJSON.")
    description: str | None = strawberry.field(
        resolver=_description, description="What was asked; staff and the team (free text)."
    )
    resident_name: str | None = strawberry.field(
        resolver=_resident_name,
        description="Who asked: the team and admins in full, other staff masked, never the public.",
    )
    resident_phone: str | None = strawberry.field(resolver=_resident_phone, description="The team and admins only.")
    volunteers: list[Volunteer] = strawberry.field(
        resolver=_volunteers, metadata=sized(lambda d: fanout.mean_length(d, "service_requests", "volunteer_ids"))
    )
    team: VolunteerTeam | None = strawberry.field(resolver=_team)
    compound: t.Compound | None = strawberry.field(resolver=_compound)
    steps: list[CaseStep] = strawberry.field(
        resolver=_steps,
        description="The workflow so far; staff and the team.",
        metadata=sized(fanout.steps_per_request),
    )
    overdue: bool = strawberry.field(resolver=_overdue, description="Still to be done past its deadline, now.")
    allowed_actions: list[ServiceRequestAction] = strawberry.field(
        resolver=lambda root: [ServiceRequestAction[a] for a in rules.WORKFLOW.allowed_actions(root.state)],
        metadata=sized(len(rules.ACTIONS)),
    )
    logged_by: str | None = strawberry.field(resolver=_logged_by, description="Who logged it; staff.")


def month_range(month: str | None) -> DateRange:
    """The dates of a month given as ``YYYY-MM`` (an open range when None).

    >>> month_range("2023-11")
    DateRange(start=datetime.date(2023, 11, 1), end=datetime.date(2023, 11, 30))
    """
    if month is None:
        return DateRange()
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise InputError(f"month is {month!r}; give YYYY-MM", field="month") from None
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return DateRange.checked(first, date.fromordinal(following.toordinal() - 1), field="month")


@strawberry.type
class MicroServiceQuery:
    @strawberry.field(
        description="Volunteer teams, of one subdistrict or all.", metadata=sized(lambda d: len(d.volunteer_teams))
    )
    def volunteer_teams(self, info: Ctx, subdistrict: str | None = None) -> list[VolunteerTeam]:
        return shown(services.teams(info.context.hub, subdistrict))

    @strawberry.field(description="Volunteers, of one team or all.", metadata=sized(lambda d: len(d.volunteers)))
    def volunteers(self, info: Ctx, team: str | None = None) -> list[Volunteer]:
        return shown(services.volunteers(info.context.hub, team))

    @strawberry.field(
        description="Micro-service requests by place, compound, community, subdistrict, team, kind, state, and the "
        "month (YYYY-MM) or range of local dates they were made.",
        metadata=sized(lambda d: len(d.service_requests)),
    )
    def service_requests(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        compound: int | None = None,
        community: str | None = None,
        subdistrict: str | None = None,
        team: str | None = None,
        kind: str | None = None,
        state: ServiceRequestState | None = None,
        month: str | None = None,
        requested: DateRangeInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[ServiceRequest]:
        ctx = info.context
        if month is not None and requested is not None:
            raise InputError("give month or requested, not both", field="month")
        during = month_range(month) if month is not None else date_range(requested, "requested")
        chosen = spatial(where, ctx)
        f = services.RequestFilter(compound, community, subdistrict, team, kind, state.value if state else None, during)
        positions = services.requests(ctx.hub, chosen, f)
        return connection(ctx.data.service_requests, positions, first, after, ctx, order=chosen)

    @strawberry.field(
        description="Requests still to be done (REQUESTED or TAKEN) made more than `olderThanDays` days ago, the "
        "oldest first.",
        metadata=sized(lambda d: len(d.service_requests)),
    )
    def open_service_requests(
        self, info: Ctx, older_than_days: int = 0, team: str | None = None
    ) -> list[ServiceRequest]:
        ctx = info.context
        return shown(services.open_requests(ctx.hub, older_than_days, ctx.now, team))


@strawberry.input
class LogServiceRequestInput:
    client_id: str = strawberry.field(description="A UUID made by the phone; a retry with the same one is safe.")
    compound_id: int
    kind: str = strawberry.field(description="PHONE_BILL, TOILET_UNBLOCKING, LIGHT_BULB, …")
    requested_at: datetime = strawberry.field(description="When the resident asked (no offset = Asia/Shanghai).")
    team_code: str | None = strawberry.field(default=None, description="Admins name it; a volunteer's token does.")
    channel: str = "WECHAT_GROUP"
    description: str = ""
    resident_name: str = ""
    resident_phone: str = ""


@strawberry.input
class AdvanceServiceRequestInput:
    client_id: str
    request_id: strawberry.ID = strawberry.field(description="The request's global ID or number.")
    action: ServiceRequestAction
    note: str = ""
    rating: int | None = strawberry.field(default=None, description="RATE: the resident's rating, 1–5.")
    volunteer_ids: list[str] = strawberry.field(default_factory=list, description="Volunteers who did it.")


@strawberry.type
class ServiceRequestPayload:
    request: ServiceRequest | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


def _payload(ctx: Context, done: Written) -> ServiceRequestPayload:
    found = ctx.data.service_requests.get(done.result["request"]) if done.result else None
    return ServiceRequestPayload(request=shown(found), replayed=done.replayed, user_errors=done.errors)


@strawberry.type
class MicroServiceMutation:
    @strawberry.mutation(description="Log a resident's micro-service request (volunteers of the team, or admins).")
    async def log_service_request(self, info: Ctx, input: LogServiceRequestInput) -> ServiceRequestPayload:
        ctx = info.context

        def command() -> services.LogServiceRequest:
            return services.LogServiceRequest(
                client_id=input.client_id,
                compound_id=input.compound_id,
                kind=input.kind,
                requested_at=input.requested_at,
                team_code=input.team_code,
                channel=input.channel,
                description=input.description,
                resident_name=input.resident_name,
                resident_phone=input.resident_phone,
            )

        return _payload(ctx, await perform(ctx, command, services.log_service_request, now=ctx.now))

    @strawberry.mutation(description="Move a request one step: take it, finish it, rate it, or cancel it.")
    async def advance_service_request(self, info: Ctx, input: AdvanceServiceRequestInput) -> ServiceRequestPayload:
        ctx = info.context

        def command() -> services.AdvanceServiceRequest:
            return services.AdvanceServiceRequest(
                client_id=input.client_id,
                request_id=record_key(input.request_id, "ServiceRequest", field="requestId"),
                action=input.action.value,
                note=input.note,
                rating=input.rating,
                volunteer_ids=tuple(
                    record_key(x, "Volunteer", field=f"volunteerIds[{i}]") for i, x in enumerate(input.volunteer_ids)
                ),
            )

        return _payload(ctx, await perform(ctx, command, services.advance_service_request, now=ctx.now))
