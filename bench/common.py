"""Shared pieces of the benchmarks: a real server on a temporary database, and medians of timed calls.

Benchmarks are programs, not tests: seeded data, a warm-up, the median of many runs, and a ratio
against a baseline measured in the same run (absolute times are not comparable between machines).
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


UNCOMPRESSED = {"accept-encoding": "identity"}
"""Asked of the hub by benches whose other side does not compress (a SQL driver, PostGraphile, in-process work):
the hub gzips large answers a client accepts compressed, pure cost over loopback, so both sides do the same work."""


def plain_client(base_url: str, **kwargs: object) -> httpx.Client:
    """An HTTP client that asks for answers uncompressed (``UNCOMPRESSED``)."""
    return httpx.Client(base_url=base_url, headers=UNCOMPRESSED, **kwargs)  # type: ignore[arg-type]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class BenchServer:
    """`python -m hub serve` on a fresh database in a temporary folder, access log off."""

    def __init__(
        self, db: Path | None = None, env: dict[str, str] | None = None, app: str = "hub.app:create_app"
    ) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="hub-bench-")
        self.db = db or Path(self.tmp.name) / "hub.db"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = env or {}
        self.app = app
        """``module:function`` making the ASGI app from settings (``hub.app:create_app``)."""

    def __enter__(self) -> BenchServer:
        module, _, factory = self.app.partition(":")
        code = (
            f"import uvicorn; from {module} import {factory}; from hub.settings import Settings; "
            f"uvicorn.run({factory}(Settings.from_env()), host='127.0.0.1', port={self.port}, "
            "log_level='warning', access_log=False)"
        )
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "HUB_DB": str(self.db), **self.env}
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the server did not start")

    def wait_warm(self, timeout: float = 900) -> None:
        """Wait until the server has built everything it builds after starting (``/healthz``'s ``warm``), so
        a measure of its memory is not one of the warm-up's."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if httpx.get(f"{self.url}/healthz", timeout=10).json().get("warm"):
                return
            time.sleep(0.2)
        raise RuntimeError("the server did not finish warming up")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.tmp.cleanup()


def admin_token(db: Path) -> str:
    """A bearer token of the admin role, made with ``hub token create`` on the store at ``db``."""
    return subprocess.run(
        [sys.executable, "-m", "hub", "token", "create", "--role", "admin", "--label", "bench"],
        cwd=ROOT,
        env={**os.environ, "HUB_DB": str(db)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def median_time(fn: Callable[[], object], *, runs: int, warmup: int = 20) -> float:
    """Median wall time of ``fn()`` in seconds."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def alternated(fns: dict[str, Callable[[], object]], *, rounds: int, warmup: int = 20) -> dict[str, list[float]]:
    """Times (s) of several calls measured in alternation, so drift in machine load hits them all alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            samples[name].append(time.perf_counter() - t0)
    return samples


def interleaved(fns: dict[str, Callable[[], object]], *, rounds: int, warmup: int = 20) -> dict[str, float]:
    """Medians of ``alternated``."""
    return {k: statistics.median(v) for k, v in alternated(fns, rounds=rounds, warmup=warmup).items()}


def report(name: str, ratio: float, target: float, detail: str) -> bool:
    ok = ratio <= target
    print(f"{name}: ratio {ratio:.2f} (target ≤ {target:g}) {'OK' if ok else 'MISSED'}  [{detail}]")
    return ok
