"""A typed bbox list of 500+ compounds with geometry over HTTP, against the bare work in one process.

The hub's own time is (bbox request − trivial ``{ __typename }`` request) on the same server: what
the list costs beyond the floor every request pays. It is set against two baselines, both the same
lookup (shapely STRtree, intersects) of the same box and an orjson answer of the same fields
(``compounds { totalCount edges { node { id name areaM2 geometry } } }``), in this process:

- **fair bare** (judged): the GeoJSON text of each geometry made once, before the timing, and the
  pieces joined into the answer with ``orjson.Fragment``. The hub also serialises geometry once, when
  a feature is loaded or written (design.md): this is the work it cannot avoid.
- **bare with serialisation**: ``shapely.to_geojson`` of every geometry on every call. It does work
  the hub skips by design, so it flatters the hub; printed for information.

Every call, on every side, takes a new box (the base box around the compounds' centre, each edge
moved by up to ±0.002° at random): the typed list has no answer cache, and a new box makes sure of
it. Target: hub's own time ≤ 4× the fair bare work.

    python bench/bench_bbox.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BenchServer, interleaved, plain_client, report
from hub.geo.geojson import to_geojson

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "suiyang"
QUERY = """query($bbox: [Float!]) { compounds(where: {bbox: $bbox}, first: 1000) {
  totalCount edges { node { id name areaM2 geometry } } } }"""
HEADERS = {"content-type": "application/json"}
WARMUP = 20


def answer(ids: list, names: list, areas: list, hits: list[int], texts: list[str]) -> bytes:
    """The GraphQL answer the hub sends, from the chosen records and their geometry's GeoJSON text."""
    return orjson.dumps(
        {
            "data": {
                "compounds": {
                    "totalCount": len(hits),
                    "edges": [
                        {"node": {"id": ids[i], "name": names[i], "areaM2": areas[i], "geometry": orjson.Fragment(t)}}
                        for i, t in zip(hits, texts, strict=True)
                    ],
                }
            }
        }
    )


def same(edges: list[dict]) -> list[tuple[str, bytes]]:
    """What two answers must agree on: each node's name and geometry, in name order."""
    return sorted((e["node"]["name"], orjson.dumps(e["node"]["geometry"])) for e in edges)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    doc = orjson.loads((FIXTURES / "compounds.geojson").read_bytes())
    feats = doc["features"]
    geoms = shapely.from_geojson([orjson.dumps(f["geometry"]) for f in feats])
    names = [f["properties"]["name"] for f in feats]
    ids = [f["properties"]["id"] for f in feats]
    areas = [0.0] * len(feats)
    pieces = to_geojson(geoms)  # once, as the hub does when it loads the features
    tree = shapely.STRtree(geoms)
    # A box around the centre of the compounds, grown until it holds 500+ of them.
    cx, cy = (
        np.median(shapely.get_x(shapely.centroid(geoms))),
        np.median(shapely.get_y(shapely.centroid(geoms))),
    )
    half = 0.01
    while len(tree.query(shapely.box(cx - half, cy - half, cx + half, cy + half), predicate="intersects")) < 500:
        half *= 1.1
    rng = np.random.default_rng(5)
    base = np.array([cx - half, cy - half, cx + half, cy + half])
    boxes = [[float(v) for v in base + rng.uniform(-0.002, 0.002, 4)] for _ in range(args.rounds + WARMUP)]

    def hits_in(bbox: list[float]) -> list[int]:
        return np.sort(tree.query(shapely.box(*bbox), predicate="intersects")).tolist()

    def each_box(fn: Callable[[list[float]], object]) -> Callable[[], object]:
        it = iter(boxes)
        return lambda: fn(next(it))

    def bare(bbox: list[float]) -> bytes:
        hits = hits_in(bbox)
        return answer(ids, names, areas, hits, shapely.to_geojson(geoms[hits]).tolist())

    def fair(bbox: list[float]) -> bytes:
        hits = hits_in(bbox)
        return answer(ids, names, areas, hits, [pieces[i] for i in hits])

    counts = [len(hits_in(b)) for b in boxes]
    with BenchServer() as srv, plain_client(srv.url) as client:

        def hub_bbox(bbox: list[float]) -> bytes:
            out = client.post(
                "/graphql", content=orjson.dumps({"query": QUERY, "variables": {"bbox": bbox}}), headers=HEADERS
            )
            assert out.status_code == 200
            return out.content

        def trivial() -> None:
            assert client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=HEADERS).status_code == 200

        m = interleaved(
            {"bbox": each_box(hub_bbox), "trivial": trivial, "bare": each_box(bare), "fair": each_box(fair)},
            rounds=args.rounds,
            warmup=WARMUP,
        )
        for i, (b, n) in enumerate(zip(boxes, counts, strict=True)):  # every box timed, checked after the timing
            got = orjson.loads(hub_bbox(b))["data"]["compounds"]
            assert got["totalCount"] == n == len(got["edges"]), (b, got["totalCount"], n)
            if i < 3:  # the same names and geometry as the baselines' answers
                mine = orjson.loads(fair(b))["data"]["compounds"]["edges"]
                assert same(mine) == same(got["edges"]) == same(orjson.loads(bare(b))["data"]["compounds"]["edges"])
    own = m["bbox"] - m["trivial"]
    ok = report(
        f"typed bbox list of {min(counts)}–{max(counts)} compounds, a new box each call: hub's own time vs fair bare "
        "work (STRtree + pre-made GeoJSON pieces joined by orjson)",
        own / m["fair"],
        4.0,
        f"request {m['bbox'] * 1e3:.2f} ms, trivial {m['trivial'] * 1e3:.2f} ms, own {own * 1e3:.2f} ms, "
        f"fair bare {m['fair'] * 1e3:.2f} ms; medians of {args.rounds}",
    )
    print(
        f"  for information, against bare work that also serialises every geometry on every call (shapely.to_geojson, "
        f"work the hub skips by design): ratio {own / m['bare']:.2f}  [bare with serialisation "
        f"{m['bare'] * 1e3:.2f} ms]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
