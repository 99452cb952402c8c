"""Which other origins' pages may call the hub: ``HUB_CORS_ORIGINS``.

By default none: a browser lets only the hub's own pages (the map, GraphiQL) read its answers.
A comma list of origins (``https://map.example.org,https://ops.example.org``) or ``*`` opens
GraphQL, tiles, TileJSON and static files to those pages; preflights (``OPTIONS`` with
``Access-Control-Request-Method``) are answered for them, and refused for others with a JSON
message. Tokens travel in the ``Authorization`` header, never in cookies, so no credentials mode
is needed and ``*`` is safe to use. This is starlette's ``CORSMiddleware`` with the hub's list and
refusal shape; it also checks websocket handshakes, which browsers send with an ``Origin`` but
never preflight: the hub's own pages, clients that send no ``Origin`` (not browsers) and the
listed origins are let through, others are denied with 403 (the same rule on every strawberry
release; the newer ones' own check is told to let everything through to this one).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.errors import AccessDenied
from hub.http.answers import error_body, refuse

METHODS = ("GET", "POST", "OPTIONS")
HEADERS = ("Authorization", "Content-Type", "Accept", "If-None-Match")
EXPOSED = ("ETag", "Retry-After")


def parse_origins(text: str) -> tuple[str, ...]:
    """The origins a ``HUB_CORS_ORIGINS`` value allows (``*`` for any), each as browsers send it.

    >>> parse_origins("https://Map.Example.org/, http://localhost:5173"), parse_origins(""), parse_origins("*")
    (('https://map.example.org', 'http://localhost:5173'), (), ('*',))
    >>> parse_origins("https://example.org/app")
    Traceback (most recent call last):
    ValueError: HUB_CORS_ORIGINS: 'https://example.org/app' is not an origin (scheme://host[:port], no path)
    """
    origins = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        if item == "*":
            return ("*",)
        parts = urlsplit(item)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/") or parts.query:
            raise ValueError(f"HUB_CORS_ORIGINS: {item!r} is not an origin (scheme://host[:port], no path)")
        origins.append(f"{parts.scheme}://{parts.netloc.lower()}")
    return tuple(origins)


class Cors(CORSMiddleware):
    """starlette's CORS middleware for the hub's origins, refusing preflights in the hub's JSON shape."""

    def __init__(self, app: ASGIApp, origins: tuple[str, ...]) -> None:
        super().__init__(
            app, allow_origins=origins, allow_methods=METHODS, allow_headers=HEADERS, expose_headers=EXPOSED
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            headers = Headers(scope=scope)
            origin = headers.get("origin")
            if (
                origin is not None
                and not same_origin(origin, headers.get("host"))
                and not self.is_allowed_origin(origin)
            ):
                error = AccessDenied(
                    f"websockets from pages on {origin} are refused (HUB_CORS_ORIGINS lists the allowed)"
                )
                await refuse(scope, receive, send, 403, error)
                return
        await super().__call__(scope, receive, send)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        what = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        error = AccessDenied(
            f"cross-origin request from {request_headers['origin']} refused ({what} not allowed; "
            "HUB_CORS_ORIGINS lists the origins that may call the hub)"
        )
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("content-type", "content-length")}
        return Response(error_body(error), status_code=403, headers=headers, media_type="application/json")


DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def same_origin(origin: str, host: str | None) -> bool:
    """Whether an ``Origin`` names the host the request was sent to (host and port; the scheme may differ
    behind a proxy that ends TLS).

    >>> same_origin("http://127.0.0.1:8000", "127.0.0.1:8000"), same_origin("https://hub.example", "hub.example")
    (True, True)
    >>> same_origin("http://localhost:8000", "127.0.0.1:8000"), same_origin("null", "hub.example")
    (False, False)
    """
    if not host:
        return False
    try:
        theirs, ours = urlsplit(origin), urlsplit(f"//{host.strip()}")
        default = DEFAULT_PORTS.get(theirs.scheme.lower())
        return theirs.hostname is not None and (theirs.hostname, theirs.port or default) == (
            ours.hostname,
            ours.port or default,
        )
    except ValueError:
        return False
