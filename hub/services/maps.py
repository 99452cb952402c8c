"""The map fast path: a whole layer in an area as one GeoJSON FeatureCollection, as bytes.

Features are joined from bytes made once per (feature, zoom band, coordinate system, property set)
and kept until that record changes (``hub.domain.features``). Whole answers are remembered per
version of the layer (``hub.domain.features.remembered``), except answers that show personal data
unmasked: those are assembled (from kept features) each time, so that each showing is logged.
The answer is capped by ``limit``; past it the collection says how many matched and gives the
cursor for the rest (``next``), in the manner of OGC API Features' ``numberMatched``/``numberReturned``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hub.domain import features as rules
from hub.domain.access import Viewer
from hub.domain.filters import SpatialFilter, decode_cursor, encode_cursor
from hub.errors import LimitExceeded
from hub.geo.collection import collection_bytes
from hub.services.hub import Hub

DEFAULT_LIMIT = 10_000
MAX_LIMIT = 50_000


@dataclass(frozen=True, slots=True)
class CollectionRequest:
    """Which features of which layer, how drawn, and which page."""

    layer: str
    where: SpatialFilter = field(default_factory=SpatialFilter)
    zoom: float | None = None
    crs: str | None = None
    properties: tuple[str, ...] | None = None
    limit: int | None = None
    after: str | None = None


def feature_collection(hub: Hub, viewer: Viewer, request: CollectionRequest) -> bytes:
    """One RFC 7946 FeatureCollection (bytes) of the features the request names that ``viewer`` may see."""
    r = request
    spec = rules.map_layer(r.layer)
    props = rules.check_properties(spec, viewer, None if r.properties is None else list(r.properties))
    code = rules.check_crs(r.crs)
    if r.zoom is not None and not 0 <= r.zoom <= 24:
        raise LimitExceeded(f"zoom must be between 0 and 24, got {r.zoom:g}", field="zoom")
    size = DEFAULT_LIMIT if r.limit is None else r.limit
    if not 0 < size <= MAX_LIMIT:
        raise LimitExceeded(f"limit must be between 1 and {MAX_LIMIT:,}, got {size:,}", field="limit")
    start = decode_cursor(r.after)

    def build() -> bytes:
        layer = spec.layer(hub.data)
        positions = r.where.positions(layer)
        band = rules.band(layer, r.zoom)
        positions = rules.drop_invisible(layer, positions, r.zoom, band)
        if start is not None:
            positions = positions[np.searchsorted(positions, start, side="right") :]
        matched = len(positions)
        page = positions[:size]
        members: dict[str, object] = {"numberMatched": matched, "numberReturned": len(page), "layer": spec.name}
        if code != "WGS84":
            members["crs"] = code
        if matched > size:
            members["next"] = encode_cursor(int(page[-1]))
            members["message"] = (
                f"{matched:,} features match and the limit is {size:,}: pass next as `after` for the rest"
            )
        return collection_bytes(rules.features(hub.data, viewer, spec, page, props, zoom=r.zoom, crs=code), members)

    if rules.disclosed_kinds(spec, props, viewer):  # logged each time: built (from kept features) each time
        return build()
    key = (spec.name, r.where.key(), r.zoom, code, props, rules.viewer_class(spec, props, viewer), size, start)
    return rules.remembered(hub.data, [spec.name], key, build)
