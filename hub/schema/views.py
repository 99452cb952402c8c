"""GraphQL types whose values are the hub's records themselves.

A type declares each field once, with strawberry's own means: a field with no resolver is the
record's attribute of the same name (strawberry's default resolver reads it); any other field has
a resolver taking the record as ``root`` (and ``info`` when it needs the caller or the catalog).
Resolvers return records, never wrapper objects; :class:`RecordView` tells graphql-core which
type shows which record class (``is_type_of``), so interfaces (``Node``) resolve too.

``hub.schema.fast`` compiles selections of such fields into plans that call the same resolvers,
so nothing about a field is written twice.

A page of a connection is a :class:`RecordList`: the records and their positions (cursors are
positions), turned into ``Edge`` objects only if graphql-core's own execution asks for them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, ClassVar

from hub.schema.scalars import encode_cursor

VIEWS: dict[type, type[RecordView]] = {}
"""Record class → the GraphQL type that shows it."""


class RecordView:
    """Mixin of GraphQL types whose values are records of ``__record__``."""

    __record__: ClassVar[type]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__record__" in cls.__dict__:
            VIEWS[cls.__record__] = cls

    @classmethod
    def is_type_of(cls, obj: Any, info: Any) -> bool:
        return isinstance(obj, cls.__record__)


def shown(value: Any) -> Any:
    """Records (one, a list, or any iterable of them) as the value of a field typed with their views.

    Resolvers are annotated with the GraphQL types they return, while they return the records
    themselves; this says so to the type checker in one place.

    >>> shown((1, 2))
    [1, 2]
    >>> shown(None) is None
    True
    """
    if value is None or isinstance(value, list):
        return value
    if isinstance(value, tuple) or (isinstance(value, Iterable) and not isinstance(value, str | bytes | dict)):
        return list(value)
    return value


class RecordList(Sequence[Any]):
    """A page of a layer's records with their positions; Edge objects are made only if the fast path declines."""

    __slots__ = ("edge", "layer", "positions", "records")

    def __init__(
        self, records: list[Any], positions: list[int], edge: Callable[..., Any] | None = None, layer: Any = None
    ) -> None:
        self.records = records
        self.positions = positions
        self.edge = edge
        """The Edge type when this list stands for ``edges`` (each item a cursor and a node), else None."""
        self.layer = layer
        """The layer the records live in (``hub.store.catalog.Layer``), whose per-record caches the fast path may
        keep serialised nodes in; None for records of no layer."""

    def as_edges(self, edge: Callable[..., Any]) -> RecordList:
        return RecordList(self.records, self.positions, edge, self.layer)

    def as_nodes(self) -> RecordList:
        return RecordList(self.records, self.positions, None, self.layer)

    def __len__(self) -> int:
        return len(self.records)

    def __getitem__(self, i: Any) -> Any:  # the slow path: what graphql-core's own execution expects
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        record = self.records[i]
        return record if self.edge is None else self.edge(cursor=encode_cursor(self.positions[i]), node=record)

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))
