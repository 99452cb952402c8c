"""The README stays true: every setting and every CLI command and option is documented there."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from hub.cli import main
from hub.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("variable", Settings.documented())
def test_every_setting_is_in_the_readme(variable):
    assert f"`{variable}`" in README


def _commands(group: click.Group, prefix: str = "hub"):
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, path)


@pytest.mark.parametrize(("path", "command"), list(_commands(main)), ids=lambda v: v if isinstance(v, str) else "")
def test_every_command_and_option_is_in_the_readme(path, command):
    assert path in README, f"{path} is not in the README"
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt not in ("--help",):
                assert opt in README, f"{path} {opt} is not in the README"


def test_the_readme_gives_the_two_commands():
    assert "python3 dev.py serve" in README
    assert "python3 dev.py test" in README


BENCHES = sorted(p.name for p in (Path(__file__).resolve().parents[1] / "bench").glob("bench_*.py"))


@pytest.mark.parametrize("program", BENCHES)
def test_every_benchmark_is_in_the_readme_with_its_cold_figure(program):
    section = README.split("## Benchmarks", 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if program in line]
    assert lines, f"bench/{program} is not in the README's benchmarks"
    assert any("≤" in line or "≥" in line for line in lines), f"the README gives no target for bench/{program}"
