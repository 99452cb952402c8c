"""Safety hazards and micro-services end to end over HTTP, on a server of their own (they write).

The campaign: an admin declares a campaign in 宋集镇; an inspector's phone logs an inspection of new premises
with two hazards (a retry is answered from the first write; a point in the city, a point in another township, a
deadline before the finding and an unknown category are refused); a subscriber of the town hears of the new
hazards; one hazard goes to verified; the hazards, the premises not inspected, the figures, the map layer and
the weekly bulletin (GraphQL, Markdown, HTML and CSV) follow.

The micro-services: a volunteer's phone logs a resident's request, takes it, finishes it and records the
rating; the public sees neither the resident nor the request's text; the article's 200余件 for 文化街道 comes
from the API, as GraphQL and as CSV.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from shapely.geometry import shape

from tests.common import CENTRE, FIXTURES
from tests.conftest import Server

pytestmark = pytest.mark.e2e

SONGJI = "411403100"
OTHER_TOWN = "411403101"
WENHUA = "411403002"
INSPECT = """mutation($input: LogInspectionInput!) { logInspection(input: $input) {
  replayed userErrors { field code message }
  inspection { inspectionId premisesId hazards { hazardId severity state } } } }"""
ADVANCE = """mutation($input: AdvanceHazardInput!) { advanceHazard(input: $input) {
  userErrors { code message } hazard { state } } }"""
EVENTS = """subscription($township: String) { hazardEvents(township: $township) {
  kind hazard { hazardId townshipCode severity } } }"""


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("cases") / "hub.db").start()
    yield srv
    srv.stop()


def ok(response: httpx.Response, name: str) -> dict:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return body["data"][name]


def village_point(town: str, k: int = 0) -> dict[str, float]:
    features = json.loads((FIXTURES / "villages.geojson").read_text(encoding="utf-8"))["features"]
    v = [f for f in features if f["properties"]["township_code"] == town][k]
    p = shape(v["geometry"]).representative_point()
    return {"lon": p.x, "lat": p.y}


def inspection(now: datetime, **fields) -> dict:
    return {
        "clientId": str(uuid.uuid4()),
        "campaignCode": "E2E-2026",
        "inspectedAt": now.isoformat(),
        "premises": {"name": "宋集示范超市", "category": "SUPERMARKET", **village_point(SONGJI)},
        "departments": ["SAFETY_OFFICE", "MARKET_SUPERVISION"],
        "hazards": [
            {
                "kind": "EVACUATION",
                "severity": "MAJOR",
                "description": "安全出口上锁",
                "dueOn": (now + timedelta(days=10)).date().isoformat(),
            },
            {
                "kind": "FIRE_FACILITIES",
                "severity": "GENERAL",
                "description": "灭火器过期",
                "dueOn": (now + timedelta(days=3)).date().isoformat(),
            },
        ],
        **fields,
    }


def declare(server: Server, admin: str, code: str, now: datetime) -> dict:
    return ok(
        server.graphql(
            """mutation($i: DeclareSafetyCampaignInput!) { declareSafetyCampaign(input: $i) {
                 userErrors { code message } campaign { code township { name } departments } } }""",
            {
                "i": {
                    "clientId": str(uuid.uuid4()),
                    "code": code,
                    "township": SONGJI,
                    "name": '宋集镇"六查一打"回头看',
                    "startsOn": (now - timedelta(days=3)).date().isoformat(),
                    "departments": ["SAFETY_OFFICE", "POLICE_STATION", "MARKET_SUPERVISION"],
                }
            },
            token=admin,
        ),
        "declareSafetyCampaign",
    )


def follow(server: Server, token: str, got: list, failed: list) -> threading.Thread:
    async def listen() -> None:
        transport = WebsocketsTransport(
            url=server.url.replace("http", "ws") + "/graphql", init_payload={"authorization": f"Bearer {token}"}
        )
        async with Client(transport=transport) as session:
            async for result in session.subscribe(GraphQLRequest(EVENTS, variable_values={"township": None})):
                got.append(result)
                return

    def run() -> None:
        try:
            asyncio.run(asyncio.wait_for(listen(), 30))
        except BaseException as exc:  # reported by the test
            failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    return thread


class Tables(HTMLParser):
    """The text of an HTML page's table cells, row by row (an independent reading of the bulletin page)."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def test_a_safety_campaign_from_declaration_to_the_weekly_bulletin(own_server: Server) -> None:
    admin = own_server.token("--role", "admin")
    now = datetime.now(UTC).astimezone()
    campaign = declare(own_server, admin, "E2E-2026", now)
    assert campaign["userErrors"] == [] and campaign["campaign"]["township"] == {"name": "宋集镇"}
    phone = own_server.token("--role", "inspector", "--township", SONGJI)

    # a subscriber of the town hears of new hazards (inspections of known premises in a campaign of its own,
    # sent until the subscriber, which may still be connecting, has heard one)
    declare(own_server, admin, "E2E-LIVE", now)
    got: list = []
    failed: list = []
    listener = follow(own_server, phone, got, failed)
    deadline = time.monotonic() + 20
    sent = []
    while not got and not failed and time.monotonic() < deadline:
        live = inspection(now, campaignCode="E2E-LIVE", premises=None, premisesId="1")
        answer = ok(own_server.graphql(INSPECT, {"input": live}, token=phone), "logInspection")
        sent += [h["hazardId"] for h in answer["inspection"]["hazards"]]
        time.sleep(0.5)
    listener.join(30)
    assert not failed, failed
    event = got[0]["hazardEvents"]
    assert (
        event["kind"] == "REPORT" and event["hazard"]["townshipCode"] == SONGJI and event["hazard"]["hazardId"] in sent
    )

    # create: an inspection of new premises; a retry is a replay
    key = str(uuid.uuid4())
    first = ok(own_server.graphql(INSPECT, {"input": inspection(now, clientId=key)}, token=phone), "logInspection")
    assert first["userErrors"] == []
    made = first["inspection"]
    again = ok(own_server.graphql(INSPECT, {"input": inspection(now, clientId=key)}, token=phone), "logInspection")
    assert again["replayed"] is True and again["inspection"]["inspectionId"] == made["inspectionId"]

    refusals = {
        "city": {"premises": {"name": "城里", "category": "SUPERMARKET", "lon": CENTRE[0], "lat": CENTRE[1]}},
        "elsewhere": {"premises": {"name": "郭村", "category": "SUPERMARKET", **village_point(OTHER_TOWN)}},
        "category": {"premises": {"name": "某地", "category": "KTV", **village_point(SONGJI, 1)}},
        "deadline": {
            "hazards": [
                {
                    "kind": "GAS",
                    "severity": "GENERAL",
                    "description": "x",
                    "dueOn": (now - timedelta(days=1)).date().isoformat(),
                }
            ]
        },
    }
    codes = {
        name: ok(own_server.graphql(INSPECT, {"input": inspection(now, **f)}, token=phone), "logInspection")[
            "userErrors"
        ][0]["code"]
        for name, f in refusals.items()
    }
    assert codes == {
        "city": "OUTSIDE_AREA",
        "elsewhere": "NOT_ASSIGNED",
        "category": "BAD_INPUT",
        "deadline": "BAD_INPUT",
    }

    # progress: the general hazard is assigned, rectified and verified
    general = next(h["hazardId"] for h in made["hazards"] if h["severity"] == "GENERAL")
    for action in ("ASSIGN", "START", "REPORT_RECTIFIED", "VERIFY"):
        moved = ok(
            own_server.graphql(
                ADVANCE,
                {"input": {"clientId": str(uuid.uuid4()), "hazardId": str(general), "action": action}},
                token=phone,
            ),
            "advanceHazard",
        )
        assert moved["userErrors"] == []
    assert moved["hazard"]["state"] == "VERIFIED"

    # query: the open hazards of the campaign, the premises not inspected, the map layer
    open_hazards = ok(
        own_server.graphql('{ hazards(campaign: "E2E-2026", open: true) { nodes { severity description } } }'),
        "hazards",
    )
    assert open_hazards["nodes"] == [{"severity": "MAJOR", "description": None}]  # the public reads no free text
    left = ok(own_server.graphql('{ uninspectedPremises(campaign: "E2E-2026") { premisesId } }'), "uninspectedPremises")
    assert made["premisesId"] not in {p["premisesId"] for p in left} and len(left) == 116  # the demo's premises
    layer = ok(
        own_server.graphql('{ featureCollection(layer: HAZARDS, properties: ["hazardId", "open", "severity"]) }'),
        "featureCollection",
    )
    drawn = {f["properties"]["hazardId"]: f["properties"]["open"] for f in layer["features"]}
    assert {h["hazardId"]: drawn[h["hazardId"]] for h in made["hazards"]} == {
        h["hazardId"]: h["hazardId"] != general for h in made["hazards"]
    }

    # figures: GraphQL and the CSV export
    figures = ok(
        own_server.graphql(
            '{ hazardFigures(groupBy: [SEVERITY], filter: {campaigns: ["E2E-2026"]}) '
            "{ groups { key { severity } count open verified rectifiedOnTime } } }"
        ),
        "hazardFigures",
    )
    assert figures["groups"] == [
        {"key": {"severity": "GENERAL"}, "count": 1, "open": 0, "verified": 1, "rectifiedOnTime": 1},
        {"key": {"severity": "MAJOR"}, "count": 1, "open": 1, "verified": 0, "rectifiedOnTime": 0},
    ]
    r = httpx.get(
        f"{own_server.url}/export/figures/hazards.csv", params={"groupBy": "TOWNSHIP", "campaigns": "E2E-2026"}
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["乡镇代码", "乡镇", "隐患数"] and rows[1][:3] == [SONGJI, "宋集镇", "2"]

    # the weekly bulletin: GraphQL, and the documents say the same
    bulletin = ok(
        own_server.graphql(
            '{ hazardBulletin(campaign: "E2E-2026") { number total { inspected foundThisWeek majorThisWeek found '
            "verified open openMajor } } }"
        ),
        "hazardBulletin",
    )
    assert (
        bulletin["total"]
        == {
            "inspected": 1,
            "foundThisWeek": 2,
            "majorThisWeek": 1,
            "found": 2,
            "verified": 1,
            "open": 1,
            "openMajor": 1,
        }
        or bulletin["number"] > 1
    )
    md = httpx.get(f"{own_server.url}/export/bulletins/E2E-2026.md")
    assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
    assert "六查一打" in md.text and "| 合计 |" in md.text
    page = httpx.get(f"{own_server.url}/export/bulletins/E2E-2026.html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    tables = Tables()
    tables.feed(page.text)
    head, *body = tables.rows
    total = dict(zip(head, next(row for row in body if row[0] == "合计"), strict=True))
    assert (total["累计发现隐患"], total["累计已销号"], total["未销号重大隐患"]) == (
        str(bulletin["total"]["found"]),
        str(bulletin["total"]["verified"]),
        str(bulletin["total"]["openMajor"]),
    )
    sheet = httpx.get(f"{own_server.url}/export/bulletins/E2E-2026.csv")
    rows = list(csv.reader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["场所类别代码", "场所类别", "场所总数"] and rows[-1][1] == "合计"
    bad = httpx.get(f"{own_server.url}/export/bulletins/E2E-2026.md", params={"week": "next tuesday"})
    assert bad.status_code == 400 and "week" in bad.text
    unknown = httpx.get(f"{own_server.url}/export/bulletins/NOPE.md")
    assert unknown.status_code in (400, 404) and "NOPE" in unknown.text


def test_a_residents_micro_service_from_request_to_rating_and_the_200_odd_of_wenhua(own_server: Server) -> None:
    phone = own_server.token("--role", "volunteer", "--team", "WH-DY")
    team = json.loads((FIXTURES / "microservices.json").read_text(encoding="utf-8"))["teams"][0]
    compounds = json.loads((FIXTURES / "compounds.geojson").read_text(encoding="utf-8"))["features"]
    home = next(
        c["properties"]["id"] for c in compounds if c["properties"]["community_code"] in team["community_codes"]
    )
    now = datetime.now(UTC).astimezone()
    log = """mutation($input: LogServiceRequestInput!) { logServiceRequest(input: $input) {
      replayed userErrors { code field } request { requestId state residentName } } }"""
    values = {
        "clientId": str(uuid.uuid4()),
        "compoundId": home,
        "kind": "TOILET_UNBLOCKING",
        "requestedAt": now.isoformat(),
        "description": "卫生间下水道堵塞",
        "residentName": "王桂兰",
        "residentPhone": "13900003333",
    }
    made = ok(own_server.graphql(log, {"input": values}, token=phone), "logServiceRequest")
    assert made["userErrors"] == [] and made["request"]["residentName"] == "王桂兰"
    assert ok(own_server.graphql(log, {"input": values}, token=phone), "logServiceRequest")["replayed"] is True
    wrong = ok(
        own_server.graphql(log, {"input": {**values, "clientId": str(uuid.uuid4()), "kind": "HAIRCUT"}}, token=phone),
        "logServiceRequest",
    )
    assert wrong["userErrors"] == [{"code": "BAD_INPUT", "field": "kind"}]
    rid = made["request"]["requestId"]
    advance = """mutation($input: AdvanceServiceRequestInput!) { advanceServiceRequest(input: $input) {
      userErrors { code } request { state rating } } }"""
    for action, extra in (("TAKE", {"volunteerIds": ["WH-DY-01"]}), ("FINISH", {}), ("RATE", {"rating": 4})):
        moved = ok(
            own_server.graphql(
                advance,
                {"input": {"clientId": str(uuid.uuid4()), "requestId": str(rid), "action": action, **extra}},
                token=phone,
            ),
            "advanceServiceRequest",
        )
        assert moved["userErrors"] == []
    assert moved["request"] == {"state": "RATED", "rating": 4}

    public = ok(
        own_server.graphql(
            f"{{ serviceRequests(compound: {home}, first: 1000) "
            "{ nodes { requestId residentName residentPhone description } } }"
        ),
        "serviceRequests",
    )
    mine = next(n for n in public["nodes"] if n["requestId"] == rid)
    assert mine == {"requestId": rid, "residentName": None, "residentPhone": None, "description": None}

    figures = ok(
        own_server.graphql(
            f'{{ serviceRequestFigures(groupBy: [SUBDISTRICT], filter: {{subdistricts: ["{WENHUA}"]}}) '
            "{ total { done } } }"
        ),
        "serviceRequestFigures",
    )
    assert 200 < figures["total"]["done"] < 300  # 已为居民提供…微小服务200余件
    r = httpx.get(
        f"{own_server.url}/export/figures/service-requests.csv",
        params={"groupBy": "SUBDISTRICT,MONTH", "dateBy": "DONE"},
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    head = rows[0]
    done = sum(int(row[head.index("已完成数")]) for row in rows[1:] if row[0] == WENHUA)
    assert done == figures["total"]["done"]
