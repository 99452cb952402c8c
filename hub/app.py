"""The composition root: ``create_app(settings)`` builds the store, the schema and the routes.

Routes: ``/graphql`` (POST queries; GET serves GraphiQL; websockets for subscriptions), ``/healthz``,
``/tiles``, ``/metrics``, and ``/map``: a map page. Both pages work offline: their files (GraphiQL's
too) are served from the packaged ``hub/static`` at ``/static``. Pure-ASGI middlewares from
``hub.http`` sit in front (metrics, CORS, rate limits, the body cap, bearer tokens, compression);
bearer-token authentication sets the viewer every resolver sees. Nothing is opened at import time;
the store opens in the app's lifespan.
"""

from __future__ import annotations

import contextlib
import gc
import inspect
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import orjson
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from hub.domain.access import ANONYMOUS
from hub.domain.tiles import TileCache
from hub.http import bulletins, export, ogc
from hub.http import figures as figure_exports
from hub.http.answers import REFUSED, http_exception
from hub.http.auth import VIEWER, BearerAuth
from hub.http.compression import Compression
from hub.http.cors import Cors, parse_origins
from hub.http.graphql import GraphQLOverHTTP, TextFrames
from hub.http.limits import BodyLimit
from hub.http.metrics import Metrics, MetricsMiddleware
from hub.http.metrics import route as metrics_route
from hub.http.ratelimit import RateLimit, parse_exempt, parse_limits
from hub.http.tiles import routes as tile_routes
from hub.schema import Context, build_schema
from hub.services import Hub, tokens
from hub.settings import Settings
from hub.store import Store
from hub.store.base import redact
from hub.store.migrations import SCHEMA_VERSION

log = logging.getLogger("hub")

STATIC = Path(__file__).parent / "static"
SWITCH_INTERVAL_S = 0.0005


class HubGraphQL(GraphQLOverHTTP, GraphQL[Context, None]):
    """strawberry's ASGI view with the hub's context, orjson encoding (pre-serialised geometry passes
    through), GraphQL over HTTP's answers and text frames (``hub.http.graphql``), and bearer tokens
    for websockets taken from the connection_init payload."""

    websocket_adapter_class = TextFrames

    def __init__(self, hub: Hub, **kwargs: Any) -> None:
        settings = hub.settings
        if "allowed_origins" in inspect.signature(GraphQL.__init__).parameters:
            kwargs.setdefault("allowed_origins", ("*",))  # websocket origins are checked by hub.http.cors
        super().__init__(
            build_schema(settings),
            graphql_ide="graphiql" if settings.graphiql else None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=settings.max_subscriptions,
            **kwargs,
        )
        self.hub = hub
        self.store = hub.store

    async def get_context(self, request: Request | WebSocket, response: Response | WebSocket | None = None) -> Context:
        state = request.scope.get("state", {})
        return Context(hub=self.hub, viewer=state.get(VIEWER, ANONYMOUS), count_refusal=state.get(REFUSED))

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Accept ``{"authorization": "Bearer <token>"}`` (or ``{"token": …}``) in connection_init."""
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization") or params.get("token")
        if raw is None:
            return UNSET
        text = str(raw).removeprefix("Bearer ").removeprefix("bearer ").strip()
        token = await anyio.to_thread.run_sync(tokens.check, self.hub, text)
        if token is None:
            raise ConnectionRejectionError({"message": "the bearer token is unknown or revoked"})
        context.viewer = tokens.viewer(self.hub, token)
        return UNSET

    @property
    def graphql_ide_html(self) -> str:
        """strawberry's GraphiQL page, loading its scripts from the hub instead of unpkg.com (same files,
        same integrity hashes; see ``hub/static/vendor/unpkg/VENDORED.md``)."""
        return super().graphql_ide_html.replace("https://unpkg.com/", "/static/vendor/unpkg/")

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)


def _warm(store: Store) -> None:
    """Build what is otherwise built on first use: the spatial trees (and, for layers loaded as columns, their
    geometries and records), then the tilings' generalisations; ``store.warmed`` is set when done.

    Then freeze the heap: the loaded catalog is millions of long-lived objects, and every full
    (generation 2) collection would walk them all with the GIL held, stalling every request for
    90-440 ms on the demo set under bench_abuse's attack (healthz p99 89.6 ms; 13.2 ms frozen).
    Frozen objects are still freed when their last reference goes (a record replaced by a write);
    only garbage in reference cycles among them stays until the process ends. Objects made later
    (writes, caches, a catalog reloaded after ``hub import``) are collected as usual.
    """
    try:
        for layer in store.data.layers().values():
            layer.warm()
        for layer in store.data.layers().values():
            if layer.tiling:
                layer.generalized  # noqa: B018 (built on first use)
    except RuntimeError:  # the store closed while warming (a test's short-lived app)
        return
    gc.freeze()
    store.warmed.set()


def app_from_env() -> ASGIApp:
    """The app for each of ``hub serve --workers N``'s processes (settings from ``HUB_*``)."""
    return create_app(Settings.from_env())


