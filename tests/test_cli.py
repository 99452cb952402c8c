"""The `hub` command: set-up, tokens and one-off queries, with mistakes answered in a sentence."""

from __future__ import annotations

import json

from click.testing import CliRunner

from hub.cli import main


def test_init_loads_the_demo_data_and_refuses_to_load_twice(tmp_path):
    runner = CliRunner()
    db = tmp_path / "h.db"
    first = runner.invoke(main, ["init", "--db", str(db)])
    assert first.exit_code == 0, first.output
    assert "619 compounds" in first.output
    again = runner.invoke(main, ["init", "--db", str(db)])
    assert again.exit_code != 0
    assert "already holds data" in again.output


def test_query_prints_json_for_analysts(tmp_path):
    out = CliRunner().invoke(main, ["query", "--db", str(tmp_path / "q.db"), "{ stats { compounds squads } }"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["data"]["stats"] == {"compounds": 619, "squads": 4}


def test_a_bad_query_exits_non_zero_with_the_error(tmp_path):
    out = CliRunner().invoke(main, ["query", "--db", str(tmp_path / "q.db"), "{ stats { nope } }"])
    assert out.exit_code == 1
    assert "nope" in out.output


def test_an_officer_token_without_a_squad_is_refused_with_how_to_fix_it(tmp_path):
    out = CliRunner().invoke(main, ["token", "create", "--role", "officer", "--db", str(tmp_path / "t.db")])
    assert out.exit_code != 0
    assert "--squad" in out.output


def test_tokens_can_be_made_listed_and_revoked(tmp_path):
    runner = CliRunner()
    db = str(tmp_path / "t.db")
    made = runner.invoke(main, ["token", "create", "--role", "admin", "--label", "command centre", "--db", db])
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[0]
    token_id = token.split("_")[1]
    listed = runner.invoke(main, ["token", "list", "--db", db])
    assert token_id in listed.output and token not in listed.output
    assert runner.invoke(main, ["token", "revoke", token_id, "--db", db]).exit_code == 0
    assert "revoked" in runner.invoke(main, ["token", "list", "--db", db]).output


def test_serve_get_answers_one_request_in_process(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_DB", str(tmp_path / "s.db"))
    out = CliRunner().invoke(main, ["serve", "--get", "/healthz"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["compounds"] == 619


def test_snapshot_writes_the_catalog_snapshot_beside_a_sqlite_file_and_says_so_when_they_are_off(tmp_path, monkeypatch):
    runner = CliRunner()
    db = tmp_path / "s.db"
    assert runner.invoke(main, ["init", "--db", str(db)]).exit_code == 0
    monkeypatch.setenv("HUB_SNAPSHOT", "auto")
    out = runner.invoke(main, ["snapshot", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert f"wrote {db}.snapshot at change 0" in out.output
    assert (tmp_path / "s.db.snapshot").stat().st_size > 0
    monkeypatch.setenv("HUB_SNAPSHOT", "off")
    off = runner.invoke(main, ["snapshot", "--db", str(db)])
    assert off.exit_code != 0 and "HUB_SNAPSHOT=off" in off.output
