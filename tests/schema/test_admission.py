"""Every operation is costed before it runs: small ones pass, ones that could stall the hub are refused at once."""

from __future__ import annotations

import asyncio

import pytest
from graphql import get_introspection_query, get_named_type, is_list_type, is_object_type, parse

from hub.domain.access import Viewer
from hub.schema import Context, admission, build_schema, cost
from hub.services import Hub
from hub.settings import Settings

NESTED = (
    "{ subdistricts { communities { code subdistrict { code communities { code subdistrict { code communities "
    "{ code subdistrict { code communities { code subdistrict { code communities { code subdistrict { code } } } } } } "
    "} } } } } }"
)
"""The issue's 256-byte anonymous query: within the depth limit (12) and without aliases; 335 MB of answer."""

FRAGMENT_CHAIN = (
    "query { ...F0 } "
    + " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(20))
    + " fragment F20 on Query { __typename }"
)


def code_of(out):
    assert out.get("errors"), out
    return out["errors"][0]["extensions"]["code"]


def test_every_list_field_of_the_schema_declares_its_size():
    schema = build_schema(Settings())._schema
    missing = []
    for name, t in schema.type_map.items():
        if name.startswith("__") or not is_object_type(t):
            continue
        for field_name, f in t.fields.items():
            inner = f.type.of_type if hasattr(f.type, "of_type") and not is_list_type(f.type) else f.type
            if is_list_type(inner) and cost.SIZE not in cost._metadata(f):
                missing.append(f"{name}.{field_name}")
    assert not missing, f"lists without sized(...): {missing}"


def test_the_issues_nested_anonymous_query_is_refused_before_it_runs_with_estimate_and_budget(run):
    out = run(NESTED)
    assert code_of(out) == "LIMIT_EXCEEDED"
    message = out["errors"][0]["message"]
    assert "objects" in message and "10,000" in message  # the public budget
    assert out["data"] is None


def test_the_nested_query_is_refused_for_admins_too(run):
    assert code_of(run(NESTED, role="admin")) == "LIMIT_EXCEEDED"


def test_a_fragment_chain_that_doubles_at_each_level_is_refused(run):
    out = run(FRAGMENT_CHAIN)
    assert code_of(out) == "LIMIT_EXCEEDED"
    assert "fragments are spread" in out["errors"][0]["message"]


def test_thirty_aliases_of_a_page_each_within_the_limits_are_refused_together(run):
    one = "compounds(first: 1000) { edges { node { name } } }"
    alone = run("{ " + one + " }")
    assert "errors" not in alone
    together = run("{ " + " ".join(f"a{i}: {one}" for i in range(30)) + " }")
    assert code_of(together) == "LIMIT_EXCEEDED"


def test_a_map_client_gets_a_whole_layer_of_grids_as_the_public(run):
    out = run("{ featureCollection(layer: GRIDS) }")
    assert "errors" not in out, out
    assert out["data"]["featureCollection"]["numberReturned"] == 4950


def test_graphiqls_introspection_query_passes_as_the_public(run):
    out = run(get_introspection_query(descriptions=True))
    assert "errors" not in out, out["errors"]


MIDDLE = "{ grids(first: 1000) { edges { node { community { subdistrict { communities { code } } } } } } }"


def test_the_budget_depends_on_the_role(run):
    assert code_of(run(MIDDLE)) == "LIMIT_EXCEEDED"
    assert "errors" not in run(MIDDLE, role="analyst")


def _estimate(demo_store, document, variables=None):
    settings = Settings()
    schema = build_schema(settings)
    doc = parse(document)
    op = cost.operation_of(doc, None)
    return cost.estimate(schema._schema, doc, op, variables, demo_store.data)


def test_a_whole_list_is_estimated_at_exactly_its_records(demo_store):
    data = demo_store.data
    found = _estimate(demo_store, "{ subdistricts { code communities { code } } }")
    assert found.objects == len(data.subdistricts) + len(data.communities)  # 6 + 63, from the records


def test_a_page_is_estimated_at_first_but_never_past_what_the_layer_holds(demo_store):
    fifty = _estimate(demo_store, "{ compounds(first: 50) { edges { node { name } } } }")
    assert fifty.objects == 1 + 50 + 50  # the connection, its edges, their nodes
    everything = _estimate(demo_store, "query($n: Int) { compounds(first: $n) { nodes { name } } }", {"n": 1000})
    assert everything.objects == 1 + len(demo_store.data.compounds)


def test_a_fragment_is_costed_once_and_counted_wherever_it_is_spread(demo_store):
    doc = "{ a: sectors { ...S } b: sectors { ...S } } fragment S on Sector { code squad { code } }"
    found = _estimate(demo_store, doc)
    assert found.objects == 2 * (4 + 4)  # two lists of 4 sectors, each with its squad


