"""The rules of agricultural guidance over a small hand-made district: who may log a visit where and when, the
coverage since the warning, and the group covering a place. Every expectation can be worked out on paper.

Two townships side by side (WEST 102 and EAST 101), each of two villages (south and north halves), and an
urban subdistrict north of them. Group G1 is sent to WEST, G2 to EAST, for event CW; the warning went out at
09:00 on 7 December 2023.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import shapely

from hub.domain import guidance as rules
from hub.domain.access import Viewer
from hub.errors import AccessDenied, Conflict, InputError, NotAssigned, NotFound, OutsideArea
from hub.store import records as r
from hub.store.catalog import Catalog, Layer

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2023, 12, 12, 18, 0, tzinfo=SH)
WEST = shapely.box(115.40, 34.20, 115.50, 34.30)
EAST = shapely.box(115.50, 34.20, 115.60, 34.30)
URBAN = shapely.box(115.40, 34.30, 115.60, 34.40)
IN_WEST_SOUTH = (115.45, 34.22)
IN_EAST_NORTH = (115.55, 34.28)
TECH_G1 = Viewer("technician", token_id="p1", group_code="G1")
ADMIN = Viewer("admin", token_id="a1")


def catalog(*visits: r.GuidanceVisit) -> Catalog:
    def halves(code: str, box: shapely.Geometry) -> list[r.Village]:
        minx, miny, maxx, maxy = box.bounds
        mid = (miny + maxy) / 2
        return [
            r.Village(shapely.box(minx, miny, maxx, mid), "", f"{code}201", "南村", code),
            r.Village(shapely.box(minx, mid, maxx, maxy), "", f"{code}202", "北村", code),
        ]

    key = lambda x: x.code  # noqa: E731
    return Catalog(
        subdistricts=Layer("subdistricts", [r.Subdistrict(URBAN, "", "411403001", "古城街道")], key),
        townships=Layer(
            "townships",
            [r.Township(EAST, "", "411403101", "郭村镇"), r.Township(WEST, "", "411403102", "李口镇")],
            key,
        ),
        villages=Layer("villages", halves("411403101", EAST) + halves("411403102", WEST), key),
        weather_events={
            "CW": r.WeatherEvent(
                "CW", "COLD_WAVE", "寒潮", "ORANGE", datetime(2023, 12, 7, 9, tzinfo=SH), date(2023, 12, 9)
            )
        },
        guidance_groups={
            "G1": r.GuidanceGroup("G1", "CW", "第一技术指导组", ("411403102",)),
            "G2": r.GuidanceGroup("G2", "CW", "第二技术指导组", ("411403101",)),
        },
        technicians={
            "T1": r.Technician("T1", "G1", "张三", "13800000001", "CROPS", "LEADER"),
            "T2": r.Technician("T2", "G2", "李四", "13800000002", "HORTICULTURE", "LEADER"),
        },
        guidance_visits=Layer("guidance_visits", list(visits), lambda x: x.id),
    )


def visit_input(point=IN_WEST_SOUTH, **changes) -> rules.VisitInput:
    values = {
        "client_id": "c",
        "event_code": "CW",
        "group_code": None,
        "lon": point[0],
        "lat": point[1],
        "visited_on": date(2023, 12, 8),
        "site": "VILLAGE",
        "kind": "WHEAT_FROST",
        "technician_ids": ("T1",),
    }
    return rules.VisitInput(**{**values, **changes})


def test_a_technician_logs_a_visit_for_their_group_and_the_point_gives_township_and_village() -> None:
    v = rules.visit(catalog(), TECH_G1, visit_input(), now=NOW)
    assert (v.group_code, v.township_code, v.village_code) == ("G1", "411403102", "411403102201")
    assert v.logged_by == "technician:p1" and v.geometry.equals(shapely.Point(IN_WEST_SOUTH))


def test_a_point_in_an_urban_subdistrict_is_outside_every_township_and_says_where_it_is() -> None:
    with pytest.raises(OutsideArea, match=r"古城街道 \(411403001\), an urban subdistrict") as caught:
        rules.visit(catalog(), TECH_G1, visit_input((115.45, 34.35)), now=NOW)
    assert caught.value.code == "OUTSIDE_AREA" and caught.value.field == "location"
    with pytest.raises(OutsideArea, match="outside the district"):
        rules.visit(catalog(), TECH_G1, visit_input((116.0, 33.0)), now=NOW)


def test_a_group_is_refused_in_a_township_it_is_not_assigned_naming_the_group_that_is() -> None:
    with pytest.raises(
        NotAssigned, match=r"G1 is not assigned 郭村镇 \(411403101\).*group G2 \(第二技术指导组\) is"
    ) as caught:
        rules.visit(catalog(), TECH_G1, visit_input(IN_EAST_NORTH), now=NOW)
    assert caught.value.code == "NOT_ASSIGNED"


@pytest.mark.parametrize(
    ("changes", "error", "field", "words"),
    [
        ({"kind": "SNOW_CLEARING"}, InputError, "kind", "unknown kind of visit 'SNOW_CLEARING'; one of WHEAT_FROST"),
        ({"site": "ORCHARD"}, InputError, "site", "unknown site 'ORCHARD'"),
        ({"event_code": "XX"}, NotFound, "eventCode", "no weather event 'XX'; known events: CW"),
        ({"visited_on": date(2023, 12, 6)}, InputError, "visitedOn", "before the warning of CW (2023-12-07)"),
        ({"visited_on": date(2023, 12, 13)}, InputError, "visitedOn", "in the future (today is 2023-12-12)"),
        ({"technician_ids": ("T2",)}, Conflict, "technicianIds[0]", "T2 is of group G2, not G1"),
        ({"technician_ids": ("T9",)}, NotFound, "technicianIds[0]", "no technician 'T9'"),
        ({"hazards_found": -1}, InputError, "hazardsFound", "give 0 to 1000"),
        ({"advice": "x" * 2001}, InputError, "advice", "at most 2000"),
        ({"group_code": "G2"}, AccessDenied, "groupCode", "you log visits for group G1, not G2"),
    ],
)
def test_bad_visits_are_refused_saying_what_and_where(changes, error, field, words) -> None:
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")) as caught:
        rules.visit(catalog(), TECH_G1, visit_input(**changes), now=NOW)
    assert caught.value.field == field


def test_the_warning_day_counts_in_local_time_and_an_admin_must_name_the_group() -> None:
    assert rules.visit(catalog(), TECH_G1, visit_input(visited_on=date(2023, 12, 7)), now=NOW).visited_on
    with pytest.raises(InputError, match="name the group"):
        rules.visit(catalog(), ADMIN, visit_input(), now=NOW)
    assert rules.visit(catalog(), ADMIN, visit_input(group_code="G1"), now=NOW).group_code == "G1"
    with pytest.raises(AccessDenied):
        rules.visit(catalog(), Viewer("officer", "SQ1"), visit_input(), now=NOW)


def made(i: int, point, day: date, hazards: int = 0) -> r.GuidanceVisit:
    group = "G1" if point[0] < 115.5 else "G2"
    asked = visit_input(point, group_code=group, visited_on=day, technician_ids=(), hazards_found=hazards)
    return dataclasses.replace(rules.visit(catalog(), ADMIN, asked, now=NOW), id=i)


def test_coverage_counts_visits_since_the_warning_and_lists_the_villages_not_visited() -> None:
    c = catalog(
        made(1, IN_WEST_SOUTH, date(2023, 12, 8), hazards=2),
        made(2, IN_WEST_SOUTH, date(2023, 12, 10)),
        made(3, IN_EAST_NORTH, date(2023, 12, 11), hazards=1),
    )
    found = {x.township.code: x for x in rules.coverage(c, "CW")}
    west, east = found["411403102"], found["411403101"]
    assert (west.visits, west.hazards_found, west.last_visit_on) == (2, 2, date(2023, 12, 10))
    assert [v.code for v in west.unvisited_villages] == ["411403102202"]
    assert [v.code for v in east.visited_villages] == ["411403101202"]
    assert [g.code for g in east.groups] == ["G2"]
    early = {x.township.code: x for x in rules.coverage(c, "CW", as_of=date(2023, 12, 9))}
    assert early["411403101"].visits == 0 and len(early["411403101"].unvisited_villages) == 2


def test_the_group_covering_a_point_or_a_village_is_the_one_assigned_its_township() -> None:
    c = catalog()
    at = rules.cover(c, "CW", lon=IN_EAST_NORTH[0], lat=IN_EAST_NORTH[1])
    assert (at.township.code, at.village.code, [g.code for g in at.groups]) == ("411403101", "411403101202", ["G2"])
    by_village = rules.cover(c, "CW", village_code="411403102201")
    assert [g.code for g in by_village.groups] == ["G1"]
    urban = rules.cover(c, "CW", lon=115.45, lat=34.35)
    assert urban.township is None and urban.groups == ()


def test_a_township_is_given_to_one_group_of_an_event_and_groups_name_known_places_and_people() -> None:
    c = catalog()
    with pytest.raises(Conflict, match="already assigned to group G2"):
        rules.check_group(c, r.GuidanceGroup("G3", "CW", "第三组", ("411403101",)), ())
    with pytest.raises(NotFound, match="no township '411403999'"):
        rules.check_group(c, r.GuidanceGroup("G3", "CW", "第三组", ("411403999",)), ())
    with pytest.raises(NotFound, match="no technician 'T9'"):
        rules.check_group(c, r.GuidanceGroup("G1", "CW", "第一组", ("411403102",)), ("T9",))
    rules.check_group(c, r.GuidanceGroup("G1", "CW", "第一组", ("411403102",)), ("T2",))  # T2 may move to G1


def test_an_event_needs_a_known_kind_and_level_and_its_dates_in_order() -> None:
    good = catalog().weather_events["CW"]
    rules.check_event(good)
    with pytest.raises(InputError, match="unknown warning level 'PURPLE'"):
        rules.check_event(r.WeatherEvent("CW", "COLD_WAVE", "寒潮", "PURPLE", good.warned_at, good.starts_on))
    with pytest.raises(InputError, match="before startsOn"):
        rules.check_event(
            r.WeatherEvent("CW", "COLD_WAVE", "寒潮", "RED", good.warned_at, date(2023, 12, 9), date(2023, 12, 8))
        )
