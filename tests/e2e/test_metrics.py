"""/metrics in Prometheus' text format, read with prometheus-client's own parser."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

pytestmark = pytest.mark.e2e


def scrape(server, **headers: str) -> dict[str, list]:
    r = httpx.get(f"{server.url}/metrics", headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {family.name: family.samples for family in text_string_to_metric_families(r.text)}


def value(samples: list, **labels: str) -> float:
    found = [s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items())]
    return sum(found)


def test_requests_latencies_and_statuses_are_counted_by_route(server):
    before = value(scrape(server).get("hub_requests", []), route="/graphql", status="200", method="POST")
    for _ in range(3):
        server.graphql("{ stats { compounds } }")
    metrics = scrape(server)
    assert value(metrics["hub_requests"], route="/graphql", status="200", method="POST") == before + 3
    durations = metrics["hub_request_duration_seconds"]
    assert value(durations, route="/graphql") > 0  # the _count and _sum samples
    assert any(s.name.endswith("_bucket") and s.labels["route"] == "/graphql" for s in durations)


def test_refusals_are_counted_by_their_code(server):
    before = scrape(server).get("hub_refused", [])
    httpx.post(f"{server.url}/graphql", content=b"42", headers={"content-type": "application/json"})
    httpx.post(f"{server.url}/graphql", content=b" " * 3_000_000, headers={"content-type": "application/json"})
    server.graphql("{ stats { noSuchField } }")
    after = scrape(server)["hub_refused"]
    assert value(after, reason="LIMIT_EXCEEDED") == value(before, reason="LIMIT_EXCEEDED") + 1
    assert value(after, reason="BAD_REQUEST") == value(before, reason="BAD_REQUEST") + 2


def test_the_tile_cache_layer_versions_and_subscriptions_are_reported(server):
    path = f"{server.url}/tiles/sectors/13/6727/3262.mvt"
    httpx.get(path)
    httpx.get(path)
    metrics = scrape(server)
    assert value(metrics["hub_cache_hits"], cache="tiles") >= 1
    assert value(metrics["hub_cache_misses"], cache="tiles") >= 1
    versions = {s.labels["layer"] for s in metrics["hub_layer_version"]}
    assert {"compounds", "grids", "sectors", "incidents"} <= versions
    assert len(metrics["hub_subscriptions_open"]) == 1
    assert "process_resident_memory_bytes" in metrics


def test_only_this_machine_and_admins_may_read_it(server):
    elsewhere = {"X-Forwarded-For": "203.0.113.9"}  # as through a reverse proxy on this machine
    refused = httpx.get(f"{server.url}/metrics", headers=elsewhere)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    analyst = server.token("--role", "analyst")
    assert (
        httpx.get(f"{server.url}/metrics", headers={**elsewhere, "Authorization": f"Bearer {analyst}"}).status_code
        == 403
    )
    admin = server.token("--role", "admin")
    assert "hub_requests" in scrape(server, **elsewhere, Authorization=f"Bearer {admin}")
