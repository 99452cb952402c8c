import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from shapely import Point

from hub.domain import incidents as inc
from hub.domain.access import ADMIN, ANALYST, OFFICER, PUBLIC, Viewer
from hub.domain.categories import CATEGORIES, deadline, load_categories
from hub.domain.roster import on_duty
from hub.errors import AccessDenied, Conflict, InputError
from hub.geo.measure import destination
from hub.store import Layer, Store
from hub.store.records import Incident

LOCAL = ZoneInfo("Asia/Shanghai")
CENTRE = (115.6097, 34.3767)  # 大隅首
SE_POINT = destination(*CENTRE, 135, 700)
NE_POINT = destination(*CENTRE, 45, 700)
OUTSIDE = destination(*CENTRE, 45, 2500)
WEDNESDAY_2130 = datetime(2024, 6, 5, 21, 30, tzinfo=LOCAL)

ADMIN_V = Viewer(role=ADMIN, token_id="cc")
SQ1_OFFICER = Viewer(role=OFFICER, squad_code="SQ1", token_id="o1")
SQ2_OFFICER = Viewer(role=OFFICER, squad_code="SQ2", token_id="o2")


@pytest.fixture(scope="module")
def catalog(stores):
    store = Store(stores.demo()).open()
    yield store.data
    store.close()


def submit(catalog, viewer=SQ2_OFFICER, *, at=WEDNESDAY_2130, where=SE_POINT, **changes):
    args = {
        "client_id": "7ff42856-87d4-5e64-920b-dae8fbfecd6b",
        "category_code": "OPEN_AIR_BARBECUE",
        "lon": where[0],
        "lat": where[1],
        "description": "路边露天烧烤，油烟扰民",
        "photos": ["https://img.example.cn/1.jpg"],
        "seen_at": at,
        "now": at + timedelta(minutes=10),
    }
    return inc.report(catalog, viewer, **{**args, **changes})


def case(state, squad="SQ2", **changes):
    at = WEDNESDAY_2130
    fields = {
        "geometry": Point(SE_POINT),
        "geojson": "",
        "id": 12,
        "client_id": "a328b9a0-5428-54de-92cc-ae701d7be623",
        "category": "OPEN_AIR_BARBECUE",
        "description": "烧烤",
        "seen_at": at,
        "reported_at": at,
        "reported_by": "officer:o2",
        "sector_code": "SE",
        "squad_code": squad,
        "state": state,
        "deadline": at + timedelta(hours=1),
    }
    return Incident(**{**fields, **changes})


def shift_running(shift, hour, minute):
    """Independent of hub.domain.roster: does an HH:MM–HH:MM shift run at this local time of day?"""
    start, end = (int(t[:2]) * 60 + int(t[3:]) for t in (shift.start, shift.end))
    t = hour * 60 + minute
    return start <= t < end if start < end else (t >= start or t < end)


# --- registration and dispatch ---------------------------------------------------------------


def test_a_case_in_the_south_east_at_half_past_nine_goes_to_the_squad_on_shift_there(catalog):
    incident, steps = submit(catalog)

    se_squads = {s.code for s in catalog.squads.values() if s.sector_code == "SE"}
    on_shift = {
        o.squad_code
        for o in catalog.officers.values()
        if o.squad_code in se_squads and shift_running(catalog.shifts[o.shift_code], 21, 30)
    }
    assert on_shift == {"SQ2"}
    assert {d.squad.code for d in on_duty(catalog, "SE", WEDNESDAY_2130)} == on_shift
    assert incident.sector_code == "SE"
    assert incident.squad_code == "SQ2"
    assert incident.state == inc.DISPATCHED
    now = WEDNESDAY_2130 + timedelta(minutes=10)
    assert incident.reported_at == now
    assert incident.deadline == now + CATEGORIES["OPEN_AIR_BARBECUE"].deadline
    assert incident.id == 0
    assert incident.geojson == ""
    assert incident.geometry.equals(Point(SE_POINT))
    assert [(s.action, s.from_state, s.to_state, s.actor) for s in steps] == [
        ("REGISTER", None, "DISPATCHED", "officer:o2")
    ]
    assert "SQ2" in steps[0].note
    assert "on shift" in steps[0].note


def test_a_case_seen_when_nobody_is_on_shift_goes_to_the_squad_responsible_for_the_sector(catalog):
    at = datetime(2024, 6, 6, 3, 0, tzinfo=LOCAL)
    assert on_duty(catalog, "SE", at) == []

    incident, steps = submit(catalog, at=at)

    assert incident.squad_code == "SQ2"
    assert "no squad on shift" in steps[0].note


