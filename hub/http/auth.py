"""Bearer tokens: the ``Authorization`` header decides the viewer every resolver, tile and export sees.

No header means the public viewer. A malformed header or an unknown or revoked token is refused
with 401: an HTTP answer for a request, a denied handshake for a websocket (never an HTTP answer
sent down a websocket). Token look-ups are remembered by the store, which forgets them within a
second of a token being revoked (``hub.services.tokens.check``); a miss reads SQLite in a worker
thread so the event loop never waits on it.
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.domain.access import ANONYMOUS
from hub.errors import Unauthenticated
from hub.http.answers import refuse
from hub.services import Hub, tokens

VIEWER = "viewer"
"""Key in ``scope["state"]``: the :class:`~hub.domain.access.Viewer` of the request."""


def bearer_text(scope: Scope) -> str | None:
    """The token text of an ``Authorization: Bearer`` header; ``""`` for a malformed header, None without one."""
    header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
    if header is None:
        return None
    scheme, _, text = header.decode("latin-1").partition(" ")
    return text.strip() if scheme.lower() == "bearer" else ""


class BearerAuth:
    """Set ``scope['state']['viewer']`` from an ``Authorization: Bearer`` header; refuse bad tokens (401)."""

    def __init__(self, app: ASGIApp, hub: Hub) -> None:
        self.app = app
        self.hub = hub

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        viewer = ANONYMOUS
        text = bearer_text(scope)
        if text == "":
            error = Unauthenticated("Authorization must be 'Bearer <token>' (make one with `hub token create`)")
            await refuse(scope, receive, send, 401, error, [(b"www-authenticate", b"Bearer")])
            return
        if text is not None:
            known, token = tokens.remembered(self.hub, text)
            if not known:  # a miss reads SQLite: off the event loop
                token = await anyio.to_thread.run_sync(tokens.check, self.hub, text)
            if token is None:
                error = Unauthenticated("the bearer token is unknown or revoked")
                await refuse(scope, receive, send, 401, error, [(b"www-authenticate", b'Bearer error="invalid_token"')])
                return
            viewer = tokens.viewer(self.hub, token)
        scope.setdefault("state", {})[VIEWER] = viewer
        await self.app(scope, receive, send)