def test_geometry_weighs_what_the_layers_geojson_weighs(demo_store):
    with_geometry = _estimate(demo_store, "{ sectors { geometry } }")
    without = _estimate(demo_store, "{ sectors { code } }")
    mean = sum(len(s.geojson) for s in demo_store.data.sectors) / 4
    assert with_geometry.bytes - without.bytes == pytest.approx(4 * (mean - cost.LEAF_BYTES))


def test_the_shape_of_a_document_is_worked_out_once_per_fragment():
    found = cost.shape(parse(FRAGMENT_CHAIN))
    assert found.spreads == 2**21 - 1
    assert found.depth == 0  # only __typename at the bottom


def test_shape_counts_aliases_inside_fragments_as_often_as_they_are_spread():
    doc = parse("{ ...A ...A } fragment A on Query { x: stats { compounds } y: stats { grids } }")
    assert cost.shape(doc).aliases == 4


def test_an_answer_that_runs_past_the_time_budget_is_stopped_with_a_clear_error(demo_store):
    settings = Settings(request_timeout_s=0.0)
    schema = build_schema(settings)
    ctx = Context(hub=Hub(demo_store, settings), viewer=Viewer(role="admin"))
    doc = (
        "{ grids(first: 1000) { edges { node { code community { code } } } } a: grids(first: 1000) { nodes { code } } }"
    )
    result = asyncio.run(schema.execute(doc, context_value=ctx))
    assert result.data is None
    (error,) = result.errors
    assert error.extensions["code"] == "LIMIT_EXCEEDED"
    assert "longer than 0 s" in error.message


def test_an_answer_that_grows_past_its_bytes_is_stopped_while_it_is_built(demo_store):
    meter = admission.Meter(admission.Budget(objects=10, bytes=1000, seconds=60))
    meter.spend(1, 500)
    with pytest.raises(admission.Aborted) as stop:
        meter.spend(1, 500)
    assert stop.value.error.code == "LIMIT_EXCEEDED"


def test_small_known_operations_run_on_the_loop_and_large_or_blocking_ones_do_not():
    small = cost.Estimate(objects=10, bytes=1000)
    large = cost.Estimate(objects=50_000, bytes=1000)
    blocking = cost.Estimate(objects=10, bytes=1000, blocking=True)
    mutation = cost.Estimate(objects=10, bytes=1000, mutation=True)
    assert admission.runs_inline(small) and admission.runs_inline(mutation)
    assert not admission.runs_inline(large) and not admission.runs_inline(blocking)


def test_the_audit_log_is_marked_as_a_database_read(demo_store):
    found = _estimate(demo_store, "{ auditLog(first: 5) { id } }")
    assert found.blocking and found.objects == 5


@pytest.mark.parametrize(
    ("document", "code", "argument"),
    [
        ('{ locate(lon: 115.64, lat: 34.37, at: "yesterday") { lon } }', "BAD_INPUT", "at"),
        ('{ compounds(where: {intersects: "{bad"}) { totalCount } }', "BAD_GEOMETRY", "where.intersects"),
        ('{ assignments(date: "not a date") { start } }', "BAD_INPUT", "date"),
        ("{ locate(lon: 115.64, lat: 34.37, at: 5) { lon } }", "BAD_INPUT", "at"),
    ],
)
def test_a_bad_literal_of_a_custom_scalar_is_the_clients_mistake_named_with_its_argument(run, document, code, argument):
    out = run(document)
    assert code_of(out) == code, out
    assert out["errors"][0]["message"].startswith(f"{argument}: "), out


@pytest.mark.parametrize(
    ("document", "variables"),
    [
        ("query($at: DateTime) { locate(lon: 115.64, lat: 34.37, at: $at) { lon } }", {"at": "yesterday"}),
        ("query($w: SpatialFilter) { compounds(where: $w) { totalCount } }", {"w": {"intersects": "{bad"}}),
        ("query($d: Date!) { assignments(date: $d) { start } }", {"d": "31/12/2024"}),
    ],
)
def test_the_same_bad_values_as_variables_are_refused_the_same_way(run, document, variables):
    out = run(document, variables)
    assert code_of(out) != "INTERNAL", out
    assert out["data"] is None


def test_a_type_with_a_list_field_in_the_schema_has_a_named_item_type():
    # the size test above unwraps NonNull once; a list of lists would need more
    schema = build_schema(Settings())._schema
    for name, t in schema.type_map.items():
        if name.startswith("__") or not is_object_type(t):
            continue
        for f in t.fields.values():
            assert cost._list_depth(f.type) <= 1, (name, f)
            assert get_named_type(f.type) is not None
