"""Soak: mixed map, analyst and field traffic at the measured capacity for 30 minutes; errors and memory.

A real server on the demo data. First its capacity is measured: ``--clients`` client threads (8 by
default) send the mix as fast as answers come for 20 s. Then the same clients send the mix, paced
to ``--load`` (90 % by default) of that rate, for ``--minutes`` (30). The mix, by weight:

- map (40 %): a featureCollection of compounds or grids in a new box; a z14 tile of compounds;
- analysts (25 %): stats; compounds of a subdistrict, filtered; occupations cleared in a box;
- field (35 %): locate at a new point; onDuty in a sector; a reportIncident as an officer (a write,
  with HUB_SYNC=full).

Reported: requests, errors (any non-2xx/304 answer or a GraphQL error), throughput, p50/p99
latency, and the server's resident memory at the start, middle and end (target: 0 errors, memory
flat: end within 10 % of middle). The mix's writes are kept, as a real hub keeps them: the memory the
stored cases hold is data, not a leak. So before the soak, 10,000 cases are reported with no other
traffic and the memory each one adds is measured; the judged figure is the end's memory less the
cases stored between middle and end at that cost, over the middle's (the raw ratio is printed beside it).

    python bench/bench_soak.py [--minutes 30] [--clients 8] [--load 0.9]
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_abuse import rss_kb
from bench.common import ROOT, BenchServer
from hub.geo import mvt

CENTRE = (115.6097, 34.3767)
TILES = [(14, x, y) for y in (6523, 6524) for x in (13452, 13453, 13454)]


def token(db: Path, *args: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "hub", "token", "create", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"HUB_DB": str(db), "PATH": "/usr/bin:/bin"},
    )
    return out.stdout.strip()


def mix(url: str, officer: str, rng: random.Random) -> list[tuple[float, Callable[[httpx.Client], httpx.Response]]]:
    def box(size: float) -> list[float]:
        x = CENTRE[0] - 0.03 + rng.random() * 0.06
        y = CENTRE[1] - 0.02 + rng.random() * 0.04
        return [x, y, x + size, y + size * 0.6]

    def gql(query: str, variables: dict[str, object] | None = None, bearer: str | None = None):
        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        return lambda c: c.post(f"{url}/graphql", json={"query": query, "variables": variables}, headers=headers)

    def fc(c: httpx.Client) -> httpx.Response:
        layer = rng.choice(["COMPOUNDS", "GRIDS"])
        q = "query($b:[Float!],$l:Layer!){ featureCollection(layer:$l, where:{bbox:$b}, zoom:15) }"
        return gql(q, {"b": box(0.02), "l": layer})(c)

    def tile(c: httpx.Client) -> httpx.Response:
        z, x, y = rng.choice(TILES)
        return c.get(f"{url}/tiles/compounds/{z}/{x}/{y}.mvt")

    def compounds(c: httpx.Client) -> httpx.Response:
        code = rng.choice(["411403001", "411403002", "411403003", "411403004", "411403006", "411403007"])
        q = "query($s:String){ compounds(filter:{subdistrictCode:$s}, first:50){ totalCount nodes{name households} } }"
        return gql(q, {"s": code})(c)

    def cleared(c: httpx.Client) -> httpx.Response:
        q = "query($b:[Float!]){ occupations(status: CLEARED, where:{bbox:$b}){ totalCount nodes{ areaM2 } } }"
        return gql(q, {"b": box(0.05)})(c)

    def locate(c: httpx.Client) -> httpx.Response:
        lon, lat = CENTRE[0] + rng.uniform(-0.012, 0.012), CENTRE[1] + rng.uniform(-0.01, 0.01)
        q = "query($x:Float!,$y:Float!){ locate(lon:$x, lat:$y){ sector{ code } grid{ code } onDuty{ squad{code} } } }"
        return gql(q, {"x": lon, "y": lat})(c)

    def on_duty(c: httpx.Client) -> httpx.Response:
        q = "query($s:String!){ onDuty(sector:$s){ squad{ code } officers{ code } } }"
        return gql(q, {"s": rng.choice(["NE", "NW", "SE", "SW"])})(c)

    def report(c: httpx.Client) -> httpx.Response:
        q = "mutation($i: ReportIncidentInput!){ reportIncident(input:$i){ userErrors{code} incident{caseNumber} } }"
        lon, lat = CENTRE[0] + rng.uniform(0.001, 0.008), CENTRE[1] - rng.uniform(0.001, 0.008)  # the SE sector
        seen = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(time.time() - 60))
        variables = {
            "i": {
                "clientId": str(uuid.uuid4()),
                "category": "OPEN_AIR_BARBECUE",
                "lon": lon,
                "lat": lat,
                "description": "露天烧烤",
                "seenAt": seen,
            }
        }
        return gql(q, variables, officer)(c)

    return [
        (25, fc),
        (15, tile),
        (8, gql("{ stats { compounds occupiedAreaClearedM2 jointMeetings } }")),
        (9, compounds),
        (8, cleared),
        (20, locate),
        (8, on_duty),
        (7, report),
    ]


def failed(r: httpx.Response) -> bool:
    if r.status_code not in (200, 204, 304):
        return True
    if r.headers.get("content-type", "").startswith("application/json"):
        body = r.json()
        if body.get("errors"):
            return True
        for value in (body.get("data") or {}).values():
            if isinstance(value, dict) and value.get("userErrors"):
                return True
    return False


def drive(url: str, officer: str, seconds: float, clients: int, rate: float | None) -> tuple[int, int, list[float]]:
    """Send the mix from ``clients`` threads for ``seconds`` (paced to ``rate`` requests/s in all, or flat out)."""
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    totals = [0, 0]
    latencies: list[float] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        calls = mix(url, officer, rng)
        weights = [w for w, _ in calls]
        gap = clients / rate if rate else 0.0
        next_at = time.monotonic()
        with httpx.Client(timeout=30) as c:
            while time.monotonic() < stop:
                ((_, call),) = rng.choices(calls, weights)
                t0 = time.perf_counter()
                try:
                    bad = failed(call(c))
                except httpx.HTTPError:
                    bad = True
                dt = time.perf_counter() - t0
                with lock:
                    totals[0] += 1
                    totals[1] += bad
                    latencies.append(dt)
                if gap:
                    next_at += gap
                    time.sleep(max(0.0, next_at - time.monotonic()))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return totals[0], totals[1], latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--load", type=float, default=0.9)
    args = parser.parse_args()
    mvt.tile_bounds(*TILES[0])
    with BenchServer(env={"HUB_RATE_LIMIT": "0"}) as server:
        officer = token(server.db, "--role", "officer", "--squad", "SQ3")
        n, bad, lat = drive(server.url, officer, 20, args.clients, None)
        capacity = n / 20
        print(f"capacity: {capacity:.0f} requests/s with {args.clients} clients ({bad} errors while measuring)")
        rate = capacity * args.load
        admin = token(server.db, "--role", "admin")
        per_case = case_cost(server, officer, admin)
        print(f"memory a stored case holds: {per_case:,.0f} B (10,000 reported with no other traffic)")
        seconds = args.minutes * 60
        memory: list[tuple[float, int, int]] = []
        done = threading.Event()

        def sample() -> None:
            t0 = time.monotonic()
            while not done.is_set():
                memory.append((time.monotonic() - t0, rss_kb(server.proc.pid), cases(server.url, admin)))
                done.wait(5)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        t0 = time.perf_counter()
        n, bad, lat = drive(server.url, officer, seconds, args.clients, rate)
        elapsed = time.perf_counter() - t0
        done.set()
        sampler.join()
        (_, start, _), (_, middle, at_middle), (_, end, at_end) = memory[0], memory[len(memory) // 2], memory[-1]
        q = statistics.quantiles(lat, n=100)
        print(
            f"soak: {n:,} requests in {elapsed / 60:.1f} min at {n / elapsed:.0f}/s (target {rate:.0f}/s), "
            f"{bad} errors (target 0) {'OK' if bad == 0 else 'MISSED'}"
        )
        print(f"latency: p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms")
        stored = (at_end - at_middle) * per_case / 1024
        growth = (end - stored) / middle
        print(
            f"server memory: start {start / 1024:.0f} MB, middle {middle / 1024:.0f} MB, end {end / 1024:.0f} MB; "
            f"{at_end - at_middle:,} cases stored between middle and end hold {stored / 1024:.0f} MB: end less them "
            f"/ middle {growth:.2f} (target ≤ 1.10) {'OK' if growth <= 1.10 else 'MISSED'}  [raw end/middle "
            f"{end / middle:.2f}]"
        )
    return 0 if bad == 0 and growth <= 1.10 else 1


def cases(url: str, admin: str) -> int:
    answer = httpx.post(
        f"{url}/graphql",
        json={"query": "{ incidents { totalCount } }"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    return int(answer.json()["data"]["incidents"]["totalCount"])


def case_cost(server: BenchServer, officer: str, admin: str, n: int = 10_000) -> float:
    """Bytes of resident memory one more stored case holds: ``n`` reported by 4 clients, nothing else asked."""
    rng = random.Random(7)
    report = dict((f.__name__, f) for _, f in mix(server.url, officer, rng))["report"]
    time.sleep(2)
    before, count = rss_kb(server.proc.pid), cases(server.url, admin)

    def send(k: int) -> None:
        with httpx.Client(timeout=30) as c:
            for _ in range(k):
                assert not failed(report(c))

    threads = [threading.Thread(target=send, args=(n // 4,)) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(2)
    added = cases(server.url, admin) - count
    assert added == n // 4 * 4, (added, n)
    return (rss_kb(server.proc.pid) - before) * 1024 / added


if __name__ == "__main__":
    sys.exit(main())
