"""The hub against PostGraphile 4 on the same rows: the floor of a request, locate, a bbox list, a write.

The hub serves the Suiyang demo set (``hub init`` on a temporary SQLite file). A throwaway
PostgreSQL 15 + PostGIS 3 cluster (``bench/pg.py``: fsync and synchronous_commit on) holds a copy
of the same tables' rows (subdistricts, communities, 4,950 grids, compounds, occupations, sectors,
…) with GiST indexes and the hub's primary and foreign keys, so PostGraphile exposes the same
relations. PostGraphile 4 with @graphile/postgis and the connection-filter plugins (PostGIS
operators) is installed by npm into a temporary folder (``bench/postgraphile.py``) and runs on it
as the database owner (no JWT, no row-level security: it checks no permission at all). Both are
asked over HTTP with keep-alive, for uncompressed answers (the hub gzips a large answer the client
accepts compressed, PostGraphile does not compress: over loopback that would be the hub's cost
alone), in strict alternation (one hub call, one PostGraphile call, …),
after a warm-up; figures are medians. Both sides' answers are checked to hold the same rows
(every box, point and write that was timed, checked after the timing so that no check warms a
cache the timing then uses).

1. Trivial request ``{ __typename }``: the floor every request pays (HTTP, parsing, validation,
   execution, encoding). Target: hub ≤ 0.8× PostGraphile's. Beside it, for scale, a bare ASGI app on
   the same uvicorn (``floor_app``: no hub, no GraphQL) answering the same fixed JSON.
2. ``locate(lon, lat)`` with subdistrict, community, grid, compound and sector names, at a new
   point of the old town each call. Target: hub's locate ≤ 1.0× PostGraphile's *trivial* request.
   PostGraphile's nearest equivalent (five connections filtered with ``intersects`` the point,
   lowest key first, as the hub's rule) is printed for information.
3. A typed bbox list of ~900 grid polygons with id, code and GeoJSON geometry: the hub's
   ``grids(where: {bbox}, first: 1000)`` against ``allGrids(filter: {geom: {intersects: box}},
   first: 1000, orderBy: PRIMARY_KEY_ASC)``. Judged cold: a new box every call (about 900 ± 5 %
   polygons each), so no answer cache can help either side; the same box asked every call is
   printed beside it, labelled cached. Target: hub ≤ 0.2× PostGraphile's.
4. A write: the hub's ``reportOccupation`` (an admin token; ``HUB_SYNC=full``: on disk before the
   answer) against PostGraphile's ``createOccupation`` of the same row (PostgreSQL commits with
   synchronous_commit=on, fsync=on), a new 8 m square inside a compound each call. The hub does
   more: it validates the polygon, finds the one compound holding it, measures its geodesic area
   and writes an audit row and an idempotency key; PostgreSQL checks the foreign key and computes
   the geodesic area (a generated column, ``ST_Area(geom::geography)``). Target: hub ≤ 0.5×.

    python bench/bench_peers.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import psycopg
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import pg, synth
from bench.common import BenchServer, admin_token, alternated, plain_client, report
from bench.postgraphile import PostGraphile, versions

SEED = 53
HEADERS = {"content-type": "application/json"}
TABLES = (
    "subdistricts",
    "communities",
    "grids",
    "property_companies",
    "compounds",
    "meetings",
    "problems",
    "occupations",
    "public_rooms",
    "squads",
    "sectors",
    "shifts",
    "officers",
)
"""Mirrored in PostGIS, each after the tables it references."""
TRIVIAL = b'{"query": "{ __typename }"}'
HUB_LOCATE = """query($lon: Float!, $lat: Float!) { locate(lon: $lon, lat: $lat) {
  subdistrict { name } community { name } grid { code } compound { name } sector { code name } } }"""
PG_LOCATE = """query($p: GeoJSON!) {
  s: allSubdistricts(filter: {geom: {intersects: $p}}, orderBy: PRIMARY_KEY_ASC, first: 1) { nodes { name } }
  c: allCommunities(filter: {geom: {intersects: $p}}, orderBy: PRIMARY_KEY_ASC, first: 1) { nodes { name } }
  g: allGrids(filter: {geom: {intersects: $p}}, orderBy: PRIMARY_KEY_ASC, first: 1) { nodes { code } }
  k: allCompounds(filter: {geom: {intersects: $p}}, orderBy: PRIMARY_KEY_ASC, first: 1) { nodes { name } }
  t: allSectors(filter: {geom: {intersects: $p}}, orderBy: PRIMARY_KEY_ASC, first: 1) { nodes { code name } } }"""
HUB_BBOX = """query($bbox: [Float!]) { grids(where: {bbox: $bbox}, first: 1000) { nodes { id code geometry } } }"""
PG_BBOX = """query($box: GeoJSON!) {
  allGrids(filter: {geom: {intersects: $box}}, first: 1000, orderBy: PRIMARY_KEY_ASC) {
    nodes { nodeId code geom { geojson } } } }"""
HUB_WRITE = """mutation($input: ReportOccupationInput!) { reportOccupation(input: $input) {
  userErrors { code message } occupation { id kind status areaM2 compound { compoundId } } } }"""
PG_WRITE = """mutation($o: OccupationInput!) { createOccupation(input: {occupation: $o}) {
  occupation { id kind status areaM2 compoundId } } }"""
GRID_AREA = (115.57, 34.375, 115.615, 34.405)
"""Box centres are drawn here, where grids are dense (the grids cover 115.55–115.63 E, 34.36–34.42 N)."""


# --- the inputs, made before any timing -----------------------------------------------------------------------------


def floor_app(settings: object) -> Any:
    """No hub at all: a bare ASGI app on the same uvicorn (httptools, uvloop) that reads the POST and answers
    ``{ __typename }``'s fixed JSON. What any Python ASGI service pays for a request on this machine."""
    answer = b'{"data":{"__typename":"Query"}}'
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(answer)).encode())]

    async def app(scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        more = True
        while more:
            more = (await receive()).get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": answer})

    return app


def grid_boxes(db: Path, rng: np.random.Generator, n: int, target: int = 900) -> list[list[float]]:
    """``n`` boxes, each intersecting ``target`` ± 5 % grids, centred at random in ``GRID_AREA``."""
    _, grids = synth.read_geometries(db, "grids", "code")
    tree = shapely.STRtree(grids)
    out: list[list[float]] = []
    while len(out) < n:
        cx, cy = synth.uniform_points(rng, 1, GRID_AREA)[0]
        half = 0.014
        for _ in range(30):
            bbox = [round(float(v), 6) for v in (cx - half, cy - half, cx + half, cy + half)]
            count = len(tree.query(shapely.box(*bbox), predicate="intersects"))
            if abs(count - target) <= target * 0.05:
                out.append(bbox)
                break
            half *= (target / max(count, 1)) ** 0.5
    return out


def box_polygon(bbox: list[float]) -> dict:
    x0, y0, x1, y1 = bbox
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def squares(db: Path, rng: np.random.Generator, n: int, side_m: float = 8.0) -> list[tuple[int, dict]]:
    """``n`` (compound id, GeoJSON polygon) pairs: squares of ``side_m`` lying inside a random compound."""
    ids, polygons = synth.read_geometries(db, "compounds", "id")
    out: list[tuple[int, dict]] = []
    while len(out) < n:
        points, which = synth.points_in(rng, polygons, n)
        boxes = synth.rectangles(rng, points, side_m, side_m)
        inside = shapely.contains(polygons[which], boxes)
        for i in np.flatnonzero(inside)[: n - len(out)].tolist():
            out.append((int(ids[which[i]]), orjson.loads(shapely.to_geojson(boxes[i]))))
    return out


# --- the run --------------------------------------------------------------------------------------------------------


class Peers:
    """The hub and PostGraphile, each behind a keep-alive client, and the calls timed on both."""

    def __init__(self, hub: httpx.Client, peer: httpx.Client, token: str) -> None:
        self.hub, self.peer = hub, peer
        self.auth = {**HEADERS, "authorization": f"Bearer {token}"}

    def ask(self, client: httpx.Client, body: bytes, headers: dict[str, str] = HEADERS) -> bytes:
        answer = client.post("/graphql", content=body, headers=headers)
        assert answer.status_code == 200, answer.text[:500]
        return answer.content

    def data(self, client: httpx.Client, query: str, variables: dict, headers: dict[str, str] = HEADERS) -> dict:
        out = orjson.loads(self.ask(client, orjson.dumps({"query": query, "variables": variables}), headers))
        assert "errors" not in out, out["errors"]
        return out["data"]


def bodies(query: str, variables: list[dict]) -> Iterator[bytes]:
    return iter([orjson.dumps({"query": query, "variables": v}) for v in variables])


def timed(
    fns: dict[str, Callable[[], object]], rounds: int, warmup: int = 20
) -> tuple[dict[str, float], dict[str, float]]:
    """Medians (s) and 90th percentiles of the calls, in strict alternation."""
    samples = alternated(fns, rounds=rounds, warmup=warmup)
    return (
        {k: statistics.median(v) for k, v in samples.items()},
        {k: float(np.percentile(v, 90)) for k, v in samples.items()},
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300, help="timed calls of each kind (the bbox list: half)")
    args = parser.parse_args()
    rounds, warmup = args.rounds, 20
    bbox_rounds = max(rounds // 2, 20)
    rng = np.random.default_rng(SEED)
    ok = True
    with tempfile.TemporaryDirectory(prefix="hub-bench-peers-") as tmp:
        db = Path(tmp) / "hub.db"
        synth.demo_store(db).close()
        token = admin_token(db)
        points = synth.disc_points(rng, rounds + warmup, synth.OLD_TOWN, 1400).tolist()
        boxes = grid_boxes(db, rng, bbox_rounds + warmup)
        writes = squares(db, rng, rounds + warmup + 1)
        today = date.today().isoformat()
        with (
            pg.cluster() as dsn,
            psycopg.connect(dsn, autocommit=True) as conn,
        ):
            pg.mirror(conn, db, TABLES, generated_area=("occupations",))
            durable = pg.settings_in_force(conn)
            pg_version = conn.execute("SELECT postgis_lib_version(), current_setting('server_version')").fetchone()
            with (
                BenchServer(db=db, env={"HUB_SYNC": "full"}) as srv,
                PostGraphile(pg.url(dsn)) as graphile,
                BenchServer(app="bench.bench_peers:floor_app") as floor,
                plain_client(srv.url, timeout=60) as hub,
                plain_client(graphile.url, timeout=60) as peer,
                plain_client(floor.url, timeout=60) as bare,
            ):
                peers = Peers(hub, peer, token)
                made = versions(graphile.folder)

                # 1 and 2: the floor, and locate against it
                hub_points = bodies(HUB_LOCATE, [{"lon": x, "lat": y} for x, y in points])
                pg_points = bodies(PG_LOCATE, [{"p": {"type": "Point", "coordinates": [x, y]}} for x, y in points])
                m, p90 = timed(
                    {
                        "hub_trivial": lambda: peers.ask(hub, TRIVIAL),
                        "pg_trivial": lambda: peers.ask(peer, TRIVIAL),
                        "hub_locate": lambda: peers.ask(hub, next(hub_points)),
                        "pg_locate": lambda: peers.ask(peer, next(pg_points)),
                        "floor": lambda: peers.ask(bare, TRIVIAL),
                    },
                    rounds,
                    warmup,
                )
                same_places(peers, points)
                ok &= report(
                    "trivial request { __typename }: hub vs PostGraphile",
                    m["hub_trivial"] / m["pg_trivial"],
                    0.8,
                    f"hub {m['hub_trivial'] * 1e3:.2f} ms (p90 {p90['hub_trivial'] * 1e3:.2f}), PostGraphile "
                    f"{m['pg_trivial'] * 1e3:.2f} ms (p90 {p90['pg_trivial'] * 1e3:.2f}); medians of {rounds} in "
                    "alternation over HTTP",
                )
                print(
                    f"  for scale, no hub at all: a bare ASGI app on the same uvicorn answering the same fixed JSON "
                    f"{m['floor'] * 1e3:.2f} ms, {m['floor'] / m['pg_trivial']:.2f}× PostGraphile's trivial request "
                    f"(the hub's own part of its trivial request: {(m['hub_trivial'] - m['floor']) * 1e3:.2f} ms)"
                )
                ok &= report(
                    "locate with five names, a new point each call: hub vs PostGraphile's trivial request",
                    m["hub_locate"] / m["pg_trivial"],
                    1.0,
                    f"hub locate {m['hub_locate'] * 1e3:.2f} ms, PostGraphile {{ __typename }} "
                    f"{m['pg_trivial'] * 1e3:.2f} ms; PostGraphile's five filtered connections "
                    f"{m['pg_locate'] * 1e3:.2f} ms (hub / that {m['hub_locate'] / m['pg_locate']:.2f}, for "
                    f"information); same five answers at all {len(points)} points",
                )

                # 3: a typed bbox list of ~900 polygons, cold (a new box every call) and the same box again
                counts = same_grids(peers, boxes[:3])  # three boxes checked here; the timed ones after the timing
                timed_boxes = boxes[3:]
                hub_boxes = bodies(HUB_BBOX, [{"bbox": b} for b in timed_boxes])
                pg_boxes = bodies(PG_BBOX, [{"box": box_polygon(b)} for b in timed_boxes])
                cold, cold90 = timed(
                    {"hub": lambda: peers.ask(hub, next(hub_boxes)), "pg": lambda: peers.ask(peer, next(pg_boxes))},
                    bbox_rounds - 3,
                    warmup,
                )
                counts += same_grids(peers, timed_boxes)
                hub_same = orjson.dumps({"query": HUB_BBOX, "variables": {"bbox": boxes[0]}})
                pg_same = orjson.dumps({"query": PG_BBOX, "variables": {"box": box_polygon(boxes[0])}})
                cached, _ = timed(
                    {"hub": lambda: peers.ask(hub, hub_same), "pg": lambda: peers.ask(peer, pg_same)},
                    bbox_rounds,
                    warmup,
                )
                ok &= report(
                    f"typed bbox list of {min(counts)}–{max(counts)} grid polygons with id, code, geometry, "
                    "cold (a new box each call): hub vs PostGraphile",
                    cold["hub"] / cold["pg"],
                    0.2,
                    f"hub {cold['hub'] * 1e3:.2f} ms (p90 {cold90['hub'] * 1e3:.2f}), PostGraphile "
                    f"{cold['pg'] * 1e3:.2f} ms (p90 {cold90['pg'] * 1e3:.2f}); cached (the same box every call): "
                    f"hub {cached['hub'] * 1e3:.2f} ms, PostGraphile {cached['pg'] * 1e3:.2f} ms, ratio "
                    f"{cached['hub'] / cached['pg']:.2f}; medians of {bbox_rounds - 3} and {bbox_rounds}; same "
                    f"ids in the same order for every box",
                )

                # 4: a write, synced to disk before the answer on both sides
                before = occupation_counts(peers)
                first_hub, first_pg = write_once(peers, writes[0], today)
                hub_writes = bodies(
                    HUB_WRITE,
                    [
                        {"input": {"clientId": str(uuid.uuid4()), "geometry": g, "kind": "STORAGE"}}
                        for _, g in writes[1:]
                    ],
                )
                pg_writes = bodies(PG_WRITE, [pg_row(c, g, today) for c, g in writes[1:]])
                w, w90 = timed(
                    {
                        "hub": lambda: peers.ask(hub, next(hub_writes), peers.auth),
                        "pg": lambda: peers.ask(peer, next(pg_writes)),
                    },
                    rounds,
                    warmup,
                )
                after = occupation_counts(peers)
                added = rounds + warmup + 1
                assert after == (before[0] + added, before[1] + added), (before, after, added)
                area_gap = abs(first_hub["areaM2"] - first_pg["areaM2"]) / first_pg["areaM2"]
                ok &= report(
                    "a write (reportOccupation, HUB_SYNC=full) vs PostGraphile's createOccupation "
                    "(synchronous_commit=on)",
                    w["hub"] / w["pg"],
                    0.5,
                    f"hub {w['hub'] * 1e3:.2f} ms (p90 {w90['hub'] * 1e3:.2f}), PostGraphile {w['pg'] * 1e3:.2f} ms "
                    f"(p90 {w90['pg'] * 1e3:.2f}); medians of {rounds}; {added} rows added on each side; geodesic "
                    f"area of the same square: hub {first_hub['areaM2']:.4f} m², PostGIS {first_pg['areaM2']:.4f} "
                    f"m² (relative gap {area_gap:.1e}); PostgreSQL {', '.join(f'{k}={v}' for k, v in durable.items())}",
                )
    print(
        f"[PostGraphile {made['postgraphile']} (graphql {made['graphql']}, "
        f"@graphile/postgis {made['@graphile/postgis']}, "
        f"connection-filter {made['postgraphile-plugin-connection-filter']}) on Node {made['node']}; PostgreSQL "
        f"{pg_version[1]}, PostGIS {pg_version[0]}]"
    )
    return 0 if ok else 1


def same_places(peers: Peers, points: list[list[float]]) -> None:
    """At every point, both sides name the same subdistrict, community, grid, compound and sector."""
    for x, y in points:
        h = peers.data(peers.hub, HUB_LOCATE, {"lon": x, "lat": y})["locate"]
        p = peers.data(peers.peer, PG_LOCATE, {"p": {"type": "Point", "coordinates": [x, y]}})

        firsts = tuple(p[k]["nodes"][0] if p[k]["nodes"] else None for k in "scgkt")
        assert (h["subdistrict"], h["community"], h["grid"], h["compound"], h["sector"]) == firsts, ((x, y), h, p)


def same_grids(peers: Peers, boxes: list[list[float]]) -> list[int]:
    """For every box, both sides list the same grids in the same order, with the same geometry; the counts."""
    counts = []
    for b in boxes:
        h = peers.data(peers.hub, HUB_BBOX, {"bbox": b})["grids"]["nodes"]
        p = peers.data(peers.peer, PG_BBOX, {"box": box_polygon(b)})["allGrids"]["nodes"]
        assert [n["code"] for n in h] == [n["code"] for n in p], b
        assert all(a["geometry"] == c["geom"]["geojson"] for a, c in zip(h, p, strict=True)), b
        counts.append(len(h))
    return counts


def pg_row(compound_id: int, geometry: dict, today: str) -> dict:
    return {
        "o": {
            "compoundId": str(compound_id),
            "kind": "STORAGE",
            "status": "OCCUPIED",
            "reportedOn": today,
            "reportedBy": "bench",
            "geom": geometry,
        }
    }


def write_once(peers: Peers, write: tuple[int, dict], today: str) -> tuple[dict, dict]:
    """The same square written once on each side, outside the timing: both land in the same compound."""
    compound_id, geometry = write
    h = peers.data(
        peers.hub,
        HUB_WRITE,
        {"input": {"clientId": str(uuid.uuid4()), "geometry": geometry, "kind": "STORAGE"}},
        peers.auth,
    )["reportOccupation"]
    assert h["userErrors"] == [], h
    p = peers.data(peers.peer, PG_WRITE, pg_row(compound_id, geometry, today))["createOccupation"]["occupation"]
    assert h["occupation"]["compound"]["compoundId"] == compound_id == int(p["compoundId"]), (h, p)
    return h["occupation"], p


def occupation_counts(peers: Peers) -> tuple[int, int]:
    h = peers.data(peers.hub, "{ occupations { totalCount } }", {})["occupations"]["totalCount"]
    p = peers.data(peers.peer, "{ allOccupations { totalCount } }", {})["allOccupations"]["totalCount"]
    return h, p


if __name__ == "__main__":
    sys.exit(main())
