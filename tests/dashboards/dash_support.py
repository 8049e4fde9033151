"""Helpers for the dashboard tests: throwaway projects, fixtures and golden files."""

from __future__ import annotations

import json
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from tests.golden import assert_golden_file

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"

DATASOURCES = '''
from obs_as_code import Datasource

prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True)
loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki")
'''


def write_project(root: Path, files: dict[str, str], *, datasources: bool = True) -> Path:
    """Write ``files`` (path -> source, dedented) under ``root``; add datasources/ by default."""
    if datasources:
        files = {"datasources/main.py": DATASOURCES, **files}
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return root


def assert_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``golden/<name>`` (beside these tests)."""
    assert_golden_file(GOLDEN / name, text)


def load_fixture(name: str) -> dict[str, Any]:
    """A JSON fixture written for these tests (see fixtures/)."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def rebuild(source: str) -> dict[str, Any]:
    """The dashboard JSON a generated module ``source`` builds: run as ``oac import
    dashboard`` runs the module it writes (``_execute``, as
    ``dashboards/imported.py`` of a throwaway project), then rendered. The round
    trip the import checks on every run, without the checks and datasources
    ``check_module`` adds (the tests' modules have their datasources mapped
    already)."""
    from obs_as_code.dashboards.render import render_dashboard
    from obs_as_code.importers.dashboard import _CHECKED, _execute

    with tempfile.TemporaryDirectory(prefix="oac-rebuild-") as tmp:
        root = Path(tmp).resolve()
        (root / "dashboards").mkdir()
        (root / _CHECKED.path).write_text(source, encoding="utf-8")
        return render_dashboard(_execute(root, _CHECKED)).json
