"""Write checked rows into the store, all or nothing; and ``hub init``'s load of a whole data set.

:func:`upsert` writes the rows a :class:`~hub.store.checks.Checked` found new or changed, inside the
caller's write transaction, by their keys (``INSERT … ON CONFLICT (key) DO UPDATE``, in either store's
dialect), parents before children; geometry is measured on the ellipsoid and serialised once here.
:func:`import_dataset` reads a data set in the demo layout (``fixtures/README.md``), checks it exactly
as ``hub import`` checks a file (``hub.store.checks``), and loads it into an empty store in one
transaction; a rejected row stops it, and every rejected row is listed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson

from hub.errors import InputError
from hub.geo.sectors import sector
from hub.store import contract as c
from hub.store.catalog import Catalog
from hub.store.checks import SAME, Batch, Checked, Problem, Progress, Row, check
from hub.store.dialect import SQLITE, Dialect
from hub.store.migrations import DERIVED_PERIODS
from hub.store.sources import read_file
from hub.store.tables import SPATIAL_COLUMNS, spatial_values
from hub.store.unit_of_work import stamp

if TYPE_CHECKING:
    from hub.store.base import Database

DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "suiyang"
CHUNK = 10_000
SHOWN = 50
"""Rejected rows listed in an error message (a report lists them all)."""
DEMO_FILES = (
    "subdistricts.geojson",
    "communities.geojson",
    "grids.geojson",
    "townships.geojson",
    "villages.geojson",
    "property_companies.json",
    "compounds.geojson",
    "meetings.json",
    "management_history.json",
    "fee_collection.json",
    "problems.geojson",
    "occupations.geojson",
    "public_rooms.geojson",
    "merchants.geojson",
    "township_duty.json",
    "guidance.json",
    "guidance_visits.geojson",
    "safety.json",
    "premises.geojson",
    "inspections.geojson",
    "hazards.geojson",
    "microservices.json",
    "service_requests.geojson",
)
OPTIONAL = frozenset(
    {
        "management_history.json",
        "fee_collection.json",
        "townships.geojson",
        "villages.geojson",
        "township_duty.json",
        "guidance.json",
        "guidance_visits.geojson",
        "safety.json",
        "premises.geojson",
        "inspections.geojson",
        "hazards.geojson",
        "microservices.json",
        "service_requests.geojson",
    }
)
"""Files a district's own data set may leave out (its history, its rural side): nothing of them is loaded."""


@dataclass
class ImportReport:
    """What an import did: rows per table, and every rejected row with its reason."""

    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[Problem] = field(default_factory=list)


def refusal(problems: list[Problem], what: str) -> InputError:
    """The error that refuses an import, listing its first rejected rows."""
    listed = "\n- ".join(str(p) for p in problems[:SHOWN])
    more = f"\n… and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
    rows = len({(p.source, p.row) for p in problems})
    return InputError(f"{what} has {rows} rejected rows; nothing was imported:\n- {listed}{more}")


def insert_rows(conn: Any, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Insert rows into a table, in either store's dialect (geometry given as WKB)."""
    if not rows:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    marks = getattr(conn, "dialect", SQLITE).marks(columns)
    conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)


@cache
def _upsert_sql(dialect: Dialect, table: str, columns: tuple[str, ...], key: tuple[str, ...]) -> str:
    """``INSERT … ON CONFLICT (key) DO UPDATE`` for these columns.

    >>> print(_upsert_sql(SQLITE, "fee_years", ("compound_id", "year", "rate"), ("compound_id", "year")))
    INSERT INTO fee_years ("compound_id", "year", "rate") VALUES (?, ?, ?) \
ON CONFLICT ("compound_id", "year") DO UPDATE SET "rate" = excluded."rate"
    """
    cols = ", ".join(f'"{c}"' for c in columns)
    rest = ", ".join(f'"{c}" = excluded."{c}"' for c in columns if c not in key)
    keys = ", ".join(f'"{k}"' for k in key)
    action = f"UPDATE SET {rest}" if rest else "NOTHING"
    return f"INSERT INTO {table} ({cols}) VALUES ({dialect.marks(columns)}) ON CONFLICT ({keys}) DO {action}"


