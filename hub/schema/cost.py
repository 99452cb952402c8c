"""What an operation can cost, worked out before it runs: depth, aliases, fragment fan-out, objects, bytes.

The analysis walks the operation once. Each fragment is analysed once and its figures are reused
wherever it is spread, so the work is linear in the document however often fragments are spread
(``...F1 ...F1`` in ``F0``, ``...F2 ...F2`` in ``F1``, … counts 2**20 fields after twenty levels
in twenty steps; graphql-core's own limiters and strawberry's expand every spread).

Shape (:func:`shape`): figures of the document alone, kept with the parsed document —

- depth: nesting of fields that have selections (introspection fields do not count, as in
  strawberry's ``QueryDepthLimiter``);
- aliases: aliased fields, counted once per time they would be resolved (a fragment spread twice
  counts its aliases twice);
- spreads: fragment spreads, counted the same way (the fan-out of fragments).

Estimate (:func:`estimate`): with the request's variables and the data as it is now —

- objects: how many composite values (objects and list items) the answer can hold. A list field
  multiplies its selection by its *size*, declared on the field (``strawberry.field(metadata=
  sized(...))``): a number, or a function of the data (the mean number of communities of a
  subdistrict, worked out from the records), or of the data and the field's arguments (a page's
  ``first``). A connection's ``edges``/``nodes`` take the page size of the connection field above
  them: ``first`` (default 100) but never more than the layer holds. Introspection lists take the
  mean fan-outs of the schema itself.
- bytes: each leaf value counts ``LEAF_BYTES``; fields that carry geometry or whole answers declare
  their weight (``metadata=weighs(...)``: a layer's mean GeoJSON length, or a feature collection's
  features × their mean size).
- blocking: the operation reads the database (fields declared ``blocking``), so it must not run on
  the event loop.

Estimates use means over the data, not maxima: a whole list of subdistricts' communities is then
estimated exactly, and nesting still multiplies (an anonymous query that nests
``subdistricts { communities { subdistrict { communities … } } } }`` five times is estimated at
millions of objects and refused before it runs).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    Node,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_composite_type,
    value_from_ast,
)
from graphql.pyutils import Undefined
from graphql.type.introspection import introspection_types

LEAF_BYTES = 24
"""Bytes counted for a leaf value with its key (a name, a number, a short code)."""
DEFAULT_PAGE = 100
BACKREF = "strawberry-definition"

SIZE = "hub.size"
WEIGHT = "hub.bytes"
BLOCKING = "hub.blocking"
PAGE = "page"
"""The size of a connection's ``edges`` and ``nodes``: the page of the connection field above."""

Size = float | int | str | Callable[..., float]


def sized(size: Size, *, blocking: bool = False) -> dict[str, Any]:
    """Field metadata: how many items a list field returns.

    ``size`` is a number, ``PAGE``, ``f(data)`` or ``f(data, args)`` (args: the field's argument
    values by their python names, defaults applied).

    >>> sized(6)
    {'hub.size': 6}
    >>> sorted(sized(lambda data, args: args["first"], blocking=True))
    ['hub.blocking', 'hub.size']
    """
    meta: dict[str, Any] = {SIZE: size}
    if blocking:
        meta[BLOCKING] = True
    return meta


def weighs(weight: float | Callable[..., float]) -> dict[str, Any]:
    """Field metadata: the bytes of one value of a leaf field (a number, ``f(data)`` or ``f(data, args)``).

    >>> weighs(1000)
    {'hub.bytes': 1000}
    """
    return {WEIGHT: weight}


@dataclass(frozen=True, slots=True)
class Shape:
    """Figures of a document alone (no variables, no data)."""

    depth: int
    aliases: int
    spreads: int


@dataclass(slots=True)
class Estimate:
    """What an operation can cost with these variables and this data."""

    objects: float = 0.0
    bytes: float = 0.0
    blocking: bool = False
    mutation: bool = False
    subscription: bool = False

    def add(self, other: Estimate, times: float = 1.0) -> None:
        self.objects += other.objects * times
        self.bytes += other.bytes * times
        self.blocking = self.blocking or other.blocking


