"""Regressions found reviewing OAC314-OAC318 against real dashboards (Ceph's,
dotdc's and rfmoz's, imported) and hand-written variants of their mistakes: each
test pins the code and the place of a finding, or its absence, and failed before
its fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from obs_as_code.lint.api import lint
from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"


def _at(compiled: Compiled, code: str) -> list[tuple[int, int, str]]:
    """``(line, col, panel title)`` of each ``code`` finding."""
    out = []
    for d in compiled.diagnostics:
        if d.code == code:
            title = d.message.split("panel '", 1)[1].split("'", 1)[0] if "panel '" in d.message else ""
            out.append((d.location.line, d.location.col, title))
    return out


# --- OAC318 -----------------------------------------------------------------

LOKI_VARS = """variables=[k.datasource_var(), k.query_var("svc", "label_values(up, job)", include_all=True)]"""


def test_oac318_a_not_empty_negative_matcher_keeps_the_selector(project: Callable[..., Compiled]) -> None:
    # Loki keeps a matcher that does not match "" (labels.Matcher.Matches("")):
    # namespace!="" and namespace!~".*" do not; namespace!="x" and !~".+" do.
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.logs("Set", k.loki('{{job=~"$svc", namespace!=""}}')),
    k.logs("None", k.loki('{{job=~"$svc", namespace!~".*"}}')),
    k.logs("Other", k.loki('{{job=~"$svc", namespace!="x"}}')),
    k.logs("Some", k.loki('{{job=~"$svc", namespace!~".+"}}')),
], {LOKI_VARS})
"""})
    assert _at(compiled, "OAC318") == [(6, 21, "Other"), (7, 20, "Some")]  # at the target (k.loki)


def test_oac318_reads_a_double_quoted_string_as_loki_does(project: Callable[..., Compiled]) -> None:
    # "\\d*" is the regex \d*, which matches "": Loki refuses the selector at All.
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.logs("Digits", k.loki('{{job=~"$svc", code=~"\\\\\\\\d*"}}')),
    k.logs("Some digits", k.loki('{{job=~"$svc", code=~"\\\\\\\\d+"}}')),
    k.logs("Raw", k.loki('{{job=~"$svc", code=~`\\\\d*`}}')),
], {LOKI_VARS})
"""})
    assert _at(compiled, "OAC318") == [(4, 22, "Digits"), (6, 19, "Raw")]


def test_oac318_the_text_format_of_all_is_its_text(project: Callable[..., Compiled]) -> None:
    # Grafana writes a custom All value as it is, but in the text format it
    # writes "All" (template_srv): not empty.
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.logs("Text", k.loki('{{job=~"${{svc:text}}"}}')),
    k.logs("Regex", k.loki('{{job=~"${{svc:regex}}"}}')),
], {LOKI_VARS})
"""})
    assert _at(compiled, "OAC318") == [(5, 21, "Regex")]


@pytest.mark.parametrize(
    ("expr", "empty"),
    [
        ('{job=~"$s", ns!=""}', False),
        ('{job=~"$s", ns!~".*"}', False),
        ('{job=~"$s", ns!~""}', False),
        ('{job=~"$s", ns!~"a|"}', False),  # "a|" matches "": !~ rejects it
        ('{job=~"$s", ns!="a"}', True),
        ('{job=~"$s", ns=""}', True),
        ('{job=~"$s", ns=~"\\\\d*"}', True),
        ('{job=~"$s", ns=~"\\\\d+"}', False),
        ('{job=~"$s", ns=~"\\d*"}', False),  # Go refuses the escape \d: Loki reports it
        ('{job=~"${s:percentencode}"}', True),  # .* stays .*
        ('{job=~"${s.value}"}', True),
    ],
)
def test_oac318_matchers_that_match_the_empty_string(expr: str, empty: bool) -> None:
    from obs_as_code.lint.rules.oac318_loki_empty_selector import empty_at_all

    assert bool(empty_at_all(expr, {"s": ".*"})) is empty


# --- OAC317 -----------------------------------------------------------------


