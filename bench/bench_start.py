"""A worker's start with 1,000,000 stored features, SQLite and PostGIS (target ≤ 5 s and ≤ 2 KB a feature).

The demo data set with its occupations replaced by 1,000,000 synthetic ones (``bench/synth.py``, as
``bench_scale.py`` makes them) is written to a SQLite file and copied to a throwaway PostgreSQL 15 +
PostGIS 3 cluster with ``hub copy`` (counts and figures checked). A server is then started on each,
twice, in alternation, and timed from the process's start to its first healthy answer (the whole
catalog in memory, ready to serve). The baseline, measured in the same run, is the same start on
the demo set alone (about 3,600 features): the ratio says what the million costs. Memory per
feature is the difference of the two servers' resident sizes (VmRSS, once ready) over the count.

Where the time goes is printed too (``--profile``): reading the rows, decoding the WKB, building the
records, and what else ``load_catalog`` does, in one process on each store.

    python bench/bench_start.py [--n 1000000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.bench_scale import memory
from bench.common import ROOT, free_port
from hub.store.base import open_database
from hub.store.catalog import load_catalog
from tests import pg

SEED = 29
TARGET_S = 5.0


def start(db: str) -> tuple[float, dict[str, int]]:
    """Seconds from starting a server on ``db`` to its first healthy answer, and its memory then."""
    port = free_port()
    code = (
        "import uvicorn; from hub.app import create_app; from hub.settings import Settings; "
        f"uvicorn.run(create_app(Settings.from_env()), host='127.0.0.1', port={port}, log_level='warning')"
    )
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "HUB_DB": db})
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    took = time.perf_counter() - t0
                    return took, memory(proc.pid)
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 300:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
    finally:
        proc.terminate()
        proc.wait(30)


def profile(db: str) -> None:
    with open_database(db) as d:
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        with d.snapshot() as snap:
            prof.enable()
            load_catalog(snap)
            prof.disable()
        print(f"\nload_catalog on {d.dialect.name}: {time.perf_counter() - t0:.2f} s; where it goes:")
        pstats.Stats(prof).sort_stats("tottime").print_stats(8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    pg.ensure_postgis()
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="hub-bench-start-") as tmp, pg.Cluster() as cluster:
        small, large = Path(tmp) / "demo.db", Path(tmp) / "large.db"
        synth.demo_store(small).close()
        t0 = time.perf_counter()
        db = synth.demo_store(large)
        try:
            compound_ids, _ = synth.compound_geometries(db)
            geoms = synth.rectangles(rng, synth.uniform_points(rng, args.n), 3, 15)
            synth.write(db, synth.occupations(rng, geoms, rng.choice(compound_ids, args.n)), replace=True)
        finally:
            db.close()
        del geoms
        built = time.perf_counter() - t0
        urls = {}
        for name, path in (("small", small), ("large", large)):
            urls[name] = cluster.new_database()
            t0 = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "hub", "copy", "--from", str(path), "--to", urls[name]],
                cwd=ROOT,
                check=True,
                capture_output=True,
            )
            if name == "large":
                print(
                    f"built the SQLite store in {built:.0f} s; "
                    f"hub copy to PostGIS took {time.perf_counter() - t0:.0f} s"
                )
        stores = {
            ("sqlite", "small"): str(small),
            ("sqlite", "large"): str(large),
            ("postgresql", "small"): urls["small"],
            ("postgresql", "large"): urls["large"],
        }
        times: dict[tuple[str, str], list[float]] = {k: [] for k in stores}
        mem: dict[tuple[str, str], dict[str, int]] = {}
        for _ in range(2):
            for key, db_name in stores.items():
                took, mem[key] = start(db_name)
                times[key].append(took)
        if args.profile:
            profile(str(large))
            profile(urls["large"])
    ok = True
    for kind in ("sqlite", "postgresql"):
        big, base = min(times[(kind, "large")]), min(times[(kind, "small")])
        per = (mem[(kind, "large")]["VmRSS"] - mem[(kind, "small")]["VmRSS"]) / args.n
        good = big <= TARGET_S and per <= 2048
        ok &= good
        print(
            f"start to ready at {args.n:,} features on {kind}: {big:.1f} s (target ≤ {TARGET_S:g} s), "
            f"{per:,.0f} B a feature (target ≤ 2,048) {'OK' if good else 'MISSED'}  [ratio {big / base:.1f} to the "
            f"demo set's start, {base:.1f} s; runs {', '.join(f'{t:.1f}' for t in times[(kind, 'large')])} s; "
            f"VmRSS {mem[(kind, 'large')]['VmRSS'] / 2**20:,.0f} MiB vs {mem[(kind, 'small')]['VmRSS'] / 2**20:,.0f} "
            f"MiB, median of both stores' large starts {statistics.median(times[(kind, 'large')]):.1f} s]"
        )
    print("(taken on a 2-core machine shared with other work: absolute times vary)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
