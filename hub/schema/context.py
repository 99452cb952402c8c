"""The typed context of one request: who is asking, the store, the settings, the moment."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from hub.domain.access import Viewer
from hub.domain.events import Broker
from hub.settings import Settings
from hub.store import Catalog, Store


@dataclass
class Context:
    store: Store
    settings: Settings
    viewer: Viewer
    events: Broker = field(default_factory=Broker)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    connection_params: dict[str, object] | None = None
    """Set by graphql-transport-ws from the client's connection_init payload."""

    @property
    def data(self) -> Catalog:
        return self.store.data
