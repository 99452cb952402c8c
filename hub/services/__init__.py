"""The use-cases: one function each, callable from GraphQL, the CLI, HTTP endpoints and importers alike.

Each takes the :class:`~hub.services.hub.Hub` (the store, the event broker, the categories, the
settings), the caller (:class:`~hub.domain.access.Viewer`) and a command (a frozen dataclass of
plain values), checks who may do it first, applies the domain's rules, and returns a domain result
or raises a :class:`~hub.errors.HubError`. Writes go through the store's single writer in one
transaction (record, audit row, idempotency key): they block, so callers on an event loop run
them in the store's writer thread (``hub.schema.writes``). Nothing here knows GraphQL or HTTP.

The analysts' side: ``figures`` (grouped figures, their plain rows for exports, drawn areas, sector
coverage), ``nearest`` (the k nearest records), ``governance`` (meetings, problems, public rooms, grades,
management history).
"""

from hub.services.hub import Hub

__all__ = ["Hub"]
