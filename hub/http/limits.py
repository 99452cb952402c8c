"""The request-size cap: a body over ``HUB_MAX_BODY_BYTES`` is refused with 413, declared or streamed.

A declared ``Content-Length`` over the cap is refused before a byte is read. A body without one
(``Transfer-Encoding: chunked``) is read here, up to the cap, before the app sees the request, and
refused as soon as it passes the cap: the app never starts an answer it then cannot finish (the
cause of the 500s a chunked body over the cap used to get). The body is then handed to the app as it
came; every route reads its whole body anyway (the largest, GraphQL's, is under the cap).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.errors import LimitExceeded
from hub.http.answers import send_error


class BodyLimit:
    """Refuse request bodies over ``max_bytes`` with 413 and a GraphQL-shaped message."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.max_bytes:
                error = LimitExceeded(f"request body is {int(value):,} bytes; the limit is {self.max_bytes:,}")
                await send_error(scope, send, 413, error)
                return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away before sending its whole body
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                error = LimitExceeded(f"request body is over the limit of {self.max_bytes:,} bytes")
                await send_error(scope, send, 413, error, [(b"connection", b"close")])
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        whole: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal whole
            if whole is not None:
                message, whole = whole, None
                return message
            return await receive()  # after the body: wait for the disconnect, as the server would

        await self.app(scope, replay, send)
