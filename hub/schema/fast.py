"""The fast path for long lists: complete a page of records by a compiled plan, not field by field.

graphql-core resolves and completes every field of every object on its own (about 15 µs per
object of a few fields here), which dominates a map client's request for hundreds of polygons.
A connection's ``edges`` and ``nodes`` return a :class:`RecordList` instead of typed objects;
:class:`HubExecutionContext` sees it and, when every field selected under it is a *plain* field
(one of the type's ``__plain__`` getters, no arguments, a leaf value), completes the whole list
with a plan compiled once per selection: for each record, the getters and the scalar's own
``serialize``. Anything else (a link field, a masked field, an argument, ``@defer``) falls back to
normal execution of the same objects, so answers are identical either way; tests check both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Any, ClassVar

from graphql import (
    GraphQLList,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLResolveInfo,
    get_argument_values,
    get_nullable_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.schema.scalars import encode_cursor

BACKREF = "strawberry-definition"

Getter = Callable[[Any], Any]
Masker = Callable[[Any, Any], Any]
Linker = Callable[[Any, Any], Any]


def plain(**getters: Getter) -> dict[str, Getter]:
    """The fields of a type that are plain reads of its record: python name → ``getter(record)``.

    ``from_domain`` builds the strawberry object from them, and the compiled plans read the same
    getters, so a field is defined once.
    """
    return getters


def masked(**getters: Masker) -> dict[str, Masker]:
    """Fields whose value depends on the viewer (masked personal data): python name → ``getter(record, viewer)``.

    The type's resolver for the field calls the same getter, so masking is defined once.
    """
    return getters


def links(**getters: Linker) -> dict[str, Linker]:
    """Fields that lead to other records: python name → ``getter(record, context)`` giving a record,
    a sequence of records, or None. The linked records are shown by the type registered for their
    class (``__record__``); the resolver and the compiled plan both follow the same getter.
    """
    return getters


VIEWS: dict[type, type[FromRecord]] = {}
"""Record class → the GraphQL type that shows it."""


class FromRecord:
    """Mixin of GraphQL types that view one record (``__record__``) through declared fields.

    ``__plain__`` fields are filled by ``from_domain``; ``__masked__`` and ``__links__`` fields
    have resolvers that call :meth:`_mask` and :meth:`_follow`.
    """

    __record__: ClassVar[type]
    __plain__: ClassVar[dict[str, Getter]] = {}
    __masked__: ClassVar[dict[str, Masker]] = {}
    __links__: ClassVar[dict[str, Linker]] = {}
    __args__: ClassVar[dict[str, Callable[..., Any]]] = {}
    """Leaf fields that take arguments: python name → ``getter(record, context, **arguments)``."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__record__" in cls.__dict__:
            VIEWS[cls.__record__] = cls

    @classmethod
    def from_domain(cls, r: Any) -> Any:
        return cls(_rec=r, **{k: get(r) for k, get in cls.__plain__.items()})  # type: ignore[call-arg]

    def _mask(self, name: str, info: Any) -> Any:
        return self.__masked__[name](self._rec, info.context.viewer)  # type: ignore[attr-defined]

    def _with_args(self, name: str, info: Any, **kwargs: Any) -> Any:
        return self.__args__[name](self._rec, info.context, **kwargs)  # type: ignore[attr-defined]

    def _follow(self, name: str, info: Any) -> Any:
        return view(self.__links__[name](self._rec, info.context))  # type: ignore[attr-defined]


