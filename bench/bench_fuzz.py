"""The long fuzz run: schemathesis (GraphQL mode) against a real server, 20,000 operations per role.

The CI test (``tests/e2e/test_fuzz.py``) sends 500 per role; this sends ``--examples`` (20,000 by
default) per role, as the public and as an admin, with the same strategies for the hub's custom
scalars (``tests/fuzz.py``), and counts the answers that are a 5xx or an ``INTERNAL`` error.
Target: 0. The first few failures are printed with the request that caused them.

    python bench/bench_fuzz.py [--examples 20000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, BenchServer
from tests.fuzz import failure, register


def fuzz(cases: st.SearchStrategy, headers: dict[str, str], examples: int) -> tuple[int, list[str]]:  # type: ignore[type-arg]
    """Send ``examples`` generated operations; how many were sent, and the failures with their requests."""
    sent = 0
    failures: list[str] = []

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(data=st.data())
    def run(data: st.DataObject) -> None:
        nonlocal sent
        case = data.draw(cases)
        response = case.call(headers=headers)
        sent += 1
        why = failure(response)
        if why is not None:
            failures.append(f"{why}\n    request: {str(case.body)[:400]}")

    run()
    return sent, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=20_000)
    args = parser.parse_args()
    register()
    with BenchServer(env={"HUB_RATE_LIMIT": "0"}) as server:
        made = subprocess.run(
            [sys.executable, "-m", "hub", "token", "create", "--role", "admin"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={"HUB_DB": str(server.db), "PATH": "/usr/bin:/bin"},
        )
        admin = made.stdout.strip()
        cases = schemathesis.graphql.from_url(f"{server.url}/graphql").as_strategy()
        total = 0
        for role, headers in (("public", {}), ("admin", {"Authorization": f"Bearer {admin}"})):
            t0 = time.perf_counter()
            sent, failures = fuzz(cases, headers, args.examples)
            seconds = time.perf_counter() - t0
            total += len(failures)
            print(f"{role}: {sent:,} operations in {seconds:.0f} s, {len(failures)} answers a 5xx or INTERNAL")
            for line in failures[:5]:
                print("  " + line)
        print(f"target 0: {'OK' if total == 0 else 'MISSED'}")
    return 0 if total == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
