"""Synthetic occupations for the benchmarks: seeded small rectangles, bulk-written into a hub store.

Nothing here is committed data: every bench program builds its own store in a temporary folder.
Geometry is made and serialised with vectorised shapely calls (and ``hub.geo.geojson.to_geojson``,
as the importer does), rows are written with ``executemany`` in one transaction through the
store's own writer, in the column layout of ``hub.store.tables.spatial_values``.

Areas are planar approximations (width × height in metres from the local degree lengths), not
the geodesic measure the hub computes for real data: the benchmarks do not read them, and the
geodesic measure costs ~50 µs a feature, too slow for a million.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely

from hub.geo.geojson import to_geojson
from hub.store.importer import import_dataset
from hub.store.sqlite import SQLiteDatabase

DISTRICT = (115.55, 34.33, 115.72, 34.46)
"""The district's extent (WGS84) that scale data is spread over."""
OLD_TOWN = (115.6097, 34.3767)
"""大隅首, the centre of the old town."""
KINDS = ("CONSTRUCTION", "STORAGE", "ENCLOSURE", "PLANTING", "PARKING")
STATUSES = ("OCCUPIED", "CLEARED")
M_PER_DEG_LAT = 110_950.0  # at 34.4° N
M_PER_DEG_LON = 111_320.0 * np.cos(np.radians(34.4))
COLUMNS = (
    "id",
    "compound_id",
    "kind",
    "status",
    "reported_on",
    "cleared_on",
    "area_m2",
    "geom",
    "geojson",
    "minx",
    "miny",
    "maxx",
    "maxy",
)


@dataclass
class Occupations:
    """Synthetic occupations: geometry and attributes as parallel arrays."""

    geoms: np.ndarray
    ids: np.ndarray
    compound_ids: np.ndarray
    kinds: np.ndarray
    statuses: np.ndarray
    reported_on: np.ndarray
    cleared_on: np.ndarray
    areas: np.ndarray | None = None
    """Geodesic areas (m²) when the caller measured them; planar approximations are written otherwise."""

    def __len__(self) -> int:
        return len(self.geoms)


def uniform_points(rng: np.random.Generator, n: int, extent: tuple[float, ...] = DISTRICT) -> np.ndarray:
    """``n`` (lon, lat) points spread evenly over ``extent``."""
    minx, miny, maxx, maxy = extent
    return np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)])


def disc_points(rng: np.random.Generator, n: int, centre: tuple[float, float], radius_m: float) -> np.ndarray:
    """``n`` points spread evenly over a disc of ``radius_m`` around ``centre``."""
    r = radius_m * np.sqrt(rng.uniform(0, 1, n))
    a = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([centre[0] + r * np.sin(a) / M_PER_DEG_LON, centre[1] + r * np.cos(a) / M_PER_DEG_LAT])


