"""Vector tiles of the map layers: which features, which properties, which geometry, and a cache.

A tile shows the same features and properties as ``featureCollection`` for the same viewer (the
one registry in ``hub.domain.features``): the public never gets personal data in a tile. Tilings
use their coverage-generalised geometry for the tile's zoom. Tiles for a GCJ-02 base map are laid
on the GCJ-02 grid: the tile's area is found in WGS84, then features are shifted to GCJ-02 before
they are clipped and encoded.

Encoded tiles are kept in memory, keyed by the layer's version, so a write makes every tile of
its layer stale at once and a busy map is served from memory.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from hub.domain import features as layers
from hub.domain.access import Viewer
from hub.errors import InputError
from hub.geo import datum, mvt
from hub.store.catalog import Catalog

BUFFER = 64
EXTENT = 4096
ALL = "all"


@dataclass(frozen=True, slots=True)
class Tile:
    data: bytes
    etag: str
    disclosed: layers.Disclosed = ()
    """Personal data it shows unmasked; logged each time the tile is served (``layers.log_views``)."""
    encoded: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    """The tile in content codings (``gzip``, ``br``) with their ETags, kept beside it once made (by
    ``hub.http.tiles``, the first time a client asks for that coding)."""

    @property
    def empty(self) -> bool:
        return not self.data


def _area(z: int, x: int, y: int, crs: str) -> tuple[float, float, float, float]:
    """The WGS84 box to search for a tile (with its buffer) of the given grid."""
    minx, miny, maxx, maxy = mvt.tile_bounds(z, x, y)
    pad_x, pad_y = (maxx - minx) * BUFFER / EXTENT, (maxy - miny) * BUFFER / EXTENT
    box = (minx - pad_x, miny - pad_y, maxx + pad_x, maxy + pad_y)
    if crs == "WGS84":
        return box
    # the GCJ-02 shift is ~500 m and nearly uniform over a tile: convert the corners, widen by a margin
    corners = [datum.point_to_wgs84(px, py, crs) for px, py in ((box[0], box[1]), (box[2], box[3]))]
    margin = 0.0005
    return (corners[0][0] - margin, corners[0][1] - margin, corners[1][0] + margin, corners[1][1] + margin)


def layer_bytes(
    catalog: Catalog, viewer: Viewer, name: str, z: int, x: int, y: int, crs: str, props: tuple[str, ...]
) -> tuple[bytes, list[Any]]:
    """One layer of a tile (b"" when nothing is in it) with the given (already checked) properties, and
    the records in it."""
    spec = layers.map_layer(name)
    layer = spec.layer(catalog)
    positions = layer.query(bbox=_area(z, x, y, crs))
    band = layers.band(layer, z)
    positions = layers.drop_invisible(layer, positions, z, band)
    if len(positions) == 0:
        return b"", []
    geoms = layers.geometries(layer, band)[positions]
    if crs != "WGS84":
        geoms = datum.from_wgs84(geoms, crs)
    records = layer.records
    rows = [records[p] for p in positions.tolist()]
    quiet = replace(viewer, log=None)  # tiles are kept and reused: views are logged when served
    properties = [{n: spec.props[n].get(r, quiet) for n in props} for r in rows]
    ids = [_feature_id(spec.feature_id(r), p) for r, p in zip(rows, positions.tolist(), strict=True)]
    data = mvt.encode_layer(
        name, np.asarray(geoms, dtype=object), properties, ids, z=z, x=x, y=y, extent=EXTENT, buffer=BUFFER
    )
    return data, rows


def _feature_id(key: Any, pos: int) -> int:
    """MVT ids are unsigned integers: numeric keys as they are, codes by their digits, else the position."""
    if isinstance(key, int):
        return key
    digits = "".join(c for c in str(key) if c.isdigit())
    return int(digits) if digits and len(digits) <= 18 else pos


class TileCache:
    """Encoded tiles in memory, least recently used out first; entries name the layer versions they saw."""

    def __init__(self, max_tiles: int = 4096) -> None:
        self.max_tiles = max_tiles
        self._tiles: OrderedDict[Hashable, Tile] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def key(
        self,
        catalog: Catalog,
        viewer: Viewer,
        name: str,
        z: int,
        x: int,
        y: int,
        crs: str,
        properties: list[str] | None = None,
    ) -> Hashable:
        """The cache key of a tile for this viewer; refuses unknown layers, CRSs, properties and tile addresses.

        Tiles carry each layer's default properties (lean tiles draw fast); ``properties`` asks for
        others of a single layer, checked against the viewer's role as ``featureCollection`` does.
        """
        names = list(layers.LAYERS) if name == ALL else [layers.map_layer(name).name]
        if properties is not None and name == ALL:
            raise InputError("properties can be chosen for one layer's tiles, not for all layers", field="properties")
        chosen = tuple(
            layers.check_properties(layers.LAYERS[n], viewer, properties if name != ALL else None) for n in names
        )
        if crs not in layers.CRS_CODES:
            raise InputError(f"unknown crs {crs!r}; one of {', '.join(layers.CRS_CODES)}", field="crs")
        mvt.tile_bounds(z, x, y)  # refuses a tile address that does not exist
        versions = tuple(layers.LAYERS[n].layer(catalog).version for n in names)
        personal = any(layers.viewer_class(layers.LAYERS[n], p, viewer) for n, p in zip(names, chosen, strict=True))
        who = (viewer.role, viewer.squad_code) if personal else None
        return (tuple(names), z, x, y, crs, chosen, versions, who)

    def cached(self, key: Hashable) -> Tile | None:
        with self._lock:
            hit = self._tiles.get(key)
            if hit is not None:
                self._tiles.move_to_end(key)
                self.hits += 1
            return hit

    def build(self, catalog: Catalog, viewer: Viewer, key: Hashable) -> Tile:
        """Encode the tile a key names (CPU work: callers on an event loop run it in a thread) and keep it."""
        names, z, x, y, crs, chosen = key[:6]  # type: ignore[index]
        parts = [layer_bytes(catalog, viewer, n, z, x, y, crs, p) for n, p in zip(names, chosen, strict=True)]
        data = mvt.encode_tile([part for part, _ in parts])
        shown = tuple(
            item
            for n, p, (_, rows) in zip(names, chosen, parts, strict=True)
            for item in layers.disclosed(layers.LAYERS[n], p, viewer, rows)
        )
        tile = Tile(data, f'"{hashlib.blake2b(data, digest_size=12).hexdigest()}"', shown)
        with self._lock:
            self.misses += 1
            self._tiles[key] = tile
            while len(self._tiles) > self.max_tiles:
                self._tiles.popitem(last=False)
        return tile


def tilejson(name: str, base_url: str = "", crs: str | None = None) -> dict[str, Any]:
    """TileJSON 3.0.0 for a layer (or ``all``), its tile URLs under ``base_url`` (the hub's public
    address, e.g. ``https://hub.example.org``; empty: URLs relative to the host, ``/tiles/…``).
    Refuses an unknown CRS, naming the known ones.

    >>> tilejson("sectors", crs="GCJ-02")["tiles"]
    ['/tiles/sectors/{z}/{x}/{y}.mvt?crs=GCJ02']
    """
    crs = layers.check_crs(crs)
    names = list(layers.LAYERS) if name == ALL else [layers.map_layer(name).name]
    query = "" if crs == "WGS84" else f"?crs={crs}"
    return {
        "tilejson": "3.0.0",
        "name": f"hub {name}",
        "description": "Suiyang governance hub: " + ", ".join(names) + ("" if crs == "WGS84" else f" ({crs} grid)"),
        "scheme": "xyz",
        "tiles": [f"{base_url}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt{query}"],
        "minzoom": 0,
        "maxzoom": 22,
        "bounds": [115.3, 34.1, 116.0, 34.6],
        "center": [115.6097, 34.3767, 14],
        "vector_layers": [{"id": n, "fields": {p: "property" for p in layers.LAYERS[n].props}} for n in names],
    }
