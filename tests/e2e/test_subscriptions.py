"""Live updates with the clients people use: Python's gql and the graphql-ws browser client in Chromium.

Both speak graphql-transport-ws, whose messages are text frames: gql refuses binary ones ("Binary
data received in the websocket"), so these tests pass only if the hub sends text.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport

from tests.conftest import Server
from tests.e2e.browser import browser_page
from tests.e2e.test_field import REPORT, incident_input

pytestmark = pytest.mark.e2e

EVENTS = """subscription($sector: String) { incidentEvents(sector: $sector) {
  kind incident { caseNumber sectorCode category } } }"""
BEARINGS = {"NE": 45, "SE": 135, "SW": 225, "NW": 315}  # from the old town's centre, into each sector
GRAPHQL_WS = "/static/vendor/graphql-ws@6.4.2/umd/graphql-ws.min.js"


def report_until(server: Server, token: str, sector: str, done: Any, seconds: float = 20) -> list[str]:
    """Report a case in ``sector`` every half second until ``done()`` (the subscriber may still be
    setting up when the first goes out); the case numbers reported."""
    reported = []
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        answer = server.graphql(REPORT, {"input": incident_input(BEARINGS[sector])}, token=token).json()
        incident = answer["data"]["reportIncident"]["incident"]
        assert incident["sectorCode"] == sector
        reported.append(incident["caseNumber"])
        time.sleep(0.5)
    return reported


def squad_sector(server: Server, squad: str) -> str:
    sectors = server.graphql("{ sectors { code squad { code } } }").json()["data"]["sectors"]
    return next(s["code"] for s in sectors if s["squad"]["code"] == squad)


@pytest.mark.parametrize("role", ["officer", "admin"])
def test_gql_s_websockets_transport_follows_incident_events(server, role):
    token = server.token("--role", "officer", "--squad", "SQ3") if role == "officer" else server.token("--role", role)
    sector = squad_sector(server, "SQ3") if role == "officer" else "SE"
    desk = server.token("--role", "admin")
    got: list[dict] = []
    failed: list[BaseException] = []

    async def follow() -> None:
        transport = WebsocketsTransport(
            url=server.url.replace("http", "ws") + "/graphql", init_payload={"authorization": f"Bearer {token}"}
        )
        async with Client(transport=transport) as session:
            request = GraphQLRequest(EVENTS, variable_values={"sector": sector if role == "admin" else None})
            async for result in session.subscribe(request):
                got.append(result)
                return

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(follow(), 30))
        except BaseException as exc:  # reported by the test below
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    reported = report_until(server, desk, sector, lambda: got or failed)
    thread.join(30)
    assert not failed, failed
    event = got[0]["incidentEvents"]
    assert event["kind"] == "REPORTED" and event["incident"]["sectorCode"] == sector
    assert event["incident"]["caseNumber"] in reported


FOLLOW = """([url, token, query]) => {
    window.events = [];
    window.client = graphqlWs.createClient({url, lazy: false, connectionParams: {authorization: "Bearer " + token}});
    window.client.subscribe({query, variables: {sector: "NW"}}, {
        next: (value) => window.events.push(value),
        error: (error) => window.events.push({error: String(error && (error.reason || error.message) || error)}),
        complete: () => {},
    });
}"""


def test_the_graphql_ws_browser_client_in_chromium_follows_incident_events(server):
    token = server.token("--role", "admin")
    with browser_page(server.url) as page:
        page.page.route("**/favicon.ico", lambda route: route.fulfill(status=204))
        page.page.goto(f"{server.url}/healthz")  # any page of the hub's origin
        page.page.add_script_tag(url=GRAPHQL_WS)
        page.page.evaluate(FOLLOW, [server.url.replace("http", "ws") + "/graphql", token, EVENTS])
        reported = report_until(server, token, "NW", lambda: page.page.evaluate("window.events.length") > 0)
        events = page.page.evaluate("window.events")
        page.page.evaluate("window.client.dispose()")
        assert page.errors == []
    assert "error" not in events[0], events
    event = events[0]["data"]["incidentEvents"]
    assert event["kind"] == "REPORTED" and event["incident"]["sectorCode"] == "NW"
    assert event["incident"]["caseNumber"] in reported
