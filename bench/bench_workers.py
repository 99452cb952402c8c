"""PostGIS mode: several workers on one PostgreSQL + PostGIS store, against one worker and against SQLite mode.

A throwaway PostgreSQL 15 + PostGIS 3 cluster (``tests/pg.py``; installed with apt-get when missing)
holds the demo data set; SQLite-mode baselines run on a file holding the same. Every figure is a
ratio of two things measured in this run:

(a) Reads, 2 workers vs 1, on PostGIS: what ``hub serve --workers N`` runs, without the access log
    (``hub.serving``: a listening socket per worker; one worker: uvicorn alone), and for comparison two
    workers on uvicorn's one shared socket (``uvicorn --workers 2``), loaded by ``wrk`` (Debian's; installed
    when missing: a C load generator, so the clients take little of the two cores) with 16
    connections sending a mix of map, analyst and field requests for 15 s: bbox
    ``featureCollection`` of compounds or occupations (40 %), vector tiles (20 %), an analyst's
    ``occupations(where: within)`` count with ``stats`` (20 %), and a field ``locate`` with who is on
    duty (20 %). Every request is different (random boxes, tiles, polygons, points), so each is
    cold: no answer or tile cache has seen it. Target: throughput ≥ 1.7×; p99 latency reported.
(b) The in-memory read path on PostGIS mode vs SQLite mode (one worker each): a bbox
    ``featureCollection`` (a new box each time) and z14 tiles (each tile and layer asked once, cold),
    asked of both servers in alternation. Target ≤ 1.1×.
(c) ``reportIncident`` on PostGIS vs SQLite with ``HUB_SYNC=full``, in alternation: the ratio, and
    each against its own server's trivial request; and against PostGraphile 4 (``bench/postgraphile.py``,
    npm) creating the same incident row over HTTP in a database of the same cluster (the demo's
    ``incidents`` table mirrored, with a unique client id). Target: hub on PostGIS ≤ 0.7× PostGraphile.
(d) Change propagation: a case reported on worker A until it reaches a subscriber of
    ``incidentEvents`` on worker B (two processes, one database): median and p99 after A acknowledged it.

    python bench/bench_workers.py [--seconds 15] [--writes 200] [--read-rounds 3] [--only-reads | --only-writes]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import numpy as np
import orjson
import psycopg
from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import pg as bench_pg
from bench.common import ROOT, BenchServer, free_port, report
from bench.postgraphile import PostGraphile
from hub.geo.measure import destination
from tests import pg

SEED = 12
CENTRE = (115.6097, 34.3767)
DISTRICT = (115.55, 34.33, 115.72, 34.46)
HEADERS = {"content-type": "application/json"}
FC = """query($bbox: [Float!], $layer: Layer!) { featureCollection(layer: $layer, where: {bbox: $bbox},
  properties: ["name", "kind", "status"]) }"""
FC_ONE = """query($bbox: [Float!]) { featureCollection(layer: COMPOUNDS, where: {bbox: $bbox},
  properties: ["name", "managementMode"]) }"""
ANALYST = """query($area: GeoJSON!) { occupations(where: {within: $area}, first: 1000) { totalCount }
  stats { compounds occupiedAreaClearedM2 } }"""
FIELD = """query($lon: Float!, $lat: Float!) { locate(lon: $lon, lat: $lat) { grid { code } compound { name }
  sector { code } onDuty { squad { hotline } officers { name } } } }"""
REPORT = """mutation($input: ReportIncidentInput!) { reportIncident(input: $input) {
  userErrors { code } incident { caseNumber squadCode deadline } } }"""
TRIVIAL = orjson.dumps({"query": "{ __typename }"})
EVENTS = "subscription { incidentEvents { kind incident { caseNumber } } }"
LAYERS = ["all", "compounds", "grids", "occupations", "communities", "merchants"]

WRK_SCRIPT = r"""
local reqs = {}
local i = 0
init = function(args)
  local n, me, k = 0, tonumber(id), tonumber(threads)
  for line in io.lines(args[1]) do
    n = n + 1
    if n % k == me then
      local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
      if body == "" then body = nil end
      local headers = {}
      if body then headers["Content-Type"] = "application/json" end
      reqs[#reqs + 1] = wrk.format(method, path, headers, body)
    end
  end
end
request = function()
  i = i + 1
  return reqs[((i - 1) % #reqs) + 1]
end
"""
WRK_SETUP = r"""
local counter = 0
local all = {}
setup = function(thread)
  thread:set("id", counter)
  thread:set("threads", THREADS)
  counter = counter + 1
  table.insert(all, thread)
end
"""


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("wrk not found: installing it with apt-get", flush=True)
    if os.geteuid() != 0:
        raise SystemExit("run as root, or `apt-get install wrk` first")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, env=env, stdout=subprocess.DEVNULL)
    return shutil.which("wrk") or "wrk"


# --- requests ------------------------------------------------------------------------------------------------------


def _box(rng: random.Random, half: float) -> list[float]:
    x, y = rng.uniform(115.58, 115.66), rng.uniform(34.35, 34.41)
    return [round(x - half, 6), round(y - half, 6), round(x + half, 6), round(y + half, 6)]


def _polygon(rng: random.Random) -> dict:
    x, y = rng.uniform(115.58, 115.66), rng.uniform(34.35, 34.41)
    r = rng.uniform(0.002, 0.01)
    ring = [[round(x + r * math.cos(a), 6), round(y + r * math.sin(a), 6)] for a in np.linspace(0, 2 * np.pi, 9)[:-1]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def mixed_requests(rng: random.Random, n: int) -> list[tuple[str, str, bytes]]:
    """``n`` different (method, path, body) requests: 40 % map answers, 20 % tiles, 20 % analyst, 20 % field."""
    tiles = set()
    out: list[tuple[str, str, bytes]] = []
    while len(out) < n:
        pick = rng.random()
        if pick < 0.4:
            layer = rng.choice(["COMPOUNDS", "OCCUPATIONS"])
            body = {"query": FC, "variables": {"bbox": _box(rng, rng.uniform(0.002, 0.01)), "layer": layer}}
            out.append(("POST", "/graphql", orjson.dumps(body)))
        elif pick < 0.6:
            z = rng.choice([15, 16, 17])
            lon, lat = rng.uniform(115.58, 115.66), rng.uniform(34.35, 34.41)
            x, y = _tile(lon, lat, z)
            key = (rng.choice(LAYERS), z, x, y)
            if key in tiles:
                continue
            tiles.add(key)
            out.append(("GET", f"/tiles/{key[0]}/{z}/{x}/{y}.mvt", b""))
        elif pick < 0.8:
            out.append(("POST", "/graphql", orjson.dumps({"query": ANALYST, "variables": {"area": _polygon(rng)}})))
        else:
            lon, lat = rng.uniform(115.58, 115.66), rng.uniform(34.35, 34.41)
            out.append(("POST", "/graphql", orjson.dumps({"query": FIELD, "variables": {"lon": lon, "lat": lat}})))
    return out


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - np.arcsinh(np.tan(np.radians(lat))) / np.pi) / 2 * n)
    return x, y


def incident(rng: random.Random) -> dict:
    lon, lat = destination(*CENTRE, rng.uniform(0, 360), rng.uniform(100, 1400))
    return {
        "clientId": str(uuid.uuid4()),
        "category": "ILLEGAL_PARKING_MOTOR",
        "lon": lon,
        "lat": lat,
        "description": "机动车乱停放",
        "seenAt": datetime.now(UTC).isoformat(),
    }


# --- servers -------------------------------------------------------------------------------------------------------


class Workers:
    """N worker processes on a store (access log off): ``hub serve --workers N``'s way (``hub.serving``: a
    listening socket per worker, ``SO_REUSEPORT``), or with ``shared`` uvicorn's own (one socket for all)."""

    def __init__(self, db: str, workers: int, *, shared: bool = False) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "HUB_DB": db, "HUB_LOAD_DEMO": "0"}
        if workers == 1 or shared:
            command = [sys.executable, "-m", "uvicorn", "hub.app:app_from_env", "--factory", "--workers", str(workers)]
            command += ["--port", str(self.port), "--no-access-log", "--log-level", "warning"]
        else:
            code = (
                "from hub import serving; serving.run('hub.app:app_from_env', "
                f"workers={workers}, host='127.0.0.1', port={self.port}, log_level='warning', access_log=False)"
            )
            command = [sys.executable, "-c", code]
        self.proc = subprocess.Popen(command, cwd=ROOT, env=env)
        seen: set[int] = set()
        deadline = time.monotonic() + 120
        while len(seen) < workers and time.monotonic() < deadline:
            try:
                with httpx.Client(timeout=2) as c:
                    seen.add(c.get(f"{self.url}/healthz").json()["worker"])
            except httpx.HTTPError:
                time.sleep(0.2)
        if len(seen) < workers:
            raise RuntimeError(f"only {len(seen)} of {workers} workers answered")
        self.pids = sorted(seen)

    def cpu(self) -> list[float]:
        """CPU seconds each worker has used so far (user + system, from ``/proc``)."""
        tick = os.sysconf("SC_CLK_TCK")
        out = []
        for pid in self.pids:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            out.append((int(fields[11]) + int(fields[12])) / tick)
        return out

    def split(self, connections: int = 16) -> list[int]:
        """How ``connections`` connections, all open at once, fall on the workers (most first)."""
        clients = [httpx.Client(timeout=10) for _ in range(connections)]
        try:
            pids = [c.get(f"{self.url}/healthz").json()["worker"] for c in clients]
        finally:
            for c in clients:
                c.close()
        return sorted((pids.count(p) for p in set(pids)), reverse=True)

    def worker_pid(self) -> int:
        return int(httpx.get(f"{self.url}/healthz", timeout=10).json()["worker"])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def run_wrk(
    wrk: str, url: str, requests: list[tuple[str, str, bytes]], seconds: int, folder: Path, connections: int = 16
) -> dict:
    """Throughput and latency percentiles of ``wrk -c 16`` over the requests, each sent at most once."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = folder / "requests.tsv"
    lines.write_text("\n".join(f"{m}\t{p}\t{b.decode()}" for m, p, b in requests) + "\n")
    threads = 2
    script = folder / "mix.lua"
    script.write_text(WRK_SETUP.replace("THREADS", str(threads)) + WRK_SCRIPT)
    out = subprocess.run(
        [
            wrk,
            "-t",
            str(threads),
            "-c",
            "16",
            "-d",
            f"{seconds}s",
            "--latency",
            "-s",
            str(script),
            url,
            "--",
            str(lines),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    lat = {p: _ms(v) for p, v in re.findall(r"^\s+(\d+)%\s+([\d.]+\w+)$", out, re.M)}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "total": total,
        "p50": lat.get("50"),
        "p99": lat.get("99"),
        "errors": errors.group(1) if errors else 0,
    }


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]


def admin_token(db: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "hub", "token", "create", "--role", "admin", "--db", db],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


# --- the parts -----------------------------------------------------------------------------------------------------


VARIANTS = {"1": (1, False), "2": (2, False), "2 shared": (2, True)}
"""One worker; two, each on a socket of its own (``hub serve --workers 2``); two on uvicorn's one shared socket."""


def reads(url: str, wrk: str, seconds: int, folder: Path, rounds: int) -> bool:
    rng = random.Random(SEED)
    rows = {}
    splits: dict[str, list[list[int]]] = {k: [] for k in VARIANTS}
    for rnd in range(1, rounds + 1):
        for name, (n, shared) in VARIANTS.items():
            mix = mixed_requests(rng, 60_000)
            srv = Workers(url, n, shared=shared)
            try:
                run_wrk(wrk, srv.url, mixed_requests(rng, 3_000), 3, folder)  # warm-up: code paths, trees, tilings
                splits[name].append(srv.split())
                before = srv.cpu()
                rows[(rnd, name)] = run_wrk(wrk, srv.url, mix, seconds, folder)
                rows[(rnd, name)]["cpu"] = [b - a for a, b in zip(before, srv.cpu(), strict=True)]
            finally:
                srv.stop()
    best = {name: max(rows[(r, name)]["rps"] for r in range(1, rounds + 1)) for name in VARIANTS}
    detail = "; ".join(
        f"round {r}, {name} worker{'s' * (name != '1')}: {x['rps']:.0f} req/s, p50 {x['p50']:.1f} ms, "
        f"p99 {x['p99']:.1f} ms ({x['total']} requests, {x['errors']} errors; CPU s of {seconds} s a worker: "
        f"{'/'.join(f'{c:.1f}' for c in x['cpu'])})"
        for (r, name), x in rows.items()
    )
    per_round = ", ".join(f"{rows[(r, '2')]['rps'] / rows[(r, '1')]['rps']:.2f}" for r in range(1, rounds + 1))
    ratio = best["2"] / best["1"]
    ok = ratio >= 1.7
    print(
        f"mixed reads from 16 clients, 2 workers vs 1 on PostGIS (hub serve --workers 2: a socket each): "
        f"throughput ratio {ratio:.2f} (target ≥ 1.7) {'OK' if ok else 'MISSED'}  [best of {rounds} rounds: "
        f"{best['2']:.0f} vs {best['1']:.0f} req/s; each round's ratio {per_round}; two workers on uvicorn's one "
        f"shared socket: {best['2 shared'] / best['1']:.2f}; 16 connections fell "
        f"{', '.join('/'.join(map(str, x)) for x in splits['2'])} on a socket each, "
        f"{', '.join('/'.join(map(str, x)) for x in splits['2 shared'])} on the shared socket; {detail}]"
    )
    return ok


def map_path(pg_url: str, lite: Path, rounds: int) -> bool:
    rng = random.Random(SEED + 1)
    boxes = [orjson.dumps({"query": FC_ONE, "variables": {"bbox": _box(rng, 0.004)}}) for _ in range(rounds)]
    minx, miny, maxx, maxy = DISTRICT
    x0, y1 = _tile(minx, miny, 14)
    x1, y0 = _tile(maxx, maxy, 14)
    tiles = [f"/tiles/{layer}/14/{x}/{y}.mvt" for layer in LAYERS for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    times: dict[str, list[float]] = {"fc-pg": [], "fc-lite": [], "tile-pg": [], "tile-lite": []}
    with (
        BenchServer(db=pg_url, env={"HUB_LOAD_DEMO": "0"}) as a,  # type: ignore[arg-type]
        BenchServer(db=lite) as b,
        httpx.Client(base_url=a.url, timeout=60) as ca,
        httpx.Client(base_url=b.url, timeout=60) as cb,
    ):
        for c in (ca, cb):  # warm the code paths (not these boxes or tiles)
            for _ in range(30):
                c.post(
                    "/graphql",
                    content=orjson.dumps({"query": FC_ONE, "variables": {"bbox": _box(rng, 0.004)}}),
                    headers=HEADERS,
                )
        for i, body in enumerate(boxes):
            for name, c in (("pg", ca), ("lite", cb)) if i % 2 else (("lite", cb), ("pg", ca)):
                t0 = time.perf_counter()
                assert c.post("/graphql", content=body, headers=HEADERS).status_code == 200
                times[f"fc-{name}"].append(time.perf_counter() - t0)
        for i, path in enumerate(tiles):
            for name, c in (("pg", ca), ("lite", cb)) if i % 2 else (("lite", cb), ("pg", ca)):
                t0 = time.perf_counter()
                assert c.get(path).status_code in (200, 204)
                times[f"tile-{name}"].append(time.perf_counter() - t0)
    m = {k: statistics.median(v) for k, v in times.items()}
    ok = report(
        "bbox featureCollection, PostGIS mode / SQLite mode (cold: a new box each time)",
        m["fc-pg"] / m["fc-lite"],
        1.1,
        f"{m['fc-pg'] * 1e3:.2f} ms vs {m['fc-lite'] * 1e3:.2f} ms, medians of {rounds} in alternation",
    )
    ok &= report(
        "z14 tiles, PostGIS mode / SQLite mode (cold: each tile and layer asked once)",
        m["tile-pg"] / m["tile-lite"],
        1.1,
        f"{m['tile-pg'] * 1e3:.2f} ms vs {m['tile-lite'] * 1e3:.2f} ms, medians of {len(tiles)} in alternation",
    )
    return ok


PG_CREATE = """mutation($i: IncidentInput!) { createIncident(input: {incident: $i}) { incident { id state } } }"""


def graphile_row(case: dict) -> dict:
    """PostGraphile's row for the hub's input: what the hub stores, less what it works out itself."""
    return {
        "i": {
            "clientId": case["clientId"],
            "category": case["category"],
            "description": case["description"],
            "photos": "[]",
            "seenAt": case["seenAt"],
            "reportedAt": datetime.now(UTC).isoformat(),
            "reportedBy": "bench",
            "state": "REPORTED",
            "geom": {"type": "Point", "coordinates": [case["lon"], case["lat"]]},
        }
    }


def count(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM incidents").fetchone()
    assert row is not None
    return int(row[0])


def committed_insert(url: str, rng: random.Random, rounds: int) -> float:
    """Median time (s) of one INSERT of an incident row over a local psycopg connection, committed (fsync): the
    floor of any durable write on this cluster, paid by the hub and PostGraphile alike. Rows removed after."""
    times = []
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(rounds):
            case = graphile_row(incident(rng))["i"]
            t0 = time.perf_counter()
            conn.execute(
                "INSERT INTO incidents (client_id, category, description, photos, seen_at, reported_at, reported_by, "
                "state, geom) VALUES (%s, %s, %s, '[]', %s, %s, 'bench', 'REPORTED', "
                "ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                (
                    case["clientId"],
                    case["category"],
                    case["description"],
                    case["seenAt"],
                    case["reportedAt"],
                    *case["geom"]["coordinates"],
                ),
            )
            times.append(time.perf_counter() - t0)
        conn.execute("DELETE FROM incidents WHERE reported_by = 'bench'")
    return statistics.median(times)


def writes(cluster: pg.Cluster, pg_url: str, lite: Path, rounds: int) -> bool:
    """(c): reportIncident on PostGIS, on SQLite, and PostGraphile's createIncident, in alternation."""
    rng = random.Random(SEED + 2)
    graphile_url = cluster.new_database()
    with psycopg.connect(graphile_url) as conn:
        bench_pg.mirror(conn, lite, ("incidents",))
        conn.execute("CREATE UNIQUE INDEX ON incidents (client_id)")  # the hub's idempotency key, checked alike
        conn.commit()
        before = count(conn)
    commit = committed_insert(graphile_url, rng, rounds)
    times: dict[str, list[float]] = {"pg": [], "lite": [], "graphile": [], "pg-trivial": [], "lite-trivial": []}
    tokens = {"pg": admin_token(pg_url), "lite": admin_token(str(lite))}
    with (
        BenchServer(db=pg_url, env={"HUB_LOAD_DEMO": "0"}) as a,  # type: ignore[arg-type]
        BenchServer(db=lite, env={"HUB_SYNC": "full"}) as b,
        PostGraphile(graphile_url) as graphile,
        httpx.Client(base_url=a.url, timeout=60) as ca,
        httpx.Client(base_url=b.url, timeout=60) as cb,
        httpx.Client(base_url=graphile.url, timeout=60) as cg,
    ):
        clients = {"pg": ca, "lite": cb}
        for i in range(rounds + 20):
            for name in ("pg", "lite", "graphile") if i % 2 else ("graphile", "lite", "pg"):
                case = incident(rng)
                if name == "graphile":
                    body = orjson.dumps({"query": PG_CREATE, "variables": graphile_row(case)})
                    t0 = time.perf_counter()
                    answer = cg.post("/graphql", content=body, headers=HEADERS)
                    t1 = time.perf_counter()
                    assert answer.json()["data"]["createIncident"]["incident"]["state"] == "REPORTED", answer.text
                    if i >= 20:
                        times[name].append(t1 - t0)
                    continue
                c = clients[name]
                body = orjson.dumps({"query": REPORT, "variables": {"input": case}})
                headers = {**HEADERS, "Authorization": f"Bearer {tokens[name]}"}
                t0 = time.perf_counter()
                answer = c.post("/graphql", content=body, headers=headers)
                t1 = time.perf_counter()
                c.post("/graphql", content=TRIVIAL, headers=HEADERS)
                t2 = time.perf_counter()
                assert answer.json()["data"]["reportIncident"]["incident"], answer.text
                if i >= 20:
                    times[name].append(t1 - t0)
                    times[f"{name}-trivial"].append(t2 - t1)
    with psycopg.connect(graphile_url) as conn:
        added = count(conn) - before
        durable = bench_pg.settings_in_force(conn)
    assert added == rounds + 20, (added, rounds + 20)
    m = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"reportIncident, PostGIS / SQLite (HUB_SYNC=full): ratio {m['pg'] / m['lite']:.2f}  "
        f"[{m['pg'] * 1e3:.2f} ms vs {m['lite'] * 1e3:.2f} ms, medians of {rounds} in alternation; against each "
        f"server's trivial request: PostGIS {m['pg'] / m['pg-trivial']:.2f}×, "
        f"SQLite {m['lite'] / m['lite-trivial']:.2f}×]"
    )
    return report(
        "reportIncident on PostGIS vs PostGraphile's createIncident of the same row on the same cluster",
        m["pg"] / m["graphile"],
        0.7,
        f"hub {m['pg'] * 1e3:.2f} ms, PostGraphile {m['graphile'] * 1e3:.2f} ms, medians of {rounds} in "
        f"alternation; {added} rows added by PostGraphile; PostgreSQL "
        f"{', '.join(f'{k}={v}' for k, v in durable.items())}. PostGraphile inserts the row as given; "
        "the hub also checks the point, finds its sector, squad and deadline, and writes the case's first "
        "step, an audit row, its idempotency key and a change-log row. For scale: one INSERT of such a row "
        f"over a local psycopg connection, committed, took {commit * 1e3:.2f} ms (median of {rounds}), "
        f"{commit / m['graphile']:.2f}× PostGraphile's whole request",
    )


def propagation(pg_url: str, writes_n: int) -> None:
    rng = random.Random(SEED + 3)
    token = admin_token(pg_url)
    seen: dict[int, float] = {}
    with (
        BenchServer(db=pg_url, env={"HUB_LOAD_DEMO": "0"}) as a,  # type: ignore[arg-type]
        BenchServer(db=pg_url, env={"HUB_LOAD_DEMO": "0"}) as b,  # type: ignore[arg-type]
        httpx.Client(base_url=a.url, timeout=60) as ca,
        connect(b.url.replace("http", "ws") + "/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.send(json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}}))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": EVENTS}}))
        done = threading.Event()

        def listen() -> None:
            while not done.is_set():
                try:
                    msg = json.loads(ws.recv(timeout=1))
                except TimeoutError:
                    continue
                except Exception:
                    return
                if msg.get("type") == "next":
                    seen[msg["payload"]["data"]["incidentEvents"]["incident"]["caseNumber"]] = time.perf_counter()

        thread = threading.Thread(target=listen, daemon=True)
        thread.start()
        acked: dict[int, tuple[float, float]] = {}
        headers = {**HEADERS, "Authorization": f"Bearer {token}"}
        for _ in range(writes_n):
            body = orjson.dumps({"query": REPORT, "variables": {"input": incident(rng)}})
            t0 = time.perf_counter()
            answer = ca.post("/graphql", content=body, headers=headers).json()
            acked[answer["data"]["reportIncident"]["incident"]["caseNumber"]] = (t0, time.perf_counter())
            time.sleep(0.02)
        deadline = time.monotonic() + 10
        while len(seen) < len(acked) and time.monotonic() < deadline:
            time.sleep(0.05)
        done.set()
    after_ack = [(seen[k] - t1) * 1e3 for k, (_, t1) in acked.items() if k in seen]
    after_send = [(seen[k] - t0) * 1e3 for k, (t0, _) in acked.items() if k in seen]
    print(
        "change propagation, a case reported on worker A to B's subscriber: "
        f"median {statistics.median(after_ack):.2f} ms, "
        f"p99 {np.percentile(after_ack, 99):.2f} ms after A's acknowledgement  [from the request: median "
        f"{statistics.median(after_send):.2f} ms, p99 {np.percentile(after_send, 99):.2f} ms; {len(after_ack)} of "
        f"{len(acked)} arrived]"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--writes", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--read-rounds", type=int, default=3, help="rounds of (a), each variant once a round")
    parser.add_argument("--only-reads", action="store_true", help="run (a) alone")
    parser.add_argument("--only-writes", action="store_true", help="run (c) alone")
    args = parser.parse_args()
    pg.ensure_postgis()
    wrk = ensure_wrk()
    with tempfile.TemporaryDirectory(prefix="hub-bench-workers-") as tmp, pg.Cluster() as cluster:
        folder = Path(tmp)
        os.environ["HUB_SNAPSHOT"] = str(folder / "snapshots")  # the workers' catalog snapshots, not in ~/.cache
        url = cluster.new_database()
        lite = folder / "hub.db"
        for db in (url, str(lite)):
            subprocess.run([sys.executable, "-m", "hub", "init", "--db", db], cwd=ROOT, check=True, capture_output=True)
        print(f"(load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)
        if args.only_writes:
            return 0 if writes(cluster, url, lite, args.rounds) else 1
        ok = reads(url, wrk, args.seconds, folder, args.read_rounds)
        print(f"(load average after (a): {', '.join(f'{x:.1f}' for x in os.getloadavg())})", flush=True)
        if args.only_reads:
            return 0 if ok else 1
        ok &= map_path(url, lite, args.rounds)
        ok &= writes(cluster, url, lite, args.rounds)
        propagation(url, args.writes)
    print("(taken on a 2-core machine shared with other work: absolute times vary; the ratios are the figures)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
