"""Shared fixtures: a demo store built once per session, an in-process GraphQL runner, the real server."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from hub.domain.access import Viewer
from hub.schema import Context, build_schema
from hub.services import Hub
from hub.settings import Settings
from hub.store import Store

ROOT = Path(__file__).resolve().parents[1]

Run = Callable[..., dict[str, Any]]


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """The Suiyang demo data set loaded into a fresh SQLite file (read-only use, please)."""
    store = Store(tmp_path_factory.mktemp("demo") / "hub.db").open()
    yield store
    store.close()


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings()


@pytest.fixture(scope="session")
def run(demo_store: Store, settings: Settings) -> Run:
    """Execute a GraphQL document in-process: run(doc, variables=None, role='public', squad=None) -> result dict.

    Every document runs twice, with the compiled fast path (``hub.schema.fast``) and with graphql-core's
    own execution, and the two answers must be the same: every query the schema tests send checks it.
    """
    schemas = (build_schema(settings), build_schema(settings, fast_lists=False))

    def execute(
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        role: str = "public",
        squad: str | None = None,
    ) -> dict[str, Any]:
        answers = []
        for schema in schemas:
            ctx = Context(hub=Hub(demo_store, settings), viewer=Viewer(role=role, squad_code=squad))
            result = asyncio.run(schema.execute(document, variable_values=variables, context_value=ctx))
            out: dict[str, Any] = {"data": as_json(result.data)}
            if result.errors:
                out["errors"] = [e.formatted for e in result.errors]
            answers.append(out)
        fast, plain = answers
        assert fast == plain, f"the fast path and graphql-core's own execution differ for {document[:200]}"
        return fast

    return execute


def as_json(data: Any) -> Any:
    """What a client would see: the result through JSON (pre-serialised geometry becomes objects)."""
    return orjson.loads(orjson.dumps(data))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A real `hub serve` process on a free port."""

    def __init__(self, db: Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        env = {**os.environ, "HUB_DB": str(self.db), **self.env}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hub", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hub serve exited: {self.proc.stderr.read().decode() if self.proc.stderr else ''}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("hub serve did not become healthy in 90 s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()

    def token(self, *args: str) -> str:
        """A bearer token made with `hub token create ARGS` on this server's database."""
        out = subprocess.run(
            [sys.executable, "-m", "hub", "token", "create", *args],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, "HUB_DB": str(self.db)},
        )
        return out.stdout.strip()

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables},
            headers=headers,
            timeout=30,
            **kwargs,
        )


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The real server, started with `python -m hub serve` on a new database (demo data loaded on start)."""
    srv = Server(tmp_path_factory.mktemp("e2e") / "hub.db").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def writable(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> Iterator[Any]:
    """A demo store of this module's own, for writes, and a runner that executes as any role on it
    (``token`` names the caller in the audit and disclosure logs: ``role:token``)."""
    store = Store(tmp_path_factory.mktemp("w") / "hub.db").open()
    schema = build_schema(settings)
    hub = Hub(store, settings)

    def execute(
        document: str,
        variables: dict[str, Any] | None = None,
        *,
        role: str = "admin",
        squad: str | None = None,
        now: Any = None,
        token: str = "t",
        group: str | None = None,
        unit: str | None = None,
    ) -> dict[str, Any]:
        viewer = Viewer(
            role=role, squad_code=squad, token_id=token, log=store.disclosures, group_code=group, unit_code=unit
        )
        ctx = Context(hub=hub, viewer=viewer)
        if now is not None:
            ctx.now = now
        result = asyncio.run(schema.execute(document, variable_values=variables, context_value=ctx))
        out: dict[str, Any] = {"data": as_json(result.data)}
        if result.errors:
            out["errors"] = [e.formatted for e in result.errors]
        return out

    execute.store = store  # type: ignore[attr-defined]
    execute.events = hub.events  # type: ignore[attr-defined]
    execute.hub = hub  # type: ignore[attr-defined]
    yield execute
    store.close()
