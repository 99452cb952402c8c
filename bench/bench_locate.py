"""`locate` over HTTP against a trivial `{ __typename }` request on the same server (target: ≤ 1.5×).

``locate`` names the subdistrict, community, grid, compound and sector at a point and who is on duty
there at a moment; every other point lies in a township instead (its township and village, and who is on
the township's 24-hour duty). It has no answer cache, but who is on duty on a date is
worked out once per date and remembered (``hub.domain.roster``, until the roster changes). Judged
cold: every call asks at a new point on a new date (two days apart, as on-duty reads the date and the
day before), so nothing the hub remembers has seen it. Beside it, labelled: the same points asked on
one date, the day's roster remembered (what every request after a day's first meets). The baseline,
the trivial request, reads nothing.

    python bench/bench_locate.py [--rounds 400]
"""

from __future__ import annotations

import argparse
import random
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import orjson
import shapely
from shapely.geometry import shape

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from bench.common import BenchServer, interleaved, plain_client, report
from hub.geo.measure import destination

CENTRE = (115.6097, 34.3767)
LOCATE = """query($lon: Float!, $lat: Float!, $at: DateTime) { locate(lon: $lon, lat: $lat, at: $at) {
  subdistrict { name } community { name } grid { code } compound { name } sector { code name }
  township { code name } village { code name } townshipOnDuty { officers { name } }
  onDuty { squad { name hotline } officers { name } } } }"""
TOWNSHIPS = Path(__file__).resolve().parents[1] / "fixtures" / "suiyang" / "townships.geojson"


def township_point(rng: random.Random, area: shapely.Geometry) -> tuple[float, float]:
    """A random point in the demo data's townships."""
    minx, miny, maxx, maxy = area.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if area.contains(shapely.Point(x, y)):
            return x, y


WARMUP = 20


def body(lon: float, lat: float, day: date) -> bytes:
    return orjson.dumps({"query": LOCATE, "variables": {"lon": lon, "lat": lat, "at": f"{day}T21:30:00+08:00"}})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=400)
    args = parser.parse_args()
    rng = random.Random(7)
    calls = args.rounds + WARMUP
    towns = shapely.union_all([shape(f["geometry"]) for f in orjson.loads(TOWNSHIPS.read_bytes())["features"]])
    shapely.prepare(towns)
    points = [
        destination(*CENTRE, rng.uniform(0, 360), rng.uniform(0, 1400)) if i % 2 == 0 else township_point(rng, towns)
        for i in range(calls)
    ]
    first = date(2024, 6, 1)
    cold = [body(lon, lat, first + timedelta(days=2 * i)) for i, (lon, lat) in enumerate(points)]
    same_day = [body(lon, lat, first) for lon, lat in points]
    headers = {"content-type": "application/json"}
    with BenchServer() as srv, plain_client(srv.url) as client:

        def ask(content: bytes) -> dict:
            answer = client.post("/graphql", content=content, headers=headers)
            assert answer.status_code == 200
            return orjson.loads(answer.content)

        def each(bodies: list[bytes]) -> Callable[[], object]:
            it = iter(bodies)
            return lambda: ask(next(it))

        m = interleaved(
            {
                "locate": each(cold),
                "trivial": lambda: ask(b'{"query": "{ __typename }"}'),
                "same_day": each(same_day),
            },
            rounds=args.rounds,
            warmup=WARMUP,
        )
        rural = 0
        for content in cold + same_day:  # every answer timed, checked after the timing
            answer = ask(content)
            assert "errors" not in answer, answer
            found = answer["data"]["locate"]
            assert found["sector"] or (found["township"] and found["village"] and found["townshipOnDuty"]), answer
            rural += found["township"] is not None
        assert rural == 2 * (calls // 2), "every other point lies in a township"
    ratio = m["locate"] / m["trivial"]
    ok = report(
        "locate vs trivial request, cold (a new point on a new date each call)",
        ratio,
        1.5,
        f"locate {m['locate'] * 1e3:.2f} ms, trivial {m['trivial'] * 1e3:.2f} ms, medians of {args.rounds}; "
        f"on one date, the day's roster remembered: {m['same_day'] * 1e3:.2f} ms (ratio "
        f"{m['same_day'] / m['trivial']:.2f})",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
