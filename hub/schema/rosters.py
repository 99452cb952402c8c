"""Rosters over GraphQL: who works when and where, gaps in coverage, and the admins' edits.

The rules live in ``hub.domain.roster`` (assignments, on duty, coverage gaps) and
``hub.domain.roster_edit`` (what makes an edit acceptable); this module only adapts them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry
from strawberry.types import Info

from hub.domain import access, fanout, roster
from hub.domain.guards import require_admin
from hub.domain.roster_edit import check_exception, check_rule
from hub.errors import InputError, NotFound
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized
from hub.schema.enums import ExceptionKind
from hub.schema.frontage import record_key
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, perform, user_errors_field
from hub.store import records as rec

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
    cycle: list[str] = strawberry.field(metadata=sized(lambda d: _mean_rule(d, "cycle")))
    teams: list[TeamMember] = strawberry.field(
        resolver=lambda root: [TeamMember(officer_id=o, offset=n) for o, n in root.teams],
        description="(officer id, offset) pairs.",
        metadata=sized(lambda d: _mean_rule(d, "teams")),
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
        data = info.context.data
        if sector not in roster.sector_codes(data):
            raise InputError(f"no sector {sector!r}; one of {', '.join(roster.sector_codes(data))}", field="sector")
        return shown(roster.on_duty(data, sector, at or info.context.now))

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
        found = info.context.data.roster_exceptions.values()
        return shown(e for e in found if date is None or e.on_date == date)


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
        teams = [(m.officer_id, m.offset) for m in input.teams]
        payload = {
            "squadCode": input.squad_code,
            "anchor": input.anchor.isoformat(),
            "cycle": list(input.cycle),
            "teams": teams,
        }

        def apply(uow):
            require_admin(ctx.viewer, "edit rosters")
            rule = rec.RosterRule(input.squad_code, input.anchor, tuple(input.cycle), tuple(teams), ctx.viewer.actor)
            check_rule(ctx.data, rule)
            uow.put(rule)
            uow.audit("set", "roster_rule", rule.squad_code, {"input": payload})
            return {"squad": rule.squad_code}

        done = await perform(ctx, operation="setRosterRule", client_id=input.client_id, payload=payload, apply=apply)
        rule = ctx.data.roster_rules.get(done.result["squad"]) if done.result else None
        return RosterRulePayload(rule=shown(rule), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Add leave, a swap or cover on a date (admins); conflicting edits are refused.")
    async def add_roster_exception(self, info: Ctx, input: AddRosterExceptionInput) -> RosterExceptionPayload:
        ctx = info.context
        payload = {
            "date": input.date.isoformat(),
            "officerId": input.officer_id,
            "kind": input.kind.value,
            "shiftCode": input.shift_code,
            "sectorCode": input.sector_code,
            "swapWith": input.swap_with,
            "note": input.note,
        }

        def apply(uow):
            require_admin(ctx.viewer, "edit rosters")
            exc = rec.RosterException(
                0,
                input.date,
                record_key(input.officer_id, "Officer", field="officerId"),
                input.kind.value,
                input.shift_code,
                input.sector_code,
                input.swap_with,
                input.note,
                ctx.viewer.actor,
            )
            check_exception(ctx.data, exc)
            stored = uow.add(exc)
            uow.audit("add", "roster_exception", stored.id, {"input": payload})
            return {"exception": stored.id}

        done = await perform(
            ctx, operation="addRosterException", client_id=input.client_id, payload=payload, apply=apply
        )
        exc = ctx.data.roster_exceptions.get(done.result["exception"]) if done.result else None
        return RosterExceptionPayload(exception=shown(exc), replayed=done.replayed, user_errors=done.errors)

    @strawberry.mutation(description="Withdraw a roster exception (admins).")
    async def remove_roster_exception(self, info: Ctx, input: RemoveRosterExceptionInput) -> RosterExceptionPayload:
        ctx = info.context
        payload = {"id": input.id}

        def apply(uow):
            require_admin(ctx.viewer, "edit rosters")
            exc = ctx.data.roster_exceptions.get(input.id)
            if exc is None:
                raise NotFound(f"no roster exception {input.id}", field="id")
            uow.remove(exc)
            uow.audit("remove", "roster_exception", exc.id, {"input": payload, "was": roster_describe(exc)})
            return {"exception": exc.id}

        done = await perform(
            ctx, operation="removeRosterException", client_id=input.client_id, payload=payload, apply=apply
        )
        return RosterExceptionPayload(exception=None, replayed=done.replayed, user_errors=done.errors)


def _mean_rule(data: Any, attr: str) -> float:
    rules = data.roster_rules.values()
    return fanout.ratio(sum(len(getattr(r, attr)) for r in rules), len(rules))


def roster_describe(exc: rec.RosterException) -> str:
    from hub.domain.roster_edit import describe

    return describe(exc)
