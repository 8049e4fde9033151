"""Incidents of the cache, the workflow engine, team budgets and scrape targets."""

from obs_as_code.e2e import Fires, Rate, Scenario, Silence, Value
from scenarios._platform import FACTOR, GROUP_BY, SLO_ALERTS, baseline

cache_miss_storm = Scenario(
    name="cache-miss-storm",
    description="The session cache is flushed: 80% of lookups miss; an info alert is emailed.",
    baseline=baseline,
    incident=baseline.override(
        Rate("opencode_cache_hits_total", {"cache_type": "session"}, 20.0),
        Rate("opencode_cache_misses_total", {"cache_type": "session"}, 80.0),
    ),
    expect=[
        Fires(alertname="OpencodeCacheLowHitRatio", labels={"cache_type": "session", "severity": "info"},
              receiver="email-info", count=1),
    ],
    group_by=GROUP_BY,
    groups={"email-info": 1},
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

workflow_failures = Scenario(
    name="workflow-failures",
    description=(
        "30% of code-review workflows fail and the coder agent keeps erroring; the agent alert "
        "is silenced through Alertmanager's API, the workflow alert reaches Slack."
    ),
    baseline=baseline,
    incident=baseline.override(
        Rate("langgraph_workflow_failures_total", {"workflow": "code-review"}, 0.6),
        Rate("agent_execution_total", {"agent_id": "coder", "workspace": "default", "status": "error"}, 2.0),
    ),
    silences=[Silence(matchers={"alertname": "AgentExecutionFailures"}, comment="known agent bug, fix deploying")],
    expect=[
        Fires(alertname="LanggraphWorkflowFailureRatio", labels={"workflow": "code-review", "severity": "warning"},
              receiver="slack-warnings", count=1),
        Fires(alertname="AgentExecutionFailures", labels={"agent_id": "coder"}, delivery="silenced", count=1),
    ],
    tolerate=[SLO_ALERTS],
    group_by=GROUP_BY,
    groups={"slack-warnings": 1},
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

team_over_budget = Scenario(
    name="team-over-budget",
    description="The agents team has spent 95% of its budget.",
    baseline=baseline,
    incident=baseline.override(Value("team_spend_usd", {"team": "agents"}, 950)),
    expect=[
        Fires(alertname="TeamSpendNearBudget", labels={"team": "agents", "severity": "warning"},
              receiver="slack-warnings", count=1),
    ],
    group_by=GROUP_BY,
    groups={"slack-warnings": 1},
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

exporter_down = Scenario(
    name="exporter-down",
    description="The valkey exporter answers 503: TargetDown pages for that job only, and resolves when it is back.",
    baseline=baseline,
    down=frozenset({"valkey"}),
    expect=[
        Fires(alertname="TargetDown", labels={"job": "valkey", "severity": "critical"},
              receiver="pagerduty-critical", count=1),
    ],
    group_by=GROUP_BY,
    groups={"pagerduty-critical": 1},
    factor=FACTOR,
    strip_mute_time_intervals=True,
)
