"""The one case workflow every kind of case runs on: its tables match their modules' docstrings, permission is
checked before state, a refused move names what is allowed, and a case is overdue only while its work is owed."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from shapely import Point

from hub.domain import hazards, incidents, microservices
from hub.domain.access import ADMIN, ANALYST, INSPECTOR, VOLUNTEER, Viewer
from hub.errors import AccessDenied, Conflict, InputError
from hub.store.catalog import Catalog
from hub.store.records import Hazard, ServiceRequest

SH = ZoneInfo("Asia/Shanghai")
FOUND_AT = datetime(2023, 12, 4, 10, 0, tzinfo=SH)
SONGJI = "411403100"
ADMIN_V = Viewer(role=ADMIN, token_id="a")
SONGJI_INSPECTOR = Viewer(role=INSPECTOR, token_id="i1", unit_code=SONGJI)
OTHER_INSPECTOR = Viewer(role=INSPECTOR, token_id="i2", unit_code="411403101")
NOTHING = Catalog()
LATER = FOUND_AT + timedelta(days=7)
TEAM_VOLUNTEER = Viewer(role=VOLUNTEER, token_id="v1", unit_code="WH-DY")


def hazard(state: str, **changes) -> Hazard:
    fields = {
        "geometry": Point(115.7, 34.4),
        "geojson": "",
        "id": 7,
        "township_code": SONGJI,
        "state": state,
        "found_at": FOUND_AT,
        "due_on": date(2023, 12, 8),
    }
    return Hazard(**{**fields, **changes})


def request(state: str, **changes) -> ServiceRequest:
    at = datetime(2023, 12, 10, 9, 0, tzinfo=SH)
    fields = {"geometry": Point(115.6, 34.4), "geojson": "", "id": 3, "team_code": "WH-DY", "state": state}
    return ServiceRequest(**{**fields, "requested_at": at, "deadline": at + timedelta(days=1), **changes})


@pytest.mark.parametrize("module", [incidents, hazards, microservices], ids=["cases", "hazards", "requests"])
def test_each_kinds_transition_table_is_the_one_its_module_docstring_draws(module):
    for action, (sources, target) in module.TRANSITIONS.items():
        line = next(x.split() for x in module.__doc__.splitlines() if x.strip().startswith(action + " "))
        assert line[0] == action and target in line
        assert {s.rstrip(",") for s in line[1 : line.index(target)]} == set(sources)
    assert module.WORKFLOW.actions == tuple(module.TRANSITIONS)


def test_a_township_inspector_takes_a_hazard_from_found_to_verified_and_each_step_says_so():
    h, now, steps = hazard("FOUND"), FOUND_AT, []
    for action in ("ASSIGN", "START", "REPORT_RECTIFIED", "VERIFY"):
        now += timedelta(hours=5)
        h, step = hazards.advance(SONGJI_INSPECTOR, h, action, note="", now=now)
        steps.append((step.kind, step.case_id, step.action, step.from_state, step.to_state, step.actor))
    assert h.state == "VERIFIED" and h.closed_at == now
    assert steps[0] == ("hazard", 7, "ASSIGN", "FOUND", "ASSIGNED", "inspector:i1")
    assert [s[4] for s in steps] == ["ASSIGNED", "RECTIFYING", "RECTIFIED", "VERIFIED"]


def test_an_inspector_of_another_township_is_refused_before_the_state_is_looked_at():
    with pytest.raises(AccessDenied, match=r"^hazard 7 is assigned to township 411403100; inspectors of 411403101"):
        hazards.advance(OTHER_INSPECTOR, hazard("VERIFIED"), "ASSIGN", note="", now=FOUND_AT)


def test_only_admins_cancel_a_hazard_and_they_must_say_why():
    with pytest.raises(AccessDenied, match=re.escape("only the district safety office (admins) can CANCEL a hazard")):
        hazards.advance(SONGJI_INSPECTOR, hazard("FOUND"), "CANCEL", note="误报", now=FOUND_AT)
    with pytest.raises(InputError, match="a note is required to CANCEL a hazard"):
        hazards.advance(ADMIN_V, hazard("FOUND"), "CANCEL", note=" ", now=FOUND_AT)


def test_a_refused_move_names_the_moves_the_state_allows():
    with pytest.raises(
        Conflict, match=r"^cannot VERIFY a hazard that is ASSIGNED; allowed: START, REPORT_RECTIFIED, CANCEL$"
    ):
        hazards.advance(ADMIN_V, hazard("ASSIGNED"), "VERIFY", note="", now=FOUND_AT)
    with pytest.raises(Conflict, match=r"allowed: none \(the request is RATED\)$"):
        microservices.advance(NOTHING, ADMIN_V, request("RATED"), "TAKE", note="", now=FOUND_AT)


def test_a_move_before_the_hazard_was_found_is_refused():
    with pytest.raises(InputError, match="the hazard was reported at"):
        hazards.advance(ADMIN_V, hazard("FOUND"), "ASSIGN", note="", now=FOUND_AT - timedelta(days=1))


def test_a_hazard_is_overdue_after_its_deadline_day_while_it_is_still_to_be_rectified():
    end_of_day = datetime(2023, 12, 8, 23, 59, tzinfo=SH)
    next_morning = datetime(2023, 12, 9, 0, 1, tzinfo=SH)
    assert not hazards.WORKFLOW.is_overdue(hazard("RECTIFYING"), end_of_day)
    assert hazards.WORKFLOW.is_overdue(hazard("RECTIFYING"), next_morning)
    assert not hazards.WORKFLOW.is_overdue(hazard("RECTIFIED"), next_morning)  # with the re-inspectors now
    assert not hazards.WORKFLOW.is_overdue(hazard("VERIFIED"), next_morning)


def test_a_volunteer_rates_a_done_request_with_the_residents_rating_and_others_may_not_touch_it():
    done = request("DONE")
    rated, step = microservices.advance(None, TEAM_VOLUNTEER, done, "RATE", note="", now=LATER, rating=5)
    assert (rated.state, rated.rating, step.to_state) == ("RATED", 5, "RATED")
    with pytest.raises(InputError, match="the resident's rating, 1 to 5; got 9"):
        microservices.advance(NOTHING, TEAM_VOLUNTEER, done, "RATE", note="", now=LATER, rating=9)
    with pytest.raises(AccessDenied, match="only volunteers and admins can work on requests; this request is analyst"):
        microservices.advance(NOTHING, Viewer(role=ANALYST), done, "RATE", note="", now=FOUND_AT, rating=5)
    other = Viewer(role=VOLUNTEER, token_id="v9", unit_code="WH-GA")
    with pytest.raises(AccessDenied, match="request 3 is assigned to team WH-DY; volunteers of WH-GA cannot TAKE it"):
        microservices.advance(NOTHING, other, request("REQUESTED"), "TAKE", note="", now=LATER)


@pytest.mark.parametrize(
    ("stored", "domain"),
    [
        ("PREMISES_CATEGORIES", hazards.CATEGORIES),
        ("DEPARTMENTS", hazards.DEPARTMENTS),
        ("HAZARD_KINDS", hazards.KINDS),
        ("SEVERITIES", hazards.SEVERITIES),
        ("HAZARD_STATES", hazards.STATES),
        ("TEAM_KINDS", microservices.TEAM_KINDS),
        ("SERVICE_KINDS", microservices.KINDS),
        ("CHANNELS", microservices.CHANNELS),
        ("REQUEST_STATES", microservices.STATES),
        ("CASE_KINDS", (hazards.KIND, microservices.KIND)),
    ],
)
def test_the_store_contract_takes_exactly_the_codes_the_rules_know(stored, domain):
    from hub.store import contract

    assert getattr(contract, stored) == tuple(domain)