def view(value: Any) -> Any:
    """The typed view of a record, of each record in a sequence, or None."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return [VIEWS[type(x)].from_domain(x) for x in value]
    return VIEWS[type(value)].from_domain(value)


class RecordList(Sequence[Any]):
    """A page of records with their positions; typed objects are made only if the fast path declines."""

    __slots__ = ("edges", "positions", "records", "wrap")

    def __init__(self, records: list[Any], positions: list[int], wrap: Callable[[Any], Any], edges: Any = None):
        self.records = records
        self.positions = positions
        self.wrap = wrap
        self.edges = edges
        """The Edge type when this list stands for ``edges`` (each item a cursor and a node), else None."""

    def as_edges(self, edge_type: Any) -> RecordList:
        return RecordList(self.records, self.positions, self.wrap, edge_type)

    def as_nodes(self) -> RecordList:
        return RecordList(self.records, self.positions, self.wrap, None)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: Any) -> Any:  # the slow path: typed objects, as graphql-core expects
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        node = self.wrap(self.records[i])
        return node if self.edges is None else self.edges(cursor=encode_cursor(self.positions[i]), node=node)

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))


def _unwrap_list(output: GraphQLOutputType) -> GraphQLObjectType | None:
    t: Any = get_nullable_type(output)
    if not is_list_type(t):
        return None
    item = get_nullable_type(t.of_type)
    return item if is_object_type(item) else None


class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's execution, with :class:`RecordList` and record-backed values completed by compiled plans.

    A plan depends only on the schema, the selection (AST nodes of the cached document) and the
    return type; the viewer is bound when it runs. Plans are cached per schema across requests,
    except for operations with directives, whose selections depend on variables (those get a plan
    per request).
    """

    MAX_CACHED_PLANS = 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._ctx = self.context_value
        self._local: dict[Any, tuple[Any, Any]] = {}
        self._shared: dict[Any, tuple[Any, Any]] | None = None

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
        if kind is RecordList:
            plan = self._plan("edges" if result.edges is not None else "list", return_type, field_details_list)
            if plan is not None:
                return plan(result.records, result.positions, self._ctx)
        elif isinstance(result, FromRecord):
            concrete = self._runtime_type(return_type, type(result))
            plan = None if concrete is None else self._plan("one", concrete, field_details_list)
            if plan is not None:
                return plan(result._rec, self._ctx)  # type: ignore[attr-defined]
        elif kind is list and result and isinstance(result[0], FromRecord):
            first = type(result[0])
            plan = self._plan("list", return_type, field_details_list)
            if plan is not None and all(type(x) is first for x in result):
                return plan([x._rec for x in result], (), self._ctx)
        return super().complete_value(return_type, field_details_list, info, path, result, position_context)

    def _runtime_type(self, return_type: GraphQLOutputType, cls: type) -> Any:
        """The object type a value of ``cls`` completes as: the return type itself, or for an interface or
        union (``node``, ``nearest``) the object type of that class, when it is one of the possible types."""
        inner: Any = get_nullable_type(return_type)
        if not is_abstract_type(inner):
            return return_type
        definition = getattr(cls, "__strawberry_definition__", None)
        found = self.schema.get_type(definition.name) if definition is not None else None
        if is_object_type(found) and self.schema.is_sub_type(inner, found):
            return found
        return None

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
                shared = getattr(self.schema, "_hub_plans", None)
                if shared is None:
                    shared = {}
                    self.schema._hub_plans = shared  # type: ignore[attr-defined]
                self._shared = shared
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
        return lambda records, positions, ctx: [build(r, ctx) for r in records]

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

        def run(records: list[Any], positions: list[int], ctx: Any) -> list[Any]:
            out = []
            for pos, r in zip(positions, records, strict=True):
                edge: dict[str, Any] = {}
                for key, kind, arg in parts:
                    edge[key] = encode_cursor(pos) if kind == "cursor" else arg if kind == "const" else arg(r, ctx)
                out.append(edge)
            return out

        return run

    def _object_builder(self, obj_type: GraphQLObjectType, fdl: Any) -> Callable[[Any, Any], dict[str, Any]] | None:
        """A function (record, context) → the completed object, or None when a field is not declared."""
        origin = getattr((obj_type.extensions or {}).get(BACKREF), "origin", None)
        if not (isinstance(origin, type) and issubclass(origin, FromRecord)):
            return None
        collected = self.collect_subfields(obj_type, fdl)
        if collected.new_defer_usages:
            return None
        fields: list[tuple[str, Callable[[Any, Any], Any]]] = []
        for key, group in collected.grouped_field_set.items():
            node = group[0].node
            name = node.name.value
            if name == "__typename":
                fields.append((key, partial(_const, obj_type.name)))
                continue
            gfield = obj_type.fields.get(name)
            sfield = (gfield.extensions or {}).get(BACKREF) if gfield else None
            if gfield is None or sfield is None:
                return None
            if node.arguments or sfield.python_name in origin.__args__:
                read = self._args_reader(origin, sfield, gfield, node, name)
            else:
                read = self._field_reader(origin, sfield, gfield.type, group, name)
            if read is None:
                return None
            fields.append((key, read))

        def build(r: Any, ctx: Any) -> dict[str, Any]:
            return {key: read(r, ctx) for key, read in fields}

        return build

    def _args_reader(
        self, origin: type[FromRecord], sfield: Any, gfield: Any, node: Any, name: str
    ) -> Callable[[Any, Any], Any] | None:
        """A leaf field with arguments, read by the type's ``__args__`` getter with this request's values."""
        get = origin.__args__.get(sfield.python_name)
        inner = get_nullable_type(gfield.type)
        if get is None or not is_leaf_type(inner):
            return None
        values = get_argument_values(gfield, node, self.variable_values)
        kwargs = {to_snake(k): getattr(v, "value", v) for k, v in values.items()}
        if node.arguments:
            self._bound_args = True
        return _leaf_reader(partial(_args_get, get, kwargs), inner.serialize, is_non_null_type(gfield.type), name)

    def _field_reader(
        self, origin: type[FromRecord], sfield: Any, gtype: GraphQLOutputType, group: Any, name: str
    ) -> Callable[[Any, Any], Any] | None:
        python_name = sfield.python_name
        non_null = is_non_null_type(gtype)
        inner = get_nullable_type(gtype)
        if is_leaf_type(inner):
            if sfield.base_resolver is None and python_name in origin.__plain__:
                return _leaf_reader(partial(_plain_get, origin.__plain__[python_name]), inner.serialize, non_null, name)
            if python_name in origin.__masked__:
                return _leaf_reader(
                    partial(_masked_get, origin.__masked__[python_name]), inner.serialize, non_null, name
                )
            return None
        follow = origin.__links__.get(python_name)
        if follow is None:
            return None
        many = is_list_type(inner)
        target = get_nullable_type(inner.of_type) if isinstance(inner, GraphQLList) else inner
        if is_abstract_type(target):
            sub = self._abstract_builder(target, group)
        else:
            sub = self._object_builder(target, group) if is_object_type(target) else None
        if sub is None:
            return None
        return _link_reader(follow, sub, many, non_null, name)

    def _abstract_builder(self, abstract: Any, group: Any) -> Callable[[Any, Any], dict[str, Any]] | None:
        """A builder for an interface or union whose possible types all show records: one plan per
        possible type, chosen by the record's class when it runs."""
        by_record: dict[type, Callable[[Any, Any], dict[str, Any]]] = {}
        for obj_type in self.schema.get_possible_types(abstract):
            origin = getattr((obj_type.extensions or {}).get(BACKREF), "origin", None)
            record = getattr(origin, "__record__", None) if isinstance(origin, type) else None
            build = self._object_builder(obj_type, group) if record is not None else None
            if record is None or build is None:
                return None
            by_record[record] = build

        def build_any(r: Any, ctx: Any) -> dict[str, Any]:
            return by_record[type(r)](r, ctx)

        return build_any


