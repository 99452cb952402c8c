"""Change notices for live subscribers: a small broker, safe to publish to from any thread.

Writes run in worker threads; subscribers wait on an event loop. ``publish`` hands each event to
every subscriber's loop with ``call_soon_threadsafe``. A subscriber whose queue is full (a client
that stopped reading) loses its oldest events rather than holding up the writer.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

QUEUE_SIZE = 256


@dataclass(frozen=True, slots=True)
class Event:
    topic: str
    """What changed, e.g. ``incident``."""
    kind: str
    """How: ``REPORTED``, ``ADVANCED``, …"""
    place_code: str | None
    """The place subscribers follow: a case's sector, a hazard's township."""
    record: Any
    step: Any = None


class Subscription:
    def __init__(self, broker: Broker, wants: Callable[[Event], bool]) -> None:
        self.broker = broker
        self.wants = wants
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Event] = asyncio.Queue(QUEUE_SIZE)

    def offer(self, event: Event) -> None:  # runs on the subscriber's loop
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(event)

    async def __aiter__(self) -> AsyncIterator[Event]:
        try:
            while True:
                yield await self.queue.get()
        finally:
            self.broker.unsubscribe(self)


class Broker:
    """Topic-free fan-out with per-subscriber filters."""

    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(self, wants: Callable[[Event], bool]) -> Subscription:
        sub = Subscription(self, wants)
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, event: Event) -> None:
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            if sub.wants(event):
                try:
                    sub.loop.call_soon_threadsafe(sub.offer, event)
                except RuntimeError:  # that loop has closed
                    self.unsubscribe(sub)

    def __len__(self) -> int:
        return len(self._subs)