def _column(value: Any) -> Any:
    """A checked value as its column holds it: dates as ISO text, flags as integers, lists and objects as JSON."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list | dict):
        return orjson.dumps(value).decode()
    return value


def upsert(conn: Any, checked: Checked, progress: Progress | None = None) -> dict[str, int]:
    """Write every new or changed row of ``checked`` (inside the caller's transaction); rows written per kind."""
    dialect = getattr(conn, "dialect", SQLITE)
    written: dict[str, int] = {}
    total = sum(1 for rows in checked.staged.values() for s in rows if s.state != SAME)
    done = 0
    for name in c.ORDER:
        rows = [s for s in checked.staged.get(name, ()) if s.state != SAME]
        if not rows:
            continue
        kind = c.KINDS[name]
        columns = tuple(f.name for f in kind.fields)
        if kind.geometry:
            columns += SPATIAL_COLUMNS
        sql = _upsert_sql(dialect, name, columns, kind.key)
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            values = [tuple(_column(s.values[f.name]) for f in kind.fields) for s in chunk]
            if kind.geometry:
                spatial = spatial_values([s.geometry for s in chunk], measure=kind.measured)
                values = [(*v, *g) for v, g in zip(values, spatial, strict=True)]
            conn.executemany(sql, values)
            done += len(chunk)
            if progress is not None:
                progress("write", done, total)
        written[name] = len(rows)
    if hasattr(conn, "sync_identities"):  # PostgreSQL: keys given by the file move the identities on
        conn.sync_identities()
    return written


def audit(conn: Any, actor: str, source: str, counts: dict[str, Any]) -> None:
    """The import's row in the audit log (what ``hub import`` and ``hub init`` wrote, by whom, from where)."""
    conn.execute(
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES (?, ?, 'import', 'dataset', ?, ?)",
        (stamp(), actor, source, orjson.dumps({"source": source, "counts": counts}).decode()),
    )


# -- hub init: a whole data set in the demo layout --------------------------------------------------


def _old_town(folder: Path, batch: Batch) -> tuple[Any, ...]:
    """The old town's frame (old_town.json): squads, shifts, officers and sectors as rows; the centre's row."""
    path = folder / "old_town.json"
    try:
        town = orjson.loads(path.read_bytes())
        centre = town["centre"]
        frame = (1, float(centre["lon"]), float(centre["lat"]), str(centre.get("name", "")), float(town["radius_m"]))
        for member in ("squads", "shifts", "officers", "sectors"):
            if not isinstance(town[member], list):
                raise TypeError(f"{member} is not a list")
    except FileNotFoundError as exc:
        raise InputError(f"{path}: file not found") from exc
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{path.name}: not an old town frame ({exc})") from exc
    for member in ("squads", "shifts", "officers"):
        for i, record in enumerate(town[member]):
            batch.add(member, Row(path.name, i + 1, dict(record), prefix=f"{member}."))
    for i, s in enumerate(town["sectors"]):
        try:
            geom = sector(frame[1], frame[2], frame[4], float(s["start_bearing"]), float(s["end_bearing"]))
        except (KeyError, TypeError, ValueError):
            geom = None
        batch.add("sectors", Row(path.name, i + 1, dict(s), geom, prefix="sectors."))
    return frame


def read_dataset(folder: Path) -> tuple[Batch, tuple[Any, ...]]:
    """Every file of a data set in the demo layout, as rows; and the old town's frame."""
    if not folder.is_dir():
        raise InputError(f"data set folder {folder} does not exist")
    batch = Batch()
    for name in DEMO_FILES:
        path = folder / name
        if not path.exists():
            if name in OPTIONAL:
                continue
            raise InputError(f"{path}: file not found")
        read_file(path, batch, any_kind=True)
    return batch, _old_town(folder, batch)


def import_dataset(
    db: Database, folder: Path | None = None, *, actor: str = "hub init", progress: Progress | None = None
) -> ImportReport:
    """Check and load a whole data set into an empty store in one transaction; raise InputError listing rejects."""
    folder = folder or DEFAULT_FIXTURES
    batch, town = read_dataset(folder)
    checked = check(batch, Catalog(), progress=progress)
    if not checked.ok:
        raise refusal(checked.problems, f"the data set in {folder}")
    report = ImportReport()

    def load(conn: Any) -> None:
        if conn.execute("SELECT count(*) FROM compounds").fetchone()[0]:
            raise InputError("the store already holds data; import into an empty store")
        insert_rows(conn, "old_town", ("id", "centre_lon", "centre_lat", "centre_name", "radius_m"), [town])
        report.counts.update(upsert(conn, checked, progress))
        if "management_periods" not in batch.rows:  # a data set without a history: the periods its compounds imply
            for statement in DERIVED_PERIODS.split(";"):
                if statement.strip():
                    conn.execute(statement)
            report.counts["management_periods"] = conn.execute("SELECT count(*) FROM management_periods").fetchone()[0]
        audit(conn, actor, str(folder), report.counts)

    db.write(load)
    return report


def staged_geometries(checked: Checked, name: str) -> np.ndarray:
    """The geometries of a kind's staged rows (tests and benchmarks)."""
    return np.asarray([s.geometry for s in checked.staged.get(name, ())], dtype=object)


Writer = Callable[[Any], Any]
