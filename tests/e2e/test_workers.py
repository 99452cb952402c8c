"""Several workers on one PostgreSQL + PostGIS store: one truth, kept in step by the change feed.

Two `hub serve` processes on one database stand for two workers (a test can choose which one it
asks); `hub serve --workers 2` is started once as well. The notice delay is the time a change takes
from one worker's commit to another's memory: normally milliseconds, and at most the feed's polling
interval (0.5 s) when a notice is lost; the tests allow 10 s before they call a change lost.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests import pg
from tests.conftest import ROOT, Server, free_port
from tests.e2e.test_field import EVENTS, REPORT, Subscriber, incident_input, wait_for

pytestmark = pytest.mark.e2e

CASES = "{ incidents(first: 1000) { totalCount nodes { caseNumber category } } }"


def cases(srv: Server, token: str) -> dict[int, str]:
    nodes = srv.graphql(CASES, token=token).json()["data"]["incidents"]["nodes"]
    return {n["caseNumber"]: n["category"] for n in nodes}


def reported(srv: Server, token: str, bearing: float = 135) -> int:
    data = srv.graphql(REPORT, {"input": incident_input(bearing)}, token=token).json()["data"]["reportIncident"]
    assert data["incident"], data
    return int(data["incident"]["caseNumber"])


@pytest.fixture
def pair(pg_cluster):
    """Two workers on one new database."""
    url = pg_cluster.new_database()
    a = Server(url).start()
    b = Server(url).start()
    yield a, b
    a.stop()
    b.stop()


def test_a_write_on_one_worker_is_seen_on_the_other_and_reaches_its_subscribers(pair):
    a, b = pair
    admin = a.token("--role", "admin")
    sub = Subscriber(b.url.replace("http", "ws") + "/graphql", admin, EVENTS, {"sector": "SE"})
    try:
        case = reported(a, admin)
        assert case in cases(a, admin)  # the writer answers from memory it has already updated
        assert wait_for(lambda: case in cases(b, admin), 10)
        assert wait_for(lambda: any(m.get("type") == "next" for m in sub.messages), 10)
        got = [m["payload"]["data"]["incidentEvents"] for m in sub.messages if m.get("type") == "next"]
        assert [(e["kind"], e["incident"]["caseNumber"]) for e in got] == [("REPORTED", case)]
        moved = b.graphql(
            "mutation($c: String!, $id: ID!) { advanceIncident(input: {clientId: $c, incidentId: $id, action: ACCEPT})"
            " { userErrors { code } incident { state } } }",
            {"c": "0f8fad5b-d9cb-469f-a165-70867728950e", "id": str(case)},
            token=admin,
        ).json()["data"]["advanceIncident"]
        assert moved["incident"]["state"] == "HANDLING", moved
        state = "{ incidents(first: 1000) { nodes { caseNumber state } } }"
        assert wait_for(
            lambda: (
                {
                    n["caseNumber"]: n["state"]
                    for n in a.graphql(state, token=admin).json()["data"]["incidents"]["nodes"]
                }[case]
                == "HANDLING"
            )
        )
    finally:
        sub.close()


def test_the_same_client_uuid_sent_to_both_workers_at_once_makes_one_case(pair):
    a, b = pair
    admin = a.token("--role", "admin")
    body = {"input": incident_input(45)}
    answers: list[dict] = []

    def send(srv: Server) -> None:
        answers.append(srv.graphql(REPORT.replace("userErrors", "replayed userErrors"), body, token=admin).json())

    threads = [threading.Thread(target=send, args=(s,)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    made = [x["data"]["reportIncident"] for x in answers]
    assert sorted(m["replayed"] for m in made) == [False, True]
    assert made[0]["incident"]["caseNumber"] == made[1]["incident"]["caseNumber"]
    assert len([c for c in cases(a, admin) if c == made[0]["incident"]["caseNumber"]]) == 1


def test_a_worker_killed_and_restarted_catches_up_with_what_it_missed(pair):
    a, b = pair
    admin = a.token("--role", "admin")
    os.kill(b.proc.pid, signal.SIGKILL)
    b.proc.wait(10)
    missed = [reported(a, admin, bearing) for bearing in (45, 135, 225, 315)]
    b.start()
    assert set(missed) <= set(cases(b, admin))
    later = reported(a, admin)
    assert wait_for(lambda: later in cases(b, admin), 10)


def test_the_database_restarted_under_load_loses_no_acknowledged_write_and_the_workers_reconnect():
    with pg.Cluster() as cluster:
        url = cluster.new_database()
        a = Server(url).start()
        b = Server(url).start()
        try:
            admin = a.token("--role", "admin")
            acked: dict[int, str] = {}
            stop = threading.Event()

            def stream(srv: Server) -> None:
                with httpx.Client(timeout=60) as client:
                    i = 0
                    while not stop.is_set():
                        i += 1
                        body = {"query": REPORT, "variables": {"input": incident_input(30 + (i % 4) * 90)}}
                        try:
                            r = client.post(
                                f"{srv.url}/graphql", json=body, headers={"Authorization": f"Bearer {admin}"}
                            )
                        except httpx.HTTPError:
                            continue
                        data = (r.json().get("data") or {}).get("reportIncident") or {}
                        if data.get("incident"):
                            acked[data["incident"]["caseNumber"]] = data["incident"]["category"]

            writers = [threading.Thread(target=stream, args=(s,)) for s in (a, b)]
            for w in writers:
                w.start()
            assert wait_for(lambda: len(acked) >= 20, 60)
            cluster.stop("immediate")  # as if the database server crashed
            time.sleep(1)
            cluster.start()
            before = len(acked)
            assert wait_for(lambda: len(acked) >= before + 20, 60), "writes did not resume after the restart"
            stop.set()
            for w in writers:
                w.join(90)
            for srv in (a, b):
                assert wait_for(lambda srv=srv: set(acked) <= set(cases(srv, admin)), 15), srv.url
                # the feed's listener reconnects by itself; on a loaded machine that can take a few seconds
                assert wait_for(lambda srv=srv: httpx.get(f"{srv.url}/healthz").json()["following"] is True, 30)
            stored = cases(a, admin)
            assert all(stored[k] == v for k, v in acked.items())
        finally:
            a.stop()
            b.stop()


def listening_sockets(port: int) -> int:
    """How many sockets listen on the port (``/proc/net/tcp``: state 0A is LISTEN)."""
    rows = [line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]]
    return sum(1 for row in rows if row[3] == "0A" and int(row[1].rsplit(":", 1)[1], 16) == port)


def test_serve_with_two_workers_answers_from_both_each_on_a_socket_of_its_own(pg_cluster):
    url = pg_cluster.new_database()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hub", "serve", "--workers", "2", "--port", str(port), "--db", url],
        cwd=ROOT,
        env={k: v for k, v in os.environ.items() if not k.startswith("HUB_") or k == "HUB_SNAPSHOT"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        seen: set[int] = set()

        def both_answered() -> bool:
            try:
                with httpx.Client(timeout=2) as client:  # a new connection each time: the kernel spreads them
                    seen.add(client.get(f"http://127.0.0.1:{port}/healthz").json()["worker"])
            except httpx.HTTPError:
                pass
            return len(seen) == 2

        assert wait_for(both_answered, 90), seen
        # each worker listens on a socket of its own (SO_REUSEPORT), not on one shared with the other
        assert listening_sockets(port) == 2
        # and 64 connections, all open at once, are spread over both (by a hash of their addresses: 32 ± 4
        # each; fewer than 16 on one worker has a chance of about 1 in 10,000)
        clients = [httpx.Client(timeout=10) for _ in range(64)]
        try:
            workers = [c.get(f"http://127.0.0.1:{port}/healthz").json()["worker"] for c in clients]
        finally:
            for c in clients:
                c.close()
        counts = sorted(workers.count(w) for w in set(workers))
        assert len(counts) == 2 and counts[0] >= 16, counts
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
