"""A project seeded with dashboard (and some rule) mistakes, written by tests that
check the lint's findings on it stay exactly the same (see test_seeded.py)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

FILES: dict[str, str] = {
    "datasources/main.py": '''
        from obs_as_code import Datasource

        prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True)
        loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki")
    ''',
    "catalog/metrics.py": '''
        from obs_as_code import Metric, MetricsCatalog

        catalog = MetricsCatalog(
            name="seeded",
            metrics=[
                Metric("http_requests_total", "counter", ["method", "path", "status"], unit="requests", jobs=["api"]),
                Metric("http_request_duration_seconds", "histogram", ["method", "path"], unit="seconds", buckets=(0.1, 0.5, 1), jobs=["api"]),
                Metric("queue_depth", "gauge", ["queue"], jobs=["worker"]),
                Metric("worker_jobs_total", "counter", ["queue", "result"], jobs=["worker"]),
                Metric("up", "gauge", [], unit="bool"),
            ],
        )
    ''',
    "scrape/prometheus.py": '''
        from obs_as_code import PrometheusConfig, ScrapeJob

        config = PrometheusConfig(scrape_interval="30s", evaluation_interval="30s")
        jobs = [
            ScrapeJob(name="api", targets=["api:80"], labels={"service": "api"}),
            ScrapeJob(name="worker", targets=["worker:80"], scrape_interval="1m", labels={"service": "worker"}),
        ]
    ''',
    "alerts/rules.py": '''
        from obs_as_code import AlertRule, RecordingRule, RuleGroup

        group = RuleGroup(
            name="seeded",
            rules=[
                RecordingRule(name="job:http_requests:rate5m", expr="sum by (job) (rate(http_requests_total[5m]))"),
                AlertRule(
                    name="ApiErrors",
                    expr='sum(rate(http_requests_total{status=~"5.."}[1m])) > 0.05',
                    for_="5m",
                    labels={"severity": "page"},
                    annotations={"summary": "5xx ratio too high"},
                ),
                AlertRule(name="QueueRaw", expr="worker_jobs_total > 10", labels={"severity": "warning"}),
                AlertRule(name="QueueGauge", expr="rate(queue_depth[5m]) > 1", for_="10m", labels={"severity": "critical"}),
                AlertRule(name="UsesMissing", expr="job:missing:rate5m > 1", for_="1m", labels={"severity": "info"}),
            ],
        )
    ''',
    "dashboards/kit_bad.py": '''
        from obs_as_code.dashboards import kit as k

        _SVC = 'service="api"'

        board = k.dashboard(
            "Kit mistakes",
            [
                k.row("Traffic", [
                    k.timeseries("Requests", k.prom('rate(http_requests_total{service="a"}[$__rate_interval])'), unit=k.REQPS),
                    k.timeseries("Requests", k.prom('rate(http_requests_total{service="b"}[$__rate_interval])'), unit=k.REQPS),
                    k.timeseries("Broken", k.prom("sum(rate(http_requests_total[5m])"), unit=k.SHORT),
                    k.timeseries("Broken too", k.prom("sum by (path) (rate(http_requests_total{path=~\\"(\\"}[5m]))"), unit=k.SHORT),
                ]),
                k.row("Latency", [
                    k.timeseries("p95 latency", k.prom("histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[$__rate_interval])))")),
                    k.timeseries("Mean duration", k.prom("sum(rate(http_request_duration_seconds_sum[5m])) / sum(rate(http_request_duration_seconds_count[5m]))"), unit=k.SHORT),
                    k.timeseries("Quantile over count", k.prom("histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_count[5m])))"), unit=k.SECONDS),
                    k.timeseries("Share fast", k.prom('sum(rate(http_request_duration_seconds_bucket{le="0.5"}[5m])) / sum(rate(http_request_duration_seconds_count[5m]))'), unit=k.PERCENTUNIT),
                ]),
                k.row("Types", [
                    k.timeseries("Gauge rate", k.prom("sum(rate(queue_depth[5m]))"), unit=k.SHORT),
                    k.timeseries("Rate of sum", k.prom("rate(sum(worker_jobs_total)[5m:])"), unit=k.SHORT),
                    k.timeseries("Short window", k.prom('sum(rate(worker_jobs_total{job="worker"}[1m]))'), unit=k.SHORT),
                    k.timeseries("Unknown metric", k.prom("sum(rate(http_requets_total[5m]))"), unit=k.SHORT),
                    k.timeseries("Unknown label", k.prom('sum by (pod) (rate(http_requests_total{svc="x"}[5m]))'), unit=k.SHORT),
                    k.timeseries("Raw counter", k.prom("sum(worker_jobs_total)"), unit=k.SHORT),
                    k.timeseries("Missing record", k.prom("sum(job:missing:rate5m)"), unit=k.SHORT),
                    k.timeseries("Defined record", k.prom("sum(job:http_requests:rate5m)"), unit=k.SHORT),
                ]),
                k.row("Variables", [
                    k.timeseries("Cluster", k.prom('sum by (path) (rate(http_requests_total{cluster="$cluster", path=~"$path"}[$__rate_interval]))'), unit=k.REQPS),
                    k.timeseries("Offset", k.prom("sum(rate(http_requests_total[5m] offset $shift))"), unit=k.REQPS),
                    k.timeseries("Group", k.prom("sum by ($group) (rate(http_requests_total[$window]))"), unit=k.REQPS),
                    k.timeseries("Brackets", k.prom("sum(rate(http_requests_total{path=~\\"[[path]]\\"}[[[window]]]))"), unit=k.REQPS),
                    k.timeseries("Elsewhere", k.prom("topk($n, sum by (path) (rate(http_requests_total[5m])))"), unit=k.REQPS),
                    k.timeseries("Odd ds", k.prom("sum(up)", datasource=k.ds("prometheus", "nope")), unit=k.SHORT),
                ]),
            ],
            variables=[
                k.datasource_var(),
                k.query_var("path", "label_values(http_requests_total, path)"),
                k.custom_var("unused", ["a", "b"]),
                k.interval_var("window"),
            ],
        )
    ''',
    "dashboards/dict_bad.py": '''
        board = {
            "title": "Dict mistakes",
            "schemaVersion": 41,
            "templating": {"list": [
                {"name": "logs", "type": "datasource", "query": "loki"},
                {"name": "prom", "type": "datasource", "query": "prometheus"},
                {"name": "off", "type": "custom", "query": "1h,1d"},
            ]},
            "panels": [
                {"id": 1, "type": "timeseries", "title": "A", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                 "datasource": {"type": "prometheus", "uid": "prometheus"},
                 "targets": [{"expr": "rate(http_requests_total[5m])", "refId": "A"},
                             {"expr": "sum(rate(http_requests_total[5m]) offset $off)", "refId": "B"},
                             {"expr": "sum(rate(http_requests_total[5m]", "refId": "C", "hide": True}]},
                {"id": 2, "type": "timeseries", "title": "B", "gridPos": {"h": 8, "w": 12, "x": 6, "y": 4},
                 "datasource": {"type": "prometheus", "uid": "$prom"},
                 "targets": [{"expr": "rate(worker_jobs_total[5m])", "refId": "A"}]},
                {"id": 2, "type": "stat", "title": "Wide", "gridPos": {"h": 4, "w": 12, "x": 18, "y": 20},
                 "datasource": {"type": "prometheus", "uid": "ghost"},
                 "targets": [{"expr": "sum(up)", "refId": "A"}]},
                {"id": 4, "type": "logs", "title": "Logs", "gridPos": {"h": 8, "w": 24, "x": 0, "y": 30},
                 "datasource": {"uid": "$logs"},
                 "targets": [{"expr": "{app=\\"api\\"} |= \\"error\\" | rate(x[5m])", "refId": "A"}]},
                {"id": 5, "type": "logs", "title": "Loki direct", "gridPos": {"h": 8, "w": 24, "x": 0, "y": 38},
                 "datasource": {"type": "loki", "uid": "loki"},
                 "targets": [{"expr": "sum(count_over_time({app=\\"x\\"}[5m]))", "refId": "A"}]},
                {"id": 6, "type": "timeseries", "title": "No ds", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 46},
                 "targets": [{"expr": "irate(http_requests_total[5m])", "refId": "A"},
                             {"expr": "", "refId": "B"},
                             {"expr": "sum(irate(http_requests_total[5m]))", "refId": "C", "datasource": {"type": "datasource", "uid": "grafana"}}]},
                {"id": 7, "type": "row", "title": "Collapsed", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 54},
                 "panels": [
                     {"id": 8, "type": "timeseries", "title": "Inner", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 55},
                      "targets": [{"expr": "increase(http_requests_total[1h])", "refId": "A"}]},
                     {"id": 9, "type": "timeseries", "title": "Inner", "gridPos": {"h": 8, "w": 12, "x": 6, "y": 55},
                      "repeat": "region",
                      "targets": [{"expr": "sum(rate(http_requests_total{region=\\"$region\\"}[5m]))", "refId": "A"}]},
                 ]},
                {"id": 10, "type": "timeseries", "title": "Latency ms", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 63},
                 "fieldConfig": {"defaults": {"unit": "short"}},
                 "targets": [{"expr": "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_milliseconds_bucket[5m])))", "refId": "A"}]},
            ],
        }
    ''',
    "dashboards/rows_legacy.py": '''
        board = {
            "title": "Legacy rows",
            "rows": [
                {"title": "First", "panels": [
                    {"id": 1, "type": "graph", "title": "Old rate", "span": 6,
                     "targets": [{"expr": "rate(http_requests_total[5m])", "refId": "A"}]},
                    {"id": 2, "type": "graph", "title": "Old rate", "span": 6,
                     "targets": [{"expr": "sum(rate(http_requests_total[5m]))", "refId": "A"}]},
                ]},
            ],
        }
    ''',
    "dashboards/gl_bad.py": '''
        import grafanalib.core as gl

        board = gl.Dashboard(
            title="grafanalib mistakes",
            panels=[
                gl.TimeSeries(title="Up", dataSource="prometheus", targets=[gl.Target(expr="rate(http_requests_total[5m])")],
                              gridPos=gl.GridPos(h=8, w=12, x=0, y=0)),
                gl.TimeSeries(title="Up", dataSource="prometheus", targets=[gl.Target(expr="sum(rate(http_requests_total[5m]))")],
                              gridPos=gl.GridPos(h=8, w=12, x=4, y=2)),
                gl.TimeSeries(title="Latency", dataSource="prometheus",
                              targets=[gl.Target(expr="histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))")],
                              gridPos=gl.GridPos(h=8, w=12, x=12, y=0)),
            ],
        ).auto_panel_ids()
    ''',
    "dashboards/shapes.py": '''
        from obs_as_code.dashboards import kit as k

        # Queries that differ only in matcher values share one tree: findings must
        # still come per query, each at its own panel.
        boards = [
            k.dashboard(
                f"Shapes {n}",
                [
                    k.timeseries(f"Service {s}", k.prom(f'rate(http_requests_total{{service="s{n}{s}"}}[$__rate_interval])'), unit=k.REQPS)
                    for s in range(3)
                ]
                + [k.timeseries("Fine", k.prom(f'sum(rate(http_requests_total{{service="s{n}"}}[$__rate_interval]))'), unit=k.REQPS)],
                uid=f"shapes-{n}",
            )
            for n in range(2)
        ]
    ''',
}

#: A dashboard file linted as a path (``oac lint PATH``), outside the project.
EXTERNAL = {
    "title": "External",
    "panels": [
        {"id": 1, "type": "timeseries", "title": "Ext rate",
         "targets": [{"expr": "rate(http_requests_total[5m])", "refId": "A"},
                     {"expr": "sum(rate(queue_depth[$__rate_interval]))", "refId": "B"},
                     {"expr": "sum(rate(http_requests_total[5m])", "refId": "C"}]},
        {"id": 2, "type": "row", "title": "R", "panels": [
            {"id": 3, "type": "timeseries", "title": "Nested", "datasource": "Loki",
             "targets": [{"expr": "rate({app=\"x\"}[5m])", "refId": "A"}]},
            {"id": 4, "type": "timeseries", "title": "Nested prom", "datasource": {"type": "prometheus"},
             "targets": [{"expr": "histogram_quantile(0.9, rate(http_request_duration_seconds_bucket[5m]))", "refId": "A"}]},
        ]},
    ],
}


def write(root: Path) -> Path:
    """Write the seeded project under ``root`` (and ``external/board.json``)."""
    for rel, text in FILES.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    ext = root / "external" / "board.json"
    ext.parent.mkdir(parents=True, exist_ok=True)
    ext.write_text(json.dumps(EXTERNAL, indent=2) + "\n", encoding="utf-8")
    return root
