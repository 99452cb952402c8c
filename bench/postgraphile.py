"""PostGraphile 4 (Node) with PostGIS and filter plugins, installed with npm into a temporary folder.

The packages: ``postgraphile@4``, ``@graphile/postgis@0.2`` (geometry columns as GeoJSON),
``postgraphile-plugin-connection-filter@2`` (the ``filter:`` argument) and
``postgraphile-plugin-connection-filter-postgis`` (its PostGIS operators: ``intersects``,
``contains``, …). Their v4-compatible versions are named because the newest of the filter plugin
needs PostGraphile 5. Node 20 and npm come from Debian's packages (``apt-get install nodejs npm``
when missing). The server runs with ``NODE_ENV=production``, without its query log and GraphiQL.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import free_port
from bench.pg import apt_install

PACKAGES = (
    "postgraphile@4",
    "@graphile/postgis@0.2",
    "postgraphile-plugin-connection-filter@2",
    "postgraphile-plugin-connection-filter-postgis@1.0.0-alpha.6",
)
PLUGINS = "@graphile/postgis,postgraphile-plugin-connection-filter,postgraphile-plugin-connection-filter-postgis"


def ensure_node() -> None:
    if shutil.which("node") and shutil.which("npm"):
        return
    print("node or npm not found: installing nodejs and npm with apt-get", flush=True)
    apt_install("nodejs", "npm")


def versions(folder: Path) -> dict[str, str]:
    """The versions npm installed, and Node's."""
    out = {}
    for name in ("postgraphile", "@graphile/postgis", "postgraphile-plugin-connection-filter", "graphql"):
        out[name] = json.loads((folder / "node_modules" / name / "package.json").read_text())["version"]
    out["node"] = subprocess.run(["node", "--version"], capture_output=True, text=True, check=True).stdout.strip()
    return out


class PostGraphile:
    """``postgraphile`` on a free port on 127.0.0.1, serving the ``public`` schema of ``database_url``."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.tmp = tempfile.TemporaryDirectory(prefix="hub-bench-postgraphile-")
        self.folder = Path(self.tmp.name)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def install(self) -> None:
        ensure_node()
        (self.folder / "package.json").write_text('{"private": true}\n')
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
            cwd=self.folder,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def __enter__(self) -> PostGraphile:
        self.install()
        self.log = open(self.folder / "server.log", "wb")
        self.proc = subprocess.Popen(
            [
                str(self.folder / "node_modules" / ".bin" / "postgraphile"),
                "--connection",
                self.database_url,
                "--schema",
                "public",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--append-plugins",
                PLUGINS,
                "--disable-query-log",
                "--disable-graphiql",
                "--dynamic-json",
            ],
            cwd=self.folder,
            env={**os.environ, "NODE_ENV": "production"},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgraphile exited: {(self.folder / 'server.log').read_text()[-2000:]}")
            try:
                r = httpx.post(f"{self.url}/graphql", json={"query": "{ __typename }"}, timeout=2)
                if r.status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise RuntimeError("postgraphile did not start in 120 s")

    def __exit__(self, *exc: object) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        self.tmp.cleanup()