def test_oac317_a_selector_with_a_regex_in_parentheses(project: Callable[..., Compiled]) -> None:
    # The pattern stopped at the first "(" of the matcher's string: missed.
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Windows", [
    k.timeseries("Paths", k.prom('sum(rate(x_total{path=~"/(a|b)", i=~"$i([.:].*)?"}[$__interval]))'), unit=k.REQPS),
], variables=[k.datasource_var(), k.query_var("i", "label_values(up, instance)")])
"""})
    assert _at(compiled, "OAC317") == [(4, 86, "Paths")]  # at $__interval


def _interval_board(*panels: tuple[str, str, str]) -> str:
    """A dashboard of ``(title, panel min interval, target min step)`` panels, each
    a rate over $__interval (one panel a line)."""
    lines = ['board = {"title": "Windows", "uid": "windows", "schemaVersion": 41, "panels": [']
    for i, (title, panel_min, target_min) in enumerate(panels):
        target = f'"interval": "{target_min}", ' if target_min else ""
        lines.append(
            f'    {{"id": {i + 1}, "type": "timeseries", "title": "{title}", "interval": "{panel_min}", '
            f'"gridPos": {{"h": 4, "w": 6, "x": {6 * (i % 4)}, "y": {4 * (i // 4)}}}, '
            f'"datasource": {{"type": "prometheus", "uid": "prometheus"}}, '
            f'"targets": [{{"refId": "A", {target}"expr": "sum(rate(x_total[$__interval]))"}}]}},'
        )
    return "\n".join([*lines, "]}", ""])


def test_oac317_a_min_interval_of_four_scrapes_is_left_alone(project: Callable[..., Compiled]) -> None:
    # Grafana never makes $__interval shorter than the target's min step (else
    # the panel's min interval): at four times the datasource's scrape interval
    # setting (Grafana's 15s here: none is set) it is as long as
    # $__rate_interval's floor.
    board = _interval_board(
        ("Panel 1m", "1m", ""), ("Target 1m", "", "1m"), ("Panel 30s", "30s", ""), ("Target 30s", "5m", "30s"), ("None", "", ""),
    )
    compiled = project({"dashboards/case.py": board})
    found = [d for d in compiled.diagnostics if d.code == "OAC317"]
    assert [(d.location.line, d.location.col) for d in found] == [(4, 236), (5, 255), (6, 227)]  # at $__interval
    assert ["its min interval 30s is under four scrape intervals (4 x 15s)" in d.message for d in found] == [True, True, False]


def test_oac317_reads_the_scrape_interval_its_datasources_set(project: Callable[..., Compiled]) -> None:
    # timeInterval 1m: $__rate_interval is at least 4m, so a 2m min interval is short.
    datasources = """from obs_as_code import Datasource

prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True,
                        json_data={"timeInterval": "1m"})
