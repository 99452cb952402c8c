"""`stats` follows the records: add and delete rows of each kind it counts, and each figure moves by exactly that.

The article's figures (tests/schema/test_stats.py) hold for the demo data whether a figure is
counted or written in as a constant; here each test edits a copy of the demo store's file with
plain SQL (compounds, meetings, rooms and officers have no write path of their own yet), reopens a
Store on it, and expects every figure to have moved by what the test itself added and deleted, and
the others not at all.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.domain.stats import Stats, compute_stats
from hub.store import Store

NEW = 900_000
"""Keys of added rows start here, far above the demo data's."""


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("stats") / "demo.db"
    Store(path).open().close()
    return path


@pytest.fixture
def edited(demo_file: Path, tmp_path: Path) -> Iterator[Callable[[Callable[[sqlite3.Connection], Any]], Any]]:
    """edited(change) -> (stats before, stats after, what change returned): change is run on a copy of the demo
    store's file in one transaction, and a Store reopened on it."""

    def run(change: Callable[[sqlite3.Connection], Any]) -> tuple[Stats, Stats, Any]:
        path = tmp_path / "hub.db"
        shutil.copy(demo_file, path)
        before = stats_of(path)
        conn = sqlite3.connect(path)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")  # the edits keep the data consistent, as the hub would
        with conn:
            out = change(conn)
        conn.close()
        return before, stats_of(path), out

    yield run


def stats_of(path: Path) -> Stats:
    store = Store(path, snapshots="off").open(load_demo=False)  # every row read: the edits are behind the change log
    try:
        return compute_stats(store.data)
    finally:
        store.close()


def copy_row(conn: sqlite3.Connection, table: str, key: str, value: Any, **changes: Any) -> None:
    """Insert a copy of a row with some columns changed (its key among them)."""
    row = dict(conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (value,)).fetchone())
    row.update(changes)
    cols = ", ".join(f'"{c}"' for c in row)
    conn.execute(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' for _ in row)})", tuple(row.values()))


def one(conn: sqlite3.Connection, sql: str) -> sqlite3.Row:
    row = conn.execute(sql).fetchone()
    assert row is not None, sql
    return row


def moved(before: Stats, **by: float) -> dict[str, float]:
    """The figures of ``before``, each moved by the given amount (the others as they were)."""
    out = dataclasses.asdict(before)
    for name, delta in by.items():
        out[name] += delta
    return out


COUNTED = ("meetings", "problems", "occupations", "public_rooms")
"""Tables referring to compounds whose rows ``stats`` counts: a compound deleted here has none of them."""


def lone_compound(conn: sqlite3.Connection) -> sqlite3.Row:
    """A compound none of the ``COUNTED`` rows refer to (so it can go with just its own records)."""
    clauses = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {t} x WHERE x.compound_id = c.id)" for t in COUNTED)
    return one(conn, f"SELECT * FROM compounds c WHERE {clauses} ORDER BY id LIMIT 1")


def referring(conn: sqlite3.Connection, table: str) -> list[tuple[str, str]]:
    """(table, column) of every foreign key in the store that refers to ``table``."""
    tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [(t, fk[3]) for t in tables for fk in conn.execute(f"PRAGMA foreign_key_list({t})") if fk[2] == table]


def test_the_compound_figures_follow_the_compounds_added_and_deleted(edited):
    def change(conn: sqlite3.Connection) -> sqlite3.Row:
        gone = lone_compound(conn)
        source = gone["id"]
        # three new compounds: managed again and collecting fees; managed again, not collecting; neither
        for i, (unmanaged, fees) in enumerate([(1, 1), (1, 0), (0, 0)]):
            copy_row(conn, "compounds", "id", source, id=NEW + i, formerly_unmanaged=unmanaged, collects_fees=fees)
        for i in (0, 1):  # the first two with a committee and a party branch, the third with neither
            copy_row(conn, "committees", "compound_id", source, compound_id=NEW + i)
            copy_row(conn, "party_branches", "compound_id", source, compound_id=NEW + i)
        # it goes with its committee, branch, management history, … (it has no rows that stats counts)
        for table, column in referring(conn, "compounds"):
            conn.execute(f"DELETE FROM {table} WHERE {column} = ?", (source,))
        conn.execute("DELETE FROM compounds WHERE id = ?", (source,))
        return gone

    before, after, gone = edited(change)
    assert dataclasses.asdict(after) == moved(
        before,
        compounds=3 - 1,
        compounds_with_party_branch=2 - 1,
        compounds_with_committee=2 - 1,
        compounds_collecting_fees=1 - gone["collects_fees"],
        compounds_formerly_unmanaged=2 - gone["formerly_unmanaged"],
    )


def test_meetings_and_the_problems_raised_and_resolved_follow_their_records(edited):
    def change(conn: sqlite3.Connection) -> tuple[int, int]:
        meeting = one(
            conn,
            "SELECT * FROM meetings m WHERE EXISTS (SELECT 1 FROM problems p WHERE p.meeting_id = m.id) "
            "ORDER BY id LIMIT 1",
        )
        problem = one(conn, f"SELECT id FROM problems WHERE meeting_id = {meeting['id']} LIMIT 1")["id"]
        copy_row(conn, "meetings", "id", meeting["id"], id=NEW)
        copy_row(conn, "meetings", "id", meeting["id"], id=NEW + 1)
        for i, solved in enumerate([1, 1, 0]):  # three problems raised at the first new meeting, two solved
            copy_row(
                conn,
                "problems",
                "id",
                problem,
                id=NEW + i,
                meeting_id=NEW,
                solved=solved,
                solved_on="2024-05-01" if solved else None,
            )
        # the old meeting goes, with the problems raised at it
        raised, solved = one(conn, f"SELECT count(*), sum(solved) FROM problems WHERE meeting_id = {meeting['id']}")
        conn.execute("DELETE FROM problems WHERE meeting_id = ?", (meeting["id"],))
        conn.execute("DELETE FROM meetings WHERE id = ?", (meeting["id"],))
        return raised, solved

    before, after, (raised, solved) = edited(change)
    assert raised >= 1
    assert dataclasses.asdict(after) == moved(
        before, joint_meetings=2 - 1, issues_raised=3 - raised, issues_resolved=2 - solved
    )


