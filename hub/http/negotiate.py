"""Answers of the HTTP endpoints beside GraphQL: HTML or JSON by ``f=`` and ``Accept``, errors as JSON.

Errors follow OGC API's exception shape, ``{"code": …, "description": …}``, with the hub's stable code
(``hub.errors``) and the parameter at fault: 404 for a collection or feature that does not exist,
403 for what the viewer's role may not see, 400 for any other bad parameter. Never a stack trace.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from hub.domain.access import ANONYMOUS, Viewer
from hub.errors import AccessDenied, HubError, InputError, NotFound

Endpoint = Callable[[Request], Awaitable[Response]]

JSON = "application/json"
GEOJSON = "application/geo+json"
HTML = "text/html"


def viewer_of(request: Request) -> Viewer:
    """The caller, as ``hub.app.BearerAuth`` set it from the ``Authorization`` header."""
    viewer: Viewer = request.scope.get("state", {}).get("viewer", ANONYMOUS)
    return viewer


def problem(exc: HubError) -> Response:
    status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, AccessDenied) else 400
    body = {"code": exc.code, "description": str(exc)}
    if exc.field:
        body["parameter"] = exc.field
    return Response(orjson.dumps(body), status_code=status, media_type=JSON)


def answers_errors(fn: Endpoint) -> Endpoint:
    """The endpoint with the hub's deliberate errors answered as JSON with the status they call for."""

    @functools.wraps(fn)
    async def wrapped(request: Request) -> Response:
        try:
            return await fn(request)
        except HubError as exc:
            return problem(exc)

    return wrapped


def wants_html(request: Request) -> bool:
    """Whether to answer in HTML: ``f=html``, or a browser's ``Accept`` preferring text/html; else JSON.

    ``f`` wins over ``Accept``; with neither, JSON (what GIS clients read).
    """
    f = request.query_params.get("f")
    if f is not None:
        if f.lower() == "html":
            return True
        if f.lower() in ("json", "geojson"):
            return False
        raise InputError(f"f is {f!r}; one of json, html", field="f")
    best_html = best_json = 0.0
    for item in request.headers.get("accept", "").split(","):
        kind, *options = (x.strip() for x in item.split(";"))
        q = 1.0
        for o in options:
            if o.startswith("q="):
                try:
                    q = float(o[2:])
                except ValueError:
                    q = 0.0
        if kind in (HTML, "application/xhtml+xml"):
            best_html = max(best_html, q)
        elif kind in (JSON, GEOJSON, "application/*", "*/*") or kind.endswith("+json"):
            best_json = max(best_json, q if kind not in ("application/*", "*/*") else q - 0.001)
    return best_html > best_json
