"""Areas clipped to a drawn polygon: the geodesic area of each geometry's part inside it.

Geometries wholly inside the polygon keep their own area (the stored geodesic figure, when the
caller has it); those crossing its boundary are cut with GEOS and the piece is measured on the
ellipsoid. So the clipped total of a drawn area equals what any GIS gets by intersecting and then
measuring geodesically (PostGIS ``ST_Area(ST_Intersection(g, area)::geography)``).
"""

from __future__ import annotations

import numpy as np
import shapely

from hub.geo.measure import geodesic_area


def clipped_areas(geoms: np.ndarray, area: shapely.Geometry, own_m2: np.ndarray | None = None) -> np.ndarray:
    """Geodesic m² of each geometry's part inside ``area`` (0 for parts outside, points and lines; nan for None).

    ``own_m2`` (optional) holds each geometry's own geodesic area, used as is for those wholly inside.

    >>> from hub.geo.measure import geodesic_area
    >>> area = shapely.box(115.60, 34.37, 115.61, 34.38)
    >>> half_in = shapely.box(115.605, 34.375, 115.615, 34.385)
    >>> got = clipped_areas(np.array([half_in, None]), area)
    >>> round(float(got[0]) / float(geodesic_area(half_in)), 3), bool(np.isnan(got[1]))  # a quarter is inside
    (0.25, True)
    """
    geoms = np.asarray(geoms, dtype=object).reshape(-1)
    out = np.zeros(len(geoms))
    missing = shapely.is_missing(geoms)
    out[missing] = np.nan
    if not shapely.is_prepared(area):
        shapely.prepare(area)
    present = np.flatnonzero(~missing)
    inside = shapely.contains(area, geoms[present])
    whole = present[inside]
    out[whole] = own_m2[whole] if own_m2 is not None else geodesic_area(geoms[whole])
    rest = present[~inside]
    crossing = rest[shapely.intersects(area, geoms[rest])]
    if crossing.size:
        out[crossing] = geodesic_area(shapely.intersection(geoms[crossing], area))
    return out
