"""Copy a whole store into an empty one (``hub copy``): SQLite to PostgreSQL, or back, all or nothing.

Every table of the source's schema is copied row for row (geometry as WKB; times and flags as the
store keeps them, so values arrive unchanged), parents before children, in one transaction of the
target. Before that transaction commits, the row counts of every table are compared, and then
whatever ``check`` makes of the two (``hub copy`` compares the district's figures, computed by the
domain from each store's catalog); any difference rolls the copy back. On PostgreSQL rows go in
with ``COPY``, and the identity sequences are moved past the copied keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Literal

from hub.errors import StoreError
from hub.store.base import ConnReader, Database, Reader
from hub.store.importer import insert_rows

SKIP = frozenset({"hub_schema", "changes", "hub_identity", "spatial_ref_sys", "sqlite_sequence"})
"""Tables that belong to one kind of store, not to the hub's data."""
CHUNK = 20_000
_EWKB_SRID = 0x2000_0000


def tables_in_order(db: Database, reader: Reader) -> list[str]:
    """The hub's tables, each after the tables it refers to."""
    if db.dialect.name == "sqlite":
        names = [r[0] for r in reader.read("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        parents = {n: {r["table"] for r in reader.read(f"PRAGMA foreign_key_list({n})")} for n in names}
    else:
        names = [
            r[0]
            for r in reader.read(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE' ORDER BY table_name"
            )
        ]
        parents = {n: set() for n in names}
        for child, parent in reader.read(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace"
        ):
            parents.setdefault(child, set()).add(parent)
    order: list[str] = []

    def visit(name: str, seen: frozenset[str] = frozenset()) -> None:
        if name in order or name in SKIP:
            return
        for parent in sorted(parents.get(name, ())):
            if parent != name and parent not in seen:
                visit(parent, seen | {name})
        order.append(name)

    for name in names:
        visit(name)
    return order


def _rows(reader: Reader, table: str) -> tuple[list[str], list[Any]]:
    rows = reader.read(f"SELECT * FROM {table}")
    if not rows:
        return [], []
    return list(rows[0].keys()), rows


def _ewkb_hex(wkb: bytes) -> str:
    """WKB as PostGIS's text input with SRID 4326 (hex EWKB), for COPY."""
    order: Literal["little", "big"] = "little" if wkb[0] == 1 else "big"
    kind = int.from_bytes(wkb[1:5], order) | _EWKB_SRID
    return (wkb[:1] + kind.to_bytes(4, order) + (4326).to_bytes(4, order) + wkb[5:]).hex()


def _put(conn: Any, dialect: str, table: str, columns: list[str], rows: list[Any]) -> None:
    if dialect == "sqlite":
        for chunk in _chunks(rows):
            insert_rows(conn, table, tuple(columns), [tuple(r) for r in chunk])
        return
    geom = columns.index("geom") if "geom" in columns else -1
    cols = ", ".join(f'"{c}"' for c in columns)
    with conn.raw.cursor().copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
        for row in rows:
            values = list(row)
            if geom >= 0 and values[geom] is not None:
                values[geom] = _ewkb_hex(bytes(values[geom]))
            copy.write_row(values)


def _chunks(rows: list[Any]) -> Iterator[list[Any]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def copy_store(
    source: Database, target: Database, check: Callable[[Reader, Reader], None] | None = None
) -> dict[str, int]:
    """Copy every row of ``source`` into the empty ``target`` (both open); rows per table."""
    with source.snapshot() as src:
        order = tables_in_order(source, src)
        data = {t: _rows(src, t) for t in order}

        def load(conn: Any) -> dict[str, int]:
            dst = ConnReader(conn)
            missing = [t for t in order if t not in set(tables_in_order(target, dst))]
            if missing:
                raise StoreError(f"the target has no table {', '.join(missing)}: its schema is older than the source's")
            full = [t for t in order if dst.read_one(f"SELECT count(*) FROM {t}")[0]]
            if full:
                raise StoreError(f"the target already holds data (in {', '.join(full)}); copy into an empty store")
            for table in order:
                columns, rows = data[table]
                if rows:
                    _put(conn, target.dialect.name, table, columns, rows)
            counts: dict[str, int] = {}
            for table in order:
                theirs, ours = (
                    src.read_one(f"SELECT count(*) FROM {table}")[0],
                    dst.read_one(f"SELECT count(*) FROM {table}")[0],
                )
                if theirs != ours:
                    raise StoreError(f"{table}: {ours} rows copied of {theirs}; nothing was copied")
                counts[table] = int(ours)
            if check is not None:
                check(src, dst)
            if hasattr(conn, "sync_identities"):
                conn.sync_identities()
            return counts

        return target.write(load)
