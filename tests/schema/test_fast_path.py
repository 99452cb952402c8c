"""Long lists completed by compiled plans answer exactly as graphql-core's own execution does."""

from __future__ import annotations

import asyncio

import orjson
import pytest

from hub.domain.access import Viewer
from hub.schema import Context, build_schema
from hub.schema.fast import FAST_PATH
from hub.services import Hub

QUERIES = [
    # plain fields only: the fast path
    """{ compounds(where: {bbox: [115.58, 34.36, 115.66, 34.43]}, first: 300) {
        totalCount pageInfo { hasNextPage endCursor }
        edges { cursor __typename node { __typename id compoundId name households yearBuilt managementMode
                formerlyUnmanaged collectsFees feeYuanPerM2Month buildingHeads areaM2 geometry } } } }""",
    # aliases, a fragment, @include and nodes
    """query($yes: Boolean = true) { compounds(first: 50) {
        edges { c: cursor n: node { ...F  size: areaM2 @include(if: $yes) skipped: name @skip(if: $yes) } }
        nodes { id name } } }
       fragment F on Compound { name geometry }""",
    # a link field and a masked field: the slow path for the same list
    """{ compounds(first: 40) { edges { node { name community { code } committee { chairName } } } } }""",
    """{ grids(first: 60) { edges { node { code workerName areaM2 } } } occupations(first: 60, status: CLEARED) {
        nodes { id kind status areaM2 clearedOn geometry } } }""",
    """{ communities(first: 20) { edges { cursor node { code name areaM2 } } } }""",
    # records behind an interface or a union: nearest's nodes, node(id:), with fragments and distances
    """{ nearest(layer: MERCHANTS, lon: 115.6097, lat: 34.3767, k: 30) { distanceM node { __typename
          ... on Merchant { code name distanceM(from: {lon: 115.61, lat: 34.377}) } ... on Node { id } } }
         a: nearest(layer: COMPOUNDS, lon: 115.6097, lat: 34.3767, k: 5) { node { ... on Compound { name } } }
         node(id: "Q29tcG91bmQ6MTI=") { __typename id ... on Compound { name areaM2 } } }""",
]


@pytest.fixture(scope="module")
def both(demo_store, settings):
    fast, slow = build_schema(settings), build_schema(settings, fast_lists=False)

    def execute(schema, doc, role):
        ctx = Context(hub=Hub(demo_store, settings), viewer=Viewer(role=role))
        result = asyncio.run(schema.execute(doc, context_value=ctx))
        return orjson.loads(orjson.dumps({"data": result.data, "errors": [e.formatted for e in result.errors or []]}))

    return lambda doc, role="public": (execute(fast, doc, role), execute(slow, doc, role))


@pytest.mark.parametrize("doc", QUERIES)
@pytest.mark.parametrize("role", ["public", "admin"])
def test_the_fast_path_and_normal_execution_give_the_same_answer(both, doc, role):
    fast, slow = both(doc, role)
    assert not fast["errors"], fast["errors"]
    assert fast == slow


@pytest.mark.skipif(not FAST_PATH, reason="this graphql-core runs its own execution (hub.schema.fast.FAST_PATH)")
def test_the_fast_path_is_taken_for_plain_selections(both, monkeypatch):
    from hub.schema import fast as fast_module

    calls = []
    original = fast_module.RecordList.__getitem__
    monkeypatch.setattr(fast_module.RecordList, "__getitem__", lambda self, i: calls.append(i) or original(self, i))
    both(QUERIES[0])
    # the slow schema materialises typed objects; the fast one must not have
    assert len(calls) == 300


LINKED = [
    """{ locate(lon: 115.6135, lat: 34.3799, at: "2024-06-01T21:30:00+08:00") { lon lat at
        subdistrict { code name } community { name } grid { code workerName workerPhone }
        compound { name grids { code } }
        sector { code squad { code officers { name phone } } }
        onDuty { sectorCode squad { name hotline } shifts { code start end } officers { id name phone } } } }""",
    """{ compounds(first: 30) { edges { node { name community { code subdistrict { name } } grids { code }
        committee { kind chairName } partyBranch { members secretaryName }
        propertyCompany { name scores { year grade } }
        occupations { kind areaM2 } meetings { heldOn problems { category solved } } } } } }""",
    """{ sectors { code squad { officers { name phone shiftCode } } }
        propertyCompanies { code scores { grade listing } } }""",
]


@pytest.mark.parametrize("doc", LINKED)
@pytest.mark.parametrize(("role", "squad"), [("public", None), ("officer", "SQ2"), ("admin", None)])
def test_linked_records_compile_to_the_same_answer(demo_store, settings, doc, role, squad):
    fast, slow = build_schema(settings), build_schema(settings, fast_lists=False)
    ctx = Context(hub=Hub(demo_store, settings), viewer=Viewer(role=role, squad_code=squad))
    a = asyncio.run(fast.execute(doc, context_value=ctx))
    b = asyncio.run(slow.execute(doc, context_value=ctx))
    assert not a.errors, a.errors
    assert orjson.dumps(a.data) == orjson.dumps(b.data)


def test_resolvers_use_nothing_of_info_but_the_context():
    """Compiled plans hand resolvers an ``info`` that carries only ``context`` (hub.schema.fast)."""
    import inspect
    import re

    from hub.settings import Settings

    schema = build_schema(Settings())
    uses = re.compile(r"\binfo\.(?!context\b)\w+")
    for gtype in schema._schema.type_map.values():
        for gfield in getattr(gtype, "fields", {}).values() if hasattr(gtype, "interfaces") else ():
            sfield = (gfield.extensions or {}).get("strawberry-definition")
            resolver = getattr(sfield, "base_resolver", None)
            if resolver is None:
                continue
            source = inspect.getsource(resolver.wrapped_func)
            assert not uses.search(source), f"{gtype.name}.{gfield.name} reads more of info than its context"
