"""Bearer tokens: made by ``hub token create``, stored only as a SHA-256 hash.

A token reads ``hub_<id>_<secret>``; the id is public (it names the token in lists and the audit
log), the secret is 32 random bytes. Only the hash of the whole token is kept, so a copy of the
database does not leak usable tokens. SHA-256 (not a slow password hash) is right here because the
secret is random and long, not a human-chosen password.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import threading
from collections.abc import Callable
from typing import Any

import orjson

from hub.errors import NotFound
from hub.store.base import Database
from hub.store.records import Token
from hub.store.unit_of_work import stamp

log = logging.getLogger("hub.store")

WATCH_INTERVAL_S = 0.25
"""How often :class:`RevocationWatch` looks: a revoked token stops working within about this."""
TOKEN_RE = re.compile(r"^hub_([0-9a-f]{8})_[A-Za-z0-9_-]{43}$")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    db: Database,
    role: str,
    *,
    squad_code: str | None = None,
    label: str = "",
    group_code: str | None = None,
    unit_code: str | None = None,
) -> tuple[Token, str]:
    """Store a new token (who may hold which is checked by ``hub.services.tokens``); returns the record and the
    token text (shown once, never stored)."""
    token_id = secrets.token_hex(4)
    text = f"hub_{token_id}_{secrets.token_urlsafe(32)}"
    created = stamp()

    def insert(conn: Any) -> None:
        conn.execute(
            "INSERT INTO tokens (id, hash, role, squad_code, label, created_at, group_code, unit_code) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (token_id, token_hash(text), role, squad_code, label, created, group_code, unit_code),
        )
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, detail) VALUES (?, 'cli', 'create', "
            "'token', ?, ?)",
            (
                created,
                token_id,
                orjson.dumps(
                    {"role": role, "squad": squad_code or "", "group": group_code or "", "unit": unit_code or ""}
                ).decode(),
            ),
        )

    db.write(insert)
    return Token(token_id, role, squad_code, label, created, group_code=group_code, unit_code=unit_code), text


def find_token(db: Database, text: str) -> Token | None:
    """The live token with this text, or None when it is unknown, revoked or malformed."""
    if not TOKEN_RE.match(text):
        return None
    row = db.read_one("SELECT * FROM tokens WHERE hash = ? AND revoked = 0", (token_hash(text),))
    if row is None:
        return None
    return _token(row)


def revoke_token(db: Database, token_id: str) -> None:
    def revoke(conn: Any) -> None:
        cur = conn.execute("UPDATE tokens SET revoked = 1 WHERE id = ?", (token_id,))
        if cur.rowcount == 0:
            raise NotFound(f"no token with id {token_id!r}", field="id")
        conn.execute(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id) VALUES (?, 'cli', 'revoke', 'token', ?)",
            (stamp(), token_id),
        )

    db.write(revoke)


def list_tokens(db: Database) -> list[Token]:
    return [_token(r) for r in db.read("SELECT * FROM tokens ORDER BY created_at, id")]


class RevocationWatch:
    """Notices within ``interval_s`` that the tokens table changed, whoever changed it (``hub token
    revoke`` runs in another process), and calls ``changed`` so remembered token checks are dropped.

    On SQLite each look is one ``PRAGMA data_version`` on the thread's own read connection: a number
    SQLite changes whenever another connection commits, read from memory shared with the writers. Only
    when it moved is the tokens table read (how many tokens, how many revoked), so the hub's other
    writes cost one small query each and requests cost nothing. PostgreSQL has no such number: there
    the tokens table is read at every look (one small query on the pool, for a table of a few rows).

    On SQLite the same look serves the catalog: when the number moved, ``moved`` is called (the store
    then checks whether another process wrote, a ``hub import`` run beside the server, and reads the
    catalog again if so).
    """

    def __init__(
        self,
        db: Database,
        changed: Callable[[], None],
        moved: Callable[[], None] | None = None,
        interval_s: float = WATCH_INTERVAL_S,
    ) -> None:
        self.db = db
        self.changed = changed
        self.moved = moved
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hub-token-watch", daemon=True)
        self._tokens: tuple[object, ...] = ()

    def start(self) -> RevocationWatch:
        """Take the tokens table as it is now, then watch it (a change before the first look counts)."""
        self._tokens = self._look()
        self._thread.start()
        return self

    def _look(self) -> tuple[object, ...]:
        row = self.db.read_one("SELECT count(*), coalesce(sum(revoked), 0) FROM tokens")
        return tuple(row) if row is not None else ()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        version: object = None
        sqlite = self.db.dialect.name == "sqlite"
        while not self._stop.wait(self.interval_s):
            try:
                if sqlite:
                    now = self.db.read_one("PRAGMA data_version")
                    if now is None or now[0] == version:
                        continue
                    version = now[0]
                    if self.moved is not None:
                        try:
                            self.moved()
                        except Exception:  # the catalog stays as it was; the tokens are still looked at
                            log.exception("could not bring the catalog up to another process's writes")
                seen = self._look()
                if seen != self._tokens:
                    self._tokens = seen
                    self.changed()
            except Exception:  # a busy or closing database: look again next time
                log.exception("could not check the tokens table for revocations")


def _token(row: Any) -> Token:
    revoked = bool(row["revoked"])
    return Token(
        row["id"],
        row["role"],
        row["squad_code"],
        row["label"],
        row["created_at"],
        revoked,
        row["group_code"],
        row["unit_code"],
    )
