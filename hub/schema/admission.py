"""Admission: every operation is parsed, validated and costed before it runs, and runs within a budget.

One :class:`Documents` object per schema keeps parsed and validated documents by their text (an
LRU of ``MAX_DOCUMENTS``), with their shape (``hub.schema.cost.shape``): depth, aliases and
fragment fan-out are checked there, in time linear in the document, beside graphql-core's own
validation rules. The :class:`Admission` extension hands strawberry the kept document and its
errors (no second parse, no second validation), and before execution estimates what the
operation can cost with its variables and the data as it is (``hub.schema.cost.estimate``):
over the caller's budget (settings, by role) it is refused at once, with the estimate and the
budget in the message. While it runs, a :class:`Meter` counts what the answer holds and the time
it takes; past the budget the request ends with a clear error (``LIMIT_EXCEEDED``) and its partial
answer is dropped.

:class:`Gate` decides where an operation runs: a known document estimated small runs on the event
loop (a phone's ``locate`` pays no thread hop); anything else (a document not seen before is
parsed and validated in a worker thread first, then a large or database-reading query runs there
too) runs off the loop, so ``/healthz`` and small queries stay fast while a heavy one runs.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, specified_rules
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from hub.domain.access import ADMIN, ANALYST, INSPECTOR, OFFICER, TECHNICIAN, VOLUNTEER
from hub.errors import LimitExceeded
from hub.schema import cost
from hub.settings import Settings

MAX_DOCUMENTS = 512
MAX_SPREADS = 1_000
"""Most fragment spreads an operation may resolve, counting a spread as often as it is reached."""
INLINE_OBJECTS = 2_000
INLINE_BYTES = 256_000
"""Operations estimated below both run on the event loop; others in a worker thread."""
METER_EVERY = 1_024
"""The meter looks at the clock every this many counted objects."""


def limit_error(message: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, nodes=node, extensions={"code": "LIMIT_EXCEEDED"})


@dataclass(slots=True)
class Prepared:
    """A query text parsed and validated once: its document (None when it does not parse) and its errors."""

    document: DocumentNode | None
    errors: list[GraphQLError]
    shape: cost.Shape | None = None
    estimates: dict[Any, cost.Estimate] = field(default_factory=dict)
    """Estimates of its operations, by (operation name, data generation, the values of the variables they read)."""
    reads: dict[str | None, tuple[str, ...]] = field(default_factory=dict)
    """Operation name → the variables its estimate depends on (found by the first estimate)."""


class Documents:
    """Parsed and validated documents by query text, shared by every request of one schema."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._schema: GraphQLSchema | None = None
        self._kept: OrderedDict[str, Prepared] = OrderedDict()
        self._lock = threading.Lock()

    def bind(self, schema: GraphQLSchema) -> None:
        """The schema documents are validated against (known once strawberry has built it)."""
        self._schema = schema

    @property
    def schema(self) -> GraphQLSchema:
        if self._schema is None:
            raise RuntimeError("Documents.bind(schema) was not called")
        return self._schema

    def get(self, text: str) -> Prepared | None:
        with self._lock:
            hit = self._kept.get(text)
            if hit is not None:
                self._kept.move_to_end(text)
            return hit

    def prepare(self, text: str) -> Prepared:
        """The document of ``text``, parsed, validated and checked against the limits (kept for next time)."""
        hit = self.get(text)
        if hit is not None:
            return hit
        prepared = self._prepare(text)
        with self._lock:
            self._kept[text] = prepared
            while len(self._kept) > MAX_DOCUMENTS:
                self._kept.popitem(last=False)
        return prepared

    def _prepare(self, text: str) -> Prepared:
        try:
            document = parse(text, max_tokens=self.settings.max_tokens)
        except GraphQLError as exc:
            return Prepared(None, [exc])
        shape = cost.shape(document)
        limits = self._limits(shape)
        if limits:  # refuse before graphql-core's own rules spend time on a document we will not run
            return Prepared(document, limits, shape)
        errors = validate_document(self.schema, document, tuple(specified_rules))
        return Prepared(document, list(errors), shape)

    def _limits(self, shape: cost.Shape) -> list[GraphQLError]:
        s = self.settings
        errors = []
        if shape.depth > s.max_depth:
            errors.append(
                limit_error(f"the operation is {shape.depth} levels deep; the maximum depth is {s.max_depth}")
            )
        if shape.aliases > s.max_aliases:
            errors.append(limit_error(f"{shape.aliases:,} aliases found; at most {s.max_aliases} aliases are allowed"))
        if shape.spreads > MAX_SPREADS:
            errors.append(
                limit_error(
                    f"fragments are spread {shape.spreads:,} times (counting each time a spread is reached); "
                    f"at most {MAX_SPREADS:,}"
                )
            )
        return errors


@dataclass(frozen=True, slots=True)
class Budget:
    objects: int
    bytes: int
    seconds: float


def budget_of(settings: Settings, role: str) -> Budget:
    """What a caller of this role may spend on one operation."""
    if role == ADMIN:
        objects, mb = settings.max_cost_admin, settings.max_answer_mb_admin
    elif role in (ANALYST, OFFICER, TECHNICIAN, INSPECTOR, VOLUNTEER):
        objects, mb = settings.max_cost_staff, settings.max_answer_mb_staff
    else:
        objects, mb = settings.max_cost_public, settings.max_answer_mb_public
    return Budget(objects, int(mb * 1_000_000), settings.request_timeout_s)


