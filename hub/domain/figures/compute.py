"""Figures for one question: select the rows (space, a drawn area, dates, attributes, places), group them
by place, time and attributes, and measure each group and the total.

Every selected row lands in exactly one group ("none" where it has no value for a grouping), so the
groups' summed measures add up to the total. Bad questions are refused naming the argument: a grouping
or a date the family does not have, a filter value that names nothing, a reversed date range.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely

from hub.domain.figures import places as pl
from hub.domain.figures.cases import HAZARDS, SERVICE_REQUESTS
from hub.domain.figures.facts import Facts, facts, place_keys
from hub.domain.figures.family import (
    ATTRIBUTES,
    CAMPAIGN,
    GUIDANCE_GROUP,
    SEVERITY,
    SQUAD,
    TEAM,
    WEATHER_EVENT,
    Family,
    Rows,
)
from hub.domain.figures.field import INCIDENTS, MERCHANTS, PATROLS
from hub.domain.figures.governance import COMPOUNDS, FEE_YEARS, MEETINGS, OCCUPATIONS, PROBLEMS, PUBLIC_ROOMS
from hub.domain.figures.groups import Grouped, group
from hub.domain.figures.guidance import GUIDANCE_VISITS
from hub.domain.figures.periods import UNITS, DateRange, label, periods
from hub.domain.filters import SpatialFilter
from hub.errors import InputError, NotFound
from hub.geo.clip import clipped_areas
from hub.store.catalog import Catalog

FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        COMPOUNDS,
        OCCUPATIONS,
        PUBLIC_ROOMS,
        FEE_YEARS,
        MEETINGS,
        PROBLEMS,
        INCIDENTS,
        PATROLS,
        MERCHANTS,
        GUIDANCE_VISITS,
        HAZARDS,
        SERVICE_REQUESTS,
    )
}
GROUPINGS = (*pl.PLACES, *ATTRIBUTES, *UNITS)


@dataclass(frozen=True)
class FigureQuery:
    """One question: which family, grouped how, over which records."""

    family: str
    group_by: tuple[str, ...] = ()
    where: SpatialFilter = field(default_factory=SpatialFilter)
    clip: shapely.Geometry | None = None
    """A drawn area (validated polygon): only records meeting it, their areas clipped to it."""
    during: DateRange = field(default_factory=DateRange)
    date_by: str | None = None
    """Which date the calendar groupings and ``during`` follow (the family's first date by default)."""
    places: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Place grouping → codes: only records in one of those places."""
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    """Attribute grouping → values: only records with one of those values."""
    now: datetime | None = None


@dataclass(frozen=True)
class Group:
    """One group: its key (grouping → a record, a code, a period, or None for "none") and its measures."""

    key: Mapping[str, Any]
    values: Mapping[str, float | int | None]

    @property
    def none(self) -> tuple[str, ...]:
        """The groupings this group has no value for (on no polygon, without the date, …)."""
        return tuple(g for g, v in self.key.items() if v is None)


@dataclass(frozen=True)
class Figures:
    family: str
    group_by: tuple[str, ...]
    date_by: str | None
    total: Group
    groups: tuple[Group, ...]
    measures: tuple[str, ...]
    summed: tuple[str, ...]


def family(name: str) -> Family:
    found = FAMILIES.get(name)
    if found is None:
        raise InputError(f"unknown figures {name!r}; one of {', '.join(FAMILIES)}", field="family")
    return found


def groupings_of(fam: Family) -> tuple[str, ...]:
    """The groupings a family offers."""
    times = UNITS if fam.dates else ()
    return (*pl.PLACES, *(a for a in ATTRIBUTES if a in fam.attributes), *times)


def check(q: FigureQuery) -> Family:
    """The family, once the question makes sense for it (InputError naming the argument otherwise)."""
    fam = family(q.family)
    offered = groupings_of(fam)
    for i, g in enumerate(q.group_by):
        if g not in offered:
            raise InputError(
                f"{fam.noun} cannot be grouped by {g}; they can by {', '.join(offered)}", field=f"groupBy[{i}]"
            )
        if g in q.group_by[:i]:
            raise InputError(f"{g} is given twice", field=f"groupBy[{i}]")
    if q.date_by is not None and q.date_by not in fam.dates:
        dates = ", ".join(fam.dates) or "none"
        raise InputError(f"{fam.noun} have no date {q.date_by}; their dates: {dates}", field="dateBy")
    if not fam.dates and not q.during.open:
        raise InputError(f"{fam.noun} have no date to restrict", field="during")
    for attr in q.attributes:
        if attr not in fam.attributes:
            raise InputError(f"{fam.noun} have no {attr.lower()} to filter on", field=f"filter.{_plural(attr)}")
    return fam


def _plural(name: str) -> str:
    return {
        "CATEGORY": "categories",
        "STATUS": "statuses",
        "PROPERTY_COMPANY": "propertyCompanies",
        GUIDANCE_GROUP: "guidanceGroups",
        WEATHER_EVENT: "weatherEvents",
        SEVERITY: "severities",
    }.get(name, name.lower() + "s")


def compute(catalog: Catalog, q: FigureQuery) -> Figures:
    """The figures a question asks for."""
    fam = check(q)
    table = facts(catalog, fam.name, fam.source, fam.columns)
    date_col = fam.dates.get(q.date_by or "", None) or (fam.dates[fam.default_date] if fam.default_date else None)
    keep = table.present.copy()
    keep &= _spatial(catalog, fam, table, q)
    if date_col is not None and not q.during.open:
        keep &= q.during.mask(table.values[date_col])
    for attr, wanted in q.attributes.items():
        keep &= _attribute_mask(catalog, fam, table, attr, wanted)
    for place, wanted in q.places.items():
        keep &= np.isin(_place_keys(catalog, fam, table, place), _place_positions(catalog, place, wanted))
    index = np.flatnonzero(keep)
    overrides = {}
    if q.clip is not None and fam.area is not None and fam.layer is not None:
        geoms = np.asarray(getattr(catalog, fam.layer).geoms)[index]
        overrides[fam.area] = clipped_areas(geoms, q.clip, table.values[fam.area][index])
    now = q.now or datetime.now(UTC)
    rows = Rows(table, index, now.timestamp(), overrides)
    keys = [_keys(catalog, fam, table, g, index, date_col) for g in q.group_by]
    grouped = group(keys) if keys else Grouped(np.zeros(len(index), dtype=np.int64), np.empty((1, 0), np.int64))
    everything = Grouped(np.zeros(len(index), dtype=np.int64), np.empty((1, 0), dtype=np.int64))
    measured = {name: m(grouped, rows) for name, m in fam.measures.items()}
    totals = {name: m(everything, rows) for name, m in fam.measures.items()}
    sort_keys = [np.where(k < 0, np.iinfo(np.int64).max, k) for k in grouped.keys.T[::-1]]  # "none" last
    order = np.lexsort(sort_keys) if sort_keys else np.arange(grouped.size)
    groups = tuple(
        Group(
            {g: _value(catalog, table, fam, g, int(grouped.keys[i, j])) for j, g in enumerate(q.group_by)},
            {name: _number(values[i]) for name, values in measured.items()},
        )
        for i in order.tolist()
    )
    total = Group({}, {name: _number(values[0]) for name, values in totals.items()})
    return Figures(fam.name, q.group_by, q.date_by or fam.default_date, total, groups, tuple(fam.measures), fam.summed)


def _number(v: Any) -> float | int | None:
    if isinstance(v, np.integer):
        return int(v)
    f = float(v)
    return None if np.isnan(f) else f


def _spatial(catalog: Catalog, fam: Family, table: Facts, q: FigureQuery) -> np.ndarray:
    """Rows meeting the spatial filter and the drawn area (tested on their own geometry, or their compound's)."""
    mask = np.ones(len(table), dtype=bool)
    if q.where.empty and q.clip is None:
        return mask
    layer = getattr(catalog, fam.layer or "compounds")
    hits = q.where.positions(layer) if not q.where.empty else None
    if q.clip is not None:
        inside = layer.query(intersects=q.clip)
        hits = inside if hits is None else np.intersect1d(hits, inside)
    assert hits is not None
    if fam.layer is not None:
        mask[:] = False
        mask[hits[hits < len(mask)]] = True
        return mask
    ids = [rec.id for rec in layer.at(hits)]
    return np.isin(table.values["compound"], np.asarray(ids, dtype=np.float64))


def _attribute_mask(catalog: Catalog, fam: Family, table: Facts, attr: str, wanted: Sequence[str]) -> np.ndarray:
    known = fam.known.get(attr)
    if known is not None:
        valid = tuple(known(catalog))
        for i, v in enumerate(wanted):
            if v not in valid:
                raise InputError(
                    f"{v!r} is not a {attr.lower()} of {fam.noun}; one of {', '.join(valid)}",
                    field=f"filter.{_plural(attr)}[{i}]",
                )
    column = fam.attributes[attr]
    return np.isin(table.values[column], [table.code(column, v) for v in wanted])


def _place_keys(catalog: Catalog, fam: Family, table: Facts, place: str) -> np.ndarray:
    if place == pl.PROPERTY_COMPANY:
        compounds = place_keys(catalog, fam.name, table, pl.COMPOUND)
        return pl.company_of_compounds(catalog, compounds)[0]
    return place_keys(catalog, fam.name, table, place)


def _place_positions(catalog: Catalog, place: str, wanted: Sequence[str]) -> np.ndarray:
    out = []
    field = f"filter.{_plural(place)}"
    if place == pl.PROPERTY_COMPANY:
        ids = sorted(catalog.companies)
        for i, code in enumerate(wanted):
            if code not in catalog.companies:
                raise NotFound(f"no property company {code!r}", field=f"{field}[{i}]")
            out.append(ids.index(code))
        return np.asarray(out, dtype=np.int64)
    layer = getattr(catalog, pl.LAYERS[place])
    for i, code in enumerate(wanted):
        key: Any = int(code) if place == pl.COMPOUND and str(code).isdigit() else code
        pos = layer.position(key)
        if pos is None:
            raise NotFound(f"no {place.lower().replace('_', ' ')} {code!r}", field=f"{field}[{i}]")
        out.append(pos)
    return np.asarray(out, dtype=np.int64)


def _keys(catalog: Catalog, fam: Family, table: Facts, g: str, index: np.ndarray, date_col: str | None) -> np.ndarray:
    if g in pl.PLACES:
        return _place_keys(catalog, fam, table, g)[index].astype(np.int64)
    if g in UNITS:
        assert date_col is not None
        return periods(table.values[date_col][index], g)
    return table.values[fam.attributes[g]][index].astype(np.int64)


def _value(catalog: Catalog, table: Facts, fam: Family, g: str, key: int) -> Any:
    """What a group's key shows: the place's record, the attribute's code, the period's label (None: none)."""
    if key < 0:
        return None
    if g == pl.PROPERTY_COMPANY:
        return catalog.companies.get(sorted(catalog.companies)[key])
    if g in pl.LAYERS:
        return getattr(catalog, pl.LAYERS[g]).records[key]
    if g in UNITS:
        return label(g, key)
    text = table.vocab[fam.attributes[g]][key]
    if g == SQUAD:
        return catalog.squads.get(text)
    if g == GUIDANCE_GROUP:
        return catalog.guidance_groups.get(text)
    if g == WEATHER_EVENT:
        return catalog.weather_events.get(text)
    if g == CAMPAIGN:
        return catalog.safety_campaigns.get(text)
    if g == TEAM:
        return catalog.volunteer_teams.get(text)
    return text