# Not Prometheus: its setting is no scrape interval of $__rate_interval's.
loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki", json_data={"timeInterval": "10m"})
"""
    board = _interval_board(("Panel 2m", "2m", ""), ("Panel 4m", "4m", ""), ("Panel 90", "90", ""))
    compiled = project({"dashboards/case.py": board, "datasources/main.py": datasources}, datasources=False)
    assert _at(compiled, "OAC317")[0] == (2, 233, "Panel 2m")
    found = [(d.location.line, d.message.split(": ", 1)[1]) for d in compiled.diagnostics if d.code == "OAC317"]
    assert found == [
        (2, "its min interval 2m is under four scrape intervals (4 x 1m): a window may hold one sample and the panel shows gaps"),
        (4, "its min interval 90s is under four scrape intervals (4 x 1m): a window may hold one sample and the panel shows gaps"),
    ]


def test_oac317_a_min_interval_in_plain_seconds(project: Callable[..., Compiled]) -> None:
    # Grafana reads a bare number as seconds ("60" is four 15s scrapes, "30" and
    # "45" are not), the old ">1m" as 1m; "0" sets no minimum.
    board = _interval_board(
        ("Panel 60", "60", ""), ("Panel 30", "30", ""), ("Old 1m", ">1m", ""), ("Zero", "0", ""), ("Panel 45", "45", ""),
    )
    compiled = project({"dashboards/case.py": board})
    found = [(d.location.line, d.message.split(": ", 1)[1]) for d in compiled.diagnostics if d.code == "OAC317"]
    assert found == [
        (3, "its min interval 30s is under four scrape intervals (4 x 15s): a window may hold one sample and the panel shows gaps"),
        (5, "zoomed in, $__interval is shorter than two scrapes and the panel shows gaps"),
        (6, "its min interval 45s is under four scrape intervals (4 x 15s): a window may hold one sample and the panel shows gaps"),
    ]


# --- OAC314 -----------------------------------------------------------------


def test_oac314_a_panel_after_a_collapsed_repeated_row_is_in_no_row(project: Callable[..., Compiled]) -> None:
    # A collapsed row holds its own panels; the panels after it belong to no row
    # (Grafana's createSceneObjectsForPanels), so its repeat does not reach them.
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Paths", [
    k.row("Per path", [k.stat("Path $path", k.prom('sum(rate(x_total{path="$path"}[5m]))'), unit=k.REQPS)],
          collapsed=True, repeat="path"),
    k.stat("After", k.prom('sum(rate(x_total{path="$path"}[5m]))'), unit=k.REQPS),
], variables=[k.datasource_var(), k.query_var("path", "label_values(x_total, path)", multi=True)])
"""})
    assert _at(compiled, "OAC314") == [(6, 46, "After")]  # at path=, not at the row's same query



def test_oac314_a_dashboard_file_with_entries_that_are_no_panels(tmp_path: Path) -> None:
    # A JSON file may hold a null or a number among its panels (or a row's): the
    # repeats are still read from the others; only the plain panel is reported.
    stat = {"type": "stat", "datasource": {"type": "prometheus", "uid": "p"},
            "targets": [{"refId": "A", "expr": 'sum(x{path="$path"})'}]}
    board = {"title": "Paths", "uid": "paths", "schemaVersion": 41,
             "templating": {"list": [{"name": "path", "type": "custom", "multi": True, "query": "a,b"}]},
             "panels": [None,
                        {"id": 1, "type": "row", "title": "R", "collapsed": True, "repeat": "path",
                         "panels": [7, {"id": 2, "title": "In row", **stat}]},
                        {"id": 3, "title": "Top", "repeat": "path", **stat},
                        {"id": 4, "title": "Plain", **stat}]}
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board), encoding="utf-8")
    found = [d for d in lint(tmp_path, [path], select=["OAC314"])]
    assert [d.message.split(" but ", 1)[1].split(":", 1)[0] for d in found] == ["panel 'Plain' of dashboard 'Paths' matches it with path="]


def test_oac314_a_variable_query_written_as_an_object(tmp_path: Path) -> None:
    # Grafana 10+ stores a Prometheus query variable's query as an object
    # ({"query": ..., "refId": ...}); its text is read the same as a plain string's.
    board = {"title": "Vars", "uid": "vars", "schemaVersion": 41, "panels": [],
             "templating": {"list": [
                 {"name": "path", "type": "custom", "multi": True, "query": "a,b"},
                 {"name": "code", "type": "query", "datasource": {"type": "prometheus", "uid": "p"},
                  "query": {"query": 'label_values(x{path="$path"}, code)', "refId": "PrometheusVariableQueryEditor-VariableQuery"}},
                 {"name": "method", "type": "query", "datasource": {"type": "prometheus", "uid": "p"},
                  "query": 'label_values(x{path!="$path"}, method)'},
                 # Its own value in its own query: not a dropdown that empties.
                 {"name": "route", "type": "query", "multi": True, "datasource": {"type": "prometheus", "uid": "p"},
                  "query": 'label_values(x{route="$route"}, route)'},
             ]}}
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board), encoding="utf-8")
    found = [(d.message.split(" but ", 1)[1].split(":", 1)[0], d.hint) for d in lint(tmp_path, [path], select=["OAC314"])]
    assert found == [
        ("variable $code of dashboard 'Vars' matches it with path=", 'match it as a regex: path=~"$path"'),
        ("variable $method of dashboard 'Vars' matches it with path!=", 'match it as a regex: path!~"$path"'),
    ]