class Aborted(BaseException):
    """Raised inside execution when the meter runs out; a BaseException so that graphql-core, which turns
    every ``Exception`` of a resolver into a null and an error and goes on, stops at once."""

    def __init__(self, error: LimitExceeded) -> None:
        super().__init__(str(error))
        self.error = error


class Meter:
    """What an answer has cost so far while it is built: objects, bytes of its values, time."""

    __slots__ = ("budget", "bytes", "deadline", "next_look", "objects")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.objects = 0
        self.bytes = 0
        self.deadline = time.monotonic() + budget.seconds
        self.next_look = METER_EVERY

    def spend(self, objects: int, size: int = 0) -> None:
        self.objects += objects
        self.bytes += size + objects * cost.LEAF_BYTES
        if self.bytes > self.budget.bytes:
            raise Aborted(
                LimitExceeded(
                    f"the answer grew past {self.budget.bytes / 1e6:,.0f} MB while it was built and was stopped; "
                    "ask for less (a smaller page, fewer nested lists)"
                )
            )
        if self.objects >= self.next_look:
            self.next_look = self.objects + METER_EVERY
            if time.monotonic() > self.deadline:
                raise Aborted(
                    LimitExceeded(
                        f"the request ran longer than {self.budget.seconds:g} s and was stopped; ask for less "
                        "(a smaller page, fewer nested lists)"
                    )
                )


def check(estimate: cost.Estimate, budget: Budget, role: str) -> None:
    """Refuse an estimate over the budget, saying both."""
    if estimate.objects > budget.objects:
        raise LimitExceeded(
            f"this operation could return about {estimate.objects:,.0f} objects; the budget for {role} "
            f"callers is {budget.objects:,} (ask for smaller pages or fewer nested lists)"
        )
    if estimate.bytes > budget.bytes:
        raise LimitExceeded(
            f"this operation could return about {estimate.bytes / 1e6:,.1f} MB; the budget for {role} callers is "
            f"{budget.bytes / 1e6:,.0f} MB (ask for a smaller area, a lower zoom or fewer properties)"
        )


def estimate_for(
    schema: GraphQLSchema, prepared: Prepared, operation_name: str | None, variables: Any, ctx: Any
) -> Any:
    """The estimate of the operation a request runs (None when it does not name one: validation says why)."""
    document = prepared.document
    if document is None or prepared.errors:
        return None
    operation = cost.operation_of(document, operation_name)
    if operation is None:
        return None
    data = ctx.data
    base = (operation_name, getattr(data, "generation", 0))
    names = prepared.reads.get(operation_name)
    if names is not None:
        key = _key(base, names, variables)
        hit = prepared.estimates.get(key) if key is not None else None
        if hit is not None:
            return hit
    read: set[str] = set()
    found = cost.estimate(schema, document, operation, variables, data, read)
    names = prepared.reads[operation_name] = tuple(sorted(read))
    key = _key(base, names, variables)
    if key is not None:
        if len(prepared.estimates) > 16:
            prepared.estimates.clear()
        prepared.estimates[key] = found
    return found


def _key(base: tuple[Any, ...], names: tuple[str, ...], variables: Any) -> tuple[Any, ...] | None:
    """The cache key of an estimate: the operation, the data's generation, and the values of the variables it
    read (as JSON); None when a value cannot be written as JSON (the estimate is then not kept)."""
    if not names:
        return base
    given = variables if isinstance(variables, dict) else {}
    try:
        return (*base, orjson.dumps({n: given.get(n) for n in names}, option=orjson.OPT_SORT_KEYS))
    except TypeError:
        return None


class Admission(SchemaExtension):
    """The kept document and its errors for strawberry's parse and validate steps; the budget before execution."""

    def __init__(self, documents: Documents, *, execution_context: Any = None) -> None:
        # older strawberry releases hand extension factories ``execution_context=None``
        self.documents = documents

    def _prepared(self) -> Prepared:
        query = self.execution_context.query
        assert query is not None  # strawberry refuses a request without a query before parsing
        return self.documents.prepare(query)

    def on_parse(self) -> Iterator[None]:
        prepared = self._prepared()
        if prepared.document is None:
            raise prepared.errors[0]
        self.execution_context.graphql_document = prepared.document
        yield

    def on_validate(self) -> Iterator[None]:
        self.execution_context.pre_execution_errors = list(self._prepared().errors)
        yield

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        ctx = ec.context
        viewer = getattr(ctx, "viewer", None)
        if viewer is not None and ec.query:
            found = getattr(ctx, "estimate", None) or estimate_for(
                self.documents.schema, self._prepared(), ec.operation_name, ec.variables, ctx
            )
            ctx.estimate = None  # one estimate per operation (a websocket's context serves many)
            budget = budget_of(self.documents.settings, viewer.role)
            if found is not None:
                check(found, budget, viewer.role)
            # a subscription's events are each small and arrive for as long as it lives: no meter
            ctx.meter = None if found is not None and found.subscription else Meter(budget)
        yield


def runs_inline(found: cost.Estimate | None) -> bool:
    """Whether an operation is small enough to run on the event loop (mutations and subscriptions always are:
    their resolvers wait on the writer and on events, and what they return is small or refused)."""
    if found is None:
        return True
    if found.mutation or found.subscription:
        return True
    return not found.blocking and found.objects <= INLINE_OBJECTS and found.bytes <= INLINE_BYTES