def operation_of(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode | None:
    """The operation a request runs (None when the name matches none, or several exist without a name)."""
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        return ops[0] if len(ops) == 1 else None
    return next((op for op in ops if op.name is not None and op.name.value == operation_name), None)


def _fragments(document: DocumentNode) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


# --- shape ------------------------------------------------------------------------------------------------------


def shape(document: DocumentNode) -> Shape:
    """Depth, aliases and spreads of the worst operation in the document, each fragment analysed once.

    >>> from graphql import parse
    >>> doc = parse("query { ...F0 } fragment F0 on Query { ...F1 ...F1 } fragment F1 on Query { a: stats { b } }")
    >>> shape(doc)
    Shape(depth=1, aliases=2, spreads=3)
    """
    fragments = _fragments(document)
    memo: dict[str, tuple[int, int, int]] = {}
    worst = (0, 0, 0)
    for op in document.definitions:
        if isinstance(op, OperationDefinitionNode):
            figures = _shape_of(op.selection_set, fragments, memo, frozenset())
            worst = tuple(max(a, b) for a, b in zip(worst, figures, strict=True))  # type: ignore[assignment]
    return Shape(*worst)


def _shape_of(
    selection_set: SelectionSetNode | None,
    fragments: Mapping[str, FragmentDefinitionNode],
    memo: dict[str, tuple[int, int, int]],
    visiting: frozenset[str],
) -> tuple[int, int, int]:
    depth = aliases = spreads = 0
    for sel in selection_set.selections if selection_set else ():
        if isinstance(sel, FieldNode):
            d, a, s = _shape_of(sel.selection_set, fragments, memo, visiting) if sel.selection_set else (-1, 0, 0)
            if sel.name.value.startswith("__"):  # introspection does not count towards depth
                d = -1
            depth, aliases, spreads = max(depth, d + 1), aliases + a + (sel.alias is not None), spreads + s
        elif isinstance(sel, InlineFragmentNode):
            d, a, s = _shape_of(sel.selection_set, fragments, memo, visiting)
            depth, aliases, spreads = max(depth, d), aliases + a, spreads + s
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            if name in visiting or name not in fragments:  # a cycle or an unknown name: validation reports it
                continue
            hit = memo.get(name)
            if hit is None:
                hit = memo[name] = _shape_of(fragments[name].selection_set, fragments, memo, visiting | {name})
            depth, aliases, spreads = max(depth, hit[0]), aliases + hit[1], spreads + hit[2] + 1
    return depth, aliases, spreads


# --- estimate ---------------------------------------------------------------------------------------------------


@dataclass
class _Walk:
    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    data: Any
    memo: dict[tuple[str, str, float], Estimate] = field(default_factory=dict)
    read: set[str] = field(default_factory=set)
    """Variables whose values the estimate depended on (arguments of fields whose sizes or weights read them)."""


def estimate(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
    data: Any,
    read: set[str] | None = None,
) -> Estimate:
    """Objects, bytes and blocking reads the operation can cost with these variables and this data.

    ``data`` is handed to the size and weight functions declared on fields (the catalog). The names of the
    variables the answer depended on are added to ``read``: the same document with the same values of those
    (and the same data) has the same estimate, whatever its other variables (a point, a time) are.
    """
    root = {
        "query": schema.query_type,
        "mutation": schema.mutation_type,
        "subscription": schema.subscription_type,
    }[operation.operation.value]
    walk = _Walk(schema, _fragments(document), variables or {}, data)
    out = Estimate(mutation=operation.operation.value == "mutation")
    out.subscription = operation.operation.value == "subscription"
    if root is not None:
        out.add(_selection(walk, root, operation.selection_set, DEFAULT_PAGE, frozenset()))
    if read is not None:
        read |= walk.read
    return out


def _selection(
    walk: _Walk, parent: Any, selection_set: SelectionSetNode | None, page: float, visiting: frozenset[str]
) -> Estimate:
    out = Estimate()
    for sel in selection_set.selections if selection_set else ():
        if isinstance(sel, FieldNode):
            out.add(_field(walk, parent, sel, page, visiting))
        elif isinstance(sel, InlineFragmentNode):
            target = walk.schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
            out.add(_selection(walk, target or parent, sel.selection_set, page, visiting))
        elif isinstance(sel, FragmentSpreadNode):
            name = sel.name.value
            fragment = walk.fragments.get(name)
            if fragment is None or name in visiting:
                continue
            key = (name, getattr(parent, "name", ""), page)
            hit = walk.memo.get(key)
            if hit is None:
                target = walk.schema.get_type(fragment.type_condition.name.value) or parent
                hit = walk.memo[key] = _selection(walk, target, fragment.selection_set, page, visiting | {name})
            out.add(hit)
    return out


def _field(walk: _Walk, parent: Any, node: FieldNode, page: float, visiting: frozenset[str]) -> Estimate:
    name = node.name.value
    out = Estimate()
    if name == "__typename":
        out.bytes = LEAF_BYTES
        return out
    gfield = _field_def(walk.schema, parent, name)
    if gfield is None:  # unknown field (validation reports it) or a field of an abstract type's member
        return out
    meta = _metadata(gfield)
    named = get_named_type(gfield.type)
    lists = _list_depth(gfield.type)
    reads = named.name.endswith("Connection") or any(_reads_args(meta.get(k)) for k in (SIZE, WEIGHT))
    args = _arguments(gfield, node, walk.variables) if reads else {}
    if reads and node.arguments:
        walk.read |= _variables_in(node.arguments)
    out.blocking = bool(meta.get(BLOCKING))
    if lists:
        size = _size(walk, parent, name, meta, page, args)
    elif parent.name == "__Type" and name == "ofType":  # a wrapper's inner type: present only so often
        size = _introspection_size(walk.schema, parent.name, name)
    else:
        size = 1.0
    if not is_composite_type(named):
        weight = meta.get(WEIGHT)
        each = LEAF_BYTES if weight is None else _call(weight, walk.data, args)
        out.bytes = each * size
        out.objects = size if lists else 0.0
        return out
    inner_page = page
    if named.name.endswith("Connection"):
        first = args.get("first")
        total = _call(meta[SIZE], walk.data, args) if SIZE in meta else float("inf")
        inner_page = min(DEFAULT_PAGE if first is None else max(int(first), 0), total)
    targets = walk.schema.get_possible_types(named) if is_abstract_type(named) else [named]
    sub = Estimate()
    for target in targets:  # an interface's selection may hold fragments for any of its types: take the largest
        candidate = _selection(walk, target, node.selection_set, inner_page, visiting)
        if candidate.objects + candidate.bytes / 1000 > sub.objects + sub.bytes / 1000:
            sub = candidate
        sub.blocking = sub.blocking or candidate.blocking
    out.objects = size
    out.bytes = LEAF_BYTES * size
    out.add(sub, size)
    return out


def _size(walk: _Walk, parent: Any, name: str, meta: Mapping[str, Any], page: float, args: dict[str, Any]) -> float:
    size = meta.get(SIZE)
    if size == PAGE:
        return page
    if size is not None:
        return _call(size, walk.data, args)
    if parent.name.startswith("__"):
        return _introspection_size(walk.schema, parent.name, name)
    raise KeyError(f"{parent.name}.{name} is a list with no declared size (metadata=sized(...))")


@cache
def _takes_args(fn: Any) -> bool:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return True  # cannot tell: count it as reading them
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def _reads_args(value: Any) -> bool:
    """Whether a declared size or weight is a function of the field's arguments (``f(data, args)``)."""
    return callable(value) and _takes_args(value)


def _variables_in(nodes: Any) -> set[str]:
    """The names of the variables AST nodes (a field's arguments, with their nested values) refer to."""
    found: set[str] = set()
    stack = list(nodes)
    while stack:
        n = stack.pop()
        if isinstance(n, VariableNode):
            found.add(n.name.value)
            continue
        for key in getattr(n, "keys", ()):
            child = getattr(n, key, None)
            if isinstance(child, Node):
                stack.append(child)
            elif isinstance(child, tuple | list):
                stack.extend(c for c in child if isinstance(c, Node))
    return found


def _call(value: Any, data: Any, args: dict[str, Any]) -> float:
    if not callable(value):
        return float(value)
    try:
        return float(value(data, args))
    except TypeError:
        return float(value(data))


def _field_def(schema: GraphQLSchema, parent: Any, name: str) -> GraphQLField | None:
    if name == "__schema" and parent is schema.query_type:
        return _INTROSPECTION_FIELDS["__schema"]
    if name == "__type" and parent is schema.query_type:
        return _INTROSPECTION_FIELDS["__type"]
    fields = getattr(parent, "fields", None)
    return None if fields is None else fields.get(name)


def _metadata(gfield: GraphQLField) -> Mapping[str, Any]:
    sfield = (gfield.extensions or {}).get(BACKREF)
    return getattr(sfield, "metadata", None) or {}


def _arguments(gfield: GraphQLField, node: FieldNode, variables: Mapping[str, Any]) -> dict[str, Any]:
    """The field's argument values (defaults applied), keyed by python name; unusable values are left out."""
    out: dict[str, Any] = {}
    given = {a.name.value: a.value for a in node.arguments or ()}
    for arg_name, arg in gfield.args.items():
        key = arg.out_name or _snake(arg_name)
        if arg_name in given:
            try:
                value = value_from_ast(given[arg_name], arg.type, dict(variables))
            except Exception:
                continue
            if value is not Undefined:
                out[key] = value
        elif arg.default_value is not Undefined:
            out[key] = arg.default_value
    return out


def _snake(name: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _list_depth(t: Any) -> int:
    n = 0
    while isinstance(t, GraphQLNonNull | GraphQLList):
        if isinstance(t, GraphQLList):
            n += 1
        t = t.of_type
    return n


# --- introspection ----------------------------------------------------------------------------------------------

_INTROSPECTION_FIELDS: dict[str, GraphQLField] = {}
_INTROSPECTION_SIZES: dict[tuple[int, str, str], float] = {}


def _introspection_size(schema: GraphQLSchema, type_name: str, field_name: str) -> float:
    """Mean fan-outs of the schema's own introspection lists (types, fields per type, args per field…)."""
    key = (id(schema), type_name, field_name)
    hit = _INTROSPECTION_SIZES.get(key)
    if hit is None:
        hit = _INTROSPECTION_SIZES[key] = _count_introspection(schema, type_name, field_name)
    return hit


def _count_introspection(schema: GraphQLSchema, type_name: str, field_name: str) -> float:
    """Mean number of items per parent, over every parent (a scalar has no fields: it counts as 0)."""
    types = list(schema.type_map.values())
    fields = [f for t in types if not hasattr(t, "out_type") for f in getattr(t, "fields", {}).values()]

    def per(total: int, parents: int) -> float:
        return total / parents if parents else 0.0

    def each_type(attr: str) -> float:
        return per(sum(len(getattr(t, attr, None) or ()) for t in types), len(types))

    table: dict[tuple[str, str], Callable[[], float]] = {
        ("__Schema", "types"): lambda: float(len(types)),
        ("__Schema", "directives"): lambda: float(len(schema.directives)),
        ("__Type", "fields"): lambda: per(len(fields), len(types)),
        ("__Type", "inputFields"): lambda: per(
            sum(len(getattr(t, "fields", ())) for t in types if hasattr(t, "out_type")), len(types)
        ),
        ("__Type", "enumValues"): lambda: each_type("values"),
        ("__Type", "interfaces"): lambda: each_type("interfaces"),
        ("__Type", "possibleTypes"): lambda: per(
            sum(len(schema.get_possible_types(t)) for t in types if is_abstract_type(t)), len(types)
        ),
        ("__Type", "ofType"): lambda: _wrapped_share(types, fields),
        ("__Field", "args"): lambda: per(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): lambda: per(sum(len(d.args) for d in schema.directives), len(schema.directives)),
        ("__Directive", "locations"): lambda: per(
            sum(len(d.locations) for d in schema.directives), len(schema.directives)
        ),
    }
    work = table.get((type_name, field_name))
    return work() if work is not None else 1.0


def _wrapped_share(types: list[Any], fields: list[GraphQLField]) -> float:
    """The share of the schema's type references (of fields, arguments and input fields) that have an ``ofType``
    at any level of their chain: the chain ``NonNull → List → NonNull → named`` is 4 ``__Type`` objects and 3
    ``ofType`` links, so a ``TypeRef`` selection nested 7 deep holds on average ``1 / (1 - share)`` objects,
    not 8."""
    refs: list[Any] = [f.type for f in fields]
    refs += [a.type for f in fields for a in f.args.values()]
    refs += [f.type for t in types if hasattr(t, "out_type") for f in getattr(t, "fields", {}).values()]
    links = objects = 0
    for ref in refs:
        depth = 0
        while hasattr(ref, "of_type"):
            depth, ref = depth + 1, ref.of_type
        links, objects = links + depth, objects + depth + 1
    return links / objects if objects else 0.0


def _introspection_fields() -> None:
    schema_type = introspection_types["__Schema"]
    type_type = introspection_types["__Type"]
    assert isinstance(schema_type, GraphQLObjectType) and isinstance(type_type, GraphQLObjectType)
    _INTROSPECTION_FIELDS["__schema"] = GraphQLField(GraphQLNonNull(schema_type))
    _INTROSPECTION_FIELDS["__type"] = GraphQLField(type_type)


_introspection_fields()
