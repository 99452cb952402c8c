"""The weekly bulletin (周通报) of a safety campaign: premises inspected, hazards found, rectified and closed, what is
still open and what is overdue, by premises category, for one week (Monday to Sunday, local time).

Figures are as of the end of the week (or now, for the week under way): cumulative ones count what happened by
then, "this week" ones what happened in the week. A hazard is open at that moment when it was found by then and
not verified (销号) or cancelled by then; it is overdue when it was still to be rectified after the end of its
deadline's day. For a past week "still to be rectified" means not yet reported rectified by the end of that
week (a hazard sent back after that week does not change the past bulletin); for the week under way it is
the hazard's state now, as ``hazards(overdue: true)`` answers.

The work is array work over the hazards' figure columns (``hub.domain.figures.cases.HAZARDS``, kept current
with every write) and the inspections' and premises' columns kept the same way: masks per question, one
``bincount`` per measure over the categories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import numpy as np

from hub.domain import hazards as hz
from hub.domain.figures.cases import HAZARDS
from hub.domain.figures.facts import CODE, DAY, NUMBER, Facts, attribute, facts, layer_source
from hub.domain.figures.periods import day_number
from hub.domain.roster import LOCAL, check_day, local_time
from hub.store import records as r
from hub.store.catalog import Catalog

PREMISES_COLUMNS = {
    "category": attribute(CODE, lambda x: x.category),
    "township": attribute(CODE, lambda x: x.township_code),
}
INSPECTION_COLUMNS = {
    "campaign": attribute(CODE, lambda x: x.campaign_code),
    "category": attribute(CODE, lambda x: x.category),
    "premises": attribute(NUMBER, lambda x: x.premises_id),
    "inspected": attribute(DAY, lambda x: x.inspected_on),
}
MEASURES = (
    "premises",
    "inspected",
    "inspected_this_week",
    "inspections_this_week",
    "found_this_week",
    "major_this_week",
    "found",
    "rectified",
    "rectified_this_week",
    "verified",
    "verified_this_week",
    "open",
    "open_major",
    "overdue",
)
"""The measures of a bulletin line, in the order documents show them."""
MEASURE_NAMES = {
    "premises": "场所总数",
    "inspected": "累计已排查场所",
    "inspected_this_week": "本周排查场所",
    "inspections_this_week": "本周检查次数",
    "found_this_week": "本周发现隐患",
    "major_this_week": "其中重大隐患",
    "found": "累计发现隐患",
    "rectified": "累计已整改",
    "rectified_this_week": "本周整改",
    "verified": "累计已销号",
    "verified_this_week": "本周销号",
    "open": "未销号隐患",
    "open_major": "未销号重大隐患",
    "overdue": "超期未整改",
}
MAX_LISTED = 100
"""Overdue hazards a bulletin lists by name (the count is always whole)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One row of a bulletin: a premises category (``None``: every category) and its measures."""

    category: str | None
    values: dict[str, int]

    @property
    def name(self) -> str:
        return "合计" if self.category is None else hz.CATEGORY_NAMES.get(self.category, self.category)


@dataclass(frozen=True, slots=True)
class Bulletin:
    campaign: r.SafetyCampaign
    township: r.Township | None
    number: int
    """Which week of the campaign (第N期): 1 for the week it started in."""
    week_start: date
    week_end: date
    as_of: datetime
    lines: tuple[Line, ...]
    total: Line
    overdue: tuple[r.Hazard, ...]
    """The overdue hazards, the most overdue first (at most ``MAX_LISTED``)."""
    premises_names: dict[int, str]
    """The names of the listed hazards' premises, by id."""

    @property
    def rectification_rate(self) -> float | None:
        """Hazards verified / hazards found (not cancelled), by the bulletin's moment."""
        found = self.total.values["found"]
        return None if found == 0 else self.total.values["verified"] / found


def week_of(day: date) -> tuple[date, date]:
    """The Monday and Sunday of the week holding ``day``.

    >>> week_of(date(2023, 12, 13))
    (datetime.date(2023, 12, 11), datetime.date(2023, 12, 17))
    """
    start = day - timedelta(days=day.weekday())
    return start, start + timedelta(days=6)


