"""The app's start: what it prepares before the first request."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from hub.app import _warm
from hub.store import Store


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_warming_freezes_the_loaded_catalog_so_full_collections_skip_it(demo_store: Store, unfrozen: None) -> None:
    records = [r for r in list(demo_store.data.compounds)[:50] if gc.is_tracked(r)]
    assert records, "the compounds' records are objects the collector tracks"
    assert gc.get_freeze_count() == 0
    _warm(demo_store)
    # a full collection walks generation 2 only; the frozen records are in none of the generations
    walked = {id(o) for g in (0, 1, 2) for o in gc.get_objects(generation=g)}
    assert not any(id(r) in walked for r in records)
    assert gc.get_freeze_count() > len(demo_store.data.compounds)
