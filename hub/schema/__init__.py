"""The GraphQL adapter: strawberry types over domain objects, with limits and error shaping on."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import datetime
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult

from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.convert import compile_inputs
from hub.schema.errors import is_internal, shape_error
from hub.schema.extensions import DATETIME_SCALAR, CachedNameConverter, pipeline
from hub.schema.fast import HubExecutionContext
from hub.schema.figures import FigureQuery
from hub.schema.frontage import FrontageMutation, FrontageQuery, Merchant
from hub.schema.governance import GovernanceQuery, PublicRoom
from hub.schema.incidents import Incident, IncidentMutation, IncidentQuery, Subscription
from hub.schema.maps import MapQuery
from hub.schema.patrols import Patrol, PatrolMutation, PatrolQuery
from hub.schema.privacy import PrivacyQuery
from hub.schema.query import Query
from hub.schema.rosters import RosterMutation, RosterQuery
from hub.schema.scalars import GEOJSON_SCALAR, GeoJSON
from hub.schema.spatial import SpatialQuery
from hub.settings import Settings

__all__ = ["Context", "build_schema"]


class HubSchema(strawberry.Schema):
    """The schema, with every error shaped by :func:`shape_error` (parse and limit errors included).

    Only internal errors are logged; the client's own mistakes are answered, not logged.
    """

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        internal = [e for e in errors if is_internal(e)]
        if internal:
            super().process_errors(internal, execution_context)

    async def execute(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        return _shaped(await super().execute(*args, **kwargs))

    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        return _shaped(super().execute_sync(*args, **kwargs))

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """Subscriptions (and operations over websockets): every streamed result shaped the same way."""
        return _shaped_stream(await super().stream(*args, **kwargs))


async def _shaped_stream(source: Any) -> AsyncGenerator[Any, None]:
    async with aclosing(source):
        async for result in source:
            yield _shaped(result)


def _shaped(result: Any) -> Any:
    if getattr(result, "errors", None):
        result.errors = [shape_error(e) for e in result.errors]
    return result


def build_schema(settings: Settings, *, fast_lists: bool = True) -> strawberry.Schema:
    """The schema with the abuse limits of ``settings`` switched on.

    ``fast_lists=False`` turns off the compiled completion of long lists (``hub.schema.fast``);
    tests use it to check that both give the same answers.
    """
    schema = HubSchema(
        query=merge_types(
            "Query",
            (
                Query,
                MapQuery,
                RosterQuery,
                IncidentQuery,
                PatrolQuery,
                FrontageQuery,
                PrivacyQuery,
                FigureQuery,
                GovernanceQuery,
                SpatialQuery,
            ),
        ),
        mutation=merge_types("Mutation", (IncidentMutation, PatrolMutation, FrontageMutation, RosterMutation)),
        subscription=Subscription,
        types=[
            t.Compound,
            t.Subdistrict,
            t.Community,
            t.Grid,
            t.Occupation,
            t.Sector,
            t.Squad,
            t.Officer,
            t.PropertyCompany,
            t.Meeting,
            t.Problem,
            Merchant,
            Incident,
            Patrol,
            PublicRoom,
        ],
        execution_context_class=HubExecutionContext if fast_lists else None,
        config=StrawberryConfig(
            scalar_map={GeoJSON: GEOJSON_SCALAR, datetime: DATETIME_SCALAR}, name_converter=CachedNameConverter()
        ),
        extensions=pipeline(settings),
    )
    compile_inputs(schema)
    return schema
