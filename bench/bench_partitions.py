"""Past one district: the store partitioned by county, each partition's features held by workers of its own.

A simulation of ``docs/scale.md`` on this machine. Each partition stands for one county (6-digit
code): a PostgreSQL + PostGIS database of its own on one throwaway cluster (as a partition of a
partitioned table, or a Citus shard, would be), holding ``--per`` synthetic occupations spread over
a district-sized area 0.2° east of the previous county's, served by one hub worker that holds only
that county in memory. A router by district sends each map request to the worker of the county
its box lies in (here the load generator routes: one ``wrk`` per county, 16 connections in all).

For P = 1, 2, 4 partitions (so P × ``--per`` features in all) it reports the aggregate throughput of
cold bbox ``featureCollection`` requests (a new box every time), the p99 latency, and each
worker's memory. The baseline is P = 1 in the same run. On this 2-core machine throughput can grow
only up to two busy workers; what the simulation shows is that a request's cost and a worker's
memory stay those of one county however many counties there are.

    python bench/bench_partitions.py [--per 200000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.bench_scale import memory
from bench.bench_workers import Workers, ensure_wrk, run_wrk
from bench.common import ROOT
from tests import pg

SEED = 7
STEP = 0.2
"""Degrees of longitude between one county's area and the next."""
FC = """query($bbox: [Float!]) { featureCollection(layer: OCCUPATIONS, where: {bbox: $bbox},
  properties: ["kind", "status"]) }"""


def county_store(folder: Path, k: int, per: int, rng: np.random.Generator) -> Path:
    """A SQLite store of the demo set whose occupations are ``per`` synthetic ones in county ``k``'s area."""
    path = folder / f"county-{k}.db"
    db = synth.demo_store(path)
    try:
        compound_ids, _ = synth.compound_geometries(db)
        minx, miny, maxx, maxy = synth.DISTRICT
        extent = (minx + k * STEP, miny, maxx + k * STEP, maxy)
        geoms = synth.rectangles(rng, synth.uniform_points(rng, per, extent), 3, 15)
        synth.write(db, synth.occupations(rng, geoms, rng.choice(compound_ids, per)), replace=True)
    finally:
        db.close()
    return path


def requests(rng: random.Random, k: int, n: int) -> list[tuple[str, str, bytes]]:
    """``n`` different bbox requests inside county ``k``'s area (about 100 features each at 200,000 a county)."""
    out = []
    for _ in range(n):
        x = rng.uniform(115.57, 115.70) + k * STEP
        y = rng.uniform(34.35, 34.44)
        half = 0.0012
        body = {"query": FC, "variables": {"bbox": [x - half, y - half, x + half, y + half]}}
        out.append(("POST", "/graphql", orjson.dumps(body)))
    return out


def route(box: list[float]) -> int:
    """The router: the county whose area holds the box's centre (a district table or a tile→county map)."""
    return int(((box[0] + box[2]) / 2 - synth.DISTRICT[0]) // STEP)


def at_once(wrk: str, targets: list[tuple[str, list, Path]], seconds: int, connections: int) -> list[dict]:
    """``run_wrk`` against every (url, requests, folder) at the same time."""
    found: list[dict] = [{} for _ in targets]

    def load(k: int) -> None:
        url, mix, sub = targets[k]
        found[k] = run_wrk(wrk, url, mix, seconds, sub, connections=connections)

    threads = [threading.Thread(target=load, args=(k,)) for k in range(len(targets))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per", type=int, default=200_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--partitions", default="1,2,4")
    args = parser.parse_args()
    sizes = [int(p) for p in args.partitions.split(",")]
    pg.ensure_postgis()
    wrk = ensure_wrk()
    rng = np.random.default_rng(SEED)
    rrng = random.Random(SEED)
    results = {}
    with tempfile.TemporaryDirectory(prefix="hub-bench-partitions-") as tmp, pg.Cluster() as cluster:
        folder = Path(tmp)
        urls = []
        for k in range(max(sizes)):
            url = cluster.new_database()
            path = county_store(folder, k, args.per, rng)
            subprocess.run(
                [sys.executable, "-m", "hub", "copy", "--from", str(path), "--to", url],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            path.unlink()
            urls.append(url)
        for p in sizes:
            workers = [Workers(urls[k], 1) for k in range(p)]
            try:
                mixes = [requests(rrng, k, 40_000) for k in range(p)]
                assert all(
                    route(orjson.loads(b)["variables"]["bbox"]) == k for k in range(p) for _, _, b in mixes[k][:50]
                )
                for k, w in enumerate(workers):  # warm-up: code paths and each county's tree
                    run_wrk(wrk, w.url, requests(rrng, k, 2_000), 2, folder / f"w{k}")
                targets = [(w.url, mixes[k], folder / f"p{p}-{k}") for k, w in enumerate(workers)]
                found = at_once(wrk, targets, args.seconds, max(2, 16 // p))
                rss = [memory(w.worker_pid())["VmRSS"] for w in workers]
                results[p] = (sum(f["rps"] for f in found), max(f["p99"] for f in found), rss)
            finally:
                for w in workers:
                    w.stop()
    base = results[sizes[0]][0]
    for p, (rps, p99, rss) in results.items():
        print(
            f"{p} counties ({p * args.per:,} features in all): {rps:,.0f} req/s, ratio {rps / base:.2f} to one county, "
            f"p99 {p99:.1f} ms, each worker {np.mean(rss) / 2**20:,.0f} MiB (holding {args.per:,} features)"
        )
    print("(taken on a 2-core machine shared with other work: throughput can grow only up to two busy workers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
