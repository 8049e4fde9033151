"""Mistakes a new user makes, run through `oac` as they would: each is reported at
the user's line with a message saying what to do, never as a traceback, and
build/ is left as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.oac_testing import ProjectFactory, run_oac, tree_snapshot

GOOD_ALERT = """
from obs_as_code import AlertRule, RuleGroup

g = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0", for_="5m")])
"""


@pytest.fixture
def built_project(make_project: ProjectFactory) -> Path:
    root = make_project({"alerts/good.py": GOOD_ALERT})
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.output
    return root


def _build_fails(root: Path, files: dict[str, str]) -> str:
    """Write ``files`` into the built project ``root``, build, and return stderr
    after checking the failure leaves build/ as it was."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    before = tree_snapshot(root / "build")
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "build/ left unchanged" in result.stderr
    assert tree_snapshot(root / "build") == before
    return result.stderr


def test_circular_import_says_so(built_project: Path) -> None:
    """The loader's own import path must keep Python's hint: "partially
    initialized module ... (most likely due to a circular import)"."""
    err = _build_fails(
        built_project,
        {
            "alerts/circa.py": "from alerts.circb import B\nfrom obs_as_code import RuleGroup\nA = RuleGroup(name='a', rules=[])\n",
            "alerts/circb.py": "from alerts.circa import A\nB = 1\n",
        },
    )
    lines = [line for line in err.splitlines() if "OAC101" in line]
    assert lines and all("circular import" in line for line in lines), err
