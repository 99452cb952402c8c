"""Occupied public space reported from the field, and its clearing.

An occupation is a polygon that must lie inside one compound (public space of that compound). Its
area is measured on the ellipsoid when stored; clearing it moves that area into the cleared total
that ``stats`` and every figure summing occupations report.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import shapely

from hub.domain.access import Viewer
from hub.domain.guards import require_staff
from hub.errors import Conflict, InputError, NotFound
from hub.geo.geojson import parse_geometry
from hub.store import contract
from hub.store.catalog import Catalog
from hub.store.records import Occupation

KINDS = contract.OCCUPATION_KINDS
OCCUPIED, CLEARED = contract.OCCUPATION_STATUSES


def compound_holding(catalog: Catalog, geom: shapely.Geometry, *, field: str) -> Any:
    """The one compound the geometry lies inside; a clear error when it lies in none or crosses a boundary."""
    candidates = catalog.compounds.at(catalog.compounds.query(intersects=geom))
    for c in candidates:
        if shapely.contains(c.geometry, geom):
            return c
    if candidates:
        names = ", ".join(f"{c.name} ({c.id})" for c in candidates[:3])
        raise InputError(f"the polygon crosses the boundary of {names}; it must lie inside one compound", field=field)
    raise InputError("the polygon lies outside every compound; occupations are recorded inside compounds", field=field)


def report(
    catalog: Catalog, viewer: Viewer, *, geometry: Any, kind: str, reported_on: date, today: date, max_vertices: int
) -> Occupation:
    """A new occupation (id 0, to be stored) from a field report; validated before anything is written."""
    require_staff(viewer, "report occupied space")
    if kind not in KINDS:
        raise InputError(f"unknown kind {kind!r}; one of {', '.join(KINDS)}", field="kind")
    if reported_on > today:
        raise InputError(f"reportedOn {reported_on} is in the future", field="reportedOn")
    geom = parse_geometry(geometry, field="geometry", allowed={"Polygon", "MultiPolygon"}, max_vertices=max_vertices)
    compound = compound_holding(catalog, geom, field="geometry")
    return Occupation(
        geometry=geom,
        geojson="",
        id=0,
        compound_id=compound.id,
        kind=kind,
        status=OCCUPIED,
        reported_on=reported_on,
        reported_by=viewer.actor,
    )


def clear(catalog: Catalog, viewer: Viewer, *, occupation_id: int, cleared_on: date, today: date) -> Occupation:
    """The occupation marked cleared; refused if it is unknown or already cleared."""
    require_staff(viewer, "clear occupied space")
    occupation = catalog.occupations.get(occupation_id)
    if occupation is None:
        raise NotFound(f"no occupation {occupation_id}", field="occupationId")
    if occupation.status == CLEARED:
        raise Conflict(
            f"occupation {occupation_id} was already cleared on {occupation.cleared_on}", field="occupationId"
        )
    if cleared_on > today:
        raise InputError(f"clearedOn {cleared_on} is in the future", field="clearedOn")
    if occupation.reported_on and cleared_on < occupation.reported_on:
        raise InputError(
            f"clearedOn {cleared_on} is before it was reported ({occupation.reported_on})", field="clearedOn"
        )
    return dataclasses.replace(occupation, status=CLEARED, cleared_on=cleared_on, cleared_by=viewer.actor)
