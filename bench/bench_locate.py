"""`locate` over HTTP against a trivial `{ __typename }` request on the same server (target: ≤ 1.5×).

Half the points lie in the old town (its sector, the squad on duty there), half in the townships (their
township, village and who is on the township's 24-hour duty); every answer asks for all of them.

python bench/bench_locate.py [--rounds 400]
"""

from __future__ import annotations

import argparse
import random
import sys

import httpx
import orjson

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from bench.common import BenchServer, interleaved, report
from hub.geo.measure import destination

CENTRE = (115.6097, 34.3767)
LOCATE = """query($lon: Float!, $lat: Float!, $at: DateTime) { locate(lon: $lon, lat: $lat, at: $at) {
  subdistrict { name } community { name } grid { code } compound { name } sector { code name }
  township { code name } village { code name } townshipOnDuty { officers { name } }
  onDuty { squad { name hotline } officers { name } } } }"""
DISTRICT = (115.40, 34.13, 115.83, 34.41)
"""A box around the district (its townships lie in it, around the urban area)."""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(7)
    points = [destination(*CENTRE, rng.uniform(0, 360), rng.uniform(0, 1400)) for _ in range(32)]
    points += [(rng.uniform(DISTRICT[0], DISTRICT[2]), rng.uniform(DISTRICT[1], DISTRICT[3])) for _ in range(400)]
    bodies = [
        orjson.dumps({"query": LOCATE, "variables": {"lon": lon, "lat": lat, "at": "2024-06-01T21:30:00+08:00"}})
        for lon, lat in points
    ]
    headers = {"content-type": "application/json"}
    with BenchServer() as srv, httpx.Client(base_url=srv.url) as client:
        kept = []
        for body in bodies:  # every answer checked once, outside the timing: a sector, or a township and village
            answer = client.post("/graphql", content=body, headers=headers).json()
            assert "errors" not in answer, answer
            found = answer["data"]["locate"]
            if found["sector"] or (found["township"] and found["village"]):
                kept.append(body)
        old_town, rural = kept[:32], kept[32:64]  # the old-town points first, then as many township points
        bodies = [b for pair in zip(old_town, rural, strict=True) for b in pair]
        assert len(bodies) == 64
        i = 0

        def locate() -> None:
            nonlocal i
            i += 1
            assert client.post("/graphql", content=bodies[i % len(bodies)], headers=headers).status_code == 200

        def trivial() -> None:
            assert client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers).status_code == 200

        m = interleaved({"locate": locate, "trivial": trivial}, rounds=args.rounds)
    ratio = m["locate"] / m["trivial"]
    ok = report(
        "locate vs trivial request",
        ratio,
        1.5,
        f"locate {m['locate'] * 1e3:.2f} ms, trivial {m['trivial'] * 1e3:.2f} ms, medians of {args.rounds}",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