def weekly_bulletin(catalog: Catalog, campaign_code: str, day: date | None, now: datetime) -> Bulletin:
    """The bulletin of a campaign for the week holding ``day`` (the current week when None)."""
    campaign = hz.campaign_of(catalog, campaign_code)
    now = local_time(now)
    if day is not None:
        check_day(day, field="week")
    start, end = week_of(day or now.date())
    end_of_week = datetime.combine(end + timedelta(days=1), time(0), LOCAL)
    as_of = min(now, end_of_week)
    live = as_of >= now
    t = as_of.timestamp()
    first, last = day_number(start), day_number(min(end, as_of.date()))

    cats = hz.CATEGORIES
    hazards = facts(catalog, HAZARDS.name, HAZARDS.source, HAZARDS.columns)
    h = np.flatnonzero(hazards.present & (hazards.values["campaign"] == hazards.code("campaign", campaign.code)))
    cat_h = _category_index(hazards, "category", h, cats)
    col = {name: hazards.values[name][h] for name in ("found", "found_s", "rectified_s", "closed_s", "deadline")}
    state = hazards.values["state"][h]

    def is_(*states: str) -> np.ndarray:
        return np.isin(state, [hazards.code("state", s) for s in states])

    found = col["found_s"] <= t
    this_week = found & (col["found"] >= first)
    major = hazards.values["severity"][h] == hazards.code("severity", hz.MAJOR)
    closed_by = col["closed_s"] <= t
    verified = is_(hz.VERIFIED) & closed_by
    cancelled = is_(hz.CANCELLED) & closed_by
    rectified = ~cancelled & (col["rectified_s"] <= t)
    opened = found & ~verified & ~cancelled
    awaiting = is_(*hz.AWAITING) if live else opened & ~rectified
    overdue = opened & awaiting & (col["deadline"] < t)
    week_s = datetime.combine(start, time(0), LOCAL).timestamp()

    prem = facts(catalog, "bulletin.premises", layer_source("premises"), PREMISES_COLUMNS)
    p = np.flatnonzero(prem.present & (prem.values["township"] == prem.code("township", campaign.township_code)))
    insp = facts(catalog, "bulletin.inspections", layer_source("inspections"), INSPECTION_COLUMNS)
    i = np.flatnonzero(insp.present & (insp.values["campaign"] == insp.code("campaign", campaign.code)))
    day_i = insp.values["inspected"][i]
    done = i[day_i <= last]
    week = i[(day_i >= first) & (day_i <= last)]

    n = len(cats)
    counts = {
        "premises": _count(_category_index(prem, "category", p, cats), n),
        "inspected": _distinct(insp, done, cats),
        "inspected_this_week": _distinct(insp, week, cats),
        "inspections_this_week": _count(_category_index(insp, "category", week, cats), n),
        "found_this_week": _count(cat_h[this_week], n),
        "major_this_week": _count(cat_h[this_week & major], n),
        "found": _count(cat_h[found & ~cancelled], n),
        "rectified": _count(cat_h[rectified], n),
        "rectified_this_week": _count(cat_h[rectified & (col["rectified_s"] >= week_s)], n),
        "verified": _count(cat_h[verified], n),
        "verified_this_week": _count(cat_h[verified & (col["closed_s"] >= week_s)], n),
        "open": _count(cat_h[opened], n),
        "open_major": _count(cat_h[opened & major], n),
        "overdue": _count(cat_h[overdue], n),
    }
    lines = tuple(
        Line(c, {m: int(counts[m][k]) for m in MEASURES})
        for k, c in enumerate(cats)
        if counts["premises"][k] or counts["found"][k] or counts["inspected"][k]
    )
    total = Line(None, {m: int(counts[m].sum()) for m in MEASURES})
    late = h[overdue]
    order = np.lexsort((late, hazards.values["deadline"][late]))[:MAX_LISTED]
    listed = tuple(x for pos in late[order].tolist() if (x := catalog.hazards.records[pos]) is not None)
    number = (start - week_of(campaign.starts_on)[0]).days // 7 + 1
    return Bulletin(
        campaign=campaign,
        township=catalog.townships.get(campaign.township_code),
        number=number,
        week_start=start,
        week_end=end,
        as_of=as_of,
        lines=lines,
        total=total,
        overdue=listed,
        premises_names={x.premises_id: q.name for x in listed if (q := catalog.premises.get(x.premises_id))},
    )


def _category_index(table: Facts, column: str, rows: np.ndarray, cats: tuple[str, ...]) -> np.ndarray:
    """Each row's category as its position in ``cats`` (unknown ones counted as the last, OTHER)."""
    vocab = table.vocab.get(column, ())
    lookup = np.array([cats.index(v) if v in cats else len(cats) - 1 for v in vocab] or [0], dtype=np.int64)
    codes = table.values[column][rows]
    return np.where(codes >= 0, lookup[np.maximum(codes, 0)], len(cats) - 1)


def _count(index: np.ndarray, n: int) -> np.ndarray:
    return np.bincount(index, minlength=n)[:n]


def _distinct(insp: Facts, rows: np.ndarray, cats: tuple[str, ...]) -> np.ndarray:
    """Premises inspected at least once among ``rows`` (inspections), by category."""
    premises = insp.values["premises"][rows]
    _, first = np.unique(premises, return_index=True)
    return _count(_category_index(insp, "category", rows[first], cats), len(cats))
