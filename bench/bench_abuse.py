"""Abuse: while attackers hammer the hub, do small requests stay fast and memory stay flat?

A real server on the demo data. Four attacker processes send, in a loop for ``--seconds`` (60 by
default), the requests issue 8 names as stalling the hub: the 256-byte nested anonymous query
(335 MB of answer before), the fragment chain that doubles at each of twenty levels, and 30-alias
variants of pages that are each within every limit. A prober (this process) meanwhile asks
``/healthz`` and a small ``locate`` in turn, every 20 ms, and records their latencies; the
server's resident memory is read from /proc every half second.

Targets: p99 of the probes < 50 ms; the server's peak memory < 2 × its idle size.

Then each bad request of the issue is sent once more, alone, and its status, code and time are
printed (target: a clean answer in < 50 ms).

    python bench/bench_abuse.py [--seconds 60] [--attackers 4]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BenchServer

NESTED = (
    "{ subdistricts { communities { code subdistrict { code communities { code subdistrict { code communities "
    "{ code subdistrict { code communities { code subdistrict { code communities { code subdistrict { code } } } } } } "
    "} } } } } }"
)
CHAIN = (
    "query { ...F0 } "
    + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(20))
    + " fragment F20 on Query { __typename }"
)
ALIASES_NESTED = "{ " + " ".join(f"a{i}: subdistricts {{ communities {{ code }} }}" for i in range(30)) + " }"
ALIASES_PAGES = (
    "{ "
    + " ".join(f"a{i}: compounds(first: 1000) {{ edges {{ node {{ name geometry }} }} }}" for i in range(30))
    + " }"
)
ATTACKS = [NESTED, CHAIN, ALIASES_NESTED, ALIASES_PAGES]
LOCATE = (
    '{ locate(lon: 115.6135, lat: 34.3799, at: "2024-06-01T21:30:00+08:00") '
    "{ sector { code } onDuty { squad { code } } } }"
)

BAD: list[tuple[str, dict[str, object]]] = [
    ("nested anonymous query", {"json": {"query": NESTED}}),
    ("fragment chain", {"json": {"query": CHAIN}}),
    ("30 aliases of pages", {"json": {"query": ALIASES_PAGES}}),
    ("bad DateTime literal", {"json": {"query": '{ locate(lon: 115.64, lat: 34.37, at: "yesterday") { lon } }'}}),
    ("bad GeoJSON literal", {"json": {"query": '{ compounds(where: {intersects: "{bad"}) { totalCount } }'}}),
    ("JSON body 42", {"content": b"42", "headers": {"content-type": "application/json"}}),
    ("JSON body null", {"content": b"null", "headers": {"content-type": "application/json"}}),
    ('JSON body "x"', {"content": b'"x"', "headers": {"content-type": "application/json"}}),
    ("JSON body true", {"content": b"true", "headers": {"content-type": "application/json"}}),
    ("malformed JSON", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
]


def attacker(url: str, until: float, counts: mp.Queue) -> None:  # type: ignore[type-arg]
    sent = refused = 0
    with httpx.Client(timeout=60) as client:
        i = 0
        while time.time() < until:
            body = {"query": ATTACKS[i % len(ATTACKS)]}
            i += 1
            try:
                r = client.post(f"{url}/graphql", json=body)
                sent += 1
                if r.status_code == 429 or b"LIMIT_EXCEEDED" in r.content:
                    refused += 1
            except httpx.HTTPError:
                pass
    counts.put((sent, refused))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--attackers", type=int, default=4)
    args = parser.parse_args()

    with BenchServer() as server:
        url = server.url
        probe = httpx.Client(timeout=30)
        for _ in range(50):  # warm up: the small requests' documents known, caches made
            probe.get(f"{url}/healthz")
            probe.post(f"{url}/graphql", json={"query": LOCATE})
        time.sleep(1.0)
        idle = rss_kb(server.proc.pid)

        samples: list[int] = []
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                samples.append(rss_kb(server.proc.pid))
                time.sleep(0.5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        until = time.time() + args.seconds
        counts: mp.Queue = mp.Queue()  # type: ignore[type-arg]
        procs = [mp.Process(target=attacker, args=(url, until, counts)) for _ in range(args.attackers)]
        for p in procs:
            p.start()
        health: list[float] = []
        locate: list[float] = []
        errors = 0
        while time.time() < until:
            t0 = time.perf_counter()
            r = probe.get(f"{url}/healthz")
            health.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            q = probe.post(f"{url}/graphql", json={"query": LOCATE})
            locate.append(time.perf_counter() - t0)
            errors += r.status_code != 200 or q.status_code != 200 or "errors" in q.json()
            time.sleep(0.02)
        for p in procs:
            p.join(120)
        stop.set()
        sampler.join()
        sent = refused = 0
        while not counts.empty():
            s, f = counts.get()
            sent, refused = sent + s, refused + f

        def p99(xs: list[float]) -> float:
            return statistics.quantiles(xs, n=100)[98] * 1000

        peak = max(samples) if samples else idle
        print(f"attack: {args.attackers} processes for {args.seconds:g} s sent {sent:,} requests, {refused:,} refused")
        print(f"probes: {len(health):,} pairs, {errors} failed")
        for name, xs in (("healthz", health), ("locate", locate)):
            ok = p99(xs) < 50
            print(
                f"{name}: p50 {statistics.median(xs) * 1000:.1f} ms, p99 {p99(xs):.1f} ms, "
                f"max {max(xs) * 1000:.1f} ms (target p99 < 50 ms) {'OK' if ok else 'MISSED'}"
            )
        ratio = peak / idle
        print(
            f"server memory: idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB under attack, "
            f"{ratio:.2f}× (target < 2×) {'OK' if ratio < 2 else 'MISSED'}"
        )

        print("each bad request alone (target: a clean answer in < 50 ms):")
        for name, kwargs in BAD:
            times, last = [], None
            for _ in range(5):
                t0 = time.perf_counter()
                last = probe.post(f"{url}/graphql", **kwargs)  # type: ignore[arg-type]
                times.append(time.perf_counter() - t0)
            assert last is not None
            body = last.json() if last.headers.get("content-type", "").startswith("application/") else {}
            code = (body.get("errors") or [{}])[0].get("extensions", {}).get("code") if isinstance(body, dict) else None
            best = min(times) * 1000
            print(f"  {name:24} {last.status_code} {code or '-':15} {best:6.1f} ms {'OK' if best < 50 else 'SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
