"""Bad input gets a clear GraphQL error with a stable code, never an internal error."""

from __future__ import annotations

import pytest

from tests.common import CENTRE

Q = "query($w: SpatialFilter, $first: Int) { compounds(where: $w, first: $first) { totalCount } }"


def error_of(out):
    assert out.get("errors"), out
    err = out["errors"][0]
    assert err["extensions"]["code"] != "INTERNAL", err
    return err


def square(n_vertices=4):
    import math

    pts = [
        [
            CENTRE[0] + 0.01 * math.cos(2 * math.pi * i / n_vertices),
            CENTRE[1] + 0.01 * math.sin(2 * math.pi * i / n_vertices),
        ]
        for i in range(n_vertices)
    ]
    return {"type": "Polygon", "coordinates": [[*pts, pts[0]]]}


@pytest.mark.parametrize(
    ("where", "code", "words"),
    [
        ({"intersects": "{not json"}, None, "JSON"),
        ({"intersects": {"type": "Polygon"}}, "BAD_GEOMETRY", "coordinates"),
        ({"intersects": {"type": "Blob", "coordinates": []}}, "BAD_GEOMETRY", "Blob"),
        (
            {
                "within": {
                    "type": "Polygon",
                    "coordinates": [[[115.6, 34.37], [115.62, 34.39], [115.62, 34.37], [115.6, 34.39], [115.6, 34.37]]],
                }
            },
            "BAD_GEOMETRY",
            "Self-intersection",
        ),
        (
            {
                "intersects": {
                    "type": "Polygon",
                    "coordinates": [[[34.37, 115.6], [34.37, 115.62], [34.39, 115.62], [34.37, 115.6]]],
                }
            },
            "SWAPPED_COORDINATES",
            "[lon, lat]",
        ),
        ({"intersects": {"type": "Point", "coordinates": [200, 34.37]}}, "BAD_GEOMETRY", "200"),
        (
            {
                "intersects": {
                    "type": "Polygon",
                    "coordinates": [[[115.6, 34.37], [115.62, 34.39], [115.62, 34.37]]],
                }
            },
            "BAD_GEOMETRY",
            None,
        ),
        ({"intersects": square(100_000)}, "LIMIT_EXCEEDED", "10,000"),
        ({"bbox": [115.6, 34.4]}, "BAD_GEOMETRY", "[minLon, minLat, maxLon, maxLat]"),
        ({"dWithin": {"lon": 115.6, "lat": 34.4, "meters": -1}}, "BAD_INPUT", "meters"),
    ],
)
def test_bad_spatial_input_is_refused_with_a_clear_message(run, where, code, words):
    err = error_of(run(Q, {"w": where}))
    if code:
        assert err["extensions"]["code"] == code, err
    if words:
        assert words in err["message"], err


def test_a_huge_page_is_refused_with_the_limit(run):
    err = error_of(run(Q, {"first": 1_000_000}))
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "1,000" in err["message"]


def test_a_query_twenty_levels_deep_is_refused(run):
    inner = "id"
    for _ in range(9):
        inner = f"compound {{ occupations {{ {inner} }} }}"
    doc = "{ occupations(first: 1) { edges { node { " + inner + " } } } }"
    err = error_of(run(doc))
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "depth" in err["message"]


def test_a_hundred_aliases_are_refused(run):
    doc = "{ " + " ".join(f"a{i}: stats {{ compounds }}" for i in range(100)) + " }"
    err = error_of(run(doc))
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "aliases" in err["message"].lower()


def test_a_document_with_too_many_tokens_is_refused(run):
    doc = "{ stats { " + " ".join(["compounds"] * 3000) + " } }"
    err = error_of(run(doc))
    assert err["extensions"]["code"] == "LIMIT_EXCEEDED"


def test_an_unknown_field_is_a_bad_request(run):
    err = error_of(run("{ stats { nonsense } }"))
    assert err["extensions"]["code"] == "BAD_REQUEST"


def test_a_cursor_that_is_not_ours_is_refused(run):
    err = error_of(run('{ compounds(after: "garbage!") { totalCount } }'))
    assert err["extensions"]["code"] == "BAD_INPUT"


def test_locate_refuses_swapped_coordinates(run):
    err = error_of(run("{ locate(lon: 34.3767, lat: 115.6097) { sector { code } } }"))
    assert err["extensions"]["code"] == "SWAPPED_COORDINATES"
