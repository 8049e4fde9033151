"""Helpers for the dashboard tests: throwaway projects, fixtures and golden files."""

from __future__ import annotations

import json
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
