"""A GeoJSON export of 1,000,000 features holds the server's memory flat: it streams.

The store holds 1,000,000 seeded synthetic occupations (rectangles of 3–30 m over the district).
``GET /export/occupations.geojson`` is read to the end in 1 MB pieces and thrown away while the
server's resident memory is sampled every 5 ms. The baseline is the answer's own size: an export
assembled in memory before sending would need at least that much more. Judged: the server's peak
growth in resident memory during the export / the answer's size, target ≤ 0.05 (flat). The export
keeps nothing new per feature (``keep=False``), so a second export grows memory no more than the
first; both are printed, with the time and throughput.

    python bench/bench_export.py [--features 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import synth
from bench.bench_ogc_postgis import peak_during, rss
from bench.common import BenchServer, report

SEED = 17


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--features", type=int, default=1_000_000)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    with tempfile.TemporaryDirectory(prefix="hub-bench-export-") as tmp:
        db = Path(tmp) / "hub.db"
        print(f"writing {args.features:,} occupations", flush=True)

        def make(ids: np.ndarray) -> synth.Occupations:
            geoms = synth.rectangles(rng, synth.uniform_points(rng, args.features), 3, 30)
            return synth.occupations(rng, geoms, rng.choice(ids, args.features))

        synth.store_with(db, make)
        print("starting the server and waiting for its warm-up (every record made)", flush=True)
        with BenchServer(db=db) as srv, httpx.Client(base_url=srv.url, timeout=600) as client:
            srv.wait_warm()  # the growth judged is the export's, not the warm-up's
            runs = []
            for _ in range(2):
                got = {"bytes": 0, "tail": b""}

                def export(got: dict = got) -> None:
                    with client.stream("GET", "/export/occupations.geojson") as r:
                        assert r.status_code == 200
                        for piece in r.iter_bytes(1 << 20):
                            got["bytes"] += len(piece)
                            got["tail"] = piece[-2:]

                seconds, before, peak = peak_during(srv.proc.pid, export)
                assert got["tail"] == b"]}"
                runs.append((seconds, before, peak, got["bytes"]))
            resident = rss(srv.proc.pid)
    seconds, before, peak, size = runs[0]
    ok = report(
        f"GeoJSON export of {args.features:,} features: server memory growth / answer size",
        (peak - before) / size,
        0.05,
        f"peak growth {(peak - before) / 1e6:,.1f} MB over {before / 1e6:,.0f} MB resident while sending "
        f"{size / 1e6:,.0f} MB in {seconds:.1f} s ({size / 1e6 / seconds:,.0f} MB/s, "
        f"{args.features / seconds:,.0f} features/s); second export: growth {(runs[1][2] - runs[1][1]) / 1e6:,.1f} "
        f"MB, {runs[1][0]:.1f} s; resident after both {resident / 1e6:,.0f} MB",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
