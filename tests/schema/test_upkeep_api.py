"""Admins keep the governance records current one change at a time, over GraphQL: a compound taken into
management, a joint meeting with its problems, a recovered public room, a company's yearly score. Each is
idempotent on its clientId, answers bad input with userErrors, is in the audit log, and moves the figures."""

from __future__ import annotations

import uuid

import pytest

CHANGE = """mutation($input: ChangeManagementInput!) { changeManagement(input: $input) {
  replayed userErrors { field message code }
  compound { compoundId managementMode formerlyUnmanaged propertyCompany { code } committee { kind members } }
  history { mode since until current propertyCompany { code } } } }"""
MEETING = """mutation($input: RecordMeetingInput!) { recordMeeting(input: $input) {
  replayed userErrors { field message code }
  meeting { id heldOn kind parties problems { category solved solvedOn geometry } } } }"""
ROOM = """mutation($input: RecordPublicRoomInput!) { recordPublicRoom(input: $input) {
  replayed userErrors { field message code }
  publicRoom { roomId floorAreaM2 use recoveredOn geometry compound { compoundId } } } }"""
SCORE = """mutation($input: SetCreditScoreInput!) { setCreditScore(input: $input) {
  replayed userErrors { field message code } grade { company { code } year score grade listing } } }"""
STATS = "{ stats { compoundsFormerlyUnmanaged jointMeetings issuesResolved publicRoomsRecoveredM2 } }"


def key() -> str:
    return str(uuid.uuid4())


def payload(writable, document, variables, **kw):
    out = writable(document, variables, **kw)
    assert "errors" not in out, out
    (value,) = out["data"].values()
    return value


@pytest.fixture(scope="module")
def never_unmanaged(writable) -> int:
    """A compound managed since it was built, by a property company."""
    found = writable("{ compounds(first: 100) { nodes { compoundId formerlyUnmanaged managementMode } } }")
    return next(
        n["compoundId"]
        for n in found["data"]["compounds"]["nodes"]
        if not n["formerlyUnmanaged"] and n["managementMode"] == "PROPERTY_COMPANY"
    )


def test_a_compound_left_unmanaged_and_taken_in_again_is_formerly_unmanaged_with_its_history(writable, never_unmanaged):
    cid = never_unmanaged
    before = writable(STATS)["data"]["stats"]
    left = payload(writable, CHANGE, {"input": {"clientId": key(), "compoundId": cid, "since": "2024-01-10",
                                                 "mode": "UNMANAGED"}})  # fmt: skip
    assert left["userErrors"] == [] and left["compound"]["managementMode"] == "UNMANAGED"
    assert left["compound"]["propertyCompany"] is None
    committee = {
        "kind": "PROPERTY_MANAGEMENT_COMMITTEE",
        "establishedOn": "2024-02-20",
        "members": 5,
        "chairName": "王五",
    }
    taken = payload(
        writable,
        CHANGE,
        {"input": {"clientId": key(), "compoundId": cid, "since": "2024-03-01", "mode": "PROPERTY_COMPANY",
                   "propertyCompanyId": "PC002", "committee": committee}},
    )  # fmt: skip
    assert taken["userErrors"] == []
    c = taken["compound"]
    assert (c["managementMode"], c["formerlyUnmanaged"], c["propertyCompany"]) == (
        "PROPERTY_COMPANY",
        True,
        {"code": "PC002"},
    )
    assert c["committee"] == {"kind": "PROPERTY_MANAGEMENT_COMMITTEE", "members": 5}
    modes = [(p["mode"], p["since"], p["until"], p["current"]) for p in taken["history"]]
    assert modes[-2:] == [
        ("UNMANAGED", "2024-01-10", "2024-03-01", False),
        ("PROPERTY_COMPANY", "2024-03-01", None, True),
    ]
    after = writable(STATS)["data"]["stats"]
    assert after["compoundsFormerlyUnmanaged"] == before["compoundsFormerlyUnmanaged"] + 1
    listed = writable(f"{{ managementHistory(compounds: [{cid}]) {{ nodes {{ mode }} }} }}")["data"]
    assert [n["mode"] for n in listed["managementHistory"]["nodes"]][-2:] == ["UNMANAGED", "PROPERTY_COMPANY"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"mode": "PROPERTY_COMPANY", "propertyCompanyId": "PC999"}, "propertyCompanyId", "NOT_FOUND"),
        ({"mode": "PROPERTY_COMPANY"}, "propertyCompanyId", "BAD_INPUT"),
        ({"mode": "SELF_MANAGED", "propertyCompanyId": "PC001"}, "propertyCompanyId", "BAD_INPUT"),
        ({"mode": "SELF_MANAGED", "since": "1999-01-01"}, "since", "BAD_INPUT"),
        ({"mode": "SELF_MANAGED", "since": "2999-01-01"}, "since", "BAD_INPUT"),
        ({"mode": "SELF_MANAGED", "compoundId": "99999"}, "compoundId", "NOT_FOUND"),
        ({"mode": "COMMITTEE_HIRED", "compoundId": "Q29tcG91bmQ6MQ=="}, None, None),
        ({"mode": "SELF_MANAGED", "clientId": "phone-1"}, "clientId", "BAD_INPUT"),
    ],
)
def test_a_bad_management_change_is_refused_in_user_errors_and_changes_nothing(writable, change, field, code):
    before = writable("{ managementHistory(compounds: [2]) { totalCount } }")["data"]
    variables = {"input": {"clientId": key(), "compoundId": "2", "since": "2024-05-01", **change}}
    out = payload(writable, CHANGE, variables)
    if code is None:  # a global ID is a compound ID too: this one is sound
        assert out["userErrors"] == []
        return
    (error,) = out["userErrors"]
    assert (error["field"], error["code"]) == (field, code), error
    assert out["compound"] is None
    assert writable("{ managementHistory(compounds: [2]) { totalCount } }")["data"] == before


