"""The OAC3xx dashboard checks, each with failing and passing cases and a snapshot
of its exact diagnostics (golden/lint/OAC3xx.txt; OAC_UPDATE_GOLDEN=1 to accept)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from dash_support import assert_golden

from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"

CASES: dict[str, tuple[str, str]] = {
    "OAC301": (
        HEAD + '''board = k.dashboard("Rates", [
    k.timeseries("Requests", k.prom('rate(opencode_http_requests_total[$__rate_interval])'), unit=k.REQPS),
    k.timeseries("p95", k.prom("histogram_quantile(0.95, rate(x_seconds_bucket[5m]))"), unit=k.SECONDS),
    k.timeseries("Increase", k.prom("increase(x_total[1h]) > 3"), unit=k.SHORT),
], variables=[k.datasource_var()])
''',
        HEAD + '''board = k.dashboard("Rates", [
    k.timeseries("Requests", k.prom(k.rate("opencode_http_requests_total", by=["status"])), unit=k.REQPS),
    k.timeseries("p95", k.prom(k.quantile(0.95, "x_seconds")), unit=k.SECONDS),
    k.timeseries("Top", k.prom("topk(5, rate(x_total[5m]))"), unit=k.SHORT),
], variables=[k.datasource_var()])
''',
    ),
    "OAC302": (
        HEAD + '''board = k.dashboard("Syntax", [
    k.timeseries("Broken", k.prom("sum(rate(x_total[5m])"), unit=k.SHORT),
], variables=[k.datasource_var()])
''',
        HEAD + '''board = k.dashboard("Syntax", [
    k.timeseries("Fine", k.prom('sum by (job) (rate(x_total{job=~"$job"}[$__rate_interval]))'), unit=k.SHORT),
], variables=[k.datasource_var(), k.query_var("job", "label_values(up, job)")])
''',
    ),
    "OAC303": (
        '''board = {"title": "Dups", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}},
    {"id": 1, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0}},
    {"id": 2, "type": "row", "title": "Below", "collapsed": False, "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0, "y": 4}},
    {"id": 3, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 5}},
]}
''',
        '''board = {"title": "Dups", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}},
    {"id": 2, "type": "row", "title": "Below", "collapsed": False, "panels": [], "gridPos": {"h": 1, "w": 24, "x": 0, "y": 4}},
    {"id": 3, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 5}},
]}
''',
    ),
    "OAC304": (
        '''board = {"title": "Grid", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "A", "gridPos": {"h": 4, "w": 12, "x": 0, "y": 0}},
    {"id": 2, "type": "stat", "title": "B", "gridPos": {"h": 4, "w": 12, "x": 6, "y": 2}},
    {"id": 3, "type": "stat", "title": "C", "gridPos": {"h": 4, "w": 12, "x": 18, "y": 10}},
]}
''',
        '''board = {"title": "Grid", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "A", "gridPos": {"h": 4, "w": 12, "x": 0, "y": 0}},
    {"id": 2, "type": "stat", "title": "B", "gridPos": {"h": 4, "w": 12, "x": 12, "y": 0}},
    {"id": 3, "type": "row", "title": "R", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 4},
     "panels": [{"id": 4, "type": "stat", "title": "C", "gridPos": {"h": 4, "w": 12, "x": 0, "y": 5}}]},
    {"id": 5, "type": "stat", "title": "D", "gridPos": {"h": 4, "w": 12, "x": 0, "y": 5}},
]}
''',
    ),
    "OAC305": (
        HEAD + '''board = k.dashboard("Latency", [
    k.timeseries("p95", k.prom(k.quantile(0.95, "x_seconds"))),
    k.timeseries("Mean latency", k.prom("sum(rate(x_seconds_sum[5m])) / sum(rate(x_seconds_count[5m]))"), unit=k.SHORT),
], variables=[k.datasource_var()])
''',
        HEAD + '''board = k.dashboard("Latency", [
    k.timeseries("p95", k.prom(k.quantile(0.95, "x_seconds")), unit=k.SECONDS),
    k.timeseries("Latency SLO: share under 500 ms", k.prom(
        k.ratio(k.rate("x_seconds_bucket", 'le="0.5"'), k.rate("x_seconds_count"))), unit=k.PERCENTUNIT),
], variables=[k.datasource_var()])
''',
    ),
    "OAC306": (
        HEAD + '''board = k.dashboard("Vars", [
    k.timeseries("Up", k.prom('sum(up{job=~"$job", instance=~"${instance:regex}"})'), unit=k.SHORT),
], variables=[k.datasource_var(), k.query_var("job", "label_values(up, job)"), k.interval_var("window")])
''',
        HEAD + '''board = k.dashboard("Vars", [
    k.timeseries("Up", k.prom('sum(up{job=~"$job"}) * $__range_s'), unit=k.SHORT),
    k.timeseries("Window", k.prom('sum(increase(x_total[$window]))'), unit=k.SHORT),
], variables=[k.datasource_var(), k.query_var("job", "label_values(up, job)"), k.interval_var("window")])
''',
    ),
    "OAC307": (
        HEAD + '''board = k.dashboard("Sources", [
    k.timeseries("Up", k.prom("sum(up)", datasource=k.ds("prometheus", "thanos")), unit=k.SHORT),
    k.logs("Logs", k.loki('{job="x"}', datasource=k.ds("loki", "${logs}"))),
], variables=[k.datasource_var()])
''',
        HEAD + '''board = k.dashboard("Sources", [
    k.timeseries("Up", k.prom("sum(up)", datasource=k.ds("prometheus", "prometheus")), unit=k.SHORT),
    k.logs("Logs", k.loki('{job="x"}', datasource=k.ds("loki", "${logs}"))),
], variables=[k.datasource_var("logs", "loki")])
''',
    ),
    "OAC314": (
        HEAD + '''board = k.dashboard("Paths", [
    k.timeseries("One path", k.prom('sum(rate(x_total{path="$path"}[5m]))'), unit=k.REQPS),
    k.logs("Logs", k.loki('{job="api", path!="$path"} |= "error"')),
    k.row("Per path", [k.stat("Path $path", k.prom(k.rate("x_total", 'path="$path"')))]),
], variables=[k.datasource_var(), k.query_var("path", "label_values(x_total, path)", multi=True)])
''',
        HEAD + '''board = k.dashboard("Paths", [
    k.timeseries("Paths", k.prom('sum(rate(x_total{path=~"$path"}[5m]))'), unit=k.REQPS),
    k.logs("Logs", k.loki('{job="api", path!~"$path"} |= "error"')),
    k.stat("Path $path", k.prom(k.rate("x_total", 'path="$path"'))).repeat("path"),
    k.row("Per path", [k.stat("Path $path", k.prom(k.rate("x_total", 'path="$path"')))], repeat="path"),
], variables=[k.datasource_var(), k.query_var("path", "label_values(x_total, path)", multi=True)])
''',
    ),
    "OAC315": (
        HEAD + '''board = k.dashboard("Legends", [
    k.timeseries("By status", k.prom(k.rate("x_total", by=["path"]), "{{status}}"), unit=k.REQPS),
    k.timeseries("p95 by path", k.prom(k.quantile(0.95, "x_seconds", by=["path"]), "{{ path }} {{le}}"), unit=k.SECONDS),
], variables=[k.datasource_var()])
''',
        HEAD + '''board = k.dashboard("Legends", [
    k.timeseries("By status", k.prom(k.rate("x_total", by=["path", "status"]), "{{path}} {{status}}"), unit=k.REQPS),
    k.timeseries("p95 by path", k.prom(k.quantile(0.95, "x_seconds", by=["path"]), "{{ path }}"), unit=k.SECONDS),
    k.timeseries("Raw", k.prom("sum without (instance) (rate(x_total[5m]))", "{{status}} {{__name__}}"), unit=k.REQPS),
], variables=[k.datasource_var()])
''',
    ),
    "OAC316": (
        HEAD + '''errors = k.rate("x_total", 'code=~"5.."')
board = k.dashboard("Units", [
    k.stat("Error ratio", k.prom(k.ratio(errors, k.rate("x_total"), absent_as_zero=True)), unit=k.PERCENT),
    k.stat("Availability", k.prom("1 - sum(rate(x_total{code=~'5..'}[5m])) / sum(rate(x_total[5m]))"), unit="percent"),
], variables=[k.datasource_var()])
''',
        HEAD + '''errors = k.rate("x_total", 'code=~"5.."')
board = k.dashboard("Units", [
    k.stat("Error ratio", k.prom(k.ratio(errors, k.rate("x_total"), absent_as_zero=True)), unit=k.PERCENTUNIT),
    k.stat("A in %", k.prom("100 * sum(rate(a_total[5m])) / sum(rate(b_total[5m]))"), unit=k.PERCENT),
    k.stat("A over B", k.prom("sum(rate(a_total[5m])) / sum(rate(b_total[5m]))"), unit=k.PERCENT),
], variables=[k.datasource_var()])
''',
    ),
    "OAC317": (
        HEAD + '''board = k.dashboard("Windows", [
    k.timeseries("Requests", k.prom("sum(rate(x_total[$__interval]))"), unit=k.REQPS),
    k.timeseries("Errors", k.prom(k.increase("x_total", 'code=~"5.."', window="${__interval}")), unit=k.SHORT),
], variables=[k.datasource_var()])
''',
        HEAD + '''board = k.dashboard("Windows", [
    k.timeseries("Requests", k.prom("sum(rate(x_total[$__rate_interval]))"), unit=k.REQPS),
    k.timeseries("Mean", k.prom("avg(avg_over_time(x_gauge[$__interval]))"), unit=k.SHORT),
], variables=[k.datasource_var()])
''',
    ),
    "OAC318": (
        HEAD + '''board = k.dashboard("Logs", [
    k.logs("Logs", k.loki('{job=~"$service"} |= "error"')),
    k.timeseries("Lines", k.loki('sum(count_over_time({job=~"$service", level!="debug"}[5m]))'), unit=k.SHORT),
], variables=[k.datasource_var(), k.query_var("service", "label_values(up, job)", include_all=True)])
''',
        HEAD + '''board = k.dashboard("Logs", [
    k.logs("Logs", k.loki('{job=~"$service"} |= "error"')),
    k.logs("Also", k.loki('{job=~"$job", namespace="prod"}')),
    k.logs("Custom", k.loki('{job=~"$app"}')),
], variables=[k.datasource_var(), k.query_var("service", "label_values(up, job)", include_all=True, all_value=".+"),
              k.query_var("job", "label_values(up, job)", include_all=True),
              k.custom_var("app", ["api", "web"], include_all=True)])
''',
    ),
    "OAC320": (
        HEAD + '''board = k.dashboard("Logs", [
    k.logs("Timeouts", k.loki('{job="api"} |~ "time(?=out)" | regexp "(\\\\d+) ms"')),
    k.logs("Named", k.loki('{job=~"(?<svc>api|web)"} | json | status=~"5{1001}"')),
    k.logs("Plain", k.loki('{job="api"} | regexp `(\\\\d+) ms`')),
])
''',
        HEAD + '''board = k.dashboard("Logs", [
    k.logs("Timeouts", k.loki('{job="api"} |~ "timeout" | regexp `(?P<ms>\\\\d+) ms`')),
    k.logs("Named", k.loki('{job=~"(?P<svc>api|web)"} | json | status=~"5.." != "healthz"')),
    k.logs("Variable", k.loki('{job=~"$service"} |~ "(?<x>$pattern"')),
], variables=[k.custom_var("service", ["api", "web"]), k.custom_var("pattern", ["a)"])])
''',
    ),
    "OAC321": (
        HEAD + '''board = k.dashboard("Logs", [
    k.logs("Errors", k.loki('{job="api"} |= ')),
    k.timeseries("Rate", k.loki('sum(rate({job="api"}[5m]) by (level)'), unit=k.SHORT),
    k.logs("Status", k.loki('{job="api"} | json | status >= "500"')),
    k.timeseries("Sum", k.loki('sum_over_time({job="api"} | json [5m])'), unit=k.SHORT),
    k.logs("Lines", k.loki('{job="api"} | json | line_format "{{ .msg | tolower }}"')),
    k.logs("Levels", k.loki('{job="api"} | logfmt | label_format level=`{{ .level | upper `')),
])
''',
        HEAD + '''board = k.dashboard("Logs", [
    k.logs("Errors", k.loki('{job="api"} |= "error"')),
    k.timeseries("Rate", k.loki('sum(rate({job="api"}[$__auto])) by (level)'), unit=k.SHORT),
    k.logs("Status", k.loki('{job=~"$service"} | json | status >= 500 | line_format "{{.msg}}"')),
    k.timeseries("Sum", k.loki('sum by ($by) (sum_over_time({job="api"} | json | unwrap bytes [5m]))'), unit=k.SHORT),
    k.logs("Lines", k.loki('{job="api"} | json | line_format "{{ .msg | ToLower }}"')),
    k.logs("Levels", k.loki('{job="api"} | logfmt | label_format level=`{{ .level | upper }}`')),
], variables=[k.custom_var("service", ["api", "web"]), k.custom_var("by", ["pod", "node"])])
''',
    ),
    "OAC311": (
        HEAD + '''errors = k.rate("http_requests_total", 'job="api", status=~"5.."', by=["path"])
total = k.rate("http_requests_total", 'job="api"', by=["path"])
board = k.dashboard("Ratios", [
    k.timeseries("Error ratio by path", k.prom(k.ratio(errors, total)), unit=k.PERCENTUNIT),
    k.stat("Availability", k.prom('1 - (sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])))'),
           unit=k.PERCENTUNIT),
], variables=[k.datasource_var()])
''',
        HEAD + '''errors = k.rate("http_requests_total", 'job="api", status=~"5.."', by=["path"])
total = k.rate("http_requests_total", 'job="api"', by=["path"])
board = k.dashboard("Ratios", [
    k.timeseries("Error ratio by path", k.prom(k.ratio(errors, total, absent_as_zero=True)), unit=k.PERCENTUNIT),
    k.stat("Cost per token", k.prom(k.ratio(k.rate("llm_cost_dollars_total"), k.rate("llm_tokens_total"))), unit=k.USD),
    k.stat("Share under 500 ms", k.prom(k.ratio(k.rate("x_seconds_bucket", 'le="0.5"'), k.rate("x_seconds_count"))),
           unit=k.PERCENTUNIT),
], variables=[k.datasource_var()])
''',
    ),
}


def _findings(compiled: Compiled, code: str) -> list[str]:
    out = []
    for d in compiled.diagnostics:
        if d.code == code:
            out.append(str(d) + (f"\n    hint: {d.hint}" if d.hint else ""))
    return out


@pytest.mark.parametrize("code", sorted(CASES))
def test_bad_case_is_reported(code: str, project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": CASES[code][0]}, style=True)
    found = _findings(compiled, code)
    assert found, f"{code} found nothing"
    assert_golden(f"lint/{code}.txt", "\n".join(found) + "\n")


@pytest.mark.parametrize("code", sorted(CASES))
def test_good_case_is_clean(code: str, project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": CASES[code][1]}, style=True)
    assert [d for d in compiled.diagnostics if d.code.startswith("OAC3")] == []


def test_undeclared_check_is_off_without_datasources(project: Callable[..., Compiled]) -> None:
    # A project declaring no datasource leaves them to Grafana. A warning per
    # dashboard was tried: a 1,000-dashboard project without datasources got 1,000
    # warnings and a build 2.7 times as long (locating each in its module).
    compiled = project({"dashboards/case.py": CASES["OAC307"][0]}, datasources=False)
    assert _findings(compiled, "OAC307") == []


def test_every_dashboard_check_has_docs() -> None:
    from dash_support import REPO

    from obs_as_code.lint.engine import all_checks

    codes = [c.code for c in all_checks() if c.code.startswith("OAC3")]
    assert codes == ["OAC301", "OAC302", "OAC303", "OAC304", "OAC305", "OAC306", "OAC307", "OAC311", "OAC314", "OAC315", "OAC316", "OAC317", "OAC318", "OAC319", "OAC320", "OAC321"]
    from obs_as_code.codes import stage_codes

    for code in [*codes, *sorted(stage_codes("dashboards")), "OAC903"]:
        text = (REPO / "docs" / "lint" / f"{code}.md").read_text()
        assert "Bad" in text and "Good" in text, code


def test_variable_in_a_label_list_is_valid_promql_for_every_check(project: Callable[..., Compiled]) -> None:
    # OAC302 used its own preparation, which turned ``by ($label)`` into ``by (1)``
    # and reported a syntax error the PromQL checks did not see; one preparation now.
    compiled = project({"dashboards/case.py": HEAD + '''board = k.dashboard("Grouped", [
    k.timeseries("By", k.prom('sum by ($label) (rate(x_total[$__rate_interval]))'), unit=k.SHORT),
    k.timeseries("Broken", k.prom('sum by ($label) (rate(x_total[$__rate_interval])'), unit=k.SHORT),
], variables=[k.datasource_var(), k.custom_var("label", ["job", "instance"])])
'''})
    found = _findings(compiled, "OAC302")
    assert len(found) == 1 and "'Broken'" in found[0], found


def test_undefined_variables_are_found_in_dashboards_that_define_none(project: Callable[..., Compiled]) -> None:
    # Dashboards without variables skip the walk unless their text uses one.
    compiled = project({"dashboards/case.py": '''board = {"title": "NoVars", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "targets": [{"expr": 'sum(rate(x_total{job="$job"}[$__rate_interval]))'}]},
    {"id": 2, "type": "timeseries", "title": "Per pod", "repeat": "pod", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0}},
    {"id": 3, "type": "timeseries", "title": "Plain", "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
     "targets": [{"expr": "sum(rate(x_total[$__rate_interval]))"}]},
]}
'''})
    found = _findings(compiled, "OAC306")
    assert len(found) == 2, found
    assert "case.py:3:" in found[0] and "variable $job is used" in found[0]  # the target's line
    assert "case.py:4:" in found[1] and "variable $pod is used" in found[1]


# OAC305 reads the unit where each panel type keeps it. The heatmap case is real:
# dotdc/grafana-dashboards-kubernetes k8s-system-coredns, "CoreDNS - DNS request
# duration", a heatmap of a _seconds histogram with options.yAxis.unit = "s".
_DURATION = "sum(increase(coredns_dns_request_duration_seconds_bucket[$__rate_interval])) by (le)"
_P95 = "histogram_quantile(0.95, sum by (le) (rate(x_seconds_bucket[5m])))"
_UNIT_PLACES: dict[str, tuple[str, str, dict[str, object]]] = {
    "heatmap options.yAxis.unit": ("heatmap", _DURATION, {"options": {"yAxis": {"axisPlacement": "left", "unit": "s"}}}),
    "heatmap yAxis.format (before Grafana 9)": ("heatmap", _DURATION, {"yAxis": {"format": "s"}}),
    "graph yaxes[0].format": ("graph", _P95, {"yaxes": [{"format": "s"}, {"format": "short"}]}),
    "singlestat format": ("singlestat", _P95, {"format": "ms"}),
    "stat fieldConfig.defaults.unit": ("stat", _P95, {"fieldConfig": {"defaults": {"unit": "s"}}}),
    # A heatmap that calculates buckets from raw values shows them in the field's unit.
    "heatmap calculated, field unit": ("heatmap", "max(x_seconds)", {"options": {"calculate": True}, "fieldConfig": {"defaults": {"unit": "s"}}}),
    # Field overrides (each case reported before overrides were read): the query's own refId ...
    "an override of the query's refId": ("timeseries", _P95, {"fieldConfig": {"defaults": {}, "overrides": [
        {"matcher": {"id": "byFrameRefID", "options": "A"}, "properties": [{"id": "unit", "value": "s"}]}]}}),
    # ... every number field ...
    "an override of every number field": ("timeseries", _P95, {"fieldConfig": {"defaults": {"unit": "short"}, "overrides": [
        {"matcher": {"id": "byType", "options": "number"}, "properties": [{"id": "unit", "value": "ms"}]}]}}),
    # ... or series by name, which may be this query's: not reported.
    "an override by series name": ("timeseries", _P95, {"fieldConfig": {"defaults": {}, "overrides": [
        {"matcher": {"id": "byName", "options": "p95"}, "properties": [{"id": "unit", "value": "s"}]}]}}),
    # A legacy graph's series moved to the right axis by its alias (its legend) reads
    # yaxes[1] (each case reported before: only the left axis was read).
    "graph series on the right axis in seconds": ("graph", _P95, {"legendFormat": "p95", "yaxes": [{"format": "short"}, {"format": "s"}],
        "seriesOverrides": [{"alias": "p95", "yaxis": 2}]}),
    "graph series on the right axis by a regex alias": ("graph", _P95, {"legendFormat": "p95", "yaxes": [{"format": "short"}, {"format": "ms"}],
        "seriesOverrides": [{"alias": "/P9\\d/i", "yaxis": 2}]}),
    # A later yaxis: 1 entry does not move it back: Grafana 11+ shows the graph
    # migrated to a time series panel, where such an entry sets no unit (reported
    # as 'short' when OAC305 read the legacy panel's own rule).
    "graph series moved right then yaxis 1": ("graph", _P95, {"legendFormat": "p95", "yaxes": [{"format": "short"}, {"format": "s"}],
        "seriesOverrides": [{"alias": "/p/", "yaxis": 2}, {"alias": "p95", "yaxis": 1}]}),
    # A series whose name is not known may be the one an override moves: not reported.
    "graph series that may be on the right axis": ("graph", _P95, {"legendFormat": "{{pod}}", "yaxes": [{"format": "short"}, {"format": "s"}],
        "seriesOverrides": [{"alias": "/api/", "yaxis": 2}]}),
    # A time series field keeps its unit on the right axis.
    "timeseries field on the right axis": ("timeseries", _P95, {"legendFormat": "p95", "fieldConfig": {"defaults": {"unit": "s"}, "overrides": [
        {"matcher": {"id": "byName", "options": "p95"}, "properties": [{"id": "custom.axisPlacement", "value": "right"}]}]}}),
    "timeseries byNames of its legend": ("timeseries", _P95, {"legendFormat": "p95", "fieldConfig": {"defaults": {"unit": "short"}, "overrides": [
        {"matcher": {"id": "byNames", "options": {"mode": "include", "names": ["p50", "p95"]}},
         "properties": [{"id": "unit", "value": "s"}, {"id": "custom.axisPlacement", "value": "right"}]}]}}),
}
_NO_TIME_UNIT: dict[str, tuple[str, str, dict[str, object], str]] = {
    "heatmap without a y-axis unit": ("heatmap", _DURATION, {"options": {"yAxis": {"axisPlacement": "left"}}}, "no unit"),
    # A heatmap's cell unit is the count's, not the latency's.
    "heatmap with only a cell unit": ("heatmap", _DURATION, {"options": {"cellValues": {"unit": "s"}}}, "no unit"),
    "heatmap y axis in bytes": ("heatmap", _DURATION, {"options": {"yAxis": {"unit": "decbytes"}}}, "unit 'decbytes'"),
    # Of bucket rows (not calculated), the field unit is the cells' count; the y axis
    # of the bounds reads options.yAxis.unit only.
    "heatmap of buckets with only a field unit": ("heatmap", _DURATION, {"fieldConfig": {"defaults": {"unit": "s"}}}, "no unit"),
    "graph left axis short, right axis s": ("graph", _P95, {"yaxes": [{"format": "short"}, {"format": "s"}]}, "unit 'short'"),
    "singlestat without format": ("singlestat", _P95, {}, "no unit"),
    # Passed before overrides were read: the query's own refId overridden to a count.
    "a time default overridden for the query's refId": ("timeseries", _P95, {"fieldConfig": {"defaults": {"unit": "s"}, "overrides": [
        {"matcher": {"id": "byFrameRefID", "options": "A"}, "properties": [{"id": "unit", "value": "short"}]}]}}, "unit 'short'"),
    # A time unit given to another query only (reported before too, and still).
    "a time unit for another refId": ("timeseries", _P95, {"fieldConfig": {"defaults": {}, "overrides": [
        {"matcher": {"id": "byFrameRefID", "options": "B"}, "properties": [{"id": "unit", "value": "s"}]}]}}, "no unit"),
    # Passed before (only the left axis was read): the series is on the right one.
    "graph series on the right axis without a time unit": ("graph", _P95, {"legendFormat": "p95",
        "yaxes": [{"format": "s"}, {"format": "short"}], "seriesOverrides": [{"alias": "p95", "yaxis": 2}]}, "unit 'short'"),
    # Passed before (an override by name was read as maybe reaching the query): the
    # legend names the series, so the override certainly reaches it, or certainly not.
    "a time default overridden by the series' name": ("timeseries", _P95, {"legendFormat": "p95", "fieldConfig": {"defaults": {"unit": "s"},
        "overrides": [{"matcher": {"id": "byName", "options": "p95"}, "properties": [{"id": "unit", "value": "short"}]}]}}, "unit 'short'"),
    "a time default overridden by a regex of the series' name": ("timeseries", _P95, {"legendFormat": "p95",
        "fieldConfig": {"defaults": {"unit": "s"}, "overrides": [
            {"matcher": {"id": "byRegexp", "options": "p9.*"}, "properties": [{"id": "unit", "value": "percent"}]}]}}, "unit 'percent'"),
    "a time unit for another series' name, on the right axis": ("timeseries", _P95, {"legendFormat": "p95", "fieldConfig": {"defaults": {},
        "overrides": [{"matcher": {"id": "byName", "options": "errors"},
                       "properties": [{"id": "unit", "value": "s"}, {"id": "custom.axisPlacement", "value": "right"}]}]}}, "no unit"),
}


def _one_panel(kind: str, expr: str, extra: dict[str, object]) -> str:
    """A panel of ``kind`` with one query ``expr``; ``extra["legendFormat"]`` is the target's."""
    extra = dict(extra)
    target: dict[str, object] = {"expr": expr, "refId": "A"}
    if "legendFormat" in extra:
        target["legendFormat"] = extra.pop("legendFormat")
    panel = {"id": 1, "type": kind, "title": "DNS request duration", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
             "targets": [target], **extra}
    return f"board = {{'title': 'Units', 'schemaVersion': 39, 'panels': [{panel!r}]}}\n"


