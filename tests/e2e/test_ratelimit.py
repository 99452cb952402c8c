"""The rate limit against a real server with tight limits (its own: the shared one keeps the defaults)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.conftest import Server

pytestmark = pytest.mark.e2e

# one request per 1,000 s: nothing refills while a test runs, so the counts below are exact
LIMITS = "public=0.001/3,analyst=0.001/5,technician=0.001/2"
QUERY = {"query": "{ stats { compounds } }"}


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {"HUB_RATE_LIMITS": LIMITS, "HUB_RATE_EXEMPT": "none"}
    srv = Server(tmp_path_factory.mktemp("rate") / "hub.db", env=env).start()
    yield srv
    srv.stop()


def from_address(address: str, **headers: str) -> dict[str, str]:
    """Headers making a request come from ``address`` (uvicorn trusts X-Forwarded-For from 127.0.0.1,
    as from a reverse proxy on the same machine)."""
    return {"X-Forwarded-For": address, **headers}


def test_an_address_past_its_burst_gets_429_with_retry_after_and_a_graphql_error(tight):
    headers = from_address("198.51.100.1")
    got = [httpx.post(f"{tight.url}/graphql", json=QUERY, headers=headers) for _ in range(4)]
    assert [r.status_code for r in got] == [200, 200, 200, 429]
    refused = got[-1]
    assert int(refused.headers["retry-after"]) >= 1
    assert refused.headers["content-type"] == "application/json"
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert "198.51.100.1" in error["message"] and "retry in" in error["message"]


def test_a_technicians_token_has_its_roles_rate(tight):
    token = tight.token("--role", "technician", "--group", "AG1")
    headers = from_address("198.51.100.9", authorization=f"Bearer {token}")
    got = [httpx.post(f"{tight.url}/graphql", json=QUERY, headers=headers) for _ in range(3)]
    assert [r.status_code for r in got] == [200, 200, 429]
    assert "for technician" in got[-1].json()["errors"][0]["message"]


def test_tiles_count_too_and_the_answer_follows_accept(tight):
    headers = from_address("198.51.100.2", accept="application/graphql-response+json")
    statuses = [
        httpx.get(f"{tight.url}/tiles/sectors/14/13454/6524.mvt", headers=headers).status_code for _ in range(3)
    ]
    assert statuses == [200, 200, 200]
    refused = httpx.post(f"{tight.url}/graphql", json=QUERY, headers=headers)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/graphql-response+json")


def test_health_and_static_files_are_not_limited(tight):
    headers = from_address("198.51.100.3")
    assert all(httpx.get(f"{tight.url}/healthz", headers=headers).status_code == 200 for _ in range(10))
    assert all(httpx.get(f"{tight.url}/static/map.css", headers=headers).status_code == 200 for _ in range(10))


def test_a_token_has_its_own_bucket_at_its_role_s_rate_whatever_the_address_spent(tight):
    token = tight.token("--role", "analyst")
    headers = from_address("198.51.100.4")
    for _ in range(3):  # the public of this address spends its burst
        httpx.post(f"{tight.url}/graphql", json=QUERY, headers=headers)
    assert httpx.post(f"{tight.url}/graphql", json=QUERY, headers=headers).status_code == 429
    staff = {**headers, "Authorization": f"Bearer {token}"}
    got = [httpx.post(f"{tight.url}/graphql", json=QUERY, headers=staff).status_code for _ in range(6)]
    assert got == [200] * 5 + [429]


def test_invented_tokens_draw_on_their_address(tight):
    headers = from_address("198.51.100.5")
    got = [
        httpx.post(
            f"{tight.url}/graphql",
            json=QUERY,
            headers={**headers, "Authorization": f"Bearer hub_0000000{i}_{'x' * 43}"},
        ).status_code
        for i in range(5)
    ]
    assert got == [401, 401, 401, 429, 429]


def test_a_websocket_past_the_limit_is_denied_with_429(tight):
    url = tight.url.replace("http", "ws") + "/graphql"
    headers = from_address("198.51.100.6")
    for _ in range(3):
        httpx.get(f"{tight.url}/tiles/sectors.json", headers=headers)
    with pytest.raises(InvalidStatus) as denied:
        connect(url, subprotocols=["graphql-transport-ws"], additional_headers=headers)
    assert denied.value.response.status_code == 429
    assert json.loads(denied.value.response.body)["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_loopback_is_exempt_with_the_default_setting(server):
    """The shared server runs the defaults: this machine's own clients are not limited."""
    statuses = {httpx.get(f"{server.url}/tiles/sectors.json").status_code for _ in range(100)}
    assert statuses == {200}
