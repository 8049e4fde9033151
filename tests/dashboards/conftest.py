"""Fixtures for the dashboard tests (helpers live in dash_support.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from dash_support import write_project

from obs_as_code.pipeline import Compiled, compile_project


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Compiled]:
    """``project({"dashboards/x.py": "..."})`` -> the compiled project."""

    def make(files: dict[str, str], *, datasources: bool = True, lint: bool = True, style: bool = False) -> Compiled:
        """``style``: add the findings of the checks ``oac lint`` alone runs (OAC315 ...)."""
        write_project(tmp_path, files, datasources=datasources)
        compiled = compile_project(tmp_path, lint_checks=lint)
        if style:
            from obs_as_code.lint.api import lint as run_lint
            from obs_as_code.lint.engine import all_checks

            compiled.diagnostics += run_lint(tmp_path, select=[c.code for c in all_checks() if c.lint_only])
        return compiled

    return make
