"""Vector tiles and TileJSON over HTTP.

``GET /tiles/{layer}/{z}/{x}/{y}.mvt`` answers from the tile cache (``hub.domain.tiles``), built in
a worker thread on a miss. A tile is compressed once per content coding the clients ask for
(``br``, ``gzip``) and the compressed bytes are kept beside it in the cache, each with its own ETag
(``"<hash>-gzip"``), so a busy map is served compressed without compressing again. Answers say
``Vary: Accept-Encoding, Authorization``. ``If-None-Match`` is compared weakly (RFC 9110 §13.1.2)
and a validator of the tile in any coding revalidates it: the tile it names is still current.

``GET /tiles/{layer}.json`` is TileJSON 3.0 whose tile URLs start with ``HUB_PUBLIC_URL`` (relative,
``/tiles/…``, when it is unset), never with the request's ``Host``, so a shared cache may keep it.
"""

from __future__ import annotations

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.domain.access import ANONYMOUS, PUBLIC, Viewer
from hub.domain.features import log_views
from hub.domain.tiles import Tile, TileCache, tilejson
from hub.errors import AccessDenied, HubError, NotFound
from hub.http.answers import refusal
from hub.http.auth import VIEWER
from hub.http.compression import CODINGS, MINIMUM_SIZE, choose, compress
from hub.services import Hub

MVT = "application/vnd.mapbox-vector-tile"
INLINE_SIZE = 32 * 1024
"""Tiles smaller than this are compressed on the event loop (well under a millisecond); larger in a thread."""


def etag_matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` header names this ETag, or it with a content coding appended
    (weak comparison; ``*`` matches any).

    >>> etag_matches('W/"a1", "b2-gzip"', '"b2"'), etag_matches('"b2"', '"b3"'), etag_matches("*", '"x"')
    (True, False, True)
    """
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    ours = etag.removeprefix("W/")
    forms = {ours, *(f'{ours[:-1]}-{coding}"' for coding in CODINGS)}
    return any(tag.strip().removeprefix("W/") in forms for tag in if_none_match.split(","))


def encoded(tile: Tile, coding: str) -> tuple[bytes, str]:
    """The tile's bytes and ETag in a content coding, made once and kept in the tile."""
    hit = tile.encoded.get(coding)
    if hit is None:
        hit = tile.encoded[coding] = (compress(tile.data, coding), f'{tile.etag[:-1]}-{coding}"')
    return hit


def routes(hub: Hub, cache: TileCache) -> list[Route]:
    """The tile and TileJSON routes, answering from ``cache``."""

    async def tile(request: Request) -> Response:
        p = request.path_params
        crs = (request.query_params.get("crs") or "WGS84").upper().replace("-", "")
        viewer: Viewer = request.scope.get("state", {}).get(VIEWER, ANONYMOUS)
        try:
            wanted = request.query_params.get("properties")
            props = [n for n in wanted.split(",") if n] if wanted is not None else None
            key = cache.key(hub.data, viewer, p["layer"], p["z"], p["x"], p["y"], crs, props)
        except HubError as exc:
            return refusal(request.scope, exc, 403 if isinstance(exc, AccessDenied) else 400)
        coding = choose(request.headers.get("accept-encoding"))
        found = cache.cached(key)
        if found is None:

            def build() -> Tile:
                made = cache.build(hub.data, viewer, key)
                if coding and len(made.data) >= MINIMUM_SIZE:
                    encoded(made, coding)
                return made

            found = await anyio.to_thread.run_sync(build)
        log_views(viewer, found.disclosed)
        body, etag = found.data, found.etag
        compressed = coding is not None and len(body) >= MINIMUM_SIZE
        if compressed and coding is not None:
            if coding in found.encoded or len(body) < INLINE_SIZE:
                body, etag = encoded(found, coding)
            else:
                body, etag = await anyio.to_thread.run_sync(encoded, found, coding)
        scope = "public" if viewer.role == PUBLIC else "private"
        headers = {"ETag": etag, "Cache-Control": f"{scope}, max-age=60", "Vary": "Accept-Encoding, Authorization"}
        if etag_matches(request.headers.get("if-none-match"), found.etag):  # the tile in any coding is current
            return Response(status_code=304, headers=headers)
        if found.empty:
            return Response(status_code=204, headers=headers)
        if compressed and coding is not None:
            headers["Content-Encoding"] = coding
        return Response(body, media_type=MVT, headers=headers)

    async def tile_json(request: Request) -> Response:
        name = request.path_params["layer"]
        try:
            body = tilejson(name, hub.settings.public_url.rstrip("/"), request.query_params.get("crs"))
        except HubError as exc:
            if exc.field == "layer":
                return refusal(request.scope, NotFound(exc.message, field="layer"), 404)
            return refusal(request.scope, exc, 400)
        return JSONResponse(body, headers={"Cache-Control": "public, max-age=300"})

    return [
        Route("/tiles/{layer}.json", tile_json),
        Route("/tiles/{layer}/{z:int}/{x:int}/{y:int}.mvt", tile),
    ]
