"""The change log: every committed change to a table the catalog keeps, in commit order, on both stores.

Every write that changes a table of ``hub.store.tables.TABLES`` adds a row per changed record to
``changes`` (seq, tx, table, key, op) in its own transaction. Writes are serialised (SQLite's one
writer; PostgreSQL's write lock), so sequence numbers are in commit order: a catalog that has
applied every change up to ``seq`` equals the database as of that change.

Two readers use it. On PostgreSQL every worker follows it to keep its catalog current
(``hub.store.feed``); on both stores a worker that starts from a snapshot of the catalog
(``hub.store.snapshot``, taken at some ``seq``) applies the changes after it, re-reading the rows they
name, so it serves the database as it is, not as it was when the snapshot was written.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import shapely

from hub.store import tables
from hub.store.base import ConnReader
from hub.store.catalog import Catalog, load_catalog

BATCH = 10_000
KEEP_DAYS = 7
"""Changes are kept this long: a worker cut off for longer, or a snapshot older, reloads everything."""
RESYNC = "resync"
"""A change that names no record: many were written at once (an import); a follower reads the catalog again,
and a snapshot taken before it is not used."""

Written = tuple[tuple[Any, bool], ...]
"""Records a transaction wrote, each with whether it was deleted."""

BY_TABLE = {t.name: t for t in tables.TABLES.values()}


@dataclass
class Batch:
    """Changes after some sequence number, and the rows they name, all as of one snapshot."""

    changes: list[tuple[int, int, str, str, str]] = field(default_factory=list)
    """(seq, tx, table, key, op) in sequence order."""
    records: dict[tuple[str, str], Any] = field(default_factory=dict)
    """(table, key) → the record as it is now; absent when the row is gone."""
    fresh: Catalog | None = None
    """When the changes hold a resync: the whole catalog as of the snapshot, and the log's last seq then."""
    through: int = 0

    @property
    def last(self) -> int:
        return self.changes[-1][0] if self.changes else 0


def _typed(table: tables.Table, keys: Iterable[str]) -> list[Any]:
    """The distinct values of the first key column the keys name (all of a key of one column)."""
    kind = tables.key_type(table.record)
    return sorted({kind(k.split("|")[0]) for k in keys})


def _row_key(table: tables.Table, row: Any) -> str:
    return "|".join(str(row[k]) for k in table.keys)


def _postgres(conn: Any) -> bool:
    return getattr(getattr(conn, "dialect", None), "name", "sqlite") == "postgresql"


def _tx(conn: Any) -> str:
    # PostgreSQL names the transaction; on SQLite a random number does: with its time, it tells this history
    # from a copy's
    return "txid_current()" if _postgres(conn) else str(secrets.randbits(62))


def record(conn: Any, written: Written, origin: str) -> int:
    """Add a transaction's changes to the log (inside it); the last sequence number, 0 if none.

    On PostgreSQL the followers are notified too (delivered on commit)."""
    rows = [
        (tables.TABLES[type(rec)].name, tables.key_text(rec), "delete" if deleted else "upsert", origin)
        for rec, deleted in written
    ]
    tx = _tx(conn)  # one for the whole transaction: followers apply and publish a transaction's records together
    last = 0
    for start in range(0, len(rows), ROWS_PER_INSERT):
        part = rows[start : start + ROWS_PER_INSERT]
        values = ", ".join(f"({tx}, ?, ?, ?, ?)" for _ in part)
        last = _logged(conn, values, [v for row in part for v in row], notify=start + ROWS_PER_INSERT >= len(rows))
    return last


def record_resync(conn: Any, origin: str) -> int:
    """Add a resync to the log (an import wrote many records, inside its transaction); its seq. On PostgreSQL
    the followers are notified (on commit) and read the catalog again."""
    return _logged(conn, f"({_tx(conn)}, '*', '*', ?, ?)", [RESYNC, origin], notify=True)


ROWS_PER_INSERT = 1000
"""Change-log rows per statement: four parameters each, well inside SQLite's 32,766 and PostgreSQL's 65,535."""


def _logged(conn: Any, values: str, params: list[Any], *, notify: bool) -> int:
    """Insert change-log rows (``values``: their SQL, ``params`` its parameters); the last sequence number.

    On PostgreSQL, with ``notify``, the same statement notifies the followers with it (one round trip, delivered
    on commit)."""
    insert = f"INSERT INTO changes (tx, tbl, key, op, origin) VALUES {values} RETURNING seq"
    if notify and _postgres(conn):
        from hub.store.feed import CHANNEL

        sql = f"WITH logged AS ({insert}) SELECT max(seq), pg_notify(?, max(seq)::text) FROM logged"
        return int(conn.execute(sql, [*params, CHANNEL]).fetchall()[0][0])
    return max(int(r[0]) for r in conn.execute(insert, params).fetchall())


