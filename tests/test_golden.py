"""Golden files: the exact YAML generated for a project using every field."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.oac_testing import REPO, run_oac

GOLDEN = REPO / "tests/golden/full"
FILES = ["prometheus/prometheus.yml", "prometheus/rules/service.yaml", "grafana/provisioning/datasources/datasources.yaml"]


@pytest.mark.parametrize("rel", FILES)
def test_full_project_matches_golden(rel: str, tmp_path: Path) -> None:
    root = tmp_path / "full"
    shutil.copytree(REPO / "tests/fixtures/projects/full", root)
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 0, result.stderr
    produced = (root / "build" / rel).read_text()
    golden = GOLDEN / rel
    if os.environ.get("OAC_UPDATE_GOLDEN"):
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(produced)
    assert produced == golden.read_text()
