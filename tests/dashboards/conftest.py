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

    def make(files: dict[str, str], *, datasources: bool = True, lint: bool = True) -> Compiled:
        write_project(tmp_path, files, datasources=datasources)
        return compile_project(tmp_path, lint_checks=lint)

    return make
