"""OGC API items against GraphQL's ``featureCollection`` for the same 1,000 compounds, over HTTP.

The store holds the Suiyang demo set with one shifted copy of its compounds (1,238 in all). Both
requests ask the same server for the first 1,000 compounds with the same ten properties, inside a
box holding every compound: ``GET /ogc/collections/compounds/items?bbox=…&limit=1000`` against
``featureCollection(layer: COMPOUNDS, where: {bbox: …}, properties: […], limit: 1000)``. Both join
the same kept per-feature bytes (``hub.domain.features``).

Judged (cold): each round moves the box's west edge by a micro-degree, so neither side has seen
the request before (no answer cache holds it; the features are the same). Printed beside it
(cached): the same request again, answered from each side's kept answers. Calls alternate, so drift
in load hits both alike. Target: OGC / featureCollection ≤ 1.2.

    python bench/bench_ogc.py [--rounds 400]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.common import BenchServer, alternated, report
from hub.domain.features import LAYERS

PROPS = list(LAYERS["compounds"].open_props)
FC = """query($bbox: [Float!], $props: [String!]) { featureCollection(layer: COMPOUNDS, where: {bbox: $bbox},
  properties: $props, limit: 1000) }"""
HEADERS = {"content-type": "application/json"}
BOX = (115.0, 34.0, 116.5, 35.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-ogc-") as tmp:
        db = Path(tmp) / "hub.db"
        store = synth.demo_store(db)
        try:
            count = synth.copy_compounds(store, 1)
        finally:
            store.close()
        with BenchServer(db=db) as srv, httpx.Client(base_url=srv.url, timeout=60) as client:
            rounds = iter(range(10**9))

            def box(fresh: bool) -> list[float]:
                return [BOX[0] - (next(rounds) * 1e-6 if fresh else 0), *BOX[1:]]

            def ogc(fresh: bool) -> bytes:
                b = ",".join(repr(v) for v in box(fresh))
                r = client.get(f"/ogc/collections/compounds/items?bbox={b}&limit=1000")
                assert r.status_code == 200, r.text
                return r.content

            def fc(fresh: bool) -> bytes:
                body = orjson.dumps({"query": FC, "variables": {"bbox": box(fresh), "props": PROPS}})
                r = client.post("/graphql", content=body, headers=HEADERS)
                assert r.status_code == 200, r.text
                return r.content

            a, b = orjson.loads(ogc(False)), orjson.loads(fc(False))["data"]["featureCollection"]
            assert a["features"] == b["features"] and a["numberReturned"] == 1000, "not the same features"
            assert a["numberMatched"] == b["numberMatched"] == count
            sizes = (len(ogc(False)), len(fc(False)))
            t = alternated(
                {
                    "ogc": lambda: ogc(True),
                    "fc": lambda: fc(True),
                    "ogc_cached": lambda: ogc(False),
                    "fc_cached": lambda: fc(False),
                },
                rounds=args.rounds,
                warmup=20,
            )
    m = {k: statistics.median(v) for k, v in t.items()}
    ok = report(
        "OGC items page of 1,000 compounds vs featureCollection of the same features, over HTTP (cold)",
        m["ogc"] / m["fc"],
        1.2,
        f"OGC {m['ogc'] * 1e3:.2f} ms ({sizes[0] / 1e3:,.0f} kB), featureCollection {m['fc'] * 1e3:.2f} ms "
        f"({sizes[1] / 1e3:,.0f} kB), neither answer seen before; cached: OGC {m['ogc_cached'] * 1e3:.2f} ms, "
        f"featureCollection {m['fc_cached'] * 1e3:.2f} ms (ratio {m['ogc_cached'] / m['fc_cached']:.2f}); "
        f"medians of {args.rounds} in alternation, {count:,} compounds stored",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
