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
from hub.schema.views import RecordView, shown
from hub.services import reads

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
