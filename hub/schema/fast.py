"""The fast path: complete lists of records by plans compiled from the types' own declarations.

graphql-core resolves and completes every field of every object on its own (about 15 µs per
object of a few fields here), which dominates a map client's request for hundreds of polygons.
The hub's types are views of records (``hub.schema.views``): a field is the record's attribute,
or a resolver taking the record as ``root`` (and ``info``). For a selection made of such fields,
:class:`HubExecutionContext` compiles one function per selection that reads the same attributes
and calls the same resolvers directly, serialising leaves with their scalar's own ``serialize``;
nothing is declared twice. Anything else (an async resolver, an abstract type, ``@defer``) falls
back to graphql-core's execution of the same values, so answers are identical either way (the
schema tests run every query both ways).

Resolvers compiled here see an ``info`` that carries only ``context``: the hub's resolvers use
nothing else of it (a test checks).

The plans extend graphql-core's execution at ``complete_value``, whose signature and field
collection changed in graphql-core 3.3. :func:`execution_context_class` returns the fast path only
for the versions it was built and tested on (``FAST_PATH_VERSIONS``); on any other version the hub
runs graphql-core's own execution: slower, with the same answers.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable
from functools import partial
from operator import attrgetter
from typing import Any

import graphql
import orjson
from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    get_argument_values,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)

from hub.schema.scalars import encode_cursor
from hub.schema.views import VIEWS, RecordList, RecordView

BACKREF = "strawberry-definition"
FAST_PATH_VERSIONS = ("3.3.",)
"""graphql-core versions whose execution the fast path extends (others run graphql-core's own)."""

_PLANS: weakref.WeakKeyDictionary[Any, dict[Any, tuple[Any, Any]]] = weakref.WeakKeyDictionary()
"""Plans shared by the requests of each schema."""

Read = Callable[[Any, Any], Any]
"""How a compiled plan reads a value: ``read(record, info)``."""


class ContextInfo:
    """The ``info`` compiled plans hand to resolvers: the request's context, nothing else."""

    __slots__ = ("context",)

    def __init__(self, context: Any) -> None:
        self.context = context


FAST_PATH = graphql.__version__.startswith(FAST_PATH_VERSIONS)
"""Whether this graphql-core is one the fast path extends."""


def execution_context_class(fast: bool = True) -> type:
    """The execution context the schema runs with: the fast path on the graphql-core versions it extends (and
    when ``fast``), otherwise graphql-core's own execution with the answer metered against its budget."""
    if fast and FAST_PATH:
        return _fast_class()
    return _metered_class()


def _metered_class() -> type:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    class MeteredExecutionContext(StrawberryGraphQLCoreExecutionContext):
        """graphql-core's own execution, counting each completed value on the request's meter.

        ``complete_value``'s arguments differ between graphql-core 3.2 and 3.3, but both pass the return
        type first and the resolved value fourth after it.
        """

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._meter = getattr(self.context_value, "meter", None)

        def complete_value(self, return_type: Any, *args: Any) -> Any:
            meter = self._meter
            if meter is not None:
                result = args[3]
                kind = type(result)
                meter.spend(0, len(result)) if kind is str else meter.spend(len(result) if kind is list else 1)
            return super().complete_value(return_type, *args)

    return MeteredExecutionContext


def _fast_class() -> type:
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

    class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
        """graphql-core's execution, with pages and lists of records completed by compiled plans.

        A plan depends only on the schema, the selection (AST nodes of the cached document) and the
        return type; the request's context is bound when it runs. Plans are cached per schema
        across requests, except for operations with directives and for selections whose arguments
        are written in the document, whose plans are made per request.
        """

        MAX_CACHED_PLANS = 1024

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._info = ContextInfo(self.context_value)
            self._meter = getattr(self.context_value, "meter", None)
            """Counts what the answer holds against the request's budget (``hub.schema.admission.Meter``)."""
            self._local: dict[Any, tuple[Any, Any]] = {}
            self._shared: dict[Any, tuple[Any, Any]] | None = None
            self._bound_args = False

        def complete_value(
            self,
            return_type: GraphQLOutputType,
            field_details_list: Any,
            info: GraphQLResolveInfo,
            path: Any,
            result: Any,
            position_context: Any,
        ) -> Any:
            kind = type(result)
            meter = self._meter
            if meter is not None:
                if kind is str:
                    meter.spend(0, len(result))
                elif kind is list or kind is RecordList:
                    meter.spend(len(result))
                else:
                    meter.spend(1)
            if kind is RecordList:
                plan = self._plan("edges" if result.edge is not None else "list", return_type, field_details_list)
                if plan is not None:
                    return plan(result.records, result.positions, self._info, result.layer)
            elif kind in VIEWS:
                plan = self._plan("one", return_type, field_details_list)
                if plan is not None:
                    return plan(result, self._info)
            elif kind is list and result and type(result[0]) in VIEWS:
                first = type(result[0])
                plan = self._plan("list", return_type, field_details_list)
                if plan is not None and all(type(x) is first for x in result):
                    return plan(result, (), self._info, None)
            return super().complete_value(return_type, field_details_list, info, path, result, position_context)

        # -- caching -----------------------------------------------------------------------------------

        def _plan(self, mode: str, return_type: GraphQLOutputType, fdl: Any) -> Any:
            anchors = tuple(fd.node for fd in fdl)
            key = (mode, str(return_type), tuple(map(id, anchors)))
            for cache in (self._local, self._cache()):
                hit = cache.get(key)
                if hit is not None and hit[0] == anchors:  # same AST nodes, not just reused ids
                    return hit[1]
            self._bound_args = False
            plan = self._compile(mode, return_type, fdl)
            cache = self._local if self._bound_args else self._cache()  # argument values are this request's
            if len(cache) >= self.MAX_CACHED_PLANS:
                cache.clear()
            cache[key] = (anchors, plan)
            return plan

        def _cache(self) -> dict[Any, tuple[Any, Any]]:
            if self._shared is None:
                if _has_directives(self.operation, self.fragments):
                    self._shared = self._local
                else:
                    self._shared = _PLANS.setdefault(self.schema, {})
            return self._shared

        # -- compiling ---------------------------------------------------------------------------------

        def _compile(self, mode: str, return_type: GraphQLOutputType, fdl: Any) -> Any:
            if mode == "one":
                obj_type = get_nullable_type(return_type)
                return self._object_builder(obj_type, fdl) if is_object_type(obj_type) else None
            item_type = _unwrap_list(return_type)
            if item_type is None:
                return None
            if mode == "edges":
                return self._edges_plan(item_type, fdl)
            build = self._object_builder(item_type, fdl)
            if build is None:
                return None
            signature = getattr(build, "signature", None)

            def run(records: list[Any], positions: list[int], info: Any, layer: Any) -> Any:
                if layer is not None and signature is not None:
                    return _joined(_kept_nodes(layer, signature, positions, build, info), info)
                return [build(r, info) for r in records]

            return run

        def _edges_plan(self, edge_type: GraphQLObjectType, fdl: Any) -> Any:
            collected = self.collect_subfields(edge_type, fdl)
            if collected.new_defer_usages:
                return None
            parts: list[tuple[str, str, Any]] = []
            for key, group in collected.grouped_field_set.items():
                name = group[0].node.name.value
                if name == "cursor":
                    parts.append((key, "cursor", None))
                elif name == "__typename":
                    parts.append((key, "const", edge_type.name))
                elif name == "node":
                    node_type = get_nullable_type(edge_type.fields["node"].type)
                    build = self._object_builder(node_type, group) if is_object_type(node_type) else None
                    if build is None:
                        return None
                    parts.append((key, "node", build))
                else:
                    return None

            node_build = next((arg for _, kind, arg in parts if kind == "node"), None)
            pieces = [
                (orjson.dumps(key) + b":", kind, orjson.dumps(arg) if kind == "const" else None)
                for key, kind, arg in parts
            ]
            signature = getattr(node_build, "signature", None) if node_build is not None else ()

            def run(records: list[Any], positions: list[int], info: Any, layer: Any) -> Any:
                if layer is not None and signature is not None:  # edges joined from the kept nodes' JSON
                    nodes = (
                        _kept_nodes(layer, signature, positions, node_build, info)
                        if node_build is not None
                        else [b""] * len(positions)
                    )
                    edges = [_edge_bytes(pieces, pos, node) for pos, node in zip(positions, nodes, strict=True)]
                    return _joined(edges, info)
                out = []
                for pos, r in zip(positions, records, strict=True):
                    edge: dict[str, Any] = {}
                    for key, kind, arg in parts:
                        edge[key] = encode_cursor(pos) if kind == "cursor" else arg if kind == "const" else arg(r, info)
                    out.append(edge)
                return out

            return run

        def _object_builder(self, obj_type: GraphQLObjectType, fdl: Any) -> Read | None:
            """A function (record, info) → the completed object, or None when a field cannot be compiled."""
            origin = getattr((obj_type.extensions or {}).get(BACKREF), "origin", None)
            if not (isinstance(origin, type) and issubclass(origin, RecordView)):
                return None
            collected = self.collect_subfields(obj_type, fdl)
            if collected.new_defer_usages:
                return None
            fields: list[tuple[str, Read]] = []
            parts: list[Any] | None = [obj_type.name]
            for key, group in collected.grouped_field_set.items():
                node = group[0].node
                name = node.name.value
                if name == "__typename":
                    fields.append((key, partial(_const, obj_type.name)))
                    if parts is not None:
                        parts.append((key, "__typename"))
                    continue
                gfield = obj_type.fields.get(name)
                sfield = (gfield.extensions or {}).get(BACKREF) if gfield else None
                if gfield is None or sfield is None:
                    return None
                found = self._value_reader(sfield, gfield, node)
                if found is None:
                    return None
                value_of, part = found
                read = self._completer(value_of, gfield.type, group, name)
                if read is None:
                    return None
                fields.append((key, read))
                sub = getattr(read, "sub_signature", ())
                if parts is not None:
                    parts = None if part is None or sub is None else [*parts, (key, part, sub)]

            def build(r: Any, info: Any) -> dict[str, Any]:
                return {key: read(r, info) for key, read in fields}

            build.signature = None if parts is None else tuple(parts)  # type: ignore[attr-defined]
            """What the built object depends on when it depends on the record alone (its attributes and resolvers that
            take no ``info``): the key of its serialised form in the layer's per-record cache; else None."""
            return build

        def _value_reader(self, sfield: Any, gfield: Any, node: Any) -> tuple[Read, Any] | None:
            """How to get a field's raw value from a record (its attribute, or its resolver called directly), and
            what the value depends on when that is the record alone (else None)."""
            resolver = sfield.base_resolver
            if resolver is None:
                return partial(_attribute, attrgetter(sfield.python_name)), ("a", sfield.python_name)
            if resolver.is_async:
                return None
            call = _direct_call(resolver.wrapped_func)
            if call is None:
                return None
            root_name, info_name, arg_names, order = call
            func = resolver.wrapped_func
            part: Any = None if info_name is not None else ("r", func.__module__, func.__qualname__, id(func))
            if not arg_names and order == ("root",):
                return partial(_call_root, func), part
            if not arg_names and order == ("root", "info"):
                return partial(_call_root_info, func), part
            kwargs: dict[str, Any] = {}
            if arg_names:
                values = get_argument_values(gfield, node, self.variable_values)
                by_graphql = {a.python_name: a for a in sfield.arguments}
                for python_name in arg_names:
                    argument = by_graphql.get(python_name)
                    graphql_name = getattr(argument, "graphql_name", None) or _camel(python_name)
                    if graphql_name in values:
                        kwargs[python_name] = values[graphql_name]
                if _uses_variables(node):
                    self._bound_args = True
            if part is not None:
                try:
                    part = (*part, tuple(sorted(kwargs.items())))
                    hash(part)
                except TypeError:  # an argument value that cannot key a cache
                    part = None
            return partial(_call, func, root_name, info_name, kwargs), part

        def _completer(self, value_of: Read, gtype: GraphQLOutputType, group: Any, name: str) -> Read | None:
            """How to complete a raw value of ``gtype``: serialise a leaf, or build the object(s) it names."""
            non_null = is_non_null_type(gtype)
            inner = get_nullable_type(gtype)
            if is_leaf_type(inner):
                return partial(_leaf, value_of, inner.serialize, non_null, name)
            if isinstance(inner, GraphQLList):
                item = get_nullable_type(inner.of_type)
                if is_leaf_type(item):
                    return partial(_leaves, value_of, item.serialize, non_null, name)
                sub = self._object_builder(item, group) if is_object_type(item) else None
                return None if sub is None else _with_sub(partial(_objects, value_of, sub, non_null, name), sub)
            if is_object_type(inner):
                sub = self._object_builder(inner, group)
                return None if sub is None else _with_sub(partial(_object, value_of, sub, non_null, name), sub)
            return None

    return HubExecutionContext


def _unwrap_list(output: GraphQLOutputType) -> GraphQLObjectType | None:
    t: Any = get_nullable_type(output)
    if not is_list_type(t):
        return None
    item = get_nullable_type(t.of_type)
    return item if is_object_type(item) else None


Call = tuple[str | None, str | None, tuple[str, ...], tuple[str, ...]]
_CALLS: dict[Any, Call | None] = {}


def _direct_call(func: Callable[..., Any]) -> Call | None:
    """(root parameter, info parameter, argument parameters, the roles in order) of a resolver, or None if it
    takes anything else (``*args``, ``**kwargs``)."""
    if func in _CALLS:
        return _CALLS[func]
    root = info = None
    args: list[str] = []
    order: list[str] = []
    found: Call | None = None
    try:
        params = inspect.signature(func).parameters.values()
    except (TypeError, ValueError):
        params = None
    if params is not None:
        ok = True
        for p in params:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                ok = False
            elif p.name in ("root", "self"):
                root = p.name
                order.append("root")
            elif p.name == "info" or "Info" in str(p.annotation):
                info = p.name
                order.append("info")
            else:
                args.append(p.name)
                order.append(p.name)
        found = (root, info, tuple(args), tuple(order)) if ok else None
    _CALLS[func] = found
    return found


def _camel(name: str) -> str:
    """``max_zoom`` → ``maxZoom``.

    >>> _camel("crs"), _camel("max_zoom")
    ('crs', 'maxZoom')
    """
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _has_directives(operation: Any, fragments: dict[str, Any]) -> bool:
    """True when any selection of the operation (or its fragments) carries a directive (memoised per operation)."""
    hit = _DIRECTIVES.get(id(operation))
    if hit is not None and hit[0] is operation:
        return hit[1]
    found = _find_directives(operation, fragments)
    if len(_DIRECTIVES) >= 1024:
        _DIRECTIVES.clear()
    _DIRECTIVES[id(operation)] = (operation, found)
    return found


_DIRECTIVES: dict[int, tuple[Any, bool]] = {}


def _find_directives(operation: Any, fragments: dict[str, Any]) -> bool:
    def walk(selection_set: Any) -> bool:
        for sel in selection_set.selections if selection_set else ():
            if sel.directives or walk(getattr(sel, "selection_set", None)):
                return True
        return False

    return walk(operation.selection_set) or any(
        f.definition.directives or walk(f.definition.selection_set) for f in fragments.values()
    )


def _uses_variables(node: Any) -> bool:
    """Whether a field's arguments refer to the request's variables (literal values are the document's own)."""
    found = False

    class Finder(graphql.Visitor):
        def enter_variable(self, *_: Any) -> None:
            nonlocal found
            found = True

    for argument in node.arguments or ():
        graphql.visit(argument, Finder())
    return found


def _with_sub(read: Any, sub: Any) -> Any:
    """A reader of nested objects, marked with what they depend on (for the per-record cache of its parent)."""
    read.sub_signature = getattr(sub, "signature", None)
    return read


def _kept_nodes(layer: Any, signature: Any, positions: list[int], build: Any, info: Any) -> list[bytes]:
    """The JSON of each record's object, made once per record and selection and kept with the layer until the
    record is written (``Layer.variants``), as featureCollection keeps its features."""
    records = layer.records
    return layer.variants(("graphql", signature), positions, lambda p: orjson.dumps(build(records[p], info)))


def _edge_bytes(parts: list[tuple[bytes, str, Any]], pos: int, node: bytes) -> bytes:
    """One edge's JSON from its parts (``b'"key":'`` prefixes made once per plan)."""
    members = []
    for prefix, kind, arg in parts:
        if kind == "cursor":
            members.append(prefix + b'"' + encode_cursor(pos).encode() + b'"')
        elif kind == "const":
            members.append(prefix + arg)
        else:
            members.append(prefix + node)
    return b"{" + b",".join(members) + b"}"


def _joined(items: list[bytes], info: Any) -> orjson.Fragment:
    """A JSON array joined from pre-made pieces, counted on the request's meter."""
    body = b"[" + b",".join(items) + b"]"
    meter = getattr(info.context, "meter", None)
    if meter is not None:
        meter.spend(len(items), len(body))
    return orjson.Fragment(body)


# -- the pieces plans are made of (module functions bound with partial: no closures per plan) --------------


def _const(value: Any, r: Any, info: Any) -> Any:
    return value


def _attribute(get: Callable[[Any], Any], r: Any, info: Any) -> Any:
    return get(r)


def _call_root(func: Callable[[Any], Any], r: Any, info: Any) -> Any:
    return func(r)


def _call_root_info(func: Callable[[Any, Any], Any], r: Any, info: Any) -> Any:
    return func(r, info)


def _call(
    func: Callable[..., Any], root: str | None, info_name: str | None, args: dict[str, Any], r: Any, info: Any
) -> Any:
    kwargs = dict(args)
    if root is not None:
        kwargs[root] = r
    if info_name is not None:
        kwargs[info_name] = info
    return func(**kwargs)


def _null(non_null: bool, name: str) -> None:
    if non_null:
        raise TypeError(f"Cannot return null for non-nullable field {name}.")


def _leaf(value_of: Read, serialize: Callable[[Any], Any], non_null: bool, name: str, r: Any, info: Any) -> Any:
    value = value_of(r, info)
    if value is None:
        return _null(non_null, name)
    return serialize(value)


def _leaves(value_of: Read, serialize: Callable[[Any], Any], non_null: bool, name: str, r: Any, info: Any) -> Any:
    value = value_of(r, info)
    if value is None:
        return _null(non_null, name)
    return [None if x is None else serialize(x) for x in value]


def _objects(value_of: Read, sub: Read, non_null: bool, name: str, r: Any, info: Any) -> Any:
    value = value_of(r, info)
    if value is None:
        return _null(non_null, name)
    meter = getattr(info.context, "meter", None)
    if meter is not None:
        meter.spend(len(value))
    return [sub(x, info) for x in value]


def _object(value_of: Read, sub: Read, non_null: bool, name: str, r: Any, info: Any) -> Any:
    value = value_of(r, info)
    if value is None:
        return _null(non_null, name)
    return sub(value, info)
