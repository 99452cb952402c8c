"""A safety campaign's weekly bulletin (周通报) with 10,000 hazards: the hub over HTTP against the same figures as
one SQL GROUP BY on PostgreSQL + PostGIS.

A hub store (the demo set) gets a synthetic campaign in 宋集镇 (seeded): 3,000 premises at points in the town,
6,000 inspections over ten weeks, 10,000 hazards with their workflow steps (found, assigned, rectifying,
rectified, verified, some left open or cancelled, some late). The same rows are copied into a throwaway
PostgreSQL 15 + PostGIS 3 cluster (``bench/pg.py``), where the hazards' times become ``timestamptz``, the
deadline a ``date``, and each hazard gets the moment it was first reported rectified as a column (the hub keeps
that column too: it is part of the figures' columns it keeps current with every write), with a B-tree on
(campaign, category).

Each call asks for the bulletin of another week of the campaign (they rotate), so no answer is ever asked
twice in a row; the hub keeps no bulletin answers at all (judged cold: every request computes its figures from
the columns). The hub: ``hazardBulletin(campaign, week) { lines { …every measure } total { … } }`` over HTTP,
which also counts the premises and inspections of each category. PostgreSQL: one statement, ``SELECT
category, count(*) FILTER (…), … FROM hazards WHERE campaign_code = … GROUP BY category``, over psycopg, with
the hazards' measures only (found and major this week, found, rectified, rectified this week, verified,
verified this week, open, open major, overdue as of the week's end). Target: hub / PostgreSQL ≤ 1.0. The
answers are compared once, outside the timing (the hazards' measures, category by category). The first
bulletin after the server starts builds the columns; it is timed and printed apart, labelled.

    python bench/bench_bulletin.py [--hazards 10000] [--rounds 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import orjson
import psycopg
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import BenchServer, alternated, report
from bench.pg import cluster, mirror
from hub.domain import hazards as hz
from hub.store import Store
from hub.store import records as r

SEED = 71
SH = ZoneInfo("Asia/Shanghai")
SONGJI = "411403100"
CAMPAIGN = "BENCH-2024"
START = date(2024, 3, 4)  # a Monday
WEEKS = 10
HEADERS = {"content-type": "application/json"}
HAZARD_MEASURES = (
    "foundThisWeek",
    "majorThisWeek",
    "found",
    "rectified",
    "rectifiedThisWeek",
    "verified",
    "verifiedThisWeek",
    "open",
    "openMajor",
    "overdue",
)
BULLETIN = """query($week: Date!) { hazardBulletin(campaign: "BENCH-2024", week: $week) {
  lines { category premises inspected inspectedThisWeek inspectionsThisWeek foundThisWeek majorThisWeek found
          rectified rectifiedThisWeek verified verifiedThisWeek open openMajor overdue }
  total { premises inspected found verified open overdue } } }"""
PG_BULLETIN = """
SELECT category,
  count(*) FILTER (WHERE found_at >= %(ws)s AND found_at <= %(t)s),
  count(*) FILTER (WHERE found_at >= %(ws)s AND found_at <= %(t)s AND severity = 'MAJOR'),
  count(*) FILTER (WHERE found_at <= %(t)s AND NOT (state = 'CANCELLED' AND closed_at <= %(t)s)),
  count(*) FILTER (WHERE rectified_at <= %(t)s AND NOT (state = 'CANCELLED' AND closed_at <= %(t)s)),
  count(*) FILTER (WHERE rectified_at >= %(ws)s AND rectified_at <= %(t)s
                   AND NOT (state = 'CANCELLED' AND closed_at <= %(t)s)),
  count(*) FILTER (WHERE state = 'VERIFIED' AND closed_at <= %(t)s),
  count(*) FILTER (WHERE state = 'VERIFIED' AND closed_at >= %(ws)s AND closed_at <= %(t)s),
  count(*) FILTER (WHERE found_at <= %(t)s AND NOT (state IN ('VERIFIED', 'CANCELLED') AND closed_at <= %(t)s)),
  count(*) FILTER (WHERE found_at <= %(t)s AND severity = 'MAJOR'
                   AND NOT (state IN ('VERIFIED', 'CANCELLED') AND closed_at <= %(t)s)),
  count(*) FILTER (WHERE found_at <= %(t)s AND NOT (state IN ('VERIFIED', 'CANCELLED') AND closed_at <= %(t)s)
                   AND (rectified_at IS NULL OR rectified_at > %(t)s)
                   AND ((due_on + 1)::timestamp AT TIME ZONE 'Asia/Shanghai') < %(t)s)
