"""The catalog of the fixture project."""

from obs_as_code import Metric, MetricsCatalog

app = MetricsCatalog(
    name="app",
    metrics=[
        Metric("app_requests_total", "counter", ["method", "status"], unit="requests", jobs=["app"]),
        Metric("app_request_duration_seconds", "histogram", ["method"], unit="seconds", buckets=(0.1, 0.5, 1), jobs=["app"]),
        Metric("app_queue_depth", "gauge", ["queue"], jobs=["worker"]),
        Metric("app_team_spend_dollars", "gauge", ["team"], unit="dollars", jobs=["app"]),
    ],
)
