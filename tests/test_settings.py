"""Settings come from HUB_* variables; a malformed one is named with what it must be."""

import pytest
from click.testing import CliRunner

from hub.cli import main
from hub.settings import Settings


def test_variables_override_defaults_with_the_right_types(tmp_path):
    s = Settings.from_env(
        {"HUB_PORT": "9001", "HUB_LOAD_DEMO": "0", "HUB_DB": str(tmp_path / "x.db"), "HUB_QUERY_TIMEOUT_S": "2.5"}
    )
    assert (s.port, s.load_demo, s.db, s.query_timeout_s) == (9001, False, str(tmp_path / "x.db"), 2.5)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("HUB_PORT", "abc", "whole number"),
        ("HUB_LOAD_DEMO", "maybe", "1/0/true/false"),
        ("HUB_QUERY_TIMEOUT_S", "soon", "a number"),
        ("HUB_SYNC", "off", "full or normal"),
    ],
)
def test_a_malformed_variable_is_named(name, value, words):
    with pytest.raises(ValueError, match=words):
        Settings.from_env({name: value})


def test_the_cli_answers_a_malformed_variable_with_a_sentence(monkeypatch):
    monkeypatch.setenv("HUB_PORT", "abc")
    out = CliRunner().invoke(main, ["serve", "--get", "/healthz"])
    assert out.exit_code != 0
    assert "HUB_PORT must be a whole number, got 'abc'" in out.output
    assert "Traceback" not in out.output


def test_the_cli_answers_an_unknown_sync_mode_with_a_sentence(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_SYNC", "off")
    monkeypatch.setenv("HUB_DB", str(tmp_path / "x.db"))
    out = CliRunner().invoke(main, ["serve", "--get", "/healthz"])
    assert out.exit_code != 0
    assert "HUB_SYNC must be full or normal, got 'off'" in out.output
    assert "Traceback" not in out.output


def test_a_public_url_must_be_an_http_address():
    with pytest.raises(ValueError, match="HUB_PUBLIC_URL must start with http"):
        Settings.from_env({"HUB_PUBLIC_URL": "hub.example.org"})


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("HUB_CORS_ORIGINS", "https://map.example.org/app", "is not an origin"),
        ("HUB_RATE_LIMITS", "public=lots", "role=rate/burst"),
        ("HUB_RATE_EXEMPT", "the office", "HUB_RATE_EXEMPT"),
    ],
)
def test_the_cli_answers_a_malformed_http_setting_with_a_sentence(monkeypatch, tmp_path, name, value, words):
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("HUB_DB", str(tmp_path / "x.db"))
    out = CliRunner().invoke(main, ["serve", "--get", "/healthz"])
    assert out.exit_code != 0
    assert words in out.output
    assert "Traceback" not in out.output


def test_serve_get_reads_the_metrics_as_a_local_client(monkeypatch, tmp_path):
    monkeypatch.setenv("HUB_DB", str(tmp_path / "x.db"))
    out = CliRunner().invoke(main, ["serve", "--get", "/metrics"])
    assert out.exit_code == 0, out.output
    assert "hub_layer_version" in out.output
