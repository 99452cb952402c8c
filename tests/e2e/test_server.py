"""The real server over HTTP: started with `python -m hub serve` on a new database."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_health_says_ok_with_the_demo_data_loaded(server):
    r = httpx.get(f"{server.url}/healthz")
    assert r.status_code == 200
    assert r.json()["compounds"] == 619


def test_stats_over_http_give_the_article_figures(server):
    r = server.graphql("{ stats { compounds jointMeetings issuesResolved officers occupiedAreaClearedM2 } }")
    assert r.status_code == 200
    s = r.json()["data"]["stats"]
    assert (s["compounds"], s["jointMeetings"], s["issuesResolved"], s["officers"]) == (619, 334, 328, 66)
    assert abs(s["occupiedAreaClearedM2"] - 3862) <= 1


def test_geometry_comes_back_as_geojson_objects(server):
    r = server.graphql("{ sectors { code geometry } }")
    geom = r.json()["data"]["sectors"][0]["geometry"]
    assert geom["type"] == "Polygon"
    assert len(geom["coordinates"][0]) > 100


def test_graphiql_is_served_at_graphql(server):
    r = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"})
    assert r.status_code == 200
    assert "graphiql" in r.text.lower()


def test_graphiql_loads_every_file_from_the_hub_and_each_matches_its_integrity_hash(server):
    html = httpx.get(f"{server.url}/graphql", headers={"Accept": "text/html"}).text
    assert "unpkg.com" not in html
    assets = re.findall(r'(?:src|href)="([^"]+)"\s+integrity="sha384-([^"]+)"', html)
    assert len(assets) >= 7  # react, react-dom, js-cookie, graphiql js and css, the explorer's js and css
    for url, digest in assets:
        assert url.startswith("/static/vendor/unpkg/"), url
        body = httpx.get(f"{server.url}{url}").raise_for_status().content
        assert base64.b64encode(hashlib.sha384(body).digest()).decode() == digest, url


def test_a_token_made_by_the_cli_lets_an_officer_see_their_squad(server):
    token = server.token("--role", "officer", "--squad", "SQ2")
    r = server.graphql("{ viewer { role squadCode } squads { code officers { phone } } }", token=token)
    body = r.json()
    assert body["data"]["viewer"] == {"role": "officer", "squadCode": "SQ2"}
    for s in body["data"]["squads"]:
        assert all((o["phone"] is not None) == (s["code"] == "SQ2") for o in s["officers"])


def test_an_unknown_token_is_refused_with_401_and_a_message(server):
    r = server.graphql("{ stats { compounds } }", token="hub_00000000_" + "x" * 43)
    assert r.status_code == 401
    assert r.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"query": "{ compounds(where: {intersects: {type: \\"Polygon\\", coordinates: [[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}) { totalCount } }"}',  # noqa: E501
        b'{"query": "{ compounds(first: 1000000) { totalCount } }"}',
        b'{"query": "{ locate(lon: 200, lat: 34) { sector { code } } }"}',
        b'{"variables": 5}',
    ],
)
def test_bad_requests_never_get_a_500_or_a_stack_trace(server, body):
    r = httpx.post(f"{server.url}/graphql", content=body, headers={"content-type": "application/json"})
    assert r.status_code < 500
    assert "Traceback" not in r.text
    assert r.json().get("errors") or r.status_code == 400


def test_an_oversized_body_is_refused_with_413(server):
    r = httpx.post(f"{server.url}/graphql", content=b" " * 3_000_000, headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"


SNAPSHOT = """{
  stats { compounds compoundsWithPartyBranch compoundsWithCommittee compoundsCollectingFees compoundsFormerlyUnmanaged
    jointMeetings issuesRaised issuesResolved occupiedAreaClearedM2 occupiedAreaRemainingM2 publicRoomsRecoveredM2
    squads officers subdistricts communities grids }
  occupations(first: 1000) { totalCount nodes { id status clearedOn areaM2 } }
  incidents(first: 1000) { totalCount nodes { id state } }
  rosterRules { squadCode anchor cycle }
  rosterExceptions { id }
  frontageSignedCounts { sectorCode signed merchants }
  auditLog(first: 1000) { id }
}"""
"""Everything a write can change, read as an admin (the audit log too: a refused write leaves no row)."""
SQUARE_IN_THE_SEA = {"type": "Polygon", "coordinates": [[[0, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0, 0]]]}
BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[115.61, 34.37], [115.611, 34.371], [115.611, 34.37], [115.61, 34.371], [115.61, 34.37]]],
}
BAD_WRITES = [
    ("reportOccupation", "ReportOccupationInput", {"geometry": SQUARE_IN_THE_SEA, "kind": "STORAGE"}),
    ("reportOccupation", "ReportOccupationInput", {"geometry": BOWTIE, "kind": "STORAGE"}),
    (
        "reportOccupation",
        "ReportOccupationInput",
        {"geometry": {"type": "Polygon", "coordinates": [[[0, 0]]]}, "kind": "STORAGE"},
    ),
    ("clearOccupation", "ClearOccupationInput", {"occupationId": "999999"}),
    (
        "reportIncident",
        "ReportIncidentInput",
        {
            "category": "ILLEGAL_PARKING_MOTOR",
            "lon": 34.3767,
            "lat": 115.6097,
            "description": "lat and lon swapped",
            "seenAt": "2024-06-01T10:00:00Z",
        },
    ),
    (
        "reportIncident",
        "ReportIncidentInput",
        {
            "category": "NO_SUCH_CATEGORY",
            "lon": 115.6097,
            "lat": 34.3767,
            "description": "x",
            "seenAt": "2024-06-01T10:00:00Z",
        },
    ),
    (
        "reportIncident",
        "ReportIncidentInput",
        {
            "category": "ILLEGAL_PARKING_MOTOR",
            "lon": 115.6097,
            "lat": 34.3767,
            "description": "x",
            "seenAt": (datetime.now(UTC) + timedelta(days=2)).isoformat(),  # in the future
        },
    ),
    (
        "logPatrol",
        "LogPatrolInput",
        {
            "squadCode": "SQ1",
            "officerIds": ["NO-SUCH-OFFICER"],
            "startedAt": "2024-06-01T10:00:00Z",
            "endedAt": "2024-06-01T09:00:00Z",
            "track": {"type": "LineString", "coordinates": [[115.61, 34.37], [115.62, 34.38]]},
        },
    ),
    (
        "setRosterRule",
        "SetRosterRuleInput",
        {"squadCode": "SQ1", "anchor": "2024-06-01", "cycle": ["NO_SUCH_SHIFT"], "teams": []},
    ),
    (
        "addRosterException",
        "AddRosterExceptionInput",
        {"date": "2024-06-01", "officerId": "NO-SUCH-OFFICER", "kind": "LEAVE"},
    ),
    (
        "signFrontageAgreement",
        "SignFrontageAgreementInput",
        {"merchantId": "NO-SUCH-MERCHANT", "officerId": "OF01", "duties": ["SANITATION"]},
    ),
    ("reportOccupation", "ReportOccupationInput", {"clientId": "not-a-uuid", "geometry": BOWTIE, "kind": "STORAGE"}),
]


@pytest.fixture(scope="module")
def admin(server):
    return server.token("--role", "admin", "--label", "bad writes")


@pytest.mark.parametrize(("mutation", "input_type", "fields"), BAD_WRITES, ids=[w[0] for w in BAD_WRITES])
def test_a_bad_write_is_refused_with_a_reason_and_leaves_the_data_as_it_was(
    server, admin, mutation, input_type, fields
):
    token = admin
    before = server.graphql(SNAPSHOT, token=token).json()
    assert "errors" not in before, before
    document = (
        f"mutation($input: {input_type}!) {{ {mutation}(input: $input) {{ userErrors {{ field message code }} }} }}"
    )
    answer = server.graphql(document, {"input": {"clientId": str(uuid.uuid4()), **fields}}, token=token)
    assert answer.status_code == 200, answer.text
    assert server.graphql(SNAPSHOT, token=token).json() == before
    body = answer.json()
    errors = body.get("errors") or (body["data"][mutation] or {}).get("userErrors")
    assert errors, body  # refused, with what and where
    assert all(e.get("code") != "INTERNAL" and "internal" not in e["message"].lower() for e in errors), errors
