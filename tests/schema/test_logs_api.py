"""Admins read the two logs: who was served whose personal data unmasked, and who changed what."""

from __future__ import annotations

from typing import Any

import pytest

WHO_SAW = """query($subject: String, $kind: String, $actor: String) {
  disclosures(subject: $subject, kind: $kind, actor: $actor) { actor role kind subjects views firstAt lastAt } }"""


@pytest.fixture(scope="module")
def hub(writable):
    """The module's store; callers are named by role and squad (``officer:officer-SQ1``) in the logs."""

    def run(document: str, variables: dict[str, Any] | None = None, *, role: str, squad: str | None = None, **kw):
        return writable(document, variables, role=role, squad=squad, token=f"{role}-{squad or 'x'}", **kw)

    def who_saw(**filters: str) -> list[dict[str, Any]]:
        writable.store.disclosures.flush()
        out = writable(WHO_SAW, filters, role="admin")
        assert "errors" not in out, out
        return out["data"]["disclosures"]

    run.store = writable.store  # type: ignore[attr-defined]
    run.who_saw = who_saw  # type: ignore[attr-defined]
    return run


def sq1_officers(hub) -> list[str]:
    return sorted(o.id for o in hub.store.data.officers.values() if o.squad_code == "SQ1")


def test_an_officer_reading_their_squads_phones_is_logged_by_officer(hub):
    out = hub("{ squads { code officers { code name phone } } }", role="officer", squad="SQ1")
    shown = {o["code"] for s in out["data"]["squads"] for o in s["officers"] if o["phone"]}
    assert shown == set(sq1_officers(hub))
    entries = [e for e in hub.who_saw(actor="officer:officer-SQ1") if e["kind"] == "officer.phone"]
    assert len(entries) == 1
    assert set(entries[0]["subjects"]) == shown and entries[0]["views"] == len(shown)
    # other squads' names went out masked and their phones not at all: nothing logged for them
    names = [e for e in hub.who_saw(actor="officer:officer-SQ1") if e["kind"] == "officer.name"]
    assert {s for e in names for s in e["subjects"]} == shown


def test_whose_phone_was_seen_is_answered_by_subject(hub):
    first = sq1_officers(hub)[0]
    actors = {e["actor"] for e in hub.who_saw(subject=first, kind="officer.phone")}
    assert "officer:officer-SQ1" in actors
    assert all(e["role"] in ("officer", "admin") for e in hub.who_saw(subject=first, kind="officer.phone"))


def test_the_public_and_masked_values_leave_no_entry(hub):
    out = hub(
        "{ squads { officers { name phone } } grids(first: 5) { nodes { workerName workerPhone } } }", role="public"
    )
    assert all(o["phone"] is None for s in out["data"]["squads"] for o in s["officers"])
    out = hub("{ grids(first: 5) { nodes { code workerPhone } } }", role="analyst")
    assert all("*" in n["workerPhone"] for n in out["data"]["grids"]["nodes"])  # masked for analysts
    assert hub.who_saw(actor="public") == []
    assert hub.who_saw(actor="analyst:analyst-x", kind="gridWorker.phone") == []


def test_map_answers_are_logged_every_time_they_are_served_even_from_memory(hub):
    doc = """{ featureCollection(layer: GRIDS, where: {bbox: [115.60, 34.37, 115.62, 34.38]},
               properties: ["workerName"], limit: 50) }"""
    before = sum(e["views"] for e in hub.who_saw(actor="analyst:analyst-x", kind="gridWorker.name"))
    first = hub(doc, role="analyst")["data"]["featureCollection"]
    again = hub(doc, role="analyst")["data"]["featureCollection"]
    assert first == again and first["numberReturned"] > 0
    codes = {f["id"] for f in first["features"]}
    entries = hub.who_saw(actor="analyst:analyst-x", kind="gridWorker.name")
    assert sum(e["views"] for e in entries) - before == 2 * len(codes)
    assert codes <= {s for e in entries for s in e["subjects"]}


def test_a_squads_own_patrol_track_is_logged_and_another_squad_sees_none(hub):
    from tests.schema.test_patrols_api import log

    stored = log(hub)  # an officer of SQ1 logs a patrol of SQ1
    assert stored["userErrors"] == [], stored
    doc = "query($d: Date!) { patrols(date: $d) { id squadCode track } }"
    own = hub(doc, {"d": "2024-06-05"}, role="officer", squad="SQ1")["data"]["patrols"]
    assert any(p["track"] for p in own)
    other = hub(doc, {"d": "2024-06-05"}, role="officer", squad="SQ2")["data"]["patrols"]
    assert all(p["track"] is None for p in other)
    tracks = hub.who_saw(kind="patrol.track")
    assert {e["actor"] for e in tracks} == {"officer:officer-SQ1"}
    assert {p["id"] for p in own if p["track"]} <= {s for e in tracks for s in _global_ids(e["subjects"])}


def test_only_admins_read_the_log_and_a_bad_filter_is_named(hub):
    out = hub(WHO_SAW, role="officer", squad="SQ1")
    assert out["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    out = hub(WHO_SAW, {"kind": "officer.shoeSize"}, role="admin")
    assert out["errors"][0]["extensions"]["code"] == "BAD_INPUT"
    assert "officer.phone" in out["errors"][0]["message"]


def _global_ids(patrol_ids: list[str]) -> set[str]:
    from hub.schema.scalars import to_global_id

    return {to_global_id("Patrol", int(x)) for x in patrol_ids}


AUDIT = """query($entity: String, $entityId: String, $action: String, $since: DateTime) {
  auditLog(entity: $entity, entityId: $entityId, action: $action, since: $since) {
    id at actor action entity entityId detail } }"""


def test_admins_read_who_changed_what_in_the_audit_log_newest_first(hub):
    from datetime import UTC, datetime, timedelta

    from tests.schema.test_patrols_api import log

    before = datetime.now(UTC) - timedelta(seconds=1)
    stored = log(hub)
    assert stored["userErrors"] == [], stored
    newest = str(max(p.id for p in hub.store.data.patrols))
    entries = hub(AUDIT, {"entity": "patrol", "entityId": newest, "since": before.isoformat()}, role="admin")
    (entry,) = entries["data"]["auditLog"]
    assert entry["actor"] == "officer:officer-SQ1" and entry["action"] == "log"
    assert entry["detail"]["squad"] == "SQ1" and entry["detail"]["lengthM"] > 0  # (no track: it is sensitive)
    imports = hub(AUDIT, {"action": "import"}, role="admin")["data"]["auditLog"]
    assert [e["actor"] for e in imports] == ["hub init"]  # the demo data set, loaded on first start
    everything = hub("{ auditLog(first: 1000) { id } }", role="admin")["data"]["auditLog"]
    ids = [e["id"] for e in everything]
    assert ids == sorted(ids, reverse=True)
    out = hub(AUDIT, role="analyst")
    assert out["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_moment_outside_the_hubs_range_is_named_not_an_internal_error(writable):
    for field in ("disclosures", "auditLog"):
        out = writable(f'{{ {field}(until: "0001-01-01T00:00:00+08:00") {{ actor }} }}')
        (error,) = out["errors"]
        assert error["extensions"]["code"] == "BAD_INPUT" and "until" in error["message"], error
