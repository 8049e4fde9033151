"""Alerts on LLM calls: latency, provider errors and cost."""

from alerts._lib import runbook
from obs_as_code import AlertRule, RuleGroup

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
