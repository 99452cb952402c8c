"""How many records a link or a list holds, on average, in the data as it is: the sizes the cost model uses.

An operation's cost is estimated before it runs (``hub.schema.cost``): a list field multiplies
what is selected under it by its size. The sizes come from the records, not from guesses: a
subdistrict has as many communities as the data gives it on average, a compound as many grids as
its polygon overlaps. Each figure is worked out once per version of the layers it reads
(``Catalog.memo``), and figures that would scan a large layer read a sample of it.

Every function takes the catalog (and, where the list depends on them, the field's arguments)
and returns a number ≥ 0.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import numpy as np

from hub.store.catalog import Catalog, Layer

SAMPLE = 1_000
"""Records read to estimate a per-record figure of a large layer."""


def _remember(catalog: Catalog, key: Hashable, versions: Hashable, work_out: Callable[[], float]) -> float:
    hit = catalog.memo.get(("fanout", key))
    if hit is None or hit[0] != versions:
        hit = catalog.memo[("fanout", key)] = (versions, float(work_out()))
    return float(hit[1])


def ratio(many: int, few: int) -> float:
    """Mean children per parent.

    >>> ratio(63, 6)
    10.5
    >>> ratio(5, 0)
    5.0
    """
    return many / few if few else float(many)


def _sample(layer: Layer[Any]) -> list[Any]:
    present = layer.all_positions()
    if len(present) > SAMPLE:
        present = present[np.linspace(0, len(present) - 1, SAMPLE).astype(np.intp)]
    return layer.at(present)


def mean_geojson_bytes(catalog: Catalog, layer_name: str) -> float:
    """Mean length of a layer's pre-serialised GeoJSON (a sample of at most ``SAMPLE`` records)."""
    layer: Layer[Any] = getattr(catalog, layer_name)

    def work_out() -> float:
        sample = _sample(layer)
        return sum(len(x.geojson) for x in sample) / len(sample) if sample else 0.0

    return _remember(catalog, ("geojson", layer_name), layer.version, work_out)


def mean_length(catalog: Catalog, layer_name: str, attr: str) -> float:
    """Mean length of a tuple attribute of a layer's records (photos of an incident, fixes of a track)."""
    layer: Layer[Any] = getattr(catalog, layer_name)

    def work_out() -> float:
        sample = _sample(layer)
        return sum(len(getattr(x, attr)) for x in sample) / len(sample) if sample else 0.0

    return _remember(catalog, ("length", layer_name, attr), layer.version, work_out)


def communities_per_subdistrict(catalog: Catalog) -> float:
    return ratio(len(catalog.communities), len(catalog.subdistricts))


def villages_per_township(catalog: Catalog) -> float:
    return ratio(len(catalog.villages), len(catalog.townships))


def technicians_per_group(catalog: Catalog) -> float:
    return ratio(len(catalog.technicians), len(catalog.guidance_groups))


def townships_per_group(catalog: Catalog) -> float:
    groups = catalog.guidance_groups.values()
    return ratio(sum(len(g.township_codes) for g in groups), len(groups))


def groups_per_event(catalog: Catalog) -> float:
    return ratio(len(catalog.guidance_groups), len(catalog.weather_events))


def grids_per_compound(catalog: Catalog) -> float:
    """Grids a compound's polygon overlaps, on average (a sample of compounds against the grid index)."""

    def work_out() -> float:
        sample = _sample(catalog.compounds)
        hits = sum(len(catalog.grids.query(intersects=c.geometry)) for c in sample)
        return hits / len(sample) if sample else 0.0

    return _remember(catalog, "grids_per_compound", (catalog.compounds.version, catalog.grids.version), work_out)


def occupations_per_compound(catalog: Catalog) -> float:
    return ratio(len(catalog.occupations), len(catalog.compounds))


def meetings_per_compound(catalog: Catalog) -> float:
    return ratio(len(catalog.meetings), len(catalog.compounds))


def problems_per_meeting(catalog: Catalog) -> float:
    return ratio(len(catalog.problems), len(catalog.meetings))


def parties_per_meeting(catalog: Catalog) -> float:
    return ratio(sum(len(m.parties) for m in catalog.meetings.values()), len(catalog.meetings))


def scores_per_company(catalog: Catalog) -> float:
    return ratio(sum(len(c.scores) for c in catalog.companies.values()), len(catalog.companies))


def officers_per_squad(catalog: Catalog) -> float:
    return ratio(len(catalog.officers), len(catalog.squads))


def steps_per_incident(catalog: Catalog) -> float:
    return ratio(sum(len(s) for s in catalog.incident_steps.values()), len(catalog.incidents))


def officers_per_patrol(catalog: Catalog) -> float:
    return mean_length(catalog, "patrols", "officer_ids")


def open_cases_per_squad(catalog: Catalog) -> float:
    return ratio(len(catalog.incidents), len(catalog.squads))


def patrols_per_day(catalog: Catalog) -> float:
    """Patrols that overlap one local day, on average over the days that have any."""

    def work_out() -> float:
        days = {p.started_at.date() for p in catalog.patrols if p.started_at is not None}
        return ratio(len(catalog.patrols), len(days))

    return _remember(catalog, "patrols_per_day", catalog.patrols.version, work_out)


def grids_per_sector(catalog: Catalog) -> float:
    """Grids that overlap an old-town sector, on average."""

    def work_out() -> float:
        if not len(catalog.sectors):
            return 0.0
        hits = sum(len(catalog.grids.query(intersects=s.geometry)) for s in catalog.sectors)
        return hits / len(catalog.sectors)

    return _remember(catalog, "grids_per_sector", (catalog.sectors.version, catalog.grids.version), work_out)


def merchants_per_sector(catalog: Catalog) -> float:
    return ratio(len(catalog.merchants), len(catalog.sectors))


def roster_exceptions(catalog: Catalog, args: dict[str, Any]) -> float:
    """All exceptions, or those of one date (on average over the dates that have any)."""
    found = catalog.roster_exceptions.values()
    if args.get("date") is None:
        return float(len(found))
    return ratio(len(found), len({e.on_date for e in found}))


def rule_length(catalog: Catalog, attr: str) -> float:
    """Mean length of the squads' rotation rules' ``cycle`` or ``teams``."""
    rules = catalog.roster_rules.values()
    return ratio(sum(len(getattr(r, attr)) for r in rules), len(rules))


def steps_per_hazard(catalog: Catalog) -> float:
    steps = sum(len(v) for k, v in catalog.case_steps.items() if k[0] == "hazard")
    return ratio(steps, len(catalog.hazards))


def hazards_per_inspection(catalog: Catalog) -> float:
    return ratio(len(catalog.hazards), len(catalog.inspections))


def steps_per_request(catalog: Catalog) -> float:
    steps = sum(len(v) for k, v in catalog.case_steps.items() if k[0] == "service_request")
    return ratio(steps, len(catalog.service_requests))


def volunteers_per_team(catalog: Catalog) -> float:
    return ratio(len(catalog.volunteers), len(catalog.volunteer_teams))


def communities_per_team(catalog: Catalog) -> float:
    teams = catalog.volunteer_teams.values()
    return ratio(sum(len(t.community_codes) for t in teams), len(teams))
