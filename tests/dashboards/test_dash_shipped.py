"""The dashboards the repository ships: golden JSON, schema-valid, clean under the checks."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from dash_support import REPO, assert_golden

from obs_as_code.pipeline import Compiled, compile_project
from obs_as_code.validate.schema import check, dashboard_errors

EXPECTED_TITLES = {
    "System overview",
    "LLM performance",
    "Cost tracking",
    "Cache and datastores",
    "Agent workflows",
    "Log explorer",
    "Alerts overview",
}


@cache
def _compiled() -> Compiled:
    return compile_project(REPO)


def _dashboards() -> dict[str, dict[str, Any]]:
    return {a.path: a.data for a in _compiled().artifacts if a.path.startswith("grafana/dashboards/")}


def test_shipped_dashboards_build_cleanly() -> None:
    compiled = _compiled()
    dashboard_findings = [d for d in compiled.diagnostics if d.code.startswith(("OAC3", "OAC9"))]
    assert dashboard_findings == []
    assert compiled.ok
    assert {d["title"] for d in _dashboards().values()} >= EXPECTED_TITLES


@pytest.mark.parametrize("path", sorted(_dashboards()))
def test_golden(path: str) -> None:
    artifact = next(a for a in _compiled().artifacts if a.path == path)
    assert_golden(path.removeprefix("grafana/dashboards/").replace("/", "__"), artifact.content.decode())


@pytest.mark.parametrize("path", sorted(_dashboards()))
def test_schema_valid(path: str) -> None:
    assert list(dashboard_errors(_dashboards()[path])) == []


def test_committed_build_passes_the_schema_check() -> None:
    # What ``oac validate`` runs: the files under build/grafana/dashboards/, rows'
    # own fields and nested panels included.
    built = REPO / "build"
    if not (built / "grafana" / "dashboards").is_dir():
        pytest.skip("no committed build/ here")
    assert all((built / path).is_file() for path in _dashboards())
    assert check(built, _compiled().artifacts) == []


def test_log_explorer_has_loki_panels() -> None:
    data = next(d for d in _dashboards().values() if d["title"] == "Log explorer")
    logs = [p for p in data["panels"] if p["type"] == "logs"]
    assert logs and all(p["datasource"] == {"type": "loki", "uid": "loki"} for p in logs)


def test_ratios_are_percentunit_and_quantiles_keep_le() -> None:
    for data in _dashboards().values():
        for p in data["panels"]:
            exprs = [t.get("expr", "") for t in p.get("targets", [])]
            for e in exprs:
                if "histogram_quantile" in e:
                    assert "sum by (le" in e and "_bucket" in e and "$__rate_interval" in e, e
            if re.search(r"\bratio\b", p.get("title", ""), re.I):
                assert p["fieldConfig"]["defaults"]["unit"] == "percentunit", p["title"]
