"""Distances from a point: the k nearest records of a layer, lists ordered nearest first, a record's distance.

Distances are geodesic (WGS84), from the point to the nearest point of the record's geometry; a point
inside a polygon is 0 m from it (``hub.geo.nearest``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hub.domain import incidents as incident_rules
from hub.domain import occupations as occupation_rules
from hub.domain.features import LAYERS as MAP_LAYERS
from hub.domain.filters import Page
from hub.errors import InputError, LimitExceeded
from hub.geo.geojson import point
from hub.geo.nearest import distances_m, nearest_k, order_by_distance
from hub.store.catalog import Catalog, Layer

MAX_K = 1000
MAX_METERS = 1_000_000.0


@dataclass(frozen=True, slots=True)
class Hit:
    record: Any
    distance_m: float


def check_point(lon: Any, lat: Any, *, field: str) -> tuple[float, float]:
    """A WGS84 point from API input, or a clear error naming ``field``."""
    p = point(lon, lat, field=field)
    return float(p.x), float(p.y)


def nearest(
    catalog: Catalog,
    layer_name: str,
    lon: float,
    lat: float,
    k: int,
    *,
    max_m: float | None = None,
    open_only: bool | None = None,
    signed: bool | None = None,
) -> list[Hit]:
    """The ``k`` records of a map layer nearest to (lon, lat), nearest first (ties by position).

    ``open_only`` keeps open cases (incidents) or occupations not yet cleared; ``signed`` keeps
    merchants that have (True) or have not (False) signed their 门前三包 agreement.
    """
    spec = MAP_LAYERS.get(layer_name)
    if spec is None:
        raise InputError(f"unknown layer {layer_name!r}; one of {', '.join(MAP_LAYERS)}", field="layer")
    if isinstance(k, bool) or not isinstance(k, int) or k <= 0:
        raise InputError(f"k must be a whole number from 1 to {MAX_K:,}, got {k}", field="k")
    if k > MAX_K:
        raise LimitExceeded(f"k is {k:,}; at most {MAX_K:,} nearest records per request", field="k")
    if max_m is not None:
        if not math.isfinite(max_m) or max_m < 0:
            raise InputError(f"maxMeters must be a finite number ≥ 0, got {max_m}", field="maxMeters")
        if max_m > MAX_METERS:
            raise LimitExceeded(f"maxMeters is {max_m:g}; the limit is {MAX_METERS:,.0f} (1,000 km)", field="maxMeters")
    lon, lat = check_point(lon, lat, field="lon")
    layer: Layer[Any] = spec.layer(catalog)
    keep = _keep(layer_name, layer, open_only, signed)
    positions, dist = nearest_k(layer, lon, lat, k, max_m=max_m, keep=keep)
    records = layer.records
    return [Hit(records[p], float(d)) for p, d in zip(positions.tolist(), dist.tolist(), strict=True)]


def _keep(
    layer_name: str, layer: Layer[Any], open_only: bool | None, signed: bool | None
) -> Callable[[np.ndarray], np.ndarray] | None:
    tests: list[Callable[[Any], bool]] = []
    if open_only is not None:
        if layer_name == "incidents":
            tests.append(lambda x: (x.state in incident_rules.OPEN) == open_only)
        elif layer_name == "occupations":
            tests.append(lambda x: (x.status == occupation_rules.OCCUPIED) == open_only)
        else:
            raise InputError("open applies to incidents (open cases) and occupations (not yet cleared)", field="open")
    if signed is not None:
        if layer_name != "merchants":
            raise InputError("signed applies to merchants (门前三包 agreements)", field="signed")
        tests.append(lambda x: (x.agreement is not None) == signed)
    if not tests:
        return None
    records = layer.records

    def keep(positions: np.ndarray) -> np.ndarray:
        return np.fromiter(
            ((x := records[p]) is not None and all(t(x) for t in tests) for p in positions.tolist()),
            dtype=bool,
            count=len(positions),
        )

    return keep


def distance_to(geometry: Any, lon: float, lat: float) -> float | None:
    """Geodesic metres from (lon, lat) to the nearest point of one geometry (None without a geometry)."""
    d = float(distances_m(np.array([geometry], dtype=object), lon, lat)[0])
    return None if math.isnan(d) else d


def ordered_page(
    layer: Layer[Any], positions: np.ndarray, lon: float, lat: float, *, first: int, after: int | None
) -> Page:
    """A page of ``positions`` ordered by distance from (lon, lat), nearest first (ties by position).

    ``after`` is the position of the last record of the previous page: the page goes on after that
    record's place in the order, as the record is now.
    """
    geoms = np.asarray(layer.geoms)
    dist = distances_m(geoms[positions], lon, lat)
    order = order_by_distance(dist, positions)
    positions, dist = positions[order], np.where(np.isnan(dist[order]), np.inf, dist[order])
    start = 0
    if after is not None:
        if not 0 <= after < len(geoms) or geoms[after] is None:
            raise InputError("the record this cursor points at is gone; ask again from the first page", field="after")
        d0 = distance_to(geoms[after], lon, lat)
        d0 = math.inf if d0 is None else d0
        past = (dist > d0) | ((dist == d0) & (positions > after))
        start = int(np.argmax(past)) if past.any() else len(positions)
    chunk = positions[start : start + first]
    return Page(chunk, len(positions), start + first < len(positions), start > 0)
