"""Alerts on the opencode HTTP API (job opencode-api)."""

from alerts._lib import runbook
from obs_as_code import AlertRule, RuleGroup

_ERROR_RATIO = (
    'sum by (job, service) (rate(opencode_http_requests_total{job="opencode-api", status=~"5.."}[5m]))\n'
    "/\n"
    'sum by (job, service) (rate(opencode_http_requests_total{job="opencode-api"}[5m]))'
)
_P95 = (
    "histogram_quantile(0.95,\n"
    '  sum by (job, service, le) (rate(opencode_http_request_duration_seconds_bucket{job="opencode-api"}[5m]))\n'
    ")"
)


def _error_ratio(severity: str, threshold: float, for_: str) -> AlertRule:
    return AlertRule(
        name="OpencodeApiHighErrorRatio",
        expr=f"{_ERROR_RATIO}\n> {threshold}",
        for_=for_,
        labels={"severity": severity, "team": "api"},
        annotations={
            "summary": "Too many 5xx responses from the opencode API",
            "description": (
                "{{ $value | humanizePercentage }} of requests to {{ $labels.job }} failed with a 5xx "
                f"status over the last 5 minutes (threshold {threshold:.0%})."
            ),
            "runbook_url": runbook("opencode-api", "OpencodeApiHighErrorRatio"),
        },
    )


def _latency(severity: str, threshold: float, for_: str) -> AlertRule:
    return AlertRule(
        name="OpencodeApiHighLatencyP95",
        expr=f"{_P95}\n> {threshold}",
        for_=for_,
        labels={"severity": severity, "team": "api"},
        annotations={
            "summary": "opencode API p95 latency is high",
            "description": (
                "95% of requests to {{ $labels.job }} took up to {{ $value | humanizeDuration }} "
                f"over the last 5 minutes (threshold {threshold:g}s)."
            ),
            "runbook_url": runbook("opencode-api", "OpencodeApiHighLatencyP95"),
        },
    )


api = RuleGroup(
    name="opencode-api",
    rules=[
        _error_ratio("warning", 0.02, "10m"),
        _error_ratio("critical", 0.05, "5m"),
        _latency("warning", 1.0, "10m"),
        _latency("critical", 2.5, "5m"),
    ],
)
