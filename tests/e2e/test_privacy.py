"""Against the real server: who saw whose personal data is logged per token, and admins can ask."""

from __future__ import annotations

import time

import pytest

from tests.common import CENTRE
from tests.e2e.test_tiles import decode, get, tile_of

pytestmark = pytest.mark.e2e

WHO_SAW = """query($kind: String, $subject: String) {
  disclosures(kind: $kind, subject: $subject) { actor role kind subjects views } }"""


def who_saw(server, admin, **filters):
    """The log as an admin sees it, once the server has written the last second's views."""
    time.sleep(1.5)
    out = server.graphql(WHO_SAW, filters, token=admin).json()
    assert "errors" not in out, out
    return out["data"]["disclosures"]


def test_each_token_that_saw_phones_or_tiles_with_names_is_named_in_the_log(server):
    admin = server.token("--role", "admin")
    officer = server.token("--role", "officer", "--squad", "SQ3")
    analyst = server.token("--role", "analyst")

    squads = server.graphql("{ squads { code officers { code phone } } }", token=officer).json()["data"]["squads"]
    seen = {o["code"] for s in squads for o in s["officers"] if o["phone"]}
    assert seen == {o["code"] for s in squads if s["code"] == "SQ3" for o in s["officers"]}  # their own squad's
    z = 15
    x, y = tile_of(*CENTRE, z)
    path = f"/tiles/grids/{z}/{x}/{y}.mvt?properties=code,workerName"
    first = get(server, path, token=analyst)
    again = get(server, path, token=analyst)  # the same tile, from the server's memory
    grids = {f["properties"]["code"] for f in decode(first.content)["grids"]["features"]}
    assert first.content == again.content and grids

    phone_entries = who_saw(server, admin, kind="officer.phone")
    by_officer = [e for e in phone_entries if e["role"] == "officer"]
    assert by_officer and all(e["actor"].startswith("officer:") for e in by_officer)
    assert seen == {s for e in by_officer for s in e["subjects"]}

    name_entries = [e for e in who_saw(server, admin, kind="gridWorker.name") if e["role"] == "analyst"]
    assert {s for e in name_entries for s in e["subjects"]} == grids
    assert sum(e["views"] for e in name_entries) == 2 * len(grids)  # served twice, logged twice

    one = sorted(seen)[0]
    assert {e["actor"] for e in who_saw(server, admin, subject=one)} >= {by_officer[0]["actor"]}
