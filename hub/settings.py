"""Settings: every knob the hub has, with its environment variable and default, in one place.

``Settings.from_env()`` reads ``HUB_*`` variables; the CLI overrides them with its options.
The README's configuration table is checked against ``Settings.documented()`` by a test.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Settings:
    """Configuration of one hub process."""

    db: str = "hub.db"
    """The store (``HUB_DB``): a SQLite file path, created and loaded with the demo data on first start, or a
    ``postgresql://`` URL of a PostgreSQL + PostGIS database shared by several workers."""
    fixtures: Path | None = None
    """Folder of the demo data set to load into an empty store; default: the bundled Suiyang set (``HUB_FIXTURES``)."""
    load_demo: bool = True
    """Load the demo data into an empty store on start (``HUB_LOAD_DEMO``, 0 to start empty)."""
    host: str = "127.0.0.1"
    """Address to listen on (``HUB_HOST``)."""
    port: int = 8000
    """Port to listen on (``HUB_PORT``)."""
    workers: int = 1
    """Server processes (``HUB_WORKERS``); more than one needs a PostgreSQL store."""
    max_depth: int = 12
    """Deepest nesting a GraphQL query may have (``HUB_MAX_DEPTH``)."""
    max_aliases: int = 30
    """Most aliases a GraphQL query may use (``HUB_MAX_ALIASES``)."""
    max_tokens: int = 2000
    """Most lexical tokens in a GraphQL document (``HUB_MAX_TOKENS``)."""
    max_page: int = 1000
    """Largest ``first`` a connection accepts (``HUB_MAX_PAGE``); the default page is 100."""
    max_body_bytes: int = 2_000_000
    """Largest request body in bytes (``HUB_MAX_BODY_BYTES``)."""
    max_vertices: int = 10_000
    """Most vertices in one input geometry (``HUB_MAX_VERTICES``)."""
    query_timeout_s: float = 10.0
    """Longest a database read may run, in seconds (``HUB_QUERY_TIMEOUT_S``)."""
    request_timeout_s: float = 10.0
    """Longest a GraphQL operation may run, in seconds (``HUB_REQUEST_TIMEOUT_S``); past it the request ends
    with a clear error and its memory is freed."""
    max_cost_public: int = 10_000
    """Most objects (objects and list items) a request without a token may be estimated to return
    (``HUB_MAX_COST_PUBLIC``); checked before it runs, from page sizes and the real sizes of nested lists."""
    max_cost_staff: int = 100_000
    """The same for analysts' and officers' tokens (``HUB_MAX_COST_STAFF``)."""
    max_cost_admin: int = 200_000
    """The same for admins' tokens (``HUB_MAX_COST_ADMIN``)."""
    max_answer_mb_public: float = 8.0
    """Largest answer, in MB, a request without a token may be estimated to return, and may return: checked
    before it runs and again while the answer is built (``HUB_MAX_ANSWER_MB_PUBLIC``)."""
    max_answer_mb_staff: float = 64.0
    """The same for analysts' and officers' tokens (``HUB_MAX_ANSWER_MB_STAFF``)."""
    max_answer_mb_admin: float = 128.0
    """The same for admins' tokens (``HUB_MAX_ANSWER_MB_ADMIN``)."""
    sync: str = "full"
    """When an acknowledged write is on disk (``HUB_SYNC``): ``full``, before the answer (survives a power cut);
    ``normal``, within the OS's own write-back (survives the process being killed, not a power cut). SQLite only:
    on PostgreSQL every write waits for its commit to reach the disk (``synchronous_commit=on``)."""
    token_cache_s: float = 30.0
    """Longest a token check is remembered (``HUB_TOKEN_CACHE_S``). Any change to the tokens table, from any
    process, drops the remembered checks within a second, so a revoked token stops working then, for requests
    and for live subscriptions alike."""
    snapshot: str = "auto"
    """Where the snapshot of the catalog's large tables is kept (``HUB_SNAPSHOT``): ``auto``, beside a SQLite file
    (``hub.db.snapshot``) or, for PostgreSQL, in ``~/.cache/hub/``; a folder; or ``off`` (every start reads every
    row). A worker starts from it and the changes logged after it (``hub.store.snapshot``)."""
    categories: Path | None = None
    """JSON file of incident categories and deadlines; default: the built-in old-town table (``HUB_CATEGORIES``)."""
    max_subscriptions: int = 10
    """Most live subscriptions one websocket connection may hold (``HUB_MAX_SUBSCRIPTIONS``)."""
    graphiql: bool = True
    """Serve the GraphiQL page at GET /graphql (``HUB_GRAPHIQL``)."""
    public_url: str = ""
    """The address clients reach the hub at, e.g. ``https://hub.example.org`` (``HUB_PUBLIC_URL``): TileJSON's
    tile URLs start with it; unset, they are relative (``/tiles/…``)."""
    cors_origins: str = ""
    """Origins whose pages may call the hub, comma separated, or ``*`` (``HUB_CORS_ORIGINS``); unset: none but
    the hub's own pages."""
    rate_limits: str = ""
    """Requests per second and burst per role, ``role=rate/burst`` comma separated (``HUB_RATE_LIMITS``); roles
    not named keep the defaults ``public=10/60,analyst=30/120,officer=30/120,technician=30/120,inspector=30/120,``
    ``volunteer=30/120,admin=60/240``."""
    rate_exempt: str = "127.0.0.0/8,::1"
    """Addresses or networks never rate-limited, comma separated, or ``none`` (``HUB_RATE_EXEMPT``)."""

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        """Settings from ``HUB_*`` environment variables, defaults for the rest."""
        env = dict(os.environ if env is None else env)
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = env.get(f"HUB_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f.name, f.default, raw)
        return cls(**values)  # type: ignore[arg-type]

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with the given values replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    @classmethod
    def documented(cls) -> list[str]:
        """Names of every environment variable the hub reads."""
        return [f"HUB_{f.name.upper()}" for f in fields(cls)]


def _coerce(name: str, default: object, raw: str) -> object:
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"HUB_{name.upper()} must be 1/0/true/false, got {raw!r}")
    if isinstance(default, int | float):
        try:
            return type(default)(raw)
        except ValueError:
            kind = "a whole number" if isinstance(default, int) else "a number"
            raise ValueError(f"HUB_{name.upper()} must be {kind}, got {raw!r}") from None
    if name == "sync" and raw.lower() not in ("full", "normal"):
        raise ValueError(f"HUB_SYNC must be full or normal, got {raw!r}")
    if name in ("fixtures", "categories"):
        return Path(raw)
    if name == "public_url" and not raw.startswith(("http://", "https://")):
        raise ValueError(f"HUB_PUBLIC_URL must start with http:// or https://, got {raw!r}")
    return raw
