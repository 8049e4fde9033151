"""Shared helpers of the routing and rule-test suites: temporary projects and the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner, Result

from obs_as_code.cli import cli
from tests.golden import assert_golden_file

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
GOLDEN = ROOT / "tests" / "golden"


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (path -> source, dedented) under ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def run_cli(*args: str) -> Result:
    """``oac ARGS`` in process; stdout and stderr are separate."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run_oac(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``oac ARGS`` in a fresh interpreter (what a user's shell sees)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", "from obs_as_code.cli import main; main()", *args],
        cwd=cwd, env=env, capture_output=True, text=True, check=False,
    )


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``tests/golden/<name>``."""
    assert_golden_file(GOLDEN / name, text)
