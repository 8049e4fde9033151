"""Incidents of the opencode HTTP API."""

from obs_as_code.e2e import Fires, Observe, Rate, Scenario
from scenarios._platform import FACTOR, GROUP_BY, SLO_ALERTS, baseline

steady_state = Scenario(
    name="steady-state",
    description="A normal day: nothing fires, nothing is pending, nobody is notified.",
    baseline=baseline,
    group_by=GROUP_BY,
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

http_5xx_spike = Scenario(
    name="http-5xx-spike",
    description="9% of chat requests fail: the critical error-ratio alert pages and inhibits its warning.",
    baseline=baseline,
    incident=baseline.override(
        Rate("opencode_http_requests_total", {"method": "POST", "path": "/api/chat", "status": "500"}, 3.0),
    ),
    expect=[
        Fires(alertname="OpencodeApiHighErrorRatio", labels={"severity": "critical", "service": "opencode-api"},
              receiver="pagerduty-critical", count=1),
        # Same alertname and service as the critical: Alertmanager inhibits it.
        Fires(alertname="OpencodeApiHighErrorRatio", labels={"severity": "warning", "service": "opencode-api"},
              delivery="inhibited", count=1),
    ],
    tolerate=[SLO_ALERTS],
    group_by=GROUP_BY,
    groups={"pagerduty-critical": 1},
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

latency_regression = Scenario(
    name="latency-regression",
    description="Every API request takes 1.5s: p95 crosses the warning threshold (1s), not the critical one (2.5s).",
    baseline=baseline,
    incident=baseline.override(
        Observe("opencode_http_request_duration_seconds", {"method": "GET", "path": "/api/sessions"}, 20.0, 1.5),
        Observe("opencode_http_request_duration_seconds", {"method": "POST", "path": "/api/chat"}, 10.0, 1.5),
    ),
    expect=[
        Fires(alertname="OpencodeApiHighLatencyP95", labels={"severity": "warning", "service": "opencode-api"},
              receiver="slack-warnings", count=1),
    ],
    tolerate=[SLO_ALERTS],
    group_by=GROUP_BY,
    groups={"slack-warnings": 1},
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

slo_fast_burn = Scenario(
    name="slo-fast-burn",
    description="Half of all API requests fail: the availability SLO burns its budget 500 times too fast and pages.",
    baseline=baseline,
    incident=baseline.override(
        Rate("opencode_http_requests_total", {"method": "GET", "path": "/api/sessions", "status": "500"}, 30.0),
    ),
    expect=[
        Fires(alertname=".+", labels={"sloth_severity": "page", "sloth_service": ".*api.*"},
              receiver="pagerduty-critical"),
    ],
    tolerate=[
        SLO_ALERTS,
        # The plain error-ratio alerts see the same incident.
        Fires(alertname="OpencodeApiHighErrorRatio"),
    ],
    group_by=GROUP_BY,
    requires_records=("slo:sli_error:ratio_rate5m", "slo:sli_error:ratio_rate1h"),
    factor=FACTOR,
    strip_mute_time_intervals=True,
)

warning_escalates = Scenario(
    name="warning-escalates",
    description="Nobody fixes the latency warning: after 2h (30s here) WarningPersists pages on top of Slack.",
    baseline=baseline,
    incident=latency_regression.incident,
    expect=[
        Fires(alertname="OpencodeApiHighLatencyP95", labels={"severity": "warning", "service": "opencode-api"},
              receiver="slack-warnings", count=1),
        # The routing's escalation rule: label escalate="page" routes to the pager.
        Fires(alertname="WarningPersists", labels={"escalates": "OpencodeApiHighLatencyP95", "escalate": "page"},
              receiver="pagerduty-critical", count=1),
    ],
    tolerate=[SLO_ALERTS],
    group_by=GROUP_BY,
    groups={"slack-warnings": 1, "pagerduty-critical": 1},
    requires_alerts=("WarningPersists",),
    # The escalation waits 2h; at 1/240 that is 30s and other `for`s still exceed a scrape.
    factor=240.0,
    strip_mute_time_intervals=True,
)
