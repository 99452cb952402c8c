import dataclasses
import math
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import shapely
from pyproj import Geod

from hub.domain.access import Viewer
from hub.domain.patrols import check_patrol, patrol_coverage, track_visible_to
from hub.errors import AccessDenied, GeometryError, InputError, NotFound
from hub.geo.measure import destination, distance
from hub.store import Layer, Store

SH = ZoneInfo("Asia/Shanghai")
CENTRE = (115.6097, 34.3767)
DAY = date(2024, 6, 1)
START = datetime(2024, 6, 1, 10, 0, tzinfo=SH)
NOW = datetime(2024, 6, 1, 20, 0, tzinfo=SH)
GEOD = Geod(ellps="WGS84")

ADMIN = Viewer("admin", token_id="t-admin")
SQ1 = Viewer("officer", "SQ1", token_id="t-sq1")


@pytest.fixture(scope="module")
def catalog(stores):
    store = Store(stores.demo()).open()
    yield store.data
    store.close()


@pytest.fixture
def fresh(catalog):
    """A copy of the catalog with an empty patrols layer, so patrols added by a test stay in that test."""
    return dataclasses.replace(catalog, patrols=Layer("patrols", [], lambda x: x.id))


def line(*points):
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def walk(start, bearing, legs, step_m):
    """Points from ``start``, ``legs`` steps of ``step_m`` metres along ``bearing``."""
    points = [start]
    for _ in range(legs):
        points.append(destination(*points[-1], bearing, step_m))
    return points


def squad_officers(catalog, squad):
    return [o.id for o in catalog.officers.values() if o.squad_code == squad]


def patrol(catalog, *, viewer=SQ1, squad="SQ1", officers=None, start=START, minutes=60, track=None, **kw):
    points = track or walk(destination(*CENTRE, 45, 500), 90, 10, 50)
    return check_patrol(
        catalog,
        viewer,
        client_id=kw.pop("client_id", "0f8fad5b-d9cb-469f-a165-70867728950e"),
        squad_code=squad,
        officer_ids=officers if officers is not None else squad_officers(catalog, squad)[:2],
        started_at=start,
        ended_at=start + timedelta(minutes=minutes),
        track=line(*points),
        now=kw.pop("now", NOW),
        **kw,
    )


def times_every(n, seconds, start=START):
    return [(start + timedelta(seconds=seconds * i)).isoformat() for i in range(n)]


def add(catalog, record, id):
    catalog.patrols.upsert(dataclasses.replace(record, id=id))


# --- checking a patrol ---------------------------------------------------------------------------


def test_a_valid_patrol_comes_back_as_a_record_for_the_store_to_fill(catalog):
    p = patrol(catalog, point_times=times_every(11, 60))
    assert (p.id, p.geojson, p.squad_code, p.client_id) == (0, "", "SQ1", "0f8fad5b-d9cb-469f-a165-70867728950e")
    assert p.officer_ids == tuple(squad_officers(catalog, "SQ1")[:2])
    assert p.logged_by == "officer:t-sq1"
    assert p.length_m == pytest.approx(500, abs=0.01)
    assert p.point_times[0] == "2024-06-01T10:00:00+08:00"
    assert p.geometry.geom_type == "LineString"


def test_naive_times_are_read_as_shanghai_time(catalog):
    p = patrol(catalog, start=datetime(2024, 6, 1, 10, 0), point_times=[f"2024-06-01T10:{i:02d}:00" for i in range(11)])
    assert p.started_at == START
    assert p.point_times[3] == "2024-06-01T10:03:00+08:00"


def test_utc_point_times_are_stored_in_shanghai_time(catalog):
    p = patrol(catalog, point_times=[f"2024-06-01T02:{i:02d}:00Z" for i in range(11)])
    assert p.point_times[1] == "2024-06-01T10:01:00+08:00"


def test_an_admin_may_log_a_patrol_for_any_squad(catalog):
    assert patrol(catalog, viewer=ADMIN, squad="SQ3").squad_code == "SQ3"


def test_a_viewer_of_another_squad_is_refused(catalog):
    with pytest.raises(AccessDenied, match="officer of SQ2 may not log patrols for SQ1") as err:
        patrol(catalog, viewer=Viewer("officer", "SQ2"))
    assert err.value.field == "squadCode"


@pytest.mark.parametrize("role", ["public", "analyst"])
def test_viewers_who_are_not_officers_or_admins_are_refused(catalog, role):
    with pytest.raises(AccessDenied, match=f"comes as {role}"):
        patrol(catalog, viewer=Viewer(role))


