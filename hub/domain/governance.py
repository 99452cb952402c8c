"""The records behind the article's governance figures, as filterable lists: meetings and the problems
raised at them, recovered public rooms, property companies' grades of a year (the red and black lists),
and compounds' management history.

Each function returns the matching records' keys (or positions) in a stable order, for the API to page.
Spatial filters apply to a record's own geometry, or to its compound's outline for records without one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from hub.domain import grading
from hub.domain.figures.periods import DateRange
from hub.domain.filters import SpatialFilter
from hub.errors import InputError, NotFound
from hub.store import records as r
from hub.store.catalog import Catalog

LISTINGS = ("RED", "BLACK")
ANYWHERE = SpatialFilter()
ALWAYS = DateRange()


def _compound_ids(catalog: Catalog, where: SpatialFilter) -> set[int] | None:
    if where.empty:
        return None
    return {c.id for c in catalog.compounds.at(where.positions(catalog.compounds))}


def _check_compounds(catalog: Catalog, compounds: Sequence[int] | None, field: str) -> None:
    for i, cid in enumerate(compounds or ()):
        if catalog.compounds.get(cid) is None:
            raise NotFound(f"no compound {cid}", field=f"{field}[{i}]")


def meetings(
    catalog: Catalog,
    *,
    where: SpatialFilter = ANYWHERE,
    during: DateRange = ALWAYS,
    kinds: Sequence[str] | None = None,
    compounds: Sequence[int] | None = None,
) -> np.ndarray:
    """Ids of the meetings held in ``during`` at compounds meeting ``where`` (sorted)."""
    _check_compounds(catalog, compounds, "compounds")
    inside = _compound_ids(catalog, where)
    wanted = set(compounds) if compounds else None
    ids = [
        m.id
        for m in catalog.meetings.values()
        if (inside is None or m.compound_id in inside)
        and (wanted is None or m.compound_id in wanted)
        and (not kinds or m.kind in kinds)
        and during.holds(m.held_on)
    ]
    return np.asarray(sorted(ids), dtype=np.intp)


def problems(
    catalog: Catalog,
    positions: np.ndarray,
    *,
    during: DateRange = ALWAYS,
    solved: bool | None = None,
    categories: Sequence[str] | None = None,
    compounds: Sequence[int] | None = None,
) -> np.ndarray:
    """The ``positions`` (of ``catalog.problems``) of problems raised at meetings held in ``during``."""
    _check_compounds(catalog, compounds, "compounds")
    recs = catalog.problems.records
    wanted = set(compounds) if compounds else None

    def keep(p: r.Problem) -> bool:
        held = catalog.meetings[p.meeting_id].held_on if p.meeting_id in catalog.meetings else None
        return (
            (solved is None or p.solved == solved)
            and (not categories or p.category in categories)
            and (wanted is None or p.compound_id in wanted)
            and during.holds(held)
        )

    return np.asarray([p for p in positions.tolist() if (x := recs[p]) is not None and keep(x)], dtype=np.intp)


def public_rooms(
    catalog: Catalog,
    positions: np.ndarray,
    *,
    during: DateRange = ALWAYS,
    uses: Sequence[str] | None = None,
    compounds: Sequence[int] | None = None,
) -> np.ndarray:
    """The ``positions`` (of ``catalog.public_rooms``) of rooms recovered in ``during``."""
    _check_compounds(catalog, compounds, "compounds")
    recs = catalog.public_rooms.records
    wanted = set(compounds) if compounds else None
    return np.asarray(
        [
            p
            for p in positions.tolist()
            if (x := recs[p]) is not None
            and (not uses or x.use in uses)
            and (wanted is None or x.compound_id in wanted)
            and during.holds(x.recovered_on)
        ],
        dtype=np.intp,
    )


@dataclass(frozen=True, slots=True)
class CompanyGrade:
    """A property company's score of one year, and the grade and list it earns under that year's scheme."""

    company: r.PropertyCompany
    year: int
    score: float
    grade: str | None
    listing: str | None


def grades(catalog: Catalog, year: int, *, listing: str | None = None, grade: str | None = None) -> list[CompanyGrade]:
    """Every company scored in ``year`` (or only those on the RED or BLACK list, or of one grade), best first."""
    if listing is not None and listing not in LISTINGS:
        raise InputError(f"listing is RED or BLACK, got {listing!r}", field="listing")
    scheme = grading.scheme_for(year)
    grade_names = [name for name, _ in scheme.minimums]
    if grade is not None and grade not in grade_names:
        raise InputError(f"grade is one of {', '.join(grade_names)}, got {grade!r}", field="grade")
    out = []
    for company in catalog.companies.values():
        for s in company.scores:
            if s.year != year:
                continue
            g, lst = grading.grade(s.score, scheme), grading.listing(s.score, scheme)
            if (listing is None or lst == listing) and (grade is None or g == grade):
                out.append(CompanyGrade(company, year, s.score, g, lst))
    return sorted(out, key=lambda x: (-x.score, x.company.id))


@dataclass(frozen=True, slots=True)
class Period:
    """A compound's management period, with when it ended (the next period's start; None: still running)."""

    period: r.ManagementPeriod
    until: date | None
    current: bool


def management_history(
    catalog: Catalog,
    *,
    where: SpatialFilter = ANYWHERE,
    compounds: Sequence[int] | None = None,
    modes: Sequence[str] | None = None,
    during: DateRange = ALWAYS,
) -> list[Period]:
    """Management periods (by compound, oldest first) that began in ``during`` (a period with no start date,
    "since it was built", begins before any range), of compounds meeting ``where``."""
    _check_compounds(catalog, compounds, "compounds")
    inside = _compound_ids(catalog, where)
    out = []
    for cid in sorted(catalog.management):
        if (inside is not None and cid not in inside) or (compounds and cid not in compounds):
            continue
        periods = catalog.management[cid]
        for i, p in enumerate(periods):
            until = periods[i + 1].since if i + 1 < len(periods) else None
            if (not modes or p.mode in modes) and during.holds(p.since):
                out.append(Period(p, until, i + 1 == len(periods)))
    return out
