"""Rosters over GraphQL: who works when and where, gaps in coverage, and the admins' edits.

The rules live in ``hub.domain.roster`` (assignments, on duty, coverage gaps) and
``hub.domain.roster_edit`` (what makes an edit acceptable); this module only adapts them.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.domain import access, fanout, roster
from hub.domain.model import records as rec
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import ExceptionKind
from hub.schema.frontage import record_key
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, perform, user_errors_field
from hub.services import reads
from hub.services import rosters as services

Ctx = Info[Context, None]


@strawberry.type(description="An officer's shift on a date, with its start and end in local time.")
class Assignment(RecordView):
    __record__ = roster.Assignment
    date: date
    squad_code: str
    sector_code: str | None
    start: datetime
    end: datetime
    officer: t.Officer
    shift: t.Shift


@strawberry.type(description="A stretch of the brigade's working hours in which a sector has nobody on shift.")
class CoverageGap(RecordView):
    __record__ = roster.Gap
    sector_code: str
    start: datetime
    end: datetime
    minutes: int = strawberry.field(resolver=lambda root: int((root.end - root.start).total_seconds() // 60))


@strawberry.type
class TeamMember:
    officer_id: str
    offset: int


@strawberry.type(description="A squad's rotation: each officer moves through the cycle from an offset.")
class RosterRule(RecordView):
    __record__ = rec.RosterRule
    squad_code: str
    anchor: date
    cycle: list[str] = strawberry.field(metadata=sized(lambda d: fanout.rule_length(d, "cycle")))
    teams: list[TeamMember] = strawberry.field(
        resolver=lambda root: [TeamMember(officer_id=o, offset=n) for o, n in root.teams],
        description="(officer id, offset) pairs.",
        metadata=sized(lambda d: fanout.rule_length(d, "teams")),
    )


def _note(root: rec.RosterException, info: Ctx) -> str | None:
    return access.free_text(info.context.viewer, root.note, access.ROSTER_NOTE, root.id)


@strawberry.type(description="A dated change to the rule: leave, a swap or cover.")
class RosterException(RecordView):
    __record__ = rec.RosterException
    id: int
    date: date = strawberry.field(resolver=lambda root: root.on_date)
    officer_id: str
    kind: str
    shift_code: str | None
    sector_code: str | None
    swap_with: str | None
    note: str | None = strawberry.field(
        resolver=_note, description="Why (a sick note, who covers): staff only, as free text may name people."
    )


@strawberry.type
class RosterQuery:
    @strawberry.field(
        description="Shifts worked on a local date, by squad and/or sector (rules and exceptions applied).",
        metadata=sized(lambda d: len(d.officers)),
    )
    def assignments(
        self, info: Ctx, date: date, squad: str | None = None, sector: str | None = None
    ) -> list[Assignment]:
        return shown(roster.assignments(info.context.data, date, squad=squad, sector=sector))

    @strawberry.field(
        description="The squads and officers on shift in a sector at a moment (now if omitted).",
        metadata=sized(lambda d: len(d.squads)),
    )
    def on_duty(self, info: Ctx, sector: str, at: datetime | None = None) -> list[t.OnDuty]:
        return shown(reads.on_duty(info.context.hub, sector, at or info.context.now))

    @strawberry.field(
        description="Stretches of the brigade's working hours (07:00–02:00) with a sector uncovered.",
        metadata=sized(lambda d: 4 * len(d.sectors)),
    )
    def coverage_gaps(self, info: Ctx, date: date) -> list[CoverageGap]:
        return shown(roster.coverage_gaps(info.context.data, date))

    @strawberry.field(
        description="The squads' rotation rules (squads without one work their standing shifts).",
        metadata=sized(lambda d: len(d.squads)),
    )
    def roster_rules(self, info: Ctx) -> list[RosterRule]:
        return shown(info.context.data.roster_rules.values())

    @strawberry.field(
        description="Leave, swaps and cover on a date (all dates when omitted).",
        metadata=sized(fanout.roster_exceptions),
    )
    def roster_exceptions(self, info: Ctx, date: date | None = None) -> list[RosterException]:
        return shown(reads.roster_exceptions(info.context.hub, date))


@strawberry.input
class TeamMemberInput:
    officer_id: str
    offset: int


@strawberry.input
class SetRosterRuleInput:
    client_id: str
    squad_code: str
    anchor: date
    cycle: list[str] = strawberry.field(description="Shift codes, one per day; OFF for a day off.")
    teams: list[TeamMemberInput]


@strawberry.input
class AddRosterExceptionInput:
    client_id: str
    date: date
    officer_id: str
    kind: ExceptionKind
    shift_code: str | None = None
    sector_code: str | None = None
    swap_with: str | None = None
    note: str = ""


@strawberry.input
class RemoveRosterExceptionInput:
    client_id: str
    id: int


@strawberry.type
class RosterRulePayload:
    rule: RosterRule | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class RosterExceptionPayload:
    exception: RosterException | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class RosterMutation:
    @strawberry.mutation(description="Set a squad's rotation rule (admins); refused with the reason if it conflicts.")
    async def set_roster_rule(self, info: Ctx, input: SetRosterRuleInput) -> RosterRulePayload:
        ctx = info.context

        def command() -> services.SetRosterRule:
            return services.SetRosterRule(
                client_id=input.client_id,
                squad_code=input.squad_code,
                anchor=input.anchor,
                cycle=tuple(input.cycle),
                teams=tuple((m.officer_id, m.offset) for m in input.teams),
            )

        done = await perform(ctx, command, services.set_roster_rule)
        rule = ctx.data.roster_rules.get(done.result["squad"]) if done.result else None
        return RosterRulePayload(rule=shown(rule), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Add leave, a swap or cover on a date (admins); conflicting edits are refused.")
    async def add_roster_exception(self, info: Ctx, input: AddRosterExceptionInput) -> RosterExceptionPayload:
        ctx = info.context

        def command() -> services.AddRosterException:
            return services.AddRosterException(
                client_id=input.client_id,
                on_date=input.date,
                officer_id=record_key(input.officer_id, "Officer", field="officerId"),
                kind=input.kind.value,
                shift_code=input.shift_code,
                sector_code=input.sector_code,
                swap_with=input.swap_with,
                note=input.note,
            )

        done = await perform(ctx, command, services.add_roster_exception)
        exc = ctx.data.roster_exceptions.get(done.result["exception"]) if done.result else None
        return RosterExceptionPayload(exception=shown(exc), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Withdraw a roster exception (admins).")
    async def remove_roster_exception(self, info: Ctx, input: RemoveRosterExceptionInput) -> RosterExceptionPayload:
        ctx = info.context

        def command() -> services.RemoveRosterException:
            return services.RemoveRosterException(client_id=input.client_id, exception_id=input.id)

        done = await perform(ctx, command, services.remove_roster_exception)
        return RosterExceptionPayload(exception=None, replayed=done.replayed, user_errors=done.errors)
