"""A bbox query for 500+ compounds with geometry over HTTP, against the bare work in one process.

The hub's own time is (bbox request − trivial `{ __typename }` request) on the same server; the
bare work is the same lookup (shapely STRtree, intersects) and serialisation (shapely.to_geojson +
orjson) of the same fields, in this process. Target: hub's own time ≤ 2× the bare work.

    python bench/bench_bbox.py [--rounds 200]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import httpx
import numpy as np
import orjson
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BenchServer, interleaved, report

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "suiyang"
QUERY = """query($bbox: [Float!]) { compounds(where: {bbox: $bbox}, first: 1000) {
  totalCount edges { node { id name areaM2 geometry } } } }"""


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
    tree = shapely.STRtree(geoms)
    # A box around the centre of the compounds, grown until it holds 500+ of them.
    cx, cy = (
        np.median(shapely.get_x(shapely.centroid(geoms))),
        np.median(shapely.get_y(shapely.centroid(geoms))),
    )
    half = 0.01
    while len(tree.query(shapely.box(cx - half, cy - half, cx + half, cy + half), predicate="intersects")) < 500:
        half *= 1.1
    bbox = [float(v) for v in (cx - half, cy - half, cx + half, cy + half)]
    box = shapely.box(*bbox)

    def bare() -> bytes:
        hits = np.sort(tree.query(box, predicate="intersects"))
        texts = shapely.to_geojson(geoms[hits])
        return orjson.dumps(
            {
                "data": {
                    "compounds": {
                        "totalCount": len(hits),
                        "edges": [
                            {
                                "node": {
                                    "id": ids[i],
                                    "name": names[i],
                                    "areaM2": areas[i],
                                    "geometry": orjson.Fragment(t),
                                }
                            }
                            for i, t in zip(hits.tolist(), texts.tolist(), strict=True)
                        ],
                    }
                }
            }
        )

    n = len(tree.query(box, predicate="intersects"))
    with BenchServer() as srv, httpx.Client(base_url=srv.url) as client:
        body = orjson.dumps({"query": QUERY, "variables": {"bbox": bbox}})
        headers = {"content-type": "application/json"}
        first = client.post("/graphql", content=body, headers=headers).json()  # checked once, outside the timing
        assert first["data"]["compounds"]["totalCount"] == n == len(first["data"]["compounds"]["edges"]), first

        def hub_bbox() -> None:
            assert client.post("/graphql", content=body, headers=headers).status_code == 200

        def trivial() -> None:
            assert client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers).status_code == 200

        m = interleaved({"bbox": hub_bbox, "trivial": trivial, "bare": bare}, rounds=args.rounds)
    own = m["bbox"] - m["trivial"]
    ratio = own / m["bare"]
    ok = report(
        f"bbox query for {n} compounds: hub's own time vs bare shapely + orjson",
        ratio,
        2.0,
        f"request {m['bbox'] * 1e3:.2f} ms, trivial {m['trivial'] * 1e3:.2f} ms, "
        f"bare {m['bare'] * 1e3:.2f} ms, medians of {args.rounds}",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