@pytest.mark.parametrize(
    "expr",
    [
        'sum(x{path="$path", a != "b", c=~"$d"})',
        'x{a="1"} == 1 and y{b >= "2"}',
        '{app="x"} |= "$q" | json | level = "$level" != "a"',
        'x{a.b="$c", 1d="$e", é="$f", g\u00a0=\u00a0"$h"}',
        'x{a=~"b=\\"$c\\"", d="e=\'$f\'"}',
        "x{a=`$b`, c='$d'}",
        'label_replace(x, "a", "$1", "b", "(.*)")',
    ],
)
def test_oac314_matcher_scan_finds_what_the_reference_pattern_finds(expr: str) -> None:
    # The scan from each "=" (a third of the check's time on a 200-dashboard
    # build) must give MATCHER.finditer's matches, in order.
    from obs_as_code.lint.rules.oac314_multi_value_equality import MATCHER, matchers

    assert list(matchers(expr)) == [(m.group(1), m.group(2), m.group(3), m.span()) for m in MATCHER.finditer(expr)]


def test_oac314_matcher_scan_on_random_text() -> None:
    import random

    from obs_as_code.lint.rules.oac314_multi_value_equality import MATCHER, matchers

    pieces = ["a", "_", "1", ".", " ", "\t", "=", "!", "~", "<", ">", '"', "'", "`", "\\", "$", "{", "}", "(", "é", "\u00a0", "job", "$x"]
    rnd = random.Random(314)
    for _ in range(20000):
        expr = "".join(rnd.choice(pieces) for _ in range(rnd.randint(0, 24)))
        assert list(matchers(expr)) == [(m.group(1), m.group(2), m.group(3), m.span()) for m in MATCHER.finditer(expr)], expr

# --- OAC315 -----------------------------------------------------------------


def test_oac315_a_table_format_target_has_no_legend(project: Callable[..., Compiled]) -> None:
    # Grafana turns a table-format result into one column per label and a
    # "Value" column (transformDFToTable): the legend is never read.
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Legends", [
    k.table("Table", k.prom(k.rate("x_total", by=["path"]), "{{status}}", table=True, instant=True)),
    k.timeseries("Series", k.prom(k.rate("x_total", by=["path"]), "{{status}}"), unit=k.REQPS),
], variables=[k.datasource_var()])
"""}, style=True)
    assert _at(compiled, "OAC315") == [(5, 28, "Series")]


# --- OAC316 -----------------------------------------------------------------


def test_oac316_a_percentage_of_a_part_over_its_whole_under_percentunit(project: Callable[..., Compiled]) -> None:
    # 100 * errors / total of one counter is within 0..100 whatever the counter:
    # under percentunit Grafana shows 5 % as 500%.
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Units", [
    k.stat("Error %", k.prom('100 * sum(rate(x_total{code=~"5.."}[5m])) / sum(rate(x_total[5m]))'), unit=k.PERCENTUNIT),
    k.stat("Error % too", k.prom('sum(rate(x_total{code=~"5.."}[5m])) / sum(rate(x_total[5m])) * 100'), unit=k.PERCENTUNIT),
    k.stat("Fine", k.prom('100 * sum(rate(x_total{code=~"5.."}[5m])) / sum(rate(x_total[5m]))'), unit=k.PERCENT),
    k.stat("Other counters", k.prom('100 * sum(rate(a_total[5m])) / sum(rate(b_total[5m]))'), unit=k.PERCENTUNIT),
], variables=[k.datasource_var()])
"""})
    assert _at(compiled, "OAC316") == [(4, 31, "Error %"), (5, 35, "Error % too")]


def test_oac316_an_override_of_another_query_does_not_hide_this_one(project: Callable[..., Compiled]) -> None:
    board = """board = {"title": "Units", "uid": "units", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Errors", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "datasource": {"type": "prometheus", "uid": "prometheus"},
     "fieldConfig": {"defaults": {"unit": "percent"}, "overrides": [
         {"matcher": {"id": "byFrameRefID", "options": "B"}, "properties": [{"id": "unit", "value": "reqps"}]}]},
     "targets": [
         {"refId": "A", "expr": 'sum(rate(x_total{code=~"5.."}[5m])) / sum(rate(x_total[5m]))'},
         {"refId": "B", "expr": "sum(rate(x_total[5m]))"}]},
]}
"""
    compiled = project({"dashboards/case.py": board})
    assert _at(compiled, "OAC316") == [(7, 34, "Errors")]


