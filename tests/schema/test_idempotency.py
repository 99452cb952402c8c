"""Idempotency keys belong to the caller who sent them, and who may write is checked before any replay."""

from __future__ import annotations

import uuid

from hub.geo.measure import destination
from tests.common import CENTRE
from tests.schema.test_incidents_api import NOW, REPORT, SEEN


def _input(client_id: str, description: str = "露天烧烤，占用人行道") -> dict:
    lon, lat = destination(*CENTRE, 135, 700)
    return {
        "input": {
            "clientId": client_id,
            "category": "OPEN_AIR_BARBECUE",
            "lon": lon,
            "lat": lat,
            "description": description,
            "seenAt": SEEN,
        }
    }


def _report(writable, client_id, *, token, role="officer", squad="SQ2", description="露天烧烤，占用人行道"):
    out = writable(REPORT, _input(client_id, description), role=role, squad=squad, now=NOW, token=token)
    return out["data"]["reportIncident"]


def test_the_same_caller_retrying_gets_its_own_case_back(writable):
    cid = str(uuid.uuid4())
    first = _report(writable, cid, token="phone-a")
    again = _report(writable, cid, token="phone-a")
    assert (first["replayed"], again["replayed"]) == (False, True)
    assert again["incident"]["caseNumber"] == first["incident"]["caseNumber"]


def test_the_public_resending_an_officers_report_is_refused_not_replayed(writable):
    cid = str(uuid.uuid4())
    _report(writable, cid, token="phone-a")
    out = _report(writable, cid, token="anon", role="public", squad=None)
    assert out["replayed"] is False
    assert out["incident"] is None
    assert [e["code"] for e in out["userErrors"]] == ["FORBIDDEN"]


def test_another_officer_sending_the_same_uuid_gets_no_replay_of_someone_elses_case(writable):
    cid = str(uuid.uuid4())
    first = _report(writable, cid, token="phone-a")
    other = _report(writable, cid, token="phone-b", squad="SQ1")
    assert other["replayed"] is False
    assert other["incident"] is None or other["incident"]["caseNumber"] != first["incident"]["caseNumber"]


def test_a_conflict_on_a_reused_uuid_names_nothing_of_another_callers_request(writable):
    cid = str(uuid.uuid4())
    _report(writable, cid, token="phone-a", description="张三在门口烧烤 13812345678")
    other = _report(writable, cid, token="phone-b", description="something else entirely")
    assert other["incident"] is None
    (error,) = other["userErrors"]
    assert error["code"] == "CONFLICT"
    assert "张三" not in error["message"] and "13812345678" not in error["message"]
    assert "reportIncident" not in error["message"]  # the other caller's operation is not named


def test_the_same_caller_reusing_a_uuid_for_another_payload_is_told_which_of_its_own_requests_it_was(writable):
    cid = str(uuid.uuid4())
    _report(writable, cid, token="phone-c")
    out = _report(writable, cid, token="phone-c", description="a different report")
    (error,) = out["userErrors"]
    assert error["code"] == "CONFLICT" and "reportIncident" in error["message"]