def test_the_public_rooms_recovered_follow_the_rooms(edited):
    def change(conn: sqlite3.Connection) -> float:
        first, second = conn.execute("SELECT id, floor_area_m2 FROM public_rooms ORDER BY id LIMIT 2").fetchall()
        copy_row(conn, "public_rooms", "id", first["id"], id=NEW, floor_area_m2=50.25)
        copy_row(conn, "public_rooms", "id", first["id"], id=NEW + 1, floor_area_m2=19.5)
        conn.execute("DELETE FROM public_rooms WHERE id = ?", (second["id"],))
        return second["floor_area_m2"]

    before, after, gone = edited(change)
    expected = moved(before, public_rooms=2 - 1, public_rooms_recovered_m2=50.25 + 19.5 - gone)
    assert dataclasses.asdict(after) == pytest.approx(expected, abs=1e-9)


def test_the_occupied_areas_follow_the_occupations_and_their_status(edited):
    def change(conn: sqlite3.Connection) -> tuple[float, float]:
        cleared = one(conn, "SELECT id, area_m2 FROM occupations WHERE status = 'CLEARED' ORDER BY id LIMIT 1")
        occupied = one(conn, "SELECT id, area_m2 FROM occupations WHERE status = 'OCCUPIED' ORDER BY id LIMIT 1")
        copy_row(conn, "occupations", "id", occupied["id"], id=NEW, area_m2=12.5)  # still occupied
        copy_row(
            conn,
            "occupations",
            "id",
            occupied["id"],
            id=NEW + 1,
            area_m2=7.25,
            status="CLEARED",
            cleared_on="2024-05-02",
        )
        conn.execute("DELETE FROM occupations WHERE id IN (?, ?)", (cleared["id"], occupied["id"]))
        return cleared["area_m2"], occupied["area_m2"]

    before, after, (cleared, occupied) = edited(change)
    expected = moved(before, occupied_area_cleared_m2=7.25 - cleared, occupied_area_remaining_m2=12.5 - occupied)
    assert dataclasses.asdict(after) == pytest.approx(expected, abs=1e-9)


def test_the_brigade_figures_follow_the_squads_and_officers(edited):
    def change(conn: sqlite3.Connection) -> None:
        squad = one(conn, "SELECT code FROM squads ORDER BY code LIMIT 1")["code"]
        copy_row(conn, "squads", "code", squad, code="SQ-NEW")
        first, second = conn.execute("SELECT id FROM officers ORDER BY id LIMIT 2")
        for i in range(3):
            copy_row(conn, "officers", "id", first["id"], id=f"NEW-{i}", squad_code="SQ-NEW")
        # the second officer leaves; the agreements they signed are handed to the first
        conn.execute("UPDATE frontage_agreements SET officer_id = ? WHERE officer_id = ?", (first["id"], second["id"]))
        conn.execute("DELETE FROM roster_exceptions WHERE officer_id = ?", (second["id"],))
        conn.execute("DELETE FROM officers WHERE id = ?", (second["id"],))

    before, after, _ = edited(change)
    assert dataclasses.asdict(after) == moved(before, squads=1, officers=3 - 1)


def test_the_unit_counts_follow_the_subdistricts_communities_and_grids(edited):
    def change(conn: sqlite3.Connection) -> None:
        sub = one(conn, "SELECT code FROM subdistricts ORDER BY code LIMIT 1")["code"]
        copy_row(conn, "subdistricts", "code", sub, code="411403999")
        community = one(conn, "SELECT code FROM communities ORDER BY code LIMIT 1")["code"]
        copy_row(conn, "communities", "code", community, code="411403999001", subdistrict_code="411403999")
        grids = conn.execute("SELECT code FROM grids ORDER BY code LIMIT 2").fetchall()
        for i in range(3):
            copy_row(conn, "grids", "code", grids[0]["code"], code=f"4114039990010{i}", community_code="411403999001")
        conn.execute("DELETE FROM grids WHERE code = ?", (grids[1]["code"],))

    before, after, _ = edited(change)
    assert dataclasses.asdict(after) == moved(before, subdistricts=1, communities=1, grids=3 - 1)


def test_the_merchant_figures_follow_the_merchants_and_their_agreements(edited):
    def change(conn: sqlite3.Connection) -> None:
        signed = one(conn, "SELECT merchant_id FROM frontage_agreements ORDER BY merchant_id LIMIT 1")["merchant_id"]
        unsigned = one(
            conn, "SELECT id FROM merchants WHERE id NOT IN (SELECT merchant_id FROM frontage_agreements) LIMIT 1"
        )["id"]
        for new in ("M-NEW-1", "M-NEW-2"):  # two new merchants who sign
            copy_row(conn, "merchants", "id", signed, id=new)
            copy_row(conn, "frontage_agreements", "merchant_id", signed, merchant_id=new)
        copy_row(conn, "merchants", "id", unsigned, id="M-NEW-3")  # and one who has not
        conn.execute("DELETE FROM frontage_agreements WHERE merchant_id = ?", (signed,))  # a signed one closes
        conn.execute("DELETE FROM merchants WHERE id = ?", (signed,))

    before, after, _ = edited(change)
    assert dataclasses.asdict(after) == moved(before, merchants=3 - 1, merchants_signed=2 - 1)
