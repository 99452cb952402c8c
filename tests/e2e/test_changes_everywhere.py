"""After a write, every surface shows the new data on the next request: GraphQL, tiles (with a new ETag),
OGC API items and exports, including answers each of them had kept in memory."""

from __future__ import annotations

import io
import uuid

import pandas as pd
import pytest

from tests.conftest import Server
from tests.e2e.test_ogc import get
from tests.e2e.test_tiles import decode, tile_of

pytestmark = pytest.mark.e2e

SPOT = (115.6134, 34.3897)
"""A point inside compound 5 (胜利路33号院), where the new occupation is reported."""
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[115.6133, 34.3896], [115.6136, 34.3896], [115.6136, 34.3898], [115.6133, 34.3898], [115.6133, 34.3896]]
    ],
}
REPORT = """mutation($input: ReportOccupationInput!) { reportOccupation(input: $input) {
  userErrors { message } occupation { id status } } }"""
CLEAR = """mutation($input: ClearOccupationInput!) { clearOccupation(input: $input) {
  userErrors { message } occupation { status } } }"""
OCCUPIED = "{ occupations(status: OCCUPIED, first: 1000) { totalCount } }"


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("fresh") / "hub.db").start()
    yield srv
    srv.stop()


def surfaces(srv):
    """What each surface says about occupied space around the spot."""
    z = 16
    x, y = tile_of(*SPOT, z)
    tile = get(srv, f"/tiles/occupations/{z}/{x}/{y}.mvt")
    features = decode(tile.content)["occupations"]["features"] if tile.status_code == 200 else []
    items = get(srv, "/ogc/collections/occupations/items?status=OCCUPIED&limit=1000").json()
    csv = pd.read_csv(io.BytesIO(get(srv, "/export/occupations.csv").content), encoding="utf-8-sig")
    return {
        "graphql": srv.graphql(OCCUPIED).json()["data"]["occupations"]["totalCount"],
        "etag": tile.headers.get("etag"),
        "tile": {f["id"]: f["properties"]["status"] for f in features},
        "ogc": {f["id"] for f in items["features"]},
        "export": dict(zip(csv["要素ID"], csv["状态"], strict=True)),
    }


def test_a_reported_and_cleared_occupation_shows_everywhere_on_the_next_request(own_server):
    admin = own_server.token("--role", "admin")
    before = surfaces(own_server)
    assert surfaces(own_server)["etag"] == before["etag"]  # asked twice: kept answers, same tile

    report = {"clientId": str(uuid.uuid4()), "geometry": SQUARE, "kind": "STORAGE", "reportedOn": "2024-06-01"}
    done = own_server.graphql(REPORT, {"input": {**report}}, token=admin).json()["data"]["reportOccupation"]
    assert done["userErrors"] == [] and done["occupation"]["status"] == "OCCUPIED"
    new_id = int(
        get(own_server, "/ogc/collections/occupations/items?datetime=2024-06-01&limit=1").json()["features"][0]["id"]
    )

    after = surfaces(own_server)
    assert after["graphql"] == before["graphql"] + 1
    assert after["etag"] != before["etag"] and after["tile"][new_id] == "OCCUPIED"
    assert after["ogc"] == before["ogc"] | {new_id}
    assert after["export"][new_id] == "OCCUPIED"
    item = get(own_server, f"/ogc/collections/occupations/items/{new_id}").json()
    assert item["properties"]["compoundId"] == 5

    clear = {"clientId": str(uuid.uuid4()), "occupationId": done["occupation"]["id"], "clearedOn": "2024-06-03"}
    cleared = own_server.graphql(CLEAR, {"input": clear}, token=admin).json()["data"]["clearOccupation"]
    assert cleared["userErrors"] == []

    last = surfaces(own_server)
    assert last["graphql"] == before["graphql"]
    assert last["etag"] not in (before["etag"], after["etag"]) and last["tile"][new_id] == "CLEARED"
    assert last["ogc"] == before["ogc"]
    assert last["export"][new_id] == "CLEARED"
    item = get(own_server, f"/ogc/collections/occupations/items/{new_id}").json()
    assert item["properties"]["clearedOn"] == "2024-06-03"
