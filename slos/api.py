"""SLOs of the opencode HTTP API (job opencode-api)."""

from alerts._lib import runbook
from obs_as_code.slo import SLO, Alerting, LatencySLI, RatioSLI
from obs_as_code.slo.testing import burn_rate_tests

_LABELS = {"team": "api", "service": "opencode-api"}

availability = SLO(
    service="opencode-api",
    name="availability",
    objective=99.9,
    period="30d",
    description="Requests to the opencode API answered without a 5xx.",
    labels=_LABELS,
    sli=RatioSLI(
        errors='opencode_http_requests_total{job="opencode-api", status=~"5.."}',
        total='opencode_http_requests_total{job="opencode-api"}',
    ),
    alerting=Alerting(
        name="OpencodeApiAvailabilityBudgetBurn",
        annotations={"runbook_url": runbook("slo", "OpencodeApiAvailabilityBudgetBurn")},
    ),
)

latency = SLO(
    service="opencode-api",
    name="latency",
    objective=95,
    period="30d",
    description="Requests to the opencode API served in under 500 ms.",
    labels=_LABELS,
    sli=LatencySLI(
        metric="opencode_http_request_duration_seconds",
        threshold=0.5,
        selector='job="opencode-api"',
    ),
    alerting=Alerting(
        name="OpencodeApiLatencyBudgetBurn",
        annotations={"runbook_url": runbook("slo", "OpencodeApiLatencyBudgetBurn")},
    ),
)

# Steady traffic at 0.5, 5, 15 and 200 times the budget rate: which alerts fire
# (run by `oac test` with the other promtool suites).
availability_tests = burn_rate_tests(
    availability,
    bad='opencode_http_requests_total{job="opencode-api", status="500"}',
    good='opencode_http_requests_total{job="opencode-api", status="200"}',
)

latency_tests = burn_rate_tests(
    latency,
    good='opencode_http_request_duration_seconds_bucket{job="opencode-api", le="0.5"}',
    total='opencode_http_request_duration_seconds_count{job="opencode-api"}',
)
