"""The GraphQL adapter: strawberry types over domain objects, with limits and error shaping on."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import aclosing
from datetime import date, datetime
from functools import partial
from inspect import isawaitable
from typing import Any

import anyio
import orjson
import strawberry
from graphql import GraphQLError
from graphql import execute as graphql_execute
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.graphql import OperationType

from hub.errors import HubError
from hub.schema import admission, cost
from hub.schema import types as t
from hub.schema.context import Context
from hub.schema.convert import compile_inputs
from hub.schema.errors import is_internal, shape_error
from hub.schema.extensions import DATETIME_SCALAR, CachedNameConverter
from hub.schema.fast import FAST_PATH, execution_context_class
from hub.schema.figures import FigureQuery
from hub.schema.frontage import FrontageMutation, FrontageQuery, Merchant
from hub.schema.governance import GovernanceQuery, PublicRoom
from hub.schema.guidance import GuidanceGroup, GuidanceMutation, GuidanceQuery, GuidanceVisit, Technician, WeatherEvent
from hub.schema.hazards import (
    Hazard,
    HazardMutation,
    HazardQuery,
    HazardSubscription,
    Inspection,
    Premises,
    SafetyCampaign,
)
from hub.schema.incidents import Incident, IncidentMutation, IncidentQuery, Subscription
from hub.schema.maps import MapQuery
from hub.schema.microservices import (
    MicroServiceMutation,
    MicroServiceQuery,
    ServiceRequest,
    Volunteer,
    VolunteerTeam,
)
from hub.schema.patrols import Patrol, PatrolMutation, PatrolQuery
from hub.schema.privacy import PrivacyQuery
from hub.schema.query import Query
from hub.schema.rosters import RosterMutation, RosterQuery
from hub.schema.scalars import DATE_SCALAR, GEOJSON_SCALAR, GeoJSON
from hub.schema.spatial import SpatialQuery
from hub.schema.township_duty import TownshipDutyMutation, TownshipDutyQuery
from hub.schema.upkeep import UpkeepMutation
from hub.settings import Settings

__all__ = ["Context", "build_schema"]


HEAVY_AT_ONCE = 1
"""Operations that run off the event loop at the same time (more wait their turn)."""


class HubSchema(strawberry.Schema):
    """The schema, with every error shaped by :func:`shape_error` (parse and limit errors included), and every
    operation admitted by ``hub.schema.admission`` before it runs: a document not seen before is parsed and
    validated in a worker thread, a large or database-reading query runs in one, small ones on the loop.

    Only internal errors are logged; the client's own mistakes are answered, not logged.
    """

    documents: admission.Documents
    heavy: anyio.CapacityLimiter | None = None
    direct: bool = False
    """Small operations go straight to graphql-core (``_direct``): only with the fast path's graphql-core, whose
    ``execute`` takes the execution context as ``executor_class``."""

    def process_errors(self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None) -> None:
        internal = [e for e in errors if is_internal(e)]
        if internal:
            super().process_errors(internal, execution_context)

    async def execute(  # type: ignore[override]
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        **kwargs: Any,
    ) -> ExecutionResult:
        run = partial(
            self._run_off_loop,
            query,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            **kwargs,
        )
        if query:
            prepared = self.documents.get(query)
            if prepared is None:  # parse and validate a new document where it cannot hold up other requests
                prepared = await anyio.to_thread.run_sync(self.documents.prepare, query)
            found = None
            if context_value is not None and hasattr(context_value, "estimate"):
                found = admission.estimate_for(
                    self.documents.schema, prepared, operation_name, variable_values, context_value
                )
                context_value.estimate = found
            if not admission.runs_inline(found):
                if self.heavy is None:
                    self.heavy = anyio.CapacityLimiter(HEAVY_AT_ONCE)
                return _noted(await anyio.to_thread.run_sync(run, limiter=self.heavy), context_value)
            if found is not None and self.direct and not found.subscription:
                direct = self._direct(
                    prepared, found, operation_name, variable_values, context_value, root_value, kwargs
                )
                if direct is not None:
                    try:
                        return _noted(_shaped(await direct if isawaitable(direct) else direct), context_value)
                    except admission.Aborted as stop:
                        return _stopped(stop)
        try:
            return _noted(
                _shaped(
                    await super().execute(
                        query,
                        variable_values=variable_values,
                        context_value=context_value,
                        root_value=root_value,
                        operation_name=operation_name,
                        **kwargs,
                    )
                ),
                context_value,
            )
        except admission.Aborted as stop:
            return _stopped(stop)

    def _direct(
        self,
        prepared: admission.Prepared,
        found: Any,
        operation_name: str | None,
        variables: dict[str, Any] | None,
        ctx: Any,
        root_value: Any,
        kwargs: dict[str, Any],
    ) -> Any:
        """A small operation on a document already parsed and validated, handed straight to graphql-core's
        ``execute`` with the hub's execution context: what strawberry's pipeline would do for it (the
        document, its validation, the budget, the meter) is done here once, without its per-request
        machinery. None when the operation is not one this path takes (strawberry's pipeline runs it)."""
        document = prepared.document
        operation = cost.operation_of(document, operation_name) if document is not None else None
        if document is None or prepared.errors or operation is None:
            return None
        allowed = kwargs.get("allowed_operation_types")
        if allowed is not None and OperationType(operation.operation.value) not in allowed:
            return None  # strawberry refuses it with the right error
        budget = admission.budget_of(self.documents.settings, ctx.viewer.role)
        ctx.estimate = None
        try:
            admission.check(found, budget, ctx.viewer.role)
        except HubError as exc:
            return ExecutionResult(data=None, errors=[GraphQLError(str(exc), original_error=exc)])
        ctx.meter = admission.Meter(budget)
        result = graphql_execute(
            self._schema,
            document,
            root_value=root_value,
            context_value=ctx,
            variable_values=variables,
            operation_name=operation_name,
            executor_class=self.execution_context_class,
        )
        if isawaitable(result):
            return self._finish(result)
        return self._result(result)

    async def _finish(self, pending: Any) -> ExecutionResult:
        return self._result(await pending)

    def _result(self, result: Any) -> ExecutionResult:
        if result.errors:
            self.process_errors(result.errors, None)
        return ExecutionResult(data=result.data, errors=result.errors)

    def _run_off_loop(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        """Run an operation in this (worker) thread and encode its answer here too, so the loop only sends bytes."""
        result = self.execute_sync(*args, **kwargs)
        if isinstance(result.data, dict):
            result.data = orjson.Fragment(orjson.dumps(result.data))  # type: ignore[assignment]
        return result

    def execute_sync(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        try:
            return _shaped(super().execute_sync(*args, **kwargs))
        except admission.Aborted as stop:
            return _stopped(stop)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        """Subscriptions (and operations over websockets): every streamed result shaped the same way."""
        return _shaped_stream(await super().stream(*args, **kwargs))

    async def subscribe(self, *args: Any, **kwargs: Any) -> Any:
        """Subscriptions on strawberry releases before ``stream`` (one result, or a stream of them), shaped alike."""
        result = await super().subscribe(*args, **kwargs)
        return _shaped_stream(result) if hasattr(result, "__aiter__") else _shaped(result)


async def _shaped_stream(source: Any) -> AsyncGenerator[Any, None]:
    async with aclosing(source):
        async for result in source:
            yield _shaped(result)


FAULTS_NAMED = 20
"""Stored rows left out that an answer names (with their count)."""


def _noted(result: Any, context_value: Any) -> Any:
    """An answer made while the store holds rows it leaves out names them (``extensions.storeFaults``): the
    answer is whole but for those rows, and says which and why (``hub.store.faults``)."""
    found = getattr(getattr(getattr(context_value, "hub", None), "data", None), "faults", ())
    if found and isinstance(result, ExecutionResult):
        result.extensions = {
            **(result.extensions or {}),
            "storeFaults": {
                "message": f"{len(found)} stored rows break the store's contract and are left out of every answer "
                "until fixed (hub import)",
                "count": len(found),
                "leftOut": [f.as_dict() for f in found[:FAULTS_NAMED]],
            },
        }
    return result


def _stopped(stop: admission.Aborted) -> ExecutionResult:
    return ExecutionResult(data=None, errors=[shape_error(GraphQLError(str(stop.error), original_error=stop.error))])


def _shaped(result: Any) -> Any:
    if getattr(result, "errors", None):
        result.errors = [shape_error(e) for e in result.errors]
    return result


def build_schema(settings: Settings, *, fast_lists: bool = True) -> strawberry.Schema:
    """The schema with the abuse limits of ``settings`` switched on.

    ``fast_lists=False`` turns off the compiled completion of long lists (``hub.schema.fast``);
    tests use it to check that both give the same answers.
    """
    documents = admission.Documents(settings)
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
                GuidanceQuery,
                TownshipDutyQuery,
                HazardQuery,
                MicroServiceQuery,
            ),
        ),
        mutation=merge_types(
            "Mutation",
            (
                IncidentMutation,
                PatrolMutation,
                FrontageMutation,
                RosterMutation,
                GuidanceMutation,
                TownshipDutyMutation,
                HazardMutation,
                MicroServiceMutation,
                UpkeepMutation,
            ),
        ),
        subscription=merge_types("Subscription", (Subscription, HazardSubscription)),
        types=[
            t.Compound,
            t.Subdistrict,
            t.Community,
            t.Grid,
            t.Occupation,
            t.Sector,
            t.Township,
            t.Village,
            t.Squad,
            t.Officer,
            t.PropertyCompany,
            t.Meeting,
            t.Problem,
            Merchant,
            Incident,
            Patrol,
            PublicRoom,
            WeatherEvent,
            GuidanceGroup,
            Technician,
            GuidanceVisit,
            SafetyCampaign,
            Premises,
            Inspection,
            Hazard,
            VolunteerTeam,
            Volunteer,
            ServiceRequest,
        ],
        execution_context_class=execution_context_class(fast=fast_lists),
        config=StrawberryConfig(
            scalar_map={GeoJSON: GEOJSON_SCALAR, datetime: DATETIME_SCALAR, date: DATE_SCALAR},
            name_converter=CachedNameConverter(),
        ),
        extensions=[partial(admission.Admission, documents)],
    )
    documents.bind(schema._schema)
    schema.documents = documents
    schema.direct = FAST_PATH
    compile_inputs(schema)
    return schema