FROM hazards WHERE campaign_code = %(campaign)s GROUP BY category"""


def township(store: Store) -> shapely.Geometry:
    town = store.data.townships.get(SONGJI)
    assert town is not None, "the demo set has 宋集镇"
    return town.geometry


def points_in(rng: np.random.Generator, poly: shapely.Geometry, n: int) -> np.ndarray:
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    out: list[shapely.Point] = []
    while len(out) < n:
        xs, ys = rng.uniform(minx, maxx, 4 * n), rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(poly, xs, ys)
        out.extend(shapely.points(np.round(xs[inside], 6), np.round(ys[inside], 6)).tolist())
    return np.array(out[:n], dtype=object)


def at(day: date, hour: float) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SH) + timedelta(hours=hour)


def make_campaign(store: Store, rng: np.random.Generator, n_hazards: int) -> None:
    """The campaign, its premises, inspections, hazards and steps, written through the store as the hub writes."""
    n_premises, n_inspections = max(1, n_hazards * 3 // 10), max(1, n_hazards * 6 // 10)
    spots = points_in(rng, township(store), n_premises)
    cats = np.array(hz.CATEGORIES)
    days = [START + timedelta(days=i) for i in range(WEEKS * 7 - 2)]

    def apply(uow: object) -> dict[str, int]:
        add = uow.add  # type: ignore[attr-defined]
        campaign = r.SafetyCampaign(
            CAMPAIGN, SONGJI, "压力测试专项行动", START, START + timedelta(weeks=WEEKS), ("SAFETY_OFFICE",)
        )
        uow.put(campaign)  # type: ignore[attr-defined]
        premises = [
            add(r.Premises(g, "", name=f"场所{i}", category=str(rng.choice(cats)), township_code=SONGJI))
            for i, g in enumerate(spots)
        ]
        inspections = []
        for k in range(n_inspections):
            p = premises[int(rng.integers(len(premises)))]
            day = days[min(len(days) - 1, k * len(days) // n_inspections)]
            inspections.append(
                add(
                    r.Inspection(
                        p.geometry,
                        "",
                        client_id=f"bench-{k}",
                        campaign_code=CAMPAIGN,
                        premises_id=p.id,
                        township_code=SONGJI,
                        category=p.category,
                        inspected_on=day,
                        departments=("SAFETY_OFFICE",),
                        logged_by="bench",
                        logged_at=at(day, 18),
                    )
                )
            )
        for _ in range(n_hazards):
            ins = inspections[int(rng.integers(len(inspections)))]
            assert ins.inspected_on is not None
            found = at(ins.inspected_on, float(rng.uniform(9, 17)))
            major = rng.random() < 0.08
            due = found.date() + timedelta(days=int(rng.choice((15, 30) if major else (3, 5, 7, 10))))
            h = add(
                r.Hazard(
                    ins.geometry,
                    "",
                    inspection_id=ins.id,
                    campaign_code=CAMPAIGN,
                    premises_id=ins.premises_id,
                    township_code=SONGJI,
                    category=ins.category,
                    kind="FIRE_FACILITIES",
                    severity="MAJOR" if major else "GENERAL",
                    description="",
                    found_at=found,
                    due_on=due,
                    state="FOUND",
                    reported_by="bench",
                )
            )
            add(r.CaseStep("hazard", h.id, found, "bench", hz.REPORT, None, hz.FOUND))
            state, t, closed = hz.FOUND, found, None
            plan = ("ASSIGN", "START", "REPORT_RECTIFIED", "VERIFY")
            if rng.random() < 0.03:
                plan = ("CANCEL",)
            for action in plan:
                t = t + timedelta(hours=float(rng.uniform(2, 24 * (6 if rng.random() < 0.15 else 3))))
                if rng.random() < 0.1:
                    break
                target = hz.TRANSITIONS[action][1]
                add(r.CaseStep("hazard", h.id, t, "bench", action, state, target))
                state = target
                closed = t if target in hz.TERMINAL else closed
            uow.put(r.Hazard(**{**_fields(h), "state": state, "closed_at": closed}))  # type: ignore[attr-defined]
        return {"hazards": n_hazards}

    store.submit(operation="bench", client_id=None, actor="bench", payload={}, apply=apply)  # type: ignore[arg-type]


def _fields(x: r.Hazard) -> dict[str, object]:
    return {f: getattr(x, f) for f in x.__dataclass_fields__}


def load_postgres(pg: psycopg.Connection, hub_db: Path) -> None:
    mirror(
        pg, hub_db, ["townships", "villages", "safety_campaigns", "premises", "inspections", "hazards", "case_steps"]
    )
    pg.execute(
        """ALTER TABLE hazards ALTER COLUMN found_at TYPE timestamptz USING found_at::timestamptz,
             ALTER COLUMN closed_at TYPE timestamptz USING closed_at::timestamptz,
             ALTER COLUMN due_on TYPE date USING due_on::date,
             ADD COLUMN rectified_at timestamptz"""
    )
    pg.execute(
        """UPDATE hazards h SET rectified_at = s.first FROM (SELECT case_id, min(at::timestamptz) AS first
             FROM case_steps WHERE kind = 'hazard' AND action = 'REPORT_RECTIFIED' GROUP BY case_id) s
           WHERE s.case_id = h.id"""
    )
    pg.execute("CREATE INDEX hazards_campaign_category ON hazards (campaign_code, category)")
    pg.commit()
    pg.autocommit = True
    pg.execute("VACUUM ANALYZE hazards")


def week_args(monday: date) -> dict[str, object]:
    end = datetime(monday.year, monday.month, monday.day, tzinfo=SH) + timedelta(days=7)
    return {"ws": datetime(monday.year, monday.month, monday.day, tzinfo=SH), "t": end, "campaign": CAMPAIGN}


def post(client: httpx.Client, variables: dict) -> dict:
    answer = client.post("/graphql", content=orjson.dumps({"query": BULLETIN, "variables": variables}), headers=HEADERS)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body["data"]["hazardBulletin"]


def check(client: httpx.Client, pg: psycopg.Connection, mondays: list[date]) -> str:
    """The hub's hazard measures equal PostgreSQL's, category by category, for every week (outside the timing)."""
    for monday in mondays:
        hub = {
            line["category"]: [line[m] for m in HAZARD_MEASURES]
            for line in post(client, {"week": str(monday)})["lines"]
        }
        sql = {row[0]: list(row[1:]) for row in pg.execute(PG_BULLETIN, week_args(monday)).fetchall()}
        for category, values in sql.items():
            assert hub[category] == values, (monday, category, hub[category], values)
    return f"the same ten measures in every category for all {len(mondays)} weeks"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hazards", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    rng = np.random.default_rng(SEED)
    mondays = [START + timedelta(weeks=w) for w in range(WEEKS)]
    with tempfile.TemporaryDirectory(prefix="hub-bench-bulletin-") as tmp, cluster() as dsn:
        hub_db = Path(tmp) / "hub.db"
        store = Store(hub_db).open()
        try:
            t0 = time.perf_counter()
            make_campaign(store, rng, args.hazards)
            print(
                f"wrote the campaign ({args.hazards:,} hazards) through the store in {time.perf_counter() - t0:.1f} s"
            )
        finally:
            store.close()
        with psycopg.connect(dsn) as pg:
            load_postgres(pg, hub_db)
            with BenchServer(db=hub_db) as srv, httpx.Client(base_url=srv.url, timeout=120) as client:
                t0 = time.perf_counter()
                post(client, {"week": str(mondays[-1])})
                first = time.perf_counter() - t0
                note = check(client, pg, mondays)
                turn = {"hub": 0, "pg": 0}

                def hub() -> object:
                    turn["hub"] += 1
                    return post(client, {"week": str(mondays[turn["hub"] % WEEKS])})

                def sql() -> object:
                    turn["pg"] += 1
                    return pg.execute(PG_BULLETIN, week_args(mondays[turn["pg"] % WEEKS])).fetchall()

                times = alternated({"hub": hub, "pg": sql}, rounds=args.rounds)
    hub_ms, pg_ms = (statistics.median(times[k]) * 1000 for k in ("hub", "pg"))
    ok = report(
        f"weekly bulletin, {args.hazards:,} hazards (cold: a new week each call)",
        hub_ms / pg_ms,
        1.0,
        f"hub {hub_ms:.2f} ms over HTTP (premises and inspections too) vs PostgreSQL {pg_ms:.2f} ms (one GROUP BY); "
        f"{note}",
    )
    print(f"  first bulletin after start (builds the columns), labelled apart: {first * 1000:.1f} ms")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
