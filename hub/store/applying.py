"""How the catalog takes the governance records a write changed (or the change feed brings): a compound's
management and committee, management periods, meetings and their problems, recovered public rooms, and
companies' yearly scores.

Records kept outside layers live in dicts and tuples that readers iterate in other threads, so a change
makes a new dict or tuple and puts it in place (copy on write) instead of changing the one being read,
and bumps ``records_version``, which answers derived from them key on.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from hub.store import records as r

if TYPE_CHECKING:
    from hub.store.catalog import Catalog

KEPT = (r.Compound, r.Committee, r.ManagementPeriod, r.Meeting, r.Problem, r.PublicRoom, r.CreditScore)
"""The record classes this module applies."""


def _period_order(p: r.ManagementPeriod) -> tuple[Any, ...]:
    return (p.since is not None, p.since, p.id)


def apply(catalog: Catalog, record: Any, deleted: bool) -> None:
    """Bring the catalog up to date with one governance record just committed (or deleted)."""
    if isinstance(record, r.Compound):
        current = catalog.compounds.get(record.id)
        if deleted:
            catalog.compounds.delete(record.id)
            return
        # a compound's row holds neither its committee nor its branch: they are records of their own
        if current is not None:
            record = dataclasses.replace(record, committee=current.committee, party_branch=current.party_branch)
        catalog.compounds.upsert(record)
        return
    if isinstance(record, r.Committee):
        compound = catalog.compounds.get(record.compound_id)
        if compound is not None:
            catalog.compounds.upsert(dataclasses.replace(compound, committee=None if deleted else record))
        return
    if isinstance(record, r.Problem | r.PublicRoom):
        layer = catalog.problems if isinstance(record, r.Problem) else catalog.public_rooms
        if deleted:
            layer.delete(record.id)
        else:
            layer.upsert(record)  # type: ignore[arg-type]
        return
    catalog.records_version += 1
    if isinstance(record, r.ManagementPeriod):
        kept = [p for p in catalog.management.get(record.compound_id, ()) if p.id != record.id]
        periods = tuple(sorted(kept if deleted else [*kept, record], key=_period_order))
        catalog.management = {**catalog.management, record.compound_id: periods}
    elif isinstance(record, r.Meeting):
        meetings = {k: v for k, v in catalog.meetings.items() if k != record.id}
        if not deleted:
            meetings[record.id] = record
        catalog.meetings = dict(sorted(meetings.items()))
        by_compound: dict[int, list[int]] = {}
        for m in catalog.meetings.values():
            by_compound.setdefault(m.compound_id, []).append(m.id)
        catalog.meetings_by_compound = by_compound
    elif isinstance(record, r.CreditScore):
        company = catalog.companies.get(record.company_id)
        if company is None:
            return
        kept_scores = [s for s in company.scores if s.year != record.year]
        scores = tuple(sorted(kept_scores if deleted else [*kept_scores, record], key=lambda s: s.year))
        catalog.companies = {**catalog.companies, company.id: dataclasses.replace(company, scores=scores)}
    else:
        raise TypeError(f"the catalog does not keep {type(record).__name__} records")


def current(catalog: Catalog, cls: type, key: Any) -> Any:
    """The governance record of this kind and key the catalog holds now, or None."""
    if cls is r.Compound:
        return catalog.compounds.get(key)
    if cls is r.Committee:
        compound = catalog.compounds.get(key)
        return None if compound is None else compound.committee
    if cls is r.Problem:
        return catalog.problems.get(key)
    if cls is r.PublicRoom:
        return catalog.public_rooms.get(key)
    if cls is r.ManagementPeriod:
        return next((p for ps in catalog.management.values() for p in ps if p.id == key), None)
    if cls is r.Meeting:
        return catalog.meetings.get(key)
    if cls is r.CreditScore:
        company_id, year = key
        company = catalog.companies.get(company_id)
        return None if company is None else next((s for s in company.scores if s.year == year), None)
    raise TypeError(f"the catalog does not keep {cls.__name__} records")
