"""The one object the composition root builds: what every use-case and every entry point reads."""

from __future__ import annotations

from collections.abc import Mapping
from concurrent.futures import Executor
from dataclasses import dataclass, field

from hub.domain import hazards, incidents
from hub.domain.categories import CATEGORIES, Category, load_categories
from hub.domain.events import Broker
from hub.settings import Settings
from hub.store import Catalog, Store, Written


@dataclass
class Hub:
    """A running hub: its store, the broker of live events, the incident categories, the settings."""

    store: Store
    settings: Settings = field(default_factory=Settings)
    events: Broker = field(default_factory=Broker)
    categories: Mapping[str, Category] = field(default_factory=lambda: CATEGORIES)

    def __post_init__(self) -> None:
        # live events come from what the store reports committed: this worker's writes and, on PostgreSQL,
        # every other worker's (hub.store.feed), so a subscriber hears of a case reported anywhere
        self.store.on_change(self._publish)

    def _publish(self, written: Written) -> None:
        for event in (*incidents.events(self.store.data, written), *hazards.events(self.store.data, written)):
            self.events.publish(event)

    @classmethod
    def from_settings(cls, settings: Settings, store: Store) -> Hub:
        """The hub these settings describe, around a store (opened by the caller)."""
        categories = load_categories(settings.categories) if settings.categories else CATEGORIES
        return cls(store=store, settings=settings, categories=categories)

    @property
    def writer(self) -> Executor:
        """The one thread that writes, for callers on an event loop (``loop.run_in_executor(hub.writer, …)``)."""
        return self.store.writer

    @property
    def data(self) -> Catalog:
        """Every record, in memory (the read path)."""
        return self.store.data
