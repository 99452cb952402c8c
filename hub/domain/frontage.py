"""门前三包: merchants' signed duties for the pavement in front of their shops.

A merchant is a point (the door) with a frontage line. An officer of the squad responsible for the
merchant's sector signs the agreement with them (sanitation, order, greenery).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from hub.domain.access import Viewer
from hub.domain.guards import require_squad
from hub.errors import Conflict, InputError, NotFound
from hub.store.catalog import Catalog
from hub.store.records import FrontageAgreement, Merchant

DUTIES = ("SANITATION", "ORDER", "GREENERY")


def sign(
    catalog: Catalog,
    viewer: Viewer,
    *,
    merchant_id: str,
    officer_id: str,
    signed_on: date,
    duties: list[str],
    today: date,
) -> FrontageAgreement:
    """The agreement to store; refused when the merchant has one or the officer is not of that sector's squad."""
    merchant = catalog.merchants.get(merchant_id)
    if merchant is None:
        raise NotFound(f"no merchant {merchant_id!r}", field="merchantId")
    squad = next((s for s in catalog.squads.values() if s.sector_code == merchant.sector_code), None)
    require_squad(viewer, squad.code if squad else None, f"sign agreements in sector {merchant.sector_code}")
    officer = catalog.officers.get(officer_id)
    if officer is None:
        raise NotFound(f"no officer {officer_id!r}", field="officerId")
    if squad is None or officer.squad_code != squad.code:
        raise InputError(
            f"officer {officer_id} is of squad {officer.squad_code}; {merchant.name} is in sector "
            f"{merchant.sector_code}, served by squad {squad.code if squad else 'none'}",
            field="officerId",
        )
    unknown = [d for d in duties if d not in DUTIES]
    if unknown or not duties:
        raise InputError(f"duties must be some of {', '.join(DUTIES)}; got {duties}", field="duties")
    if signed_on > today:
        raise InputError(f"signedOn {signed_on} is in the future", field="signedOn")
    if merchant.agreement is not None:
        a = merchant.agreement
        raise Conflict(
            f"{merchant.name} already signed on {a.signed_on} with officer {a.officer_id}", field="merchantId"
        )
    ordered = tuple(d for d in DUTIES if d in duties)
    return FrontageAgreement(merchant_id, signed_on, officer_id, ordered)


def unsigned(catalog: Catalog, positions: np.ndarray, *, sector: str | None = None) -> np.ndarray:
    """The positions (of ``catalog.merchants``) of merchants without a signed agreement, optionally in one sector."""
    recs = catalog.merchants.records
    keep = [
        p
        for p in positions.tolist()
        if (m := recs[p]) is not None and m.agreement is None and (sector is None or m.sector_code == sector)
    ]
    return np.asarray(keep, dtype=np.intp)


@dataclass(frozen=True, slots=True)
class SignedCount:
    sector_code: str
    signed: int
    merchants: int


def signed_counts(catalog: Catalog) -> list[SignedCount]:
    """Signed agreements and merchants, by sector."""
    merchants: list[Merchant] = list(catalog.merchants)
    total = Counter(m.sector_code for m in merchants)
    signed = Counter(m.sector_code for m in merchants if m.agreement is not None)
    return [SignedCount(code, signed[code], total[code]) for code in sorted(c for c in total if c)]
