"""The rules of keeping the governance records current one change at a time: a compound taken into
management (or left without it), a three-party joint meeting with the problems it raised, a recovered
public room, a property company's yearly credit score.

Each function checks a change against the records as they are and returns the records to store; nothing
here writes. The codes a value may take are the store's (``hub.store.contract``), so a change made here
is one an import would accept, and the reverse.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import shapely

from hub.domain import grading
from hub.domain.governance import CompanyGrade
from hub.errors import Conflict, InputError, NotFound
from hub.store import contract
from hub.store import records as r
from hub.store.catalog import Catalog

MAX_FLOOR_AREA_M2 = 100_000.0
UNMANAGED = "UNMANAGED"


@dataclass(frozen=True, slots=True)
class NewCommittee:
    kind: str
    established_on: date
    members: int
    chair_name: str


@dataclass(frozen=True, slots=True)
class NewProblem:
    category: str
    description: str
    solved: bool = False
    solved_on: date | None = None
    point: shapely.Point | None = None
    """Where in the compound (WGS84); None: a point inside the compound chosen by the hub."""


def _code(value: str, allowed: Sequence[str], field: str) -> str:
    if value not in allowed:
        raise InputError(f"{value!r} is not one of {', '.join(allowed)}", field=field)
    return value


def _not_after(day: date | None, today: date, field: str) -> None:
    if day is not None and day > today:
        raise InputError(f"{day} is in the future", field=field)


def compound_of(catalog: Catalog, compound_id: int, field: str = "compoundId") -> r.Compound:
    compound = catalog.compounds.get(compound_id)
    if compound is None:
        raise NotFound(f"no compound {compound_id}", field=field)
    return compound


def _inside(compound: r.Compound, point: shapely.Point | None, field: str) -> shapely.Point:
    """The point (or one the hub picks inside the compound), refused if it lies outside the compound."""
    if point is None:
        return shapely.Point(shapely.get_coordinates(compound.geometry.representative_point())[0].round(6))
    if not shapely.covers(compound.geometry, point):
        raise InputError(f"the point lies outside compound {compound.id} ({compound.name})", field=field)
    return point


def change_management(
    catalog: Catalog,
    *,
    compound_id: int,
    since: date,
    mode: str,
    company_id: str | None,
    committee: NewCommittee | None,
    today: date,
) -> tuple[r.Compound, r.ManagementPeriod, r.Committee | None]:
    """A compound's management from ``since`` on: the compound as it becomes, its new period, and its new
    committee (if one is set up). Taking an unmanaged compound into management makes it formerly unmanaged."""
    compound = compound_of(catalog, compound_id)
    _code(mode, contract.MANAGEMENT_MODES, "mode")
    _not_after(since, today, "since")
    periods = catalog.management.get(compound_id, ())
    last = periods[-1] if periods else None
    if last is not None and last.since is not None and since <= last.since:
        raise InputError(
            f"compound {compound_id} is {last.mode} since {last.since}; a change starts after that", field="since"
        )
    if mode == "PROPERTY_COMPANY":
        if not company_id:
            raise InputError("a compound managed by a property company names it", field="propertyCompanyId")
        if company_id not in catalog.companies:
            raise NotFound(f"no property company {company_id}", field="propertyCompanyId")
    elif company_id:
        raise InputError(f"a compound {mode} has no property company, not {company_id}", field="propertyCompanyId")
    if mode == UNMANAGED and committee is not None:
        raise InputError("an unmanaged compound sets up no committee", field="committee")
    before = last.mode if last is not None else compound.management_mode
    if (mode, company_id) == (compound.management_mode, compound.property_company_id) and committee is None:
        by = f" by {company_id}" if company_id else ""
        raise Conflict(f"compound {compound_id} is already {mode}{by}", field="mode")
    if mode in ("COMMITTEE_HIRED", "SELF_MANAGED") and committee is None and compound.committee is None:
        raise InputError(f"a compound {mode} has a committee: set one up", field="committee")
    new_committee = None
    if committee is not None:
        _code(committee.kind, contract.COMMITTEE_KINDS, "committee.kind")
        _not_after(committee.established_on, today, "committee.establishedOn")
        if committee.members < 1:
            raise InputError("a committee has at least one member", field="committee.members")
        if not committee.chair_name.strip():
            raise InputError("the chair's name is needed", field="committee.chairName")
        new_committee = r.Committee(
            committee.kind, committee.established_on, committee.members, committee.chair_name.strip(), compound_id
        )
    changed = dataclasses.replace(
        compound,
        management_mode=mode,
        property_company_id=company_id or None,
        formerly_unmanaged=compound.formerly_unmanaged or (before == UNMANAGED and mode != UNMANAGED),
    )
    return changed, r.ManagementPeriod(0, compound_id, since, mode, company_id or None), new_committee


def record_meeting(
    catalog: Catalog,
    *,
    compound_id: int,
    held_on: date,
    kind: str,
    parties: Sequence[str],
    problems: Sequence[NewProblem],
    today: date,
) -> tuple[r.Meeting, list[r.Problem]]:
    """A joint meeting (id 0, to be stored) and the problems raised at it (their meeting id set once stored)."""
    compound = compound_of(catalog, compound_id)
    _not_after(held_on, today, "heldOn")
    _code(kind, contract.MEETING_KINDS, "kind")
    if not parties:
        raise InputError("a joint meeting has its parties", field="parties")
    for i, party in enumerate(parties):
        _code(party, contract.PARTIES, f"parties[{i}]")
    if len(set(parties)) != len(parties):
        raise InputError("a party is named twice", field="parties")
    made = []
    for i, p in enumerate(problems):
        where = f"problems[{i}]"
        _code(p.category, contract.PROBLEM_CATEGORIES, f"{where}.category")
        if not p.description.strip():
            raise InputError("say what the problem is", field=f"{where}.description")
        if p.solved and p.solved_on is None:
            raise InputError("a solved problem has the date it was solved", field=f"{where}.solvedOn")
        if not p.solved and p.solved_on is not None:
            raise InputError("an open problem has no date solved", field=f"{where}.solvedOn")
        if p.solved_on is not None:
            _not_after(p.solved_on, today, f"{where}.solvedOn")
            if p.solved_on < held_on:
                raise InputError(f"solved on {p.solved_on}, before the meeting", field=f"{where}.solvedOn")
        point = _inside(compound, p.point, f"{where}.position")
        made.append(r.Problem(point, "", 0, 0, compound_id, p.category, p.description.strip(), p.solved, p.solved_on))
    return r.Meeting(0, compound_id, held_on, kind, tuple(parties)), made


def record_public_room(
    catalog: Catalog,
    *,
    compound_id: int,
    floor_area_m2: float,
    use: str,
    recovered_on: date,
    point: shapely.Point | None,
    today: date,
) -> r.PublicRoom:
    """A recovered public room (id 0, to be stored)."""
    compound = compound_of(catalog, compound_id)
    if not 0 < floor_area_m2 <= MAX_FLOOR_AREA_M2:
        raise InputError(f"a floor area is more than 0 and at most {MAX_FLOOR_AREA_M2:,.0f} m²", field="floorAreaM2")
    _code(use, contract.ROOM_USES, "use")
    _not_after(recovered_on, today, "recoveredOn")
    where = _inside(compound, point, "position")
    return r.PublicRoom(where, "", 0, compound_id, float(floor_area_m2), use, recovered_on)


def credit_score(catalog: Catalog, *, company_id: str, year: int, score: float, today: date) -> r.CreditScore:
    """A property company's score of a year (a new one, or in place of the year's score)."""
    if company_id not in catalog.companies:
        raise NotFound(f"no property company {company_id}", field="companyId")
    if not 1990 <= year <= today.year:
        raise InputError(f"a year from 1990 to {today.year}", field="year")
    if not 0 <= score <= 200:
        raise InputError("a score from 0 to 200", field="score")
    return r.CreditScore(year, float(score), company_id)


def grade_of(catalog: Catalog, company_id: str, year: int) -> CompanyGrade:
    """The company's grade and listing of the year, under that year's scheme (for the payload)."""
    company = catalog.companies[company_id]
    score = next(s.score for s in company.scores if s.year == year)
    scheme = grading.scheme_for(year)
    return CompanyGrade(company, year, score, grading.grade(score, scheme), grading.listing(score, scheme))
