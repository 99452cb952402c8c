"""The PostgreSQL store shared by several workers: durable commits, one record per client UUID however many
workers receive it, and every worker's catalog kept current by the change feed."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
import shapely
from click.testing import CliRunner

from hub.cli import main
from hub.errors import StoreError
from hub.store import Store
from hub.store import records as r
from hub.store.postgres import PostgresDatabase


def occupation(n: int = 0) -> r.Occupation:
    x = 115.61 + n * 1e-4
    return r.Occupation(shapely.box(x, 34.38, x + 5e-5, 34.38005), "", compound_id=1, kind="STORAGE", status="OCCUPIED")


def report(store: Store, client_id: str, n: int = 0):
    return store.submit(
        operation="reportOccupation",
        client_id=client_id,
        actor="officer:t",
        payload={"n": n},
        apply=lambda uow: {"id": uow.add(occupation(n)).id},
    )


def wait_for(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def two_workers(pg_cluster):
    """Two stores on one database, as two worker processes would open it."""
    url = pg_cluster.new_database()
    a = Store(url).open()
    b = Store(url).open()
    yield a, b
    a.close()
    b.close()


def test_every_connection_commits_durably(pg_cluster):
    with PostgresDatabase(pg_cluster.new_database()) as db:
        assert db.read_one("SHOW synchronous_commit")[0] == "on"


def test_a_write_on_one_worker_is_in_the_others_memory_soon_after_and_in_its_own_at_once(two_workers):
    a, b = two_workers
    heard = []
    b.on_change(heard.append)
    done = report(a, str(uuid.uuid4()))
    new = done.result["id"]
    assert a.data.occupations.get(new) is not None  # read-your-writes: applied before submit returned
    assert wait_for(lambda: b.data.occupations.get(new) is not None)
    assert b.data.occupations.get(new).geojson == a.data.occupations.get(new).geojson
    assert [type(rec).__name__ for rec, _ in heard[-1]] == ["Occupation"]


def test_the_same_client_uuid_sent_to_two_workers_at_once_makes_one_record(two_workers):
    a, b = two_workers
    before = len(a.data.occupations)
    cid = str(uuid.uuid4())
    outcomes = []
    start = threading.Barrier(2)

    def send(store: Store) -> None:
        start.wait()
        outcomes.append(report(store, cid, n=7))

    threads = [threading.Thread(target=send, args=(s,)) for s in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(o.replayed for o in outcomes) == [False, True]
    assert outcomes[0].result == outcomes[1].result
    assert a.db.read_one("SELECT count(*) FROM occupations")[0] == before + 1
    assert wait_for(lambda: len(a.data.occupations) == len(b.data.occupations) == before + 1)


def test_a_worker_catches_up_before_it_writes_so_its_checks_see_every_committed_write(two_workers):
    a, b = two_workers
    b.feed.stop()  # b hears nothing by itself now
    first = report(a, str(uuid.uuid4()), n=1).result["id"]
    assert b.data.occupations.get(first) is None
    report(b, str(uuid.uuid4()), n=2)  # catches up under the write lock first
    assert b.data.occupations.get(first) is not None


def test_the_feed_reconnects_by_itself_when_its_connection_is_killed(two_workers, pg_cluster):
    a, b = two_workers
    assert wait_for(b.feed.connected.is_set)
    with PostgresDatabase(b.db.url) as admin:
        admin.write(
            lambda c: c.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'LISTEN%' "
                "AND pid <> pg_backend_pid() AND datname = current_database()"
            ),
            exclusive=False,
        )
    new = report(a, str(uuid.uuid4()), n=3).result["id"]
    assert wait_for(lambda: b.data.occupations.get(new) is not None)


def test_a_store_from_a_newer_hub_is_refused(pg_cluster):
    url = pg_cluster.new_database()
    with PostgresDatabase(url) as db:
        db.write(lambda c: c.execute("UPDATE hub_schema SET version = version + 1"))
    with pytest.raises(StoreError, match="newer than this hub"):
        PostgresDatabase(url).open()


def test_a_connection_url_is_never_taken_for_a_file_path(tmp_path, monkeypatch, pg_cluster):
    monkeypatch.chdir(tmp_path)
    gone = f"postgresql://postgres@127.0.0.1:{pg_cluster.port + 1}/nowhere"  # nothing listens there
    out = CliRunner().invoke(main, ["init", "--db", gone])
    assert out.exit_code != 0 and "cannot connect" in out.output
    other = CliRunner().invoke(main, ["init", "--db", "mysql://h/x"])
    assert other.exit_code != 0 and "postgresql:// URL" in other.output
    assert list(tmp_path.iterdir()) == []  # no folder named "postgresql:" or "mysql:"


def test_init_copy_and_serve_refusals_on_the_command_line(tmp_path, pg_cluster):
    runner = CliRunner()
    lite = str(tmp_path / "h.db")
    assert runner.invoke(main, ["init", "--db", lite]).exit_code == 0
    url = pg_cluster.new_database()
    copied = runner.invoke(main, ["copy", "--from", lite, "--to", url])
    assert copied.exit_code == 0, copied.output
    assert "619 compounds" in copied.output and "counts and figures match" in copied.output
    again = runner.invoke(main, ["copy", "--from", lite, "--to", url])
    assert again.exit_code != 0 and "already holds data" in again.output
    out = runner.invoke(main, ["query", "--db", url, "{ stats { compounds squads } }"])
    assert '"compounds": 619' in out.output
    refused = runner.invoke(main, ["serve", "--db", lite, "--workers", "2"])
    assert refused.exit_code != 0 and "needs a PostgreSQL store" in refused.output


def test_a_workers_own_write_reaches_its_catalog_and_listeners_once_and_its_follower_reads_nothing_for_it(
    two_workers, monkeypatch
):
    a, _ = two_workers
    assert wait_for(a.feed.connected.is_set)
    time.sleep(0.2)  # past the follower's first look after connecting
    looks = []
    follow = a.feed._catch_up_from
    monkeypatch.setattr(a.feed, "_catch_up_from", lambda conn: (looks.append(1), follow(conn)))
    heard = []
    a.on_change(heard.append)
    ids = [report(a, str(uuid.uuid4()), n=10 + i).result["id"] for i in range(5)]
    time.sleep(1.0)  # two of the follower's waits for notices
    assert all(a.data.occupations.get(i) is not None for i in ids)
    assert len(heard) == 5  # published once each
    assert looks == []  # the notices named changes this worker had applied itself


def test_a_write_not_applied_after_its_commit_is_found_by_the_follower_at_once(two_workers, monkeypatch):
    a, _ = two_workers
    assert wait_for(a.feed.connected.is_set)
    monkeypatch.setattr(a.feed, "applied", lambda seq, written: None)  # as if the answer to the commit was lost
    new = report(a, str(uuid.uuid4()), n=20).result["id"]
    assert wait_for(lambda: a.data.occupations.get(new) is not None, seconds=2.0)  # well before the 5 s poll


def test_a_write_after_its_connection_was_killed_goes_through_on_a_new_one(two_workers):
    a, b = two_workers
    report(a, str(uuid.uuid4()), n=30)
    killed = b.db.read_one(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND query NOT LIKE 'LISTEN%'"
    )[0]
    assert killed >= 1
    new = report(a, str(uuid.uuid4()), n=31).result["id"]
    assert a.db.read_one("SELECT count(*) FROM occupations WHERE id = ?", (new,))[0] == 1


def test_a_write_that_starts_while_the_database_closes_is_refused_and_leaves_no_connection_open(pg_cluster):
    db = PostgresDatabase(pg_cluster.new_database()).open()
    db.write(lambda conn: conn.execute("SELECT 1"))
    pool = db._pool
    real_close = pool.close
    refused = []

    def closing(*args, **kwargs):  # another thread's write takes the write lock while the pool closes
        try:
            db.write(lambda conn: conn.execute("SELECT 1"))
        except StoreError as exc:
            refused.append(str(exc))
        real_close(*args, **kwargs)

    pool.close = closing
    db.close()
    assert refused == ["the database is not open"]
    assert db._writer is None


def test_an_import_after_the_change_log_was_purged_never_moves_its_sequence_back(two_workers):
    # an import sets every identity sequence past its table's largest key; once a quiet week's purge has emptied
    # the change log, that would send its sequence back below what every worker has applied, and they would
    # take every later change for one already applied
    a, b = two_workers
    assert wait_for(a.feed.connected.is_set) and wait_for(b.feed.connected.is_set)
    for i in range(3):
        report(a, str(uuid.uuid4()), n=40 + i)
    assert wait_for(lambda: b.seq == a.seq)
    a.db.write(lambda conn: conn.execute("DELETE FROM changes"), exclusive=False)  # what the purge does
    a.bulk(lambda conn: (conn.sync_identities(), True))  # as an import ends (hub.store.importer)
    new = report(a, str(uuid.uuid4()), n=50).result["id"]
    assert a.data.occupations.get(new) is not None  # the writer's own write is in its catalog
    assert wait_for(lambda: b.data.occupations.get(new) is not None)  # and reaches the other worker
