"""The disclosure log keeps who was served whose personal data, grouped, findable by subject and time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import StoreError
from hub.store.base import open_database
from hub.store.disclosures import DisclosureLog, find_disclosures


@pytest.fixture
def db(stores):
    with open_database(stores.new()) as d:
        yield d


def test_views_are_written_one_row_per_actor_and_kind_with_the_subjects_and_a_count(db):
    log = DisclosureLog(db, interval_s=3600)  # flushed by hand here
    try:
        log.saw("officer:t1", "officer", "officer.phone", "SQ1-01")
        log.saw("officer:t1", "officer", "officer.phone", "SQ1-02")
        log.saw("officer:t1", "officer", "officer.phone", "SQ1-01")
        log.saw("admin:t9", "admin", "patrol.track", 7)
        assert log.flush() == 2
        assert log.flush() == 0  # nothing new
    finally:
        log.close()
    rows = {(d.actor, d.kind): d for d in find_disclosures(db)}
    phones = rows[("officer:t1", "officer.phone")]
    assert (phones.role, phones.subjects, phones.views) == ("officer", ("SQ1-01", "SQ1-02"), 3)
    assert rows[("admin:t9", "patrol.track")].subjects == ("7",)


def test_whose_data_was_seen_by_whom_is_found_by_subject_kind_actor_and_time(db):
    log = DisclosureLog(db, interval_s=3600)
    log.saw("officer:t1", "officer", "officer.phone", "SQ1-01")
    log.saw("analyst:t2", "analyst", "officer.name", "SQ1-01")
    log.saw("analyst:t2", "analyst", "officer.name", "SQ2-05")
    log.close()  # writes what is left
    assert {d.actor for d in find_disclosures(db, subject="SQ1-01")} == {"officer:t1", "analyst:t2"}
    assert [d.actor for d in find_disclosures(db, subject="SQ2-05")] == ["analyst:t2"]
    assert [d.kind for d in find_disclosures(db, actor="officer:t1")] == ["officer.phone"]
    assert find_disclosures(db, kind="patrol.track") == []
    now = datetime.now(UTC)
    assert len(find_disclosures(db, since=now - timedelta(minutes=1))) == 2
    assert find_disclosures(db, until=now - timedelta(minutes=1)) == []
    assert len(find_disclosures(db, limit=1)) == 1


def test_the_thread_writes_views_within_its_interval(db):
    log = DisclosureLog(db, interval_s=0.05)
    try:
        log.saw("admin:t9", "admin", "gridWorker.phone", "41140202100101")
        deadline = datetime.now(UTC) + timedelta(seconds=5)
        while not find_disclosures(db) and datetime.now(UTC) < deadline:
            time.sleep(0.01)
        assert [d.subjects for d in find_disclosures(db)] == [("41140202100101",)]
    finally:
        log.close()


def test_views_that_cannot_be_written_are_kept_for_the_next_try(db, monkeypatch):
    log = DisclosureLog(db, interval_s=3600)
    try:
        log.saw("admin:t9", "admin", "officer.phone", "OF01")

        def full_disk(fn, after=None, *, exclusive=True):
            raise StoreError("database or disk is full")

        with monkeypatch.context() as m:
            m.setattr(db, "write", full_disk)
            with pytest.raises(StoreError):
                log.flush()
        log.saw("admin:t9", "admin", "officer.phone", "OF02")
        assert log.flush() == 1
    finally:
        log.close()
    (entry,) = find_disclosures(db)
    assert (entry.subjects, entry.views) == (("OF01", "OF02"), 2)
