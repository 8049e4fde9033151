"""System overview: the API's golden signals (traffic, errors, latency, saturation)."""

from dashboards._common import API, TAG, standard_annotations, standard_links, standard_variables
from obs_as_code.dashboards import kit as k

_SEL = f'{API}, path=~"$path"'
_REQUESTS = "opencode_http_requests_total"
_LATENCY = "opencode_http_request_duration_seconds"


def _error_ratio(by: list[str]) -> str:
    # absent_as_zero: a path that never served a 5xx has no 5xx series; 0 %, not "No data".
    return k.ratio(
        k.rate(_REQUESTS, f'{_SEL}, status=~"5.."', by=by), k.rate(_REQUESTS, _SEL, by=by), absent_as_zero=True
    )


_ratio_thresholds = k.thresholds((None, "green"), (0.01, "orange"), (0.05, "red"))

system_overview = k.dashboard(
    "System overview",
    [
        k.row("Golden signals", [
            k.stat("Request rate", k.prom(k.rate(_REQUESTS, _SEL)), unit=k.REQPS),
            k.stat("Error ratio (5xx)", k.prom(_error_ratio([])), unit=k.PERCENTUNIT, thresholds=_ratio_thresholds),
            k.stat("p95 latency", k.prom(k.quantile(0.95, _LATENCY, _SEL)), unit=k.SECONDS,
                   thresholds=k.thresholds((None, "green"), (0.5, "orange"), (1, "red"))),
            k.stat("Active connections", k.prom("sum(opencode_active_connections)"), unit=k.SHORT),
        ]),
        k.row("Traffic and errors", [
            k.timeseries("Requests by status", k.prom(k.rate(_REQUESTS, _SEL, by=["status"]), "{{status}}"),
                         unit=k.REQPS, width=12, stack=True),
            k.timeseries(
                "Error ratio by path",
                k.prom(_error_ratio(["path"]), "{{path}}"),
                unit=k.PERCENTUNIT, width=12, min=0, thresholds=_ratio_thresholds,
            ),
        ]),
        k.row("Latency", [
            k.timeseries(
                "Request latency p50 / p95 / p99",
                k.prom(k.quantile(0.5, _LATENCY, _SEL), "p50"),
                k.prom(k.quantile(0.95, _LATENCY, _SEL), "p95"),
                k.prom(k.quantile(0.99, _LATENCY, _SEL), "p99"),
                unit=k.SECONDS, width=12,
            ),
            k.timeseries("p95 latency by path", k.prom(k.quantile(0.95, _LATENCY, _SEL, by=["path"]), "{{path}}"),
                         unit=k.SECONDS, width=12),
        ]),
        k.row("Saturation", [
            k.timeseries("API connections", k.prom("sum(opencode_active_connections)", "connections"), unit=k.SHORT),
            k.timeseries("Gateway connections", k.prom("sum by (gateway_id) (gateway_active_connections)", "{{gateway_id}}"),
                         unit=k.SHORT),
            k.timeseries("Targets up by job", k.prom("sum by (job) (up)", "{{job}}"), unit=k.SHORT, min=0),
        ]),
    ],
    description="Request rate, error ratio, latency quantiles and saturation of the opencode API.",
    tags=[TAG, "overview"],
    variables=[
        *standard_variables(),
        k.query_var("path", f"label_values(opencode_http_requests_total{{{API}}}, path)", label="Path",
                    multi=True, include_all=True),
    ],
    annotations=standard_annotations(),
    links=standard_links(),
)
