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
from hub.services.hub import Hub


@dataclass(frozen=True)
class RecordsCommand:
    """Which records of a list: where (their geometry, or their compound's), when, and attribute values."""

    where: SpatialFilter = field(default_factory=SpatialFilter)
    during: DateRange = field(default_factory=DateRange)
    compounds: Sequence[int] | None = None
    kinds: Sequence[str] | None = None
    """Meeting kinds, room uses, problem categories or management modes, by list."""
    solved: bool | None = None


def meetings(hub: Hub, viewer: Viewer, cmd: RecordsCommand) -> np.ndarray:
    """Ids of the matching meetings, in order."""
    return rules.meetings(hub.data, where=cmd.where, during=cmd.during, kinds=cmd.kinds, compounds=cmd.compounds)


def problems(hub: Hub, viewer: Viewer, cmd: RecordsCommand) -> np.ndarray:
    """Positions (in ``catalog.problems``) of the matching problems, in order."""
    return rules.problems(
        hub.data,
        cmd.where.positions(hub.data.problems),
        during=cmd.during,
        solved=cmd.solved,
        categories=cmd.kinds,
        compounds=cmd.compounds,
    )


def public_rooms(hub: Hub, viewer: Viewer, cmd: RecordsCommand) -> np.ndarray:
    """Positions (in ``catalog.public_rooms``) of the matching rooms, in order."""
    return rules.public_rooms(
        hub.data, cmd.where.positions(hub.data.public_rooms), during=cmd.during, uses=cmd.kinds, compounds=cmd.compounds
    )


def grades(
    hub: Hub, viewer: Viewer, year: int, listing: str | None = None, grade: str | None = None
) -> list[rules.CompanyGrade]:
    """Companies' grades of a year, best first (a red or black list with ``listing``)."""
    return rules.grades(hub.data, year, listing=listing, grade=grade)


def management_history(hub: Hub, viewer: Viewer, cmd: RecordsCommand) -> list[rules.Period]:
    """Management periods of the matching compounds, by compound, oldest first."""
    return rules.management_history(
        hub.data, where=cmd.where, compounds=cmd.compounds, modes=cmd.kinds, during=cmd.during
    )
