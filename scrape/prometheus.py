"""Prometheus for the opencode platform: global settings and every scrape job."""

from obs_as_code import AlertmanagerTarget, PrometheusConfig, RelabelConfig, ScrapeJob

config = PrometheusConfig(
    scrape_interval="15s",
    evaluation_interval="15s",
    external_labels={"cluster": "opencode-prod", "environment": "production"},
    alertmanagers=[AlertmanagerTarget(targets=["alertmanager:9093"])],
)

# Drop Go runtime internals we never graph: they are a third of every exporter's series.
_drop_go_internals = RelabelConfig(
    source_labels=["__name__"],
    regex="go_(memstats_.+|gc_duration_seconds.*|sched_.+)",
    action="drop",
)

# Target labels carry only `service`: a `team` target label would collide with the
# `team` label of team_spend_usd/team_budget_usd (Prometheus renames the metric's
# own label to exported_team), and alert ownership comes from rule labels anyway.
jobs = [
    ScrapeJob(
        name="opencode-api",
        targets=["api:3000"],
        metrics_path="/metrics",
        labels={"service": "opencode-api"},
        metric_relabel_configs=[_drop_go_internals],
    ),
    ScrapeJob(name="web-ui", targets=["web:8080"], labels={"service": "web-ui"}),
    ScrapeJob(
        name="llm-gateway",
        targets=["gateway:4000"],
        labels={"service": "llm-gateway"},
        metric_relabel_configs=[_drop_go_internals],
    ),
    ScrapeJob(name="langgraph", targets=["langgraph:8080"], labels={"service": "langgraph"}),
    ScrapeJob(name="valkey", targets=["valkey-exporter:9121"], labels={"service": "valkey"}),
    ScrapeJob(name="falkordb", targets=["falkordb-exporter:9121"], labels={"service": "falkordb"}),
    ScrapeJob(
        name="node-exporter",
        targets=["node-exporter:9100"],
        labels={"service": "node"},
    ),
    ScrapeJob(
        name="cadvisor",
        targets=["cadvisor:8080"],
        labels={"service": "cadvisor"},
        scrape_interval="30s",
        # cAdvisor exports one series per container and cgroup: keep only what
        # the dashboards use.
        metric_relabel_configs=[
            RelabelConfig(
                source_labels=["__name__"],
                regex="container_(cpu_usage_seconds_total|memory_working_set_bytes|network_.+_bytes_total|spec_.+)",
                action="keep",
            )
        ],
    ),
    ScrapeJob(name="prometheus", targets=["localhost:9090"], labels={"service": "prometheus"}),
    ScrapeJob(
        name="alertmanager",
        targets=["alertmanager:9093"],
        labels={"service": "alertmanager"},
    ),
]