def test_an_unknown_squad_is_refused(catalog):
    with pytest.raises(NotFound, match="unknown squad 'SQ9'"):
        patrol(catalog, viewer=ADMIN, squad="SQ9", officers=["OF01"])


def test_an_unknown_officer_is_refused_by_id(catalog):
    with pytest.raises(NotFound, match="unknown officer: OF999") as err:
        patrol(catalog, officers=[squad_officers(catalog, "SQ1")[0], "OF999"])
    assert err.value.field == "officerIds[1]"


def test_an_officer_of_another_squad_is_refused_naming_the_squad(catalog):
    other = squad_officers(catalog, "SQ2")[0]
    with pytest.raises(InputError, match=rf"{other} \(SQ2\) is not an officer of SQ1") as err:
        patrol(catalog, officers=[squad_officers(catalog, "SQ1")[0], other])
    assert err.value.field == "officerIds[1]"


def test_a_patrol_without_officers_is_refused(catalog):
    with pytest.raises(InputError, match="at least one officer"):
        patrol(catalog, officers=[])


def test_a_patrol_without_a_client_id_is_refused(catalog):
    with pytest.raises(InputError, match="clientId") as err:
        patrol(catalog, client_id="")
    assert err.value.field == "clientId"


@pytest.mark.parametrize(
    ("start", "minutes", "message"),
    [
        (START, 0, "is not after startedAt"),
        (START, -30, "is not after startedAt"),
        (START - timedelta(hours=10), 17 * 60, "lasts 17.0 h; the longest a patrol may last is 16 h"),
        (NOW - timedelta(minutes=30), 36, "is in the future"),
    ],
)
def test_impossible_patrol_times_are_refused(catalog, start, minutes, message):
    with pytest.raises(InputError, match=message) as err:
        patrol(catalog, start=start, minutes=minutes)
    assert err.value.field == "endedAt"


def test_a_patrol_ending_within_the_clock_tolerance_of_now_is_accepted(catalog):
    assert patrol(catalog, start=NOW - timedelta(minutes=30), minutes=34).ended_at > NOW


def test_a_track_that_is_not_a_line_is_refused(catalog):
    with pytest.raises(GeometryError, match="expected LineString, got Point"):
        check_patrol(
            catalog,
            SQ1,
            client_id="85ad3013-6367-50e0-830f-8ce64c264db5",
            squad_code="SQ1",
            officer_ids=["OF01"],
            started_at=START,
            ended_at=START + timedelta(hours=1),
            track={"type": "Point", "coordinates": list(CENTRE)},
            now=NOW,
        )


def test_point_times_in_the_wrong_order_are_refused_with_the_point_numbers(catalog):
    times = [f"2024-06-01T10:00:{s:02d}+08:00" for s in (0, 10, 20, 30, 40)]
    times += ["2024-06-01T10:03:00+08:00", "2024-06-01T10:02:00+08:00"]  # points 6 and 7
    times += [f"2024-06-01T10:0{m}:00+08:00" for m in (7, 8, 9)] + ["2024-06-01T10:10:00+08:00"]
    with pytest.raises(InputError, match="point 7 at 10:02:00 comes before point 6 at 10:03:00") as err:
        patrol(catalog, point_times=times)
    assert err.value.field == "pointTimes[6]"


def test_point_times_must_match_the_points_one_for_one(catalog):
    with pytest.raises(InputError, match="10 point times for a track of 11 points"):
        patrol(catalog, point_times=times_every(10, 60))


@pytest.mark.parametrize("bad", ["yesterday", "2024-06-01", 1717207200])
def test_a_point_time_that_is_not_an_iso_date_and_time_is_refused(catalog, bad):
    times = times_every(11, 60)
    times[2] = bad
    with pytest.raises(InputError, match="time of point 3") as err:
        patrol(catalog, point_times=times)
    assert err.value.field == "pointTimes[2]"


def test_a_point_time_well_outside_the_patrol_is_refused(catalog):
    times = times_every(11, 60, start=START - timedelta(minutes=6))
    with pytest.raises(InputError, match="point 1 at 09:54:00 is more than 5 minutes before startedAt 10:00:00"):
        patrol(catalog, point_times=times)


def test_a_point_time_just_outside_the_patrol_is_tolerated(catalog):
    assert patrol(catalog, point_times=times_every(11, 60, start=START - timedelta(minutes=4))).point_times


