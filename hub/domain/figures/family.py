"""What a figure family is: its rows, columns, the groupings and dates it offers, and its measures.

A measure is a function of the grouped rows (:class:`~hub.domain.figures.groups.Grouped`) and the
selected rows' columns (:class:`Rows`) giving one value per group; shares and rates divide two such
arrays (None where the divisor is 0). Families are declared in ``governance`` and ``field``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hub.domain.figures.facts import Column, Facts, Source
from hub.domain.figures.groups import Grouped
from hub.store.catalog import Catalog

KIND, CATEGORY, STATUS, STATE, SQUAD = "KIND", "CATEGORY", "STATUS", "STATE", "SQUAD"
GUIDANCE_GROUP, WEATHER_EVENT = "GUIDANCE_GROUP", "WEATHER_EVENT"
SEVERITY, CAMPAIGN, TEAM = "SEVERITY", "CAMPAIGN", "TEAM"
ATTRIBUTES = (KIND, CATEGORY, STATUS, STATE, SEVERITY, SQUAD, GUIDANCE_GROUP, WEATHER_EVENT, CAMPAIGN, TEAM)
RECORDS = (SQUAD, GUIDANCE_GROUP, WEATHER_EVENT, CAMPAIGN, TEAM)
"""Attribute groupings whose values are codes of records (a group's key shows the record)."""


@dataclass(frozen=True)
class Rows:
    """The selected rows of a fact table: their columns, and the moment the figures are for."""

    table: Facts
    index: np.ndarray
    now_s: float
    """The moment, as seconds since the epoch (for "past its deadline now")."""
    overrides: dict[str, np.ndarray] = field(default_factory=dict)
    """Columns replaced for this selection (an area clipped to a drawn polygon)."""

    def __getitem__(self, column: str) -> np.ndarray:
        hit = self.overrides.get(column)
        return hit if hit is not None else self.table.values[column][self.index]

    def is_(self, column: str, *texts: str) -> np.ndarray:
        """True where the code column holds one of ``texts``."""
        codes = [self.table.code(column, t) for t in texts]
        return np.isin(self[column], codes)


Measure = Callable[[Grouped, Rows], np.ndarray]


def share(numerator: Measure, denominator: Measure) -> Measure:
    """A ratio of two measures per group; NaN (shown as null) where the denominator is 0."""

    def measure(g: Grouped, rows: Rows) -> np.ndarray:
        a, b = numerator(g, rows).astype(np.float64), denominator(g, rows).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)

    return measure


def count(where: Callable[[Rows], np.ndarray] | None = None) -> Measure:
    """Rows per group (those for which ``where`` holds, when given)."""
    return lambda g, rows: g.count(None if where is None else where(rows))


def total(column: str, where: Callable[[Rows], np.ndarray] | None = None) -> Measure:
    """Sum of a number column per group (over the rows for which ``where`` holds, when given)."""

    def measure(g: Grouped, rows: Rows) -> np.ndarray:
        values = rows[column]
        return g.sum(values if where is None else np.where(where(rows), values, 0.0))

    return measure


def whole(measure: Measure) -> Measure:
    """A measure of whole things (hazards, people sent) as integers, so tables show ``3``, not ``3.0``."""
    return lambda g, rows: np.rint(measure(g, rows)).astype(np.int64)


@dataclass(frozen=True)
class Family:
    """A kind of record that figures are computed for."""

    name: str
    noun: str
    source: Source
    columns: dict[str, Column]
    measures: dict[str, Measure]
    attributes: dict[str, str] = field(default_factory=dict)
    """Attribute grouping (KIND, STATUS…) → the code column it groups by."""
    dates: dict[str, str] = field(default_factory=dict)
    """What the calendar groupings and the date range may follow → day column; the first is the default."""
    area: str | None = None
    """The number column that a drawn area clips (geodesic m² of the record's part inside it)."""
    layer: str | None = None
    """The catalog layer of its records (spatial filters test their own geometry); None: their compound's."""
    known: dict[str, Callable[[Catalog], Collection[str]]] = field(default_factory=dict)
    """Attribute grouping → the values a filter on it may name (others are refused)."""
    summed: tuple[str, ...] = ()
    """Measures that add up over groups to the total (the others are shares, means and quantiles)."""

    @property
    def default_date(self) -> str | None:
        return next(iter(self.dates), None)


def value_of(row: Callable[[Any], Any]) -> Column:
    """A column of plain values read from the record."""
    return Column("number", lambda c, r: row(r))
