"""Keeping records current from files: ``hub import PATH [--dry-run]``, all or nothing.

The use-case reads a file (or a folder of them: ``hub.store.sources``), checks every row against the
store's contract and the records stored now (``hub.store.checks``), and, unless asked for a dry run
or refused, upserts the rows that are new or changed by their stable codes in one transaction, with
an audit row (``hub.store.importer``). The check runs again inside the write transaction, after the
catalog has caught up with every committed write, so what was checked is what is written. After the
commit every surface (GraphQL, tiles, OGC API, exports) serves the new records: the catalog is read
again and merged, in this process and, through the store, in every other (``hub.store.resync``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hub.domain.access import Viewer
from hub.domain.guards import require_admin
from hub.services.hub import Hub
from hub.store.checks import OVERLAP_TOLERANCE_M2, Batch, Checked, Problem, Progress, check
from hub.store.importer import audit, upsert
from hub.store.sources import read_path


@dataclass(frozen=True, slots=True)
class ImportRecords:
    """What to import, and how."""

    path: Path
    kind: str | None = None
    """The kind of record of a single file whose name does not say it (``compounds``, ``fee_years``…)."""
    crs: str | None = None
    """The coordinate system of the geometry, when the file does not say it or says it wrongly (GCJ02, EPSG:4548)."""
    dry_run: bool = False
    """Check and report; write nothing."""
    tolerance_m2: float = OVERLAP_TOLERANCE_M2


@dataclass
class ImportResult:
    """What an import found and did: per kind the rows new, changed and unchanged; every problem; notes."""

    source: str
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    written: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return sum(sum(t.values()) for t in self.counts.values())

    def changes(self) -> dict[str, dict[str, int]]:
        """Per kind, the rows that are new or changed (what was, or would be, written)."""
        return {k: {s: n for s, n in t.items() if s in ("new", "changed") and n} for k, t in self.counts.items()}


def _result(source: str, checked: Checked, *, written: bool, dry_run: bool) -> ImportResult:
    return ImportResult(source, checked.counts(), checked.problems, checked.ignored, written=written, dry_run=dry_run)


def import_records(
    hub: Hub, viewer: Viewer, command: ImportRecords, *, progress: Progress | None = None
) -> ImportResult:
    """Check a file's rows and, if every one is sound and this is not a dry run, write them (blocking)."""
    require_admin(viewer, "import records")
    batch = read_path(command.path, kind=command.kind, crs=command.crs)
    return import_batch(hub, viewer, batch, command, progress=progress)


def import_batch(
    hub: Hub, viewer: Viewer, batch: Batch, command: ImportRecords, *, progress: Progress | None = None
) -> ImportResult:
    """The second half of :func:`import_records`, for rows already read."""
    require_admin(viewer, "import records")
    source = command.path.name
    if command.dry_run:
        checked = check(batch, hub.data, tolerance_m2=command.tolerance_m2, progress=progress)
        return _result(source, checked, written=False, dry_run=True)

    def write(conn: Any) -> tuple[ImportResult, bool]:
        checked = check(batch, hub.data, tolerance_m2=command.tolerance_m2, progress=progress)
        if not checked.ok:
            return _result(source, checked, written=False, dry_run=False), False
        written = upsert(conn, checked, progress)
        if not written:
            return _result(source, checked, written=False, dry_run=False), False
        audit(conn, viewer.actor, str(command.path), written)
        return _result(source, checked, written=True, dry_run=False), True

    result: ImportResult = hub.store.bulk(write)
    return result
