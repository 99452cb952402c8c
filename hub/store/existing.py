"""What the store holds now, seen as an import sees it: each kind's records by key, as field values.

An import compares every row with the stored record of the same key (to keep the fields a file leaves
out, and to tell new, changed and unchanged rows apart) and checks references and overlaps against the
stored records; it reads them from the catalog, through :func:`existing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson

from hub.store import contract as c
from hub.store.catalog import Catalog

Key = tuple[Any, ...]
KEPT = (
    "squads",
    "shifts",
    "officers",
    "duty_shifts",
    "duty_lines",
    "duty_officers",
    "duty_rules",
    "weather_events",
    "guidance_groups",
    "technicians",
    "safety_campaigns",
    "volunteer_teams",
    "volunteers",
)
"""Kinds the catalog keeps in a dict by their (one-column) key."""


class Existing:
    """One kind's stored records by key (a tuple of the key's values)."""

    def __init__(self, kind: c.Kind, records: dict[Key, Any], extra: Callable[[Key, Any], dict[str, Any]]) -> None:
        self.kind = kind
        self.records = records
        self._extra = extra
        self._names = [f.name for f in kind.fields]

    def keys(self) -> Iterable[Any]:
        """The first key column's values (the code other records refer to)."""
        return (k[0] for k in self.records)

    def values(self, key: Key) -> dict[str, Any] | None:
        record = self.records.get(key)
        if record is None:
            return None
        extra = self._extra(key, record)
        return {n: extra[n] if n in extra else getattr(record, n) for n in self._names}

    def geometry(self, key: Key) -> Any:
        record = self.records.get(key)
        return None if record is None else record.geometry

    def geojson(self, key: Key) -> str | None:
        record = self.records.get(key)
        return None if record is None else record.geojson

    def geometries(self) -> Iterator[tuple[Key, Any]]:
        return ((k, r.geometry) for k, r in self.records.items())


def _none(key: Key, record: Any) -> dict[str, Any]:
    return {}


def _frontage(key: Key, merchant: Any) -> dict[str, Any]:
    return {"frontage": orjson.loads(merchant.frontage_geojson) if merchant.frontage_geojson else None}


def _records(catalog: Catalog, name: str) -> tuple[dict[Key, Any], Callable[[Key, Any], dict[str, Any]]]:
    layers = catalog.layers()
    if name in layers:
        layer = layers[name]
        return {(layer.key_of(r),): r for r in layer}, _frontage if name == "merchants" else _none
    if name in ("committees", "party_branches"):
        member = "committee" if name == "committees" else "party_branch"
        found = ((x.id, getattr(x, member)) for x in catalog.compounds)
        return {(cid,): m for cid, m in found if m is not None}, _none
    if name == "property_companies":
        return {(k,): v for k, v in catalog.companies.items()}, _none
    if name == "credit_scores":
        scores = {(co.id, s.year): s for co in catalog.companies.values() for s in co.scores}
        return scores, lambda key, r: {"company_id": key[0]}
    if name == "meetings":
        return {(k,): v for k, v in catalog.meetings.items()}, _none
    if name == "management_periods":
        return {(p.id,): p for periods in catalog.management.values() for p in periods}, _none
    if name == "fee_years":
        return {(f.compound_id, f.year): f for f in catalog.fee_years}, _none
    if name == "frontage_agreements":
        return {(m.id,): m.agreement for m in catalog.merchants if m.agreement is not None}, _none
    if name == "case_steps":
        return {(s.id,): s for steps in catalog.case_steps.values() for s in steps}, _none
    if name in KEPT:
        return {(k,): v for k, v in getattr(catalog, name).items()}, _none
    raise KeyError(name)


def existing(catalog: Catalog, name: str) -> Existing:
    """The stored records of kind ``name`` (worked out once per state of the catalog)."""
    key = ("existing", name)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != catalog.generation:
        records, extra = _records(catalog, name)
        hit = catalog.memo[key] = (catalog.generation, Existing(c.KINDS[name], records, extra))
    found: Existing = hit[1]
    return found
