"""The governance records as lists: meetings, problems, recovered public rooms, grades, management history.

Public records: every role may list them. Free text (a problem's description) is masked where it is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hub.domain import governance as rules
from hub.domain.access import Viewer
from hub.domain.figures.periods import DateRange
from hub.domain.filters import SpatialFilter
from hub.store.catalog import Catalog


@dataclass(frozen=True)
class RecordsCommand:
    """Which records of a list: where (their geometry, or their compound's), when, and attribute values."""

    where: SpatialFilter = field(default_factory=SpatialFilter)
    during: DateRange = field(default_factory=DateRange)
    compounds: Sequence[int] | None = None
    kinds: Sequence[str] | None = None
    """Meeting kinds, room uses, problem categories or management modes, by list."""
    solved: bool | None = None


def meetings(catalog: Catalog, viewer: Viewer, cmd: RecordsCommand) -> np.ndarray:
    """Ids of the matching meetings, in order."""
    return rules.meetings(catalog, where=cmd.where, during=cmd.during, kinds=cmd.kinds, compounds=cmd.compounds)


def problems(catalog: Catalog, viewer: Viewer, cmd: RecordsCommand) -> np.ndarray:
    """Positions (in ``catalog.problems``) of the matching problems, in order."""
    return rules.problems(
        catalog,
        cmd.where.positions(catalog.problems),
        during=cmd.during,
        solved=cmd.solved,
        categories=cmd.kinds,
        compounds=cmd.compounds,
    )


def public_rooms(catalog: Catalog, viewer: Viewer, cmd: RecordsCommand) -> np.ndarray:
    """Positions (in ``catalog.public_rooms``) of the matching rooms, in order."""
    return rules.public_rooms(
        catalog, cmd.where.positions(catalog.public_rooms), during=cmd.during, uses=cmd.kinds, compounds=cmd.compounds
    )


def grades(
    catalog: Catalog, viewer: Viewer, year: int, listing: str | None = None, grade: str | None = None
) -> list[rules.CompanyGrade]:
    """Companies' grades of a year, best first (a red or black list with ``listing``)."""
    return rules.grades(catalog, year, listing=listing, grade=grade)


def management_history(catalog: Catalog, viewer: Viewer, cmd: RecordsCommand) -> list[rules.Period]:
    """Management periods of the matching compounds, by compound, oldest first."""
    return rules.management_history(
        catalog, where=cmd.where, compounds=cmd.compounds, modes=cmd.kinds, during=cmd.during
    )
