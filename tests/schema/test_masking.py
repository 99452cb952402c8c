"""Personal data (names, phones) is masked unless the role needs it."""

import re

SQUADS = "{ squads { code hotline officers { name phone } } }"


def test_the_public_sees_masked_officer_names_and_no_phones(run):
    squads = run(SQUADS)["data"]["squads"]
    officers = [o for s in squads for o in s["officers"]]
    assert len(officers) == 66
    assert all(o["phone"] is None for o in officers)
    assert all(o["name"].endswith("*") and len(o["name"]) <= 3 for o in officers)
    assert all(s["hotline"] for s in squads)


def test_an_officer_sees_their_own_squad_in_full_and_others_masked(run):
    squads = run(SQUADS, role="officer", squad="SQ1")["data"]["squads"]
    for s in squads:
        for o in s["officers"]:
            if s["code"] == "SQ1":
                assert re.fullmatch(r"1\d{10}", o["phone"])
                assert not o["name"].endswith("*")
            else:
                assert o["phone"] is None
                assert o["name"].endswith("*")


def test_an_admin_sees_every_phone(run):
    squads = run(SQUADS, role="admin")["data"]["squads"]
    assert all(o["phone"] for s in squads for o in s["officers"])


def test_grid_workers_are_masked_for_the_public(run):
    grids = run("{ grids(first: 5) { edges { node { workerName workerPhone } } } }")["data"]["grids"]["edges"]
    assert all(e["node"]["workerName"].endswith("*") and e["node"]["workerPhone"] is None for e in grids)
    admin = run("{ grids(first: 5) { edges { node { workerName workerPhone } } } }", role="admin")
    assert all(re.fullmatch(r"1\d{10}", e["node"]["workerPhone"]) for e in admin["data"]["grids"]["edges"])