def test_a_leg_at_300_kmh_is_refused(catalog):
    points = walk(destination(*CENTRE, 45, 300), 90, 11, 50)  # points 1..12, 50 m apart
    points.append(destination(*points[-1], 90, 250))  # point 13: 250 m further
    times = times_every(12, 60)
    times.append((START + timedelta(seconds=11 * 60 + 3)).isoformat())  # ... 3 s later: 300 km/h
    with pytest.raises(InputError, match=r"leg 12→13 is 300 km/h \(250 m in 3 s, more than 25 m of GPS") as err:
        patrol(catalog, track=points, point_times=times)
    assert err.value.field == "track.coordinates[12]"


def test_a_jump_between_points_with_the_same_time_is_refused(catalog):
    track = walk(destination(*CENTRE, 45, 300), 90, 10, 150)
    times = times_every(11, 60)
    times[4] = times[3]
    with pytest.raises(InputError, match="leg 4→5 is an instant jump"):
        patrol(catalog, track=track, point_times=times)


def test_gps_jitter_of_a_walk_sampled_every_second_is_accepted(catalog):
    """A walk at 5 km/h, one fix a second, each fix up to 20 m off in a random direction (legs of up
    to ~40 m in a second, 'over 140 km/h' taken at face value), and two fixes with the same time."""
    import random

    rng = random.Random(3)
    true = walk(destination(*CENTRE, 45, 300), 90, 600, 5 / 3.6)  # 600 s at 5 km/h
    fixes = [destination(*p, rng.uniform(0, 360), rng.uniform(0, 20)) for p in true]
    times = times_every(len(fixes), 1)
    times[100] = times[99]
    stored = patrol(catalog, track=fixes, point_times=times, minutes=11)
    assert len(stored.point_times) == len(fixes)


def test_a_track_too_long_for_its_duration_is_refused_without_point_times(catalog):
    track = walk(destination(*CENTRE, 45, 300), 90, 10, 100)  # 1,000 m
    with pytest.raises(InputError, match="the track is 1,000 m long in 30 s, 120 km/h on average; the limit is 80"):
        check_patrol(
            catalog,
            SQ1,
            client_id="85ad3013-6367-50e0-830f-8ce64c264db5",
            squad_code="SQ1",
            officer_ids=["OF01"],
            started_at=START,
            ended_at=START + timedelta(seconds=30),
            track=line(*track),
            now=NOW,
        )


def test_a_track_5_km_away_is_refused(catalog):
    far = destination(*CENTRE, 200, 5000)
    with pytest.raises(InputError, match=r"point 1 .* is 5,000 m from 大隅首; a patrol stays within 2,457 m") as err:
        patrol(catalog, track=walk(far, 90, 3, 50))
    assert err.value.field == "track.coordinates[0]"


def test_the_first_point_beyond_the_ring_is_named(catalog):
    track = walk(destination(*CENTRE, 90, 2300), 90, 5, 50)  # 2,300, 2,350, ... 2,550 m from the centre
    with pytest.raises(InputError, match=r"point 5 .* is 2,500 m from") as err:
        patrol(catalog, track=track)
    assert err.value.field == "track.coordinates[4]"


# --- privacy ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("viewer", "visible"),
    [
        (Viewer("officer", "SQ1"), True),
        (Viewer("admin"), True),
        (Viewer("officer", "SQ2"), False),
        (Viewer("analyst"), False),
        (Viewer(), False),
    ],
)
def test_a_track_is_visible_to_its_own_squad_and_admins_only(catalog, viewer, visible):
    assert track_visible_to(viewer, patrol(catalog)) is visible


# --- coverage --------------------------------------------------------------------------------------


def geodesic_area(polygon):
    area, _ = GEOD.geometry_area_perimeter(shapely.geometry.polygon.orient(polygon, 1.0))
    return abs(area)


def straight_km_in_ne():
    """1,000 m across the NE quadrant: its ends are 943 m from the centre and 212 m from the sector's edges."""
    middle = destination(*CENTRE, 45, 800)
    return [destination(*middle, 315, 500), destination(*middle, 135, 500)]


def test_a_straight_km_inside_a_sector_covers_a_100_m_wide_band_with_round_ends(fresh):
    add(fresh, patrol(fresh, track=straight_km_in_ne()), 1)
    cov = patrol_coverage(fresh, "NE", DAY)
    expected_m2 = 1000 * 100 + math.pi * 50**2  # by hand: a 1 km × 100 m band and two half discs
    sector_m2 = geodesic_area(fresh.sectors.get("NE").geometry)
    assert cov.covered_m2 == pytest.approx(expected_m2, rel=0.01)
    assert cov.share == pytest.approx(expected_m2 / sector_m2, rel=0.01)
    assert cov.sector_m2 == pytest.approx(sector_m2, rel=1e-6)
    assert (cov.patrols, cov.length_m) == (1, pytest.approx(1000, abs=0.01))


