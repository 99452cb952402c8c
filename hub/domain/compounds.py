"""Compounds: attribute filters and the links to grids, occupations, meetings and problems."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from hub.store import records as r
from hub.store.catalog import Catalog

MIN_SHARED_AREA_DEG2 = 1e-10
"""A compound belongs to a grid when they share more than a sliver (about 1 m²) of ground."""


@dataclass(frozen=True, slots=True)
class CompoundFilter:
    """Attribute conditions on compounds; every given one must hold."""

    subdistrict_code: str | None = None
    community_code: str | None = None
    management_mode: str | None = None
    formerly_unmanaged: bool | None = None
    property_company_id: str | None = None
    name_contains: str | None = None

    def matches(self, c: r.Compound) -> bool:
        return (
            (self.subdistrict_code is None or c.subdistrict_code == self.subdistrict_code)
            and (self.community_code is None or c.community_code == self.community_code)
            and (self.management_mode is None or c.management_mode == self.management_mode)
            and (self.formerly_unmanaged is None or c.formerly_unmanaged == self.formerly_unmanaged)
            and (self.property_company_id is None or c.property_company_id == self.property_company_id)
            and (self.name_contains is None or self.name_contains in c.name)
        )

    def apply(self, catalog: Catalog, positions: np.ndarray) -> np.ndarray:
        if self == CompoundFilter():
            return positions
        recs = catalog.compounds.records
        keep = [p for p in positions if (c := recs[p]) is not None and self.matches(c)]
        return np.asarray(keep, dtype=np.intp)


def grids_of(catalog: Catalog, compound: r.Compound) -> list[r.Grid]:
    """The grids the compound lies in (sharing more than a sliver of ground)."""
    hits = catalog.grids.query(intersects=compound.geometry)
    grids = catalog.grids.at(hits)
    if len(grids) <= 1:
        return grids
    shared = shapely.area(
        shapely.intersection(np.asarray([g.geometry for g in grids], dtype=object), compound.geometry)
    )
    return [g for g, a in zip(grids, shared, strict=True) if a > MIN_SHARED_AREA_DEG2]


def _grouped(catalog: Catalog, layer: str, by: str) -> dict[Any, list[Any]]:
    """A layer's records grouped by one attribute, worked out once per version of the layer.

    Link fields (a compound's occupations, a meeting's problems) are asked for hundreds of times per
    page; scanning the layer each time would cost its whole size per record shown.
    """
    data = getattr(catalog, layer)
    key = ("grouped", layer, by)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != data.version:
        groups: dict[Any, list[Any]] = defaultdict(list)
        for x in data:
            groups[getattr(x, by)].append(x)
        hit = catalog.memo[key] = (data.version, dict(groups))
    return hit[1]


def occupations_of(catalog: Catalog, compound: r.Compound) -> list[r.Occupation]:
    return list(_grouped(catalog, "occupations", "compound_id").get(compound.id, ()))


def meetings_of(catalog: Catalog, compound: r.Compound) -> list[r.Meeting]:
    return [catalog.meetings[i] for i in catalog.meetings_by_compound.get(compound.id, [])]


def problems_of(catalog: Catalog, meeting: r.Meeting) -> list[r.Problem]:
    return list(_grouped(catalog, "problems", "meeting_id").get(meeting.id, ()))
