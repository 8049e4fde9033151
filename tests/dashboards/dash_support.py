"""Helpers for the dashboard tests: throwaway projects, fixtures and golden files."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("OAC_UPDATE_GOLDEN") == "1"

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
    """Compare ``text`` with ``golden/<name>``; ``OAC_UPDATE_GOLDEN=1`` rewrites it."""
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"missing golden file {path}; run with OAC_UPDATE_GOLDEN=1")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file (OAC_UPDATE_GOLDEN=1 to accept)"


def load_fixture(name: str) -> dict[str, Any]:
    """A JSON fixture written for these tests (see fixtures/)."""
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data
