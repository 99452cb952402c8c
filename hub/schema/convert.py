"""Compiled input conversion: a GraphQL input value to the schema's input class, by a plan made once.

strawberry turns an input value into its class field by field, working out each field's type again
on every request (about 4 µs a field; a ``reportIncident`` spent more time here than in its
resolver). The hub's input classes are flat: scalars, enums, lists of them and other input classes.
For each such class :func:`compile_inputs` works out once, per field, the GraphQL name, the Python
name and how to convert the value, and hands strawberry the result through its own hook for this,
``StrawberryObjectDefinition.from_input``. A class with any other kind of field (``Maybe``, a
``GlobalID``, a generic) keeps strawberry's conversion.

The result is the same as strawberry's (``tests/schema/test_input_conversion.py`` compares every
input class of the schema): leaves and enums as graphql-core parsed them, lists copied, ``None``
kept, a field the client left out given its default, or ``None`` when it has none.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from graphql import GraphQLInputObjectType
from strawberry.relay import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]

SUPPORTED = "from_input" in {f.name for f in dataclasses.fields(StrawberryObjectDefinition)} or hasattr(
    StrawberryObjectDefinition, "from_input"
)
"""Whether this strawberry hands input conversion to ``StrawberryObjectDefinition.from_input`` (newer releases)."""


class _Compiled:
    """The ``from_input`` hook this module installs (so a second compile knows its own)."""

    def __init__(self, convert: Callable[[Any, type], Any]) -> None:
        self.convert = convert

    def __call__(self, cls: type, value: Mapping[str, Any], context: Any) -> Any:
        return self.convert(value, cls)


class _NotFlat(Exception):
    """A field this module does not convert; the class keeps strawberry's conversion."""


def compile_inputs(schema: Any) -> list[str]:
    """Give every flat input class of ``schema`` (a ``strawberry.Schema``) its compiled conversion.

    Returns the GraphQL names of the classes compiled. Safe to call again (the plans are the same).
    """
    compiled: list[str] = []
    if not SUPPORTED:  # a strawberry without the from_input hook: its own conversion, as it always did
        return compiled
    for name, gql_type in schema._schema.type_map.items():
        if not isinstance(gql_type, GraphQLInputObjectType):
            continue
        definition = gql_type.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
        if not isinstance(definition, StrawberryObjectDefinition) or definition.is_one_of or _foreign(definition):
            continue
        plans: dict[int, Any] = {}
        try:
            convert = _class_plan(definition, schema, plans)
        except _NotFlat:
            continue
        definition.from_input = _Compiled(convert)
        compiled.append(name)
    return compiled


def _class_plan(definition: StrawberryObjectDefinition, schema: Any, plans: dict[int, Any]) -> Any:
    """``convert(value, cls)`` for one input class: its fields' plans applied to a GraphQL input value."""
    known = plans.get(id(definition))
    if known is not None:
        return known
    names = schema.config.name_converter
    fields = []
    implicit_none: dict[str, None] = {}
    for field in definition.fields:
        if isinstance(field.type, StrawberryMaybe):
            raise _NotFlat(field.python_name)
        if field.default_value is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            implicit_none[field.python_name] = None
        resolved = field.resolve_type(type_definition=definition)
        fields.append((names.from_field(field), field.python_name, _plan(resolved, schema, plans)))
    plan = tuple(fields)

    def convert(value: Mapping[str, Any], cls: type) -> Any:
        kwargs = dict(implicit_none)
        for graphql_name, python_name, how in plan:
            if graphql_name in value:
                item = value[graphql_name]
                kwargs[python_name] = item if how is None or item is None or item is UNSET else how(item)
        return cls(**kwargs)

    plans[id(definition)] = convert
    return convert


def _plan(tp: Any, schema: Any, plans: dict[int, Any]) -> Convert | None:
    """How to convert a value of type ``tp`` (None: as it is)."""
    if isinstance(tp, StrawberryMaybe):
        raise _NotFlat(tp)
    if isinstance(tp, StrawberryOptional):
        return _plan(tp.of_type, schema, plans)
    if isinstance(tp, StrawberryList):
        item = _plan(tp.of_type, schema, plans)
        if item is None:
            return list  # a copy: graphql-core shares defaults between requests
        return lambda items: [x if x is None else item(x) for x in items]
    if tp is GlobalID:
        raise _NotFlat(tp)
    if isinstance(tp, StrawberryEnumDefinition) or has_enum_definition(tp):
        return None
    if is_scalar(tp, schema.schema_converter.scalar_registry):
        return None
    if has_object_definition(tp):
        definition = tp.__strawberry_definition__
        if not definition.is_input or definition.is_one_of or _foreign(definition):
            raise _NotFlat(tp)
        nested = _class_plan(definition, schema, plans)
        return lambda value: nested(value, tp)
    raise _NotFlat(tp)


def _foreign(definition: StrawberryObjectDefinition) -> bool:
    """The class builds itself its own way (an integration set ``from_input``)."""
    return definition.from_input is not None and not isinstance(definition.from_input, _Compiled)
