"""The hub against PostGIS on the same 10,000 polygons: a bbox GeoJSON answer and z14 vector tiles.

A throwaway PostgreSQL 15 + PostGIS 3 cluster (Debian's packages; installed with apt-get when
missing) is made in a temporary folder, listens on a free port on 127.0.0.1, and holds the same
seeded synthetic occupations as a hub store: 5,000 spread evenly over the six z14 tiles that cover
the old town (x 13452–13454, y 6523–6524) and 5,000 over the whole district, 12–40 m polygons of
12 corners by default, in a table with a GiST index. The cluster is stopped and removed at the end,
whatever happens.

Why 12 corners: the issue's reference figures for PostGIS on these machines (about 9 ms for the
GeoJSON, 6–10 ms for a 900-feature tile) are for polygons heavier than rectangles; 12-corner
polygons put PostGIS's tile at about 7 ms, inside that range. PostGIS's cost grows with vertices and
the hub's hardly does (its GeoJSON is made once, at write time), so rectangles (``--vertices 4``,
PostGIS's cheapest case) are the hardest test for the hub: there the GeoJSON ratio comes out
between 0.37 and 0.56 from run to run; at 12 corners about 0.42, at 32 about 0.33.

(a) A bbox around 大隅首 holding about 1,300 polygons: PostGIS's
    ``json_build_object(... json_agg(ST_AsGeoJSON(t.*)::json))`` over psycopg (the json text is
    fetched, not parsed) against the hub's ``featureCollection`` over HTTP (properties kind,
    status). Target: hub / PostGIS ≤ 0.5.
(b) The six old-town z14 tiles: PostGIS's ``ST_AsMVT(ST_AsMVTGeom(ST_Transform(geom, 3857), …))``
    with the same properties, feature ids and 64-unit buffer as the hub's tile, against the hub's
    GET /tiles/occupations/14/x/y.mvt (served from its tile cache once made). Target: median over
    the tiles, hub / PostGIS ≤ 1. The hub's first, uncached request for each tile is reported too
    (each tile asked once as the public and once with a token: twelve cold encodes).

The targets are judged on calls in strict alternation (one PostGIS call, one hub call, …), so
drift in machine load hits both alike; each server then finds its caches cooled by the other's
work, which costs the Python server more than PostgreSQL. The same calls made back to back, in
blocks of twelve, are reported alongside.

    python bench/bench_postgis.py [--rounds 600] [--vertices 12]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import mapbox_vector_tile
import numpy as np
import orjson
import psycopg
import shapely
from psycopg.types.string import TextLoader

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.common import BenchServer, admin_token, report
from bench.pg import cluster
from hub.geo import mvt

SEED = 41
TILES = [(14, x, y) for y in (6523, 6524) for x in (13452, 13453, 13454)]
"""The z14 tiles that cover the old town (its disc of 1,457 m around 大隅首 reaches into each)."""
CENTRAL = (14, 13453, 6524)
GEOJSON_TARGET = 1_300
HEADERS = {"content-type": "application/json"}

PG_JSON = """SELECT json_build_object('type', 'FeatureCollection', 'features', json_agg(ST_AsGeoJSON(t.*)::json))
FROM (SELECT id, kind, status, geom FROM occ WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)) t"""
PG_TILE = """SELECT ST_AsMVT(q, 'occupations', 4096, 'geom', 'fid') FROM (
  SELECT id AS fid, id AS "occupationId", compound_id AS "compoundId", kind, status,
    reported_on::text AS "reportedOn", cleared_on::text AS "clearedOn", area_m2 AS "areaM2",
    ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
  FROM occ WHERE geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => 64.0 / 4096), 4326)) q"""
PG_TILE_3 = """SELECT ST_AsMVT(q, 'occupations', 4096, 'geom') FROM (
  SELECT id, kind, status,
    ST_AsMVTGeom(ST_Transform(geom, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
  FROM occ WHERE geom && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)) q"""
"""The tile query with only id, kind and status (and no buffer in the search), for reference."""
PG_COUNT = "SELECT count(*) FROM occ WHERE geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)"
HUB_FC = """query($bbox: [Float!]) { featureCollection(layer: OCCUPATIONS, where: {bbox: $bbox},
  properties: ["kind", "status"]) }"""


# --- the data ------------------------------------------------------------------------------------------------------


def make_data(rng: np.random.Generator, compound_ids: np.ndarray, vertices: int = 4) -> synth.Occupations:
    minx, miny, _, _ = mvt.tile_bounds(14, 13452, 6524)
    _, _, maxx, maxy = mvt.tile_bounds(14, 13454, 6523)
    centres = np.vstack([synth.uniform_points(rng, 5_000, (minx, miny, maxx, maxy)), synth.uniform_points(rng, 5_000)])
    geoms = synth.polygons(rng, centres, 12, 40, vertices)
    return synth.occupations(rng, geoms, rng.choice(compound_ids, len(geoms)))


def bbox_around(
    geoms: np.ndarray, centre: tuple[float, float], target: int, agrees: Callable[[list[float], int], bool]
) -> tuple[list[float], int]:
    """The smallest square (in steps of 1 %) around ``centre`` that intersects ``target`` or more geometries,
    with its edges moved off any geometry's edge, and on whose count ``agrees(bbox, count)``.

    PostGIS's ``&&`` compares float4 boxes, rounded outwards (~8e-6° at 115° E): a rectangle ending just
    short of the box would be in its answer and not in the hub's.
    """
    tree = shapely.STRtree(geoms)
    bounds = shapely.bounds(geoms)
    half = 0.002
    while True:
        bbox = [centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half]
        if len(tree.query(shapely.box(*bbox), predicate="intersects")) >= target:
            bbox = clear_edges(bounds, bbox)
            n = len(tree.query(shapely.box(*bbox), predicate="intersects"))
            if agrees(bbox, n):
                return bbox, n
        half *= 1.01


def clear_edges(bounds: np.ndarray, bbox: list[float], eps: float = 1.6e-5) -> list[float]:
    """``bbox`` (rounded to 6 decimals) with each edge moved outwards until no geometry ends within ``eps`` of it."""
    x0, y0, x1, y1 = (round(v, 6) for v in bbox)
    pad = 1e-3
    across_y = (bounds[:, 3] >= y0 - pad) & (bounds[:, 1] <= y1 + pad)
    across_x = (bounds[:, 2] >= x0 - pad) & (bounds[:, 0] <= x1 + pad)

    def clear(v: float, ends: np.ndarray, direction: int) -> float:
        while np.any(np.abs(ends - v) < eps):
            v = round(v + direction * 1e-6, 6)
        return v

    # a geometry is in doubt only where it ends: its maxx near the left edge, its minx near the right, …
    return [
        clear(x0, bounds[across_y, 2], -1),
        clear(y0, bounds[across_x, 3], -1),
        clear(x1, bounds[across_y, 0], 1),
        clear(y1, bounds[across_x, 1], 1),
    ]


# --- PostGIS ---------------------------------------------------------------------------------------------------------


def load_postgis(conn: psycopg.Connection, occ: synth.Occupations) -> None:
    conn.execute("CREATE EXTENSION postgis")
    conn.execute(
        "CREATE TABLE occ (id integer PRIMARY KEY, compound_id integer NOT NULL, kind text NOT NULL, "
        "status text NOT NULL, reported_on date, cleared_on date, area_m2 double precision NOT NULL, "
        "geom geometry(Polygon, 4326) NOT NULL)"
    )
    ewkb = shapely.to_wkb(shapely.set_srid(occ.geoms, 4326), hex=True, include_srid=True)
    areas = synth.approx_area_m2(occ.geoms)
    cols = "id, compound_id, kind, status, reported_on, cleared_on, area_m2, geom"
    with conn.cursor().copy(f"COPY occ ({cols}) FROM STDIN") as copy:
        for row in zip(
            occ.ids.tolist(),
            occ.compound_ids.tolist(),
            occ.kinds.tolist(),
            occ.statuses.tolist(),
            occ.reported_on.tolist(),
            occ.cleared_on.tolist(),
            areas.tolist(),
            ewkb.tolist(),
            strict=True,
        ):
            copy.write_row(row)
    conn.execute("CREATE INDEX occ_geom ON occ USING gist (geom)")
    conn.commit()
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE occ")


# --- the run -----------------------------------------------------------------------------------------------------


def tile_ids(data: bytes) -> set[int]:
    layer = mapbox_vector_tile.decode(data).get("occupations", {"features": []})
    return {int(f["id"]) for f in layer["features"]}


def alternating(fns: dict[str, Callable[[int], object]], *, rounds: int, warmup: int) -> dict[str, list[float]]:
    """Times of several calls in alternation, one call of each per round, each given the round number."""
    for r in range(warmup):
        for fn in fns.values():
            fn(r)
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn(r)
            samples[name].append(time.perf_counter() - t0)
    return samples


def in_blocks(fns: dict[str, Callable[[int], object]], *, rounds: int, block: int) -> dict[str, list[float]]:
    """Times of several calls, ``block`` calls of one after another (the first of each block not kept):
    back-to-back serving, with drift still shared between the calls."""
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(0, rounds, block):
        for name, fn in fns.items():
            for i in range(r - 1, r + block):
                t0 = time.perf_counter()
                fn(i)
                if i >= r:
                    samples[name].append(time.perf_counter() - t0)
    return samples


def per_tile(samples: list[float], n: int) -> list[float]:
    """Median time of each of ``n`` tiles from samples taken in turn (sample ``i`` is tile ``i % n``)."""
    return [statistics.median(samples[i::n]) for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=600)
    parser.add_argument(
        "--vertices",
        type=int,
        default=12,
        help="corners of each polygon (default 12, see above): 4 gives rectangles, more gives star-shaped polygons",
    )
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="hub-bench-postgis-") as tmp, cluster() as dsn:
        hub_db = Path(tmp) / "hub.db"
        store = synth.demo_store(hub_db)
        try:
            compound_ids, _ = synth.compound_geometries(store)
            occ = make_data(rng, compound_ids, args.vertices)
            synth.write(store, occ, replace=True)
        finally:
            store.close()
        token = admin_token(hub_db)

        with (
            psycopg.connect(dsn) as pg,
            BenchServer(db=hub_db) as srv,
            httpx.Client(base_url=srv.url, timeout=60) as client,
        ):
            load_postgis(pg, occ)
            bbox, expected = bbox_around(
                occ.geoms, synth.OLD_TOWN, GEOJSON_TARGET, lambda b, n: pg.execute(PG_COUNT, b).fetchone()[0] == n
            )
            pg.adapters.register_loader("json", TextLoader)  # fetch the json text; do not parse it client-side
            fc_body = orjson.dumps({"query": HUB_FC, "variables": {"bbox": bbox}})

            def pg_json() -> str:
                return pg.execute(PG_JSON, bbox).fetchone()[0]

            def hub_json() -> bytes:
                answer = client.post("/graphql", content=fc_body, headers=HEADERS)
                assert answer.status_code == 200
                return answer.content

            # checked once, outside the timing: the same features on both sides (this also builds the hub's index)
            pg_ids = {f["properties"]["id"] for f in orjson.loads(pg_json())["features"]}
            hub_fc = orjson.loads(hub_json())["data"]["featureCollection"]
            assert {f["id"] for f in hub_fc["features"]} == pg_ids and len(pg_ids) == expected, (len(pg_ids), expected)
            sizes = (len(hub_json()), len(pg_json().encode()))

            def hub_tile(z: int, x: int, y: int, headers: dict[str, str] | None = None) -> bytes:
                answer = client.get(f"/tiles/occupations/{z}/{x}/{y}.mvt", headers=headers)
                assert answer.status_code == 200, answer.status_code
                return answer.content

            cold: list[float] = []
            for headers in (None, {"authorization": f"Bearer {token}"}):
                client.get("/healthz", headers=headers)  # the token is looked up (and cached) here, not in the timing
                for t in TILES:
                    t0 = time.perf_counter()
                    hub_tile(*t, headers=headers)
                    cold.append(time.perf_counter() - t0)

            def pg_tile(t: tuple[int, int, int], sql: str = PG_TILE) -> bytes:
                return bytes(pg.execute(sql, dict(zip("zxy", t, strict=True))).fetchone()[0])

            features, differ = [], 0  # polygons in each hub tile; polygons in one tile and not the other
            for t in TILES:
                ids, pg_ids = tile_ids(hub_tile(*t)), tile_ids(pg_tile(t))
                differ += len(ids ^ pg_ids)  # a clipped sliver at the buffer's edge may go either way
                assert len(ids ^ pg_ids) <= max(2, len(ids) // 200), (t, len(ids), len(pg_ids))
                features.append(len(ids))

            n = len(TILES)
            rounds = args.rounds - args.rounds % (2 * n)  # each tile as often as the others
            fns: dict[str, Callable[[int], object]] = {
                "pg_json": lambda r: pg_json(),
                "hub_json": lambda r: hub_json(),
                "pg_tile": lambda r: pg_tile(TILES[r % n]),
                "hub_tile": lambda r: hub_tile(*TILES[r % n]),
                "pg_tile3": lambda r: pg_tile(TILES[r % n], PG_TILE_3),
            }
            alt = alternating(fns, rounds=rounds, warmup=3 * n)
            b2b = in_blocks(fns, rounds=rounds, block=2 * n)
            version = pg.execute("SELECT postgis_lib_version(), current_setting('server_version')").fetchone()

    m = {k: statistics.median(v) for k, v in alt.items()}
    mb = {k: statistics.median(v) for k, v in b2b.items()}
    shape = "rectangles" if args.vertices == 4 else f"{args.vertices}-corner polygons"
    ok = report(
        f"bbox featureCollection of {expected:,} {shape}: hub over HTTP vs PostGIS json_agg(ST_AsGeoJSON)",
        m["hub_json"] / m["pg_json"],
        0.5,
        f"hub {m['hub_json'] * 1e3:.2f} ms ({sizes[0] / 1e3:,.0f} kB), PostGIS {m['pg_json'] * 1e3:.2f} ms "
        f"({sizes[1] / 1e3:,.0f} kB of json text fetched by psycopg, not parsed); medians of {rounds} in "
        f"alternation; back to back: hub {mb['hub_json'] * 1e3:.2f} ms, PostGIS {mb['pg_json'] * 1e3:.2f} ms "
        f"(ratio {mb['hub_json'] / mb['pg_json']:.2f}); PostGIS {version[0]}, PostgreSQL {version[1]}",
    )
    tiles = {k: per_tile(alt[k], n) for k in ("hub_tile", "pg_tile", "pg_tile3")}
    hub_t, pg_t, pg3_t = (statistics.median(tiles[k]) for k in ("hub_tile", "pg_tile", "pg_tile3"))
    hub_b, pg_b = (statistics.median(per_tile(b2b[k], n)) for k in ("hub_tile", "pg_tile"))
    c = TILES.index(CENTRAL)
    ok &= report(
        f"z14 old-town tiles of {min(features)}–{max(features)} {shape}: hub GET .mvt vs PostGIS ST_AsMVT",
        hub_t / pg_t,
        1.0,
        f"median over {n} tiles: hub {hub_t * 1e3:.2f} ms (from its tile cache), PostGIS {pg_t * 1e3:.2f} ms "
        f"(same properties and ids, {differ} polygons not in both; {pg3_t * 1e3:.2f} ms with id, kind, status "
        f"only); central tile "
        f"{CENTRAL[1]}/{CENTRAL[2]} ({features[c]} polygons): hub {tiles['hub_tile'][c] * 1e3:.2f} ms, PostGIS "
        f"{tiles['pg_tile'][c] * 1e3:.2f} ms; per-tile medians of {rounds // n} in alternation; back to back: "
        f"hub {hub_b * 1e3:.2f} ms, PostGIS {pg_b * 1e3:.2f} ms",
    )
    print(
        f"hub's uncached first request for a z14 old-town tile: median {statistics.median(cold) * 1e3:.2f} ms "
        f"(ratio {statistics.median(cold) / pg_t:.2f} to PostGIS's median)  [min {min(cold) * 1e3:.2f} ms, "
        f"max {max(cold) * 1e3:.2f} ms over {len(cold)} cold encodes: each tile once as the public, once with a "
        f"token]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
