"""A bbox query returning about 100 occupations, with 10,000 and with 1,000,000 stored (target: ≤ 2×).

Synthetic occupations (seeded 3–15 m rectangles spread evenly over the district) are bulk-written
into two stores in a temporary folder, and a server is started on each. At each scale 16 boxes
are chosen around seeded points, each sized so that about 100 occupations intersect it (the data
are 100 times denser at 1,000,000, so the boxes are 10 times smaller on a side), and as many
fresh boxes as there are timed calls. Both servers are asked in alternation:

- ``featureCollection(layer: OCCUPATIONS, where: {bbox}, properties: [kind, status])``
- ``occupations(where: {bbox}, first: 1000) { totalCount nodes { id kind status areaM2 geometry } }``

Judged cold: every call takes a box never asked before, so the featureCollection's whole-answer
cache never helps (the typed list has no answer cache). The featureCollection over the 16 boxes
asked again and again (after their check, so every call is answered from the cache) is printed
beside it, labelled cached. Every box is checked: the 16 before the timing, the fresh ones after it.
Ratio = median at 1,000,000 / median at 10,000, for each. Memory per stored feature is the
difference of the two servers' resident set sizes (VmRSS, after the same requests) divided by
the difference in count; the peak (VmHWM) and the time each server took to load are reported too.

    python bench/bench_scale.py [--rounds 400] [--large 1000000]
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
import numpy as np
import orjson
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.common import BenchServer, alternated, plain_client, report

SEED = 29
SMALL = 10_000
BOXES = 16
FC = """query($bbox: [Float!]) { featureCollection(layer: OCCUPATIONS, where: {bbox: $bbox},
  properties: ["kind", "status"]) }"""
TYPED = """query($bbox: [Float!]) { occupations(where: {bbox: $bbox}, first: 1000) {
  totalCount nodes { id kind status areaM2 geometry } } }"""
HEADERS = {"content-type": "application/json"}
INNER = (115.57, 34.35, 115.70, 34.44)
"""Box centres are drawn here, away from the edge of the data."""


def build(path: Path, n: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """A store of the demo set whose occupations are replaced by ``n`` synthetic ones; (geometries, seconds)."""
    t0 = time.perf_counter()
    db = synth.demo_store(path)
    try:
        compound_ids, _ = synth.compound_geometries(db)
        geoms = synth.rectangles(rng, synth.uniform_points(rng, n), 3, 15)
        synth.write(db, synth.occupations(rng, geoms, rng.choice(compound_ids, n)), replace=True)
    finally:
        db.close()
    return geoms, time.perf_counter() - t0


def boxes(
    geoms: np.ndarray, rng: np.random.Generator, count: int, target: int = 100, tree: shapely.STRtree | None = None
) -> list[tuple[list[float], int]]:
    """``count`` square boxes, each holding ``target`` ± 5 % of the geometries: (bbox, count)."""
    tree = tree or shapely.STRtree(geoms)
    density = len(geoms) / ((synth.DISTRICT[2] - synth.DISTRICT[0]) * (synth.DISTRICT[3] - synth.DISTRICT[1]))
    found: list[tuple[list[float], int]] = []
    while len(found) < count:
        cx, cy = synth.uniform_points(rng, 1, INNER)[0]
        half = (target / density) ** 0.5 / 2
        for _ in range(40):  # grow or shrink until the count is close
            bbox = [float(v) for v in (cx - half, cy - half, cx + half, cy + half)]
            n = len(tree.query(shapely.box(*bbox), predicate="intersects"))
            if abs(n - target) <= target * 0.05:
                found.append((bbox, n))
                break
            half *= (target / max(n, 1)) ** 0.5
    return found


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in bytes."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) * 1024
    return out


class Scale:
    """One server on one store: ``BOXES`` boxes asked again and again, and a fresh box for every cold call."""

    def __init__(self, n: int, geoms: np.ndarray, rng: np.random.Generator, path: Path, fresh: int) -> None:
        self.n = n
        tree = shapely.STRtree(geoms)
        self.boxes = boxes(geoms, rng, BOXES, tree=tree)
        self.fresh = boxes(geoms, rng, fresh, tree=tree)
        self.path = path

    def start(self) -> BenchServer:
        t0 = time.perf_counter()
        # the start-up read of every record is bound by the per-query limit (HUB_QUERY_TIMEOUT_S, 10 s by default),
        # which a million rows on a loaded machine can pass: the server would refuse to start
        self.server = BenchServer(db=self.path, env={"HUB_QUERY_TIMEOUT_S": "600"}).__enter__()
        self.load_s = time.perf_counter() - t0
        self.client = plain_client(self.server.url, timeout=60)
        self.bodies = {
            name: [orjson.dumps({"query": q, "variables": {"bbox": b}}) for b, _ in boxes]
            for name, q, boxes in (
                ("fc", FC, self.boxes),
                ("typed", TYPED, self.boxes),
                ("fc-cold", FC, self.fresh),
                ("typed-cold", TYPED, self.fresh),
            )
        }
        t0 = time.perf_counter()
        self.check("fc", "typed", self.boxes)  # outside the timing; the first also builds the index
        self.first_s = time.perf_counter() - t0
        return self.server

    def check(self, fc_name: str, typed_name: str, boxes: list[tuple[list[float], int]]) -> None:
        """Both queries find the expected number of occupations in each box."""
        for i, (_, n) in enumerate(boxes):
            fc = self.post(fc_name, i).json()["data"]["featureCollection"]
            typed = self.post(typed_name, i).json()["data"]["occupations"]
            assert fc["numberMatched"] == len(fc["features"]) == typed["totalCount"] == len(typed["nodes"]) == n, (
                fc["numberMatched"],
                typed["totalCount"],
                n,
            )

    def post(self, name: str, i: int) -> httpx.Response:
        bodies = self.bodies[name]
        answer = self.client.post("/graphql", content=bodies[i % len(bodies)], headers=HEADERS)
        assert answer.status_code == 200, answer.text
        return answer

    def caller(self, name: str) -> Callable[[], None]:
        """Calls of one query, each with the next box of its list (the cold lists are never asked twice)."""
        i = -1

        def call() -> None:
            nonlocal i
            i += 1
            self.post(name, i)

        return call

    def stop(self) -> None:
        self.client.close()
        self.server.__exit__(None, None, None)


def measure(fns: dict[str, Callable[[], None]], rounds: int, warmup: int = 3 * BOXES) -> dict[str, list[float]]:
    return alternated(fns, rounds=rounds, warmup=warmup)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    parser.add_argument("--large", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="hub-bench-scale-") as tmp:
        built = {n: build(Path(tmp) / f"hub-{n}.db", n, rng) for n in (SMALL, args.large)}
        fresh = args.rounds + 3 * BOXES  # a box for each timed call and each warm-up call
        small, large = (Scale(n, built[n][0], rng, Path(tmp) / f"hub-{n}.db", fresh) for n in (SMALL, args.large))
        del built  # the bench's own copy of the geometry is not needed any more
        try:
            for s in (small, large):
                s.start()
            samples = measure(
                {
                    f"{kind}-{s.n}": s.caller(kind)
                    for kind in ("fc-cold", "typed-cold", "fc")
                    for s in (small, large)  # interleaved: fc small, fc large, typed small, typed large, …
                },
                args.rounds,
            )
            mem = {s.n: memory(s.server.proc.pid) for s in (small, large)}
            for s in (small, large):  # every fresh box the timing asked for, checked after it
                s.check("fc-cold", "typed-cold", s.fresh)
        finally:
            for s in (small, large):
                if hasattr(s, "server"):
                    s.stop()

    med = {k: statistics.median(v) for k, v in samples.items()}
    p99 = {k: float(np.percentile(v, 99)) for k, v in samples.items()}
    counts = [n for s in (small, large) for _, n in s.fresh]
    ok = True
    hit_large, hit_small = med[f"fc-{args.large}"], med[f"fc-{SMALL}"]
    for kind, label in (("fc-cold", "featureCollection"), ("typed-cold", "typed occupations(where: {bbox})")):
        a, b = med[f"{kind}-{SMALL}"], med[f"{kind}-{args.large}"]
        beside = (
            f"; cached (the {BOXES} boxes asked again and again, answered from the answer cache): "
            f"{hit_large * 1e3:.2f} ms vs {hit_small * 1e3:.2f} ms, ratio {hit_large / hit_small:.2f}"
            if kind == "fc-cold"
            else "; no answer cache on this path"
        )
        ok &= report(
            f"bbox {label} of ~100 at {args.large:,} vs {SMALL:,} stored, cold (a new box each call)",
            b / a,
            2.0,
            f"{b * 1e3:.2f} ms vs {a * 1e3:.2f} ms (p99 {p99[f'{kind}-{args.large}'] * 1e3:.2f} / "
            f"{p99[f'{kind}-{SMALL}'] * 1e3:.2f} ms), boxes of {min(counts)}–{max(counts)} features, "
            f"medians of {args.rounds} over HTTP{beside}",
        )
    rss = mem[args.large]["VmRSS"] - mem[SMALL]["VmRSS"]
    print(
        f"memory per stored occupation at {args.large:,}: {rss / (args.large - SMALL):,.0f} B  "
        f"[server VmRSS {mem[args.large]['VmRSS'] / 2**20:,.0f} MiB vs {mem[SMALL]['VmRSS'] / 2**20:,.0f} MiB "
        f"at {SMALL:,}; peak VmHWM {mem[args.large]['VmHWM'] / 2**20:,.0f} MiB vs "
        f"{mem[SMALL]['VmHWM'] / 2**20:,.0f} MiB]"
    )
    print(
        f"load time at {args.large:,}: {large.load_s:.1f} s to ready, first queries {large.first_s:.2f} s  "
        f"[at {SMALL:,}: {small.load_s:.1f} s, {small.first_s:.2f} s; each time: start the process, read the store, "
        f"build the catalog; first queries: the {BOXES} checks of each kind, the first building the STRtree]"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