# --- hidden queries (OAC314, OAC317, OAC318) ----------------------------------


def test_a_hidden_query_no_expression_reads_is_not_run(project: Callable[..., Compiled]) -> None:
    # The Prometheus and Loki plugins drop a hidden target (filterQuery) unless
    # a server-side expression of the panel may read it: then it runs, and its
    # findings stand.
    board = """board = {"title": "Hidden", "uid": "hidden", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Dead", "gridPos": {"h": 4, "w": 8, "x": 0, "y": 0},
     "datasource": {"type": "prometheus", "uid": "prometheus"},
     "targets": [{"refId": "A", "hide": True, "expr": 'sum(rate(x_total{path="$path"}[$__interval]))'},
                 {"refId": "B", "expr": 'sum(rate(x_total{path=~"$path"}[$__rate_interval]))'}]},
    {"id": 2, "type": "logs", "title": "Dead logs", "gridPos": {"h": 4, "w": 8, "x": 8, "y": 0},
     "datasource": {"type": "loki", "uid": "loki"},
     "targets": [{"refId": "A", "hide": True, "expr": '{job=~"$path"}'}, {"refId": "B", "expr": '{job="api"}'}]},
    {"id": 3, "type": "timeseries", "title": "Read", "gridPos": {"h": 4, "w": 8, "x": 16, "y": 0},
     "datasource": {"type": "datasource", "uid": "-- Mixed --"},
     "targets": [{"refId": "A", "hide": True, "datasource": {"type": "prometheus", "uid": "prometheus"},
                  "expr": 'sum(rate(x_total{path="$path"}[$__interval]))'},
                 {"refId": "B", "datasource": {"type": "__expr__", "uid": "__expr__"}, "type": "math", "expression": "$A * 2"}]},
], "templating": {"list": [{"name": "path", "type": "query", "multi": True, "includeAll": True, "allValue": ".*",
                            "query": "label_values(x_total, path)", "datasource": {"type": "prometheus", "uid": "prometheus"}}]}}
"""
    compiled = project({"dashboards/case.py": board})
    assert [(d.code, d.location.line, d.location.col) for d in compiled.diagnostics if d.code in ("OAC314", "OAC317", "OAC318")] == [
        # At the target: the PromQL checks read no hidden query, so its string has no site.
        ("OAC314", 11, 18),
        ("OAC317", 11, 18),
    ]


def test_oac317_incremental_builds_read_the_same_scrape_interval(tmp_path: Path) -> None:
    # Per module in an incremental build the dashboard checks see the module and
    # the datasources only: the scrape interval must come from there, so that a
    # build with the cache and one without agree, and a datasource edit is seen.
    from dash_support import write_project

    from obs_as_code.pipeline import build

    def datasources(interval: str) -> str:
        return f"""from obs_as_code import Datasource

prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus", is_default=True,
                        json_data={{"timeInterval": "{interval}"}})
"""

    scrape = 'from obs_as_code import PrometheusConfig\n\nconfig = PrometheusConfig(scrape_interval="5s")\n'
    board = _interval_board(("Panel 2m", "2m", ""))
    write_project(tmp_path, {"dashboards/case.py": board, "datasources/main.py": datasources("1m"), "scrape/prometheus.py": scrape},
                  datasources=False)

    def found(incremental: bool) -> list[tuple[int, int]]:
        if incremental:
            result = build(tmp_path, incremental=True)
        else:
            result = build(tmp_path, out_dir=tmp_path / "clean", check=True)
        return [(d.location.line, d.location.col) for d in result.diagnostics if d.code == "OAC317"]

    assert found(True) == found(False) == [(2, 233)]
    (tmp_path / "datasources/main.py").write_text(datasources("30s"))
    assert found(True) == found(False) == []
    (tmp_path / "dashboards/case.py").write_text(board + "# edited\n")  # the module's checks run again, on their own
    assert found(True) == found(False) == []


