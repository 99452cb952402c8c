"""Compressed answers: br or gzip, whichever the client accepts and prefers, for bodies worth it.

:class:`Compression` wraps the app. It picks a content coding from ``Accept-Encoding`` (q-values
respected, ``br`` before ``gzip`` at equal quality) and hands the answer to starlette's gzip
responder or to :class:`BrotliResponder`, built on the same base class: both leave alone small
bodies, answers that already carry a ``Content-Encoding`` (the tiles, compressed once in their
cache) and media types that are compressed already, add ``Vary: Accept-Encoding``, and compress
bodies of 128 KiB and more in a worker thread, off the event loop (the grids featureCollection is
1.24 MB). A strong ``ETag`` on an answer compressed here gets the coding appended, so each
representation has its own (RFC 9110 §8.8.3).

:func:`compress` does the same for callers that keep compressed bytes (``hub.http.tiles``).
"""

from __future__ import annotations

import functools
import gzip

import anyio
import brotli
from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipResponder, IdentityResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MINIMUM_SIZE = 1024
"""Bodies smaller than this go out as they are: the headers would eat most of the saving."""
THREAD_SIZE = 128 * 1024
"""Bodies this large are compressed in a worker thread."""
GZIP_LEVEL = 6
BROTLI_QUALITY = 5
"""zlib's default level, and the brotli quality that compresses about as fast (and ~15 % smaller);
brotli's own default, 11, is for files compressed once, ~50× slower."""


CODINGS = ("br", "gzip")
"""The content codings the hub answers with, the preferred first."""


@functools.lru_cache(maxsize=256)
def choose(accept_encoding: str | None, offered: tuple[str, ...] = CODINGS) -> str | None:
    """The content coding for an ``Accept-Encoding`` header, or None for the body as it is.

    >>> choose("gzip, deflate, br"), choose("gzip;q=1, br;q=0.5"), choose("br;q=0, gzip;q=0")
    ('br', 'gzip', None)
    >>> choose("*"), choose(None), choose("identity")
    ('br', None, None)
    """
    if not accept_encoding:
        return None
    quality: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[name.lower()] = q
    best: tuple[float, str] | None = None
    for coding in offered:
        q = quality.get(coding, quality.get("*", 0.0))
        if q > 0 and (best is None or q > best[0]):
            best = (q, coding)
    return best[1] if best else None


def compress(data: bytes, coding: str) -> bytes:
    """``data`` in a content coding (``br`` or ``gzip``), at the levels used for answers.

    >>> gzip.decompress(compress(b"tile" * 100, "gzip")) == brotli.decompress(compress(b"tile" * 100, "br"))
    True
    """
    if coding == "br":
        return bytes(brotli.compress(data, quality=BROTLI_QUALITY))
    if coding == "gzip":
        return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)
    raise ValueError(f"unknown content coding {coding!r}")


class BrotliResponder(IdentityResponder):
    """starlette's responder (as its gzip one) compressing with brotli."""

    content_encoding = "br"

    def __init__(self, app: ASGIApp, minimum_size: int) -> None:
        super().__init__(app, minimum_size)
        self._compressor: brotli.Compressor | None = None

    async def apply_compression(self, body: bytes, *, more_body: bool) -> bytes:
        if len(body) >= THREAD_SIZE:
            return await anyio.to_thread.run_sync(self._compress, body, more_body)
        return self._compress(body, more_body)

    def _compress(self, body: bytes, more_body: bool) -> bytes:
        if self._compressor is None:
            self._compressor = brotli.Compressor(quality=BROTLI_QUALITY, mode=brotli.MODE_GENERIC)
        out = self._compressor.process(body)
        return bytes(out + (self._compressor.flush() if more_body else self._compressor.finish()))


class Compression:
    """Compress answers in the coding the client prefers (see the module docstring).

    Answers whose ``Content-Length`` is under the minimum, or that carry a ``Content-Encoding``
    already, go straight through; the others go to starlette's responder for the chosen coding.
    """

    def __init__(self, app: ASGIApp, minimum_size: int = MINIMUM_SIZE) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        coding = choose(next((v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-encoding"), None))
        revalidated = False  # the client holds our compressed copy: let the app compare its own validator
        if coding is not None:
            suffix = f'-{coding}"'.encode()
            headers = scope["headers"]
            revalidated = any(k == b"if-none-match" and suffix in v for k, v in headers)
            if revalidated:
                scope["headers"] = [(k, v.replace(suffix, b'"') if k == b"if-none-match" else v) for k, v in headers]
        responder: IdentityResponder | None = None
        passing = False

        async def send_out(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                if "vary" in headers:  # the app may have named Accept-Encoding itself (the tiles do)
                    headers["vary"] = ", ".join(dict.fromkeys(v.strip() for v in headers["vary"].split(",")))
                etag, encoding = headers.get("etag"), headers.get("content-encoding")
                if encoding is None and message["status"] == 304 and revalidated:
                    encoding = coding
                strong = etag is not None and etag.endswith('"') and not etag.startswith("W/")
                if encoding and etag and strong and not etag.endswith(f'-{encoding}"'):
                    headers["etag"] = f'{etag[:-1]}-{encoding}"'
            await send(message)

        async def from_app(message: Message) -> None:
            nonlocal responder, passing
            if message["type"] == "http.response.start" and responder is None and not passing:
                passing = self._as_it_is(message) and not revalidated
                if not passing:
                    responder = _responder(coding, self.minimum_size)
                    responder.send = send_out
            if responder is not None:
                await responder.send_with_compression(message)
            else:
                await send(message)

        await self.app(scope, receive, from_app)

    def _as_it_is(self, start: Message) -> bool:
        """Whether an answer can go out untouched: it is coded already, or too small to compress."""
        for name, value in start.get("headers", ()):
            key = name.lower()
            if key == b"content-encoding" or (key == b"content-length" and int(value) < self.minimum_size):
                return True
        return False


def _responder(coding: str | None, minimum_size: int) -> IdentityResponder:
    """starlette's responder for a coding (its ``send_with_compression`` takes the app's messages)."""

    async def unused(scope: Scope, receive: Receive, send: Send) -> None:  # the app is called by Compression
        raise RuntimeError("not called")

    if coding == "br":
        return BrotliResponder(unused, minimum_size)
    if coding == "gzip":
        return GZipResponder(unused, minimum_size, compresslevel=GZIP_LEVEL)
    return IdentityResponder(unused, minimum_size)  # still adds Vary: Accept-Encoding to answers that could be
