"""The real server over HTTP: started with `python -m hub serve` on a new database."""

from __future__ import annotations

import base64
import hashlib
import re

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_health_says_ok_with_the_demo_data_loaded(server):
    r = httpx.get(f"{server.url}/healthz")
    assert r.status_code == 200
    assert r.json()["compounds"] == 619


def test_stats_over_http_give_the_article_figures(server):
    r = server.graphql("{ stats { compounds jointMeetings issuesResolved officers occupiedAreaClearedM2 } }")
    assert r.status_code == 200
    s = r.json()["data"]["stats"]
    assert (s["compounds"], s["jointMeetings"], s["issuesResolved"], s["officers"]) == (619, 334, 328, 66)
    assert abs(s["occupiedAreaClearedM2"] - 3862) <= 1


def test_geometry_comes_back_as_geojson_objects(server):
    r = server.graphql("{ sectors { code geometry } }")
    geom = r.json()["data"]["sectors"][0]["geometry"]
    assert geom["type"] == "Polygon"
    assert len(geom["coordinates"][0]) > 100


def test_graphiql_is_served_at_graphql(server):
    r = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "graphiql" in r.text.lower()


def test_graphiql_loads_every_file_from_the_hub_and_each_matches_its_integrity_hash(server):
    html = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"}).text
    assert "unpkg.com" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"\s+integrity="sha384-([^"]+)"', html)
    assert len(assets) >= 7  # react, react-dom, js-cookie, graphiql js and css, the explorer's js and css
    for url, digest in assets:
        assert url.startswith("/static/vendor/unpkg/"), url
        body = httpx.get(f"{server.url}{url}").raise_for_status().content
        assert base64.b64encode(hashlib.sha384(body).digest()).decode() == digest, url


def test_a_token_made_by_the_cli_lets_an_officer_see_their_squad(server):
    token = server.token("--role", "officer", "--squad", "SQ2")
    r = server.graphql("{ viewer { role squadCode } squads { code officers { phone } } }", token=token)
    body = r.json()
    assert body["data"]["viewer"] == {"role": "officer", "squadCode": "SQ2"}
    for s in body["data"]["squads"]:
        assert all((o["phone"] is not None) == (s["code"] == "SQ2") for o in s["officers"])


def test_an_unknown_token_is_refused_with_401_and_a_message(server):
    r = server.graphql("{ stats { compounds } }", token="hub_00000000_" + "x" * 43)
    assert r.status_code == 401
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"query": "{ compounds(where: {intersects: {type: \\"Polygon\\", coordinates: [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}) { totalCount } }"}',  # noqa: E501
        b'{"query": "{ compounds(first: 1000000) { totalCount } }"}',
        b'{"query": "{ locate(lon: 200, lat: 34) { sector { code } } }"}',
        b'{"variables": 5}',
    ],
)
def test_bad_requests_never_get_a_500_or_a_stack_trace(server, body):
    r = httpx.post(f"{server.url}/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code < 500
    assert "Traceback" not in r.text
    assert r.json().get("errors") or r.status_code == 400


def test_an_oversized_body_is_refused_with_413(server):
    r = httpx.post(f"{server.url}/graphql", content=b" " * 3_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


def test_bad_input_leaves_the_data_as_it_was(server):
    before = server.graphql("{ stats { compounds occupiedAreaClearedM2 } }").json()
    server.graphql('{ compounds(where: {within: {type: "Polygon", coordinates: [[[0,0]]]}}) { totalCount } }')
    assert server.graphql("{ stats { compounds occupiedAreaClearedM2 } }").json() == before