def points_in(rng: np.random.Generator, polygons: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` points, each inside a randomly chosen polygon: (points, index of the polygon of each)."""
    which = rng.integers(0, len(polygons), n)
    bounds = shapely.bounds(polygons)[which]
    pts = np.empty((n, 2))
    todo = np.arange(n)
    while todo.size:
        b = bounds[todo]
        x = rng.uniform(b[:, 0], b[:, 2])
        y = rng.uniform(b[:, 1], b[:, 3])
        inside = shapely.contains_xy(polygons[which[todo]], x, y)
        pts[todo[inside], 0], pts[todo[inside], 1] = x[inside], y[inside]
        todo = todo[~inside]
    return pts, which


def rectangles(rng: np.random.Generator, centres: np.ndarray, min_m: float, max_m: float) -> np.ndarray:
    """Axis-aligned rectangles of random sides in [min_m, max_m] metres around ``centres``, corners
    rounded to 6 decimals (the precision the hub serves, so every system prints the same digits)."""
    n = len(centres)
    half_w = rng.uniform(min_m, max_m, n) / 2 / M_PER_DEG_LON
    half_h = rng.uniform(min_m, max_m, n) / 2 / M_PER_DEG_LAT
    x, y = centres[:, 0], centres[:, 1]
    r = np.round
    return shapely.box(r(x - half_w, 6), r(y - half_h, 6), r(x + half_w, 6), r(y + half_h, 6))


def polygons(rng: np.random.Generator, centres: np.ndarray, min_m: float, max_m: float, vertices: int) -> np.ndarray:
    """Star-shaped polygons of ``vertices`` corners around ``centres``, radii in [min_m/2, max_m/2] metres
    (each polygon's own size, jittered ±20 % per corner), corners rounded to 6 decimals; 4 gives rectangles."""
    if vertices == 4:
        return rectangles(rng, centres, min_m, max_m)
    n = len(centres)
    size = rng.uniform(min_m, max_m, n)[:, None] / 2
    step = 2 * np.pi / vertices
    angles = np.arange(vertices) * step + rng.uniform(-0.3, 0.3, (n, vertices)) * step
    radii = size * rng.uniform(0.8, 1.2, (n, vertices))
    x = np.round(centres[:, :1] + radii * np.sin(angles) / M_PER_DEG_LON, 6)
    y = np.round(centres[:, 1:] + radii * np.cos(angles) / M_PER_DEG_LAT, 6)
    rings = np.stack([np.c_[x, x[:, :1]], np.c_[y, y[:, :1]]], axis=-1)  # closed
    return shapely.polygons(rings[:, ::-1])  # counter-clockwise


def occupations(
    rng: np.random.Generator, geoms: np.ndarray, compound_ids: np.ndarray, *, first_id: int = 1
) -> Occupations:
    """Attributes for ``geoms``: ids from ``first_id``, kinds, statuses and dates drawn from ``rng``."""
    n = len(geoms)
    statuses = np.asarray(STATUSES, dtype=object)[rng.integers(0, len(STATUSES), n)]
    reported = np.datetime64("2022-01-01") + rng.integers(0, 900, n).astype("timedelta64[D]")
    cleared = reported + rng.integers(5, 120, n).astype("timedelta64[D]")
    cleared_text = cleared.astype(str).astype(object)
    cleared_text[statuses == "OCCUPIED"] = None
    return Occupations(
        geoms=geoms,
        ids=np.arange(first_id, first_id + n),
        compound_ids=np.asarray(compound_ids),
        kinds=np.asarray(KINDS, dtype=object)[rng.integers(0, len(KINDS), n)],
        statuses=statuses,
        reported_on=reported.astype(str).astype(object),
        cleared_on=cleared_text,
    )


def approx_area_m2(geoms: np.ndarray) -> np.ndarray:
    b = shapely.bounds(geoms)
    return (b[:, 2] - b[:, 0]) * M_PER_DEG_LON * (b[:, 3] - b[:, 1]) * M_PER_DEG_LAT


def rows(occ: Occupations, start: int = 0, stop: int | None = None) -> list[tuple]:
    """Table rows (``COLUMNS``) for occupations ``start:stop``; geometry serialised vectorised."""
    sl = slice(start, stop)
    g = occ.geoms[sl]
    wkbs = shapely.to_wkb(g).tolist()
    texts = to_geojson(g)
    b = shapely.bounds(g)
    return list(
        zip(
            occ.ids[sl].tolist(),
            occ.compound_ids[sl].tolist(),
            occ.kinds[sl].tolist(),
            occ.statuses[sl].tolist(),
            occ.reported_on[sl].tolist(),
            occ.cleared_on[sl].tolist(),
            (occ.areas[sl] if occ.areas is not None else approx_area_m2(g)).tolist(),
            wkbs,
            texts,
            b[:, 0].tolist(),
            b[:, 1].tolist(),
            b[:, 2].tolist(),
            b[:, 3].tolist(),
            strict=True,
        )
    )


def demo_store(path: Path) -> SQLiteDatabase:
    """A migrated store at ``path`` holding the Suiyang demo set (opened; close it when done)."""
    db = SQLiteDatabase(path).open()
    import_dataset(db)
    return db


def compound_geometries(db: SQLiteDatabase) -> tuple[np.ndarray, np.ndarray]:
    """(ids, polygons) of the compounds in the store."""
    found = db.read("SELECT id, geom FROM compounds ORDER BY id")
    return np.array([r["id"] for r in found]), shapely.from_wkb([r["geom"] for r in found])


def read_geometries(path: Path, table: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    """(keys, geometries) of a table of a store file, in key order, read without opening the store."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = conn.execute(f"SELECT {key}, geom FROM {table} ORDER BY {key}").fetchall()
    finally:
        conn.close()
    return np.array([k for k, _ in found]), shapely.from_wkb([g for _, g in found])


def write(db: SQLiteDatabase, occ: Occupations, *, replace: bool, chunk: int = 100_000) -> float:
    """Insert the occupations (after deleting the demo ones when ``replace``); returns seconds taken."""
    t0 = time.perf_counter()
    cols = ", ".join(COLUMNS)
    sql = f"INSERT INTO occupations ({cols}) VALUES ({', '.join('?' for _ in COLUMNS)})"

    def load(conn: sqlite3.Connection) -> None:
        if replace:
            conn.execute("DELETE FROM occupations")
        for start in range(0, len(occ), chunk):
            conn.executemany(sql, rows(occ, start, start + chunk))

    db.write(load)
    return time.perf_counter() - t0


def copy_compounds(db: SQLiteDatabase, copies: int, *, shift_deg: float = 0.2) -> int:
    """Add ``copies`` copies of the demo compounds (new ids from 100,001, each copy shifted ``shift_deg`` further
    north, names suffixed), with their committees and branches left out; returns how many compounds there are."""
    cols = [r["name"] for r in db.read("PRAGMA table_info(compounds)")]
    found = db.read(f"SELECT {', '.join(cols)} FROM compounds ORDER BY id")
    geoms = shapely.from_wkb([r["geom"] for r in found])
    rows = []
    for k in range(1, copies + 1):
        moved = shapely.transform(geoms, lambda xy, k=k: xy + np.array([0.0, k * shift_deg]))
        texts = to_geojson(moved)
        bounds = shapely.bounds(moved)
        for i, r in enumerate(found):
            row = dict(r)
            row.update(
                id=100_000 * k + r["id"],
                name=f"{r['name']}·{k}",
                geom=shapely.to_wkb(moved[i]),
                geojson=texts[i],
                minx=bounds[i, 0],
                miny=bounds[i, 1],
                maxx=bounds[i, 2],
                maxy=bounds[i, 3],
            )
            rows.append(tuple(row[c] for c in cols))
    sql = f"INSERT INTO compounds ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})"
    db.write(lambda conn: conn.executemany(sql, rows))
    return int(db.read_one("SELECT count(*) FROM compounds")[0])


def store_with(path: Path, make: Callable[[np.ndarray], Occupations]) -> Occupations:
    """A demo store at ``path`` (closed when done) whose occupations are replaced by ``make(compound ids)``."""
    db = demo_store(path)
    try:
        compound_ids, _ = compound_geometries(db)
        occ = make(compound_ids)
        write(db, occ, replace=True)
        return occ
    finally:
        db.close()
