"""Request-pipeline pieces: the abuse limits and the caches that keep repeated queries cheap."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import strawberry
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.name_converter import NameConverter
from strawberry.schema.schema import validate_document

from hub.settings import Settings

MAX_CACHED = 256


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


class DocumentValidationCache(SchemaExtension):
    """Validation results cached by the identity of the parsed document.

    ``ParserCache`` hands out the same document object for the same query text, so identity is
    the right key; strawberry's own ``ValidationCache`` hashes the whole AST on every request
    instead. The stored document is compared by identity too, so a recycled ``id`` never matches.
    """

    def __init__(self, cache: dict[Any, tuple[Any, Any]]) -> None:
        self.cache = cache

    def on_validate(self) -> Iterator[None]:
        ctx = self.execution_context
        doc = ctx.graphql_document
        key = (id(doc), ctx.validation_rules)
        hit = self.cache.get(key)
        if hit is None or hit[0] is not doc:
            if len(self.cache) >= MAX_CACHED:
                self.cache.clear()
            assert doc is not None  # validation runs after a successful parse
            hit = (doc, validate_document(ctx.schema._schema, doc, ctx.validation_rules))
            self.cache[key] = hit
        ctx.pre_execution_errors = hit[1]
        yield


def pipeline(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Fresh extensions per request: token cap, parse cache, depth and alias limits, validation cache.

    The depth and alias limiters make new validation rule classes each time they are built; made
    per request they would change the validation cache's key and defeat it, so their rules are made
    once here and added to each request by a fresh ``AddValidationRules``.
    """
    limit_rules = [
        *QueryDepthLimiter(max_depth=settings.max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    validated: dict[Any, tuple[Any, Any]] = {}
    return [
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        lambda: ParserCache(maxsize=MAX_CACHED),
        lambda: AddValidationRules(limit_rules),
        lambda: DocumentValidationCache(validated),
    ]


def _parse_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"a DateTime is an ISO 8601 string, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time (e.g. 2024-06-01T21:30:00+08:00)") from None


DATETIME_SCALAR = strawberry.scalar(
    name="DateTime",
    description="An ISO 8601 date-time; without an offset it is read as Asia/Shanghai local time.",
    serialize=lambda v: v.isoformat(),
    parse_value=_parse_datetime,
)
