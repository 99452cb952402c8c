"""What the fuzzer sends for the hub's own scalars, and what counts as a failure (shared by the CI fuzz test
and ``bench/bench_fuzz.py``).

schemathesis generates GraphQL operations from the schema; for the custom scalars it needs strategies.
These mix values a client might well send (points and polygons in the district, ISO times and dates)
with the values that broke the hub before: swapped coordinates, unclosed rings, JSON text that does not
parse, dates that are not dates, numbers where strings belong.
"""

from __future__ import annotations

from typing import Any

import graphql
import schemathesis
from hypothesis import strategies as st
from hypothesis_graphql import nodes

LON = st.floats(115.3, 116.0, allow_nan=False)
LAT = st.floats(34.1, 34.6, allow_nan=False)
ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True)


def value_node(value: Any) -> graphql.ValueNode:
    """A GraphQL literal for a JSON value."""
    if value is None:
        return nodes.Null
    if isinstance(value, bool):
        return nodes.Boolean(value)
    if isinstance(value, int):
        return nodes.Int(value)
    if isinstance(value, float):
        return nodes.Float(value) if value == value and abs(value) != float("inf") else nodes.String(str(value))
    if isinstance(value, str):
        return nodes.String(value)
    if isinstance(value, list):
        return nodes.List([value_node(v) for v in value])
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=str(k) or "k"), value=value_node(v))
            for k, v in value.items()
            if str(k).isidentifier()
        ]
    )


def _ring(points: list[list[float]]) -> list[list[float]]:
    return [*points, points[0]]


POINT = st.builds(lambda x, y: {"type": "Point", "coordinates": [x, y]}, LON, LAT)
SWAPPED = st.builds(lambda x, y: {"type": "Point", "coordinates": [y, x]}, LON, LAT)
BOX = st.builds(
    lambda x, y, w, h: {"type": "Polygon", "coordinates": [_ring([[x, y], [x + w, y], [x + w, y + h], [x, y + h]])]},
    LON,
    LAT,
    st.floats(0.0, 0.05),
    st.floats(0.0, 0.05),
)
OPEN_RING = st.builds(
    lambda x, y: {"type": "Polygon", "coordinates": [[[x, y], [x + 0.01, y], [x, y + 0.01]]]}, LON, LAT
)
JUNK_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | ANY_FLOAT | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["type", "coordinates", "x"]), inner),
    max_leaves=20,
)
GEOJSON = st.one_of(
    POINT,
    BOX,
    SWAPPED,
    OPEN_RING,
    st.builds(lambda t, c: {"type": t, "coordinates": c}, st.sampled_from(["Point", "Polygon", "Blob", ""]), JUNK_JSON),
    JUNK_JSON,
).map(value_node) | st.sampled_from(["{bad", '{"type": "Point"}', "", "null", "[1,2]"]).map(nodes.String)
DATETIME = st.one_of(
    st.datetimes().map(lambda d: d.isoformat()),
    st.sampled_from(["yesterday", "2024-13-01T00:00:00", "", "2024-06-05T21:30:00+08:00", "24:00"]),
    st.text(max_size=30),
).map(nodes.String) | st.integers().map(nodes.Int)
DATE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["nope", "2024-02-30", "", "31/12/2024", "2024-06-05"]),
    st.text(max_size=12),
).map(nodes.String) | st.integers().map(nodes.Int)
JSON = JUNK_JSON.map(value_node)


def register() -> None:
    """Tell schemathesis how to make the hub's custom scalars."""
    schemathesis.graphql.scalar("GeoJSON", GEOJSON)
    schemathesis.graphql.scalar("DateTime", DATETIME)
    schemathesis.graphql.scalar("Date", DATE)
    schemathesis.graphql.scalar("JSON", JSON)


def failure(response: Any) -> str | None:
    """Why an answer is a failure (a 5xx, or an INTERNAL error), or None."""
    if response.status_code >= 500:
        return f"HTTP {response.status_code}: {response.text[:300]}"
    try:
        body = response.json()
    except ValueError:
        return None if response.status_code < 500 else "not JSON"
    errors = body.get("errors") if isinstance(body, dict) else None
    for error in errors or []:
        if (error.get("extensions") or {}).get("code") == "INTERNAL" or error.get("message") == "internal error":
            return f"INTERNAL: {error}"
    return None