@pytest.mark.parametrize("case", sorted(_UNIT_PLACES))
def test_latency_unit_is_read_where_the_panel_type_keeps_it(case: str, project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": _one_panel(*_UNIT_PLACES[case])})
    assert _findings(compiled, "OAC305") == []


@pytest.mark.parametrize("case", sorted(_NO_TIME_UNIT))
def test_latency_without_a_time_unit_in_its_place_is_reported(case: str, project: Callable[..., Compiled]) -> None:
    kind, expr, extra, said = _NO_TIME_UNIT[case]
    found = _findings(project({"dashboards/case.py": _one_panel(kind, expr, extra)}), "OAC305")
    assert len(found) == 1 and f"'DNS request duration' in dashboard 'Units' has {said};" in found[0], found


_MEAN = "sum(rate(x_seconds_sum[5m])) / sum(rate(x_seconds_count[5m]))"


@pytest.mark.parametrize(
    ("expr", "timed"),
    [
        (_MEAN, True),
        ("rate(x_milliseconds_sum{job='a'}[5m]) / rate(x_milliseconds_count{job='a'}[5m])", True),
        ("job:x_seconds_sum:rate5m / job:x_seconds_count:rate5m", True),
        (_P95, True),
        # The names must end where _sum and _count do.
        ("x_seconds_sum_total / x_seconds_count_total", False),
        ("sum(rate(x_seconds_sum[5m]))", False),
        ("sum(rate(x_seconds_count[5m]))", False),
    ],
)
def test_returns_time(expr: str, timed: bool) -> None:
    from obs_as_code.lint.rules.oac305_latency_unit import returns_time

    assert returns_time(expr) is timed


def test_a_mean_of_seconds_without_a_time_unit_is_reported_whatever_its_title(project: Callable[..., Compiled]) -> None:
    # Neither "latency" nor "duration" in the title: only the query says seconds.
    source = _one_panel("stat", _MEAN, {}).replace("DNS request duration", "Mean per call")
    found = _findings(project({"dashboards/case.py": source}), "OAC305")
    assert len(found) == 1 and "'Mean per call' in dashboard 'Units' has no unit;" in found[0], found
    assert _findings(project({"dashboards/case.py": source.replace("'targets'", "'fieldConfig': {'defaults': {'unit': 's'}}, 'targets'")}), "OAC305") == []


def test_latency_unit_finding_is_at_the_latency_query_else_at_the_panel(project: Callable[..., Compiled]) -> None:
    # The panel's second target is the latency query: the finding is inside its
    # string (line 5), not at the panel (line 2) nor at the first target (line 4).
    written = """board = {"title": "Units", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Traffic and latency",
     "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "targets": [
        {"refId": "A", "expr": "sum(rate(x_total[5m]))"},
        {"refId": "B", "expr": "QUERY"}]},
]}
""".replace("QUERY", _MEAN)
    compiled = project({"dashboards/case.py": written})
    assert [(d.location.line, d.location.col) for d in compiled.diagnostics if d.code == "OAC305"] == [(5, 33)]
    # A target made elsewhere (by a function, its query above the panel) has no
    # place of its own: the finding falls back to the panel's line.
    made = """Q = "QUERY"


def queries():
    return [{"refId": "A", "expr": Q}]


board = {"title": "Units", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Latency",
     "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "targets": queries()},
]}
""".replace("QUERY", _MEAN)
    compiled = project({"dashboards/case.py": made})
    assert [(d.location.line, d.location.col) for d in compiled.diagnostics if d.code == "OAC305"] == [(9, 5)]


# Native histograms have no _bucket/_sum/_count series: the functions read the bare name.
_NATIVE_P95 = "histogram_quantile(0.95, sum by (route) (rate(http_request_duration_seconds[5m])))"
_NATIVE_AVG = "histogram_avg(rate(x_seconds[5m]))"
_NATIVE_MEAN = "histogram_sum(rate(x_seconds[5m])) / histogram_count(rate(x_seconds[5m]))"
_SHARE_UNDER = 'sum(rate(x_seconds_bucket{le="0.5"}[5m])) / sum(rate(x_seconds_count[5m]))'
_OF_TARGET = "(rate(x_seconds_sum[5m]) / rate(x_seconds_count[5m])) / 0.5"


@pytest.mark.parametrize(
    ("expr", "timed"),
    [
        (_NATIVE_P95, True),
        (_NATIVE_AVG, True),
        (_NATIVE_MEAN, True),
        ("histogram_stddev(rate(x_seconds[5m]))", True),
        ("histogram_avg(rate(job:x_milliseconds:rate5m[5m]))", True),
        (_OF_TARGET, True),
        # A share under a bound, a count, a sum of durations per second, a variance (s²).
        ("histogram_fraction(0, 0.5, rate(x_seconds[5m]))", False),
        ("histogram_count(rate(x_seconds[5m]))", False),
        ("histogram_sum(rate(x_seconds[5m]))", False),
        ("histogram_stdvar(rate(x_seconds[5m]))", False),
        (_SHARE_UNDER, False),
        # The name must end at _seconds: a counter of seconds is no histogram.
        ("histogram_avg(rate(x_seconds_total[5m]))", False),
    ],
)
def test_returns_time_of_native_histograms(expr: str, timed: bool) -> None:
    from obs_as_code.lint.rules.oac305_latency_unit import returns_time

    assert returns_time(expr) is timed


@pytest.mark.parametrize(
    ("expr", "by_number"),
    [
        (_OF_TARGET, True),
        ("100 * " + _NATIVE_AVG, True),
        (_NATIVE_AVG + " * 1e3", True),
        (_NATIVE_AVG + " / $target", True),
        (_NATIVE_P95, False),  # the quantile's 0.95 is an argument
        (_MEAN, False),
        # Numbers and slashes inside label values scale nothing.
        ('histogram_quantile(0.9, sum by (le) (rate(x_seconds_bucket{route="/2"}[5m])))', False),
        ("histogram_avg(rate(x_seconds{route='*1'}[5m]))", False),
    ],
)
def test_scaled(expr: str, by_number: bool) -> None:
    from obs_as_code.lint.rules.oac305_latency_unit import scaled

    assert scaled(expr) is by_number


# (title, expr, unit or None, what the finding says or None for no finding)
_PANELS: dict[str, tuple[str, str, str | None, str | None]] = {
    "native p95, no unit": ("p95", _NATIVE_P95, None, "has no unit; its query returns seconds"),
    "native p95, short": ("p95", _NATIVE_P95, "short", "has unit 'short'; its query returns seconds"),
    "native p95, s": ("p95", _NATIVE_P95, "s", None),
    "histogram_avg, no unit": ("Mean", _NATIVE_AVG, None, "has no unit; its query returns seconds"),
    "histogram_avg, ms": ("Mean", _NATIVE_AVG + " * 1000", "ms", None),
    "histogram_sum / histogram_count, no unit": ("Mean", _NATIVE_MEAN, None, "has no unit; its query returns seconds"),
    "_milliseconds mean, no unit": (
        "Mean", "rate(x_milliseconds_sum[5m]) / rate(x_milliseconds_count[5m])", None,
        "has no unit; its query returns milliseconds\n    hint: set unit=\"ms\"",
    ),
    "histogram_stddev, no unit": ("Spread", "histogram_stddev(rate(x_seconds[5m]))", None, "has no unit;"),
    # A bare duration in percent reads 0.25 s as 25 %.
    "native p95, percentunit": ("p95", _NATIVE_P95, "percentunit", "has unit 'percentunit'; its query returns seconds"),
    # A mean divided by the 0.5 s target, in percent: latency as a share of the SLO target.
    "mean / target, percentunit": ("Latency vs target", _OF_TARGET, "percentunit", None),
    "histogram_avg / $target, percentunit": ("Latency vs target", _NATIVE_AVG + " / $target", "percentunit", None),
    "100 * mean / target, percent": ("Latency vs target", "100 * " + _OF_TARGET, "percent", None),
    # Without a unit nothing says what the scaled number is.
    "mean / target, no unit": (
        "Latency vs target", _OF_TARGET, None, "has no unit; its query returns a duration multiplied or divided by a number",
    ),
    # A share of requests under a bound is a ratio, whatever the title says.
    "share under 500 ms, percentunit": ("Latency SLO: share under 500 ms", _SHARE_UNDER, "percentunit", None),
    "share under 500 ms, no unit": ("Latency SLO: share under 500 ms", _SHARE_UNDER, None, None),
    "histogram_fraction, no unit": ("Latency under 500 ms", "histogram_fraction(0, 0.5, rate(x_seconds[5m]))", None, None),
    "histogram_fraction, percentunit": (
        "Latency under 500 ms", "histogram_fraction(0, 0.5, rate(x_seconds[5m]))", "percentunit", None,
    ),
    "histogram_stdvar, latency title": ("Latency variance", "histogram_stdvar(rate(x_seconds[5m]))", None, None),
    # A count of observations (or their sum per second) is no latency, whatever the title.
    "histogram_count, latency title": ("Latency: requests", "sum(histogram_count(rate(x_seconds[5m])))", None, None),
    "_seconds_count, latency title": ("Latency: requests", "sum(rate(x_seconds_count[5m]))", None, None),
    "_seconds_sum, duration title": ("Duration: busy", "sum(rate(x_seconds_sum[5m]))", None, None),
    # The title still makes a panel of bare buckets (a heatmap's) a latency panel.
    "buckets by le, latency title": ("Latency", "sum by (le) (rate(x_seconds_bucket[5m]))", None, "has no unit;"),
}


@pytest.mark.parametrize("case", sorted(_PANELS))
def test_latency_unit_on_native_histograms_and_shares(case: str, project: Callable[..., Compiled]) -> None:
    title, expr, unit, said = _PANELS[case]
    extra: dict[str, object] = {"fieldConfig": {"defaults": {"unit": unit}}} if unit else {}
    source = _one_panel("stat", expr, extra).replace("DNS request duration", title)
    found = _findings(project({"dashboards/case.py": source}), "OAC305")
    if said is None:
        assert found == []
    else:
        assert len(found) == 1 and f"{title!r} in dashboard 'Units' {said}" in found[0], found


def test_datasource_variables_and_types_must_match_the_declared_datasources(project: Callable[..., Compiled]) -> None:
    # A ${es} variable listing a plugin nobody declared is an empty dropdown, and
    # a reference typed loki to the Prometheus uid sends LogQL to Prometheus:
    # neither was reported. The good ones beside them stay clean.
    compiled = project({"dashboards/case.py": '''board = {"title": "Sources", "schemaVersion": 41,
    "templating": {"list": [
        {"name": "es", "type": "datasource", "query": "elasticsearch"},
        {"name": "ds", "type": "datasource", "query": "prometheus"},
    ]},
    "annotations": {"list": [
        {"name": "Deploys", "enable": True, "iconColor": "red", "datasource": {"type": "loki", "uid": "prometheus"}},
    ]},
    "panels": [
        {"id": 1, "type": "table", "title": "ES", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "elasticsearch", "uid": "${es}"}, "targets": [{"refId": "A", "query": "*"}]},
        {"id": 2, "type": "logs", "title": "Logs", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "datasource": {"type": "loki", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "{job=\\"x\\"}"}]},
        {"id": 3, "type": "timeseries", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
         "datasource": {"type": "prometheus", "uid": "${ds}"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 4, "type": "logs", "title": "Fine", "gridPos": {"h": 4, "w": 6, "x": 18, "y": 0},
         "datasource": {"type": "loki", "uid": "loki"}, "targets": [{"refId": "A", "expr": "{job=\\"x\\"}"}]},
    ]}
'''})
    found = [(d.location.line, d.message.split(" (dashboard")[0]) for d in compiled.diagnostics if d.code == "OAC307"]
    assert found == [
        (7, "datasource uid 'prometheus' is declared as a prometheus datasource, not loki"),  # the annotation's line
        (10, "datasource variable $es lists elasticsearch datasources, and none is declared"),
        (12, "datasource uid 'prometheus' is declared as a prometheus datasource, not loki"),
    ]


def test_each_undeclared_datasource_finding_has_its_own_hint(project: Callable[..., Compiled]) -> None:
    # The hint was picked by parsing the message back: a variable listing an
    # undeclared plugin type ($es) was told to add the variable it already has.
    compiled = project({"dashboards/case.py": '''board = {"title": "Sources", "schemaVersion": 41,
    "templating": {"list": [{"name": "es", "type": "datasource", "query": "elasticsearch"}]},
    "panels": [
        {"id": 1, "type": "table", "title": "ES", "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},
         "datasource": {"type": "elasticsearch", "uid": "${es}"}, "targets": [{"refId": "A", "query": "*"}]},
        {"id": 2, "type": "logs", "title": "Logs", "gridPos": {"h": 4, "w": 4, "x": 4, "y": 0},
         "datasource": {"type": "loki", "uid": "${logs}"}, "targets": [{"refId": "A", "expr": "{job=\\"x\\"}"}]},
        {"id": 3, "type": "timeseries", "title": "Thanos", "gridPos": {"h": 4, "w": 4, "x": 8, "y": 0},
         "datasource": {"type": "prometheus", "uid": "thanos"}, "targets": [{"refId": "A", "expr": "up"}]},
        {"id": 4, "type": "logs", "title": "Typed", "gridPos": {"h": 4, "w": 4, "x": 12, "y": 0},
         "datasource": {"type": "loki", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "{job=\\"x\\"}"}]},
        {"id": 5, "type": "table", "title": "Graphite", "gridPos": {"h": 4, "w": 4, "x": 16, "y": 0},
         "datasource": {"type": "graphite"}, "targets": [{"refId": "A", "target": "a.b"}]},
    ]}
'''})
    hints = {d.message.split(" (dashboard")[0]: d.hint for d in compiled.diagnostics if d.code in ("OAC306", "OAC307")}
    declared = "declared: loki, prometheus; declare it in datasources/ or use one of these"
    assert hints == {
        "datasource variable $es lists elasticsearch datasources, and none is declared": (
            "declare a datasource of type elasticsearch in datasources/, or make $es list a declared type: loki, prometheus"
        ),
        # $logs is no variable of the dashboard at all: OAC306's one finding (it was
        # OAC307's too), with the variable's plugin type and the declared datasources.
        "variable $logs is used in dashboard 'Sources' but not defined": (
            "add a datasource variable to the dashboard: variables=[kit.datasource_var('logs', 'loki')] "
            "(kit.prom reads $datasource unless given datasource=), or reference a declared datasource: loki, prometheus"
        ),
        "datasource uid 'thanos' is not declared": declared,
        # The uid is declared: its type is what is wrong, so "declare it" was no advice.
        "datasource uid 'prometheus' is declared as a prometheus datasource, not loki": (
            "Grafana sends the query to the datasource of the uid: for a loki query use the uid of a declared "
            "loki datasource: loki"
        ),
        "datasource {'type': 'graphite'} matches no declared datasource": declared,
    }


def test_a_uid_and_type_swapped_in_k_ds_are_named(project: Callable[..., Compiled]) -> None:
    # k.ds("loki-prod", "loki") for the uid "loki-prod": the hint read "for a
    # loki-prod query use declare a loki-prod datasource in datasources/ ...".
    compiled = project({"dashboards/case.py": '''from obs_as_code.dashboards import kit as k

board = k.dashboard("Logs", [
    k.logs("Swapped", k.loki('{job="x"}', datasource=k.ds("loki-prod", "loki"))),
    k.logs("Tempo", k.loki('{job="x"}', datasource=k.ds("tempo", "prometheus"))),
])
'''})
    hints = {d.message.split(" (dashboard")[0]: d.hint for d in compiled.diagnostics if d.code == "OAC307"}
    assert hints == {
        "datasource uid 'loki' is declared as a loki datasource, not loki-prod": (
            "Grafana sends the query to the datasource of the uid: no loki-prod datasource is declared; declare one in "
            "datasources/ and use its uid; or were the two swapped? k.ds() takes the plugin type first, then the uid: "
            "k.ds('loki', 'loki-prod')"
        ),
        "datasource uid 'prometheus' is declared as a prometheus datasource, not tempo": (
            "Grafana sends the query to the datasource of the uid: no tempo datasource is declared; declare one in "
            "datasources/ and use its uid; or were the two swapped? k.ds() takes the plugin type first, then the uid: "
            "k.ds('prometheus', 'tempo')"
        ),
    }


def test_regex_capture_groups_are_not_variables(project: Callable[..., Compiled]) -> None:
    # "$1" in label_replace and "$2 $1" in a renameByRegex transformation were
    # reported as undefined variables $1 and $2 (OAC306 errors stopping the build).
    compiled = project({"dashboards/case.py": '''board = {"title": "Groups", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "By host", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "targets": [{"refId": "A", "expr": 'sum by (host) (label_replace(up, "host", "$1", "instance", "(.*):.*"))'}],
     "transformations": [{"id": "renameByRegex", "options": {"regex": "(.*)-(.*)", "renamePattern": "$2 $1"}}]},
    {"id": 2, "type": "timeseries", "title": "Undefined", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
     "targets": [{"refId": "A", "expr": 'sum(up{job="$job"})'}]},
]}
'''})
    found = _findings(compiled, "OAC306")
    assert len(found) == 1 and "variable $job is used" in found[0], found


def test_a_reference_by_uid_alone_is_read_as_its_datasources_language(project: Callable[..., Compiled]) -> None:
    # {"uid": "loki"} without a type: the Loki queries were parsed as PromQL (OAC302).
    compiled = project({"dashboards/case.py": '''board = {"title": "Logs", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Errors", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "datasource": {"uid": "loki"},
     "targets": [{"refId": "A", "expr": 'sum(count_over_time({job="x"} |= "error" [5m]))'}]},
    {"id": 2, "type": "timeseries", "title": "Mixed", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
     "datasource": {"type": "datasource", "uid": "-- Mixed --"},
     "targets": [{"refId": "A", "expr": 'sum(count_over_time({job="x"} |= "error" [5m]))', "datasource": {"uid": "loki"}},
                 {"refId": "B", "expr": "sum(up", "datasource": {"uid": "prometheus"}}]},
]}
'''})
    errors = [(d.code, d.location.line) for d in compiled.diagnostics if d.severity.value == "error"]
    assert errors == [("OAC302", 8)]  # the broken PromQL only, at its target
    board = next(a.data for a in compiled.artifacts if a.path.endswith("case.json"))
    assert board["panels"][0]["datasource"] == {"type": "loki", "uid": "loki"}


def test_a_panel_without_a_positive_size_is_reported(project: Callable[..., Compiled]) -> None:
    # h=-4 and w=0 passed (an empty box overlaps nothing), and the schema takes any number.
    compiled = project({"dashboards/case.py": '''board = {"title": "Sizes", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "Fine", "gridPos": {"h": 4, "w": 12, "x": 0, "y": 0}},
    {"id": 2, "type": "stat", "title": "Upside down", "gridPos": {"h": -4, "w": 12, "x": 12, "y": 0}},
    {"id": 3, "type": "stat", "title": "Thin", "gridPos": {"h": 4, "w": 0, "x": 0, "y": 4}},
    {"id": 4, "type": "stat", "title": "Above", "gridPos": {"h": 4, "w": 12, "x": 12, "y": -4}},
]}
'''})
    found = [(d.location.line, d.message) for d in compiled.diagnostics if d.code == "OAC304"]
    assert [line for line, _m in found] == [3, 4, 5]
    assert found[0][1] == (
        "panel 'Upside down' in dashboard 'Sizes' has gridPos x=12 y=0 w=12 h=-4: w and h must be at least 1, y at least 0"
    )


def test_a_metric_named_by_a_variable_is_valid_and_not_unknown(project: Callable[..., Compiled]) -> None:
    # OAC302 said "invalid PromQL" for $metric{...}, and OAC218 named "$metric"
    # and "x_1_total" unknown metrics; a misspelled literal name is still reported.
    compiled = project({
        "catalog/c.py": """
            from obs_as_code import Metric, MetricsCatalog
            c = MetricsCatalog(name="c", metrics=[Metric("app_http_requests_total", "counter", ["job"], jobs=["app"])])
        """,
        "dashboards/case.py": HEAD + '''board = k.dashboard("Picked", [
    k.timeseries("Named", k.prom('sum(rate({__name__="$metric"}[$__rate_interval]))'), unit=k.SHORT),
    k.timeseries("Selector", k.prom('sum(rate(${metric:raw}{job="app"}[$__rate_interval]))'), unit=k.SHORT),
    k.timeseries("Part", k.prom('sum(rate(app_${kind}_total[$__rate_interval]))'), unit=k.SHORT),
    k.timeseries("Typo", k.prom('sum(rate(app_http_request_total[$__rate_interval]))'), unit=k.SHORT),
], variables=[k.datasource_var(), k.custom_var("metric", ["app_http_requests_total"]), k.custom_var("kind", ["http_requests"])])
''',
    })
    errors = [(d.code, d.location.line) for d in compiled.diagnostics if d.severity.value == "error"]
    assert errors == [("OAC218", 7)]


def test_ad_hoc_and_group_by_variables_are_used_without_being_named(project: Callable[..., Compiled]) -> None:
    # Grafana applies them to every query of their datasource: each was
    # "defined but no panel uses it"; an unused custom variable still is.
    compiled = project({"dashboards/case.py": '''board = {"title": "Filters", "schemaVersion": 41,
    "templating": {"list": [
        {"name": "Filters", "type": "adhoc", "datasource": {"type": "prometheus", "uid": "prometheus"}},
        {"name": "groupBy", "type": "groupby", "datasource": {"type": "prometheus", "uid": "prometheus"}},
        {"name": "unused", "type": "custom", "query": "a,b"},
    ]},
    "panels": [{"id": 1, "type": "timeseries", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "sum(up)"}]}]}
'''})
    found = _findings(compiled, "OAC306")
    assert len(found) == 1 and "variable $unused is defined" in found[0], found


def test_a_builtin_type_with_an_unknown_uid_is_undeclared(project: Callable[..., Compiled]) -> None:
    """Grafana resolves a reference by its uid: ``{"type": "datasource"}`` or
    ``{"type": "grafana"}`` (the types of its own datasources) with a uid that is
    neither one of them nor declared is "datasource not found" (it was accepted
    for its type). A declared uid or a datasource variable under such a type, the
    built-in uids, and an expression (``__expr__``, whatever its uid) resolve."""
    compiled = project({"dashboards/case.py": '''board = {"title": "Builtins", "schemaVersion": 41,
    "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"}]},
    "panels": [
        {"id": 1, "type": "timeseries", "title": "Mixed", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "datasource", "uid": "-- Mixed  --"},
         "targets": [{"refId": "A", "expr": "sum(up)", "datasource": {"type": "prometheus", "uid": "prometheus"}}]},
        {"id": 2, "type": "timeseries", "title": "Grafana", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "datasource": {"type": "grafana", "uid": "-- grafana --"}, "targets": [{"refId": "A"}]},
        {"id": 3, "type": "timeseries", "title": "Fine", "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
         "datasource": {"type": "datasource", "uid": "-- Mixed --"},
         "targets": [{"refId": "A", "expr": "sum(up)", "datasource": {"type": "datasource", "uid": "prometheus"}},
                     {"refId": "B", "expr": "sum(up)", "datasource": {"type": "datasource", "uid": "${ds}"}},
                     {"refId": "C", "datasource": {"type": "grafana", "uid": "grafana"}},
                     {"refId": "D", "datasource": {"type": "__expr__", "uid": "A"}, "expression": "$A", "type": "math"}]},
    ]}
'''})
    assert _findings(compiled, "OAC307") == [
        "dashboards/case.py:4:9: OAC307 datasource uid '-- Mixed  --' is not declared (dashboard 'Builtins', panels.0.datasource)"
        "\n    hint: declared: loki, prometheus; declare it in datasources/ or use one of these",
        "dashboards/case.py:7:9: OAC307 datasource uid '-- grafana --' is not declared (dashboard 'Builtins', panels.1.datasource)"
        "\n    hint: declared: loki, prometheus; declare it in datasources/ or use one of these",
    ]


def test_a_uid_naming_a_datasource_or_default_resolves_as_grafana_resolves_it(project: Callable[..., Compiled]) -> None:
    """Grafana looks a reference's uid up as a uid, then as a datasource name, and
    reads "default" as the default datasource (DatasourceSrv.getInstanceSettings):
    {"uid": "Prometheus"} reaches the datasource named Prometheus (uid prometheus),
    and is judged by that datasource's type."""
    compiled = project({"dashboards/case.py": '''board = {"title": "Names", "schemaVersion": 41,
    "panels": [
        {"id": 1, "type": "timeseries", "title": "By name", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "Prometheus"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 2, "type": "timeseries", "title": "Default", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "datasource": {"uid": "default"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 3, "type": "timeseries", "title": "Wrong type", "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
         "datasource": {"type": "prometheus", "uid": "Loki"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 4, "type": "timeseries", "title": "Unknown", "gridPos": {"h": 4, "w": 6, "x": 18, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus-eu"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
    ]}
'''})
    found = _findings(compiled, "OAC307")
    assert [f.split(" (dashboard")[0] for f in found] == [
        "dashboards/case.py:7:9: OAC307 datasource uid 'Loki' is declared as a loki datasource, not prometheus",
        "dashboards/case.py:9:9: OAC307 datasource uid 'prometheus-eu' is not declared",
    ], found


def test_the_first_variable_of_a_uid_decides(project: Callable[..., Compiled]) -> None:
    """A uid naming two variables is read by its first: a query variable there is
    the finding (not the datasource variable after it), and a datasource variable
    listing an undeclared type is, whatever follows it."""
    compiled = project({"dashboards/case.py": '''board = {"title": "Two", "schemaVersion": 41,
    "templating": {"list": [{"name": "ds", "type": "datasource", "query": "prometheus"},
                            {"name": "es", "type": "datasource", "query": "elasticsearch"},
                            {"name": "q", "type": "custom", "query": "a,b"}]},
    "panels": [
        {"id": 1, "type": "timeseries", "title": "Q", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "${q}${ds}"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 2, "type": "timeseries", "title": "ES", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "datasource": {"type": "elasticsearch", "uid": "${es}${ds}"}, "targets": [{"refId": "A", "query": "*"}]},
    ]}
'''})
    assert _findings(compiled, "OAC307") == [
        "dashboards/case.py:6:9: OAC307 datasource variable $q is not a datasource variable of the dashboard (dashboard 'Two', panels.0.datasource)"
        "\n    hint: add a datasource variable to the dashboard: variables=[kit.datasource_var('q')], or reference a declared datasource: loki, prometheus",
        "dashboards/case.py:8:9: OAC307 datasource variable $es lists elasticsearch datasources, and none is declared (dashboard 'Two', panels.1.datasource)"
        "\n    hint: declare a datasource of type elasticsearch in datasources/, or make $es list a declared type: loki, prometheus",
    ]


def test_a_declared_uid_written_as_a_variable_is_read_as_one(project: Callable[..., Compiled]) -> None:
    """Grafana interpolates a uid holding "$" or "[[" before looking it up, even
    when a datasource was declared with that very uid (refused where declared): the
    reference is judged as a variable (here a custom one, no datasource variable),
    not taken as declared by the check's shortcut for declared uids."""
    compiled = project({
        "datasources/main.py": '''from obs_as_code import Datasource

prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True)
odd = Datasource("Odd", "prometheus", "http://odd:9090", uid="$odd")
legacy = Datasource("Legacy", "prometheus", "http://legacy:9090", uid="[[odd]]")
''',
        "dashboards/case.py": '''board = {"title": "Odd", "schemaVersion": 41,
    "templating": {"list": [{"name": "odd", "type": "custom", "query": "a,b"}]},
    "panels": [
        {"id": 1, "type": "timeseries", "title": "A", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "$odd"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 2, "type": "timeseries", "title": "B", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "datasource": {"type": "prometheus", "uid": "[[odd]]"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
    ]}
''',
    }, datasources=False)
    assert _findings(compiled, "OAC307") == [
        "dashboards/case.py:4:9: OAC307 datasource variable $odd is not a datasource variable of the dashboard (dashboard 'Odd', panels.0.datasource, and 1 other reference)"
        "\n    hint: add a datasource variable to the dashboard: variables=[kit.datasource_var('odd')], or reference a declared datasource: $odd, [[odd]], prometheus",
        # Such a uid is refused where it is declared too.
        "datasources/main.py:4:7: OAC307 datasource uid '$odd' is not a valid Grafana uid",
        "datasources/main.py:5:10: OAC307 datasource uid '[[odd]]' is not a valid Grafana uid",
    ]


def test_a_builtin_or_a_capture_group_as_the_datasource_stays_oac307(project: Callable[..., Compiled]) -> None:
    """``${__interval}`` or ``$1`` as a datasource uid is no datasource variable,
    and OAC306 reads neither as a variable: the finding stays this check's (handed
    to OAC306 it was lost)."""
    compiled = project({"dashboards/case.py": '''board = {"title": "Odd refs", "schemaVersion": 41,
    "panels": [
        {"id": 1, "type": "timeseries", "title": "A", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "${__interval}"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 2, "type": "timeseries", "title": "B", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "datasource": {"type": "prometheus", "uid": "$1"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
    ]}
'''})
    assert _findings(compiled, "OAC306") == []
    assert _findings(compiled, "OAC307") == [
        "dashboards/case.py:3:9: OAC307 datasource variable $__interval is not a datasource variable of the dashboard (dashboard 'Odd refs', panels.0.datasource)"
        "\n    hint: add a datasource variable to the dashboard: variables=[kit.datasource_var('__interval')], or reference a declared datasource: loki, prometheus",
        "dashboards/case.py:5:9: OAC307 datasource variable $1 is not a datasource variable of the dashboard (dashboard 'Odd refs', panels.1.datasource)"
        "\n    hint: add a datasource variable to the dashboard: variables=[kit.datasource_var('1')], or reference a declared datasource: loki, prometheus",
    ]


def test_a_query_variable_as_every_datasource_is_one_finding_counting_the_others(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": '''board = {"title": "Many", "schemaVersion": 41,
    "templating": {"list": [{"name": "datasource", "type": "query", "query": "label_values(up, job)"}]},
    "panels": [
        {"id": 1, "type": "timeseries", "title": "A", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "${datasource}"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 2, "type": "timeseries", "title": "B", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "datasource": {"type": "prometheus", "uid": "${datasource}"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 3, "type": "timeseries", "title": "C", "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
         "datasource": {"type": "prometheus", "uid": "$datasource"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
    ]}
'''})
    assert _findings(compiled, "OAC307") == [
        "dashboards/case.py:4:9: OAC307 datasource variable $datasource is not a datasource variable of the dashboard"
        " (dashboard 'Many', panels.0.datasource, and 2 other references)"
        "\n    hint: add a datasource variable to the dashboard: variables=[kit.datasource_var()], or reference a declared datasource: loki, prometheus",
    ]


def test_a_panels_reference_folds_only_into_its_own_targets(project: Callable[..., Compiled]) -> None:
    """The same undeclared uid on panel 0 and on a target of panel 1 is two
    findings: a panel's finding folds into its own targets' only, and only when
    both name the same reference."""
    compiled = project({"dashboards/case.py": '''board = {"title": "Fold", "schemaVersion": 41,
    "panels": [
        {"id": 1, "type": "timeseries", "title": "A", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "ghost"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 2, "type": "timeseries", "title": "B", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "targets": [{"refId": "A", "expr": "sum(up)", "datasource": {"type": "prometheus", "uid": "ghost"}}]},
        {"id": 3, "type": "timeseries", "title": "C", "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0},
         "datasource": {"type": "prometheus", "uid": "ghost"},
         "targets": [{"refId": "A", "expr": "sum(up)", "datasource": {"uid": "ghost"}}]},
    ]}
'''})
    # Panel 2 and its target name the uid in two different dicts: two findings too.
    assert [f.split("\n")[0] for f in _findings(compiled, "OAC307")] == [
        "dashboards/case.py:3:9: OAC307 datasource uid 'ghost' is not declared (dashboard 'Fold', panels.0.datasource)",
        "dashboards/case.py:6:22: OAC307 datasource uid 'ghost' is not declared (dashboard 'Fold', panels.1.targets.0.datasource)",
        "dashboards/case.py:7:9: OAC307 datasource uid 'ghost' is not declared (dashboard 'Fold', panels.2.datasource)",
        "dashboards/case.py:9:22: OAC307 datasource uid 'ghost' is not declared (dashboard 'Fold', panels.2.targets.0.datasource)",
    ]
