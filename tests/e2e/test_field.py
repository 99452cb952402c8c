"""The field side against the real server: live events over graphql-transport-ws, and durability under SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hub.geo.measure import destination
from tests.common import CENTRE, wait_for
from tests.conftest import ROOT, Server

pytestmark = pytest.mark.e2e

REPORT = """mutation($input: ReportIncidentInput!) { reportIncident(input: $input) {
  userErrors { code message } incident { caseNumber sectorCode category } } }"""


def incident_input(bearing: float, category: str = "ILLEGAL_PARKING_MOTOR") -> dict:
    lon, lat = destination(*CENTRE, bearing, 600)
    return {
        "clientId": str(uuid.uuid4()),
        "category": category,
        "lon": lon,
        "lat": lat,
        "description": "机动车乱停放",
        "seenAt": datetime.now(UTC).isoformat(),
    }


class Subscriber:
    """A graphql-transport-ws client on its own thread, collecting `next` payloads."""

    def __init__(self, url: str, token: str, query: str, variables: dict) -> None:
        self._cm = connect(url, subprotocols=["graphql-transport-ws"], open_timeout=10)
        self.ws = self._cm.__enter__()
        self.ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(self.ws.recv(timeout=10))["type"] == "connection_ack"
        self.ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables}}))
        self.messages: list[dict] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while True:
                self.messages.append(json.loads(self.ws.recv()))
        except Exception:  # closed
            return

    def close(self) -> None:
        self._cm.__exit__(None, None, None)
        self.thread.join(5)


EVENTS = """subscription($sector: String) { incidentEvents(sector: $sector) {
  kind incident { caseNumber sectorCode category state } } }"""


def test_a_subscriber_to_the_south_east_gets_its_cases_and_not_another_sectors(server):
    admin = server.token("--role", "admin")
    ws_url = server.url.replace("http", "ws") + "/graphql"
    sub = Subscriber(ws_url, admin, EVENTS, {"sector": "SE"})
    try:
        ne = server.graphql(REPORT, {"input": incident_input(45)}, token=admin).json()["data"]["reportIncident"]
        se = server.graphql(REPORT, {"input": incident_input(135)}, token=admin).json()["data"]["reportIncident"]
        assert ne["incident"]["sectorCode"] == "NE" and se["incident"]["sectorCode"] == "SE"
        assert wait_for(lambda: any(m.get("type") == "next" for m in sub.messages))
        wait_for(lambda: False, 0.5)  # give a wrong event time to arrive
        got = [m["payload"]["data"]["incidentEvents"] for m in sub.messages if m.get("type") == "next"]
        assert [(e["kind"], e["incident"]["caseNumber"]) for e in got] == [("REPORTED", se["incident"]["caseNumber"])]
    finally:
        sub.close()


def test_an_officer_follows_their_own_sector_and_a_bad_token_is_refused(server):
    officer = server.token("--role", "officer", "--squad", "SQ1")
    ws_url = server.url.replace("http", "ws") + "/graphql"
    sub = Subscriber(ws_url, officer, EVENTS, {"sector": "SW"})
    try:
        assert wait_for(lambda: any(m.get("type") == "next" for m in sub.messages)), sub.messages
        errors = next(m for m in sub.messages if m["type"] == "next")["payload"]["errors"]
        assert errors[0]["extensions"]["code"] == "FORBIDDEN"
        assert "SQ1" in errors[0]["message"]
    finally:
        sub.close()
    with connect(ws_url, subprotocols=["graphql-transport-ws"], open_timeout=10) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": "Bearer hub_00000000_" + "x" * 43}})
        )
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 4403


def test_the_subscription_limit_per_connection_holds(server):
    admin = server.token("--role", "admin")
    with connect(server.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {"token": admin}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        for i in range(11):
            ws.send(json.dumps({"id": str(i), "type": "subscribe", "payload": {"query": EVENTS}}))
        msg = json.loads(ws.recv(timeout=10))
        assert msg["type"] == "error" and "limit" in json.dumps(msg).lower()


@pytest.mark.parametrize("sync", ["full", "normal"])
def test_killing_the_server_mid_stream_loses_no_acknowledged_write(stores, sync):
    srv = Server(stores.new(), env={"HUB_SYNC": sync}).start()
    admin = srv.token("--role", "admin")
    acked: dict[int, str] = {}
    stop = threading.Event()

    def stream() -> None:
        with httpx.Client(timeout=10) as client:
            i = 0
            while not stop.is_set():
                body = {"query": REPORT, "variables": {"input": incident_input(30 + (i % 4) * 90)}}
                i += 1
                try:
                    r = client.post(f"{srv.url}/graphql", json=body, headers={"Authorization": f"Bearer {admin}"})
                except httpx.HTTPError:
                    return
                data = r.json()["data"]["reportIncident"]
                if data["incident"]:
                    acked[data["incident"]["caseNumber"]] = data["incident"]["category"]

    writer = threading.Thread(target=stream)
    writer.start()
    assert wait_for(lambda: len(acked) >= 25, 60)
    os.kill(srv.proc.pid, signal.SIGKILL)
    srv.proc.wait(10)
    stop.set()
    writer.join(15)
    srv.stop()

    again = Server(srv.db, env={"HUB_SYNC": sync}).start()
    try:
        rows = again.graphql(
            "{ incidents(first: 1000) { totalCount nodes { caseNumber category } } }", token=admin
        ).json()["data"]["incidents"]
        stored = {n["caseNumber"]: n["category"] for n in rows["nodes"]}
        assert len(acked) >= 25
        missing = {k for k in acked if k not in stored}
        assert not missing, f"acknowledged but lost: {sorted(missing)}"
        assert all(stored[k] == v for k, v in acked.items())
    finally:
        again.stop()


def test_a_revoked_token_stops_its_live_subscription(stores):
    """A lost phone: once its token is revoked, the next case in its sector ends the subscription
    with an error instead of reaching it."""
    srv = Server(stores.new()).start()  # token checks remembered 30 s: the store's watch must notice
    try:
        phone = srv.token("--role", "admin")
        desk = srv.token("--role", "admin")
        sub = Subscriber(srv.url.replace("http", "ws") + "/graphql", phone, EVENTS, {"sector": "SE"})
        try:
            first = srv.graphql(REPORT, {"input": incident_input(135)}, token=desk).json()["data"]["reportIncident"]
            assert wait_for(lambda: any(m.get("type") == "next" for m in sub.messages)), sub.messages
            token_id = phone.split("_")[1]
            subprocess.run(
                [sys.executable, "-m", "hub", "token", "revoke", token_id],
                cwd=ROOT,
                env={**os.environ, "HUB_DB": str(srv.db)},
                check=True,
                capture_output=True,
            )
            wait_for(lambda: False, 1.0)  # the server has noticed the revocation (within a second)
            second = srv.graphql(REPORT, {"input": incident_input(135)}, token=desk).json()["data"]["reportIncident"]
            assert second["incident"]["sectorCode"] == "SE"
            assert wait_for(
                lambda: any(m.get("type") == "error" or "errors" in m.get("payload", {}) for m in sub.messages)
            )
            delivered = [
                m["payload"]["data"]["incidentEvents"]["incident"]["caseNumber"]
                for m in sub.messages
                if m.get("type") == "next" and m["payload"].get("data")
            ]
            assert delivered == [first["incident"]["caseNumber"]]
            assert "revoked" in json.dumps(sub.messages)
        finally:
            sub.close()
    finally:
        srv.stop()


def test_a_token_revoked_by_the_cli_is_refused_within_a_second_while_it_is_in_use(tmp_path):
    """Token checks are remembered for 30 s (HUB_TOKEN_CACHE_S), but the server watches the tokens
    table: a revocation from another process takes effect about as soon as the CLI returns."""
    srv = Server(tmp_path / "revoke.db").start()
    try:
        phone = srv.token("--role", "officer", "--squad", "SQ1")
        statuses: list[tuple[float, int]] = []
        stop = threading.Event()

        def use() -> None:
            with httpx.Client(timeout=10) as client:
                while not stop.is_set():
                    r = client.post(
                        f"{srv.url}/graphql",
                        json={"query": "{ viewer { role } }"},
                        headers={"Authorization": f"Bearer {phone}"},
                    )
                    statuses.append((time.monotonic(), r.status_code))

        user = threading.Thread(target=use)
        user.start()
        assert wait_for(lambda: len(statuses) >= 20)  # remembered and in use
        before = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "hub", "token", "revoke", phone.split("_")[1]],
            cwd=ROOT,
            env={**os.environ, "HUB_DB": str(srv.db)},
            check=True,
            capture_output=True,
        )
        # waiting at most 10 s, a third of the time a check is remembered: only the watch can refuse it
        refused = wait_for(lambda: any(s == 401 for _, s in statuses), 10)
        stop.set()
        user.join(10)
        assert refused
        assert all(s == 200 for at, s in statuses if at < before)  # it worked before
        first_refusal = next(i for i, (_, s) in enumerate(statuses) if s == 401)
        assert {s for _, s in statuses[first_refusal:]} == {401}  # and never again after
    finally:
        srv.stop()
