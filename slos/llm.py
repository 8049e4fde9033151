"""SLO of the requests the opencode API sends to LLM providers."""

from alerts._lib import runbook
from obs_as_code.slo import SLO, Alerting, RatioSLI
from obs_as_code.slo.testing import burn_rate_tests

success = SLO(
    service="opencode-llm",
    name="success",
    objective=99,
    period="30d",
    description="LLM provider requests that succeed.",
    labels={"team": "llm", "service": "opencode-api"},
    sli=RatioSLI(
        errors='opencode_llm_requests_total{job="opencode-api", status="error"}',
        total='opencode_llm_requests_total{job="opencode-api"}',
    ),
    alerting=Alerting(
        name="OpencodeLlmSuccessBudgetBurn",
        annotations={"runbook_url": runbook("slo", "OpencodeLlmSuccessBudgetBurn")},
    ),
)

success_tests = burn_rate_tests(
    success,
    bad='opencode_llm_requests_total{job="opencode-api", provider="anthropic", status="error"}',
    good='opencode_llm_requests_total{job="opencode-api", provider="anthropic", status="success"}',
)
