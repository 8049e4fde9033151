"""Incidents of the LLM providers and their cost."""

from obs_as_code.e2e import Fires, Observe, Rate, Scenario
from scenarios._platform import FACTOR, GROUP_BY, MODELS, SLO_ALERTS, baseline

llm_latency_regression = Scenario(
    name="llm-latency-regression",
    description="Both models answer in 45s: two alert series, one notification group at Slack.",
    baseline=baseline,
    incident=baseline.override(
        *(
            Observe("opencode_llm_request_duration_seconds", {"provider": p, "model": m}, 1.0, 45.0)
            for p, m in MODELS
        )
    ),
    expect=[
        Fires(alertname="OpencodeLLMHighLatencyP95", labels={"severity": "warning", "service": "llm-gateway"},
              receiver="slack-warnings", count=2),
    ],
    tolerate=[SLO_ALERTS],
    group_by=GROUP_BY,
    # Same alertname and service: both series travel in one group.
    groups={"slack-warnings": 1},
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

llm_cost_spike = Scenario(
    name="llm-cost-spike",
    description="A runaway agent spends $20 a second on Anthropic: the hourly-increase alert fires for that provider only.",
    baseline=baseline,
    incident=baseline.override(
        Rate("opencode_llm_cost_dollars_total", {"provider": "anthropic", "model": "claude-sonnet-4"}, 20.0),
    ),
    expect=[
        Fires(alertname="OpencodeLLMCostSpike", labels={"provider": "anthropic", "severity": "warning"},
              receiver="slack-warnings", count=1),
    ],
    group_by=GROUP_BY,
    groups={"slack-warnings": 1},
    # The rule looks at a 1h increase: at 1/360 that window is 10s, so the spike
    # also drains out of it within seconds once it ends.
    factor=360.0,
    strip_mute_time_intervals=True,
)
