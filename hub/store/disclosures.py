"""The disclosure log: who was served whose personal data unmasked, and when (PIPL: log who saw it).

Views are reported as they happen (:meth:`DisclosureLog.saw` appends to a buffer, so a read stays a
read); a thread writes what has gathered every second, one row per actor, role and kind with the
subjects seen and how many times, in one transaction through the store's single writer. A crash
loses at most the last second of views. Rows are kept; they name tokens and record keys, never the
names or numbers themselves.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from hub.store.base import Database
from hub.store.sqlite import where

log = logging.getLogger("hub.store")

FLUSH_INTERVAL_S = 1.0
MAX_PENDING = 1_000_000
"""Views kept in memory while the file cannot be written (a full disk): about 100 MB at most."""


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One actor's unmasked views of one kind of data within a second or so."""

    first_at: datetime
    last_at: datetime
    actor: str
    role: str
    kind: str
    subjects: tuple[str, ...]
    """Keys of whose data it was (officer ids, grid codes, compound ids, patrol ids), sorted."""
    views: int
    """How many values were served (a subject shown twice counts twice)."""


class DisclosureLog:
    """Gathers unmasked views and writes them to the ``disclosures`` table every ``interval_s``."""

    def __init__(self, db: Database, interval_s: float = FLUSH_INTERVAL_S) -> None:
        self.db = db
        self.interval_s = interval_s
        self._pending: deque[tuple[float, str, str, str, Any]] = deque()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-disclosures", daemon=True)
        self._thread.start()

    def saw(self, actor: str, role: str, kind: str, subject: Any) -> None:
        """Report one value served unmasked (thread-safe, no I/O)."""
        self._pending.append((time.time(), actor, role, kind, subject))

    def flush(self) -> int:
        """Write what has gathered now; returns how many rows were written."""
        taken = []
        while self._pending:
            taken.append(self._pending.popleft())
        if not taken:
            return 0
        groups: dict[tuple[str, str, str], list[Any]] = {}
        for at, actor, role, kind, subject in taken:
            g = groups.setdefault((actor, role, kind), [at, at, set(), 0])
            g[0], g[1] = min(g[0], at), max(g[1], at)
            g[2].add(str(subject))
            g[3] += 1
        rows = [
            (_stamp(first), _stamp(last), actor, role, kind, orjson.dumps(sorted(subjects)).decode(), views)
            for (actor, role, kind), (first, last, subjects, views) in groups.items()
        ]
        try:
            self.db.write(
                lambda conn: conn.executemany(
                    "INSERT INTO disclosures (first_at, last_at, actor, role, kind, subjects, views) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                ),
                exclusive=False,  # no other writer's data is read: no need to wait for the write lock
            )
        except Exception:
            self._keep(taken)  # for the next try; the caller says what went wrong
            raise
        return len(rows)

    def _keep(self, views: list[tuple[float, str, str, str, Any]]) -> None:
        """Put views that could not be written back in front of the newer ones, at most ``MAX_PENDING`` in all
        (the oldest go first, with a line in the log saying how many)."""
        self._pending.extendleft(reversed(views))
        extra = len(self._pending) - MAX_PENDING
        if extra > 0:
            for _ in range(extra):
                self._pending.popleft()
            log.error("the disclosure log could not be written; %d of the oldest views were dropped", extra)

    def close(self) -> None:
        """Stop the thread and write what is left."""
        self._stop.set()
        self._thread.join()
        self.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self.flush()
            except Exception:  # a full disk or a closed store: say so, keep the views for the next try
                log.exception("could not write the disclosure log")


def _stamp(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).isoformat(timespec="milliseconds")


def find_disclosures(
    db: Database,
    *,
    kind: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
) -> list[Disclosure]:
    """Logged views, newest first: of one kind, by one actor, of one subject, last seen in [since, until)."""
    clause, params = where(
        ("kind = ?", kind),
        ("actor = ?", actor),
        (db.dialect.json_array_has.format(column="subjects"), subject),
        ("last_at >= ?", None if since is None else _stamp(since.timestamp())),
        ("last_at < ?", None if until is None else _stamp(until.timestamp())),
    )
    rows = db.read(f"SELECT * FROM disclosures{clause} ORDER BY last_at DESC, id DESC LIMIT ?", (*params, limit))
    return [
        Disclosure(
            datetime.fromisoformat(r["first_at"]),
            datetime.fromisoformat(r["last_at"]),
            r["actor"],
            r["role"],
            r["kind"],
            tuple(orjson.loads(r["subjects"])),
            r["views"],
        )
        for r in rows
    ]
