"""Alerts on the opencode HTTP API (job opencode-api)."""

from alerts._lib import runbook
from obs_as_code import (
    AlertExpectation,
    AlertRule,
    ExpectedAlert,
    ExprExpectation,
    RuleGroup,
    RuleTest,
    Sample,
    Series,
)

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


# --- unit tests (promtool test rules) -----------------------------------------

_API = 'job="opencode-api", service="opencode-api"'


def _requests(errors_per_min: int, ok_per_min: int) -> list[Series]:
    return [
        Series(f'opencode_http_requests_total{{{_API}, method="GET", path="/v1/chat", status="500"}}', f"0+{errors_per_min}x40"),
        Series(f'opencode_http_requests_total{{{_API}, method="GET", path="/v1/chat", status="200"}}', f"0+{ok_per_min}x40"),
    ]


def _latency_buckets(le_with_all: str) -> list[Series]:
    """Ten requests a minute, all in the bucket ``le_with_all`` and above."""
    bounds = ["0.01", "0.05", "0.1", "0.5", "1", "2", "5", "10", "+Inf"]
    reached = bounds[bounds.index(le_with_all):]
    return [
        Series(
            f'opencode_http_request_duration_seconds_bucket{{{_API}, method="GET", path="/v1/chat", le="{le}"}}',
            "0+10x40" if le in reached else "0x40",
        )
        for le in bounds
    ]


def _api_alert(severity: str, threshold: str, description: str, name: str) -> ExpectedAlert:
    page = "opencode-api"
    return ExpectedAlert(
        labels={"job": "opencode-api", "service": "opencode-api", "severity": severity, "team": "api"},
        annotations={
            "summary": "Too many 5xx responses from the opencode API" if name == "OpencodeApiHighErrorRatio" else "opencode API p95 latency is high",
            "description": description.format(threshold=threshold),
            "runbook_url": runbook(page, name),
        },
    )


api_error_ratio_fires = RuleTest(
    name="6% of API requests fail: warning and critical fire",
    series=_requests(errors_per_min=6, ok_per_min=94),
    alerts=[
        AlertExpectation(at="3m", alertname="OpencodeApiHighErrorRatio"),
        AlertExpectation(
            at="20m",
            alertname="OpencodeApiHighErrorRatio",
            alerts=[
                _api_alert("warning", "2%", "6% of requests to opencode-api failed with a 5xx status over the last 5 minutes (threshold {threshold}).", "OpencodeApiHighErrorRatio"),
                _api_alert("critical", "5%", "6% of requests to opencode-api failed with a 5xx status over the last 5 minutes (threshold {threshold}).", "OpencodeApiHighErrorRatio"),
            ],
        ),
    ],
)

api_error_ratio_quiet = RuleTest(
    name="1% of API requests fail: no alert",
    series=_requests(errors_per_min=1, ok_per_min=99),
    alerts=[AlertExpectation(at="30m", alertname="OpencodeApiHighErrorRatio")],
)

api_latency_fires = RuleTest(
    name="API requests take 2-5s: p95 latency warning and critical fire",
    series=_latency_buckets("5"),
    alerts=[
        AlertExpectation(
            at="20m",
            alertname="OpencodeApiHighLatencyP95",
            alerts=[
                _api_alert("warning", "1s", "95% of requests to opencode-api took up to 4.85s over the last 5 minutes (threshold {threshold}).", "OpencodeApiHighLatencyP95"),
                _api_alert("critical", "2.5s", "95% of requests to opencode-api took up to 4.85s over the last 5 minutes (threshold {threshold}).", "OpencodeApiHighLatencyP95"),
            ],
        ),
    ],
)

api_latency_quiet = RuleTest(
    name="API requests take under 100ms: no latency alert",
    series=_latency_buckets("0.1"),
    alerts=[AlertExpectation(at="30m", alertname="OpencodeApiHighLatencyP95")],
    exprs=[
        ExprExpectation(
            expr=_P95,
            at="30m",
            samples=[Sample('{job="opencode-api", service="opencode-api"}', 0.0975)],
        )
    ],
)
