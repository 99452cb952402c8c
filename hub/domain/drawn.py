"""An area an analyst draws: its geodesic area, the occupied space inside it (clipped), and the records it holds.

The polygon is checked as any input geometry is (closed rings, ranges, vertex cap, validity with the
reason: a self-intersecting ring is refused, never repaired silently) and must enclose some ground. Sent
in GCJ-02 or BD-09, it is converted to WGS84 after that check. Records "held" are those whose geometry
meets the area; the occupied area inside it is each occupation's part inside, measured on the ellipsoid.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely

from hub.domain.figures.compute import FigureQuery, compute
from hub.errors import GeometryError
from hub.geo.datum import to_wgs84
from hub.geo.geojson import parse_geometry
from hub.geo.measure import geodesic_area
from hub.store.catalog import Catalog

HELD = (
    "subdistricts",
    "communities",
    "grids",
    "sectors",
    "townships",
    "villages",
    "compounds",
    "occupations",
    "problems",
    "public_rooms",
    "incidents",
    "merchants",
)
"""Layers whose records a drawn area counts (patrol tracks are personal data: not counted)."""


def parse_area(obj: Any, *, crs: str = "WGS84", field: str = "area", max_vertices: int = 10_000) -> shapely.Geometry:
    """A drawn area from GeoJSON: a valid Polygon or MultiPolygon enclosing some ground, in WGS84.

    >>> parse_area({"type": "Polygon", "coordinates": [[[115.60, 34.37], [115.61, 34.38], [115.61, 34.37],
    ...     [115.60, 34.38], [115.60, 34.37]]]})
    Traceback (most recent call last):
    ...
    hub.errors.GeometryError: area: polygon is not valid: Self-intersection[115.605 34.375]
    """
    geom = parse_geometry(obj, field=field, allowed={"Polygon", "MultiPolygon"}, max_vertices=max_vertices)
    if geom.is_empty or geom.area == 0:
        raise GeometryError("the drawn area is empty: it encloses no ground", field=field)
    if crs != "WGS84":
        geom = to_wgs84(geom, crs)
    shapely.prepare(geom)
    return geom


@dataclass(frozen=True, slots=True)
class DrawnArea:
    geometry: shapely.Geometry
    area_m2: float
    occupations: int
    """Occupations meeting the area (wholly or in part)."""
    occupation_area_m2: float
    """Their area inside it (each one's part inside, geodesic)."""
    occupied_area_m2: float
    """…of those not yet cleared."""
    cleared_area_m2: float
    """…of those cleared."""
    held: tuple[tuple[str, int], ...]
    """(layer, number of its records meeting the area), for each layer of ``HELD``."""


def measure(catalog: Catalog, area: shapely.Geometry) -> DrawnArea:
    """What lies in a drawn area (already parsed by :func:`parse_area`)."""
    occupations = compute(catalog, FigureQuery("occupations", clip=area)).total.values
    held = tuple((name, len(getattr(catalog, name).query(intersects=area))) for name in HELD)
    return DrawnArea(
        geometry=area,
        area_m2=float(geodesic_area(area)),
        occupations=int(occupations["count"] or 0),
        occupation_area_m2=float(occupations["area_m2"] or 0.0),
        occupied_area_m2=float(occupations["occupied_area_m2"] or 0.0),
        cleared_area_m2=float(occupations["cleared_area_m2"] or 0.0),
        held=held,
    )