def store_for(settings: Settings) -> Store:
    """The store these settings describe (not opened yet)."""
    return Store(
        settings.db,
        query_timeout_s=settings.query_timeout_s,
        synchronous=settings.sync,
        token_cache_s=settings.token_cache_s,
        snapshots=settings.snapshot,
    )


def create_app(settings: Settings | None = None, store: Store | None = None) -> ASGIApp:
    """The hub's ASGI application. The store opens (and loads the demo data if empty) at startup.

    Raises ValueError, naming the variable, for a malformed HTTP setting (origins, rate limits).
    """
    settings = settings or Settings.from_env()
    store = store or store_for(settings)
    origins = parse_origins(settings.cors_origins)
    limits, exempt = parse_limits(settings.rate_limits), parse_exempt(settings.rate_exempt)
    hub = Hub.from_settings(settings, store)
    graphql = HubGraphQL(hub)
    tiles = TileCache()
    metrics = Metrics()
    metrics.watch_cache("tiles", tiles)
    metrics.watch_layers(lambda: {name: layer.version for name, layer in store.data.layers().items()})
    metrics.watch_subscriptions(lambda: len(hub.events))

    async def healthz(request: Request) -> Response:
        data = store.data
        body: dict[str, Any] = {
            "status": "ok",
            "schemaVersion": SCHEMA_VERSION,  # the store was migrated to it on open; no query on the event loop
            "compounds": len(data.compounds),
            "sectors": len(data.sectors),
            "worker": os.getpid(),
            "warm": store.warmed.is_set(),  # everything built that would otherwise be built on first use
        }
        if data.faults:  # stored rows that break the store's contract, left out (hub.store.faults)
            body["storeFaults"] = len(data.faults)
        if store.feed is not None:  # PostgreSQL: how far this worker has applied the change feed
            body["changeSeq"] = store.feed.seq
            body["following"] = store.feed.connected.is_set()
        return JSONResponse(body)

    async def map_page(request: Request) -> Response:
        return FileResponse(STATIC / "map.html")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # heavy operations run in worker threads (hub.schema.admission): hand the GIL back to the event loop
        # every SWITCH_INTERVAL_S instead of Python's default 5 ms, so small requests wait less behind them
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        if store.catalog is None:
            await anyio.to_thread.run_sync(lambda: store.open(fixtures=settings.fixtures, load_demo=settings.load_demo))
        log.info("hub ready: %s (%d compounds)", redact(settings.db), len(store.data.compounds))
        # the spatial trees (0.5 s for a million features) and the coverage generalisation of the tilings
        # (~0.1 s for the grids) are built on first use: build them now, not in a request
        threading.Thread(target=_warm, args=(store,), name="hub-warm", daemon=True).start()
        try:
            yield
        finally:
            store.close()

    figure_exports.register(export.FIGURES)  # the analysts' grouped figures as CSV at /export/figures/
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST", "OPTIONS"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            *tile_routes(hub, tiles),
            Route("/map", map_page),
            *ogc.routes(),
            *bulletins.routes(),
            *export.routes(),
            metrics_route(metrics),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={HTTPException: http_exception},
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.store = store
    app.state.settings = settings
    app.state.metrics = metrics
    # outermost first: count everything, let allowed origins read even refusals, limit rates before
    # reading bodies, cap bodies, then know the viewer; compress what the app answers
    inner = BearerAuth(BodyLimit(Compression(app), settings.max_body_bytes), hub)
    return MetricsMiddleware(Cors(RateLimit(inner, hub, limits, exempt), origins), metrics)
