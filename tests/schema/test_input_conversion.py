"""Input values converted by compiled plans give exactly the objects strawberry's own conversion gives."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any

import pytest
from graphql import GraphQLInputObjectType
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition

from hub.schema import build_schema
from hub.schema.convert import SUPPORTED, compile_inputs
from hub.schema.scalars import GeoJSON

pytestmark = pytest.mark.skipif(
    not SUPPORTED, reason="this strawberry has no from_input hook: its own conversion runs (hub.schema.convert)"
)


@pytest.fixture(scope="module")
def schema(settings):
    return build_schema(settings)


def input_classes(schema) -> list[type]:
    found = []
    for gql_type in schema._schema.type_map.values():
        if isinstance(gql_type, GraphQLInputObjectType):
            found.append(gql_type.extensions[GraphQLCoreConverter.DEFINITION_BACKREF].origin)
    return found


def sample(tp: Any, schema, names, *, full: bool) -> Any:
    """A GraphQL input value (as graphql-core hands it over) of type ``tp``."""
    if isinstance(tp, StrawberryOptional):
        return sample(tp.of_type, schema, names, full=full) if full else None
    if isinstance(tp, StrawberryList):
        return [sample(tp.of_type, schema, names, full=full), sample(tp.of_type, schema, names, full=full)]
    if has_object_definition(tp):
        return value_of(tp, schema, names, full=full)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return list(tp)[-1]
    return {str: "x", int: 7, float: 2.5, bool: True, datetime: datetime(2024, 6, 5, 21, 30, tzinfo=UTC)}.get(
        tp, {"type": "Point", "coordinates": [115.61, 34.38]} if tp is GeoJSON else "id-1"
    )


def value_of(cls: type, schema, names, *, full: bool) -> dict[str, Any]:
    definition = cls.__strawberry_definition__
    value = {}
    for field in definition.fields:
        tp = field.resolve_type(type_definition=definition)
        if full or not isinstance(tp, StrawberryOptional):
            value[names.from_field(field)] = sample(tp, schema, names, full=full)
    return value


def strawberrys_own(cls: type, value: dict[str, Any], schema, monkeypatch) -> Any:
    with monkeypatch.context() as m:
        for other in input_classes(schema):
            m.setattr(other.__strawberry_definition__, "from_input", None)
        return convert_argument(value, cls, schema.schema_converter.scalar_registry, schema.config)


def test_every_input_class_of_the_schema_is_compiled(schema):
    assert sorted(compile_inputs(schema)) == sorted(c.__strawberry_definition__.name for c in input_classes(schema))


@pytest.mark.parametrize("full", [True, False], ids=["every field set", "only required fields"])
def test_compiled_conversion_equals_strawberrys_for_every_input_class(schema, monkeypatch, full):
    names = schema.config.name_converter
    for cls in input_classes(schema):
        value = value_of(cls, schema, names, full=full)
        ours = convert_argument(value, cls, schema.schema_converter.scalar_registry, schema.config)
        assert type(ours) is cls
        assert ours == strawberrys_own(cls, value, schema, monkeypatch), cls.__name__


def test_lists_are_copied_so_a_resolver_cannot_change_the_next_requests_default(schema):
    from hub.schema.incidents import ReportIncidentInput

    photos = ["https://a.example/1.jpg"]
    value = {"clientId": "c", "category": "x", "lon": 1.0, "lat": 2.0, "description": "d", "seenAt": None}
    converted = convert_argument(
        {**value, "photos": photos}, ReportIncidentInput, schema.schema_converter.scalar_registry, schema.config
    )
    converted.photos.append("changed")
    assert photos == ["https://a.example/1.jpg"]
