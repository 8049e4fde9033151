"""The SLO fast-burn scenario against Sloth-compatible rules (a fixture until the SLO rules are built)."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from obs_as_code.e2e.report import render_text
from obs_as_code.e2e.runner import RunConfig, run_scenario
from obs_as_code.e2e.scenario import Scenario
from obs_as_code.serialize import dump_yaml, load_yaml
from tests.e2e.conftest import BUILD, FIXTURES

pytestmark = pytest.mark.e2e


def _build_with_slo_rules(tmp_path: Path) -> Path:
    build = tmp_path / "build"
    shutil.copytree(BUILD / "prometheus", build / "prometheus")
    shutil.copy(FIXTURES / "slo-rules.yaml", build / "prometheus" / "rules" / "slo-fixture.yaml")
    prom = load_yaml((build / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    prom["rule_files"].append("rules/slo-fixture.yaml")
    (build / "prometheus" / "prometheus.yml").write_text(dump_yaml(prom), encoding="utf-8")
    return build


def test_fast_burn_pages_through_the_slo_alert(shipped: tuple[list[Scenario], RunConfig], tmp_path: Path) -> None:
    scenarios, rc = shipped
    scenario = next(s for s in scenarios if s.name == "slo-fast-burn")
    result = run_scenario(scenario, dataclasses.replace(rc, build_dir=_build_with_slo_rules(tmp_path)))
    assert result.status == "passed", render_text([result])
    pages = [a for a in result.alerts if a.labels.get("sloth_severity") == "page" and a.fired_after is not None]
    assert [a.receivers for a in pages] == [["pagerduty-critical"]], render_text([result])
    assert pages[0].resolved_after is not None
