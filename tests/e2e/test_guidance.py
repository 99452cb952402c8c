"""Agricultural guidance end to end over HTTP, on a server of its own (it writes): an admin declares a snow event
and forms a group for one township, a technician's phone logs visits (a retry is answered from the first
write; a point in the city or in another township is refused), coverage and the covering group follow, and the
figures come as GraphQL and as CSV; the public sees the visits without the advice."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from shapely.geometry import shape

from tests.common import CENTRE, FIXTURES
from tests.conftest import Server

pytestmark = pytest.mark.e2e

TOWN = "411403104"  # 坞墙镇
OTHER_TOWN = "411403102"  # 李口镇
LOG = """mutation($input: LogGuidanceVisitInput!) { logGuidanceVisit(input: $input) {
  replayed userErrors { field code message } visit { visitId townshipCode villageCode advice } } }"""


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("guidance") / "hub.db").start()
    yield srv
    srv.stop()


def villages_of(town: str) -> list[dict]:
    features = json.loads((FIXTURES / "villages.geojson").read_text(encoding="utf-8"))["features"]
    return [f for f in features if f["properties"]["township_code"] == town]


def point_in(feature: dict) -> dict[str, float]:
    p = shape(feature["geometry"]).representative_point()
    return {"lon": p.x, "lat": p.y}


def ok(response: httpx.Response, name: str) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"][name]


def test_a_snow_event_from_declaration_to_figures(own_server: Server) -> None:
    admin = own_server.token("--role", "admin")
    today = datetime.now(UTC).astimezone().date()
    # create: the event and a group sent to one township, two technicians moved into it
    event = ok(
        own_server.graphql(
            """mutation($i: DeclareWeatherEventInput!) { declareWeatherEvent(input: $i) {
                 userErrors { code } event { code } } }""",
            {
                "i": {
                    "clientId": str(uuid.uuid4()),
                    "code": "SN-E2E",
                    "kind": "BLIZZARD",
                    "name": "暴雪过程",
                    "warningLevel": "YELLOW",
                    "warnedAt": (datetime.now(UTC) - timedelta(days=2)).isoformat(),
                    "startsOn": (today - timedelta(days=1)).isoformat(),
                }
            },
            token=admin,
        ),
        "declareWeatherEvent",
    )
    assert event == {"userErrors": [], "event": {"code": "SN-E2E"}}
    group = ok(
        own_server.graphql(
            """mutation($i: SetGuidanceGroupInput!) { setGuidanceGroup(input: $i) {
                 userErrors { code } group { code townships { code } technicianCount } } }""",
            {
                "i": {
                    "clientId": str(uuid.uuid4()),
                    "code": "SN1",
                    "eventCode": "SN-E2E",
                    "name": "暴雪技术指导组",
                    "townships": [TOWN],
                    "technicianIds": ["AT30", "AT31"],
                    "hotline": "0370-3000000",
                }
            },
            token=admin,
        ),
        "setGuidanceGroup",
    )
    assert group == {"userErrors": [], "group": {"code": "SN1", "townships": [{"code": TOWN}], "technicianCount": 2}}
    phone = own_server.token("--role", "technician", "--group", "SN1")

    # progress: visits from the technician's phone, one sent twice, two refused
    villages = villages_of(TOWN)
    visit = {
        "eventCode": "SN-E2E",
        "visitedOn": today.isoformat(),
        "site": "GREENHOUSE",
        "kind": "GREENHOUSE_REINFORCEMENT",
        "technicianIds": ["AT30"],
        "advice": "清除棚面积雪",
        "hazardsFound": 1,
    }
    key = str(uuid.uuid4())
    first = ok(
        own_server.graphql(LOG, {"input": {"clientId": key, **visit, **point_in(villages[0])}}, token=phone),
        "logGuidanceVisit",
    )
    assert first["userErrors"] == [] and first["visit"]["villageCode"] == villages[0]["properties"]["code"]
    retry = ok(
        own_server.graphql(LOG, {"input": {"clientId": key, **visit, **point_in(villages[0])}}, token=phone),
        "logGuidanceVisit",
    )
    assert retry["replayed"] is True and retry["visit"]["visitId"] == first["visit"]["visitId"]
    second = ok(
        own_server.graphql(
            LOG,
            {"input": {"clientId": str(uuid.uuid4()), **visit, "hazardsFound": 0, **point_in(villages[1])}},
            token=phone,
        ),
        "logGuidanceVisit",
    )
    assert second["userErrors"] == []
    city = ok(
        own_server.graphql(
            LOG,
            {"input": {"clientId": str(uuid.uuid4()), **visit, "lon": CENTRE[0], "lat": CENTRE[1]}},
            token=phone,
        ),
        "logGuidanceVisit",
    )
    assert city["userErrors"][0]["code"] == "OUTSIDE_AREA" and city["visit"] is None
    elsewhere = ok(
        own_server.graphql(
            LOG,
            {"input": {"clientId": str(uuid.uuid4()), **visit, **point_in(villages_of(OTHER_TOWN)[0])}},
            token=phone,
        ),
        "logGuidanceVisit",
    )
    assert elsewhere["userErrors"][0]["code"] == "NOT_ASSIGNED"

    # query: coverage, the covering group, the visits as the public sees them
    coverage = ok(
        own_server.graphql(
            '{ guidanceCoverage(event: "SN-E2E") { township { code } visits hazardsFound villages '
            "unvisitedVillages { code } } }"
        ),
        "guidanceCoverage",
    )
    assert coverage == [
        {
            "township": {"code": TOWN},
            "visits": 2,
            "hazardsFound": 1,
            "villages": len(villages),
            "unvisitedVillages": [{"code": v["properties"]["code"]} for v in villages[2:]],
        }
    ]
    cover = ok(
        own_server.graphql(
            'query($lon: Float!, $lat: Float!) { guidanceCover(event: "SN-E2E", lon: $lon, lat: $lat) '
            "{ groups { code hotline } } }",
            point_in(villages[5]),
        ),
        "guidanceCover",
    )
    assert cover == {"groups": [{"code": "SN1", "hotline": "0370-3000000"}]}
    public = ok(own_server.graphql('{ guidanceVisits(event: "SN-E2E") { nodes { advice } } }'), "guidanceVisits")
    assert public["nodes"] == [{"advice": None}, {"advice": None}]

    # figures: GraphQL and the CSV export agree
    figures = ok(
        own_server.graphql(
            '{ guidanceVisitFigures(groupBy: [TOWNSHIP], filter: {weatherEvents: ["SN-E2E"]}) '
            "{ groups { key { township { code } } count hazardsFound } } }"
        ),
        "guidanceVisitFigures",
    )
    assert figures["groups"] == [{"key": {"township": {"code": TOWN}}, "count": 2, "hazardsFound": 1}]
    r = httpx.get(
        f"{own_server.url}/export/figures/guidance-visits.csv",
        params={"groupBy": "TOWNSHIP", "weatherEvents": "SN-E2E"},
        timeout=30,
    )
    assert r.status_code == 200
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["乡镇代码", "乡镇", "指导次数", "发现隐患数"]
    assert rows[1][:4] == [TOWN, "坞墙镇", "2", "1"]

    # the audit log holds each write once, with the technician's token
    audit = ok(own_server.graphql('{ auditLog(entity: "guidance_visit") { action actor } }', token=admin), "auditLog")
    assert len(audit) == 2 and all(a["actor"].startswith("technician:") for a in audit)


def test_the_visits_are_an_ogc_collection_with_their_points_and_no_advice(own_server: Server) -> None:
    r = httpx.get(f"{own_server.url}/ogc/collections/guidance_visits/items", params={"limit": 1000}, timeout=30)
    assert r.status_code == 200
    features = r.json()["features"]
    stored = json.loads((FIXTURES / "guidance_visits.geojson").read_text(encoding="utf-8"))["features"]
    assert len(features) >= len(stored)
    first = next(f for f in features if f["id"] == 1)
    assert first["geometry"]["coordinates"] == stored[0]["geometry"]["coordinates"]
    assert "advice" not in first["properties"] and first["properties"]["kind"] == stored[0]["properties"]["kind"]
