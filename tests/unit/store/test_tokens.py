from __future__ import annotations

import pytest

from hub.errors import NotFound
from hub.store.base import open_database
from hub.store.tokens import create_token, find_token, revoke_token
from tests.common import wait_for


@pytest.fixture
def db(stores):
    with open_database(stores.new()) as d:
        d.write(lambda c: c.execute("INSERT INTO squads VALUES ('SQ1', '第一分队', 'NE', '0370-1')"))
        yield d


def test_a_token_is_stored_only_as_a_hash(db):
    _record, text = create_token(db, "admin")
    assert find_token(db, text).role == "admin"
    if db.dialect.name == "sqlite":
        assert text.encode() not in db.path.read_bytes()
    assert db.read_one("SELECT hash FROM tokens")[0] != text
    assert db.read_one("SELECT count(*) FROM tokens WHERE hash LIKE ?", (f"%{text[-20:]}%",))[0] == 0


def test_a_revoked_token_no_longer_works(db):
    record, text = create_token(db, "analyst")
    revoke_token(db, record.id)
    assert find_token(db, text) is None


def test_an_officer_token_keeps_its_squad(db):
    record, text = create_token(db, "officer", squad_code="SQ1")
    assert record.squad_code == "SQ1" and find_token(db, text).squad_code == "SQ1"


def test_revoking_an_unknown_token_names_it(db):
    with pytest.raises(NotFound, match="nope"):
        revoke_token(db, "nope")


def test_garbage_is_not_a_token(db):
    assert find_token(db, "let me in") is None


def test_a_store_forgets_its_remembered_token_when_another_connection_revokes_it(stores):
    from hub.store import Store

    target = stores.new()
    store = Store(target, token_cache_s=3600).open(load_demo=False)
    try:
        record, text = create_token(store.db, "analyst")
        assert store.token(text) is not None
        assert store.cached_token(text) == (True, store.token(text))  # remembered for an hour
        with open_database(target) as other:  # as `hub token revoke` in another process
            revoke_token(other, record.id)
        assert wait_for(lambda: not store.cached_token(text)[0])
        assert store.token(text) is None
        assert store.token_live(record.id) is False
    finally:
        store.close()


def test_writes_to_other_tables_keep_the_remembered_tokens(stores):
    from hub.store import Store

    store = Store(stores.new(), token_cache_s=3600).open(load_demo=False)
    try:
        _record, text = create_token(store.db, "admin")
        wait_for(lambda: False, 0.6)  # the watch has seen the new token (a change: remembered checks are dropped)
        store.token(text)
        for i in range(3):
            store.db.write(lambda c, i=i: c.execute(f"INSERT INTO squads VALUES ('SQ{i}', 'x', 'NE', '0370-1')"))
        wait_for(lambda: False, 0.6)  # the watch has looked at least twice
        assert store.cached_token(text)[0]
    finally:
        store.close()
