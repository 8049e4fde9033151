"""The harness must be able to fail: wrong receiver, unexpected alert, alert that never fires."""

from __future__ import annotations

import dataclasses

import pytest

from obs_as_code.e2e import Fires, Scenario, Value
from obs_as_code.e2e.runner import RunConfig, run_scenario

pytestmark = pytest.mark.e2e


def test_wrong_expectations_are_reported(shipped: tuple[list[Scenario], RunConfig]) -> None:
    scenarios, rc = shipped
    base = next(s for s in scenarios if s.name == "exporter-down")
    wrong = dataclasses.replace(
        base,
        name="wrong-on-purpose",
        # The agents team overspends too: nobody expects TeamSpendNearBudget.
        incident=base.baseline.override(Value("team_spend_usd", {"team": "agents"}, 990)),
        factor=240.0,
        expect=[
            Fires(alertname="TargetDown", labels={"job": "valkey"}, receiver="slack-warnings", count=1),
            Fires(alertname="OpencodeCacheLowHitRatio", receiver="email-info"),
        ],
        groups=None,
        timeout=14.0,
    )
    result = run_scenario(wrong, rc)
    assert result.status == "failed"
    text = "\n".join(result.failures)
    assert 'unexpected alert fired: TeamSpendNearBudget{severity="warning",service="llm-gateway"' in text
    assert "OpencodeCacheLowHitRatio fired 0 of 1 series" in text
    assert "TargetDown" in text and "not yet notified to slack-warnings" in text
