#!/usr/bin/env python3
"""Set up and run the hub with nothing but Python 3.11+ installed.

    python3 dev.py serve [hub serve options]   # start the server on ./hub.db (demo data loaded on first start)
    python3 dev.py test [pytest options]       # lint, check the layers and types, run the whole test suite

The first run makes a virtual environment in .venv and installs the hub into it (again whenever
pyproject.toml changes). Anything else: python3 dev.py hub ARGS runs the `hub` command.

HUB_CONSTRAINTS=FILE pins versions with a pip constraints file (CI runs the suite a second time on the
lowest strawberry and graphql-core pyproject allows: HUB_VENV=.venv-lowest HUB_CONSTRAINTS=.ci/lowest.txt);
the type check is then skipped, as types are checked against the newest releases.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("HUB_VENV", ROOT / ".venv"))
CONSTRAINTS = os.environ.get("HUB_CONSTRAINTS")
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")


def ensure_env(extras: str) -> None:
    stamp = VENV / f".installed-{extras or 'base'}"
    pinned = (ROOT / CONSTRAINTS).read_bytes() if CONSTRAINTS else b""
    want = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + pinned).hexdigest()
    if stamp.exists() and stamp.read_text() == want and PY.exists():
        return
    if not PY.exists():
        print(f"dev.py: creating {VENV}", file=sys.stderr)
        venv.EnvBuilder(with_pip=True).create(VENV)
    spec = f".[{extras}]" if extras else "."
    print(f"dev.py: installing the hub ({spec}) into {VENV}", file=sys.stderr)
    subprocess.run([str(PY), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True, cwd=ROOT)
    pins = ["-c", str(ROOT / CONSTRAINTS)] if CONSTRAINTS else []
    subprocess.run([str(PY), "-m", "pip", "install", "-q", *pins, "-e", spec], check=True, cwd=ROOT)
    stamp.write_text(want)


def run(*args: str) -> int:
    return subprocess.run(list(args), cwd=ROOT).returncode


def main(argv: list[str]) -> int:
    command, rest = (argv[0], argv[1:]) if argv else ("help", [])
    if command == "serve":
        ensure_env("")
        return run(str(BIN / "hub"), "serve", *rest)
    if command == "test":
        ensure_env("test")
        steps = [
            [str(BIN / "ruff"), "check", "."],
            [str(BIN / "ruff"), "format", "--check", "."],
            [str(BIN / "lint-imports")],
            [str(BIN / "mypy")],  # the packages and plugin are set in pyproject.toml
        ]
        for step in steps[:3] if CONSTRAINTS else steps:
            code = run(*step)
            if code:
                print(f"dev.py: {Path(step[0]).name} {' '.join(step[1:])} failed", file=sys.stderr)
                return code
        return run(str(PY), "-m", "pytest", *rest)
    if command == "hub":
        ensure_env("")
        return run(str(BIN / "hub"), *rest)
    print(__doc__)
    return 0 if command in ("help", "-h", "--help") else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
