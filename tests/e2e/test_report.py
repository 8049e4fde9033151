"""The e2e report, text and JSON (golden)."""

from __future__ import annotations

import json

from obs_as_code.e2e.report import render_json, render_text, summary
from obs_as_code.e2e.runner import AlertOutcome, ScenarioResult
from tests.golden import assert_golden

RESULTS = [
    ScenarioResult(
        "http-5xx-spike",
        "passed",
        description="9% of chat requests fail.",
        expected=['OpencodeApiHighErrorRatio{severity=~"critical"}', 'OpencodeApiHighErrorRatio{severity=~"warning"}'],
        alerts=[
            AlertOutcome({"alertname": "OpencodeApiHighErrorRatio", "severity": "critical", "service": "opencode-api"}, "expected",
                         fired_after=10.3, notified_after=11.3, resolved_after=17.4, receivers=["pagerduty-critical"]),
            AlertOutcome({"alertname": "OpencodeApiHighErrorRatio", "severity": "warning", "service": "opencode-api"}, "expected",
                         fired_after=12.3, resolved_after=18.4, suppressed="inhibited"),
        ],
        receivers={"pagerduty-critical": 1},
        duration=21.5,
    ),
    ScenarioResult("steady-state", "failed", failures=["unexpected alert fired: TargetDown{job=\"x\"}", "log:\nline"], duration=19.0,
                   alerts=[AlertOutcome({"alertname": "TargetDown", "job": "x"}, "unexpected", fired_after=6.0)]),
    ScenarioResult("slo-fast-burn", "skipped", reason="no SLO rules built"),
    ScenarioResult("llm-cost-spike", "passed", duration=40.2, harness_slow=[],
                   retried_after=["first run hit the harness's own slowness, so it ran again: TargetDown{job=\"prometheus\"}: "
                                  "every failed scrape of job prometheus timed out",
                                  "unexpected alert fired: TargetDown{job=\"prometheus\"}"]),
]


def test_text_report_golden() -> None:
    assert_golden("e2e/report.txt", render_text(RESULTS))


def test_json_report_golden_and_summary() -> None:
    text = render_json(RESULTS)
    assert_golden("e2e/report.json", text)
    data = json.loads(text)
    assert data["summary"] == summary(RESULTS) == {"passed": 2, "failed": 1, "skipped": 1}
    assert data["scenarios"][0]["alerts"][0]["fired_after_s"] == 10.3


def test_a_second_run_is_reported() -> None:
    text = render_text(RESULTS)
    assert "RETRIED first run hit the harness's own slowness" in text
    assert json.loads(render_json(RESULTS))["scenarios"][3]["retried_after"] == RESULTS[3].retried_after
