"""Bring a catalog up to the database after a change too large, or made too far away, to apply record by record.

An import writes thousands of rows at once, and a ``hub import`` run from the command line writes them
from another process. Afterwards the catalog is read again from the database (a few hundred
milliseconds for the demo data set, about a second per 100,000 features) and :func:`merge` brings the
catalog in use up to it: each record that differs is upserted into its layer (so positions, and the
cursors made of them, stay; the layer's version moves, so every cache keyed on it — tiles and their
ETags, map answers, figures — is made again), each record gone is deleted, and collections without a
layer are replaced when they differ.
"""

from __future__ import annotations

from typing import Any

from hub.store.catalog import Catalog

COLLECTIONS = (
    "companies",
    "meetings",
    "meetings_by_compound",
    "management",
    "fee_years",
    "squads",
    "officers",
    "shifts",
    "old_town",
    "incident_steps",
    "duty_officers",
    "duty_lines",
    "duty_shifts",
    "weather_events",
    "guidance_groups",
    "technicians",
)
"""The catalog's records kept outside layers, replaced whole when they differ."""
ROSTER = ("roster_rules", "roster_exceptions")
DUTY = ("duty_rules", "duty_exceptions")
ROSTER_FROM = (*ROSTER, "squads", "officers", "shifts")
"""What the brigade's rosters are worked out from: a change to any moves ``roster_version`` (answers derived
from the roster are remembered by it)."""
DUTY_FROM = (*DUTY, "duty_officers", "duty_lines", "duty_shifts")
"""What the townships' duty rosters are worked out from (``duty_version``)."""


def _differs(old: Any, new: Any) -> bool:
    """Whether two records of a layer differ (geometry compares by its stored GeoJSON, which eq leaves out)."""
    return bool(old != new or old.geojson != new.geojson)


def merge(catalog: Catalog, fresh: Catalog) -> tuple[tuple[Any, bool], ...]:
    """Make ``catalog`` hold what ``fresh`` holds, changing only what differs; the (record, deleted) pairs of
    the layers' records that changed."""
    written: list[tuple[Any, bool]] = []
    for name, layer in catalog.layers().items():
        new = getattr(fresh, name)
        seen = set()
        for record in new:
            key = layer.key_of(record)
            seen.add(key)
            old = layer.get(key)
            if old is None or _differs(old, record):
                layer.upsert(record)
                written.append((record, False))
        for old in [x for x in layer if layer.key_of(x) not in seen]:
            layer.delete(layer.key_of(old))
            written.append((old, True))
    roster_moved = any(getattr(catalog, n) != getattr(fresh, n) for n in ROSTER_FROM)
    duty_moved = any(getattr(catalog, n) != getattr(fresh, n) for n in DUTY_FROM)
    changed = False
    for name in COLLECTIONS:
        if getattr(catalog, name) != getattr(fresh, name):
            setattr(catalog, name, getattr(fresh, name))
            changed = True
    if roster_moved:
        for name in ROSTER:
            setattr(catalog, name, getattr(fresh, name))
        catalog.roster_version += 1
    if duty_moved:
        for name in DUTY:
            setattr(catalog, name, getattr(fresh, name))
        catalog.duty_version += 1
    if changed:
        catalog.records_version += 1
    catalog.faults = fresh.faults
    catalog.generation += 1
    return tuple(written)
