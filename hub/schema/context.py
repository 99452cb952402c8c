"""The typed context of one request: who is asking, the hub they ask (``hub.services.Hub``), the moment."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hub.domain.access import Viewer
from hub.domain.categories import Category
from hub.domain.events import Broker
from hub.domain.model import Catalog
from hub.services import Hub
from hub.settings import Settings


@dataclass
class Context:
    hub: Hub
    viewer: Viewer
    fixed_now: datetime | None = None
    """A pinned moment (tests, replays); otherwise ``now`` is the clock at each call."""
    connection_params: dict[str, object] | None = None
    """Set by graphql-transport-ws from the client's connection_init payload."""
    count_refusal: Callable[[str], None] | None = None
    """Counts a refused request by reason (an error code) in ``/metrics``; set by the app, None elsewhere.
    Request errors in answers are counted already; this is for refusals that end otherwise."""
    estimate: Any = None
    """What the operation about to run was estimated to cost (``hub.schema.admission``; used once)."""
    meter: Any = None
    """What the running operation's answer has cost so far, against its budget (``hub.schema.admission``)."""

    @property
    def now(self) -> datetime:
        return self.fixed_now or datetime.now(UTC)

    @now.setter
    def now(self, value: datetime) -> None:
        self.fixed_now = value

    @property
    def data(self) -> Catalog:
        return self.hub.data

    @property
    def settings(self) -> Settings:
        return self.hub.settings

    @property
    def events(self) -> Broker:
        return self.hub.events

    @property
    def categories(self) -> Mapping[str, Category]:
        return self.hub.categories
