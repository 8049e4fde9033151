"""Fixtures shared by the whole suite (helpers live in oac_testing.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.oac_testing import GOOD_ALERT, ProjectFactory, run_oac


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


@pytest.fixture
def built_project(make_project: ProjectFactory) -> Path:
    """A project of one valid alert module, built once (``build/`` exists)."""
    root = make_project({"alerts/good.py": GOOD_ALERT})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    return root
