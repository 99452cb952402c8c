"""门前三包 and occupied space from the field: merchant types, their queries, and the field-report mutations."""

from __future__ import annotations

from datetime import date

import numpy as np
import strawberry
from strawberry.types import Info

from hub.domain import frontage as frontage_rules
from hub.domain import occupations as occupation_rules
from hub.domain.roster import local_time
from hub.errors import InputError
from hub.geo.datum import geojson_to_wgs84
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.cost import sized, weighs
from hub.schema.enums import Crs, FrontageDuty, OccupationKind
from hub.schema.inputs import SpatialFilter, connection, spatial
from hub.schema.scalars import GeoJSON, from_global_id
from hub.schema.views import RecordView, shown
from hub.schema.writes import UserError, Written, perform, user_errors_field
from hub.store import records as rec

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
    frontage: GeoJSON | None = strawberry.field(
        resolver=lambda root: root.frontage_geojson,
        description="The pavement frontage, a GeoJSON LineString.",
        metadata=weighs(200),
    )
    agreement: FrontageAgreement | None = strawberry.field(
        description="The signed 门前三包 agreement, or null when not signed."
    )


@strawberry.type(description="Signed 门前三包 agreements and merchants in one sector.")
class SignedCount:
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
        data = info.context.data
        pos = spatial(where, info.context).positions(data.merchants)
        recs = data.merchants.records
        if sector is not None or signed is not None:
            pos = np.asarray(
                [
                    p
                    for p in pos.tolist()
                    if (m := recs[p]) is not None
                    and (sector is None or m.sector_code == sector)
                    and (signed is None or (m.agreement is not None) == signed)
                ],
                dtype=np.intp,
            )
        return connection(data.merchants, pos, first, after, info.context)

    @strawberry.field(description="Signed 门前三包 agreements by sector.", metadata=sized(lambda d: len(d.sectors)))
    def frontage_signed_counts(self, info: Ctx) -> list[SignedCount]:
        return [
            SignedCount(sector_code=c.sector_code, signed=c.signed, merchants=c.merchants)
            for c in frontage_rules.signed_counts(info.context.data)
        ]


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


def _today(ctx: Context) -> date:
    return local_time(ctx.now).date()


@strawberry.type
class FrontageMutation:
    @strawberry.mutation(description="Record occupied public space found inside a compound.")
    async def report_occupation(self, info: Ctx, input: ReportOccupationInput) -> OccupationPayload:
        ctx = info.context
        today = _today(ctx)
        reported_on = input.reported_on or today
        crs = input.crs.value if input.crs else "WGS84"
        payload = {
            "geometry": input.geometry,
            "kind": input.kind.value,
            "reportedOn": reported_on.isoformat(),
            "crs": crs,
        }
        geometry = geojson_to_wgs84(input.geometry, crs)

        def apply(uow):
            occupation = occupation_rules.report(
                ctx.data,
                ctx.viewer,
                geometry=geometry,
                kind=input.kind.value,
                reported_on=reported_on,
                today=today,
                max_vertices=ctx.settings.max_vertices,
            )
            stored = uow.add(occupation)
            uow.audit("report", "occupation", stored.id, {"input": payload, "areaM2": stored.area_m2})
            return {"occupation": stored.id}

        done = await perform(ctx, operation="reportOccupation", client_id=input.client_id, payload=payload, apply=apply)
        return _occupation_payload(ctx, done)

    @strawberry.mutation(description="Mark occupied public space cleared; its area joins the cleared total.")
    async def clear_occupation(self, info: Ctx, input: ClearOccupationInput) -> OccupationPayload:
        ctx = info.context
        today = _today(ctx)
        cleared_on = input.cleared_on or today
        payload = {"occupationId": str(input.occupation_id), "clearedOn": cleared_on.isoformat()}

        def apply(uow):
            key = record_key(input.occupation_id, "Occupation", field="occupationId")
            if not key.isdigit():
                raise InputError(f"{input.occupation_id!r} is not an occupation ID", field="occupationId")
            cleared = occupation_rules.clear(
                ctx.data, ctx.viewer, occupation_id=int(key), cleared_on=cleared_on, today=today
            )
            stored = uow.put(cleared)
            uow.audit("clear", "occupation", stored.id, {"input": payload, "areaM2": stored.area_m2})
            return {"occupation": stored.id}

        done = await perform(ctx, operation="clearOccupation", client_id=input.client_id, payload=payload, apply=apply)
        return _occupation_payload(ctx, done)

    @strawberry.mutation(description="Record a merchant's signed 门前三包 agreement.")
    async def sign_frontage_agreement(self, info: Ctx, input: SignFrontageAgreementInput) -> FrontageAgreementPayload:
        ctx = info.context
        today = _today(ctx)
        signed_on = input.signed_on or today
        duties = [d.value for d in input.duties]
        payload = {
            "merchantId": str(input.merchant_id),
            "officerId": str(input.officer_id),
            "duties": duties,
            "signedOn": signed_on.isoformat(),
        }

        def apply(uow):
            merchant_id = record_key(input.merchant_id, "Merchant", field="merchantId")
            officer_id = record_key(input.officer_id, "Officer", field="officerId")
            agreement = frontage_rules.sign(
                ctx.data,
                ctx.viewer,
                merchant_id=merchant_id,
                officer_id=officer_id,
                signed_on=signed_on,
                duties=duties,
                today=today,
            )
            uow.put(agreement)
            uow.audit("sign", "frontage_agreement", merchant_id, {"input": payload})
            return {"merchant": merchant_id}

        done = await perform(
            ctx, operation="signFrontageAgreement", client_id=input.client_id, payload=payload, apply=apply
        )
        merchant = ctx.data.merchants.get(done.result["merchant"]) if done.result else None
        return FrontageAgreementPayload(
            merchant=shown(merchant),
            replayed=done.replayed,
            user_errors=done.errors,
        )
