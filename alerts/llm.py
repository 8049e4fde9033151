"""Alerts on LLM calls: latency, provider errors and cost."""

from alerts._lib import runbook
from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, RuleGroup, RuleTest, Series

llm = RuleGroup(
    name="opencode-llm",
    labels={"team": "llm"},
    rules=[
        AlertRule(
            name="OpencodeLLMHighLatencyP95",
            expr=(
                "histogram_quantile(0.95,\n"
                "  sum by (provider, model, le) (rate(opencode_llm_request_duration_seconds_bucket[5m]))\n"
                ")\n> 30"
            ),
            for_="10m",
            labels={"severity": "warning", "service": "llm-gateway"},
            annotations={
                "summary": "LLM p95 latency is high for {{ $labels.provider }}/{{ $labels.model }}",
                "description": (
                    "95% of {{ $labels.model }} requests via {{ $labels.provider }} took up to "
                    "{{ $value | humanizeDuration }} over the last 5 minutes (threshold 30s)."
                ),
                "runbook_url": runbook("llm", "OpencodeLLMHighLatencyP95"),
            },
        ),
        AlertRule(
            name="OpencodeLLMProviderErrorRatio",
            expr=(
                'sum by (provider) (rate(opencode_llm_requests_total{status="error"}[5m]))\n'
                "/\n"
                "sum by (provider) (rate(opencode_llm_requests_total[5m]))\n"
                "> 0.1"
            ),
            for_="10m",
            labels={"severity": "warning", "service": "llm-gateway"},
            annotations={
                "summary": "LLM provider {{ $labels.provider }} is failing requests",
                "description": (
                    "{{ $value | humanizePercentage }} of requests to {{ $labels.provider }} failed "
                    "over the last 5 minutes (threshold 10%)."
                ),
                "runbook_url": runbook("llm", "OpencodeLLMProviderErrorRatio"),
            },
        ),
        AlertRule(
            name="OpencodeLLMCostSpike",
            expr="sum by (provider) (increase(opencode_llm_cost_dollars_total[1h])) > 50",
            for_="5m",
            labels={"severity": "warning", "service": "llm-gateway"},
            annotations={
                "summary": "LLM spend on {{ $labels.provider }} spiked",
                "description": (
                    '{{ $labels.provider }} cost ${{ $value | printf "%.2f" }} over the last hour '
                    "(threshold $50 an hour)."
                ),
                "runbook_url": runbook("cost", "OpencodeLLMCostSpike"),
            },
        ),
    ],
)


# --- unit tests (promtool test rules) -----------------------------------------

_MODEL = 'job="opencode-api", provider="openai", model="gpt-4o"'


def _llm_buckets(le_with_all: str) -> list[Series]:
    bounds = ["0.5", "1", "2", "5", "10", "30", "60", "+Inf"]
    reached = bounds[bounds.index(le_with_all):]
    return [
        Series(f'opencode_llm_request_duration_seconds_bucket{{{_MODEL}, le="{le}"}}', "0+10x40" if le in reached else "0x40")
        for le in bounds
    ]


def _llm_alert(labels: dict[str, str], summary: str, description: str, page: str, name: str) -> ExpectedAlert:
    return ExpectedAlert(
        labels={**labels, "service": "llm-gateway", "severity": "warning", "team": "llm"},
        annotations={"summary": summary, "description": description, "runbook_url": runbook(page, name)},
    )


llm_latency_fires = RuleTest(
    name="LLM calls take 30-60s: p95 latency fires",
    series=_llm_buckets("60"),
    alerts=[
        AlertExpectation(at="5m", alertname="OpencodeLLMHighLatencyP95"),
        AlertExpectation(
            at="20m",
            alertname="OpencodeLLMHighLatencyP95",
            alerts=[
                _llm_alert(
                    {"model": "gpt-4o", "provider": "openai"},
                    "LLM p95 latency is high for openai/gpt-4o",
                    "95% of gpt-4o requests via openai took up to 58.5s over the last 5 minutes (threshold 30s).",
                    "llm",
                    "OpencodeLLMHighLatencyP95",
                )
            ],
        ),
    ],
)

llm_latency_quiet = RuleTest(
    name="LLM calls take 5-10s: no latency alert",
    series=_llm_buckets("10"),
    alerts=[AlertExpectation(at="30m", alertname="OpencodeLLMHighLatencyP95")],
)


def _llm_requests(errors: int, ok: int) -> list[Series]:
    return [
        Series(f'opencode_llm_requests_total{{{_MODEL}, status="error"}}', f"0+{errors}x40"),
        Series(f'opencode_llm_requests_total{{{_MODEL}, status="ok"}}', f"0+{ok}x40"),
    ]


llm_errors_fire = RuleTest(
    name="20% of openai calls fail: provider error ratio fires",
    series=_llm_requests(2, 8),
    alerts=[
        AlertExpectation(
            at="20m",
            alertname="OpencodeLLMProviderErrorRatio",
            alerts=[
                _llm_alert(
                    {"provider": "openai"},
                    "LLM provider openai is failing requests",
                    "20% of requests to openai failed over the last 5 minutes (threshold 10%).",
                    "llm",
                    "OpencodeLLMProviderErrorRatio",
                )
            ],
        ),
    ],
)

llm_errors_quiet = RuleTest(
    name="5% of openai calls fail: no provider alert",
    series=_llm_requests(1, 19),
    alerts=[AlertExpectation(at="30m", alertname="OpencodeLLMProviderErrorRatio")],
)

llm_cost_spike_fires = RuleTest(
    name="openai costs $2 a minute: cost spike fires",
    series=[Series(f"opencode_llm_cost_dollars_total{{{_MODEL}}}", "0+2x90")],
    alerts=[
        AlertExpectation(at="20m", alertname="OpencodeLLMCostSpike"),
        AlertExpectation(
            at="70m",
            alertname="OpencodeLLMCostSpike",
            alerts=[
                _llm_alert(
                    {"provider": "openai"},
                    "LLM spend on openai spiked",
                    "openai cost $120.00 over the last hour (threshold $50 an hour).",
                    "cost",
                    "OpencodeLLMCostSpike",
                )
            ],
        ),
    ],
)

llm_cost_spike_quiet = RuleTest(
    name="openai costs $0.50 a minute: no cost alert",
    series=[Series(f"opencode_llm_cost_dollars_total{{{_MODEL}}}", "0+0.5x90")],
    alerts=[AlertExpectation(at="80m", alertname="OpencodeLLMCostSpike")],
)
