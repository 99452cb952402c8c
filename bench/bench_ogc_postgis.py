"""The hub's OGC API and GeoPackage export against tipg and ogr2ogr serving the same PostGIS rows.

A throwaway PostgreSQL 15 + PostGIS 3 cluster (``bench.pg.cluster``; Debian's packages,
installed with apt-get when missing) and a hub store hold the same 100,000 seeded synthetic
occupations (12-corner polygons of 12–40 m): 5,000 over the six z14 tiles of the old town, 95,000
over the district. tipg (PyPI), installed into a temporary virtual environment made by this
program (not the project's), serves the PostGIS table as OGC API Features with uvicorn.

(a) Items of ~1,000 polygons in a bbox around 大隅首, ``limit=2000`` (all of them): the hub's
    ``/ogc/collections/occupations/items`` against tipg's ``/collections/public.occ/items``, both with
    the same seven properties. Judged cold: each round moves the box's west edge by 10⁻⁸°, so no
    answer cache has seen the request (the features stay the same); the hub's answer for a repeated
    box (from its kept answers) is printed beside it. Calls alternate. Target: hub / tipg ≤ 0.5.
(b) A GeoPackage of all 100,000: ``GET /export/occupations.gpkg`` against
    ``ogr2ogr -f GPKG out.gpkg PG:… occ``: wall time and peak memory (the hub server's growth in
    resident memory during the request, sampled every 2 ms; ogr2ogr's peak resident memory).
    Alternated, medians. Target: hub / ogr2ogr ≤ 1.0 in time. The hub's file is fetched as a download
    tool fetches it (uncompressed: curl and wget ask for no coding), since ogr2ogr compresses nothing; the same
    export compressed on the fly (``br``, as browsers and httpx ask) is printed beside it, labelled.

    python bench/bench_ogc_postgis.py [--rounds 300] [--exports 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import venv
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.bench_postgis import PG_COUNT, bbox_around, load_postgis
from bench.common import BenchServer, free_port, report
from bench.pg import cluster
from hub.geo import mvt

SEED = 43
TARGET = 1_000


def make_data(rng: np.random.Generator, compound_ids: np.ndarray) -> synth.Occupations:
    minx, miny, _, _ = mvt.tile_bounds(14, 13452, 6524)
    _, _, maxx, maxy = mvt.tile_bounds(14, 13454, 6523)
    centres = np.vstack([synth.uniform_points(rng, 5_000, (minx, miny, maxx, maxy)), synth.uniform_points(rng, 95_000)])
    geoms = synth.polygons(rng, centres, 12, 40, 12)
    return synth.occupations(rng, geoms, rng.choice(compound_ids, len(geoms)))


@contextmanager
def tipg(dsn_url: str) -> Iterator[str]:
    """tipg in a virtual environment of its own, serving the cluster's public schema; yields its base URL."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-tipg-") as tmp:
        env_dir = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(env_dir)
        py = env_dir / "bin" / "python"
        print("installing tipg into a temporary virtual environment", flush=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "tipg", "uvicorn"], check=True)
        version = subprocess.run(
            [str(py), "-c", "import tipg; print(tipg.__version__)"], capture_output=True, text=True, check=True
        ).stdout.strip()
        port = free_port()
        proc = subprocess.Popen(
            [
                str(py),
                "-m",
                "uvicorn",
                "tipg.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env={**os.environ, "DATABASE_URL": dsn_url, "TIPG_MAX_FEATURES_PER_QUERY": "10000"},
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"{url}/collections/public.occ", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
            else:
                raise RuntimeError("tipg did not start")
            yield f"{url}|tipg {version}"
        finally:
            proc.terminate()
            proc.wait(10)


def rss(pid: int) -> int:
    """Resident memory of a process in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def peak_during(pid: int, work: Callable[[], object]) -> tuple[float, int, int]:
    """(seconds, resident memory before, peak resident memory) of a process while ``work()`` runs."""
    before = rss(pid)
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss(pid))
            time.sleep(0.002)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.perf_counter()
    try:
        work()
    finally:
        elapsed = time.perf_counter() - t0
        done.set()
        sampler.join()
    return elapsed, before, max(peak, rss(pid))


def ogr2ogr(dsn: str, target: Path) -> tuple[float, int]:
    """Seconds and peak resident memory (bytes) of ogr2ogr copying the table into a new GeoPackage."""
    target.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen(["ogr2ogr", "-f", "GPKG", str(target), f"PG:{dsn}", "occ"])
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    assert status == 0, status
    return elapsed, usage.ru_maxrss * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--exports", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="hub-bench-ogcpg-") as tmp, cluster() as dsn:
        hub_db = Path(tmp) / "hub.db"
        occ = synth.store_with(hub_db, lambda ids: make_data(rng, ids))
        parts = dict(p.split("=") for p in dsn.split())
        dsn_url = f"postgresql://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"
        with psycopg.connect(dsn) as pg:
            load_postgis(pg, occ)
            bbox, expected = bbox_around(
                occ.geoms, synth.OLD_TOWN, TARGET, lambda b, n: pg.execute(PG_COUNT, b).fetchone()[0] == n
            )
            version = pg.execute("SELECT postgis_lib_version(), current_setting('server_version')").fetchone()
        with (
            tipg(dsn_url) as tipg_at,
            BenchServer(db=hub_db) as srv,
            httpx.Client(base_url=srv.url, timeout=120) as hub,
            httpx.Client(timeout=120) as other,
        ):
            tipg_url, tipg_version = tipg_at.split("|")
            srv.wait_warm()  # the warm-up thread's work is not the export's (time and memory)
            step = iter(range(10**9))

            def box(fresh: bool) -> str:
                west = bbox[0] - (next(step) * 1e-8 if fresh else 0)
                return ",".join(repr(v) for v in (west, *bbox[1:]))

            coding: dict[str, str] = {}  # what each answered to httpx's Accept-Encoding (both compress if they do)

            def hub_items(fresh: bool = True) -> bytes:
                r = hub.get(f"/ogc/collections/occupations/items?bbox={box(fresh)}&limit=2000")
                assert r.status_code == 200, r.text
                coding["hub"] = r.headers.get("content-encoding", "identity")
                return r.content

            def tipg_items(fresh: bool = True) -> bytes:
                r = other.get(f"{tipg_url}/collections/public.occ/items?bbox={box(fresh)}&limit=2000")
                assert r.status_code == 200, r.text
                coding["tipg"] = r.headers.get("content-encoding", "identity")
                return r.content

            mine, theirs = orjson.loads(hub_items(False)), orjson.loads(tipg_items(False))
            ids = {f["id"] for f in mine["features"]}
            assert ids == {int(f["id"]) for f in theirs["features"]} and len(ids) == expected, (len(ids), expected)
            assert len(theirs["features"][0]["properties"]) == len(mine["features"][0]["properties"]) == 7
            sizes = (len(hub_items(False)), len(tipg_items(False)))
            fns = {"hub": hub_items, "tipg": tipg_items, "hub_cached": lambda: hub_items(False)}
            for fn in fns.values():
                for _ in range(20):
                    fn()
            samples: dict[str, list[float]] = {k: [] for k in fns}
            for _ in range(args.rounds):
                for name, fn in fns.items():
                    t0 = time.perf_counter()
                    fn()
                    samples[name].append(time.perf_counter() - t0)
            m = {k: statistics.median(v) for k, v in samples.items()}

            gpkg = Path(tmp) / "ogr2ogr.gpkg"
            hub_gpkg = Path(tmp) / "hub.gpkg"

            def export(coding: str = "identity") -> None:
                asked = {"Accept-Encoding": coding}
                with hub.stream("GET", "/export/occupations.gpkg", headers=asked) as r, hub_gpkg.open("wb") as out:
                    assert r.status_code == 200
                    assert r.headers.get("content-encoding", "identity") == coding, r.headers
                    for chunk in r.iter_bytes(1 << 20):
                        out.write(chunk)

            runs: dict[str, list[tuple[float, int]]] = {"hub": [], "ogr2ogr": [], "hub_br": []}
            for _ in range(args.exports):
                seconds, before, peak = peak_during(srv.proc.pid, export)
                runs["hub"].append((seconds, peak - before))
                runs["ogr2ogr"].append(ogr2ogr(dsn, gpkg))
            seconds, before, peak = peak_during(srv.proc.pid, lambda: export("br"))
            runs["hub_br"].append((seconds, peak - before))
            import pyogrio

            counts = (pyogrio.read_info(hub_gpkg)["features"], pyogrio.read_info(gpkg)["features"])
            assert counts == (len(occ), len(occ)), counts
            sizes_gpkg = (hub_gpkg.stat().st_size, gpkg.stat().st_size)
            server_rss = rss(srv.proc.pid)

    ok = report(
        f"OGC items of {expected:,} 12-corner polygons in a bbox: hub vs {tipg_version} on PostGIS (cold)",
        m["hub"] / m["tipg"],
        0.5,
        f"hub {m['hub'] * 1e3:.2f} ms ({sizes[0] / 1e3:,.0f} kB), tipg {m['tipg'] * 1e3:.2f} ms "
        f"({sizes[1] / 1e3:,.0f} kB), neither seen the box before; cached: hub {m['hub_cached'] * 1e3:.2f} ms "
        f"(ratio {m['hub_cached'] / m['tipg']:.2f}); medians of {args.rounds} in alternation; content coding "
        f"asked by httpx ({hub.headers['accept-encoding']}): hub {coding['hub']}, tipg {coding['tipg']}; "
        f"PostGIS {version[0]}, PostgreSQL {version[1]}",
    )
    hub_t = statistics.median(t for t, _ in runs["hub"])
    ogr_t = statistics.median(t for t, _ in runs["ogr2ogr"])
    hub_m = max(b for _, b in runs["hub"])
    ogr_m = max(b for _, b in runs["ogr2ogr"])
    ok &= report(
        f"GeoPackage of {len(occ):,} occupations: hub GET /export/occupations.gpkg vs ogr2ogr from PostGIS",
        hub_t / ogr_t,
        1.0,
        f"hub {hub_t:.2f} s, ogr2ogr {ogr_t:.2f} s (medians of {args.exports}, alternated); peak memory: hub "
        f"server +{hub_m / 1e6:,.0f} MB over its {server_rss / 1e6:,.0f} MB resident, ogr2ogr {ogr_m / 1e6:,.0f} MB; "
        f"files {sizes_gpkg[0] / 1e6:.1f} MB and {sizes_gpkg[1] / 1e6:.1f} MB; compressed on the fly (br, as a "
        f"browser asks), labelled: {runs['hub_br'][0][0]:.2f} s",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
