"""The townships' 24-hour duty (值班值守) over GraphQL: who is on duty for a township at a moment, the day's
turns, and any hour a township is left without anyone. The rules are ``hub.domain.township_duty`` (on the
roster machinery of ``hub.domain.roster``); duty officers' names and phones are personal data."""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.domain import access
from hub.domain import township_duty as rules
from hub.domain.model import records as rec
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import ExceptionKind
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, perform, user_errors_field
from hub.services import reads
from hub.services import rosters as services

Ctx = Info[Context, None]


def _name(root: rec.DutyOfficer, info: Ctx) -> str:
    return access.duty_officer_name(info.context.viewer, root)


def _phone(root: rec.DutyOfficer, info: Ctx) -> str | None:
    return access.duty_officer_phone(info.context.viewer, root)


@strawberry.type(description="A township's duty officer (值班人员).")
class DutyOfficer(RecordView):
    __record__ = rec.DutyOfficer
    code: str = strawberry.field(resolver=lambda root: root.id, description="The duty officer's code, not personal.")
    township_code: str
    role: str = strawberry.field(description="LEADER (带班领导) or STAFF (值班员).")
    name: str = strawberry.field(resolver=_name, description="Masked (张*) for the public.")
    phone: str | None = strawberry.field(
        resolver=_phone, description="The personal phone: admins only (call the township's duty line instead)."
    )


def _duty_line(root: rec.Township, info: Ctx) -> str | None:
    line = info.context.data.duty_lines.get(root.code)
    return None if line is None else line.hotline


def _hotline(root: rules.TownshipDuty, info: Ctx) -> str | None:
    return _duty_line(root.unit, info)


@strawberry.type(description="A township's duty officers on shift at a moment.")
class TownshipDuty(RecordView):
    __record__ = rules.TownshipDuty
    township_code: str = strawberry.field(
        resolver=lambda root: root.place, description="The township they are on duty for."
    )
    home: t.Township = strawberry.field(
        resolver=lambda root: root.unit, description="The township they belong to (another one when covering)."
    )
    hotline: str | None = strawberry.field(resolver=_hotline, description="The duty line of their township.")
    officers: list[DutyOfficer] = strawberry.field(
        resolver=lambda root: root.members, metadata=sized(2), description="By code."
    )
    shifts: list[t.Shift] = strawberry.field(metadata=sized(1))


@strawberry.type(description="A duty officer's turn on a local date.")
class DutyTurn:
    date: date
    township_code: str
    officer: DutyOfficer
    shift: t.Shift
    start: datetime
    end: datetime


@strawberry.type(description="A stretch of a day in which a township has nobody on duty.")
class DutyGap:
    township_code: str
    start: datetime
    end: datetime
    minutes: int


