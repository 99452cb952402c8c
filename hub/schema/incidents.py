"""Incidents: the case workflow over GraphQL — types, queries, mutations, and live events.

Cases are registered by ``reportIncident`` (the hub finds the sector and the squad on shift, and
sets the deadline), moved by ``advanceIncident``, and pushed to subscribers of ``incidentEvents``.
What a case says (description, photos, who reported it, its steps) is for staff; the public sees
where, what kind, its state and its times.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import anyio
import strawberry
from strawberry.types import Info

from hub.domain import access, fanout
from hub.domain import incidents as rules
from hub.domain.model import records as rec
from hub.domain.roster import local_time
from hub.errors import AccessDenied
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.distance import distance_field
from hub.schema.enums import Crs, IncidentAction, IncidentState
from hub.schema.frontage import record_key
from hub.schema.inputs import SpatialFilter, connection, spatial
from hub.schema.scalars import GeoJSON
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, Written, perform, user_errors_field
from hub.services import incidents as services
from hub.services import reads, tokens

Ctx = Info[Context, None]


def _step_note(root: rec.IncidentStep, info: Ctx) -> str | None:
    return access.free_text(info.context.viewer, root.note, access.STEP_NOTE, root.incident_id)


def _step_actor(root: rec.IncidentStep, info: Ctx) -> str | None:
    return root.actor if info.context.viewer.sees_staff_names() else None


@strawberry.type(description="A kind of case and the time the squad has to handle it.")
class IncidentCategory:
    code: str
    name: str
    cls: str
    deadline_hours: float
    working_hours: bool = strawberry.field(description="True: the deadline counts working hours only.")


@strawberry.type(description="One move of a case through the workflow.")
class IncidentStep(RecordView):
    __record__ = rec.IncidentStep
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    note: str | None = strawberry.field(
        resolver=_step_note, description="What the person who took the step wrote; staff only (free text)."
    )
    actor: str | None = strawberry.field(
        resolver=_step_actor, description="Who took the step (token role and id); staff only."
    )


def _description(root: rec.Incident, info: Ctx) -> str | None:
    return access.free_text(info.context.viewer, root.description, access.INCIDENT_DESCRIPTION, root.id)


def _photos(root: rec.Incident, info: Ctx) -> list[str] | None:
    return list(root.photos) if info.context.viewer.sees_staff_names() else None


def _reported_by(root: rec.Incident, info: Ctx) -> str | None:
    return root.reported_by if info.context.viewer.sees_staff_names() else None


def _steps(root: rec.Incident, info: Ctx) -> list[IncidentStep]:
    ctx = info.context
    return shown(ctx.data.incident_steps.get(root.id, []) if ctx.viewer.sees_staff_names() else [])


def _overdue(root: rec.Incident, info: Ctx) -> bool:
    return (
        root.state in rules.OPEN
        and root.deadline is not None
        and local_time(root.deadline) < local_time(info.context.now)
    )


def _allowed_actions(root: rec.Incident) -> list[IncidentAction]:
    return [IncidentAction[a] for a in rules.allowed_actions(root.state)]


@strawberry.type(description="A case of digital city management: seen at a point, dispatched to a squad.")
class Incident(RecordView, t.Node):
    __record__ = rec.Incident
    id: strawberry.ID = t.global_id("Incident")
    case_number: int = strawberry.field(resolver=lambda root: root.id)
    category: str
    state: IncidentState
    seen_at: datetime | None
    reported_at: datetime | None
    deadline: datetime | None
    closed_at: datetime | None
    sector_code: str | None
    squad_code: str | None
    geometry: GeoJSON = t.geometry_field("incidents")
    distance_m: float | None = distance_field()
    description: str | None = strawberry.field(
        resolver=_description, description="What was seen; staff only (free text may name people)."
    )
    photos: list[str] | None = strawberry.field(
        resolver=_photos,
        description="Photo URLs; staff only.",
        metadata=sized(lambda d: fanout.mean_length(d, "incidents", "photos")),
    )
    reported_by: str | None = strawberry.field(
        resolver=_reported_by, description="Who reported it (token role and id); staff only."
    )
    squad: t.Squad | None = strawberry.field(resolver=t.squad_of)
    steps: list[IncidentStep] = strawberry.field(
        resolver=_steps,
        description="The workflow so far, oldest first; staff only (empty for others).",
        metadata=sized(fanout.steps_per_incident),
    )
    overdue: bool = strawberry.field(resolver=_overdue, description="Open and past its deadline, now.")
    allowed_actions: list[IncidentAction] = strawberry.field(
        resolver=_allowed_actions,
        description="The actions the workflow allows from the current state.",
        metadata=sized(len(rules.ACTIONS)),
    )


@strawberry.type(description="A case reported or moved, as it happened.")
class IncidentEvent:
    kind: str = strawberry.field(description="REPORTED, or the action taken (ACCEPT, CLOSE, …).")
    incident: Incident
    step: IncidentStep | None


@strawberry.type
class IncidentQuery:
    @strawberry.field(
        description="Cases by area, category, state, sector and time reported (since inclusive).",
        metadata=sized(lambda d: len(d.incidents)),
    )
    def incidents(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        category: str | None = None,
        state: IncidentState | None = None,
        sector: str | None = None,
        squad: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[Incident]:
        ctx = info.context
        found = spatial(where, ctx)
        positions = reads.incidents(
            ctx.hub,
            found,
            category=category,
            state=state.value if state else None,
            sector=sector,
            squad=squad,
            since=since,
            until=until,
        )
        return connection(ctx.data.incidents, positions, first, after, ctx, order=found)

    @strawberry.field(
        description="A squad's open cases, the earliest deadline first.", metadata=sized(fanout.open_cases_per_squad)
    )
    def open_cases(self, info: Ctx, squad: str) -> list[Incident]:
        return shown(reads.open_cases(info.context.hub, squad))

    @strawberry.field(
        description="Open cases past their deadline now, optionally of one squad.",
        metadata=sized(lambda d: len(d.incidents)),
    )
    def overdue_cases(self, info: Ctx, squad: str | None = None) -> list[Incident]:
        return shown(reads.overdue_cases(info.context.hub, info.context.now, squad))

    @strawberry.field(description="The categories a case can have, with their deadlines.", metadata=sized(50))
    def incident_categories(self, info: Ctx) -> list[IncidentCategory]:
        return [
            IncidentCategory(
                code=c.code,
                name=c.name,
                cls=c.cls,
                deadline_hours=c.deadline.total_seconds() / 3600,
                working_hours=c.working_hours,
            )
            for c in info.context.categories.values()
        ]


@strawberry.input
class ReportIncidentInput:
    client_id: str = strawberry.field(description="A UUID made by the phone; a retry with the same one is safe.")
    category: str = strawberry.field(description="A category code (see incidentCategories).")
    lon: float
    lat: float
    description: str
    seen_at: datetime = strawberry.field(description="When it was seen (ISO 8601; no offset = Asia/Shanghai).")
    photos: list[str] = strawberry.field(default_factory=list, description="Photo URLs (http or https), at most 10.")
    crs: Crs | None = strawberry.field(default=None, description="The coordinate system of lon/lat (WGS84).")


@strawberry.input
class AdvanceIncidentInput:
    client_id: str
    incident_id: strawberry.ID = strawberry.field(description="The case's global ID or case number.")
    action: IncidentAction
    note: str = ""


@strawberry.type
class IncidentPayload:
    incident: Incident | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


def _incident_payload(ctx: Context, done: Written) -> IncidentPayload:
    incident = ctx.data.incidents.get(done.result["incident"]) if done.result else None
    return IncidentPayload(incident=shown(incident), replayed=done.replayed, user_errors=done.errors)


@strawberry.type
class IncidentMutation:
    @strawberry.mutation(description="Report a case seen at a point; it is dispatched to the squad on shift there.")
    async def report_incident(self, info: Ctx, input: ReportIncidentInput) -> IncidentPayload:
        ctx = info.context

        def command() -> services.ReportIncident:
            return services.ReportIncident(
                client_id=input.client_id,
                category=input.category,
                lon=input.lon,
                lat=input.lat,
                description=input.description,
                seen_at=input.seen_at,
                photos=tuple(input.photos),
                crs=input.crs.value if input.crs else "WGS84",
            )

        return _incident_payload(ctx, await perform(ctx, command, services.report_incident, now=ctx.now))

    @strawberry.mutation(description="Move a case one step along the workflow.")
    async def advance_incident(self, info: Ctx, input: AdvanceIncidentInput) -> IncidentPayload:
        ctx = info.context

        def command() -> services.AdvanceIncident:
            return services.AdvanceIncident(
                client_id=input.client_id,
                incident_id=record_key(input.incident_id, "Incident", field="incidentId"),
                action=input.action.value,
                note=input.note,
            )

        return _incident_payload(ctx, await perform(ctx, command, services.advance_incident, now=ctx.now))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="New and changed cases in a sector as they happen (officers: their own "
        "squad's sector; admins: any, or all when sector is omitted)."
    )
    async def incident_events(self, info: Ctx, sector: str | None = None) -> AsyncGenerator[IncidentEvent, None]:
        ctx = info.context
        viewer = ctx.viewer
        followed = services.followed_sector(ctx.hub, viewer, sector)
        subscription = ctx.events.subscribe(
            lambda e: e.topic == "incident" and (followed is None or e.place_code == followed)
        )
        async for event in subscription:
            if viewer.token_id is not None and not await token_live(ctx, viewer.token_id):
                raise AccessDenied("the token of this connection has been revoked; connect again with a live token")
            step = shown(event.step) if event.step is not None else None
            yield IncidentEvent(kind=event.kind, incident=shown(event.record), step=step)


async def token_live(ctx: Context, token_id: str) -> bool:
    """Whether a subscriber's token is still unrevoked (the store's answer is forgotten when the tokens change)."""
    known, live = tokens.cached_token_live(ctx.hub, token_id)
    if known:
        return bool(live)
    return await anyio.to_thread.run_sync(tokens.token_live, ctx.hub, token_id)
