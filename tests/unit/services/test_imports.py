"""The import use-case: admins only; a checked file is upserted in one transaction and the importing hub serves
it at once; another hub on the same store (another process, another worker) serves it within a second, on
SQLite through the file's data_version, on PostgreSQL through the change feed's resync."""

from __future__ import annotations

import time

import geopandas as gpd
import pytest

from hub.domain.access import Viewer
from hub.errors import AccessDenied
from hub.services import Hub
from hub.services.imports import ImportRecords, import_records
from hub.store import Store
from tests.conftest import ROOT

ADMIN = Viewer(role="admin", token_id="t")


@pytest.fixture
def changed_file(tmp_path):
    frame = gpd.read_file(ROOT / "fixtures" / "suiyang" / "compounds.geojson").drop(
        columns=["committee", "party_branch"]
    )
    frame.loc[frame.id == 30, "households"] = 3030
    path = tmp_path / "compounds.gpkg"
    frame.to_file(path)
    return path


def test_only_admins_import(stores, changed_file):
    store = Store(stores.demo()).open()
    try:
        for role in ("public", "analyst", "officer"):
            with pytest.raises(AccessDenied):
                import_records(Hub(store), Viewer(role=role), ImportRecords(changed_file))
    finally:
        store.close()


def test_the_importing_hub_serves_the_change_at_once_and_another_on_the_same_store_soon(stores, changed_file):
    target = stores.demo()
    first, second = Store(target).open(), Store(target).open()
    try:
        before = first.data.compounds.version
        dry = import_records(Hub(first), ADMIN, ImportRecords(changed_file, dry_run=True))
        assert dry.ok and not dry.written and dry.changes() == {"compounds": {"changed": 1}}
        assert first.data.compounds.get(30).households != 3030
        done = import_records(Hub(first), ADMIN, ImportRecords(changed_file))
        assert done.written
        assert first.data.compounds.get(30).households == 3030  # the importing hub: at once
        assert first.data.compounds.version > before  # tiles and answers kept by version are made again
        deadline = time.monotonic() + 10
        while second.data.compounds.get(30).households != 3030 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert second.data.compounds.get(30).households == 3030
        assert len(second.data.compounds) == 619
    finally:
        first.close()
        second.close()


def test_a_write_right_after_an_outside_import_sees_it(stores, changed_file):
    """The domain's checks run on a catalog brought up to every commit first, whoever made it."""
    target = stores.demo()
    first, second = Store(target).open(), Store(target).open()
    try:
        second._watch.stop()  # only the write's own catch-up may bring the change
        if second.feed is not None:
            second.feed.stop()
        import_records(Hub(first), ADMIN, ImportRecords(changed_file))
        second.submit(operation="noop", client_id=None, actor="admin:t", payload={}, apply=lambda uow: None)
        assert second.data.compounds.get(30).households == 3030
    finally:
        first.close()
        second.close()
