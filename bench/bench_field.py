"""`reportIncident` and `onDuty` over HTTP against a trivial `{ __typename }` request (target: each ≤ 2×).

Every reportIncident is a real write: a new case with its step, audit row and idempotency key in one
SQLite transaction, then dispatch and the in-memory update. It runs once per sync mode (``HUB_SYNC``):
``full``, the default, where every acknowledged write has been synced to disk, and ``normal``, where
the OS writes it back (a server each, each ratio against its own trivial request).

Neither has an answer cache, but who is on duty on a date is worked out once per date and
remembered (``hub.domain.roster``). ``onDuty`` is judged cold: each call asks about a new date
(two days apart, as it reads the date and the day before), and the same 16 questions on one date,
the day's roster remembered, are printed beside it, labelled. Every reportIncident is seen now
(a field report is of today; the hub refuses sightings older than 30 days), so after the first its
dispatch finds today's roster remembered, as every report after a day's first does in the field.
The baseline, the trivial request, reads nothing.

    python bench/bench_field.py [--rounds 300] [--sync full,normal]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BenchServer, admin_token, interleaved, plain_client, report
from hub.geo.measure import destination

CENTRE = (115.6097, 34.3767)
REPORT = """mutation($input: ReportIncidentInput!) { reportIncident(input: $input) {
  userErrors { code } incident { caseNumber squadCode deadline } } }"""
ON_DUTY = """query($sector: String!, $at: DateTime) { onDuty(sector: $sector, at: $at) {
  squad { code name hotline } shifts { code start end } officers { code name } } }"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--sync", default="full,normal", help="sync modes to measure, comma-separated")
    args = parser.parse_args()
    ok = True
    for sync in args.sync.split(","):
        ok &= measure(sync, args.rounds)
    print(f"for scale: one fdatasync of a 4 KiB page on this disk takes {disk_sync_ms():.3f} ms (median of 500)")
    return 0 if ok else 1


def disk_sync_ms() -> float:
    """What ``synchronous=FULL`` adds to every write at the least: one sync of the log, here measured bare."""
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        fd = os.open(Path(tmp) / "sync", os.O_RDWR | os.O_CREAT)
        try:
            times = []
            for _ in range(500):
                os.pwrite(fd, b"x" * 4096, 0)
                t0 = time.perf_counter()
                os.fdatasync(fd)
                times.append(time.perf_counter() - t0)
        finally:
            os.close(fd)
    return statistics.median(times) * 1e3


def measure(sync: str, rounds: int) -> bool:
    rng = random.Random(11)
    headers = {"content-type": "application/json"}
    with BenchServer(env={"HUB_SYNC": sync}) as srv:
        token = admin_token(srv.db)
        auth = {**headers, "authorization": f"Bearer {token}"}
        with plain_client(srv.url) as client:

            def report_body() -> bytes:
                lon, lat = destination(*CENTRE, rng.uniform(0, 360), rng.uniform(50, 1400))
                incident = {
                    "clientId": str(uuid.uuid4()),
                    "category": "ILLEGAL_PARKING_MOTOR",
                    "lon": lon,
                    "lat": lat,
                    "description": "机动车乱停放",
                    "seenAt": datetime.now(UTC).isoformat(),
                }
                return orjson.dumps({"query": REPORT, "variables": {"input": incident}})

            bodies = iter([report_body() for _ in range(rounds + 60)])  # made before the timing

            def report_incident() -> None:
                assert client.post("/graphql", content=next(bodies), headers=auth).status_code == 200

            def duty_body(i: int, day: date) -> bytes:
                sector, hour = ("NE", "SE", "SW", "NW")[i % 4], (8, 13, 21, 23)[i // 4 % 4]
                at = f"{day}T{hour:02d}:30:00+08:00"
                return orjson.dumps({"query": ON_DUTY, "variables": {"sector": sector, "at": at}})

            first_day = date(2024, 6, 5)
            duty_bodies = [duty_body(i, first_day) for i in range(16)]
            cold_bodies = iter([duty_body(i, first_day + timedelta(days=2 * i)) for i in range(rounds + 20)])
            i = 0

            def on_duty_same_day() -> None:
                nonlocal i
                i += 1
                assert (
                    client.post("/graphql", content=duty_bodies[i % len(duty_bodies)], headers=auth).status_code == 200
                )

            def on_duty() -> None:
                assert client.post("/graphql", content=next(cold_bodies), headers=auth).status_code == 200

            def trivial() -> None:
                assert client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=auth).status_code == 200

            # every answer checked once, outside the timing
            first = client.post("/graphql", content=duty_bodies[0], headers=auth).json()
            assert first["data"]["onDuty"], first
            check = orjson.loads(
                client.post(
                    "/graphql",
                    content=orjson.dumps(
                        {
                            "query": REPORT,
                            "variables": {
                                "input": {
                                    "clientId": str(uuid.uuid4()),
                                    "category": "ILLEGAL_PARKING_MOTOR",
                                    "lon": 115.612,
                                    "lat": 34.379,
                                    "description": "x",
                                    "seenAt": datetime.now(UTC).isoformat(),
                                }
                            },
                        }
                    ),
                    headers=auth,
                ).content
            )
            assert check["data"]["reportIncident"]["incident"], check

            m = interleaved(
                {"report": report_incident, "onDuty": on_duty, "trivial": trivial, "sameDay": on_duty_same_day},
                rounds=rounds,
            )
    ok = report(
        f"reportIncident vs trivial request (HUB_SYNC={sync})",
        m["report"] / m["trivial"],
        2.0,
        f"report {m['report'] * 1e3:.2f} ms, trivial {m['trivial'] * 1e3:.2f} ms",
    )
    ok &= report(
        f"onDuty vs trivial request, cold (a new date each call) (HUB_SYNC={sync})",
        m["onDuty"] / m["trivial"],
        2.0,
        f"onDuty {m['onDuty'] * 1e3:.2f} ms, trivial {m['trivial'] * 1e3:.2f} ms, medians of {rounds}; on one "
        f"date, the day's roster remembered: {m['sameDay'] * 1e3:.2f} ms (ratio {m['sameDay'] / m['trivial']:.2f})",
    )
    return ok


if __name__ == "__main__":
    sys.exit(main())
