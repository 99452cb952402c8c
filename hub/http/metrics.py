"""``/metrics``: what the hub is doing, in Prometheus' text format (prometheus-client).

- ``hub_requests_total{route,method,status}`` and ``hub_request_duration_seconds{route}``: every
  HTTP request, by its route template (``/tiles/{layer}/{z:int}/{x:int}/{y:int}.mvt``, so the label
  set stays small) and answer; websockets count once, at the handshake;
- ``hub_refused_total{reason}``: requests the hub refused or did not run, by the error code it
  answered with (``RATE_LIMITED``, ``LIMIT_EXCEEDED``, ``UNAUTHENTICATED``, ``BAD_REQUEST`` for a
  query that did not parse or validate, …);
- ``hub_graphql_errors_total{code}``: field errors in answers of operations that did run;
- ``hub_cache_hits_total{cache}``, ``hub_cache_misses_total{cache}``: the tile cache and any other
  cache the app watches (anything with ``hits`` and ``misses`` counters);
- ``hub_layer_version{layer}``: each map layer's version (bumped by every write to it);
- ``hub_subscriptions_open``: live subscriptions; and the process' memory and CPU.

Who may read it: clients on the loopback interface (a Prometheus beside the hub, an operator's
shell), and admin tokens from anywhere (Prometheus' ``authorization`` setting); others get 403.

Counting from elsewhere: :meth:`Metrics.refused` (the app hands it to GraphQL's context as
``Context.count_refusal``, so the schema can count a refusal without importing this package).
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.process_collector import ProcessCollector
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.domain.access import ADMIN, ANONYMOUS
from hub.errors import AccessDenied
from hub.http.answers import REFUSED, refusal
from hub.http.auth import VIEWER
from hub.http.graphql import ERRORS

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "OPTIONS", "WEBSOCKET"})


class Counted(Protocol):
    hits: int
    misses: int


class Metrics:
    """The hub's metrics, in a registry of their own (one per app, so tests may build several)."""

    def __init__(self) -> None:
        disable_created_metrics()  # no *_created series: Prometheus has no use for them here
        self.registry = CollectorRegistry()
        self._requests = Counter(
            "hub_requests", "HTTP requests answered", ["route", "method", "status"], registry=self.registry
        )
        self._latency = Histogram(
            "hub_request_duration_seconds", "Time to answer", ["route"], buckets=BUCKETS, registry=self.registry
        )
        self._refused = Counter("hub_refused", "Requests refused, by reason", ["reason"], registry=self.registry)
        self._errors = Counter(
            "hub_graphql_errors", "Field errors in GraphQL answers, by code", ["code"], registry=self.registry
        )
        self._children: dict[tuple[str, str, int], Any] = {}
        self._timers: dict[str, Any] = {}
        self._caches: dict[str, Counted] = {}
        self._layers: Callable[[], Mapping[str, int]] = dict
        self._subscriptions: Callable[[], int] = int
        self.registry.register(_Live(self))
        ProcessCollector(registry=self.registry)

    def refused(self, reason: str) -> None:
        """Count one refused request (``reason``: the error code it was answered with)."""
        self._refused.labels(reason).inc()

    def error(self, code: str) -> None:
        """Count a field error (by code) in the answer of an operation that ran."""
        self._errors.labels(code).inc()

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        key = (route, method if method in METHODS else "other", status)
        counter = self._children.get(key)
        if counter is None:  # prometheus-client's labels() takes a lock and checks its arguments each time
            counter = self._children[key] = self._requests.labels(key[0], key[1], str(status))
        counter.inc()
        timer = self._timers.get(route)
        if timer is None:
            timer = self._timers[route] = self._latency.labels(route)
        timer.observe(seconds)

    def watch_cache(self, name: str, cache: Counted) -> None:
        """Report ``cache.hits`` and ``cache.misses`` at each scrape."""
        self._caches[name] = cache

    def watch_layers(self, versions: Callable[[], Mapping[str, int]]) -> None:
        """Report each layer's version (read at each scrape)."""
        self._layers = versions

    def watch_subscriptions(self, count: Callable[[], int]) -> None:
        """Report the number of live subscriptions (read at each scrape)."""
        self._subscriptions = count

    def exposition(self) -> bytes:
        """Everything, in Prometheus' text format."""
        return generate_latest(self.registry)


class _Live(Collector):
    """Values read when scraped, so the hot paths count nothing extra."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def collect(self) -> Iterator[Metric]:
        hits = CounterMetricFamily("hub_cache_hits", "Cache hits", labels=["cache"])
        misses = CounterMetricFamily("hub_cache_misses", "Cache misses", labels=["cache"])
        for name, cache in self.metrics._caches.items():
            hits.add_metric([name], cache.hits)
            misses.add_metric([name], cache.misses)
        yield hits
        yield misses
        versions = GaugeMetricFamily(
            "hub_layer_version", "Version of each map layer (bumped by writes)", labels=["layer"]
        )
        for name, version in self.metrics._layers().items():
            versions.add_metric([name], version)
        yield versions
        yield GaugeMetricFamily("hub_subscriptions_open", "Live subscriptions", value=self.metrics._subscriptions())


class MetricsMiddleware:
    """Time and count every request; hand the refusal and error counters to the layers inside."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state[REFUSED] = self.metrics.refused
        state[ERRORS] = self.metrics.error
        started = time.perf_counter()
        status = 500
        counted = False

        def count() -> None:
            nonlocal counted
            if not counted:
                counted = True
                route = getattr(scope.get("route"), "path", None) or "unmatched"
                method = scope.get("method", "WEBSOCKET")
                self.metrics.observe(route, method, status, time.perf_counter() - started)

        async def observed(message: Message) -> None:
            nonlocal status
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start"):
                status = message["status"]
            elif kind == "websocket.accept":
                status = 101
                count()  # a websocket counts at its handshake, not when it closes
            elif kind == "websocket.close" and status == 500:
                status = 403  # closed before accepting: the handshake was denied
            await send(message)

        try:
            await self.app(scope, receive, observed)
        finally:
            count()


def _loopback(request: Request) -> bool:
    if request.client is None:
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:
        return False


def route(metrics: Metrics) -> Route:
    """``GET /metrics`` for loopback clients and admin tokens."""

    async def exposition(request: Request) -> Response:
        viewer = request.scope.get("state", {}).get(VIEWER, ANONYMOUS)
        if not (_loopback(request) or viewer.role == ADMIN):
            error = AccessDenied("/metrics is for clients on this machine and admin tokens")
            return refusal(request.scope, error, 403)
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", exposition)
