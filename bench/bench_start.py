"""A worker's start with 1,000,000 stored features, SQLite and PostGIS (target ≤ 5 s and ≤ 2 KB a feature).

The demo data set with its occupations replaced by 1,000,000 synthetic ones (``bench/synth.py``, as
``bench_scale.py`` makes them) is written to a SQLite file and copied to a throwaway PostgreSQL 15 +
PostGIS 3 cluster with ``hub copy`` (counts and figures checked). A server is then started on each and
timed from the process's start to its first healthy answer (ready to serve: every request answered
from memory, what is not built yet built by the request that needs it), and on to ``/healthz``'s
``warm`` (the warm-up thread has decoded every geometry, built the trees and made every record). In
this order, for each store:

1. *full load*: no snapshot on disk; every row is read from the database (and a snapshot written);
2. *from the snapshot* (judged), twice: the columns read back from the snapshot (``hub.store.snapshot``);
3. *from the snapshot and changes*: after ``--changes`` occupations were reported through a server,
   so the worker applies that many changes logged after the snapshot.

The baseline, measured in the same run, is the same start on the demo set alone (about 3,600
features). Memory per feature is the difference of the two servers' resident sizes (VmRSS, once warm:
every record made) over the count; the size once ready is printed beside it.

    python bench/bench_start.py [--n 1000000] [--changes 1000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.bench_scale import memory
from bench.common import ROOT, free_port
from hub.store.base import open_database
from hub.store.catalog import load_catalog
from tests import pg

SEED = 29
TARGET_S = 5.0


@dataclass
class Start:
    ready: float
    """Seconds from the process's start to its first healthy answer."""
    warm: float
    """Seconds from the process's start to ``warm`` in ``/healthz``."""
    ready_rss: int
    warm_rss: int


REPORT = """mutation($input: ReportOccupationInput!) { reportOccupation(input: $input) { userErrors { code } } }"""


def start(db: str, snapshots: Path, *, changes: int = 0, token: str = "", spots: np.ndarray | None = None) -> Start:
    """Start a server on ``db``; time it to ready and to warm (and report ``changes`` occupations through it)."""
    port = free_port()
    code = (
        "import uvicorn; from hub.app import create_app; from hub.settings import Settings; "
        f"uvicorn.run(create_app(Settings.from_env()), host='127.0.0.1', port={port}, log_level='warning')"
    )
    env = {**os.environ, "HUB_DB": db, "HUB_SNAPSHOT": str(snapshots), "HUB_LOAD_DEMO": "0"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    ready = ready_rss = 0.0
    try:
        while True:
            try:
                health = httpx.get(f"{url}/healthz", timeout=5)
                if health.status_code == 200 and not ready:
                    ready, ready_rss = time.perf_counter() - t0, memory(proc.pid)["VmRSS"]
                if health.status_code == 200 and health.json()["warm"]:
                    warm = Start(ready, time.perf_counter() - t0, int(ready_rss), memory(proc.pid)["VmRSS"])
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.perf_counter() - t0 > 600:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        if changes:
            assert spots is not None
            report_occupations(url, token, spots, changes)
        return warm
    finally:
        proc.terminate()
        proc.wait(60)


def report_occupations(url: str, token: str, spots: np.ndarray, n: int) -> None:
    """Report ``n`` small occupations, each around a point inside a compound (``spots``: lon, lat rows)."""
    with httpx.Client(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
        for i in range(n):
            x, y = spots[i % len(spots)]
            d = 2e-6 * (1 + i // len(spots))
            ring = [[x, y], [x + d, y], [x + d, y + d], [x, y + d], [x, y]]
            variables = {
                "input": {
                    "clientId": str(uuid.uuid4()),
                    "kind": "STORAGE",
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            }
            answer = client.post("/graphql", json={"query": REPORT, "variables": variables}).json()
            assert not answer.get("errors") and not answer["data"]["reportOccupation"]["userErrors"], answer


def admin_token(db: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "hub", "token", "create", "--role", "admin", "--db", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "HUB_SNAPSHOT": "off"},
    ).stdout.strip()


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
    parser.add_argument("--changes", type=int, default=1_000)
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
            compound_ids, compounds = synth.compound_geometries(db)
            spots = shapely.get_coordinates(shapely.point_on_surface(compounds))
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
        snapshots = Path(tmp) / "snapshots"
        runs: dict[tuple[str, str], dict[str, list[Start]]] = {}
        for key, db_name in stores.items():
            shutil.rmtree(snapshots, ignore_errors=True)  # each store starts with no snapshot
            token = admin_token(db_name)
            runs[key] = {
                "full": [start(db_name, snapshots)],
                "snapshot": [start(db_name, snapshots), start(db_name, snapshots)],
            }
            if key[1] == "large":
                start(db_name, snapshots, changes=args.changes, token=token, spots=spots)
                runs[key]["changes"] = [start(db_name, snapshots)]
        if args.profile:
            profile(str(large))
            profile(urls["large"])
    ok = True
    print(f"(load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())})")
    for kind in ("sqlite", "postgresql"):
        big, base = runs[(kind, "large")], runs[(kind, "small")]
        judged = min(x.ready for x in big["snapshot"])
        per = (big["snapshot"][-1].warm_rss - base["snapshot"][-1].warm_rss) / args.n
        per_ready = (big["snapshot"][-1].ready_rss - base["snapshot"][-1].ready_rss) / args.n
        good = judged <= TARGET_S and per <= 2048
        ok &= good
        ratio = judged / min(x.ready for x in base["snapshot"])

        def fmt(starts: list[Start]) -> str:
            return ", ".join(f"{x.ready:.1f} s (warm at {x.warm:.1f} s)" for x in starts)

        print(
            f"start to ready at {args.n:,} features on {kind}, from the snapshot: {judged:.1f} s "
            f"(target ≤ {TARGET_S:g} s), {per:,.0f} B a feature once warm (target ≤ 2,048) "
            f"{'OK' if good else 'MISSED'}\n"
            f"  [ratio {ratio:.1f} to the demo set's start from its snapshot; from the snapshot: "
            f"{fmt(big['snapshot'])}; "
            f"full load (no snapshot): {fmt(big['full'])}; from the snapshot and {args.changes:,} changes after it: "
            f"{fmt(big['changes'])}; demo set: full {fmt(base['full'])}, from its snapshot {fmt(base['snapshot'])}; "
            f"{per_ready:,.0f} B a feature once ready; VmRSS once warm {big['snapshot'][-1].warm_rss / 2**20:,.0f} MiB "
            f"vs {base['snapshot'][-1].warm_rss / 2**20:,.0f} MiB]"
        )
    print("(taken on a 2-core machine shared with other work: absolute times vary)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
