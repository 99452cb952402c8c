"""Request-pipeline pieces: a name converter that remembers, and the DateTime scalar.

The abuse limits and the document caches live in ``hub.schema.admission``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.name_converter import NameConverter

from hub.schema.scalars import literal


class CachedNameConverter(NameConverter):
    """strawberry's name converter, remembering each python → GraphQL name.

    strawberry converts field names again every time it converts an input object (every mutation),
    which cost about a tenth of a mutation's time here; the answer never changes for a name.
    """

    def __init__(self) -> None:
        super().__init__(auto_camel_case=True)
        self._names: dict[str, str] = {}

    def apply_naming_config(self, name: str) -> str:
        hit = self._names.get(name)
        if hit is None:
            hit = self._names[name] = super().apply_naming_config(name)
        return hit


def _parse_datetime(value: Any) -> datetime:
    """A DateTime from its ISO 8601 text; anything else is the client's mistake, said as a GraphQL error."""
    if not isinstance(value, str):
        raise GraphQLError(
            f"a DateTime is an ISO 8601 string, got {type(value).__name__}", extensions={"code": "BAD_INPUT"}
        )
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise GraphQLError(
            f"{value!r} is not an ISO 8601 date-time (e.g. 2024-06-01T21:30:00+08:00)",
            extensions={"code": "BAD_INPUT"},
        ) from None
    return moment  # the years it may fall in are checked where it is used (hub.domain.roster.local_time)


DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="An ISO 8601 date-time; without an offset it is read as Asia/Shanghai local time.",
    serialize=lambda v: v.isoformat(),
    parse_value=_parse_datetime,
    parse_literal=literal(_parse_datetime),
)
