"""The shipped scenarios on the real binaries: each must pass (SLO burn skips until SLO rules are built).

All scenarios run once per session, several at a time (they mostly wait on
timers), through the same ``run_scenarios`` as ``oac e2e``; under xdist the
first worker runs them and the others read its results (file lock in the
session's shared temp dir).
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from obs_as_code.e2e.report import render_text, to_json
from obs_as_code.e2e.runner import RunConfig, built_alerts, built_records, run_scenarios
from obs_as_code.e2e.scenario import Scenario
from tests.e2e.conftest import BUILD, once_per_session, shipped_names

pytestmark = pytest.mark.e2e

class HarnessSlowWarning(UserWarning):
    """A scenario passed on its second run because the first hit the harness's slowness."""


#: Scenarios at once: each is two servers idling between 1s timers (about 1.5 s of
#: CPU per scenario in total), so all of them fit on two cores.
PARALLEL = 11

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
    "warning-escalates",
}


def _run_all(scenarios: list[Scenario], rc: RunConfig) -> dict[str, Any]:
    results = run_scenarios(scenarios, rc, parallel=PARALLEL)
    return {"report": render_text(results), **to_json(results)}


@pytest.fixture(scope="session")
def shipped_results(
    shipped: tuple[list[Scenario], RunConfig], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    scenarios, rc = shipped
    return once_per_session(tmp_path_factory, "oac-e2e-results", lambda: _run_all(scenarios, rc))


def test_every_scenario_of_the_issue_is_shipped() -> None:
    assert set(shipped_names()) == EXPECTED_SCENARIOS


@pytest.mark.parametrize("name", shipped_names())
def test_scenario(
    name: str, shipped: tuple[list[Scenario], RunConfig], shipped_results: dict[str, Any]
) -> None:
    scenarios, _ = shipped
    scenario = next(s for s in scenarios if s.name == name)
    result = next(r for r in shipped_results["scenarios"] if r["name"] == name)
    report = shipped_results["report"]
    if result["status"] == "skipped":
        missing = [r for r in scenario.requires_records if r not in built_records(BUILD)]
        missing += [a for a in scenario.requires_alerts if a not in built_alerts(BUILD)]
        assert missing, f"{name} skipped although build/ has {scenario.requires_records + scenario.requires_alerts}"
        pytest.skip(result["reason"])
    assert result["status"] == "passed", report
    if result["retried_after"]:
        # Passed on its second run: the first hit the harness's own slowness. Shown in
        # pytest's warnings summary so a loaded machine is never a silent pass.
        warnings.warn(f"{name}: {result['retried_after'][0]}", HarnessSlowWarning, stacklevel=1)
    fired = [a for a in result["alerts"] if a["fired_after_s"] is not None]
    assert not [a for a in fired if a["verdict"] == "unexpected"], report
    for fires in scenario.expect:
        matched = [a for a in fired if fires.matches(a["labels"])]
        assert len(matched) == (fires.count or len(matched) or 1), report
        for alert in matched:
            if fires.delivery == "notified" and fires.receiver:
                assert alert["receivers"] == [fires.receiver], report
            elif fires.delivery != "notified":
                assert alert["suppressed"] == fires.delivery, report
            if scenario.resolves:
                assert alert["resolved_after_s"] is not None, report
    if scenario.groups is not None:
        assert result["receivers"] == dict(scenario.groups), report
    if not scenario.expect:
        assert result["receivers"] == {}, report
        assert [a for a in fired if a["verdict"] != "tolerated"] == [], report


def test_fast_burn_pages_through_the_slo_alert(shipped_results: dict[str, Any]) -> None:
    # The shipped scenarios ran once for the session (tests/e2e/conftest.py).
    result = next(r for r in shipped_results["scenarios"] if r["name"] == "slo-fast-burn")
    report = shipped_results["report"]
    assert result["status"] == "passed", report
    pages = [
        a for a in result["alerts"] if a["labels"].get("sloth_severity") == "page" and a["fired_after_s"] is not None
    ]
    assert [a["labels"]["alertname"] for a in pages] == ["OpencodeApiAvailabilityBudgetBurn"], report
    assert [a["receivers"] for a in pages] == [["pagerduty-critical"]], report
    assert pages[0]["resolved_after_s"] is not None, report
