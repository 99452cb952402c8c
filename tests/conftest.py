"""Shared fixtures: a demo store built once per session, an in-process GraphQL runner, the real server.

Every fixture that makes a store does so through ``stores``, which runs the tests that use it twice:
on a SQLite file and on a throwaway PostgreSQL 15 + PostGIS 3 cluster (``tests/pg.py``). Without
PostgreSQL on the machine the PostgreSQL runs are skipped, except in CI (env ``CI``), where they fail.
"""

from __future__ import annotations

import asyncio
import atexit
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
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
from tests import pg

ROOT = Path(__file__).resolve().parents[1]

_SNAPSHOTS = tempfile.mkdtemp(prefix="hub-test-snapshots-")
os.environ.setdefault("HUB_SNAPSHOT", _SNAPSHOTS)
"""Catalog snapshots of the session's stores (``hub.store.snapshot``), named by store identity, in one folder
removed at the end rather than in the user's cache."""
atexit.register(shutil.rmtree, _SNAPSHOTS, ignore_errors=True)

Run = Callable[..., dict[str, Any]]

STORES = tuple(os.environ.get("HUB_TEST_STORES", "sqlite,postgresql").split(","))
"""The stores the suite runs on (``HUB_TEST_STORES=sqlite`` for SQLite alone: CI's second run, on the lowest
strawberry and graphql-core, whose differences do not reach the store)."""


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[pg.Cluster]:
    """A PostgreSQL 15 + PostGIS 3 cluster of the test session's own."""
    if not pg.available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL 15 + PostGIS 3 are missing in CI: .ci/run installs {pg.PACKAGE}")
        pytest.skip(f"PostgreSQL 15 + PostGIS 3 are not installed (apt-get install {pg.PACKAGE})")
    with pg.Cluster() as cluster:
        yield cluster


class Stores:
    """New stores of one kind: SQLite file paths, or URLs of new databases in the test cluster."""

    def __init__(self, kind: str, folder: Path, cluster: pg.Cluster | None) -> None:
        self.kind = kind
        self.folder = folder
        self.cluster = cluster
        self._names = itertools.count(1)
        self._demo: str | None = None

    def __repr__(self) -> str:
        return self.kind

    def new(self) -> str:
        """An empty store (created and migrated on first open)."""
        if self.cluster is not None:
            return self.cluster.new_database()
        return str(self.folder / f"hub-{next(self._names)}.db")

    def demo(self) -> str:
        """A store holding the demo data set (copied from one loaded once per session)."""
        if self._demo is None:
            self._demo = self.new()
            Store(self._demo).open().close()
        if self.cluster is not None:
            return self.cluster.new_database(template=self._demo.rsplit("/", 1)[1])
        path = self.new()
        shutil.copy(self._demo, path)
        return path


@pytest.fixture(scope="session", params=STORES)
def stores(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stores:
    """Where tests make their stores: run once on SQLite and once on PostgreSQL + PostGIS."""
    cluster = request.getfixturevalue("pg_cluster") if request.param == "postgresql" else None
    return Stores(request.param, tmp_path_factory.mktemp(request.param), cluster)


@pytest.fixture(scope="session")
def demo_store(stores: Stores) -> Iterator[Store]:
    """The Suiyang demo data set in a fresh store (read-only use, please)."""
    store = Store(stores.demo()).open()
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

    def __init__(self, db: str | Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.env = env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        """Start the server (again, after it stopped or was killed: on the same port and store)."""
        if self.proc is not None and self.proc.stderr is not None:
            self.proc.stderr.close()
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
def server(stores: Stores) -> Iterator[Server]:
    """The real server, started with `python -m hub serve` on a new database (demo data loaded on start)."""
    srv = Server(stores.new()).start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def writable(stores: Stores, settings: Settings) -> Iterator[Any]:
    """A demo store of this module's own, for writes, and a runner that executes as any role on it
    (``token`` names the caller in the audit and disclosure logs: ``role:token``)."""
    store = Store(stores.demo()).open()
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
