"""The old town's sectors, and `locate`: what lies at a point and who is on duty there."""

from __future__ import annotations

import math
from collections import defaultdict

import pytest
import shapely
from pyproj import Geod

from tests.common import CENTRE, layer

GEOD = Geod(ellps="WGS84")
LOCATE = """query($lon: Float!, $lat: Float!, $at: DateTime) { locate(lon: $lon, lat: $lat, at: $at) {
  subdistrict { code name } community { code } grid { code } compound { name } sector { code name }
  onDuty { squad { code } shifts { code start end } officers { id shiftCode name phone } } } }"""


def point_at(bearing, meters):
    lon, lat, _ = GEOD.fwd(*CENTRE, bearing, meters)
    return lon, lat


def test_the_four_sectors_add_up_to_the_old_town_zone(run):
    sectors = run("{ sectors { code areaM2 squad { code } } }")["data"]["sectors"]
    assert sorted(s["code"] for s in sectors) == ["NE", "NW", "SE", "SW"]
    total = sum(s["areaM2"] for s in sectors)
    assert total == pytest.approx(6.67e6, rel=0.005)
    assert total == pytest.approx(math.pi * 1457**2, rel=0.001)
    assert len({s["squad"]["code"] for s in sectors}) == 4


def test_a_point_500_m_north_east_of_dayushou_lies_in_the_north_east_sector_with_its_squad_on_duty(run):
    lon, lat = point_at(45, 500)
    out = run(LOCATE, {"lon": lon, "lat": lat, "at": "2024-06-01T10:00:00+08:00"})
    loc = out["data"]["locate"]
    assert loc["sector"]["code"] == "NE"
    assert loc["subdistrict"]["code"] == "411403001"  # 古城街道 holds the old town
    sectors = run("{ sectors { code squad { code } } }")["data"]["sectors"]
    ne_squad = next(s["squad"]["code"] for s in sectors if s["code"] == "NE")
    assert [d["squad"]["code"] for d in loc["onDuty"]] == [ne_squad]
    officers = loc["onDuty"][0]["officers"]
    assert officers
    shifts = {s["code"]: s for s in run("{ shifts { code start end } }")["data"]["shifts"]}
    for o in officers:  # everyone listed is on a shift that runs at 10:00
        s = shifts[o["shiftCode"]]
        assert s["start"] <= "10:00" < (s["end"] if s["end"] > s["start"] else "24:00")


def test_the_officers_on_duty_change_with_the_time_of_day(run):
    lon, lat = point_at(45, 500)
    morning = run(LOCATE, {"lon": lon, "lat": lat, "at": "2024-06-01T07:30:00+08:00"})["data"]["locate"]
    late = run(LOCATE, {"lon": lon, "lat": lat, "at": "2024-06-01T23:30:00+08:00"})["data"]["locate"]
    night = run(LOCATE, {"lon": lon, "lat": lat, "at": "2024-06-02T04:00:00+08:00"})["data"]["locate"]
    ids = lambda loc: {o["id"] for d in loc["onDuty"] for o in d["officers"]}  # noqa: E731
    assert ids(morning) and ids(late)
    assert ids(morning) != ids(late)
    assert night["onDuty"] == []  # nobody is rostered 02:00–07:00


def test_the_same_moment_in_utc_gives_the_same_answer(run):
    lon, lat = point_at(135, 700)
    a = run(LOCATE, {"lon": lon, "lat": lat, "at": "2024-06-01T21:30:00+08:00"})["data"]["locate"]
    b = run(LOCATE, {"lon": lon, "lat": lat, "at": "2024-06-01T13:30:00Z"})["data"]["locate"]
    assert a["sector"]["code"] == "SE"
    assert a["onDuty"] == b["onDuty"]


def test_a_point_outside_the_ring_has_no_sector_and_nobody_on_duty(run):
    lon, lat = point_at(200, 1600)
    loc = run(LOCATE, {"lon": lon, "lat": lat})["data"]["locate"]
    assert loc["sector"] is None
    assert loc["onDuty"] == []


@pytest.mark.parametrize(("bearing", "code"), [(10, "NE"), (100, "SE"), (190, "SW"), (280, "NW")])
def test_each_quadrant_locates_to_its_sector(run, bearing, code):
    lon, lat = point_at(bearing, 1000)
    assert run(LOCATE, {"lon": lon, "lat": lat})["data"]["locate"]["sector"]["code"] == code


def test_a_point_in_a_compound_locates_to_that_compound_and_its_community(run):
    c = layer("compounds").iloc[10]
    p = c.geometry.representative_point()
    loc = run(LOCATE, {"lon": p.x, "lat": p.y})["data"]["locate"]
    assert loc["compound"]["name"] == c["name"]
    assert loc["community"]["code"] == c["community_code"]
    assert loc["grid"]["code"].startswith(c["community_code"])


def shared_vertex(store, table: str) -> tuple[tuple[float, float], list[str]]:
    """A vertex that two or more of a layer's stored polygons have exactly (a point on their shared border,
    the one shared by the fewest), and the codes of every polygon of the layer the point lies in or on,
    worked out with shapely from the geometries as stored (WKB), not through the hub."""
    rows = store.db.read(f"SELECT code, geom FROM {table} ORDER BY code")
    geoms = shapely.from_wkb([r["geom"] for r in rows])
    owners: dict[tuple[float, float], set[str]] = defaultdict(set)
    for row, geom in zip(rows, geoms, strict=True):
        for poly in getattr(geom, "geoms", [geom]):
            for xy in poly.exterior.coords:
                owners[xy].add(row["code"])
    fewest = min(len(codes) for codes in owners.values() if len(codes) >= 2)
    xy = min(xy for xy, codes in owners.items() if len(codes) == fewest)
    return xy, sorted(r["code"] for r, on in zip(rows, shapely.intersects_xy(geoms, *xy), strict=True) if on)


@pytest.mark.parametrize(
    ("table", "field"),
    [("sectors", "sector"), ("grids", "grid"), ("communities", "community"), ("subdistricts", "subdistrict")],
)
def test_a_point_on_a_shared_border_locates_to_the_neighbour_with_the_lowest_code(run, demo_store, table, field):
    (lon, lat), codes = shared_vertex(demo_store, table)
    assert len(codes) >= 2, codes  # the point really is on (at least) two of them
    loc = run(LOCATE, {"lon": lon, "lat": lat})["data"]["locate"]
    assert loc[field]["code"] == min(codes)
