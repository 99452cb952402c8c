"""The hub's entities and the in-memory collections the rules work on, as the layers above name them.

The record classes are defined beside the store that keeps them (``hub.store.records``: the store
sits below the domain and cannot import it); the domain and everything above it name them here, so
that the GraphQL adapter and the entry points depend on the domain, not on the store.
"""

from hub.store import records
from hub.store.catalog import Catalog, Layer

__all__ = ["Catalog", "Layer", "records"]
