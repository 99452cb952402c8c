"""Rosters through the API: admins edit rules and exceptions; answers follow; conflicts are refused."""

from __future__ import annotations

import uuid

RULE = """mutation($input: SetRosterRuleInput!) { setRosterRule(input: $input) {
  userErrors { field message code } rule { squadCode cycle teams { officerId offset } } } }"""
EXC = """mutation($input: AddRosterExceptionInput!) { addRosterException(input: $input) {
  userErrors { field message code } exception { id kind officerId date } } }"""
REMOVE = """mutation($input: RemoveRosterExceptionInput!) { removeRosterException(input: $input) {
  userErrors { code } } }"""
GAPS = "query($d: Date!) { coverageGaps(date: $d) { sectorCode start end minutes } }"
ASSIGN = (
    "query($d: Date!, $s: String) { assignments(date: $d, squad: $s) { officer { code } shift { code } start end } }"
)


def officers_of(writable, squad):
    return sorted(o.id for o in writable.store.data.officers.values() if o.squad_code == squad)


def test_the_demo_roster_covers_every_sector_from_seven_to_two(writable):
    assert writable(GAPS, {"d": "2024-06-05"})["data"]["coverageGaps"] == []


def test_leave_for_everyone_on_the_early_shift_opens_a_gap_that_coverage_gaps_reports_and_removal_closes(writable):
    data = writable.store.data
    day = "2024-07-01"
    ne_squad = next(s.code for s in data.squads.values() if s.sector_code == "NE")
    morning = [
        a["officer"]["code"]
        for a in writable(ASSIGN, {"d": day, "s": ne_squad})["data"]["assignments"]
        if a["start"].startswith(f"{day}T07:00")
    ]
    assert morning
    ids = []
    for officer_id in morning:
        out = writable(
            EXC,
            {
                "input": {
                    "clientId": str(uuid.uuid4()),
                    "date": day,
                    "officerId": officer_id,
                    "kind": "LEAVE",
                    "note": "年假",
                }
            },
        )["data"]["addRosterException"]
        assert out["userErrors"] == [], out
        ids.append(out["exception"]["id"])
    gaps = writable(GAPS, {"d": day})["data"]["coverageGaps"]
    ne = [g for g in gaps if g["sectorCode"] == "NE"]
    assert ne and ne[0]["start"].startswith(f"{day}T07:00")
    for i in ids:
        writable(REMOVE, {"input": {"clientId": str(uuid.uuid4()), "id": i}})
    assert writable(GAPS, {"d": day})["data"]["coverageGaps"] == []


def test_a_second_exception_for_the_same_officer_and_day_is_refused_with_the_reason(writable):
    officer = officers_of(writable, "SQ1")[0]
    first = writable(
        EXC, {"input": {"clientId": str(uuid.uuid4()), "date": "2024-07-02", "officerId": officer, "kind": "LEAVE"}}
    )["data"]["addRosterException"]
    assert first["userErrors"] == []
    again = writable(
        EXC,
        {
            "input": {
                "clientId": str(uuid.uuid4()),
                "date": "2024-07-02",
                "officerId": officer,
                "kind": "COVER",
                "shiftCode": "EARLY",
                "sectorCode": "SE",
            }
        },
    )
    err = again["data"]["addRosterException"]["userErrors"][0]
    assert err["code"] == "CONFLICT" and officer in err["message"]


def test_only_admins_edit_rosters(writable):
    officer = officers_of(writable, "SQ1")[1]
    out = writable(
        EXC,
        {"input": {"clientId": str(uuid.uuid4()), "date": "2024-07-03", "officerId": officer, "kind": "LEAVE"}},
        role="officer",
        squad="SQ1",
    )
    assert out["data"]["addRosterException"]["userErrors"][0]["code"] == "FORBIDDEN"


def test_a_rule_rotates_a_squad_and_one_with_an_unknown_shift_is_refused(writable):
    team = officers_of(writable, "SQ3")
    bad = writable(
        RULE,
        {
            "input": {
                "clientId": str(uuid.uuid4()),
                "squadCode": "SQ3",
                "anchor": "2024-01-01",
                "cycle": ["EARLY", "BRUNCH"],
                "teams": [{"officerId": team[0], "offset": 0}],
            }
        },
    )
    assert bad["data"]["setRosterRule"]["userErrors"][0]["field"].startswith("cycle")
    teams = [{"officerId": o, "offset": i % 2} for i, o in enumerate(team)]
    ok = writable(
        RULE,
        {
            "input": {
                "clientId": str(uuid.uuid4()),
                "squadCode": "SQ3",
                "anchor": "2024-01-01",
                "cycle": ["EARLY", "LATE"],
                "teams": teams,
            }
        },
    )
    assert ok["data"]["setRosterRule"]["userErrors"] == []
    day1 = {
        a["officer"]["code"]: a["shift"]["code"]
        for a in writable(ASSIGN, {"d": "2024-01-01", "s": "SQ3"})["data"]["assignments"]
    }
    day2 = {
        a["officer"]["code"]: a["shift"]["code"]
        for a in writable(ASSIGN, {"d": "2024-01-02", "s": "SQ3"})["data"]["assignments"]
    }
    assert day1[team[0]] == "EARLY" and day2[team[0]] == "LATE"
    assert day1[team[1]] == "LATE" and day2[team[1]] == "EARLY"


def test_on_duty_answers_for_a_sector_at_a_moment(writable):
    out = writable('{ onDuty(sector: "SW", at: "2024-06-05T23:30:00+08:00") { squad { code } shifts { code } } }')
    duty = out["data"]["onDuty"]
    assert duty and all(s["code"] in ("LATE", "NIGHT") for d in duty for s in d["shifts"])
    bad = writable('{ onDuty(sector: "ZZ") { squad { code } } }')
    assert bad["errors"][0]["extensions"]["code"] == "BAD_INPUT"


def test_dates_far_outside_the_calendar_are_refused_not_crashed_on(writable):
    for doc in (
        '{ coverageGaps(date: "9999-12-31") { start } }',
        '{ assignments(date: "0001-01-01") { start } }',
        '{ onDuty(sector: "NE", at: "0001-01-01T00:00:00+14:00") { squad { code } } }',
        '{ locate(lon: 115.6135, lat: 34.3799, at: "9999-12-31T23:59:59-12:00") { sector { code } } }',
    ):
        err = writable(doc)["errors"][0]
        assert err["extensions"]["code"] == "BAD_INPUT", (doc, err)
        assert "outside 1970-01-01 to 2199-12-31" in err["message"]
