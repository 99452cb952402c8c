"""Safety-hazard campaigns over GraphQL: campaigns, premises, inspections, hazards and their workflow, the weekly
bulletin, live hazard events per township; the admins' and inspectors' mutations.

The rules live in ``hub.domain.hazards`` and the use-cases in ``hub.services.hazards``. What a hazard says (its
description, its steps' notes, who logged it) is for staff and the township's inspectors; the public sees where,
what kind, how severe, its state and its dates.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.domain import access, fanout
from hub.domain import bulletin as bl
from hub.domain import hazards as rules
from hub.domain.model import records as rec
from hub.errors import AccessDenied, InputError
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import Crs, HazardAction, HazardState
from hub.schema.frontage import record_key
from hub.schema.incidents import token_live
from hub.schema.inputs import DateRangeInput, SpatialFilter, connection, date_range, spatial
from hub.schema.scalars import GeoJSON
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, Written, perform, user_errors_field
from hub.services import hazards as services

Ctx = Info[Context, None]


def _campaign_township(root: rec.SafetyCampaign, info: Ctx) -> t.Township | None:
    return shown(info.context.data.townships.get(root.township_code))


@strawberry.type(description='A township\'s safety-hazard campaign (安全生产隐患排查, e.g. 宋集镇 "六查一打").')
class SafetyCampaign(RecordView, t.Node):
    __record__ = rec.SafetyCampaign
    id: strawberry.ID = t.global_id("SafetyCampaign", "code")
    code: str
    name: str
    township_code: str
    starts_on: date
    ends_on: date | None
    departments: list[str] = strawberry.field(
        description="SAFETY_OFFICE (镇安全办), POLICE_STATION (派出所), MARKET_SUPERVISION (市场监管所), FIRE, "
        "EMERGENCY, HOUSING.",
        metadata=sized(len(rules.DEPARTMENTS)),
    )
    township: t.Township | None = strawberry.field(resolver=_campaign_township)


def _premises_township(root: rec.Premises, info: Ctx) -> t.Township | None:
    return shown(info.context.data.townships.get(root.township_code))


def _premises_village(root: rec.Premises, info: Ctx) -> t.Village | None:
    return shown(info.context.data.villages.get(root.village_code) if root.village_code else None)


@strawberry.type(description="Premises the campaigns inspect: a point with a category.")
class Premises(RecordView, t.Node):
    __record__ = rec.Premises
    id: strawberry.ID = t.global_id("Premises")
    premises_id: int = strawberry.field(resolver=lambda root: root.id)
    name: str
    category: str = strawberry.field(
        description="WAREHOUSE, CONSTRUCTION_SITE, GAS, FACTORY, SCHOOL, SUPERMARKET, RESTAURANT, CLOTHING_SHOP, "
        "BATH_CENTRE or OTHER."
    )
    category_name: str = strawberry.field(resolver=lambda root: rules.CATEGORY_NAMES.get(root.category, root.category))
    township_code: str
    village_code: str | None
    geometry: GeoJSON = t.geometry_field("premises")
    township: t.Township | None = strawberry.field(resolver=_premises_township)
    village: t.Village | None = strawberry.field(resolver=_premises_village)


def _sees_text(info: Ctx, township_code: str | None) -> bool:
    return access.sees_hazard_text(info.context.viewer, township_code)


def _step_note(root: rec.CaseStep, info: Ctx) -> str | None:
    data = info.context.data
    case = data.hazards.get(root.case_id) if root.kind == rules.KIND else data.service_requests.get(root.case_id)
    if root.kind == rules.KIND:
        allowed = _sees_text(info, getattr(case, "township_code", None))
    else:
        allowed = access.sees_request(info.context.viewer, getattr(case, "team_code", None))
    return access.case_text(info.context.viewer, root.note, access.CASE_STEP_NOTE, root.id, allowed)


def _step_actor(root: rec.CaseStep, info: Ctx) -> str | None:
    return root.actor if info.context.viewer.sees_staff_names() else None


@strawberry.type(description="One move of a hazard or a micro-service request through its workflow.")
class CaseStep(RecordView):
    __record__ = rec.CaseStep
    at: datetime
    action: str
    from_state: str | None
    to_state: str
    note: str | None = strawberry.field(
        resolver=_step_note, description="What the person who took the step wrote; staff and the unit (free text)."
    )
    actor: str | None = strawberry.field(resolver=_step_actor, description="Who took it (role and token); staff.")


def _description(root: rec.Hazard, info: Ctx) -> str | None:
    allowed = _sees_text(info, root.township_code)
    return access.case_text(info.context.viewer, root.description, access.HAZARD_DESCRIPTION, root.id, allowed)


def _reported_by(root: rec.Hazard, info: Ctx) -> str | None:
    return root.reported_by if _sees_text(info, root.township_code) else None


def _hazard_steps(root: rec.Hazard, info: Ctx) -> list[CaseStep]:
    return shown(rules.steps_of(info.context.data, root.id) if _sees_text(info, root.township_code) else [])


def _overdue(root: rec.Hazard, info: Ctx) -> bool:
    return rules.WORKFLOW.is_overdue(root, info.context.now)


def _allowed(root: rec.Hazard) -> list[HazardAction]:
    return [HazardAction[a] for a in rules.WORKFLOW.allowed_actions(root.state)]


def _premises_of(root: rec.Hazard | rec.Inspection, info: Ctx) -> Premises | None:
    return shown(info.context.data.premises.get(root.premises_id))


def _campaign_of(root: rec.Hazard | rec.Inspection, info: Ctx) -> SafetyCampaign | None:
    return shown(info.context.data.safety_campaigns.get(root.campaign_code))


@strawberry.type(description="A safety hazard found by an inspection: its severity, deadline and workflow state.")
class Hazard(RecordView, t.Node):
    __record__ = rec.Hazard
    id: strawberry.ID = t.global_id("Hazard")
    hazard_id: int = strawberry.field(resolver=lambda root: root.id)
    campaign_code: str
    premises_id: int
    inspection_id: int
    township_code: str
    village_code: str | None
    category: str = strawberry.field(description="The premises' category.")
    kind: str = strawberry.field(
        description="PRODUCTION_SITE, EQUIPMENT, FIRE_FACILITIES, ELECTRICAL, GAS, EVACUATION, STORAGE or OTHER."
    )
    severity: str = strawberry.field(description="GENERAL (一般隐患) or MAJOR (重大隐患).")
    state: HazardState
    found_at: datetime | None
    due_on: date | None = strawberry.field(description="Rectified by the end of this local day.")
    closed_at: datetime | None
    geometry: GeoJSON = t.geometry_field("hazards")
    description: str | None = strawberry.field(
        resolver=_description, description="What was found; staff and the township's inspectors (free text)."
    )
    reported_by: str | None = strawberry.field(resolver=_reported_by, description="Who logged it; staff.")
    premises: Premises | None = strawberry.field(resolver=_premises_of)
    campaign: SafetyCampaign | None = strawberry.field(resolver=_campaign_of)
    steps: list[CaseStep] = strawberry.field(
        resolver=_hazard_steps,
        description="The workflow so far, oldest first; staff and the township's inspectors (empty for others).",
        metadata=sized(fanout.steps_per_hazard),
    )
    overdue: bool = strawberry.field(resolver=_overdue, description="Still to be rectified after its deadline, now.")
    allowed_actions: list[HazardAction] = strawberry.field(
        resolver=_allowed, metadata=sized(len(rules.ACTIONS)), description="The moves allowed from its state."
    )


def _inspection_hazards(root: rec.Inspection, info: Ctx) -> list[Hazard]:
    return shown(x for x in info.context.data.hazards if x.inspection_id == root.id)


@strawberry.type(description="One inspection of premises in a campaign.")
class Inspection(RecordView, t.Node):
    __record__ = rec.Inspection
    id: strawberry.ID = t.global_id("Inspection")
    inspection_id: int = strawberry.field(resolver=lambda root: root.id)
    campaign_code: str
    premises_id: int
    township_code: str
    category: str
    inspected_on: date | None
    departments: list[str] = strawberry.field(metadata=sized(len(rules.DEPARTMENTS)))
    hazards_found: int
    premises: Premises | None = strawberry.field(resolver=_premises_of)
    campaign: SafetyCampaign | None = strawberry.field(resolver=_campaign_of)
    hazards: list[Hazard] = strawberry.field(
        resolver=_inspection_hazards, metadata=sized(fanout.hazards_per_inspection)
    )


@strawberry.type(description="A hazard found or moved, as it happened.")
class HazardEvent:
    kind: str = strawberry.field(description="REPORT (found), or the action taken (ASSIGN, VERIFY, …).")
    hazard: Hazard
    step: CaseStep | None


@strawberry.type(description="One row of a weekly bulletin: a premises category (or the total) and its figures.")
class BulletinLine(RecordView):
    __record__ = bl.Line
    category: str | None = strawberry.field(description="Null on the total line.")
    name: str
    premises: int = strawberry.field(resolver=lambda root: root.values["premises"])
    inspected: int = strawberry.field(resolver=lambda root: root.values["inspected"])
    inspected_this_week: int = strawberry.field(resolver=lambda root: root.values["inspected_this_week"])
    inspections_this_week: int = strawberry.field(resolver=lambda root: root.values["inspections_this_week"])
    found_this_week: int = strawberry.field(resolver=lambda root: root.values["found_this_week"])
    major_this_week: int = strawberry.field(resolver=lambda root: root.values["major_this_week"])
    found: int = strawberry.field(resolver=lambda root: root.values["found"], description="By the bulletin's moment.")
    rectified: int = strawberry.field(resolver=lambda root: root.values["rectified"])
    rectified_this_week: int = strawberry.field(resolver=lambda root: root.values["rectified_this_week"])
    verified: int = strawberry.field(resolver=lambda root: root.values["verified"], description="销号.")
    verified_this_week: int = strawberry.field(resolver=lambda root: root.values["verified_this_week"])
    open: int = strawberry.field(resolver=lambda root: root.values["open"])
    open_major: int = strawberry.field(resolver=lambda root: root.values["open_major"])
    overdue: int = strawberry.field(resolver=lambda root: root.values["overdue"])


@strawberry.type(description="A campaign's weekly bulletin (周通报), Monday to Sunday, as of the week's end or now.")
class Bulletin(RecordView):
    __record__ = bl.Bulletin
    campaign: SafetyCampaign
    township: t.Township | None
    number: int = strawberry.field(description="Which week of the campaign (第N期).")
    week_start: date
    week_end: date
    as_of: datetime
    lines: list[BulletinLine] = strawberry.field(metadata=sized(len(rules.CATEGORIES)))
    total: BulletinLine
    rectification_rate: float | None = strawberry.field(description="Verified / found (not cancelled).")
    overdue: list[Hazard] = strawberry.field(
        description="The overdue hazards, the most overdue first (at most 100).", metadata=sized(bl.MAX_LISTED)
    )


@strawberry.type
class HazardQuery:
    @strawberry.field(
        description="Safety campaigns, of one township or all, the earliest first.",
        metadata=sized(lambda d: len(d.safety_campaigns)),
    )
    def safety_campaigns(self, info: Ctx, township: str | None = None) -> list[SafetyCampaign]:
        return shown(services.campaigns(info.context.hub, township))

    @strawberry.field(
        description="Premises of the campaign's township that no inspection of the campaign has visited yet.",
        metadata=sized(lambda d: len(d.premises)),
    )
    def uninspected_premises(self, info: Ctx, campaign: str, category: str | None = None) -> list[Premises]:
        return shown(services.uninspected(info.context.hub, campaign, category))

    @strawberry.field(
        description="Safety hazards by place, campaign, township, premises category, severity, state, open (not "
        "verified or cancelled), overdue (now) and the local date found.",
        metadata=sized(lambda d: len(d.hazards)),
    )
    def hazards(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        campaign: str | None = None,
        township: str | None = None,
        category: str | None = None,
        severity: str | None = None,
        state: HazardState | None = None,
        open: bool | None = None,
        overdue: bool | None = None,
        found: DateRangeInput | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[Hazard]:
        ctx = info.context
        chosen = spatial(where, ctx)
        f = rules.HazardFilter(campaign, township, category, severity, state.value if state else None, open, overdue)
        q = services.HazardQuery(f, date_range(found, "found"))
        positions = services.hazards(ctx.hub, chosen, q, ctx.now)
        return connection(ctx.data.hazards, positions, first, after, ctx, order=chosen)

    @strawberry.field(
        description="The weekly bulletin (周通报) of a campaign for the week holding `week` (this week when omitted). "
        "Also as a document: /export/bulletins/{campaign}.md, .html or .csv?week=YYYY-MM-DD.",
        metadata=sized(1, blocking=True),
    )
    def hazard_bulletin(self, info: Ctx, campaign: str, week: date | None = None) -> Bulletin:
        ctx = info.context
        return shown(services.bulletin(ctx.hub, ctx.viewer, campaign, week, ctx.now))


@strawberry.input
class DeclareSafetyCampaignInput:
    client_id: str
    code: str = strawberry.field(description="The campaign's code (A–Z, 0–9, - and _).")
    township: str = strawberry.field(description="The township's 9-digit code.")
    name: str
    starts_on: date
    ends_on: date | None = None
    departments: list[str] = strawberry.field(description="SAFETY_OFFICE, POLICE_STATION, MARKET_SUPERVISION, …")


@strawberry.input(description="New premises met on the round: registered with the inspection.")
class NewPremisesInput:
    name: str
    category: str = strawberry.field(description="A premises category (WAREHOUSE, SCHOOL, RESTAURANT, …).")
    lon: float
    lat: float
    crs: Crs | None = None


@strawberry.input(description="A hazard found: kind, severity, what it is and the day it must be rectified by.")
class HazardInput:
    kind: str
    severity: str = strawberry.field(description="GENERAL (一般隐患) or MAJOR (重大隐患).")
    description: str
    due_on: date = strawberry.field(description="The rectification deadline: not before the day it was found.")


@strawberry.input
class LogInspectionInput:
    client_id: str = strawberry.field(description="A UUID made by the phone; a retry with the same one is safe.")
    campaign_code: str
    inspected_at: datetime = strawberry.field(description="When (ISO 8601; no offset = Asia/Shanghai).")
    premises_id: strawberry.ID | None = strawberry.field(default=None, description="Known premises (ID or number).")
    premises: NewPremisesInput | None = strawberry.field(default=None, description="Or new premises.")
    departments: list[str] = strawberry.field(default_factory=list, description="Those taking part (the campaign's).")
    hazards: list[HazardInput] = strawberry.field(default_factory=list)


@strawberry.input
class AdvanceHazardInput:
    client_id: str
    hazard_id: strawberry.ID = strawberry.field(description="The hazard's global ID or number.")
    action: HazardAction
    note: str = ""


@strawberry.type
class SafetyCampaignPayload:
    campaign: SafetyCampaign | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class InspectionPayload:
    inspection: Inspection | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class HazardPayload:
    hazard: Hazard | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


def _inspection_command(input: LogInspectionInput) -> services.LogInspection:
    p = input.premises
    premises_id = None
    if input.premises_id is not None:
        key = record_key(input.premises_id, "Premises", field="premisesId")
        if not key.isdigit():
            raise InputError(f"{input.premises_id!r} is not a premises number or ID", field="premisesId")
        premises_id = int(key)
    return services.LogInspection(
        client_id=input.client_id,
        campaign_code=input.campaign_code,
        inspected_at=input.inspected_at,
        premises_id=premises_id,
        premises_name=p.name if p else None,
        premises_category=p.category if p else None,
        lon=p.lon if p else None,
        lat=p.lat if p else None,
        crs=p.crs.value if p and p.crs else "WGS84",
        departments=tuple(input.departments),
        hazards=tuple(rules.HazardInput(h.kind, h.severity, h.description, h.due_on) for h in input.hazards),
    )


@strawberry.type
class HazardMutation:
    @strawberry.mutation(description="Declare a township's safety campaign, or change one (admins).")
    async def declare_safety_campaign(self, info: Ctx, input: DeclareSafetyCampaignInput) -> SafetyCampaignPayload:
        ctx = info.context

        def command() -> services.DeclareSafetyCampaign:
            return services.DeclareSafetyCampaign(
                client_id=input.client_id,
                code=input.code,
                township_code=input.township,
                name=input.name,
                starts_on=input.starts_on,
                ends_on=input.ends_on,
                departments=tuple(input.departments),
            )

        done = await perform(ctx, command, services.declare_safety_campaign)
        campaign = ctx.data.safety_campaigns.get(done.result["campaign"]) if done.result else None
        return SafetyCampaignPayload(campaign=shown(campaign), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(
        description="Log an inspection in a campaign (inspectors of its township, or admins) with the hazards found; "
        "new premises are registered at their point, which must lie in the campaign's township."
    )
    async def log_inspection(self, info: Ctx, input: LogInspectionInput) -> InspectionPayload:
        ctx = info.context
        done = await perform(ctx, lambda: _inspection_command(input), services.log_inspection, now=ctx.now)
        found = ctx.data.inspections.get(done.result["inspection"]) if done.result else None
        return InspectionPayload(inspection=shown(found), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Move a hazard one step along the workflow (assign, rectify, verify, …).")
    async def advance_hazard(self, info: Ctx, input: AdvanceHazardInput) -> HazardPayload:
        ctx = info.context

        def command() -> services.AdvanceHazard:
            return services.AdvanceHazard(
                client_id=input.client_id,
                hazard_id=record_key(input.hazard_id, "Hazard", field="hazardId"),
                action=input.action.value,
                note=input.note,
            )

        written: Written = await perform(ctx, command, services.advance_hazard, now=ctx.now)
        hazard = ctx.data.hazards.get(written.result["hazard"]) if written.result else None
        return HazardPayload(hazard=shown(hazard), replayed=written.replayed, user_errors=written.errors)


@strawberry.type
class HazardSubscription:
    @strawberry.subscription(
        description="New and moved hazards in a township as they happen (inspectors: their own township; admins "
        "and analysts: any, or all when township is omitted)."
    )
    async def hazard_events(self, info: Ctx, township: str | None = None) -> AsyncGenerator[HazardEvent, None]:
        ctx = info.context
        viewer = ctx.viewer
        followed = services.followed_township(ctx.hub, viewer, township)
        subscription = ctx.events.subscribe(
            lambda e: e.topic == "hazard" and (followed is None or e.place_code == followed)
        )
        async for event in subscription:
            if viewer.token_id is not None and not await token_live(ctx, viewer.token_id):
                raise AccessDenied("the token of this connection has been revoked; connect again")
            step = shown(event.step) if event.step is not None else None
            yield HazardEvent(kind=event.kind, hazard=shown(event.record), step=step)
