"""Reading map features: which features of a layer a viewer gets for a query, and their bytes.

One use-case serves OGC API Features' items and the exports (GeoJSON, CSV, GeoPackage): the same
layers, spatial filter, attribute and time conditions, properties per role and masking as GraphQL's
``featureCollection`` (``hub.domain.features``), so every surface shows the same features under the
same permissions, and unmasked personal data is logged wherever it is served.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from hub.domain import features as registry
from hub.domain import selection
from hub.domain.access import Viewer
from hub.domain.features import MapLayer
from hub.domain.filters import SpatialFilter
from hub.errors import NotFound
from hub.store.catalog import Catalog


@dataclass(frozen=True, slots=True)
class FeatureQuery:
    """What a client asks of a layer (values as given; checked by ``select_features``)."""

    layer: str
    where: SpatialFilter = field(default_factory=SpatialFilter)
    equals: Mapping[str, str] = field(default_factory=dict)
    """Open properties and the text of the value each must equal (``{"status": "CLEARED"}``)."""
    datetime: str | None = None
    """A time or interval on the layer's date or time property (``2024-01-01/..``)."""
    properties: Sequence[str] | None = None
    """The properties to serve; None: the layer's open properties (personal ones only when named)."""
    crs: str = "WGS84"
    """An output coordinate system of ``hub.domain.features.OUTPUT_CRS``."""
    offset: int = 0
    limit: int | None = None
    """At most this many features from ``offset``; None: all."""


@dataclass(frozen=True, slots=True)
class FeatureSelection:
    """The features a query selects: every match (sorted positions) and the page asked for."""

    spec: MapLayer
    props: tuple[str, ...]
    matched: np.ndarray
    crs: str
    offset: int
    limit: int | None

    @property
    def page(self) -> np.ndarray:
        end = None if self.limit is None else self.offset + self.limit
        return self.matched[self.offset : end]

    @property
    def number_matched(self) -> int:
        return len(self.matched)


def select_features(catalog: Catalog, viewer: Viewer, query: FeatureQuery) -> FeatureSelection:
    """The features of ``query.layer`` that meet every condition, with the properties this viewer may have.

    Unknown layers, properties and filters, and properties the viewer's role may not see, are refused
    (``InputError``, ``AccessDenied``) before any work is done.
    """
    spec = registry.map_layer(query.layer)
    props = registry.check_properties(spec, viewer, query.properties, spec.open_props)
    conditions = selection.parse_conditions(spec, query.equals, query.datetime)
    assert query.crs in registry.OUTPUT_CRS, query.crs
    positions = query.where.positions(spec.layer(catalog))
    if not conditions.empty:
        positions = selection.narrow(catalog, spec, positions, conditions)
    return FeatureSelection(spec, props, positions, query.crs, query.offset, query.limit)


def feature_bytes(
    catalog: Catalog, viewer: Viewer, chosen: FeatureSelection, positions: np.ndarray, *, keep: bool = True
) -> list[bytes]:
    """GeoJSON Features (bytes) of some of the selected positions: made once and reused unless not ``keep``;
    unmasked personal values are logged as served."""
    return registry.features(catalog, viewer, chosen.spec, positions, chosen.props, crs=chosen.crs, keep=keep)


def find_feature(catalog: Catalog, spec: MapLayer, feature_id: str) -> int:
    """The position of the feature a URL names (``123`` for numbered layers, a code for the others)."""
    layer = spec.layer(catalog)
    pos = layer.position(feature_id)
    if pos is None and feature_id.isdigit():
        pos = layer.position(int(feature_id))
    if pos is None or layer.records[pos] is None:
        raise NotFound(f"{spec.name} has no feature {feature_id!r}", field="featureId")
    return pos
