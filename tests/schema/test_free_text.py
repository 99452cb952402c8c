"""Free text is personal data until proven otherwise: walk every text field of the schema as the public.

Names and a mobile number are first written into every kind of free text the hub keeps (a case's
description, a workflow step's note, a roster exception's note); then every root field is asked
for every text field it can reach, as the public, and no answer may hold a person's name, a phone
number or any of that text.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLScalarType,
    get_named_type,
    is_non_null_type,
)

from hub.geo.measure import destination
from hub.schema import build_schema
from hub.settings import Settings
from tests.common import CENTRE
from tests.schema.test_incidents_api import ADVANCE, NOW, REPORT, SEEN

SECRET_NAME = "欧阳娜娜"
SECRET_PHONE = "13900001111"
PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
SAMPLE_ARGS = {"date": '"2024-06-05"', "sector": '"SE"', "squad": '"SQ2"', "lon": "115.6135", "lat": "34.3799"}
PAGE = 20


@pytest.fixture(scope="module")
def written(writable):
    """The module's store, with names and a phone number in every kind of free text."""
    _write_free_text(writable)
    return writable


def _write_free_text(writable) -> None:
    lon, lat = destination(*CENTRE, 135, 700)
    text = f"{SECRET_NAME}在店门口烧烤，电话{SECRET_PHONE}"
    out = writable(
        REPORT,
        {
            "input": {
                "clientId": str(uuid.uuid4()),
                "category": "OPEN_AIR_BARBECUE",
                "lon": lon,
                "lat": lat,
                "description": text,
                "seenAt": SEEN,
            }
        },
        role="officer",
        squad="SQ2",
        now=NOW,
    )["data"]["reportIncident"]
    incident = out["incident"]["id"]
    writable(
        ADVANCE,
        {"input": {"clientId": str(uuid.uuid4()), "incidentId": incident, "action": "CANCEL", "note": text}},
        role="admin",
        now=NOW,
    )
    added = writable(
        """mutation($input: AddRosterExceptionInput!) { addRosterException(input: $input) {
           userErrors { message } exception { id } } }""",
        {
            "input": {
                "clientId": str(uuid.uuid4()),
                "date": "2024-06-05",
                "officerId": "OF12",
                "kind": "LEAVE",
                "note": text,
            }
        },
        role="admin",
    )["data"]["addRosterException"]
    assert added["userErrors"] == [], added


def _selection(t: GraphQLObjectType, depth: int, seen: frozenset[str]) -> str:
    parts = []
    for name, f in t.fields.items():
        named = get_named_type(f.type)
        required = [a for a, arg in f.args.items() if is_non_null_type(arg.type) and arg.default_value is None]
        if required:
            continue
        if isinstance(named, GraphQLScalarType | GraphQLEnumType):
            if named.name in ("String", "ID") or isinstance(named, GraphQLEnumType):
                parts.append(name)
        elif isinstance(named, GraphQLObjectType) and depth > 0 and named.name not in seen:
            args = f"(first: {PAGE})" if "first" in f.args else ""
            inner = _selection(named, depth - 1, seen | {named.name})
            if inner:
                parts.append(f"{name}{args} {{ {inner} }}")
    return " ".join(parts)


def _root_queries(schema: Any) -> list[str]:
    docs = []
    for name, f in schema.query_type.fields.items():
        named = get_named_type(f.type)
        args = []
        for arg_name, arg in f.args.items():
            if arg_name == "first":
                args.append(f"first: {PAGE}")
            elif is_non_null_type(arg.type) or (arg_name in ("date",) and not isinstance(arg.type, GraphQLList)):
                if arg_name not in SAMPLE_ARGS:
                    break
                args.append(f"{arg_name}: {SAMPLE_ARGS[arg_name]}")
        else:
            call = f"{name}({', '.join(args)})" if args else name
            if isinstance(named, GraphQLObjectType):
                inner = _selection(named, 3, frozenset({named.name}))
                if inner:
                    docs.append(f"{{ {call} {{ {inner} }} }}")
            elif isinstance(named, GraphQLScalarType) and named.name == "String":
                docs.append(f"{{ {call} }}")
    return docs


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def test_no_text_field_reachable_by_the_public_serves_a_name_a_phone_or_free_text(written):
    writable = written
    data = writable.store.data
    people = {o.name for o in data.officers.values()} | {g.worker_name for g in data.grids}
    people |= {c.committee.chair_name for c in data.compounds if c.committee}
    people |= {c.party_branch.secretary_name for c in data.compounds if c.party_branch}
    people |= {t.name for t in data.technicians.values()} | {d.name for d in data.duty_officers.values()}
    people.add(SECRET_NAME)
    free = {p.description for p in data.problems} | {v.advice for v in data.guidance_visits} | {SECRET_PHONE}
    schema = build_schema(Settings())._schema
    documents = _root_queries(schema)
    assert len(documents) > 20  # the walk reaches most of the schema
    served = 0
    for doc in documents:
        out = writable(doc, role="public", token=None)
        codes = {e["extensions"]["code"] for e in out.get("errors", [])}
        assert codes <= {"FORBIDDEN", "UNAUTHENTICATED"}, (doc, out.get("errors"))
        for text in _strings(out["data"]):
            served += 1
            assert not PHONE.search(text), (doc, text)
            assert text not in people, (doc, text)
            assert not any(name in text for name in (SECRET_NAME,)), (doc, text)
            assert text not in free, (doc, text)
    assert served > 1000


def test_staff_see_the_free_text_and_each_view_is_logged(written):
    writable = written
    out = writable('{ rosterExceptions(date: "2024-06-05") { note } }', role="analyst", token="reader-1")
    notes = [e["note"] for e in out["data"]["rosterExceptions"]]
    assert any(SECRET_PHONE in n for n in notes)
    writable.store.disclosures.flush()
    found = writable('{ disclosures(kind: "rosterException.note", actor: "analyst:reader-1") { views } }')
    assert found["data"]["disclosures"] and found["data"]["disclosures"][0]["views"] >= 1


def test_the_public_gets_no_note_no_description_and_no_step_notes(written):
    writable = written
    out = writable(
        "{ rosterExceptions { note } incidents(first: 50) { nodes { description steps { note } } } }",
        role="public",
        token=None,
    )
    assert all(e["note"] is None for e in out["data"]["rosterExceptions"])
    assert all(n["description"] is None and n["steps"] == [] for n in out["data"]["incidents"]["nodes"])


def test_problem_descriptions_are_for_staff(run):
    public = run("{ compounds(first: 300) { nodes { meetings { problems { description } } } } }")
    staff = run("{ compounds(first: 300) { nodes { meetings { problems { description } } } } }", role="analyst")
    texts = _strings(public["data"])
    assert texts == []
    assert len(_strings(staff["data"])) > 10
