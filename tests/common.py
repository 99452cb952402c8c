"""Independent expectations: the demo data read straight from the GeoJSON files, without the hub; and
``wait_for``, for what another thread or process does in its own time."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
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


def wait_for(predicate: Callable[[], object], seconds: float = 10.0) -> bool:
    """Whether ``predicate()`` came true within ``seconds`` (asked every 20 ms)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def snapshot_after_hand_edit(target: str | Path) -> None:
    """What an operator runs after changing rows by hand in SQL, behind the hub's change log: ``hub snapshot``
    (the catalog's snapshot read again from every row; README, "A worker's start")."""
    from hub.store import Store

    store = Store(target)
    try:
        store.db.open()
        store.refresh_snapshot(least=0)
    finally:
        store.close()
