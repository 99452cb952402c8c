"""Independent expectations: the demo data read straight from the GeoJSON files, without the hub."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import geopandas as gpd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "suiyang"

CENTRE = (115.6097, 34.3767)
"""大隅首, the centre of the old town's sectors."""


@cache
def layer(name: str) -> gpd.GeoDataFrame:
    """A fixture layer as a GeoDataFrame, read with json + shapely (not through the hub)."""
    doc = json.loads((FIXTURES / f"{name}.geojson").read_text(encoding="utf-8"))
    return gpd.GeoDataFrame.from_features(doc["features"], crs="EPSG:4326")