@strawberry.type
class TownshipDutyQuery:
    @strawberry.field(
        description="Who is on duty for a township at a moment (now if omitted; a time without offset is local).",
        metadata=sized(1),
    )
    def township_on_duty(self, info: Ctx, township: str, at: datetime | None = None) -> list[TownshipDuty]:
        ctx = info.context
        return shown(reads.township_on_duty(ctx.hub, township, at or ctx.now))

    @strawberry.field(
        description="The townships' duty turns of a local date, of one township or all, by start.",
        metadata=sized(lambda d: 2 * max(len(d.townships), 1)),
    )
    def duty_assignments(self, info: Ctx, date: date, township: str | None = None) -> list[DutyTurn]:
        found = reads.duty_assignments(info.context.hub, date, township)
        return [
            DutyTurn(
                date=a.date,
                township_code=a.place,
                officer=shown(a.member),
                shift=shown(a.shift),
                start=a.start,
                end=a.end,
            )
            for a in found
        ]

    @strawberry.field(description="The townships' duty rotation rules.", metadata=sized(lambda d: len(d.duty_rules)))
    def duty_rules(self, info: Ctx) -> list[DutyRule]:
        return shown(info.context.data.duty_rules.values())

    @strawberry.field(
        description="Leave, swaps and cover in the townships' duty on a date (all dates when omitted).",
        metadata=sized(lambda d: len(d.duty_exceptions)),
    )
    def duty_exceptions(self, info: Ctx, date: date | None = None) -> list[DutyException]:
        found = info.context.data.duty_exceptions.values()
        return shown(sorted((x for x in found if date is None or x.on_date == date), key=lambda x: x.id))

    @strawberry.field(
        description="Stretches of a local date (00:00–24:00) in which a township has nobody on duty.",
        metadata=sized(lambda d: len(d.townships)),
    )
    def duty_coverage_gaps(self, info: Ctx, date: date) -> list[DutyGap]:
        return [
            DutyGap(
                township_code=g.place,
                start=g.start,
                end=g.end,
                minutes=int((g.end - g.start).total_seconds() // 60),
            )
            for g in reads.duty_gaps(info.context.hub, date)
        ]


def _note(root: rec.DutyException, info: Ctx) -> str | None:
    return access.free_text(info.context.viewer, root.note, access.DUTY_NOTE, root.id)


@strawberry.type(
    description="A dated change to the townships' duty roster: leave, a swap or cover of another township."
)
class DutyException(RecordView):
    __record__ = rec.DutyException
    id: int
    date: date = strawberry.field(resolver=lambda root: root.on_date)
    staff_id: str
    kind: str
    shift_code: str | None
    township_code: str | None = strawberry.field(description="For COVER: the township covered.")
    swap_with: str | None
    note: str | None = strawberry.field(resolver=_note, description="Why: staff only, as free text may name people.")


@strawberry.type(description="A township's duty rotation: each duty officer moves through the cycle from an offset.")
class DutyRule(RecordView):
    __record__ = rec.DutyRule
    township_code: str
    anchor: date
    cycle: list[str] = strawberry.field(metadata=sized(7))
    teams: list[DutyTeamMember] = strawberry.field(
        resolver=lambda root: [DutyTeamMember(staff_id=s, offset=n) for s, n in root.teams], metadata=sized(14)
    )


@strawberry.type
class DutyTeamMember:
    staff_id: str
    offset: int


@strawberry.input
class DutyTeamMemberInput:
    staff_id: str
    offset: int


@strawberry.input
class SetDutyRuleInput:
    client_id: str
    township_code: str
    anchor: date
    cycle: list[str] = strawberry.field(description="Shift codes, one per day; OFF for a day off.")
    teams: list[DutyTeamMemberInput]


@strawberry.input
class AddDutyExceptionInput:
    client_id: str
    date: date
    staff_id: str
    kind: ExceptionKind
    shift_code: str | None = None
    township_code: str | None = strawberry.field(default=None, description="For COVER: the township covered.")
    swap_with: str | None = None
    note: str = ""


@strawberry.input
class RemoveDutyExceptionInput:
    client_id: str
    id: int


@strawberry.type
class DutyRulePayload:
    rule: DutyRule | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class DutyExceptionPayload:
    exception: DutyException | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class TownshipDutyMutation:
    @strawberry.mutation(
        description="Set a township's duty rotation (admins); refused with the reason if it conflicts."
    )
    async def set_duty_rule(self, info: Ctx, input: SetDutyRuleInput) -> DutyRulePayload:
        ctx = info.context

        def command() -> services.SetDutyRule:
            return services.SetDutyRule(
                client_id=input.client_id,
                township_code=input.township_code,
                anchor=input.anchor,
                cycle=tuple(input.cycle),
                teams=tuple((m.staff_id, m.offset) for m in input.teams),
            )

        done = await perform(ctx, command, services.set_duty_rule)
        rule = ctx.data.duty_rules.get(done.result["township"]) if done.result else None
        return DutyRulePayload(rule=shown(rule), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Add leave, a swap or cover of another township to the duty roster (admins).")
    async def add_duty_exception(self, info: Ctx, input: AddDutyExceptionInput) -> DutyExceptionPayload:
        ctx = info.context

        def command() -> services.AddDutyException:
            return services.AddDutyException(
                client_id=input.client_id,
                on_date=input.date,
                staff_id=input.staff_id,
                kind=input.kind.value,
                shift_code=input.shift_code,
                township_code=input.township_code,
                swap_with=input.swap_with,
                note=input.note,
            )

        done = await perform(ctx, command, services.add_duty_exception)
        exc = ctx.data.duty_exceptions.get(done.result["exception"]) if done.result else None
        return DutyExceptionPayload(exception=shown(exc), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Withdraw a duty exception (admins).")
    async def remove_duty_exception(self, info: Ctx, input: RemoveDutyExceptionInput) -> DutyExceptionPayload:
        ctx = info.context

        def command() -> services.RemoveDutyException:
            return services.RemoveDutyException(client_id=input.client_id, exception_id=input.id)

        done = await perform(ctx, command, services.remove_duty_exception)
        return DutyExceptionPayload(exception=None, replayed=done.replayed, user_errors=done.errors)