def test_a_sector_nobody_patrolled_has_no_coverage(fresh):
    add(fresh, patrol(fresh, track=straight_km_in_ne()), 1)
    cov = patrol_coverage(fresh, "SW", DAY)
    assert (cov.share, cov.covered_m2, cov.patrols, cov.grids_passed, cov.merchants_passed) == (0.0, 0.0, 0, [], [])


def test_a_patrol_on_another_day_does_not_count(fresh):
    add(fresh, patrol(fresh, track=straight_km_in_ne(), start=START - timedelta(days=2)), 1)
    assert patrol_coverage(fresh, "NE", DAY).patrols == 0
    assert patrol_coverage(fresh, "NE", DAY - timedelta(days=2)).patrols == 1


def test_a_night_patrol_counts_on_both_days_it_spans(fresh):
    night = datetime(2024, 5, 31, 22, 0, tzinfo=SH)
    add(fresh, patrol(fresh, track=straight_km_in_ne(), start=night, minutes=240), 1)
    assert [patrol_coverage(fresh, "NE", d).patrols for d in (date(2024, 5, 31), DAY, date(2024, 6, 2))] == [1, 1, 0]


def test_two_patrols_over_the_same_street_count_its_area_once(fresh):
    add(fresh, patrol(fresh, track=straight_km_in_ne()), 1)
    one = patrol_coverage(fresh, "NE", DAY)
    add(fresh, patrol(fresh, track=straight_km_in_ne(), start=START + timedelta(hours=2)), 2)
    two = patrol_coverage(fresh, "NE", DAY)
    assert two.share == pytest.approx(one.share, rel=1e-9)
    assert (two.patrols, two.length_m) == (2, pytest.approx(2000, abs=0.01))


def test_an_unknown_sector_is_refused(fresh):
    with pytest.raises(NotFound, match="unknown sector 'XX'"):
        patrol_coverage(fresh, "XX", DAY)


def merchant_pair(catalog, sector="NE"):
    """Two merchants of the sector 110–125 m apart."""
    poly = catalog.sectors.get(sector).geometry
    shops = [m for m in catalog.merchants if m.sector_code == sector and poly.contains(m.geometry)]
    for a in shops:
        for b in shops:
            if a.id < b.id and 110 < distance(a.geometry.x, a.geometry.y, b.geometry.x, b.geometry.y) < 125:
                return a, b
    raise AssertionError("the demo data has no merchants 110–125 m apart")


def test_merchants_within_50_m_are_listed_and_one_80_m_away_is_not(fresh):
    near, far = merchant_pair(fresh)
    az, _, sep = GEOD.inv(near.geometry.x, near.geometry.y, far.geometry.x, far.geometry.y)
    crossing = destination(near.geometry.x, near.geometry.y, az, sep - 80)  # 80 m short of `far`
    _, back, _ = GEOD.inv(far.geometry.x, far.geometry.y, *crossing)
    track = [destination(*crossing, back + 90, 100), destination(*crossing, back - 90, 100)]  # across the line
    assert distance(*crossing, near.geometry.x, near.geometry.y) < 50
    add(fresh, patrol(fresh, track=track), 1)
    cov = patrol_coverage(fresh, "NE", DAY)
    assert near.id in cov.merchants_passed
    assert far.id not in cov.merchants_passed
    assert cov.merchants_passed == sorted(cov.merchants_passed)


def test_grids_passed_include_the_grid_under_the_track_and_all_touch_the_sector(fresh):
    track = straight_km_in_ne()
    add(fresh, patrol(fresh, track=track), 1)
    cov = patrol_coverage(fresh, "NE", DAY)
    under = fresh.grids.at(fresh.grids.containing(*destination(*CENTRE, 45, 800)))
    assert under and under[0].code in cov.grids_passed
    sector = fresh.sectors.get("NE").geometry
    assert all(fresh.grids.get(code).geometry.intersects(sector) for code in cov.grids_passed)
    assert cov.grids_passed == sorted(cov.grids_passed)


def test_tests_do_not_leak_patrols_into_the_shared_catalog(catalog):
    assert len(catalog.patrols) == 0
