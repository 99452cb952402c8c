"""Every bad request gets a clean answer from the real server: a status GraphQL over HTTP gives it,
a JSON media type, and a GraphQL-shaped body with a stable code; never a 500, never a stack trace."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

pytestmark = pytest.mark.e2e

GRAPHQL_RESPONSE = "application/graphql-response+json"


def post(server, body: bytes, **headers: str) -> httpx.Response:
    headers.setdefault("content-type", "application/json")
    return httpx.post(f"{server.url}/graphql", content=body, headers=headers, timeout=30)


def assert_refused(r: httpx.Response, status: int, code: str, media: str = "application/json") -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].split(";")[0] == media
    assert "Traceback" not in r.text
    body = r.json()
    assert set(body) == {"errors"}, body  # a refusal carries no data entry
    assert body["errors"][0]["extensions"]["code"] == code
    assert body["errors"][0]["message"]
    return body


@pytest.mark.parametrize(("body", "kind"), [(b"42", "a number"), (b"null", "null"), (b'"x"', "a string"),
                                            (b"true", "a boolean"), (b"[]", "an array")])  # fmt: skip
def test_a_json_body_that_is_not_an_object_is_a_bad_request_saying_what_it_got(server, body, kind):
    body_json = assert_refused(post(server, body), 400, "BAD_REQUEST")
    assert kind in body_json["errors"][0]["message"]


def test_the_refusal_comes_in_the_media_type_the_client_asked_for(server):
    assert_refused(post(server, b"42", accept=GRAPHQL_RESPONSE), 400, "BAD_REQUEST", GRAPHQL_RESPONSE)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b'{"query": "{ stats { compounds } }"', b"\xff\xfe", b'{"query": 5}', b'{"variables": [7]}'],
)
def test_malformed_json_or_parameters_of_the_wrong_type_are_400(server, body):
    assert_refused(post(server, body), 400, "BAD_REQUEST")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/graphql"])
def test_a_body_that_is_not_application_json_is_415(server, content_type):
    r = post(server, b'{"query": "{ stats { compounds } }"}', **{"content-type": content_type})
    body = assert_refused(r, 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "application/json" in body["errors"][0]["message"]


def test_a_post_without_a_content_type_is_415(server):
    r = httpx.post(f"{server.url}/graphql", content=b'{"query": "{ __typename }"}', timeout=30)
    assert_refused(r, 415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_mutation_over_get_is_405_allowing_post(server):
    query = 'mutation { removeRosterException(input: {clientId: "x", id: "1"}) { userErrors { code } } }'
    r = httpx.get(f"{server.url}/graphql", params={"query": query}, headers={"accept": "application/json"})
    assert_refused(r, 405, "METHOD_NOT_ALLOWED")
    assert r.headers["allow"] == "POST"


def test_a_query_over_get_is_answered(server):
    r = httpx.get(f"{server.url}/graphql", params={"query": "{ stats { compounds } }"}, headers={"accept": "*/*"})
    assert r.status_code == 200 and r.json() == {"data": {"stats": {"compounds": 619}}}


def test_a_subscription_over_plain_http_is_refused_with_where_to_send_it(server):
    r = post(server, b'{"query": "subscription { incidentEvents { kind } }"}')
    body = assert_refused(r, 400, "BAD_REQUEST")
    assert "websocket" in body["errors"][0]["message"]


def test_options_says_which_methods_graphql_takes(server):
    r = httpx.options(f"{server.url}/graphql")
    assert r.status_code == 204
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST", "OPTIONS"}


def test_an_unknown_path_and_an_unknown_method_are_answered_in_json(server):
    assert_refused(httpx.get(f"{server.url}/nowhere"), 404, "NOT_FOUND")
    r = httpx.put(f"{server.url}/graphql", json={})
    assert_refused(r, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in r.headers["allow"]
    head = httpx.head(f"{server.url}/graphql")
    assert head.status_code == 405 and "POST" in head.headers["allow"]


def test_a_chunked_body_over_the_limit_is_413_not_500(server):
    def chunks():
        for _ in range(40):
            yield b" " * 100_000  # 4 MB in all, no Content-Length: the server must count as it reads

    r = httpx.post(f"{server.url}/graphql", content=chunks(), headers={"content-type": "application/json"}, timeout=30)
    assert_refused(r, 413, "LIMIT_EXCEEDED")


def test_a_chunked_body_under_the_limit_is_read_whole(server):
    def chunks():
        yield b'{"query": "{ stats '
        yield b'{ compounds } }"}'

    r = httpx.post(f"{server.url}/graphql", content=chunks(), headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 200 and r.json()["data"]["stats"]["compounds"] == 619


@pytest.mark.parametrize("authorization", ["Basic abc", "Bearer", "Bearer hub_00000000_" + "x" * 43])
def test_a_websocket_with_a_bad_authorization_header_is_denied_with_401(server, authorization):
    url = server.url.replace("http", "ws") + "/graphql"
    with pytest.raises(InvalidStatus) as denied:
        connect(url, subprotocols=["graphql-transport-ws"], additional_headers={"Authorization": authorization})
    response = denied.value.response
    assert response.status_code == 401
    assert json.loads(response.body)["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_the_server_still_serves_websockets_after_refusing_one(server):
    url = server.url.replace("http", "ws") + "/graphql"
    with pytest.raises(InvalidStatus):
        connect(url, subprotocols=["graphql-transport-ws"], additional_headers={"Authorization": "Basic x"})
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}


class TestGraphQLResponseMediaType:
    """``Accept: application/graphql-response+json``: its media type and its status codes."""

    def ask(self, server, query: str, accept: str = GRAPHQL_RESPONSE) -> httpx.Response:
        return post(server, json.dumps({"query": query}).encode(), accept=accept)

    def test_a_good_query_is_200_in_that_media_type(self, server):
        r = self.ask(server, "{ stats { compounds } }")
        assert r.status_code == 200
        assert r.headers["content-type"].split(";")[0] == GRAPHQL_RESPONSE
        assert r.json() == {"data": {"stats": {"compounds": 619}}}

    @pytest.mark.parametrize(
        ("query", "code"),
        [
            ("{ stats { ", "BAD_REQUEST"),  # does not parse
            ("{ stats { noSuchField } }", "BAD_REQUEST"),  # does not validate
            ("{ " + "subdistricts { communities { " * 7 + "code" + " } }" * 7 + " }", "LIMIT_EXCEEDED"),  # too deep
        ],
    )
    def test_a_request_that_never_runs_is_400_without_data(self, server, query, code):
        assert_refused(self.ask(server, query), 400, code, GRAPHQL_RESPONSE)

    def test_a_field_error_during_execution_is_200_with_a_data_entry(self, server):
        r = self.ask(server, "{ stats { compounds } locate(lon: 200, lat: 34) { sector { code } } }")
        assert r.status_code == 200
        body = r.json()
        assert "data" in body  # null here: locate is non-null, so its error nulls the whole answer
        assert body["errors"][0]["path"] == ["locate"]

    def test_with_application_json_a_request_error_stays_200(self, server):
        r = self.ask(server, "{ stats { noSuchField } }", accept="application/json")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"
        assert r.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"

    def test_the_preferred_of_the_two_wins(self, server):
        r = self.ask(server, "{ stats { noSuchField } }", accept=f"application/json;q=0.5, {GRAPHQL_RESPONSE}")
        assert r.status_code == 400 and r.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        r = self.ask(server, "{ stats { noSuchField } }", accept=f"application/json, {GRAPHQL_RESPONSE};q=0.5")
        assert r.status_code == 200 and r.headers["content-type"] == "application/json"

    def test_a_client_accepting_neither_json_type_gets_406(self, server):
        assert_refused(self.ask(server, "{ stats { compounds } }", accept="text/csv"), 406, "NOT_ACCEPTABLE")