def test_exposed_rubbish_reported_on_friday_at_five_is_due_on_monday_counting_working_hours(catalog):
    friday_5pm = datetime(2024, 6, 7, 17, 0, tzinfo=LOCAL)

    incident, _ = submit(catalog, category_code="EXPOSED_RUBBISH", seen_at=friday_5pm, now=friday_5pm)

    # 17:00–18:00 Friday is one hour; 08:00–11:00 Monday the other three
    assert incident.deadline == datetime(2024, 6, 10, 11, 0, tzinfo=LOCAL)


@pytest.mark.parametrize(
    ("dispatched", "due"),
    [
        (datetime(2024, 6, 3, 8, 0), datetime(2024, 6, 3, 12, 0)),  # ends at the end of a period, not 14:30
        (datetime(2024, 6, 3, 11, 0), datetime(2024, 6, 3, 17, 30)),
        (datetime(2024, 6, 3, 13, 0), datetime(2024, 6, 4, 8, 30)),  # not the lunch break: 3.5 h, then 0.5 h
        (datetime(2024, 6, 8, 10, 0), datetime(2024, 6, 10, 12, 0)),  # Saturday: the clock starts Monday
        (datetime(2024, 6, 7, 19, 0), datetime(2024, 6, 10, 12, 0)),
    ],
)
def test_a_working_hours_deadline_counts_only_working_hours(dispatched, due):
    assert deadline(CATEGORIES["EXPOSED_RUBBISH"], dispatched) == due
    aware = deadline(CATEGORIES["EXPOSED_RUBBISH"], dispatched.replace(tzinfo=LOCAL).astimezone(UTC))
    assert aware == due.replace(tzinfo=LOCAL)


def test_a_point_outside_every_sector_is_refused_for_an_officer(catalog):
    with pytest.raises(InputError, match="lies outside the old-town sectors; only admins") as err:
        submit(catalog, where=OUTSIDE)
    assert err.value.field == "location"


def test_a_point_outside_every_sector_is_registered_for_an_admin_with_no_sector_or_squad(catalog):
    incident, steps = submit(catalog, ADMIN_V, where=OUTSIDE)

    assert (incident.sector_code, incident.squad_code, incident.state) == (None, None, "DISPATCHED")
    assert "outside the old-town sectors" in steps[0].note


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category_code": "LITTER"}, "category", "unknown category 'LITTER'; valid codes: OUTSIDE_SHOP_TRADE"),
        ({"seen_at": WEDNESDAY_2130 + timedelta(minutes=16)}, "seenAt", "is in the future"),
        ({"seen_at": WEDNESDAY_2130 - timedelta(days=31)}, "seenAt", "more than 30 days ago"),
        ({"photos": [f"https://img.example.cn/{i}.jpg" for i in range(11)]}, "photos", "11 photos sent; the limit"),
        ({"photos": ["file:///etc/passwd"]}, "photos[0]", "not an http"),
        ({"photos": "https://img.example.cn/1.jpg"}, "photos", "must be a list"),
        ({"description": "   "}, "description", "description is empty"),
        ({"description": "烧" * 2001}, "description", "2,001 characters; the limit is 2,000"),
        ({"lon": 34.3767, "lat": 115.6097}, "location", "look swapped"),
        ({"client_id": ""}, "clientId", "clientId"),
    ],
)
def test_a_bad_report_is_refused_with_the_field_and_the_reason(catalog, changes, field, message):
    with pytest.raises(InputError, match=message) as err:
        submit(catalog, **changes)
    assert err.value.field == field


def test_a_sighting_up_to_five_minutes_ahead_of_the_clock_is_accepted(catalog):
    incident, _ = submit(catalog, seen_at=WEDNESDAY_2130 + timedelta(minutes=15))
    assert incident.seen_at == WEDNESDAY_2130 + timedelta(minutes=15)


@pytest.mark.parametrize("role", [PUBLIC, ANALYST])
def test_only_officers_and_admins_can_report(catalog, role):
    with pytest.raises(AccessDenied, match="only officers and admins"):
        submit(catalog, Viewer(role=role))


# --- workflow --------------------------------------------------------------------------------

DISALLOWED = [
    (state, action) for state in inc.STATES for action in inc.ACTIONS if state not in inc.TRANSITIONS[action][0]
]
ALLOWED = [(state, action) for state in inc.STATES for action in inc.ACTIONS if state in inc.TRANSITIONS[action][0]]


def test_the_transition_table_has_eight_moves_and_matches_the_module_docstring():
    assert len(ALLOWED) == 8
    for action, (sources, target) in inc.TRANSITIONS.items():
        line = next(x.split() for x in inc.__doc__.splitlines() if x.strip().startswith(action + " "))
        assert line[0] == action
        assert target in line
        assert all(s.rstrip(",") in sources for s in line[1 : line.index(target)])


