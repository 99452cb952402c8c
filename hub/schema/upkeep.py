"""Mutations that keep the governance records current, for admins: a compound's management, a joint meeting
with its problems, a recovered public room, a company's yearly score. Each takes a client-generated UUID
(a retry is safe), answers bad input with ``userErrors``, and is in the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

import strawberry
from strawberry.types import Info

from hub.domain import governance
from hub.domain import upkeep as rules
from hub.errors import InputError
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import CommitteeKind, Crs, ManagementMode
from hub.schema.frontage import record_key
from hub.schema.governance import CompanyGrade, ManagementPeriod, PublicRoom
from hub.schema.views import shown
from hub.schema.writes import UserError, perform, user_errors_field
from hub.services import upkeep as services

Ctx = Info[Context, None]


def _compound_id(value: strawberry.ID, field: str = "compoundId") -> int:
    key = record_key(value, "Compound", field=field)
    if not str(key).isdigit():
        raise InputError(f"{value!r} is not a compound ID or number", field=field)
    return int(key)


@strawberry.input(description="A committee set up at a compound (业委会 or 物管会).")
class CommitteeInput:
    kind: CommitteeKind
    established_on: date
    members: int
    chair_name: str


@strawberry.input(description="A position (WGS84 unless `crs` says otherwise).")
class PositionInput:
    lon: float
    lat: float
    crs: Crs | None = None


@strawberry.input
class ChangeManagementInput:
    client_id: str = strawberry.field(description="A UUID made once per request; a retry with the same one is safe.")
    compound_id: strawberry.ID = strawberry.field(description="The compound's global ID or number.")
    since: date = strawberry.field(description="The first day of the new management (local date).")
    mode: ManagementMode
    property_company_id: str | None = strawberry.field(
        default=None, description="The company's code (PC001); for PROPERTY_COMPANY only."
    )
    committee: CommitteeInput | None = strawberry.field(
        default=None, description="A committee set up with the change (in place of the compound's present one)."
    )


@strawberry.input
class ProblemInput:
    category: str = strawberry.field(description="HEATING, PARKING, SANITATION, EV_CHARGING, GREENERY, FEES, …")
    description: str
    solved: bool = False
    solved_on: date | None = None
    position: PositionInput | None = strawberry.field(
        default=None, description="Where in the compound; default: a point inside it."
    )


@strawberry.input
class RecordMeetingInput:
    client_id: str
    compound_id: strawberry.ID
    held_on: date
    kind: str = strawberry.field(
        description="JOINT_MEETING (联席会议), DELIBERATION (议事会), HEART_TO_HEART (恳谈会)."
    )
    parties: list[str] = strawberry.field(
        description="COMMUNITY_PARTY, RESIDENTS_COMMITTEE, OWNERS_COMMITTEE, PROPERTY_COMPANY."
    )
    problems: list[ProblemInput] = strawberry.field(default_factory=list)


@strawberry.input
class RecordPublicRoomInput:
    client_id: str
    compound_id: strawberry.ID
    floor_area_m2: float
    use: str = strawberry.field(description="PROPERTY_OFFICE, ACTIVITY_ROOM, PARTY_SERVICE_STATION or STORAGE.")
    recovered_on: date
    position: PositionInput | None = strawberry.field(default=None, description="Default: a point inside the compound.")


@strawberry.input
class SetCreditScoreInput:
    client_id: str
    company_id: strawberry.ID = strawberry.field(description="The company's global ID or code (PC001).")
    year: int
    score: float


def _history(root: ChangeManagementPayload, info: Ctx) -> list[ManagementPeriod]:
    compound: Any = root.compound  # the record itself (``shown``)
    if compound is None:
        return []
    return shown(governance.management_history(info.context.data, compounds=[compound.id]))


@strawberry.type
class ChangeManagementPayload:
    compound: t.Compound | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()
    history: list[ManagementPeriod] = strawberry.field(
        resolver=_history, description="The compound's management periods, oldest first.", metadata=sized(8)
    )


@strawberry.type
class MeetingPayload:
    meeting: t.Meeting | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class PublicRoomPayload:
    public_room: PublicRoom | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class CreditScorePayload:
    grade: CompanyGrade | None = strawberry.field(description="The year's score, and the grade and listing it earns.")
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


def _position(p: PositionInput | None) -> services.Position | None:
    return None if p is None else services.Position(p.lon, p.lat, p.crs.value if p.crs else "WGS84")


@strawberry.type
class UpkeepMutation:
    @strawberry.mutation(
        description="Record a compound's management from a date on (admins): taken into management "
        "(unmanaged → managed, with a committee or a company), or a new company or committee."
    )
    async def change_management(self, info: Ctx, input: ChangeManagementInput) -> ChangeManagementPayload:
        ctx = info.context

        def command() -> services.ChangeManagement:
            c = input.committee
            return services.ChangeManagement(
                client_id=input.client_id,
                compound_id=_compound_id(input.compound_id),
                since=input.since,
                mode=input.mode.value,
                property_company_id=input.property_company_id,
                committee=None
                if c is None
                else rules.NewCommittee(c.kind.value, c.established_on, c.members, c.chair_name),
            )

        done = await perform(ctx, command, services.change_management, now=ctx.now)
        compound = ctx.data.compounds.get(done.result["compound"]) if done.result else None
        return ChangeManagementPayload(compound=shown(compound), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Record a three-party joint meeting and the problems raised at it (admins).")
    async def record_meeting(self, info: Ctx, input: RecordMeetingInput) -> MeetingPayload:
        ctx = info.context

        def command() -> services.RecordMeeting:
            return services.RecordMeeting(
                client_id=input.client_id,
                compound_id=_compound_id(input.compound_id),
                held_on=input.held_on,
                kind=input.kind,
                parties=tuple(input.parties),
                problems=tuple(
                    services.ProblemRaised(p.category, p.description, p.solved, p.solved_on, _position(p.position))
                    for p in input.problems
                ),
            )

        done = await perform(ctx, command, services.record_meeting, now=ctx.now)
        meeting = ctx.data.meetings.get(done.result["meeting"]) if done.result else None
        return MeetingPayload(meeting=shown(meeting), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Record a recovered public room (公共用房) of a compound (admins).")
    async def record_public_room(self, info: Ctx, input: RecordPublicRoomInput) -> PublicRoomPayload:
        ctx = info.context

        def command() -> services.RecordPublicRoom:
            return services.RecordPublicRoom(
                client_id=input.client_id,
                compound_id=_compound_id(input.compound_id),
                floor_area_m2=input.floor_area_m2,
                use=input.use,
                recovered_on=input.recovered_on,
                position=_position(input.position),
            )

        done = await perform(ctx, command, services.record_public_room, now=ctx.now)
        room = ctx.data.public_rooms.get(done.result["publicRoom"]) if done.result else None
        return PublicRoomPayload(public_room=shown(room), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(
        description="Record a property company's credit score of a year (admins); its grade and red or black "
        "listing follow from the year's scheme."
    )
    async def set_credit_score(self, info: Ctx, input: SetCreditScoreInput) -> CreditScorePayload:
        ctx = info.context

        def command() -> services.SetCreditScore:
            return services.SetCreditScore(
                client_id=input.client_id,
                company_id=record_key(input.company_id, "PropertyCompany", field="companyId"),
                year=input.year,
                score=input.score,
            )

        done = await perform(ctx, command, services.set_credit_score, now=ctx.now)
        grade = rules.grade_of(ctx.data, done.result["company"], done.result["year"]) if done.result else None
        return CreditScorePayload(grade=shown(grade), replayed=done.replayed, user_errors=done.errors)
