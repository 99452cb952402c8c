"""Browser apps on other origins: refused by default, served when HUB_CORS_ORIGINS names them.

Checked with headers over HTTP and with Chromium itself, from a page served by a second little
server (another origin), calling the hub with a bearer token as a front-end would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.conftest import Server, free_port
from tests.e2e.browser import browser_page

pytestmark = pytest.mark.e2e


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>another app</title><p>an app on another origin</p>"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def app_origin() -> Iterator[str]:
    """Another origin with one page: ``http://localhost:<port>`` (the hub is at 127.0.0.1)."""
    port = free_port()
    httpd = ThreadingHTTPServer(("127.0.0.1", port), _Page)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{port}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def open_hub(tmp_path_factory: pytest.TempPathFactory, app_origin: str) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("cors") / "hub.db", env={"HUB_CORS_ORIGINS": app_origin}).start()
    yield srv
    srv.stop()


def preflight(server: Server, origin: str, path: str = "/graphql") -> httpx.Response:
    return httpx.options(
        f"{server.url}{path}",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_by_default_a_preflight_from_another_origin_is_refused_in_json(server):
    r = preflight(server, "https://elsewhere.example")
    assert r.status_code == 403
    assert "access-control-allow-origin" not in r.headers
    assert r.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    simple = httpx.get(f"{server.url}/tiles/sectors.json", headers={"Origin": "https://elsewhere.example"})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers


def test_a_named_origin_gets_its_preflight_and_cors_headers_everywhere(open_hub, app_origin):
    r = preflight(open_hub, app_origin)
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] == app_origin
    assert "POST" in r.headers["access-control-allow-methods"]
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    for path in ("/tiles/sectors.json", "/tiles/sectors/14/13454/6524.mvt", "/static/map.css", "/healthz"):
        got = httpx.get(f"{open_hub.url}{path}", headers={"Origin": app_origin})
        assert got.headers["access-control-allow-origin"] == app_origin, path
        assert "Origin" in got.headers["vary"], path
    headers = {"Origin": app_origin, "content-type": "application/json"}
    refused = httpx.post(f"{open_hub.url}/graphql", content=b"42", headers=headers)
    assert refused.status_code == 400 and refused.headers["access-control-allow-origin"] == app_origin
    other = preflight(open_hub, "https://elsewhere.example")
    assert other.status_code == 403


FETCH = """async ([url, token]) => {
    const r = await fetch(url + "/graphql", {method: "POST",
        headers: {"Content-Type": "application/json", "Authorization": "Bearer " + token},
        body: JSON.stringify({query: "{ viewer { role } stats { compounds } }"})});
    const tile = await fetch(url + "/tiles/sectors/14/13454/6524.mvt");
    return {status: r.status, body: await r.json(), tile: tile.status, etag: tile.headers.get("ETag")};
}"""


def test_chromium_on_a_named_origin_calls_the_hub_with_a_token(open_hub, app_origin):
    token = open_hub.token("--role", "analyst")
    with browser_page(app_origin) as page:
        page.page.goto(app_origin)
        got = page.page.evaluate(FETCH, [open_hub.url, token])
    assert got["status"] == 200
    assert got["body"]["data"] == {"viewer": {"role": "analyst"}, "stats": {"compounds": 619}}
    assert got["tile"] == 200 and got["etag"]  # ETag is exposed to the page


def test_chromium_on_another_origin_is_kept_out_by_default(server, app_origin):
    token = server.token("--role", "analyst")
    with browser_page(app_origin) as page:
        page.page.goto(app_origin)
        error = page.page.evaluate(f"(a) => ({FETCH})(a).then(() => 'read', e => e.name)", [server.url, token])
    assert error == "TypeError"  # what fetch rejects with when CORS forbids reading the answer


def test_websockets_from_pages_check_the_same_list(server, open_hub, app_origin):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    def handshake(srv: Server, origin: str) -> None:
        url = srv.url.replace("http", "ws") + "/graphql"
        with connect(url, subprotocols=["graphql-transport-ws"], origin=origin) as ws:
            ws.send('{"type": "connection_init", "payload": {}}')
            assert "connection_ack" in ws.recv(timeout=10)

    handshake(open_hub, app_origin)
    with pytest.raises(InvalidStatus) as refused:
        handshake(server, app_origin)
    assert refused.value.response.status_code == 403
