"""Scalars and identifiers: GeoJSON (pre-serialised on output), Relay global IDs; opaque cursors come from the
domain's paging (``hub.domain.filters``)."""

from __future__ import annotations

import base64
import binascii
from datetime import date
from typing import Any, NewType

import orjson
import strawberry
from graphql import GraphQLError, value_from_ast_untyped

from hub.domain.filters import decode_cursor, encode_cursor
from hub.errors import InputError


def _serialize_geojson(value: Any) -> Any:
    # Stored geometry is GeoJSON text serialised once at write time: hand it to orjson as is.
    if isinstance(value, str):
        return orjson.Fragment(value)
    return value


def _parse_geojson(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError as exc:
            raise GraphQLError(
                f"GeoJSON string is not valid JSON: {exc}", extensions={"code": "BAD_GEOMETRY"}
            ) from None
    return value


def _parse_date(value: Any) -> date:
    """A Date from its ISO 8601 text (2024-06-05); anything else is said as a GraphQL error."""
    if not isinstance(value, str):
        raise GraphQLError(
            f"a Date is an ISO 8601 string, got {type(value).__name__}", extensions={"code": "BAD_INPUT"}
        )
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise GraphQLError(
            f"{value!r} is not an ISO 8601 date (e.g. 2024-06-05)", extensions={"code": "BAD_INPUT"}
        ) from None
    return day


def literal(parse: Any) -> Any:
    """A scalar's ``parse_literal`` from its ``parse_value``: a refused literal's error points at the literal, so
    the answer can name the argument it was given for (``hub.schema.errors``)."""

    def parse_literal(node: Any, variables: Any = None) -> Any:
        try:
            return parse(value_from_ast_untyped(node, variables))
        except GraphQLError as exc:
            raise GraphQLError(exc.message, nodes=node, extensions=exc.extensions) from None

    return parse_literal


DATE_SCALAR = strawberry.scalar(
    name="Date",
    description="An ISO 8601 calendar date (2024-06-05), in the district's local time where it matters.",
    serialize=lambda v: v.isoformat(),
    parse_value=_parse_date,
    parse_literal=literal(_parse_date),
)

GeoJSON = NewType("GeoJSON", object)
"""A GeoJSON geometry: pre-serialised text on output, a decoded object on input."""

GEOJSON_SCALAR = strawberry.scalar(
    name="GeoJSON",
    description="An RFC 7946 GeoJSON geometry object (WGS84 longitude/latitude, 6 decimals, exterior rings CCW).",
    serialize=_serialize_geojson,
    parse_value=_parse_geojson,
    parse_literal=literal(_parse_geojson),
)


def to_global_id(type_name: str, key: object) -> str:
    """A Relay global ID: base64 of ``Type:key``.

    >>> to_global_id("Compound", 12)
    'Q29tcG91bmQ6MTI='
    """
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


def from_global_id(gid: str, *, field: str = "id") -> tuple[str, str]:
    """(type, key) of a global ID; a clear error for anything else.

    >>> from_global_id('Q29tcG91bmQ6MTI=')
    ('Compound', '12')
    """
    try:
        type_name, _, key = base64.b64decode(gid.encode(), validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InputError(f"{gid!r} is not an ID this hub issued", field=field) from None
    if not type_name or not key:
        raise InputError(f"{gid!r} is not an ID this hub issued", field=field)
    return type_name, key


__all__ = [
    "DATE_SCALAR",
    "GEOJSON_SCALAR",
    "GeoJSON",
    "decode_cursor",
    "encode_cursor",
    "from_global_id",
    "to_global_id",
]
