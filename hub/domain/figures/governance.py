"""Figure families of the 红色物业 work: compounds, occupied public space, public rooms, fee collection,
three-party meetings and the problems raised at them.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import numpy as np

from hub.domain import occupations as occupation_rules
from hub.domain.figures.facts import CODE, DAY, FLAG, NUMBER, Column, Source, attribute, layer_source
from hub.domain.figures.family import CATEGORY, KIND, STATUS, Family, count, share, total
from hub.store import contract
from hub.store import records as r
from hub.store.catalog import Catalog

UNMANAGED = "UNMANAGED"
FORMERLY_UNMANAGED, MANAGED_SINCE_BUILT = "FORMERLY_UNMANAGED", "MANAGED_SINCE_BUILT"
COLLECTING, NOT_COLLECTING = "COLLECTING", "NOT_COLLECTING"
SOLVED, OPEN = "SOLVED", "OPEN"
MODES = contract.MANAGEMENT_MODES


def managed_since(catalog: Catalog, compound_id: int) -> date | None:
    """When a compound was taken into management: the start of its first managed period after an unmanaged
    one; None for a compound managed since it was built."""
    periods = catalog.management.get(compound_id, ())
    for before, after in itertools.pairwise(periods):
        if before.mode == UNMANAGED and after.mode != UNMANAGED:
            return after.since
    return None


COMPOUNDS = Family(
    name="compounds",
    noun="compounds",
    source=layer_source("compounds"),
    layer="compounds",
    columns={
        "mode": attribute(CODE, lambda x: x.management_mode),
        "history": attribute(CODE, lambda x: FORMERLY_UNMANAGED if x.formerly_unmanaged else MANAGED_SINCE_BUILT),
        "fees": attribute(FLAG, lambda x: x.collects_fees),
        "branch": attribute(FLAG, lambda x: x.party_branch is not None),
        "committee": attribute(FLAG, lambda x: x.committee is not None),
        "households": attribute(NUMBER, lambda x: x.households),
        "area": attribute(NUMBER, lambda x: x.area_m2),
        "managed": Column(DAY, lambda c, x: managed_since(c, x.id)),
        "committee_on": attribute(DAY, lambda x: x.committee.established_on if x.committee else None),
        "branch_on": attribute(DAY, lambda x: x.party_branch.established_on if x.party_branch else None),
    },
    attributes={KIND: "mode", STATUS: "history"},
    known={KIND: lambda c: MODES, STATUS: lambda c: (FORMERLY_UNMANAGED, MANAGED_SINCE_BUILT)},
    dates={"MANAGED": "managed", "COMMITTEE_SET_UP": "committee_on", "BRANCH_SET_UP": "branch_on"},
    area="area",
    measures={
        "count": count(),
        "households": total("households"),
        "area_m2": total("area"),
        "formerly_unmanaged": count(lambda x: x.is_("history", FORMERLY_UNMANAGED)),
        "collecting_fees": count(lambda x: x["fees"]),
        "with_party_branch": count(lambda x: x["branch"]),
        "with_committee": count(lambda x: x["committee"]),
    },
    summed=(
        "count",
        "households",
        "area_m2",
        "formerly_unmanaged",
        "collecting_fees",
        "with_party_branch",
        "with_committee",
    ),
)

_cleared = lambda x: x.is_("status", occupation_rules.CLEARED)  # noqa: E731
_occupied = lambda x: x.is_("status", occupation_rules.OCCUPIED)  # noqa: E731

OCCUPATIONS = Family(
    name="occupations",
    noun="occupations",
    source=layer_source("occupations"),
    layer="occupations",
    columns={
        "kind": attribute(CODE, lambda x: x.kind),
        "status": attribute(CODE, lambda x: x.status),
        "area": attribute(NUMBER, lambda x: x.area_m2),
        "reported": attribute(DAY, lambda x: x.reported_on),
        "cleared": attribute(DAY, lambda x: x.cleared_on),
    },
    attributes={KIND: "kind", STATUS: "status"},
    known={
        KIND: lambda c: occupation_rules.KINDS,
        STATUS: lambda c: (occupation_rules.OCCUPIED, occupation_rules.CLEARED),
    },
    dates={"REPORTED": "reported", "CLEARED": "cleared"},
    area="area",
    measures={
        "count": count(),
        "area_m2": total("area"),
        "cleared_count": count(_cleared),
        "cleared_area_m2": total("area", _cleared),
        "occupied_count": count(_occupied),
        "occupied_area_m2": total("area", _occupied),
    },
    summed=("count", "area_m2", "cleared_count", "cleared_area_m2", "occupied_count", "occupied_area_m2"),
)

PUBLIC_ROOMS = Family(
    name="public_rooms",
    noun="recovered public rooms",
    source=layer_source("public_rooms"),
    layer="public_rooms",
    columns={
        "use": attribute(CODE, lambda x: x.use),
        "floor": attribute(NUMBER, lambda x: x.floor_area_m2),
        "recovered": attribute(DAY, lambda x: x.recovered_on),
    },
    attributes={KIND: "use"},
    dates={"RECOVERED": "recovered"},
    measures={"count": count(), "floor_area_m2": total("floor")},
    summed=("count", "floor_area_m2"),
)


def _static(name: str, records: Any, *deps: str) -> Source:
    """Rows of a catalog collection without positions of its own, rebuilt when it or ``deps`` layers change."""
    return Source(
        records=records,
        geoms=None,
        version=lambda c: (name, c.records_version, len(getattr(c, name)), *(getattr(c, d).version for d in deps)),
        compound_of=lambda x: x.compound_id,
    )


def _compound(c: Catalog, compound_id: int) -> r.Compound | None:
    return c.compounds.get(compound_id)


FEE_YEARS = Family(
    name="fee_years",
    noun="compound-years of fee collection",
    source=_static("fee_years", lambda c: c.fee_years, "compounds"),
    columns={
        "compound": attribute(NUMBER, lambda x: x.compound_id),
        "status": attribute(CODE, lambda x: COLLECTING if x.collecting else NOT_COLLECTING),
        "mode": Column(CODE, lambda c, x: k.management_mode if (k := _compound(c, x.compound_id)) else None),
        "year": attribute(DAY, lambda x: date(x.year, 1, 1)),
        "rate": attribute(NUMBER, lambda x: x.rate),
        "households": Column(NUMBER, lambda c, x: k.households if (k := _compound(c, x.compound_id)) else None),
    },
    attributes={STATUS: "status", KIND: "mode"},
    known={STATUS: lambda c: (COLLECTING, NOT_COLLECTING), KIND: lambda c: MODES},
    dates={"YEAR": "year"},
    measures={
        "count": count(),
        "collecting": count(lambda x: x.is_("status", COLLECTING)),
        "collecting_share": share(count(lambda x: x.is_("status", COLLECTING)), count()),
        "mean_collection_rate": lambda g, x: g.mean(np.where(x.is_("status", COLLECTING), x["rate"], np.nan)),
        "households": total("households"),
    },
    summed=("count", "collecting", "households"),
)


def _problems_by_meeting(c: Catalog) -> dict[int, list[r.Problem]]:
    key = ("figures.problems_by_meeting",)
    hit = c.memo.get(key)
    if hit is None or hit[0] != c.problems.version:
        grouped: dict[int, list[r.Problem]] = {}
        for p in c.problems:
            grouped.setdefault(p.meeting_id, []).append(p)
        hit = c.memo[key] = (c.problems.version, grouped)
    return hit[1]


MEETINGS = Family(
    name="meetings",
    noun="three-party meetings",
    source=Source(
        records=lambda c: [c.meetings[k] for k in sorted(c.meetings)],
        geoms=None,
        version=lambda c: ("meetings", c.records_version, len(c.meetings), c.compounds.version, c.problems.version),
        compound_of=lambda x: x.compound_id,
    ),
    columns={
        "compound": attribute(NUMBER, lambda x: x.compound_id),
        "kind": attribute(CODE, lambda x: x.kind),
        "held": attribute(DAY, lambda x: x.held_on),
        "raised": Column(NUMBER, lambda c, x: len(_problems_by_meeting(c).get(x.id, ()))),
        "solved": Column(NUMBER, lambda c, x: sum(p.solved for p in _problems_by_meeting(c).get(x.id, ()))),
    },
    attributes={KIND: "kind"},
    dates={"HELD": "held"},
    measures={
        "count": count(),
        "problems_raised": total("raised"),
        "problems_solved": total("solved"),
        "solved_share": share(total("solved"), total("raised")),
    },
    summed=("count", "problems_raised", "problems_solved"),
)


def _held_on(c: Catalog, p: r.Problem) -> date | None:
    m = c.meetings.get(p.meeting_id)
    return None if m is None else m.held_on


def _days_to_solve(c: Catalog, p: r.Problem) -> float | None:
    held = _held_on(c, p)
    return None if held is None or p.solved_on is None else float((p.solved_on - held).days)


PROBLEMS = Family(
    name="problems",
    noun="problems raised at meetings",
    source=layer_source("problems"),
    layer="problems",
    columns={
        "category": attribute(CODE, lambda x: x.category),
        "status": attribute(CODE, lambda x: SOLVED if x.solved else OPEN),
        "raised": Column(DAY, _held_on),
        "solved_on": attribute(DAY, lambda x: x.solved_on),
        "days": Column(NUMBER, _days_to_solve),
    },
    attributes={CATEGORY: "category", STATUS: "status"},
    known={STATUS: lambda c: (SOLVED, OPEN)},
    dates={"RAISED": "raised", "SOLVED": "solved_on"},
    measures={
        "count": count(),
        "solved": count(lambda x: x.is_("status", SOLVED)),
        "solved_share": share(count(lambda x: x.is_("status", SOLVED)), count()),
        "mean_days_to_solve": lambda g, x: g.mean(x["days"]),
        "p90_days_to_solve": lambda g, x: g.quantile(x["days"], 0.9),
    },
    summed=("count", "solved"),
)