_DIRECTIVES: dict[int, tuple[Any, bool]] = {}


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


def _find_directives(operation: Any, fragments: dict[str, Any]) -> bool:

    def walk(selection_set: Any) -> bool:
        for sel in selection_set.selections if selection_set else ():
            if sel.directives or walk(getattr(sel, "selection_set", None)):
                return True
        return False

    return walk(operation.selection_set) or any(
        f.definition.directives or walk(f.definition.selection_set) for f in fragments.values()
    )


def _const(value: Any, r: Any, ctx: Any) -> Any:
    return value


def _plain_get(get: Getter, r: Any, ctx: Any) -> Any:
    return get(r)


def _args_get(get: Callable[..., Any], kwargs: dict[str, Any], r: Any, ctx: Any) -> Any:
    return get(r, ctx, **kwargs)


def to_snake(name: str) -> str:
    """``minLon`` → ``min_lon``.

    >>> to_snake("crs"), to_snake("maxZoom")
    ('crs', 'max_zoom')
    """
    return "".join("_" + c.lower() if c.isupper() else c for c in name)


def _masked_get(mask: Masker, r: Any, ctx: Any) -> Any:
    return mask(r, ctx.viewer)


def _link_reader(follow: Linker, sub: Callable[[Any, Any], Any], many: bool, non_null: bool, name: str) -> Masker:
    def read(r: Any, ctx: Any) -> Any:
        value = follow(r, ctx)
        if value is None:
            if non_null:
                raise TypeError(f"Cannot return null for non-nullable field {name}.")
            return None
        return [sub(x, ctx) for x in value] if many else sub(value, ctx)

    return read


def _leaf_reader(get: Masker, serialize: Callable[[Any], Any], non_null: bool, name: str) -> Masker:
    def read(r: Any, ctx: Any) -> Any:
        value = get(r, ctx)
        if value is None:
            if non_null:
                raise TypeError(f"Cannot return null for non-nullable field {name}.")
            return None
        return serialize(value)

    return read
