"""LLM performance: latency by model, tokens a second, errors by provider."""

from dashboards._common import TAG, standard_annotations, standard_links, standard_variables
from obs_as_code.dashboards import kit as k

_SEL = 'provider=~"$provider", model=~"$model"'
_REQUESTS = "opencode_llm_requests_total"
# Error ratios: absent_as_zero, a provider that never failed has no error series (0 %, not "No data").
_LATENCY = "opencode_llm_request_duration_seconds"
_TOKENS_TOTAL = "opencode_llm_tokens_total"

llm_performance = k.dashboard(
    "LLM performance",
    [
        k.row("Summary", [
            k.stat("LLM requests", k.prom(k.rate(_REQUESTS, _SEL)), unit=k.REQPS),
            k.stat("Error ratio", k.prom(k.ratio(k.rate(_REQUESTS, f'{_SEL}, status="error"'), k.rate(_REQUESTS, _SEL), absent_as_zero=True)),
                   unit=k.PERCENTUNIT, thresholds=k.thresholds((None, "green"), (0.01, "orange"), (0.1, "red"))),
            k.stat("p95 latency", k.prom(k.quantile(0.95, _LATENCY, _SEL)), unit=k.SECONDS,
                   thresholds=k.thresholds((None, "green"), (10, "orange"), (30, "red"))),
            k.stat("Tokens per second", k.prom(k.rate(_TOKENS_TOTAL, _SEL)), unit=k.SHORT),
        ]),
        k.row("Latency", [
            k.timeseries("p95 latency by model", k.prom(k.quantile(0.95, _LATENCY, _SEL, by=["provider", "model"]),
                                                        "{{provider}}/{{model}}"), unit=k.SECONDS, width=12),
            k.timeseries("p50 latency by model", k.prom(k.quantile(0.5, _LATENCY, _SEL, by=["provider", "model"]),
                                                        "{{provider}}/{{model}}"), unit=k.SECONDS, width=12),
        ]),
        k.row("Throughput", [
            k.timeseries("Tokens per second by model", k.prom(k.rate(_TOKENS_TOTAL, _SEL, by=["model", "type"]),
                                                              "{{model}} {{type}}"), unit=k.SHORT, width=12, stack=True),
            k.timeseries("Requests by model", k.prom(k.rate(_REQUESTS, _SEL, by=["model"]), "{{model}}"),
                         unit=k.REQPS, width=12),
        ]),
        k.row("Errors", [
            k.timeseries("Errors by provider", k.prom(k.rate(_REQUESTS, f'{_SEL}, status="error"', by=["provider"]),
                                                      "{{provider}}"), unit=k.REQPS, width=12),
            k.timeseries(
                "Error ratio by provider",
                k.prom(k.ratio(k.rate(_REQUESTS, f'{_SEL}, status="error"', by=["provider"]),
                               k.rate(_REQUESTS, _SEL, by=["provider"]), absent_as_zero=True), "{{provider}}"),
                unit=k.PERCENTUNIT, width=12, min=0,
            ),
            k.timeseries("Gateway requests by status", k.prom(k.rate("gateway_requests_total", by=["status"]), "{{status}}"),
                         unit=k.REQPS, width=24),
        ]),
    ],
    description="Latency, throughput and errors of the LLM providers behind opencode.",
    tags=[TAG, "llm"],
    variables=[
        *standard_variables(),
        k.query_var("provider", f"label_values({_REQUESTS}, provider)", label="Provider", multi=True, include_all=True),
        k.query_var("model", f'label_values({_REQUESTS}{{provider=~"$provider"}}, model)', label="Model",
                    multi=True, include_all=True),
    ],
    annotations=standard_annotations(),
    links=standard_links(),
)
