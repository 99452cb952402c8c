"""The metrics registry: counts by reason, values read when scraped, and the hook GraphQL's context gets."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from prometheus_client.parser import text_string_to_metric_families

from hub.http.metrics import Metrics


def samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = metrics.exposition().decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_refusals_are_counted_by_reason_and_errors_by_code_apart():
    metrics = Metrics()
    for reason in ("COST_EXCEEDED", "COST_EXCEEDED", "RATE_LIMITED"):
        metrics.refused(reason)
    metrics.error("BAD_GEOMETRY")
    got = samples(metrics)
    assert got[("hub_refused_total", (("reason", "COST_EXCEEDED"),))] == 2
    assert got[("hub_refused_total", (("reason", "RATE_LIMITED"),))] == 1
    assert got[("hub_graphql_errors_total", (("code", "BAD_GEOMETRY"),))] == 1


def test_caches_layers_and_subscriptions_are_read_when_scraped():
    metrics = Metrics()
    cache = SimpleNamespace(hits=0, misses=0)
    versions = {"compounds": 3}
    metrics.watch_cache("answers", cache)
    metrics.watch_layers(lambda: versions)
    metrics.watch_subscriptions(lambda: 2)
    cache.hits, cache.misses, versions["compounds"] = 7, 3, 4
    got = samples(metrics)
    assert got[("hub_cache_hits_total", (("cache", "answers"),))] == 7
    assert got[("hub_cache_misses_total", (("cache", "answers"),))] == 3
    assert got[("hub_layer_version", (("layer", "compounds"),))] == 4
    assert got[("hub_subscriptions_open", ())] == 2


def test_two_apps_in_one_process_keep_their_own_counts():
    first, second = Metrics(), Metrics()
    first.refused("X")
    assert ("hub_refused_total", (("reason", "X"),)) not in samples(second)


def test_graphql_s_context_gets_the_refusal_counter_of_the_app(demo_store, settings):
    from hub.app import HubGraphQL
    from hub.http.answers import REFUSED
    from hub.services import Hub

    counted: list[str] = []
    view = HubGraphQL(Hub.from_settings(settings, demo_store))
    request = SimpleNamespace(scope={"type": "http", "state": {REFUSED: counted.append}})
    context = asyncio.run(view.get_context(request))  # type: ignore[arg-type]
    assert context.count_refusal is not None
    context.count_refusal("COST_EXCEEDED")
    assert counted == ["COST_EXCEEDED"]
