"""Which polygon of a place layer holds each record: the rule behind every place grouping.

A record belongs to the polygon of the layer that contains its representative point: a point record's
own point, the centroid of a polygon or a track, and for records without a geometry of their own
(meetings, fee years) the centroid of their compound. A point on the border of two polygons (in or on
both) belongs to the first of them in the layer's order, which is code order (as ``locate`` answers); a
point on no polygon belongs to none of them, and figures show it in the explicit "none" group.

A property company holds what lies in the compounds it manages now: the record's compound (by the rule
above), then that compound's company; none for compounds without one.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely

from hub.store.catalog import Catalog, Layer

SUBDISTRICT, COMMUNITY, GRID, COMPOUND, SECTOR, TOWNSHIP, VILLAGE, PROPERTY_COMPANY = (
    "SUBDISTRICT",
    "COMMUNITY",
    "GRID",
    "COMPOUND",
    "SECTOR",
    "TOWNSHIP",
    "VILLAGE",
    "PROPERTY_COMPANY",
)
LAYERS = {
    SUBDISTRICT: "subdistricts",
    COMMUNITY: "communities",
    GRID: "grids",
    COMPOUND: "compounds",
    SECTOR: "sectors",
    TOWNSHIP: "townships",
    VILLAGE: "villages",
}
"""Place groupings drawn from a polygon layer, and the catalog layer of each."""
PLACES = (*LAYERS, PROPERTY_COMPANY)
FEW = 100
"""Layers up to this size are tested polygon by polygon (prepared, over all points at once); larger ones
are searched with an STRtree of their polygons."""


def representative_points(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) of each geometry's representative point: a point as is, the centroid of anything else;
    NaN for None and empty geometries.

    >>> x, y = representative_points(np.array([shapely.box(0, 0, 2, 2), shapely.Point(5, 6), None]))
    >>> x.tolist(), y.tolist()
    ([1.0, 5.0, nan], [1.0, 6.0, nan])
    """
    geoms = np.asarray(geoms, dtype=object).reshape(-1)
    x = np.full(len(geoms), np.nan)
    y = np.full(len(geoms), np.nan)
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if ok.any():
        c = shapely.get_coordinates(shapely.centroid(geoms[ok]))
        x[ok], y[ok] = c[:, 0], c[:, 1]
    return x, y


def containing(catalog: Catalog, place: str, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """For each point, the position in the place layer of the first polygon that contains it (or has it
    on its border); -1 for points on no polygon and NaN points."""
    layer: Layer[Any] = getattr(catalog, LAYERS[place])
    out = np.full(len(x), -1, dtype=np.int32)
    ok = np.flatnonzero(~(np.isnan(x) | np.isnan(y)))
    if ok.size == 0 or len(layer) == 0:
        return out
    geoms = layer.geoms
    if len(geoms) <= FEW:
        for pos in layer.all_positions().tolist():
            todo = ok[out[ok] < 0]
            if todo.size == 0:
                break
            g = geoms[pos]
            minx, miny, maxx, maxy = shapely.bounds(g).tolist()
            near = todo[(x[todo] >= minx) & (x[todo] <= maxx) & (y[todo] >= miny) & (y[todo] <= maxy)]
            if near.size:
                shapely.prepare(g)
                out[near[shapely.intersects_xy(g, x[near], y[near])]] = pos
        return out
    tree = _tree(catalog, place, layer)
    hit_points, hit_polys = tree.query(shapely.points(x[ok], y[ok]), predicate="intersects")
    first = np.full(ok.size, np.iinfo(np.int32).max, dtype=np.int64)
    np.minimum.at(first, hit_points, hit_polys)
    found = first < np.iinfo(np.int32).max
    out[ok[found]] = first[found]
    return out


def _tree(catalog: Catalog, place: str, layer: Layer[Any]) -> shapely.STRtree:
    """An STRtree of the layer's polygons as they are now (kept until the layer is written)."""
    key = ("figures.places.tree", place)
    hit = catalog.memo.get(key)
    if hit is None or hit[0] != layer.version:
        geoms = np.array(layer.geoms, dtype=object)
        hit = catalog.memo[key] = (layer.version, shapely.STRtree(geoms))
    return hit[1]


def company_of_compounds(catalog: Catalog, compound_positions: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """(company index of each compound position or -1, the company ids the indexes name)."""
    ids = sorted(catalog.companies)
    index = {c: i for i, c in enumerate(ids)}
    recs = catalog.compounds.records
    table = np.fromiter(
        (
            index.get(rec.property_company_id, -1) if (rec := recs[p]) is not None and rec.property_company_id else -1
            for p in range(len(recs))
        ),
        dtype=np.int32,
        count=len(recs),
    )
    out = np.full(len(compound_positions), -1, dtype=np.int32)
    known = compound_positions >= 0
    out[known] = table[compound_positions[known]]
    return out, ids
