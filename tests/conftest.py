"""Shared fixtures: throwaway projects, the CLI, real binaries."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from obs_as_code.cli import cli

REPO = Path(__file__).resolve().parent.parent

ProjectFactory = Callable[[dict[str, str]], Path]


@pytest.fixture
def make_project(tmp_path: Path) -> ProjectFactory:
    """Write ``{relative path: source}`` into a fresh project directory."""

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / "proj"
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        root.mkdir(exist_ok=True)
        return root

    return make


def run_oac(*args: str) -> Result:
    """Invoke ``oac`` in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (for 'left untouched' assertions)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def need_binary(name: str) -> str:
    """Path of a real binary; skip on a developer machine without it, fail in CI."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (.ci/run installs it)")
        pytest.skip(f"{name} not installed (apt-get install prometheus prometheus-alertmanager)")
    return found
