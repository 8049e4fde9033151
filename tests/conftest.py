"""Fixtures shared by the whole suite (helpers live in oac_testing.py)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import settings

from tests.oac_testing import GOOD_ALERT, ProjectFactory, run_oac

# No per-example wall-clock deadline (Hypothesis' default is 200 ms): on a loaded
# machine one example of a pure function took 276 ms and the test failed with
# DeadlineExceeded/FlakyFailure. Speed is the benchmarks' business, not the tests'.
settings.register_profile("oac", deadline=None)
settings.load_profile("oac")


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