def test_only_admins_change_governance_records(writable):
    for role in ("public", "analyst", "officer"):
        out = payload(writable, SCORE, {"input": {"clientId": key(), "companyId": "PC001", "year": 2024, "score": 90}},
                      role=role, squad="SQ1" if role == "officer" else None)  # fmt: skip
        assert [e["code"] for e in out["userErrors"]] == ["FORBIDDEN"]


def test_a_joint_meeting_with_its_problems_moves_the_meeting_figures(writable):
    before = writable(STATS)["data"]["stats"]
    problems = [
        {"category": "HEATING", "description": "暖气不热", "solved": True, "solvedOn": "2024-06-10"},
        {"category": "PARKING", "description": "车位不足"},
    ]
    variables = {"input": {"clientId": key(), "compoundId": "12", "heldOn": "2024-06-01", "kind": "JOINT_MEETING",
                           "parties": ["COMMUNITY_PARTY", "RESIDENTS_COMMITTEE", "OWNERS_COMMITTEE"],
                           "problems": problems}}  # fmt: skip
    done = payload(writable, MEETING, variables)
    assert done["userErrors"] == []
    meeting = done["meeting"]
    assert (meeting["heldOn"], meeting["kind"]) == ("2024-06-01", "JOINT_MEETING")
    assert [(p["category"], p["solved"], p["solvedOn"]) for p in meeting["problems"]] == [
        ("HEATING", True, "2024-06-10"),
        ("PARKING", False, None),
    ]
    assert all(p["geometry"]["type"] == "Point" for p in meeting["problems"])
    after = writable(STATS)["data"]["stats"]
    assert after["jointMeetings"] == before["jointMeetings"] + 1
    assert after["issuesResolved"] == before["issuesResolved"] + 1
    again = payload(writable, MEETING, variables)
    assert again["replayed"] is True and again["meeting"]["id"] == meeting["id"]
    assert writable(STATS)["data"]["stats"] == after
    listed = writable('{ meetings(compounds: [12], during: {from: "2024-06-01", to: "2024-06-01"}) { totalCount } }')
    assert listed["data"]["meetings"]["totalCount"] == 1


@pytest.mark.parametrize(
    ("problem", "field"),
    [
        ({"category": "NOISE", "description": "x"}, "problems[0].category"),
        ({"category": "HEATING", "description": "  "}, "problems[0].description"),
        ({"category": "HEATING", "description": "x", "solved": True}, "problems[0].solvedOn"),
        ({"category": "HEATING", "description": "x", "solved": True, "solvedOn": "2024-05-01"}, "problems[0].solvedOn"),
        ({"category": "HEATING", "description": "x", "position": {"lon": 115.0, "lat": 34.0}}, "problems[0].position"),
    ],
)
def test_a_bad_problem_refuses_the_whole_meeting(writable, problem, field):
    before = writable(STATS)["data"]["stats"]
    variables = {"input": {"clientId": key(), "compoundId": "12", "heldOn": "2024-06-01", "kind": "JOINT_MEETING",
                           "parties": ["COMMUNITY_PARTY"], "problems": [problem]}}  # fmt: skip
    (error,) = payload(writable, MEETING, variables)["userErrors"]
    assert error["field"] == field
    assert writable(STATS)["data"]["stats"] == before


