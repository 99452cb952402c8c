"""Patrols over GraphQL: logging a track, and how much of a sector the day's patrols covered.

Tracks are sensitive personal data (PIPL Art. 28): only the patrol's own squad and admins see the
raw track; everyone else gets the coverage figures.
"""

from __future__ import annotations

from datetime import date, datetime

import strawberry
from strawberry.types import Info

from hub.domain import fanout
from hub.domain import patrols as rules
from hub.domain.model import records as rec
from hub.domain.patrols import shown_track
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized, weighs
from hub.schema.distance import track_distance_field
from hub.schema.enums import Crs
from hub.schema.scalars import GeoJSON
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, perform, user_errors_field
from hub.services import patrols as services

Ctx = Info[Context, None]


def _track(root: rec.Patrol, info: Ctx) -> GeoJSON | None:
    track = shown_track(info.context.viewer, root, root.geojson)
    return None if track is None else GeoJSON(track)


def _point_times(root: rec.Patrol, info: Ctx) -> list[str] | None:
    return shown_track(info.context.viewer, root, list(root.point_times))


def _officers(root: rec.Patrol, info: Ctx) -> list[t.Officer]:
    officers = info.context.data.officers
    return shown(o for i in root.officer_ids if (o := officers.get(i)))


@strawberry.type(description="A logged patrol. The raw track is shown only to the squad itself and admins.")
class Patrol(RecordView, t.Node):
    __record__ = rec.Patrol
    id: strawberry.ID = t.global_id("Patrol")
    squad_code: str
    started_at: datetime | None
    ended_at: datetime | None
    length_m: float = strawberry.field(description="Geodesic length of the track, m.")
    distance_m: float | None = track_distance_field()
    track: GeoJSON | None = strawberry.field(
        resolver=_track,
        description="The GPS track (LineString): the squad itself and admins only, else null.",
        metadata=weighs(lambda d: fanout.mean_geojson_bytes(d, "patrols")),
    )
    point_times: list[str] | None = strawberry.field(
        resolver=_point_times,
        description="Time of each track point: the squad itself and admins only, else null.",
        metadata=sized(lambda d: fanout.mean_length(d, "patrols", "point_times")),
    )
    officers: list[t.Officer] = strawberry.field(resolver=_officers, metadata=sized(fanout.officers_per_patrol))


@strawberry.type(description="How much of a sector lay within 50 m of a day's patrol tracks, and what they passed.")
class PatrolCoverage(RecordView):
    __record__ = rules.Coverage
    sector_code: str
    date: date = strawberry.field(resolver=lambda root: root.day)
    share: float = strawberry.field(description="Share of the sector's area within 50 m of the tracks, 0–1.")
    covered_m2: float
    sector_m2: float
    patrols: int
    length_m: float
    grids_passed: list[str] = strawberry.field(
        description="Codes of the sector's grids within 50 m of a track.", metadata=sized(fanout.grids_per_sector)
    )
    merchants_passed: list[str] = strawberry.field(
        description="The sector's merchants within 50 m of a track.", metadata=sized(fanout.merchants_per_sector)
    )


@strawberry.type
class PatrolQuery:
    @strawberry.field(description="The share of a sector within 50 m of a local day's tracks, and what was passed.")
    def patrol_coverage(self, info: Ctx, sector: str, date: date) -> PatrolCoverage:
        return shown(services.coverage(info.context.hub, sector, date))

    @strawberry.field(
        description="Patrols that overlap a local date, optionally of one squad (tracks masked).",
        metadata=sized(fanout.patrols_per_day),
    )
    def patrols(self, info: Ctx, date: date, squad: str | None = None) -> list[Patrol]:
        return shown(services.patrols_on(info.context.hub, date, squad))


@strawberry.input
class LogPatrolInput:
    client_id: str
    squad_code: str
    officer_ids: list[str]
    started_at: datetime
    ended_at: datetime
    track: GeoJSON = strawberry.field(description="A GeoJSON LineString of the GPS fixes, WGS84.")
    point_times: list[str] | None = strawberry.field(default=None, description="ISO time of each track point.")
    crs: Crs | None = strawberry.field(default=None, description="The coordinate system of `track` (WGS84).")


@strawberry.type
class PatrolPayload:
    patrol: Patrol | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class PatrolMutation:
    @strawberry.mutation(description="Log a patrol: its officers, times and GPS track (checked for plausibility).")
    async def log_patrol(self, info: Ctx, input: LogPatrolInput) -> PatrolPayload:
        ctx = info.context

        def command() -> services.LogPatrol:
            return services.LogPatrol(
                client_id=input.client_id,
                squad_code=input.squad_code,
                officer_ids=tuple(input.officer_ids),
                started_at=input.started_at,
                ended_at=input.ended_at,
                track=input.track,
                point_times=None if input.point_times is None else tuple(input.point_times),
                crs=input.crs.value if input.crs else "WGS84",
            )

        done = await perform(ctx, command, services.log_patrol, now=ctx.now)
        patrol = ctx.data.patrols.get(done.result["patrol"]) if done.result else None
        return PatrolPayload(patrol=shown(patrol), replayed=done.replayed, user_errors=done.errors)
