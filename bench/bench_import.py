"""`hub import` of a 100,000-feature occupations GeoPackage on SQLite: a dry run and a real import, with the
peak memory of each, against GDAL's own copy of the same file into SQLite.

The store holds the Suiyang demo set (619 compounds). The GeoPackage holds seeded synthetic occupations
(rectangles of 3–30 m over the district, each in one of the demo compounds' ids, new ids from 1,001), written
by geopandas. Each run is a fresh `python -m hub import` process on a fresh copy of the store (cold: nothing
of it has been read before but by the OS's file cache), timed from start to exit with its peak resident
memory (``wait4``'s ru_maxrss); the in-process stages (read, check, write) are timed besides.

Baseline, measured in the same run: ``ogr2ogr -f SQLite`` copying the same GeoPackage into a new SQLite
file (GDAL reading and writing every feature, with no checks, no measures, no index of the hub's). Judged:
the real import's time / ogr2ogr's, target ≤ 10 (the import does what the copy does, and checks every value
and geometry, measures every polygon on the ellipsoid, serialises its GeoJSON, upserts by id, and reads the
catalog again). The dry run's ratio is printed beside it.

    python bench/bench_import.py [--features 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.common import ROOT, report

SEED = 23
TARGET = 10.0


def make_file(path: Path, n: int, compound_ids: np.ndarray) -> None:
    rng = np.random.default_rng(SEED)
    geoms = synth.rectangles(rng, synth.uniform_points(rng, n), 3, 30)
    occ = synth.occupations(rng, geoms, rng.choice(compound_ids, n), first_id=1001)
    frame = gpd.GeoDataFrame(
        {
            "id": occ.ids,
            "compound_id": occ.compound_ids,
            "kind": occ.kinds,
            "status": occ.statuses,
            "reported_on": occ.reported_on,
            "cleared_on": occ.cleared_on,
        },
        geometry=occ.geoms,
        crs="EPSG:4326",
    )
    frame.to_file(path, layer="occupations", engine="pyogrio")


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(seconds, peak resident bytes, stdout) of one process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    assert os.waitstatus_to_exitcode(status) == 0, out
    return elapsed, usage.ru_maxrss * 1024, out


def stages(store: Path, gpkg: Path, dry_run: bool) -> dict[str, float]:
    """In-process seconds of each stage: open the store, read the file, check, write (and read the catalog again)."""
    from hub.domain.access import Viewer
    from hub.services import Hub
    from hub.services.imports import ImportRecords, import_batch
    from hub.store import Store
    from hub.store.checks import check
    from hub.store.sources import read_path

    out: dict[str, float] = {}
    t0 = time.perf_counter()
    s = Store(store).open(load_demo=False)
    out["open"] = time.perf_counter() - t0
    try:
        t0 = time.perf_counter()
        batch = read_path(gpkg)
        out["read"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        checked = check(batch, s.data)
        out["check"] = time.perf_counter() - t0
        assert checked.ok, checked.problems[:3]
        if not dry_run:
            t0 = time.perf_counter()
            result = import_batch(Hub(s), Viewer(role="admin"), batch, ImportRecords(gpkg))
            out["check+write+reload"] = time.perf_counter() - t0
            assert result.written
    finally:
        s.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-import-") as tmp:
        folder = Path(tmp)
        demo = folder / "demo.db"
        db = synth.demo_store(demo)
        compound_ids, _ = synth.compound_geometries(db)
        db.close()
        gpkg = folder / "occupations.gpkg"
        print(f"writing {args.features:,} occupations to a GeoPackage", flush=True)
        make_file(gpkg, args.features, compound_ids)
        print(f"{gpkg.stat().st_size / 1e6:.1f} MB", flush=True)

        def fresh_store(name: str) -> Path:
            target = folder / name
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copy(demo, target)
            return target

        runs: dict[str, list[tuple[float, int]]] = {"ogr2ogr": [], "dry run": [], "import": []}
        for _ in range(args.runs):
            copy = folder / "copy.sqlite"
            copy.unlink(missing_ok=True)
            seconds, peak, _ = timed(["ogr2ogr", "-f", "SQLite", str(copy), str(gpkg)])
            runs["ogr2ogr"].append((seconds, peak))
            store = fresh_store("dry.db")
            seconds, peak, out = timed(
                [sys.executable, "-m", "hub", "import", str(gpkg), "--dry-run", "--db", str(store)]
            )
            assert f"{args.features} would be written" in out, out
            runs["dry run"].append((seconds, peak))
            store = fresh_store("real.db")
            seconds, peak, out = timed([sys.executable, "-m", "hub", "import", str(gpkg), "--db", str(store)])
            assert f"imported: {args.features} rows written" in out, out
            runs["import"].append((seconds, peak))
        medians = {k: (statistics.median(s for s, _ in v), max(p for _, p in v)) for k, v in runs.items()}
        for name, (seconds, peak) in medians.items():
            rate = args.features / seconds
            print(f"{name:8}: {seconds:6.2f} s ({rate:8,.0f} features/s), peak memory {peak / 1e6:6.0f} MB  "
                  f"[runs: {', '.join(f'{s:.2f}' for s, _ in runs[name])}]")  # fmt: skip
        for dry_run in (True, False):
            parts = stages(fresh_store("stages.db"), gpkg, dry_run)
            label = "dry run" if dry_run else "import"
            print(f"stages of the {label} in one process: " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()))
        base = medians["ogr2ogr"][0]
        print(f"dry run / ogr2ogr: {medians['dry run'][0] / base:.2f} (printed for information)")
        ok = report(
            "import of a 100,000-feature GeoPackage vs ogr2ogr into SQLite",
            medians["import"][0] / base,
            TARGET,
            f"hub import {medians['import'][0]:.2f} s, ogr2ogr {base:.2f} s; cold: a new process and store each run",
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
