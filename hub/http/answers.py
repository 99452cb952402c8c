"""Refusals in one shape, in the media type the client accepts.

Every answer the HTTP layer gives instead of a result is a GraphQL-shaped body,
``{"errors": [{"message": …, "extensions": {"code": …}}]}``, whose code comes from
:mod:`hub.errors`; never plain text, never a stack trace. Its media type follows the client's
``Accept`` header as GraphQL over HTTP says: ``application/graphql-response+json`` when the client
prefers it, ``application/json`` otherwise (and when it sends no ``Accept`` at all, as every client
written before that media type existed expects).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from hub.errors import HubError, MethodNotAllowed, NotFound, Refused

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"
CONTENT_TYPES = {JSON: JSON, GRAPHQL_RESPONSE: f"{GRAPHQL_RESPONSE}; charset=utf-8"}


def error_body(error: HubError) -> bytes:
    """The GraphQL-shaped JSON of one error.

    >>> error_body(HubError("too big", code="LIMIT_EXCEEDED"))
    b'{"errors":[{"message":"too big","extensions":{"code":"LIMIT_EXCEEDED"}}]}'
    """
    return orjson.dumps({"errors": [{"message": str(error), "extensions": {"code": error.code}}]})


@functools.lru_cache(maxsize=256)
def negotiate(accept: str | None) -> str | None:
    """The media type to answer a GraphQL request with, from its ``Accept`` header; None when the
    client accepts neither (a 406).

    The most specific range naming a type sets its quality (RFC 9110 §12.5.1); the higher quality
    wins, then the more specific match, then the range listed first. Ties between wildcards
    (``*/*``) and a missing header give ``application/json``.

    >>> negotiate("application/graphql-response+json, application/json;q=0.9")
    'application/graphql-response+json'
    >>> negotiate("*/*"), negotiate(None), negotiate("text/html;q=1, application/json;q=0")
    ('application/json', 'application/json', None)
    """
    if accept is None or not accept.strip():
        return JSON
    ranges = _ranges(accept)
    best: tuple[tuple[float, int, int], str] | None = None
    for media in (JSON, GRAPHQL_RESPONSE):
        kind, sub = media.split("/")
        match: tuple[int, float, int] | None = None  # (specificity, quality, position)
        for position, (r_kind, r_sub, quality) in enumerate(ranges):
            if (r_kind, r_sub) == (kind, sub):
                specificity = 2
            elif (r_kind, r_sub) == (kind, "*"):
                specificity = 1
            elif (r_kind, r_sub) == ("*", "*"):
                specificity = 0
            else:
                continue
            if match is None or specificity > match[0]:
                match = (specificity, quality, position)
        if match is not None and match[1] > 0:
            rank = (match[1], match[0], -match[2])
            if best is None or rank > best[0]:
                best = (rank, media)
    return best[1] if best else None


def _ranges(accept: str) -> list[tuple[str, str, float]]:
    out = []
    for item in accept.split(","):
        media, *params = (part.strip() for part in item.split(";"))
        kind, _, sub = media.lower().partition("/")
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    quality = 1.0
        out.append((kind, sub or "*", quality))
    return out


REFUSED = "hub.refused"
"""Key in ``scope["state"]``: a callable counting a refusal by its code (set by ``hub.http.metrics``)."""


def counted(scope: Scope, code: str) -> None:
    """Count one refusal by its code, when something counts them."""
    count = scope.get("state", {}).get(REFUSED)
    if count is not None:
        count(code)


def preferred(headers: Sequence[tuple[bytes, bytes]]) -> str:
    """The media type for a refusal: the client's choice if it accepts one, else ``application/json``."""
    accept = next((v.decode("latin-1") for k, v in headers if k == b"accept"), None)
    return negotiate(accept) or JSON


def refusal(scope: Scope, error: HubError, status: int, headers: Mapping[str, str] | None = None) -> Response:
    """A starlette response refusing the request with ``error`` (counted)."""
    counted(scope, error.code)
    media = preferred(scope.get("headers", ()))
    return Response(error_body(error), status_code=status, headers=dict(headers or {}), media_type=CONTENT_TYPES[media])


async def send_error(
    scope: Scope, send: Send, status: int, error: HubError, headers: Sequence[tuple[bytes, bytes]] = ()
) -> None:
    """Refuse an HTTP request from a pure-ASGI middleware, before any response has started (counted)."""
    counted(scope, error.code)
    body = error_body(error)
    media = preferred(scope.get("headers", ()))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", CONTENT_TYPES[media].encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def refuse(
    scope: Scope,
    receive: Receive,
    send: Send,
    status: int,
    error: HubError,
    headers: Sequence[tuple[bytes, bytes]] = (),
) -> None:
    """Refuse a request of either kind: an HTTP answer, or a websocket handshake denied (counted).

    A websocket is refused before it is accepted: with the server's ``websocket.http.response``
    extension (uvicorn has it) the client gets this HTTP status and body; without it, closing before
    accepting makes the server answer the handshake with 403 (the ASGI websocket spec).
    """
    if scope["type"] != "websocket":
        await send_error(scope, send, status, error, headers)
        return
    counted(scope, error.code)
    message = await receive()
    if message["type"] != "websocket.connect":
        return  # the client went away first
    if "websocket.http.response" in scope.get("extensions", {}):
        body = error_body(error)
        start = [(b"content-type", JSON.encode()), (b"content-length", str(len(body)).encode()), *headers]
        await send({"type": "websocket.http.response.start", "status": status, "headers": start})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1008, "reason": str(error)[:120]})


async def http_exception(request: Request, exc: Exception) -> Response:
    """starlette's own refusals (no such route, a method a route does not take) in the hub's shape."""
    assert isinstance(exc, HTTPException)
    error: HubError
    if exc.status_code == 404:
        error = NotFound(f"nothing at {request.url.path}")
    elif exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "")
        error = MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}; use {allowed}")
    else:
        error = Refused(exc.detail)
    return refusal(request.scope, error, exc.status_code, exc.headers)
