"""Patrols through the API: checked tracks, coverage figures, and tracks only for those who may see them."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from hub.geo.measure import destination
from tests.common import CENTRE

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2024, 6, 5, 12, 0, tzinfo=SH)
LOG = """mutation($input: LogPatrolInput!) { logPatrol(input: $input) {
  replayed userErrors { field message code } patrol { id lengthM track pointTimes } } }"""


def ne_track(n=11, step_m=100.0, seconds=60):
    start = destination(*CENTRE, 45, 300)
    points = [destination(*start, 45, i * step_m) for i in range(n)]
    times = [datetime(2024, 6, 5, 10, 0, tzinfo=SH).replace(minute=i * seconds // 60).isoformat() for i in range(n)]
    return {"type": "LineString", "coordinates": [list(p) for p in points]}, times


def log(writable, *, track=None, times=None, squad="SQ1", role="officer", viewer_squad="SQ1"):
    default_track, default_times = ne_track()
    officers = sorted(o.id for o in writable.store.data.officers.values() if o.squad_code == squad)[:2]
    variables = {
        "input": {
            "clientId": str(uuid.uuid4()),
            "squadCode": squad,
            "officerIds": officers,
            "startedAt": "2024-06-05T10:00:00+08:00",
            "endedAt": "2024-06-05T10:30:00+08:00",
            "track": track or default_track,
            "pointTimes": times if times is not None else default_times,
        }
    }
    return writable(LOG, variables, role=role, squad=viewer_squad, now=NOW)["data"]["logPatrol"]


def test_a_logged_patrol_counts_towards_the_sectors_coverage(writable):
    q = '{ patrolCoverage(sector: "NE", date: "2024-06-05") { share coveredM2 sectorM2 patrols lengthM } }'
    before = writable(q)["data"]["patrolCoverage"]
    out = log(writable)
    assert out["userErrors"] == [], out
    assert out["patrol"]["lengthM"] == pytest.approx(1000, rel=0.001)
    after = writable(q)["data"]["patrolCoverage"]
    assert after["patrols"] == before["patrols"] + 1
    # a 1 km straight track well inside the sector covers about 1000 × 100 + π·50² m²
    assert after["coveredM2"] - before["coveredM2"] == pytest.approx(107_854, rel=0.01)


@pytest.mark.parametrize(
    ("mutate", "words"),
    [
        (lambda tr, ti: (tr, [*ti[:3], ti[5], ti[4], *ti[5:]][: len(ti)]), "before"),
        (
            lambda tr, ti: (
                {"type": "LineString", "coordinates": [tr["coordinates"][0], list(destination(*CENTRE, 45, 5300))]},
                ti[:2],
            ),
            None,
        ),
    ],
)
def test_bad_tracks_are_refused_and_nothing_is_stored(writable, mutate, words):
    track, times = mutate(*ne_track())
    before = len(writable.store.data.patrols)
    out = log(writable, track=track, times=times)
    assert out["patrol"] is None and out["userErrors"], out
    if words:
        assert words in out["userErrors"][0]["message"]
    assert len(writable.store.data.patrols) == before


def test_a_300_kmh_leg_is_refused(writable):
    track, times = ne_track()
    fast = [t if i != 6 else times[5].replace(":05:00", ":05:01") for i, t in enumerate(times)]
    out = log(writable, track=track, times=fast)
    assert out["patrol"] is None
    assert "km/h" in out["userErrors"][0]["message"]


def test_only_the_squad_and_admins_see_the_raw_track(writable):
    out = log(writable)
    pid = out["patrol"]["id"]
    assert out["patrol"]["track"]["type"] == "LineString"
    q = "query($id: ID!) { node(id: $id) { ... on Patrol { track pointTimes lengthM } } }"
    other = writable(q, {"id": pid}, role="officer", squad="SQ2")["data"]["node"]
    assert other["track"] is None and other["pointTimes"] is None and other["lengthM"] > 0
    assert writable(q, {"id": pid}, role="analyst")["data"]["node"]["track"] is None
    assert writable(q, {"id": pid}, role="admin")["data"]["node"]["track"]["type"] == "LineString"


def test_another_squad_cannot_log_for_this_one(writable):
    out = log(writable, viewer_squad="SQ2")
    assert out["userErrors"][0]["code"] == "FORBIDDEN"
