"""Log explorer: Loki log panels beside the API's request metrics."""

from grafana_foundation_sdk.builders import dashboard as sdk

from dashboards._common import TAG, standard_annotations, standard_links, standard_variables
from obs_as_code.dashboards import kit as k

_STREAM = '{job=~"$job"}'

log_explorer = k.dashboard(
    "Log explorer",
    [
        k.row("Volume", [
            k.timeseries("Log lines by job",
                         k.loki(f'sum by (job) (count_over_time({_STREAM} |= "$search" [$__auto]))', "{{job}}"),
                         unit=k.SHORT, width=12, stack=True),
            k.timeseries("Error lines by job",
                         k.loki(f'sum by (job) (count_over_time({_STREAM} |~ "(?i)(error|panic|fatal)" [$__auto]))',
                                "{{job}}"),
                         unit=k.SHORT, width=12),
            k.timeseries("API requests by status",
                         k.prom(k.rate("opencode_http_requests_total", 'job="opencode-api"', by=["status"]), "{{status}}"),
                         unit=k.REQPS, width=24, height=6),
        ]),
        k.row("Logs", [
            k.logs("Errors", k.loki(f'{_STREAM} |~ "(?i)(error|panic|fatal)"', max_lines=500), height=10),
            k.logs("All logs", k.loki(f'{_STREAM} |= "$search"', max_lines=1000), height=14),
        ]),
    ],
    description="Logs from Loki next to the request metrics they explain.",
    tags=[TAG, "logs"],
    variables=[
        *standard_variables(),
        k.custom_var("job", ["opencode-api", "llm-gateway", "langgraph", "web-ui"], label="Job", multi=True, include_all=True),
        sdk.TextBoxVariable("search").label("Search"),
    ],
    annotations=standard_annotations(),
    links=standard_links(),
    time_from="now-1h",
)
