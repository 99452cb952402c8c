"""A throwaway PostgreSQL 15 + PostGIS 3 cluster for the benchmarks that compare the hub with PostGIS.

``cluster()`` makes a fresh cluster in a temporary folder (Debian's packages, installed with
apt-get when missing; ``tests/pg.py`` makes it, for the tests and the benches alike), listening on a
free port on 127.0.0.1, and removes it afterwards whatever happens. It runs with ``fsync=on`` and
``synchronous_commit=on`` (PostgreSQL's defaults, set explicitly): a commit is on disk before it is
acknowledged, as the hub's ``HUB_SYNC=full``.
initdb's ``--no-sync`` only skips syncing the files initdb itself writes.

``mirror()`` copies the tables of a hub SQLite store into it: the same rows, the geometry as
PostGIS geometry (SRID 4326) with a GiST index, the primary and foreign keys of the SQLite
schema, so a SQL-compiling GraphQL engine sees the same relations the hub serves.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import psycopg

from tests import pg as testing_pg

DURABLE = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on"}


def ensure_postgis() -> None:
    """Debian's PostgreSQL 15 + PostGIS 3, installed with apt-get when missing (``tests/pg.py``)."""
    testing_pg.ensure_postgis()


def apt_install(*packages: str) -> None:
    """Install Debian packages (the benches need root for that; CI does not run them)."""
    if os.geteuid() != 0:
        raise SystemExit(f"run as root, or install {' '.join(packages)} first")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


@contextmanager
def cluster(settings: dict[str, str] | None = None) -> Iterator[str]:
    """A fresh cluster on a free port on 127.0.0.1 (``DURABLE`` plus ``settings``); yields its connection
    string. Stopped and removed after. The cluster is ``tests/pg.py``'s, which the tests use too."""
    ensure_postgis()
    with testing_pg.Cluster(settings={**DURABLE, **(settings or {})}) as c:
        yield f"host=127.0.0.1 port={c.port} user=postgres dbname=postgres"


def url(dsn: str) -> str:
    """The connection string as a postgres:// URL (for clients that take only that form)."""
    parts = dict(p.split("=", 1) for p in dsn.split())
    return f"postgres://{parts['user']}@{parts['host']}:{parts['port']}/{parts['dbname']}"


def settings_in_force(conn: psycopg.Connection) -> dict[str, str]:
    return {k: conn.execute(f"SHOW {k}").fetchone()[0] for k in DURABLE}  # type: ignore[index]


# --- a hub store's tables in PostGIS --------------------------------------------------------------------------------

DERIVED = ("geojson", "minx", "miny", "maxx", "maxy")
"""Columns the hub derives from the geometry at write time; PostGIS derives them when asked (ST_AsGeoJSON, &&)."""
TYPES = {"TEXT": "text", "INTEGER": "bigint", "REAL": "double precision", "BLOB": "bytea"}


def mirror(
    conn: psycopg.Connection, sqlite_path: Path, tables: Sequence[str], generated_area: Sequence[str] = ()
) -> None:
    """Copy ``tables`` (in an order where each table's references come first) from a hub SQLite store.

    Column types, defaults, primary and foreign keys follow the SQLite schema; ``geom`` becomes
    ``geometry(<its one type>, 4326)`` with a GiST index; an integer primary key gets an identity
    default (so new rows need no id). In ``generated_area`` tables, ``area_m2`` is computed by
    PostGIS on every write (``ST_Area(geom::geography)``, geodesic on WGS84 like the hub's), not copied.
    """
    src = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    try:
        for table in tables:
            _mirror_table(conn, src, table, table in generated_area)
    finally:
        src.close()
    conn.commit()
    autocommit = conn.autocommit
    conn.autocommit = True
    conn.execute("VACUUM ANALYZE")
    conn.autocommit = autocommit


def _mirror_table(conn: psycopg.Connection, src: sqlite3.Connection, table: str, generated_area: bool) -> None:
    info = [row for row in src.execute(f"PRAGMA table_info({table})") if row[1] not in DERIVED]
    keys = [row[1] for row in sorted((r for r in info if r[5]), key=lambda r: r[5])]
    geom_type = None
    if any(row[1] == "geom" for row in info):
        found = conn.execute(
            "SELECT DISTINCT GeometryType(ST_GeomFromWKB(g)) FROM unnest(%s::bytea[]) g",
            ([g for (g,) in src.execute(f"SELECT geom FROM {table}")],),
        ).fetchall()
        geom_type = found[0][0] if len(found) == 1 else "GEOMETRY"
    columns, copied = [], []
    for _, name, decl, notnull, default, pk in info:
        if name == "geom":
            sql_type = f"geometry({geom_type}, 4326)"
        elif name == "area_m2" and generated_area:
            columns.append('"area_m2" double precision GENERATED ALWAYS AS (ST_Area(geom::geography)) STORED')
            continue
        else:
            sql_type = TYPES.get(decl.upper(), "text")
        column = f'"{name}" {sql_type}'
        if pk and keys == [name] and sql_type == "bigint":
            column += " GENERATED BY DEFAULT AS IDENTITY"
        if notnull:
            column += " NOT NULL"
        if default is not None and name != "geom":
            column += f" DEFAULT {default}"
        columns.append(column)
        copied.append(name)
    if keys:
        columns.append(f"PRIMARY KEY ({', '.join(keys)})")
    for fk in src.execute(f"PRAGMA foreign_key_list({table})"):
        columns.append(f'FOREIGN KEY ("{fk[3]}") REFERENCES {fk[2]} ("{fk[4]}")')
    conn.execute(f"CREATE TABLE {table} ({', '.join(columns)})")
    names = ", ".join(f'"{c}"' for c in copied)
    select = ", ".join(f'"{c}"' for c in copied)
    rows = src.execute(f"SELECT {select} FROM {table}").fetchall()
    if "geom" in copied:
        conn.execute(f"CREATE TEMP TABLE load_{table} (LIKE {table} INCLUDING DEFAULTS)")
        conn.execute(f"ALTER TABLE load_{table} ALTER geom TYPE bytea USING NULL")
        target = f"load_{table}"
    else:
        target = table
    with conn.cursor().copy(f"COPY {target} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    if target != table:
        cast = ", ".join("ST_SetSRID(ST_GeomFromWKB(geom), 4326)" if c == "geom" else f'"{c}"' for c in copied)
        conn.execute(f"INSERT INTO {table} ({names}) SELECT {cast} FROM {target}")
        conn.execute(f"DROP TABLE {target}")
        conn.execute(f"CREATE INDEX {table}_geom ON {table} USING gist (geom)")
    for fk in src.execute(f"PRAGMA foreign_key_list({table})"):  # PostgreSQL does not index referencing columns
        conn.execute(f'CREATE INDEX ON {table} ("{fk[3]}")')
    if keys and len(keys) == 1 and any(c.startswith(f'"{keys[0]}" bigint GENERATED') for c in columns):
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{keys[0]}'), "
            f"coalesce((SELECT max({keys[0]}) FROM {table}), 0) + 1, false)"
        )
