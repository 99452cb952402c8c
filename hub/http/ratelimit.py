"""A rate limit per token and per address: token buckets, 429 with ``Retry-After`` past them.

Each caller has a bucket of ``burst`` requests that refills at ``rate`` per second; a request
takes one, and a caller whose bucket is empty is told, in a GraphQL-shaped 429 with code
``RATE_LIMITED`` and a ``Retry-After`` header, how long until the next one. A request with a
live token draws on that token's bucket, at its role's rate (the token is looked up here when the
store does not remember it, so a busy address never holds up staff); anything else (the public,
and unknown or revoked tokens) on its address' bucket, at the public rate, so inventing tokens
gains nothing. Rates per role come from ``HUB_RATE_LIMITS``; addresses in ``HUB_RATE_EXEMPT``
(by default this machine's own: loopback) are not limited, nor are ``/healthz``, ``/metrics``
and the static files. Behind a reverse proxy, the proxy must pass the client's address
(``X-Forwarded-For``, which uvicorn takes from a proxy on 127.0.0.1), or every request would
come from the proxy.

Buckets live in memory (one process per SQLite store); idle full buckets are dropped when there
are many, so the table stays bounded.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from hub.domain.access import ADMIN, ANALYST, INSPECTOR, OFFICER, PUBLIC, TECHNICIAN, VOLUNTEER
from hub.errors import RateLimited
from hub.http.answers import refuse
from hub.http.auth import bearer_text
from hub.services import Hub, tokens

ROLES = (PUBLIC, ANALYST, OFFICER, TECHNICIAN, INSPECTOR, VOLUNTEER, ADMIN)
EXEMPT_PATHS = ("/healthz", "/metrics")
MOST_BUCKETS = 100_000

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Limit:
    rate: float
    """Requests per second, sustained."""
    burst: float
    """Requests at once, after a quiet spell."""


def parse_limits(text: str) -> dict[str, Limit]:
    """``HUB_RATE_LIMITS``: ``role=rate/burst`` per role, comma separated; roles not named keep their defaults.

    >>> parse_limits("public=5/20")["public"], parse_limits("public=5/20")["admin"]
    (Limit(rate=5.0, burst=20.0), Limit(rate=60.0, burst=240.0))
    >>> parse_limits("officer=fast")
    Traceback (most recent call last):
    ValueError: HUB_RATE_LIMITS: 'officer=fast' should be role=rate/burst, e.g. public=10/60
    """
    limits = dict(DEFAULT_LIMITS)
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        role, _, value = item.partition("=")
        rate, _, burst = value.partition("/")
        try:
            limit = Limit(float(rate), float(burst))
        except ValueError:
            raise ValueError(f"HUB_RATE_LIMITS: {item!r} should be role=rate/burst, e.g. public=10/60") from None
        if role.strip() not in ROLES:
            raise ValueError(f"HUB_RATE_LIMITS: unknown role {role.strip()!r}; one of {', '.join(ROLES)}")
        if limit.rate <= 0 or limit.burst < 1:
            raise ValueError(f"HUB_RATE_LIMITS: {item!r}: the rate must be above 0 and the burst at least 1")
        limits[role.strip()] = limit
    return limits


DEFAULT_LIMITS = {
    PUBLIC: Limit(10.0, 60.0),
    ANALYST: Limit(30.0, 120.0),
    OFFICER: Limit(30.0, 120.0),
    TECHNICIAN: Limit(30.0, 120.0),
    INSPECTOR: Limit(30.0, 120.0),
    VOLUNTEER: Limit(30.0, 120.0),
    ADMIN: Limit(60.0, 240.0),
}


def parse_exempt(text: str) -> tuple[Network, ...]:
    """``HUB_RATE_EXEMPT``: addresses or networks never limited, comma separated; ``none`` for none.

    >>> [str(n) for n in parse_exempt("127.0.0.0/8, ::1")], parse_exempt("none")
    (['127.0.0.0/8', '::1/128'], ())
    """
    if text.strip().lower() == "none":
        return ()
    try:
        return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in text.split(",") if p.strip())
    except ValueError as exc:
        raise ValueError(f"HUB_RATE_EXEMPT: {exc}") from None


class Buckets:
    """Token buckets by key: ``take`` returns 0 when a request may go, else the seconds to wait."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, most: int = MOST_BUCKETS) -> None:
        self.clock = clock
        self.most = most
        self._buckets: dict[object, tuple[float, float]] = {}  # key -> (tokens, when)

    def take(self, key: object, limit: Limit) -> float:
        """Take one request from ``key``'s bucket.

        >>> now = [0.0]; b = Buckets(clock=lambda: now[0]); lim = Limit(rate=2, burst=3)
        >>> [b.take("a", lim) for _ in range(4)], b.take("b", lim)
        ([0.0, 0.0, 0.0, 0.5], 0.0)
        >>> now[0] = 0.5; b.take("a", lim), b.take("a", lim)
        (0.0, 0.5)
        """
        now = self.clock()
        tokens, then = self._buckets.get(key, (limit.burst, now))
        tokens = min(limit.burst, tokens + (now - then) * limit.rate)
        if tokens < 1:
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / limit.rate
        if len(self._buckets) >= self.most and key not in self._buckets:
            self._prune(now, limit)
        self._buckets[key] = (tokens - 1, now)
        return 0.0

    def _prune(self, now: float, limit: Limit) -> None:
        """Forget buckets that have refilled (they would start full anyway); all of them if none has."""
        full = [k for k, (tokens, then) in self._buckets.items() if tokens + (now - then) * limit.rate >= limit.burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) >= self.most:
            self._buckets.clear()

    def __len__(self) -> int:
        return len(self._buckets)


class RateLimit:
    """Limit each token (at its role's rate) and each address (at the public rate); see the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        hub: Hub,
        limits: dict[str, Limit],
        exempt: tuple[Network, ...] = (),
        buckets: Buckets | None = None,
    ) -> None:
        self.app = app
        self.hub = hub
        self.limits = limits
        self.exempt = exempt
        self.buckets = buckets or Buckets()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self._exempt(scope):
            await self.app(scope, receive, send)
            return
        key: object
        text, token = bearer_text(scope), None
        if text:
            known, token = tokens.remembered(self.hub, text)
            if not known:  # look it up now (off the event loop); BearerAuth then finds it remembered
                token = await anyio.to_thread.run_sync(tokens.check, self.hub, text)
        if token is not None:
            role, key, who = token.role, ("token", token.id), f"token {token.id}"
        else:
            address = scope["client"][0] if scope.get("client") else "?"
            role, key, who = PUBLIC, ("address", address), f"address {address}"
        limit = self.limits[role]
        wait = self.buckets.take(key, limit)
        if wait:
            seconds = max(1, math.ceil(wait))
            error = RateLimited(
                f"too many requests from this {who}: {limit.rate:g} a second with bursts of {limit.burst:g} "
                f"for {role}; retry in {seconds} s"
            )
            await refuse(scope, receive, send, 429, error, [(b"retry-after", str(seconds).encode())])
            return
        await self.app(scope, receive, send)

    def _exempt(self, scope: Scope) -> bool:
        path = scope.get("path", "")
        if path in EXEMPT_PATHS or path.startswith("/static/"):
            return True
        client = scope.get("client")
        if not client or not self.exempt:
            return False
        return _within(client[0], self.exempt)


@functools.lru_cache(maxsize=4096)
def _within(host: str, networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)
