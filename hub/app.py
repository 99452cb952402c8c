"""The composition root: ``create_app(settings)`` builds the store, the schema and the routes.

Routes: ``/graphql`` (POST queries; GET serves GraphiQL), ``/healthz``, ``/tiles``, and ``/map``: a map page.
Both pages work offline: their files (GraphiQL's too) are served from the packaged ``hub/static`` at
``/static``. Two pure-ASGI middlewares sit in front: a request-size limit and bearer-token
authentication, which sets the viewer every resolver sees. Nothing is opened at import time; the
store opens in the app's lifespan.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import threading
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import anyio
import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UNSET, UnsetType

from hub.domain.access import ANONYMOUS, PUBLIC, Viewer
from hub.domain.features import log_views
from hub.domain.tiles import TileCache, tilejson
from hub.errors import AccessDenied, HubError
from hub.http import export, ogc
from hub.http import figures as figure_exports
from hub.schema import Context, build_schema
from hub.services import Hub
from hub.settings import Settings
from hub.store import Store

log = logging.getLogger("hub")

STATIC = Path(__file__).parent / "static"
SWITCH_INTERVAL_S = 0.0005


def _error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


async def _send_error(
    send: Send, status: int, message: str, code: str, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    body = _error_body(message, code)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 and a JSON message (declared or streamed)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                await _send_error(
                    send,
                    413,
                    f"request body is {int(value):,} bytes; the limit is {self.max_bytes:,}",
                    "LIMIT_EXCEEDED",
                )
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLarge:
            await _send_error(
                send, 413, f"request body is over the limit of {self.max_bytes:,} bytes", "LIMIT_EXCEEDED"
            )


class _TooLarge(Exception):
    pass


class BearerAuth:
    """Set ``scope['state']['viewer']`` from an ``Authorization: Bearer`` header; refuse unknown tokens (401).

    No header means the public viewer. Token look-ups are cached by the store; a miss runs in a worker
    thread so the event loop never waits on SQLite.
    """

    def __init__(self, app: ASGIApp, store: Store) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        viewer = ANONYMOUS
        header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        if header is not None:
            scheme, _, text = header.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not text.strip():
                await _send_error(
                    send,
                    401,
                    "Authorization must be 'Bearer <token>' (make one with `hub token create`)",
                    "UNAUTHENTICATED",
                    [(b"www-authenticate", b"Bearer")],
                )
                return
            known, token = self.store.cached_token(text.strip())
            if not known:  # a miss reads SQLite: off the event loop
                token = await anyio.to_thread.run_sync(self.store.token, text.strip())
            if token is None:
                await _send_error(
                    send,
                    401,
                    "the bearer token is unknown or revoked",
                    "UNAUTHENTICATED",
                    [(b"www-authenticate", b'Bearer error="invalid_token"')],
                )
                return
            viewer = Viewer(role=token.role, squad_code=token.squad_code, token_id=token.id, log=self.store.disclosures)
        scope.setdefault("state", {})["viewer"] = viewer
        await self.app(scope, receive, send)


class HubGraphQL(GraphQL[Context, None]):
    """strawberry's ASGI view with the hub's context, orjson encoding (pre-serialised geometry passes
    through), and bearer tokens for websockets taken from the connection_init payload."""

    def __init__(self, hub: Hub, **kwargs: Any) -> None:
        settings = hub.settings
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
        viewer = request.scope.get("state", {}).get("viewer", ANONYMOUS)
        return Context(hub=self.hub, viewer=viewer)

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        """Accept ``{"authorization": "Bearer <token>"}`` (or ``{"token": …}``) in connection_init."""
        params = context.connection_params or {}
        raw = params.get("authorization") or params.get("Authorization") or params.get("token")
        if raw is None:
            return UNSET
        text = str(raw).removeprefix("Bearer ").removeprefix("bearer ").strip()
        token = await anyio.to_thread.run_sync(self.store.token, text)
        if token is None:
            raise ConnectionRejectionError({"message": "the bearer token is unknown or revoked"})
        context.viewer = Viewer(
            role=token.role, squad_code=token.squad_code, token_id=token.id, log=self.store.disclosures
        )
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as exc:  # malformed body, no query, wrong method: answer in GraphQL's shape
            response = Response(
                _error_body(exc.reason, "BAD_REQUEST"),
                status_code=exc.status_code,
                media_type="application/json",
            )
        await response(scope, receive, send)


def _error_response(exc: HubError, status: int) -> Response:
    return Response(_error_body(str(exc), exc.code), status_code=status, media_type="application/json")


def _warm(store: Store) -> None:
    for layer in store.data.layers().values():
        if layer.tiling:
            layer.generalized  # noqa: B018 (built on first use)


def store_for(settings: Settings) -> Store:
    """The store these settings describe (not opened yet)."""
    return Store(
        settings.db,
        query_timeout_s=settings.query_timeout_s,
        synchronous=settings.sync,
        token_cache_s=settings.token_cache_s,
    )


def create_app(settings: Settings | None = None, store: Store | None = None) -> ASGIApp:
    """The hub's ASGI application. The store opens (and loads the demo data if empty) at startup."""
    settings = settings or Settings.from_env()
    store = store or store_for(settings)
    hub = Hub.from_settings(settings, store)
    graphql = HubGraphQL(hub)

    tiles = TileCache()

    def viewer_of(request: Request) -> Viewer:
        return request.scope.get("state", {}).get("viewer", ANONYMOUS)

    async def tile(request: Request) -> Response:
        p = request.path_params
        crs = (request.query_params.get("crs") or "WGS84").upper().replace("-", "")
        viewer = viewer_of(request)
        try:
            wanted = request.query_params.get("properties")
            props = [n for n in wanted.split(",") if n] if wanted is not None else None
            key = tiles.key(store.data, viewer, p["layer"], p["z"], p["x"], p["y"], crs, props)
        except HubError as exc:
            return _error_response(exc, 403 if isinstance(exc, AccessDenied) else 400)
        found = tiles.cached(key)
        if found is None:
            found = await anyio.to_thread.run_sync(tiles.build, store.data, viewer, key)
        log_views(viewer, found.disclosed)
        scope = "public" if viewer.role == PUBLIC else "private"
        headers = {"ETag": found.etag, "Cache-Control": f"{scope}, max-age=60", "Vary": "Authorization"}
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers=headers)
        if found.empty:
            return Response(status_code=204, headers=headers)
        return Response(found.data, media_type="application/vnd.mapbox-vector-tile", headers=headers)

    async def tile_json(request: Request) -> Response:
        crs = (request.query_params.get("crs") or "WGS84").upper().replace("-", "")
        try:
            body = tilejson(request.path_params["layer"], str(request.base_url).rstrip("/"), crs)
        except HubError as exc:
            return _error_response(exc, 404)
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})

    async def healthz(request: Request) -> Response:
        data = store.data
        return JSONResponse(
            {
                "status": "ok",
                "schemaVersion": store.db.schema_version,
                "compounds": len(data.compounds),
                "sectors": len(data.sectors),
            }
        )

    async def map_page(request: Request) -> Response:
        return FileResponse(STATIC / "map.html")

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # heavy operations run in worker threads (hub.schema.admission): hand the GIL back to the event loop
        # every SWITCH_INTERVAL_S instead of Python's default 5 ms, so small requests wait less behind them
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        if store.catalog is None:
            await anyio.to_thread.run_sync(lambda: store.open(fixtures=settings.fixtures, load_demo=settings.load_demo))
        log.info("hub ready: %s (%d compounds)", settings.db, len(store.data.compounds))
        # coverage generalisation of the tilings takes ~0.1 s for the grids: build it now, not in a request
        threading.Thread(target=_warm, args=(store,), name="hub-warm", daemon=True).start()
        try:
            yield
        finally:
            store.close()

    figure_exports.register(export.FIGURES)  # the analysts' grouped figures as CSV at /export/figures/
    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/tiles/{layer}.json", tile_json),
            Route("/tiles/{layer}/{z:int}/{x:int}/{y:int}.mvt", tile),
            Route("/map", map_page),
            *ogc.routes(),
            *export.routes(),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    app.state.store = store
    app.state.settings = settings
    return BodyLimit(BearerAuth(app, store), settings.max_body_bytes)