def fetch(conn: Any, after: int, limit: int = BATCH) -> Batch:
    """The changes after ``after`` (at most ``limit``) and the current rows they name (``conn`` has
    ``execute``, as a connection or a ``ConnReader``'s has); with a resync among them, the whole catalog."""
    execute = conn.execute if hasattr(conn, "execute") else conn.conn.execute
    batch = Batch(
        [
            (int(r[0]), int(r[1]), r[2], r[3], r[4])
            for r in execute(
                "SELECT seq, tx, tbl, key, op FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        ]
    )
    if any(op == RESYNC for *_, op in batch.changes):
        reader = conn if hasattr(conn, "read") else ConnReader(conn)
        batch.fresh, batch.through = load_catalog(reader), last_seq(reader)
        return batch
    wanted: dict[str, set[str]] = {}
    for _, _, tbl, key, _ in batch.changes:
        wanted.setdefault(tbl, set()).add(key)
    postgres = _postgres(conn) or _postgres(getattr(conn, "conn", None))
    for tbl, keys in wanted.items():
        table = BY_TABLE[tbl]
        keyed = _typed(table, keys)
        arg: Any
        if postgres:
            sql, arg = f'SELECT * FROM {table.name} WHERE "{table.keys[0]}" = ANY(?)', keyed
        else:
            sql, arg = (
                f'SELECT * FROM {table.name} WHERE "{table.keys[0]}" IN (SELECT value FROM json_each(?))',
                json.dumps(keyed),
            )
        rows = [row for row in execute(sql, (arg,)).fetchall() if _row_key(table, row) in keys]
        spatial = bool(rows) and "geom" in rows[0].keys()  # noqa: SIM118 (a row's `in` looks at its values)
        geoms = shapely.from_wkb([row["geom"] for row in rows]) if spatial else None
        for i, row in enumerate(rows):
            rec = tables.from_row(table.record, row, None if geoms is None else geoms[i])
            batch.records[(tbl, _row_key(table, row))] = rec
    return batch


def apply(catalog: Catalog, batch: Batch, after: int, publish: Callable[[Written], None] | None = None) -> int:
    """Apply a batch's changes past ``after`` to the catalog, one transaction at a time, in sequence
    order (each transaction's records handed to ``publish``); returns the sequence now reached. A batch
    holding a resync brings the catalog up to the whole catalog it read (``hub.store.resync``)."""
    if batch.last <= after:
        return after
    if batch.fresh is not None:
        from hub.store.resync import merge

        written = merge(catalog, batch.fresh)
        if publish is not None:
            publish(written)
        return max(batch.last, batch.through)
    current: list[tuple[Any, bool]] = []
    tx = None
    for seq, change_tx, tbl, key, _op in batch.changes:
        if seq <= after:
            continue
        if tx is not None and change_tx != tx and current:
            if publish is not None:
                publish(tuple(current))
            current = []
        tx = change_tx
        rec = batch.records.get((tbl, key))
        if rec is None:
            cls = BY_TABLE[tbl].record
            old = catalog.current(cls, tables.parse_key(cls, key))
            if old is not None:
                catalog.apply(old, deleted=True)
                current.append((old, True))
        else:
            catalog.apply(rec)
            current.append((rec, False))
    if current and publish is not None:
        publish(tuple(current))
    return batch.last


def catch_up(reader: Any, catalog: Catalog, after: int, publish: Callable[[Written], None] | None = None) -> int:
    """Apply every change logged after ``after``; returns the last sequence applied."""
    while True:
        batch = fetch(reader, after)
        after = apply(catalog, batch, after, publish)
        if len(batch.changes) < BATCH:
            return after


def resync_after(reader: Any, seq: int) -> bool:
    """Whether a resync (an import) was logged after ``seq``."""
    return reader.read_one("SELECT 1 FROM changes WHERE seq > ? AND op = ? LIMIT 1", (seq, RESYNC)) is not None


def last_seq(reader: Any) -> int:
    row = reader.read_one("SELECT coalesce(max(seq), 0) FROM changes")
    return int(row[0])


def mark(reader: Any, seq: int) -> str | None:
    """What identifies change ``seq`` in this database (its transaction and time), or None when it is
    not there: a snapshot taken at ``seq`` belongs to this history only if the mark is the same."""
    row = reader.read_one("SELECT tx, at FROM changes WHERE seq = ?", (seq,))
    return None if row is None else f"{int(row[0])}@{row[1]}"


def purge(conn: Any) -> int:
    """Drop changes older than ``KEEP_DAYS``; returns how many went."""
    if _postgres(conn):
        sql = f"DELETE FROM changes WHERE at < now() - interval '{KEEP_DAYS} days'"
    else:
        sql = f"DELETE FROM changes WHERE at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-{KEEP_DAYS} days')"
    return int(conn.execute(sql).rowcount)