@pytest.mark.parametrize(("state", "action"), DISALLOWED)
def test_every_move_outside_the_table_is_refused_even_for_an_admin(catalog, state, action):
    allowed = ", ".join(inc.allowed_actions(state)) or f"none (the case is {state})"
    message = f"cannot {action} a case that is {state}; allowed: {allowed}"
    with pytest.raises(Conflict, match="^" + re.escape(message) + "$") as err:
        inc.advance(catalog, ADMIN_V, case(state), action, note="why", now=WEDNESDAY_2130)
    assert err.value.code == "CONFLICT"


def test_a_refusal_names_what_is_allowed(catalog):
    with pytest.raises(Conflict, match=r"^cannot VERIFY a case that is DISPATCHED; allowed: ACCEPT, REJECT, CANCEL$"):
        inc.advance(catalog, ADMIN_V, case("DISPATCHED"), "VERIFY", note="", now=WEDNESDAY_2130)


@pytest.mark.parametrize(("state", "action"), ALLOWED)
def test_an_admin_can_take_every_move_in_the_table(catalog, state, action):
    now = WEDNESDAY_2130 + timedelta(hours=2)

    after, step = inc.advance(catalog, ADMIN_V, case(state), action, note="核查", now=now)

    target = inc.TRANSITIONS[action][1]
    assert after.state == target
    assert after.closed_at == (now if target in inc.TERMINAL else None)
    assert (step.incident_id, step.action, step.from_state, step.to_state) == (12, action, state, target)
    assert (step.actor, step.at, step.note) == ("admin:cc", now, "核查")


def test_the_assigned_squad_accepts_and_reports_a_case_handled(catalog):
    dispatched = case("DISPATCHED")

    handling, _ = inc.advance(catalog, SQ2_OFFICER, dispatched, "ACCEPT", note="", now=WEDNESDAY_2130)
    handled, step = inc.advance(catalog, SQ2_OFFICER, handling, "REPORT_HANDLED", note="已劝离", now=WEDNESDAY_2130)

    assert handled.state == "HANDLED"
    assert handled.closed_at is None
    assert step.from_state == "HANDLING"
    assert dispatched.state == "DISPATCHED"  # records are new, never changed in place


@pytest.mark.parametrize("action", ["ACCEPT", "REPORT_HANDLED"])
def test_officers_of_another_squad_are_refused(catalog, action):
    state = inc.TRANSITIONS[action][0]
    with pytest.raises(AccessDenied, match="^case 12 is assigned to squad SQ2; officers of SQ1 cannot " + action):
        inc.advance(catalog, SQ1_OFFICER, case(next(iter(state))), action, note="", now=WEDNESDAY_2130)


@pytest.mark.parametrize("action", ["VERIFY", "SEND_BACK", "CLOSE", "REJECT", "CANCEL"])
def test_only_the_command_centre_verifies_sends_back_closes_rejects_and_cancels(catalog, action):
    state = next(iter(inc.TRANSITIONS[action][0]))
    with pytest.raises(AccessDenied, match=f"only the command centre \\(admins\\) can {action}"):
        inc.advance(catalog, SQ2_OFFICER, case(state), action, note="why", now=WEDNESDAY_2130)


def test_officers_cannot_move_a_case_with_no_squad(catalog):
    with pytest.raises(AccessDenied, match="not assigned to a squad"):
        inc.advance(catalog, SQ2_OFFICER, case("DISPATCHED", squad=None), "ACCEPT", note="", now=WEDNESDAY_2130)


@pytest.mark.parametrize("action", sorted(inc.NOTE_REQUIRED))
def test_sending_back_rejecting_and_cancelling_need_a_reason(catalog, action):
    state = next(iter(inc.TRANSITIONS[action][0]))
    with pytest.raises(InputError, match=f"a note is required to {action}"):
        inc.advance(catalog, ADMIN_V, case(state), action, note="  ", now=WEDNESDAY_2130)


def test_an_unknown_action_is_refused_with_the_valid_ones(catalog):
    with pytest.raises(InputError, match="unknown action 'FINISH'; valid actions: ACCEPT, REPORT_HANDLED"):
        inc.advance(catalog, ADMIN_V, case("DISPATCHED"), "FINISH", note="", now=WEDNESDAY_2130)


# --- queries ---------------------------------------------------------------------------------


@pytest.fixture
def with_cases(catalog):
    t = WEDNESDAY_2130
    cases = [
        case("DISPATCHED", id=1, deadline=t - timedelta(hours=1)),  # overdue
        case("HANDLING", id=2, deadline=t - timedelta(hours=3)),  # overdue
        case("HANDLED", id=3, deadline=t - timedelta(hours=1)),  # with the command centre
        case("CLOSED", id=4, deadline=t - timedelta(hours=1), closed_at=t),
        case("DISPATCHED", id=5, deadline=t + timedelta(hours=1)),  # not yet due
        case("DISPATCHED", id=6, squad="SQ1", sector_code="NE", deadline=t - timedelta(hours=1)),
        case("CANCELLED", id=7, category="EMERGENCY", reported_at=t - timedelta(days=2), closed_at=t),
    ]
    return dataclasses.replace(catalog, incidents=Layer("incidents", cases, lambda x: x.id))


