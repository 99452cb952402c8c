"""门前三包 and occupied space from the field: merchant types, their queries, and the field-report mutations."""

from __future__ import annotations

from datetime import date

import strawberry
from strawberry.types import Info

from hub.domain import frontage as frontage_rules
from hub.domain.model import records as rec
from hub.errors import InputError
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized, weighs
from hub.schema.distance import distance_field
from hub.schema.enums import Crs, FrontageDuty, OccupationKind
from hub.schema.inputs import SpatialFilter, connection, spatial
from hub.schema.scalars import GeoJSON, from_global_id
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, Written, perform, user_errors_field
from hub.services import field_reports as services
from hub.services import reads

Ctx = Info[Context, None]


def _signing_officer(root: rec.FrontageAgreement, info: Ctx) -> t.Officer | None:
    return shown(info.context.data.officers.get(root.officer_id))


@strawberry.type(
    description="A signed 门前三包 agreement: the merchant's duties for the pavement in front of the shop."
)
class FrontageAgreement(RecordView):
    __record__ = rec.FrontageAgreement
    signed_on: date
    duties: list[FrontageDuty] = strawberry.field(metadata=sized(len(FrontageDuty)))
    officer: t.Officer | None = strawberry.field(
        resolver=_signing_officer, description="The officer who signed it (masked as officers are)."
    )


@strawberry.type(description="A shop in the old town: its door (the point) and its pavement frontage.")
class Merchant(RecordView, t.Node):
    __record__ = rec.Merchant
    id: strawberry.ID = t.global_id("Merchant")
    code: str = strawberry.field(resolver=lambda root: root.id)
    name: str
    trade: str
    sector_code: str | None
    geometry: GeoJSON = t.geometry_field("merchants")
    distance_m: float | None = distance_field()
    frontage: GeoJSON | None = strawberry.field(
        resolver=lambda root: root.frontage_geojson,
        description="The pavement frontage, a GeoJSON LineString.",
        metadata=weighs(200),
    )
    agreement: FrontageAgreement | None = strawberry.field(
        description="The signed 门前三包 agreement, or null when not signed."
    )


@strawberry.type(description="Signed 门前三包 agreements and merchants in one sector.")
class SignedCount(RecordView):
    __record__ = frontage_rules.SignedCount
    sector_code: str
    signed: int
    merchants: int


@strawberry.type
class FrontageQuery:
    @strawberry.field(
        description="Merchants, optionally in an area, in a sector, and signed or not.",
        metadata=sized(lambda d: len(d.merchants)),
    )
    def merchants(
        self,
        info: Ctx,
        where: SpatialFilter | None = None,
        sector: str | None = None,
        signed: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> t.Connection[Merchant]:
        ctx = info.context
        found = spatial(where, ctx)
        positions = reads.merchants(ctx.hub, found, sector=sector, signed=signed)
        return connection(ctx.data.merchants, positions, first, after, ctx, order=found)

    @strawberry.field(description="Signed 门前三包 agreements by sector.", metadata=sized(lambda d: len(d.sectors)))
    def frontage_signed_counts(self, info: Ctx) -> list[SignedCount]:
        return shown(reads.signed_counts(info.context.hub))


@strawberry.input
class ReportOccupationInput:
    client_id: str = strawberry.field(description="A UUID made by the client; a retry with the same one is safe.")
    geometry: GeoJSON = strawberry.field(description="A Polygon inside one compound (WGS84).")
    kind: OccupationKind
    reported_on: date | None = strawberry.field(default=None, description="Local date; default today.")
    crs: Crs | None = strawberry.field(default=None, description="The coordinate system of `geometry` (WGS84).")


@strawberry.input
class ClearOccupationInput:
    client_id: str
    occupation_id: strawberry.ID
    cleared_on: date | None = None


@strawberry.input
class SignFrontageAgreementInput:
    client_id: str
    merchant_id: strawberry.ID = strawberry.field(description="The merchant's global ID or code (M0001).")
    officer_id: strawberry.ID = strawberry.field(description="The signing officer's global ID or code (OF01).")
    duties: list[FrontageDuty]
    signed_on: date | None = None


@strawberry.type
class OccupationPayload:
    occupation: t.Occupation | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


@strawberry.type
class FrontageAgreementPayload:
    merchant: Merchant | None
    replayed: bool
    user_errors: list[UserError] = user_errors_field()


def _occupation_payload(ctx: Context, done: Written) -> OccupationPayload:
    occupation = ctx.data.occupations.get(done.result["occupation"]) if done.result else None
    return OccupationPayload(
        occupation=shown(occupation),
        replayed=done.replayed,
        user_errors=done.errors,
    )


def record_key(value: str, type_name: str, *, field: str) -> str:
    """A record key from a global ID of the given type, or the bare key itself."""
    try:
        kind, key = from_global_id(value, field=field)
    except InputError:
        return value
    if kind != type_name:
        raise InputError(f"{value!r} is a {kind} ID, not a {type_name} ID", field=field)
    return key


@strawberry.type
class FrontageMutation:
    @strawberry.mutation(description="Record occupied public space found inside a compound.")
    async def report_occupation(self, info: Ctx, input: ReportOccupationInput) -> OccupationPayload:
        ctx = info.context

        def command() -> services.ReportOccupation:
            return services.ReportOccupation(
                client_id=input.client_id,
                geometry=input.geometry,
                kind=input.kind.value,
                reported_on=input.reported_on,
                crs=input.crs.value if input.crs else "WGS84",
            )

        return _occupation_payload(ctx, await perform(ctx, command, services.report_occupation, now=ctx.now))

    @strawberry.mutation(description="Mark occupied public space cleared; its area joins the cleared total.")
    async def clear_occupation(self, info: Ctx, input: ClearOccupationInput) -> OccupationPayload:
        ctx = info.context

        def command() -> services.ClearOccupation:
            return services.ClearOccupation(
                client_id=input.client_id,
                occupation_id=record_key(input.occupation_id, "Occupation", field="occupationId"),
                cleared_on=input.cleared_on,
            )

        return _occupation_payload(ctx, await perform(ctx, command, services.clear_occupation, now=ctx.now))

    @strawberry.mutation(description="Record a merchant's signed 门前三包 agreement.")
    async def sign_frontage_agreement(self, info: Ctx, input: SignFrontageAgreementInput) -> FrontageAgreementPayload:
        ctx = info.context

        def command() -> services.SignFrontageAgreement:
            return services.SignFrontageAgreement(
                client_id=input.client_id,
                merchant_id=record_key(input.merchant_id, "Merchant", field="merchantId"),
                officer_id=record_key(input.officer_id, "Officer", field="officerId"),
                duties=tuple(d.value for d in input.duties),
                signed_on=input.signed_on,
            )

        done = await perform(ctx, command, services.sign_frontage_agreement, now=ctx.now)
        merchant = ctx.data.merchants.get(done.result["merchant"]) if done.result else None
        return FrontageAgreementPayload(merchant=shown(merchant), replayed=done.replayed, user_errors=done.errors)
