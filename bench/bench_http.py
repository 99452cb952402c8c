"""What the HTTP layer (``hub.http``: metrics, CORS, rate limit, body cap, tokens, compression) costs a
request: the same trivial `{ __typename }` POST against the hub as served, and against the same app
without those middlewares, two servers side by side (target: ≤ 1.15×). The rate limit is measured at
work: the bench's address is not exempt, and its bucket is large enough never to refuse.

python bench/bench_http.py [--rounds 1000]
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))

from bench.common import BenchServer, interleaved, report
from hub.settings import Settings

ENV = {"HUB_RATE_EXEMPT": "none", "HUB_RATE_LIMITS": "public=1000000/1000000"}
TRIVIAL = b'{"query": "{ __typename }"}'
HEADERS = {"content-type": "application/json", "accept-encoding": "gzip, deflate, br", "origin": "http://x.example"}


def bare_app(settings: Settings) -> Any:
    """The hub's Starlette app with the ``hub.http`` middlewares taken off (the viewer is always public)."""
    from starlette.applications import Starlette

    from hub.app import create_app

    app = create_app(settings)
    while not isinstance(app, Starlette):
        app = app.app
    return app


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args()
    full = BenchServer(env=ENV)
    bare = BenchServer(env=ENV, app="bench.bench_http:bare_app")
    with full, bare, httpx.Client(base_url=full.url) as to_full, httpx.Client(base_url=bare.url) as to_bare:
        for client in (to_full, to_bare):
            assert client.post("/graphql", content=TRIVIAL, headers=HEADERS).json() == {"data": {"__typename": "Query"}}

        def served() -> None:
            assert to_full.post("/graphql", content=TRIVIAL, headers=HEADERS).status_code == 200

        def without() -> None:
            assert to_bare.post("/graphql", content=TRIVIAL, headers=HEADERS).status_code == 200

        m = interleaved({"served": served, "bare": without}, rounds=args.rounds)
    ratio = m["served"] / m["bare"]
    ok = report(
        "trivial request through hub.http vs without it",
        ratio,
        1.15,
        f"with {m['served'] * 1e3:.3f} ms, without {m['bare'] * 1e3:.3f} ms, medians of {args.rounds}",
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
