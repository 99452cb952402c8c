"""A snapshot of the catalog's large tables: their columns, as of one change sequence, in a file.

A worker loading a million features row by row takes tens of seconds (reading the rows, converting
values, decoding geometry, making records). The snapshot keeps what that work produces for the tables
the hub writes while it runs (``hub.store.catalog.COLUMNAR``: occupations, cases and their steps,
patrols, rosters, agreements) as numpy arrays (``hub.store.columns``), in one uncompressed ``.npz``
file, with the change sequence it was taken at. A worker that starts reads the arrays (a fraction of a
second), applies the changes logged after that sequence (``hub.store.changes``: re-reading the rows
they name), and is ready; geometry is decoded and records are made after that, when first needed or
by the warm-up thread.

It never serves stale data. It is used only when it was taken from this store (the store's random
identity), at this schema version, and in this history (the change at its sequence is the same
change: same transaction and time), and only if the log still holds every change after it; after the
changes are applied, every table's row count must equal the database's. Otherwise — and when the
file is missing, unreadable or corrupt (the zip's checksums) — the worker says why in its log and
loads everything from the database, then writes a new snapshot.

When it is written: after every full load; when a store is closed with at least ``REFRESH`` changes
past it (read from the database, in one snapshot of it); and by ``hub snapshot`` (e.g. from cron).
Where: beside a SQLite file (``hub.db.snapshot``), or for PostgreSQL in ``~/.cache/hub/`` (a file
named by the store's identity); ``HUB_SNAPSHOT`` names another folder, or ``off``. Written to a temporary file
and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hub.store import changes
from hub.store.base import is_postgres
from hub.store.catalog import COLUMNAR, Catalog, load_catalog, read_columns
from hub.store.columns import TableColumns
from hub.store.faults import Fault
from hub.store.migrations import SCHEMA_VERSION
from hub.store.tables import TABLES

log = logging.getLogger("hub.store")

FORMAT = 1
REFRESH = 1_000
"""Changes past the snapshot at which closing the store writes a new one (fewer are applied at start)."""
SUFFIX = ".snapshot"


@dataclass
class Snapshot:
    seq: int
    mark: str | None
    """The change at ``seq`` (``hub.store.changes.mark``); None when the log was empty."""
    identity: str
    columns: dict[type, TableColumns]


def location(db: str | Path, setting: str | None, identity: str) -> Path | None:
    """Where the snapshot of the store ``db`` (whose identity is ``identity``) is kept; None: snapshots are off.

    ``setting`` is ``HUB_SNAPSHOT``: unset or ``auto`` (beside a SQLite file; for PostgreSQL, the user's
    cache folder), ``off``, or a folder. In a folder, which several stores may share, a file is named by
    its store's identity.

    >>> location("/srv/hub.db", None, "x1"), location("/srv/hub.db", "off", "x1")
    (PosixPath('/srv/hub.db.snapshot'), None)
    >>> location("postgresql://hub@db/suiyang", "/var/cache/hub", "x1")
    PosixPath('/var/cache/hub/x1.snapshot')
    """
    chosen = (setting or "auto").strip()
    if chosen.lower() == "off":
        return None
    if chosen.lower() != "auto":
        return Path(chosen) / f"{identity}{SUFFIX}"
    if not is_postgres(db):
        return Path(f"{db}{SUFFIX}")
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hub" / f"{identity}{SUFFIX}"


# -- the file ------------------------------------------------------------------------------------------------


def write(path: Path, snap: Snapshot) -> None:
    """Write the snapshot to ``path`` (atomically: a temporary file, then a rename)."""
    meta = {
        "format": FORMAT,
        "schema": SCHEMA_VERSION,
        "seq": snap.seq,
        "mark": snap.mark,
        "identity": snap.identity,
        "tables": {cls.__name__: cols.n for cls, cols in snap.columns.items()},
        "faults": {cls.__name__: [f.as_dict() for f in cols.faults] for cls, cols in snap.columns.items()},
    }
    arrays: dict[str, np.ndarray] = {"meta": np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)}
    for cls, cols in snap.columns.items():
        for key, value in cols.arrays.items():
            arrays[f"{cls.__name__}/{key}"] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name, suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    log.info("wrote the catalog snapshot %s at change %d (%s)", path, snap.seq, _sizes(snap))


def _sizes(snap: Snapshot) -> str:
    return ", ".join(f"{cols.n:,} {cls.__name__}" for cls, cols in snap.columns.items() if cols.n)


def _meta(archive: Any) -> dict[str, Any]:
    return dict(json.loads(bytes(archive["meta"]).decode()))


def read(path: Path, identity: str) -> Snapshot | None:
    """The snapshot at ``path`` if it is there, whole, and of this store and schema; else None, logged."""
    if not path.exists():
        log.info("no catalog snapshot at %s: loading every row from the database", path)
        return None
    try:
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as archive:
            meta = _meta(archive)
            if meta.get("format") != FORMAT or meta.get("schema") != SCHEMA_VERSION or meta.get("identity") != identity:
                log.warning(
                    "the catalog snapshot %s is of another store, schema or format: %s",
                    path,
                    "loading every row from the database",
                )
                return None
            by_name = {cls.__name__: cls for cls in COLUMNAR}
            found: dict[str, dict[str, np.ndarray]] = {name: {} for name in meta["tables"]}
            for key in archive.files:
                if key != "meta":
                    table, _, field = key.partition("/")
                    found[table][field] = archive[key]
            columns = {
                by_name[name]: TableColumns(by_name[name], int(n), found[name]) for name, n in meta["tables"].items()
            }
            for name, held in meta.get("faults", {}).items():
                columns[by_name[name]].faults = [Fault(**f) for f in held]
    except (OSError, EOFError, ValueError, KeyError, TypeError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        log.warning("the catalog snapshot %s is unreadable (%s): loading every row from the database", path, exc)
        return None
    if set(columns) != set(COLUMNAR):
        log.warning("the catalog snapshot %s lacks tables: loading every row from the database", path)
        return None
    return Snapshot(int(meta["seq"]), meta["mark"], identity, columns)


def seq_of(path: Path) -> int | None:
    """The change sequence of the snapshot at ``path`` (None if there is none, or it is unreadable)."""
    try:
        with open(path, "rb") as file, np.load(file, allow_pickle=False) as archive:
            return int(_meta(archive)["seq"])
    except (OSError, EOFError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError):
        return None


# -- against the database ------------------------------------------------------------------------------------


def current(reader: Any, snap: Snapshot) -> bool:
    """Whether the database's change log continues the snapshot's history (logged when not)."""
    last = changes.last_seq(reader)
    if snap.seq > last:
        why = f"it is at change {snap.seq}, the database at {last}"
    elif snap.seq and changes.mark(reader, snap.seq) != snap.mark:
        why = f"change {snap.seq} is not the one it was taken at (another history, or the log was purged)"
    elif not snap.seq and last and _first(reader) > 1:
        why = "changes made after it were purged from the log"
    elif changes.resync_after(reader, snap.seq):
        why = "records were imported after it"
    else:
        return True
    log.warning("the catalog snapshot is not current (%s): loading every row from the database", why)
    return False


def _first(reader: Any) -> int:
    row = reader.read_one("SELECT coalesce(min(seq), 0) FROM changes")
    return int(row[0])


def counts_match(reader: Any, catalog: Catalog, snap: Snapshot) -> bool:
    """Whether every columnar table has as many rows in the catalog (and among the snapshot's faults) as in
    the database (logged when not)."""
    for cls in COLUMNAR:
        held = catalog.held(cls)
        if held is None:
            continue
        table = TABLES[cls].name
        n = held + len(snap.columns[cls].faults)
        stored = int(reader.read_one(f"SELECT count(*) FROM {table}")[0])
        if stored != n:
            log.warning(
                "the catalog snapshot and its changes give %d rows of %s, the database has %d: "
                "loading every row from the database",
                n,
                table,
                stored,
            )
            return False
    return True


def take(reader: Any, identity: str) -> Snapshot:
    """A snapshot of the database as ``reader`` sees it (read in one snapshot of the database)."""
    seq = changes.last_seq(reader)
    return Snapshot(seq, changes.mark(reader, seq) if seq else None, identity, read_columns(reader))


def open_catalog(reader: Any, path: Path | None, identity: str) -> tuple[Catalog, int, int | None]:
    """The catalog as ``reader`` sees the database: (catalog, change sequence reached, the sequence of the
    snapshot on disk now, or None). From the snapshot at ``path`` and the changes after it when it is
    usable; else every row from the database, and a new snapshot is written."""
    snap = read(path, identity) if path is not None else None
    if snap is not None and current(reader, snap):
        catalog = load_catalog(reader, snap.columns)
        seq = changes.catch_up(reader, catalog, snap.seq)
        if counts_match(reader, catalog, snap):
            log.info(
                "loaded the catalog from the snapshot %s at change %d (%s), and %d changes after it",
                path,
                snap.seq,
                _sizes(snap),
                seq - snap.seq,
            )
            return catalog, seq, snap.seq
    fresh = take(reader, identity)
    catalog = load_catalog(reader, fresh.columns)
    if path is None:
        return catalog, fresh.seq, None
    try:
        write(path, fresh)
    except OSError as exc:
        log.warning("could not write the catalog snapshot %s: %s", path, exc)
        return catalog, fresh.seq, None
    return catalog, fresh.seq, fresh.seq
