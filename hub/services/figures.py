"""Analysts' figures: measures grouped by place, time and attributes, as typed groups or as plain rows.

The figures are public (they expose no one's personal data: patrols are summed, never traced), so no
role is refused here; what a group's key shows (an officer's name, say) is masked where it is shown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from hub.domain.access import Viewer
from hub.domain.drawn import DrawnArea, measure, parse_area
from hub.domain.figures import places as pl
from hub.domain.figures.compute import FigureQuery, Figures, compute
from hub.domain.figures.family import RECORDS
from hub.domain.figures.periods import UNITS, DateRange
from hub.domain.filters import SpatialFilter
from hub.domain.model import Catalog
from hub.domain.patrols import Coverage, patrol_coverage
from hub.errors import InputError, LimitExceeded


class Hub(Protocol):
    """What the figures read: the catalog (``hub.services.Hub`` is one; an export endpoint may hand its own)."""

    @property
    def data(self) -> Catalog: ...


@dataclass(frozen=True)
class FiguresCommand:
    """What an analyst asks: a family of records, how to group it, and which of its records count."""

    family: str
    group_by: Sequence[str] = ()
    where: SpatialFilter = field(default_factory=SpatialFilter)
    clip: Any = None
    """A drawn polygon (GeoJSON), validated here: only records meeting it, areas clipped to it."""
    clip_crs: str = "WGS84"
    start: date | None = None
    end: date | None = None
    date_by: str | None = None
    filters: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Grouping name (SUBDISTRICT, KIND, …) → the values to keep."""
    now: datetime | None = None
    max_vertices: int = 10_000


def _query(cmd: FiguresCommand) -> FigureQuery:
    clip = (
        None
        if cmd.clip is None
        else parse_area(cmd.clip, crs=cmd.clip_crs, field="clip", max_vertices=cmd.max_vertices)
    )
    places = {k: list(v) for k, v in cmd.filters.items() if k in pl.PLACES}
    attributes = {k: list(v) for k, v in cmd.filters.items() if k not in pl.PLACES}
    return FigureQuery(
        family=cmd.family,
        group_by=tuple(cmd.group_by),
        where=cmd.where,
        clip=clip,
        during=DateRange.checked(cmd.start, cmd.end, field="during"),
        date_by=cmd.date_by,
        places=places,
        attributes=attributes,
        now=cmd.now,
    )


def figures(hub: Hub, viewer: Viewer, cmd: FiguresCommand) -> Figures:
    """The groups and the total of one question."""
    return compute(hub.data, _query(cmd))


@dataclass(frozen=True)
class Table:
    """Figures as a flat table, for CSV and spreadsheets: column names, and one row per group."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


def key_columns(grouping: str) -> tuple[str, ...]:
    name = grouping.lower()
    if grouping == pl.COMPOUND:
        return ("compound_id", "compound_name")
    if grouping in pl.PLACES or grouping in RECORDS:
        return (f"{name}_code",) if grouping in (pl.GRID,) else (f"{name}_code", f"{name}_name")
    return (name,)


def _key_values(grouping: str, value: Any) -> tuple[Any, ...]:
    width = len(key_columns(grouping))
    if value is None:
        return (None,) * width
    if grouping == pl.COMPOUND:
        return (value.id, value.name)
    if grouping == pl.PROPERTY_COMPANY:
        return (value.id, value.name)
    if grouping in pl.PLACES or grouping in RECORDS:
        return (value.code,) if width == 1 else (value.code, value.name)
    if grouping in UNITS:
        return (value.isoformat() if isinstance(value, date) else value,)
    return (value,)


def as_table(fig: Figures) -> Table:
    """Figures as rows: the groups' keys (code and name for places) then their measures; "none" keys are empty."""
    columns = tuple(c for g in fig.group_by for c in key_columns(g)) + fig.measures
    rows = tuple(
        tuple(v for g in fig.group_by for v in _key_values(g, grp.key[g])) + tuple(grp.values[m] for m in fig.measures)
        for grp in fig.groups
    )
    return Table(columns, rows)


def figure_table(hub: Hub, viewer: Viewer, cmd: FiguresCommand) -> Table:
    """The grouped figures of one question as plain rows (what an export endpoint writes as CSV)."""
    return as_table(figures(hub, viewer, cmd))


@dataclass(frozen=True)
class DrawnAreaCommand:
    geometry: Any
    crs: str = "WGS84"
    max_vertices: int = 10_000


def drawn_area(hub: Hub, viewer: Viewer, cmd: DrawnAreaCommand) -> DrawnArea:
    """An analyst's drawn polygon: its area, the occupied space inside it (clipped) and the records it holds."""
    return measure(hub.data, parse_area(cmd.geometry, crs=cmd.crs, field="area", max_vertices=cmd.max_vertices))


MAX_COVERAGE_DAYS = 366


@dataclass(frozen=True)
class CoverageCommand:
    start: date | None
    end: date | None
    sectors: tuple[str, ...] | None = None


def sector_coverage(hub: Hub, viewer: Viewer, cmd: CoverageCommand) -> list[Coverage]:
    """Each sector's patrol coverage on each local day of a bounded range (sector by sector, day by day)."""
    if cmd.start is None or cmd.end is None:
        raise InputError("give both ends of the range (at most 366 days)", field="during")
    during = DateRange.checked(cmd.start, cmd.end, field="during")
    days = during.days()
    if len(days) > MAX_COVERAGE_DAYS:
        raise LimitExceeded(f"the range has {len(days)} days; at most {MAX_COVERAGE_DAYS}", field="during")
    codes = cmd.sectors if cmd.sectors is not None else tuple(s.code for s in hub.data.sectors)
    return [patrol_coverage(hub.data, code, day, field=f"sectors[{i}]") for i, code in enumerate(codes) for day in days]