def test_a_recovered_public_room_given_on_amap_is_stored_in_wgs84_and_counted(writable):
    compound = writable("{ compounds(first: 1) { nodes { compoundId geometry } } }")["data"]["compounds"]["nodes"][0]
    ring = compound["geometry"]["coordinates"][0]
    lon = sum(p[0] for p in ring[:-1]) / (len(ring) - 1)
    lat = sum(p[1] for p in ring[:-1]) / (len(ring) - 1)
    from hub.geo.datum import wgs84_to_gcj02

    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    before = writable(STATS)["data"]["stats"]["publicRoomsRecoveredM2"]
    variables = {"input": {"clientId": key(), "compoundId": str(compound["compoundId"]), "floorAreaM2": 48.5,
                           "use": "ACTIVITY_ROOM", "recoveredOn": "2024-04-02",
                           "position": {"lon": glon, "lat": glat, "crs": "GCJ02"}}}  # fmt: skip
    done = payload(writable, ROOM, variables)
    assert done["userErrors"] == []
    stored = done["publicRoom"]["geometry"]["coordinates"]
    assert abs(stored[0] - lon) < 1e-5 and abs(stored[1] - lat) < 1e-5  # the iterative inverse: well under a metre
    assert done["publicRoom"]["compound"] == {"compoundId": compound["compoundId"]}
    assert writable(STATS)["data"]["stats"]["publicRoomsRecoveredM2"] == pytest.approx(before + 48.5)
    bad = payload(writable, ROOM, {"input": {**variables["input"], "clientId": key(), "use": "GARAGE"}})
    assert [(e["field"], e["code"]) for e in bad["userErrors"]] == [("use", "BAD_INPUT")]


def test_a_yearly_score_sets_the_grade_and_the_listing(writable):
    red = payload(writable, SCORE, {"input": {"clientId": key(), "companyId": "PC003", "year": 2024, "score": 101}})
    assert red["grade"] == {"company": {"code": "PC003"}, "year": 2024, "score": 101.0, "grade": "AAA",
                            "listing": "RED"}  # fmt: skip
    listed = writable("{ propertyCompanyGrades(year: 2024, listing: RED) { nodes { company { code } } } }")
    assert {"company": {"code": "PC003"}} in listed["data"]["propertyCompanyGrades"]["nodes"]
    black = payload(writable, SCORE, {"input": {"clientId": key(), "companyId": "PC003", "year": 2024, "score": 55}})
    assert (black["grade"]["grade"], black["grade"]["listing"]) == (None, "BLACK")
    listed = writable("{ propertyCompanyGrades(year: 2024, listing: RED) { nodes { company { code } } } }")
    assert {"company": {"code": "PC003"}} not in listed["data"]["propertyCompanyGrades"]["nodes"]
    scores = writable("{ propertyCompanies { code scores { year score } } }")["data"]["propertyCompanies"]
    (pc3,) = [c for c in scores if c["code"] == "PC003"]
    assert [s for s in pc3["scores"] if s["year"] == 2024] == [{"year": 2024, "score": 55.0}]


def test_every_change_is_in_the_audit_log(writable):
    payload(
        writable, SCORE, {"input": {"clientId": key(), "companyId": "PC004", "year": 2023, "score": 88}}, token="audit"
    )
    entries = writable('{ auditLog(entity: "propertyCompany", first: 50) { actor action entityId } }')
    assert {"actor": "admin:audit", "action": "score", "entityId": "PC004"} in entries["data"]["auditLog"]


def test_a_reused_client_id_with_another_change_is_a_conflict(writable):
    k = key()
    first = payload(writable, SCORE, {"input": {"clientId": k, "companyId": "PC005", "year": 2023, "score": 80}})
    assert first["userErrors"] == []
    second = payload(writable, SCORE, {"input": {"clientId": k, "companyId": "PC005", "year": 2023, "score": 81}})
    assert [e["code"] for e in second["userErrors"]] == ["CONFLICT"]