# --- gaps: OAC317 functions that need two samples -------------------------------


def test_oac317_every_function_that_needs_two_samples(project: Callable[..., Compiled]) -> None:
    # predict_linear, holt_winters and double_exponential_smoothing return nothing
    # from a window of fewer than two samples (Prometheus' funcPredictLinear,
    # funcDoubleExponentialSmoothing), as rate does; changes and resets return 0.
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Windows", [
    k.timeseries("Predict", k.prom('predict_linear(x_bytes[$__interval], 3600)')),
    k.timeseries("Holt", k.prom('holt_winters(x_bytes[$__interval], 0.5, 0.5)')),
    k.timeseries("Smooth", k.prom('double_exponential_smoothing(x_bytes[$__interval], 0.5, 0.5)')),
    k.timeseries("Changes", k.prom('changes(x_bytes[$__interval])')),
    k.timeseries("Resets", k.prom('resets(x_total[$__interval])')),
], variables=[k.datasource_var()])
"""})
    found = [d for d in compiled.diagnostics if d.code == "OAC317"]
    assert [(d.location.line, d.location.col) for d in found] == [(4, 60), (5, 55), (6, 73)]  # at $__interval
    assert [d.message.split("()", 1)[0] for d in found] == ["predict_linear", "holt_winters", "double_exponential_smoothing"]


# --- gaps: OAC314 reads Prometheus and Loki variables only -----------------------


def test_oac314_variables_of_other_datasources_are_not_judged(project: Callable[..., Compiled]) -> None:
    # Its hint (=~) is PromQL's and LogQL's: a SQL datasource writes a multi-value
    # variable as a quoted list (IN (...) is the fix), InfluxQL matches /regex/.
    # A "$datasource" reference (Ceph's dashboards) is the datasource variable's type.
    board = """board = {"title": "Vars", "uid": "vars", "schemaVersion": 41, "panels": [], "templating": {"list": [
    {"name": "datasource", "type": "datasource", "query": "prometheus"},
    {"name": "h", "type": "query", "multi": True, "includeAll": True, "query": "label_values(up, host)",
     "datasource": {"type": "prometheus", "uid": "prometheus"}},
    {"name": "sql", "type": "query", "query": "SELECT disk FROM disks WHERE host = '$h'",
     "datasource": {"type": "grafana-postgresql-datasource", "uid": "pg"}},
    {"name": "influx", "type": "query", "query": "SHOW TAG VALUES WITH KEY = \\"disk\\" WHERE host = '$h'",
     "datasource": {"type": "influxdb", "uid": "influx"}},
    {"name": "prom", "type": "query", "query": 'label_values(disk_total{host="$h"}, disk)', "datasource": "$datasource"},
    {"name": "logs", "type": "query", "query": 'label_values({host="$h"}, disk)', "datasource": {"type": "loki", "uid": "loki"}},
]}}
"""
    compiled = project({"dashboards/case.py": board})
    found = [d for d in compiled.diagnostics if d.code == "OAC314"]
    assert [(d.location.line, d.location.col, d.message.split("variable $", 2)[2].split(" ", 1)[0]) for d in found] == [
        (9, 5, "prom"),
        (10, 5, "logs"),
    ]
    assert [d.hint for d in found] == ['match it as a regex: host=~"$h"'] * 2


# --- gaps: OAC316 reads a legacy graph's right y axis ----------------------------


def _graph(i: int, title: str, left: str, right: str, alias: str, legend: str) -> str:
    """A legacy graph panel showing an error ratio whose legend is ``legend``, with
    y axes ``left`` / ``right`` and a seriesOverrides moving ``alias`` right."""
    return (
        f'    {{"id": {i}, "type": "graph", "title": "{title}", "gridPos": {{"h": 4, "w": 4, "x": {4 * i}, "y": 0}}, '
        f'"datasource": {{"type": "prometheus", "uid": "prometheus"}}, '
        f'"yaxes": [{{"format": "{left}"}}, {{"format": "{right}"}}], "seriesOverrides": [{{"alias": "{alias}", "yaxis": 2}}], '
        f'"targets": [{{"refId": "A", "legendFormat": "{legend}", '
        """"expr": 'sum(rate(x_total{code=~"5.."}[5m])) / sum(rate(x_total[5m]))'}]},"""
    )


def test_oac316_a_series_moved_to_the_right_axis_gets_its_unit(project: Callable[..., Compiled]) -> None:
    # A seriesOverrides entry with yaxis 2 puts the series its alias names (a
    # /regex/ or the exact name) on the right axis, shown in yaxes[1].format
    # (Grafana's migration of the graph panel: an override by the alias). A
    # templated legend's series names are not known: with two units, no finding.
    board = "\n".join([
        'board = {"title": "Axes", "uid": "axes", "schemaVersion": 41, "panels": [',
        _graph(1, "Moved", "percent", "percentunit", "errors", "errors"),
        _graph(2, "Moved by regex", "percent", "percentunit", "/^ERR/i", "errors"),
        _graph(3, "Not moved", "percent", "percentunit", "other", "errors"),
        _graph(4, "Unknown", "percent", "percentunit", "other", "{{path}}"),
        _graph(5, "Right is wrong", "percentunit", "percent", "errors", "errors"),
        "]}",
        "",
    ])
    compiled = project({"dashboards/case.py": board})
    found = [d for d in compiled.diagnostics if d.code == "OAC316"]
    assert _at(compiled, "OAC316") == [(4, 335, "Not moved"), (6, 341, "Right is wrong")]  # at the query, in its string
    assert [d.message.split("has unit ", 1)[1].split(" ", 1)[0] for d in found] == ["'percent'", "'percent'"]


# --- gaps: OAC318 reads Loki variable queries ------------------------------------


def test_oac318_the_stream_selector_of_a_loki_variable(project: Callable[..., Compiled]) -> None:
    # Grafana's Loki datasource sends the selector of label_values(selector, label)
    # (or of {"type": 1, "label": ..., "stream": ...}), written as in a panel query,
    # as the query of /loki/api/v1/label/<label>/values, which Loki's querier
    # parses with validation: refused when every matcher matches "". A label names
    # query sends no selector; a Prometheus variable is not Loki's.
    board = r"""board = {"title": "Vars", "uid": "vars", "schemaVersion": 41, "panels": [], "templating": {"list": [
    {"name": "svc", "type": "query", "includeAll": True, "allValue": ".*", "query": "label_values(up, job)",
     "datasource": {"type": "prometheus", "uid": "prometheus"}},
    {"name": "pod", "type": "query", "query": 'label_values({job=~"$svc"}, pod)', "datasource": {"type": "loki", "uid": "loki"}},
    {"name": "obj", "type": "query", "query": {"refId": "A", "type": 1, "label": "pod", "stream": '{job=~"$svc"}'},
     "datasource": {"type": "loki", "uid": "loki"}},
    {"name": "bare", "type": "query", "query": 'label_values(job=~"$svc", pod)', "datasource": {"type": "loki", "uid": "loki"}},
    {"name": "names", "type": "query", "query": {"refId": "A", "type": 0, "stream": '{job=~"$svc"}'},
     "datasource": {"type": "loki", "uid": "loki"}},
    {"name": "kept", "type": "query", "query": 'label_values({job=~"$svc", ns="prod"}, pod)', "datasource": {"type": "loki", "uid": "loki"}},
    {"name": "prom", "type": "query", "query": 'label_values({job=~"$svc"}, pod)', "datasource": {"type": "prometheus", "uid": "prometheus"}},
]}}
"""
    compiled = project({"dashboards/case.py": board})
    found = [d for d in compiled.diagnostics if d.code == "OAC318"]
    assert [(d.location.line, d.location.col, d.message.split("variable $", 1)[1].split(" ", 1)[0]) for d in found] == [
        (4, 5, "pod"),
        (5, 5, "obj"),
        (7, 5, "bare"),
    ]
    assert 'Loki refuses {job=~"$svc"} in the query of variable $pod' in found[0].message
