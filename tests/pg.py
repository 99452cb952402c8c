"""A throwaway PostgreSQL 15 + PostGIS 3 cluster for tests and benchmarks.

``Cluster()`` runs ``initdb`` in a temporary folder and starts the server on a free port on
127.0.0.1 (Debian's packages, binaries in /usr/lib/postgresql/15/bin); ``stop()`` removes it all.
PostgreSQL refuses to run as root: as root, the cluster belongs to the ``postgres`` user that the
Debian package creates, and its commands run through ``runuser``. ``new_database()`` hands out a
fresh database, copied from a template that already holds the PostGIS extension (creating the
extension takes about a second; copying a template a tenth of that).

``ensure_postgis(install=True)`` installs ``postgresql-15-postgis-3`` with apt-get when it is
missing (root only); tests call ``available()`` and skip without it, except in CI (env ``CI``),
where ``.ci/run`` installs it and a missing cluster is a failure.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")
POSTGIS_CONTROL = Path("/usr/share/postgresql/15/extension/postgis.control")
PACKAGE = "postgresql-15-postgis-3"
TEMPLATE = "hub_template"


def available() -> bool:
    """PostgreSQL 15 and PostGIS 3 are installed, and psycopg can be imported."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False
    return all(p.exists() for p in (PG_BIN / "initdb", PG_BIN / "pg_ctl", POSTGIS_CONTROL))


def ensure_postgis(*, install: bool = True) -> None:
    """Install Debian's PostgreSQL 15 + PostGIS 3 when missing (as root), or say how."""
    if available():
        return
    if not install or os.geteuid() != 0:
        raise SystemExit(f"PostgreSQL 15 + PostGIS 3 not found: run as root, or `apt-get install {PACKAGE}` first")
    print(f"PostGIS not found: installing {PACKAGE} with apt-get", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A PostgreSQL server of its own in a temporary folder, on 127.0.0.1 and a free port."""

    def __init__(self, *, settings: dict[str, str] | None = None) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="hub-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.settings = {"max_connections": "200", **(settings or {})}
        self._as_owner: list[str] = []
        self._names = itertools.count(1)
        self.running = False
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            shutil.chown(self.root, "postgres", "postgres")
            self._as_owner = ["runuser", "-u", "postgres", "--"]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg(self, *args: str) -> None:
        subprocess.run([*self._as_owner, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> Cluster:
        if not self.data.exists():
            self._pg(
                str(PG_BIN / "initdb"),
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            )
        options = " ".join(
            [f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}"]
            + [f"-c {k}={v}" for k, v in self.settings.items()]
        )
        self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        self.running = True
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (``immediate``: as if it crashed; the data stay for ``start()``)."""
        if self.running:
            self._pg(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
            self.running = False

    def remove(self) -> None:
        """Stop the server and delete the cluster."""
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.remove()

    def execute(self, sql: str, database: str = "postgres") -> None:
        """Run one statement outside a transaction (CREATE DATABASE and the like)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def new_database(self, template: str | None = None) -> str:
        """A fresh database holding PostGIS (or a copy of ``template``); returns its URL."""
        if template is None:
            template = TEMPLATE
            if not getattr(self, "_template_made", False):
                self.execute(f"CREATE DATABASE {TEMPLATE}")
                self.execute("CREATE EXTENSION postgis", TEMPLATE)
                self._template_made = True
        name = f"hub_{next(self._names)}"
        self.execute(f"CREATE DATABASE {name} TEMPLATE {template}")
        return self.url(name)
