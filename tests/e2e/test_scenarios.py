"""The shipped scenarios on the real binaries: each must pass (SLO burn skips until SLO rules are built)."""

from __future__ import annotations

import pytest

from obs_as_code.e2e.report import render_text
from obs_as_code.e2e.runner import RunConfig, built_records, run_scenario
from obs_as_code.e2e.scenario import Scenario
from tests.e2e.conftest import BUILD, shipped_names

pytestmark = pytest.mark.e2e

EXPECTED_SCENARIOS = {
    "steady-state",
    "http-5xx-spike",
    "latency-regression",
    "llm-latency-regression",
    "llm-cost-spike",
    "cache-miss-storm",
    "workflow-failures",
    "team-over-budget",
    "exporter-down",
    "slo-fast-burn",
}


def test_every_scenario_of_the_issue_is_shipped() -> None:
    assert set(shipped_names()) == EXPECTED_SCENARIOS


@pytest.mark.parametrize("name", shipped_names())
def test_scenario(name: str, shipped: tuple[list[Scenario], RunConfig]) -> None:
    scenarios, rc = shipped
    scenario = next(s for s in scenarios if s.name == name)
    result = run_scenario(scenario, rc)
    if result.status == "skipped":
        missing = [r for r in scenario.requires_records if r not in built_records(BUILD)]
        assert missing, f"{name} skipped although build/ records {scenario.requires_records}"
        pytest.skip(result.reason)
    assert result.status == "passed", render_text([result])
    for fires in scenario.expect:
        matched = [a for a in result.alerts if a.fired_after is not None and fires.matches(a.labels)]
        assert matched, f"{fires.describe()} missing from the result"
        if scenario.resolves:
            assert all(a.resolved_after is not None for a in matched), render_text([result])
    assert not [a for a in result.alerts if a.verdict == "unexpected"]
    if not scenario.expect:
        assert result.receivers == {}
        assert not [a for a in result.alerts if a.fired_after is not None and a.verdict != "tolerated"]