def test_overdue_finds_only_cases_still_waiting_to_be_handled_past_their_deadline(with_cases):
    assert [x.id for x in inc.overdue(with_cases, WEDNESDAY_2130)] == [2, 1, 6]
    assert [x.id for x in inc.overdue(with_cases, WEDNESDAY_2130, squad_code="SQ2")] == [2, 1]
    assert [x.id for x in inc.overdue(with_cases, WEDNESDAY_2130.astimezone(UTC), "SQ1")] == [6]


def test_open_cases_are_a_squads_unfinished_cases_nearest_deadline_first(with_cases):
    assert [x.id for x in inc.open_cases(with_cases, "SQ2")] == [2, 1, 3, 5]


def test_find_filters_and_sorts_by_report_time(with_cases):
    t = WEDNESDAY_2130
    assert [x.id for x in inc.find(with_cases)] == [7, 1, 2, 3, 4, 5, 6]
    assert [x.id for x in inc.find(with_cases, sector="NE")] == [6]
    assert [x.id for x in inc.find(with_cases, category="EMERGENCY", state="CANCELLED")] == [7]
    assert [x.id for x in inc.find(with_cases, until=t)] == [7]
    assert len(inc.find(with_cases, since=t, until=t + timedelta(seconds=1))) == 6
    with pytest.raises(InputError, match="unknown state 'OPEN'"):
        inc.find(with_cases, state="OPEN")


def test_a_case_reads_as_an_open311_service_request(catalog):
    incident, _ = submit(catalog)
    incident = dataclasses.replace(incident, id=41)

    request = inc.as_open311(incident, catalog=catalog)

    assert request["service_request_id"] == "41"
    assert request["status"] == "open"
    assert request["service_code"] == "OPEN_AIR_BARBECUE"
    assert request["service_name"] == "露天烧烤"
    assert (request["long"], request["lat"]) == pytest.approx(SE_POINT)
    assert request["requested_datetime"] == "2024-06-05T21:40:00+08:00"
    assert request["expected_datetime"] == "2024-06-05T22:40:00+08:00"
    assert request["agency_responsible"] == "古城综合执法大队第二分队 (SQ2)"
    closed = inc.as_open311(dataclasses.replace(incident, state="REJECTED"))
    assert (closed["status"], closed["agency_responsible"]) == ("closed", "SQ2")


# --- the category table ----------------------------------------------------------------------


def test_a_category_table_is_read_from_json(tmp_path):
    path = tmp_path / "categories.json"
    entry = {"code": "EXPOSED_RUBBISH", "name": "暴露垃圾", "cls": "CITY_APPEARANCE", "deadline": "PT4H"}
    path.write_text(json.dumps([{**entry, "working_hours": True}], ensure_ascii=False), encoding="utf-8")

    assert load_categories(path) == {"EXPOSED_RUBBISH": CATEGORIES["EXPOSED_RUBBISH"]}


GOOD = {"code": "LITTER", "name": "乱扔垃圾", "cls": "CITY_APPEARANCE", "deadline": "PT2H", "working_hours": False}


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"LITTER": GOOD}, "expected a JSON array"),
        ([], "the category table is empty"),
        ([{**GOOD, "cls": "LITTERING"}], r"entry 0 \(LITTER\): cls \"LITTERING\" is not one of STREET_ORDER"),
        ([{k: v for k, v in GOOD.items() if k != "deadline"}], "missing deadline"),
        ([{**GOOD, "deadline": "2h"}], "deadline '2h' is not an ISO 8601 duration"),
        ([{**GOOD, "deadline": "PT0M"}], "longer than zero"),
        ([{**GOOD, "deadline": 2}], "deadline must be an ISO 8601 duration string"),
        ([{**GOOD, "working_hours": "yes"}], "working_hours must be true or false"),
        ([{**GOOD, "colour": "red"}], "unknown field colour"),
        ([{**GOOD, "code": "litter"}], "UPPER_SNAKE_CASE"),
        ([GOOD, GOOD], "entry 1: code LITTER is used twice"),
    ],
)
def test_a_bad_category_table_is_refused_naming_the_entry(tmp_path, table, message):
    path = tmp_path / "categories.json"
    path.write_text(json.dumps(table, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        load_categories(path)


def test_a_category_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "categories.json"
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(InputError, match="is not valid JSON"):
        load_categories(path)
