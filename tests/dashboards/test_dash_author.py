"""Mistakes a dashboard author makes, each reported at the author's line with a
message that says what to do (found writing new dashboards with the kit, the SDK,
grafanalib and dicts)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from obs_as_code.lint.api import lint
from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"


def _of(compiled: Compiled, code: str) -> list[tuple[int, int, str, str | None]]:
    return [(d.location.line, d.location.col, d.message, d.hint) for d in compiled.diagnostics if d.code == code]


@pytest.mark.parametrize(
    "expr",
    [
        'sum(count_over_time({job="api"} |= "error" [5m]))',
        '{job="api"} |~ "time(out|d out)"',
        '{job="api"} | json | level="error"',
        'sum by (level) (rate({job="api"} | logfmt [$__auto]))',
        '{job="api"} != "healthz"',
    ],
)
def test_logql_in_a_prometheus_target_says_so(expr: str, project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + f"""board = k.dashboard("Logs", [
    k.timeseries("Errors", k.prom({expr!r})),
], variables=[k.datasource_var()])
"""})
    [(line, _col, message, hint)] = _of(compiled, "OAC302")
    assert line == 4
    assert "invalid PromQL" in message
    assert hint is not None and "LogQL" in hint and "k.loki(" in hint


def test_plain_promql_syntax_error_gets_no_logql_hint(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Syntax", [
    k.timeseries("Errors", k.prom('sum(rate(x_total{status!="200"}[5m])')),
], variables=[k.datasource_var()])
"""})
    [(_line, _col, _message, hint)] = _of(compiled, "OAC302")
    assert hint is None


def test_a_wrong_datasource_on_a_kit_target_is_one_finding_at_the_target(project: Callable[..., Compiled]) -> None:
    """The kit gives the panel its first target's datasource: one typo, one error,
    where it was written (it was reported twice, once at the panel)."""
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Sources", [
    k.stat("Up", k.prom("sum(up)", datasource=k.ds("prometheus", "promethues"))),
    k.stat("Down", k.prom("sum(up)"), k.prom("sum(up)", datasource=k.ds("prometheus", "thanos")),
           datasource=k.ds("prometheus", "thanos")),
], variables=[k.datasource_var()])
"""})
    found = _of(compiled, "OAC307")
    assert [(line, col, message) for line, col, message, _hint in found] == [
        (4, 18, "datasource uid 'promethues' is not declared "
                "(dashboard 'Sources', panels.0.targets.0.datasource and panels.0.datasource)"),
        (5, 39, "datasource uid 'thanos' is not declared "
                "(dashboard 'Sources', panels.1.targets.1.datasource and panels.1.datasource)"),
    ]


def test_a_panel_and_target_naming_different_wrong_datasources_are_two_findings(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": """board = {"title": "Two", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "datasource": {"type": "prometheus", "uid": "thanos"},
     "targets": [{"refId": "A", "expr": "sum(up)", "datasource": {"type": "prometheus", "uid": "mimir"}}]},
]}
"""})
    assert [message for _l, _c, message, _h in _of(compiled, "OAC307")] == [
        "datasource uid 'thanos' is not declared (dashboard 'Two', panels.0.datasource)",
        "datasource uid 'mimir' is not declared (dashboard 'Two', panels.0.targets.0.datasource)",
    ]


SDK_PANELS_IN_KIT = HEAD + """from grafana_foundation_sdk.builders import heatmap, timeseries

_heat = (
    heatmap.Panel()
    .title("Latency distribution")
    .with_target(k.prom("sum by (le) (increase(x_seconds_bucket[$__rate_interval]))"))
    .span(12)
)

board = k.dashboard(
    "Mixed builders",
    [
        k.row("Distribution", [_heat, k.stat("Up", k.prom("sum(up)"))]),
        k.row("Raw", [
            k.stat("Down", k.prom("sum(up)")),
            timeseries.Panel().title("Request latency").with_target(k.prom(k.quantile(0.9, "x_seconds"))),
        ]),
        timeseries.Panel().title("Mean latency").with_target(
            k.prom("sum(rate(x_seconds_sum[5m])) / sum(rate(x_seconds_count[5m]))")),
    ],
    variables=[k.datasource_var()],
)
"""


def test_sdk_panels_in_kit_rows_are_located_where_written(project: Callable[..., Compiled]) -> None:
    """A panel built with the SDK (the kit has no heatmap) and placed with k.row or
    k.dashboard is reported at its own lines: OAC305 at the query of its target
    (the string, or the k.prom call that builds it), each in the panel's own
    builder chain; it was reported at the k.dashboard line."""
    compiled = project({"dashboards/case.py": SDK_PANELS_IN_KIT})
    assert [(line, col) for line, col, _m, _h in _of(compiled, "OAC305")] == [(8, 26), (18, 69), (21, 21)]


@pytest.mark.parametrize(
    ("expr", "found"),
    [
        ('sum(x{path="$path"})', [("path", "path", "=")]),
        ('sum(x{job="api", path!="${path}"})', [("path", "path", "!=")]),
        ('sum(x{route="/v1/[[path]]/chat"})', [("path", "route", "=")]),
        ('sum(x{path="${path:regex}"})', [("path", "path", "=")]),
        ('sum(x{path=~"$path"})', []),
        ('sum(x{path!~"$path"})', []),
        ('sum(x{path="$single"})', []),
        ('{job="api"} != "$path" |= "$path"', []),
        ('{job="api"} | json | path="$path"', [("path", "path", "=")]),
        ('sum(x{path="$__rate_interval"})', []),
        ('count(x == 1) and on(path) y{path=~"$path"}', []),
    ],
)
def test_multi_value_matchers(expr: str, found: list[tuple[str, str, str]]) -> None:
    from obs_as_code.lint.rules.oac314_multi_value_equality import misuses

    assert [(name, label, op) for name, label, op, _value, _span in misuses(expr, {"path"})] == found


def test_multi_value_variable_matched_with_equals(project: Callable[..., Compiled]) -> None:
    """All of a custom variable, and a collapsed row repeated by another variable."""
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Services", [
    k.logs("Logs", k.loki('{job="$service"} |= "error"')),
    k.row("Per model", [k.stat("Model", k.prom('sum(up{model="$model", job="$service"})'))],
          collapsed=True, repeat="model"),
], variables=[
    k.datasource_var(),
    k.custom_var("service", ["api", "gateway"], include_all=True),
    k.query_var("model", "label_values(up, model)", multi=True),
    k.query_var("one", "label_values(up, job)"),
])
"""})
    found = [(line, message.split(" may ")[0]) for line, _col, message, _hint in _of(compiled, "OAC314")]
    assert found == [(4, "variable $service"), (5, "variable $service")]


EXPRESSIONS = HEAD + """from grafana_foundation_sdk.builders import expr

board = k.dashboard("Budget", [
    k.stat("Budget used", k.prom("sum(team_spend_usd)", ref_id="A"), k.prom("sum(team_budget_usd)", ref_id="B"),
           expr.TypeMath().expression("$A / $B").ref_id("C"), unit=k.PERCENTUNIT),
    k.stat("Last spend", k.prom("sum(team_spend_usd)", ref_id="A"),
           expr.TypeReduce().expression("A").reducer("last").ref_id("R"), unit=k.USD),
], variables=[k.datasource_var()])
"""


def test_server_side_expressions_run_on_the_expression_datasource(project: Callable[..., Compiled]) -> None:
    """The SDK's expression builders (expr.TypeMath ...) set no datasource: Grafana
    would send the expression to the panel's Prometheus as an empty query, and the
    checks read it so (OAC302 "empty expression", OAC306 "$A is not defined").
    They get Grafana's expression datasource, as its query editor writes them."""
    compiled = project({"dashboards/case.py": EXPRESSIONS})
    assert [(d.code, d.message) for d in compiled.diagnostics] == []
    from obs_as_code.dashboards.project import render_project

    [rendered] = render_project(compiled.project).checked
    targets = [t for p in rendered.json["panels"] for t in p["targets"]]
    assert [t.get("datasource") for t in targets] == [
        {"type": "prometheus", "uid": "${datasource}"}, {"type": "prometheus", "uid": "${datasource}"},
        {"type": "__expr__", "uid": "__expr__"},
        {"type": "prometheus", "uid": "${datasource}"}, {"type": "__expr__", "uid": "__expr__"},
    ]


def test_a_dollar_in_a_text_panel_is_not_an_undefined_variable(project: Callable[..., Compiled]) -> None:
    """Grafana leaves an unknown $word in a text panel (and a description) as it is:
    prose such as "in $USD" is no query that matches nothing."""
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Cost", [
    k.text("About", "Spend is in $USD per $team; budgets come from finance."),
    k.stat("Spend", k.prom('sum(team_spend_usd{team=~"$team"})'), unit=k.USD, description="Spend in $USD."),
    k.stat("Budget", k.prom('sum(team_budget_usd{team=~"$teem"})'), unit=k.USD),
], variables=[k.datasource_var(), k.query_var("team", "label_values(team_spend_usd, team)", multi=True)])
"""})
    assert [(line, message) for line, _c, message, _h in _of(compiled, "OAC306")] == [
        (6, "variable $teem is used in dashboard 'Cost' but not defined"),
    ]


CATALOG = """from obs_as_code import Metric, MetricsCatalog

cat = MetricsCatalog(name="c", metrics=[
    Metric("llm_requests_total", "counter", ["provider", "model", "status"], unit="requests"),
])
"""


def test_a_legend_label_the_result_lacks_is_found_at_its_own_target(project: Callable[..., Compiled]) -> None:
    """Two targets of one query text with different legends: the one naming a
    label the catalog's metric lacks is reported at its own line (plain dict)."""
    compiled = project({"catalog/c.py": CATALOG, "dashboards/case.py": """board = {"title": "LLM", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "By model", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
     "datasource": {"type": "prometheus", "uid": "prometheus"},
     "targets": [{"refId": "A", "expr": "sum by (model) (rate(llm_requests_total[5m]))", "legendFormat": "{{model}}"}]},
    {"id": 2, "type": "timeseries", "title": "By team", "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
     "datasource": {"type": "prometheus", "uid": "prometheus"},
     "targets": [{"refId": "A", "expr": "sum by (model) (rate(llm_requests_total[5m]))", "legendFormat": "{{team}}"}]},
    {"id": 3, "type": "timeseries", "title": "Raw", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 8},
     "datasource": {"type": "prometheus", "uid": "prometheus"},
     "targets": [{"refId": "A", "expr": "rate(llm_requests_total[5m])", "legendFormat": "{{provider}} {{team}} {{instance}}"}]},
]}
"""}, style=True)
    found = [(line, message.split(", which")[0]) for line, _col, message, _hint in _of(compiled, "OAC315")]
    assert found == [
        (7, "legend '{{team}}' of panel 'By team' in dashboard 'LLM' names 'team'"),
        (10, "legend '{{provider}} {{team}} {{instance}}' of panel 'Raw' in dashboard 'LLM' names 'team'"),
    ]
    assert all(d.severity.value == "warning" for d in compiled.diagnostics if d.code == "OAC315")


def test_an_undefined_variable_in_a_query_is_named_at_its_token(project: Callable[..., Compiled]) -> None:
    """The caret under the misspelt variable, not under k.prom( (a query the
    helpers build stays at its k.prom line)."""
    source = HEAD + """board = k.dashboard("Vars", [
    k.timeseries("Paths", k.prom('sum by (path) (rate(x_total{job="api", path=~"$pth"}[5m]))'), unit=k.REQPS),
    k.timeseries("Built", k.prom(k.rate("x_total", 'code=~"$cod"', by=["path"])), unit=k.REQPS),
], variables=[k.datasource_var(), k.query_var("path", "label_values(x_total, path)", multi=True)])
"""
    compiled = project({"dashboards/case.py": source})
    lines = source.splitlines()
    found = [(line, col, message.split(" is used")[0]) for line, col, message, _h in _of(compiled, "OAC306") if " is used" in message]
    assert found == [
        (4, lines[3].index("$pth") + 1, "variable $pth"),
        (5, lines[4].index("k.prom") + 1, "variable $cod"),
    ]


PERCENT_CATALOG = """from obs_as_code import Metric, MetricsCatalog

cat = MetricsCatalog(name="c", metrics=[
    Metric("http_requests_total", "counter", ["path", "status"], unit="requests"),
    Metric("team_spend_usd", "gauge", ["team"], unit="dollars"),
    Metric("team_budget_usd", "gauge", ["team"], unit="dollars"),
])
"""


def test_ratio_units_against_the_catalog(project: Callable[..., Compiled]) -> None:
    """Spend over budget under percent, a percentage under percentunit: reported;
    an override by the query's refId decides; one by name leaves it alone."""
    source = HEAD + """from grafana_foundation_sdk.models import dashboard as m

board = k.dashboard("Budgets", [
    k.gauge("Spend/budget", k.prom("sum(team_spend_usd) / sum(team_budget_usd)"), unit=k.PERCENT),
    k.stat("Errors %", k.prom('100 * sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'),
           unit=k.PERCENTUNIT),
    k.stat("By refId", k.prom("sum(team_spend_usd) / sum(team_budget_usd)", ref_id="A"), unit=k.PERCENTUNIT).with_override(
        m.MatcherConfig(id_val="byFrameRefID", options="A"), [m.DynamicConfigValue(id_val="unit", value="percent")]),
    k.stat("By name", k.prom("sum(team_spend_usd) / sum(team_budget_usd)"), unit=k.PERCENT).with_override(
        m.MatcherConfig(id_val="byName", options="Value"), [m.DynamicConfigValue(id_val="unit", value="percentunit")]),
    k.gauge("Fine", k.prom("sum(team_spend_usd) / sum(team_budget_usd)"), unit=k.PERCENTUNIT),
], variables=[k.datasource_var()])
"""
    compiled = project({"catalog/c.py": PERCENT_CATALOG, "dashboards/case.py": source})
    found = [(line, message.split(" but ")[0]) for line, _col, message, _hint in _of(compiled, "OAC316")]
    assert found == [
        (6, "panel 'Spend/budget' of dashboard 'Budgets' has unit 'percent'"),
        (7, "panel 'Errors %' of dashboard 'Budgets' has unit 'percentunit'"),
        (9, "panel 'By refId' of dashboard 'Budgets' has unit 'percent'"),
    ]


def test_two_targets_of_a_panel_with_one_ref_id(project: Callable[..., Compiled]) -> None:
    """Grafana's backend answers queries in a map by refId: of two targets named
    "A" one result is lost. Reported at the second target."""
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Refs", [
    k.timeseries("Two A's", k.prom(k.rate("x_total", by=["status"]), "{{status}}", ref_id="A"),
                 k.prom(k.rate("x_total", by=["path"]), "{{path}}", ref_id="A"), unit=k.REQPS),
    k.timeseries("A and B", k.prom(k.rate("x_total"), ref_id="A"), k.prom(k.rate("y_total"), ref_id="B"), unit=k.REQPS),
    k.timeseries("A", k.prom(k.rate("x_total"), ref_id="A"), unit=k.REQPS),
], variables=[k.datasource_var()])
"""})
    assert [(line, col, message) for line, col, message, _h in _of(compiled, "OAC303")] == [
        (5, 18, "refId 'A' is used by two targets of panel \"Two A's\" in dashboard 'Refs': Grafana keeps one of their results"),
    ]


def test_duplicate_ref_ids_fast_path_agrees() -> None:
    from obs_as_code.dashboards.render import RenderedDashboard
    from obs_as_code.lint.rules import oac303_duplicate_panel as oac303

    def board(*refs: object) -> RenderedDashboard:
        targets = [{"refId": r, "expr": "up"} for r in refs]
        return RenderedDashboard({"title": "B", "panels": [{"id": 1, "type": "stat", "title": "S", "targets": targets}]}, "b", "")

    for refs, clean in ((("A", "B"), True), (("A", "A"), False), (("", ""), True), ((None, None), True), (("A",), True)):
        assert oac303.clean(board(*refs)) is clean
        assert (not list(oac303.findings(board(*refs)))) is clean


def test_kit_heatmap_of_histogram_buckets() -> None:
    """A latency heatmap needed the SDK's heatmap builder, a hand-written bucket
    query, format=heatmap, legend {{le}}, calculate off and the y axis unit."""
    from obs_as_code.dashboards import kit as k
    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef
    from obs_as_code.validate.schema import dashboard_errors

    assert k.buckets("x_seconds", 'job="api"') == 'sum by (le) (increase(x_seconds_bucket{job="api"}[$__rate_interval]))'
    assert k.buckets("x_seconds_bucket", by=["path"], fn="rate") == "sum by (le, path) (rate(x_seconds_bucket[$__rate_interval]))"
    board = k.dashboard("H", [k.heatmap("Latency", k.prom(k.buckets("x_seconds")), unit=k.SECONDS)], variables=[k.datasource_var()])
    data = render_dashboard(DashboardDef(board, uid="h")).json
    assert list(dashboard_errors(data)) == []
    [panel] = data["panels"]
    assert panel["type"] == "heatmap" and panel["gridPos"]["w"] == 12
    assert panel["options"]["calculate"] is False and panel["options"]["yAxis"]["unit"] == "s"
    [target] = panel["targets"]
    assert target["format"] == "heatmap" and target["legendFormat"] == "{{le}}"
    assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}


def test_kit_heatmap_is_checked_at_its_line(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("H", [
    k.heatmap("Latency", k.prom(k.buckets("x_seconds"))),
    k.heatmap("Queue depth", k.prom(k.buckets("queue_depth"), "{{le}}"), unit=k.SHORT),
], variables=[k.datasource_var()])
"""})
    assert [(d.code, d.location.line) for d in compiled.diagnostics] == [("OAC305", 4)]
    assert compiled.diagnostics[0].hint == (
        'set the y axis unit: k.heatmap(..., unit=k.SECONDS), or .y_axis(heatmap.YAxisConfig().unit("s")) '
        "(options.yAxis.unit; a field unit labels the cells' counts)"
    )


VARIABLE_LINES = HEAD + """board = k.dashboard(
    "Vars",
    [k.timeseries("Up", k.prom('sum(up{job=~"$job"})'), unit=k.SHORT)],
    variables=[
        k.datasource_var(),
        k.query_var("job", "label_values(up, job)", multi=True),
        k.custom_var("unused", ["a", "b"]),
        k.query_var("broken", "label_values(up, job)", datasource=k.ds("prometheus", "nope")),
    ],
    annotations=[k.alerts_annotation(), k.deploys_annotation()],
    links=[k.link_url("Runbook", "https://runbooks.example.com/$missing")],
)
"""


def test_kit_variables_annotations_and_links_are_located_where_written(project: Callable[..., Compiled]) -> None:
    """A variable defined and unused, a variable's undeclared datasource, a link
    using an undefined variable: each at the line of its kit call, not at
    k.dashboard's."""
    compiled = project({"dashboards/case.py": VARIABLE_LINES})
    found = sorted((d.code, d.location.line, d.location.col) for d in compiled.diagnostics)
    assert found == [
        ("OAC306", 9, 9),   # $unused defined, not used
        ("OAC306", 10, 9),  # $broken defined, not used
        ("OAC306", 13, 12),  # $missing in the link
        ("OAC307", 10, 9),  # datasource 'nope'
    ]


def test_variables_and_links_of_dict_grafanalib_and_sdk_dashboards_are_located(project: Callable[..., Compiled]) -> None:
    """Read from the module's syntax tree, as their panels are: an unused
    variable, a link's undefined variable, at their own lines."""
    compiled = project({
        "dashboards/plain.py": """board = {
    "title": "Plain", "schemaVersion": 41,
    "links": [{"title": "Docs", "url": "https://x/$nope"}],
    "templating": {"list": [
        {"name": "job", "type": "custom", "query": "a,b"},
    ]},
    "panels": [],
}
""",
        "dashboards/glib.py": """from grafanalib.core import Dashboard, Template, Templating

board = Dashboard(
    title="Glib",
    templating=Templating(list=[
        Template(name="job", query="a,b", type="custom"),
    ]),
).auto_panel_ids()
""",
        "dashboards/chain.py": """from grafana_foundation_sdk.builders import dashboard as sdk

board = (
    sdk.Dashboard("Chain")
    .with_variable(sdk.CustomVariable("job").values("a,b"))
    .link(sdk.DashboardLink("Docs").url("https://x/$nope"))
)
""",
    })
    found = sorted((d.location.file, d.location.line, d.message.split(" is ")[0]) for d in compiled.diagnostics if d.code == "OAC306")
    assert found == [
        ("dashboards/chain.py", 5, "variable $job"),
        ("dashboards/chain.py", 6, "variable $nope"),
        ("dashboards/glib.py", 6, "variable $job"),
        ("dashboards/plain.py", 3, "variable $nope"),
        ("dashboards/plain.py", 5, "variable $job"),
    ]


def test_a_missing_datasource_variable_is_one_finding_per_dashboard(project: Callable[..., Compiled]) -> None:
    """Forgetting k.datasource_var() was an OAC307 error per panel (and OAC306 once),
    then one of each with the same hint; now OAC306 alone, with both ways out."""
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("No var", [
    k.stat("A", k.prom("sum(up)")),
    k.stat("B", k.prom("sum(up)")),
    k.stat("C", k.prom("sum(up)")),
])
"""})
    [found] = compiled.diagnostics
    assert (found.code, found.location.line) == ("OAC306", 4)
    assert found.message == "variable $datasource is used in dashboard 'No var' but not defined"
    assert found.hint == (
        "add a datasource variable to the dashboard: variables=[kit.datasource_var()] "
        "(kit.prom reads $datasource unless given datasource=), or reference a declared datasource: loki, prometheus"
    )


def test_a_missing_datasource_variable_without_declared_datasources_is_the_same_finding(
    project: Callable[..., Compiled],
) -> None:
    # OAC307 does not run without datasources/: the OAC306 finding is the one it always was.
    compiled = project({"dashboards/case.py": HEAD + 'board = k.dashboard("No var", [k.stat("A", k.prom("sum(up)"))])\n'},
                       datasources=False)
    assert [(d.code, d.hint) for d in compiled.diagnostics] == [(
        "OAC306",
        "add a datasource variable to the dashboard: variables=[kit.datasource_var()] "
        "(kit.prom reads $datasource unless given datasource=)",
    )]


def test_a_variable_of_another_type_as_the_datasource_stays_oac307(project: Callable[..., Compiled]) -> None:
    # $datasource defined, as a query variable: OAC306 has nothing to say; OAC307 does.
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Wrong var", [
    k.stat("A", k.prom("sum(up)")),
], variables=[k.query_var("datasource", "label_values(up, job)")])
"""})
    assert [(d.code, d.message.split(" (dashboard")[0]) for d in compiled.diagnostics] == [
        ("OAC307", "datasource variable $datasource is not a datasource variable of the dashboard"),
    ]


def test_a_kit_panel_over_two_datasources_is_mixed() -> None:
    """A Prometheus and a Loki target in one panel: the panel took the first
    target's datasource (Prometheus), and Grafana runs and edits a panel's
    queries with the panel's datasource unless it is -- Mixed --."""
    from obs_as_code.dashboards import kit as k
    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = k.dashboard("M", [
        k.timeseries("Both", k.prom("sum(up)"), k.loki('sum(count_over_time({job="api"}[5m]))')),
        k.timeseries("Two Prometheus", k.prom("sum(up)"), k.prom("sum(up)", datasource=k.ds("prometheus", "prometheus"))),
        k.timeseries("Same", k.prom("sum(up)"), k.prom("count(up)")),
    ], variables=[k.datasource_var()])
    panels = render_dashboard(DashboardDef(board, uid="m")).json["panels"]
    assert [p["datasource"] for p in panels] == [
        {"type": "datasource", "uid": "-- Mixed --"},
        {"type": "datasource", "uid": "-- Mixed --"},
        {"type": "prometheus", "uid": "${datasource}"},
    ]
    assert k.MIXED.uid == "-- Mixed --"


def test_kit_traceql_and_instant_loki_targets() -> None:
    """A Tempo search needed the SDK's tempo builder with its datasource written
    twice; an instant Loki query for a stat had no kit argument (k.prom has one)."""
    from obs_as_code.dashboards import kit as k
    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef
    from obs_as_code.validate.schema import dashboard_errors

    board = k.dashboard("T", [
        k.table("Slow traces", k.traceql('{ resource.service.name = "api" && duration > 2s }', limit=20)),
        k.stat("Errors", k.loki('sum(count_over_time({job="api"} |= "error" [$__range]))', instant=True)),
    ])
    data = render_dashboard(DashboardDef(board, uid="t")).json
    assert list(dashboard_errors(data)) == []
    traces, errors = data["panels"]
    assert traces["datasource"] == {"type": "tempo", "uid": "tempo"}
    assert traces["targets"] == [{"datasource": {"type": "tempo", "uid": "tempo"}, "filters": [], "limit": 20, "query": '{ resource.service.name = "api" && duration > 2s }',
                                  "queryType": "traceql", "refId": "A", "tableType": "traces"}]
    assert errors["targets"][0]["queryType"] == "instant"


COMMON_MISTAKES = HEAD + """_REQ = "opencode_http_requests_total"
_LAT = "opencode_http_request_duration_seconds"

board = k.dashboard("Mistakes", [
    k.timeseries("Requests", k.prom('rate(opencode_http_requests_total{job="opencode-api"}[5m])'), unit=k.REQPS),
    k.timeseries("p95", k.prom("histogram_quantile(0.95, opencode_http_request_duration_seconds)"), unit=k.SECONDS),
    k.timeseries("Latency p99", k.prom(k.quantile(0.99, _LAT))),
    k.timeseries("By path", k.prom('sum by (path) (rate(opencode_http_requests_total{path=~"$pth"}[5m]))'), unit=k.REQPS),
    k.stat("Up", k.prom("sum(up)", datasource=k.ds("prometheus", "promethues"))),
    k.timeseries("One path", k.prom('sum(rate(opencode_http_requests_total{path="$path"}[5m]))'), unit=k.REQPS),
    k.timeseries("Requests", k.prom(k.rate(_REQ)), unit=k.REQPS),
    k.timeseries("Errors", k.prom('sum(rate(opencode_http_requests_total{status=~"5.."}[5m])'), unit=k.REQPS),
    k.timeseries("Error logs", k.prom('sum(count_over_time({job="opencode-api"} |= "error" [5m]))')),
    k.timeseries("By status", k.prom(k.rate(_REQ, by=["path"]), "{{status}}"), unit=k.REQPS),
    k.stat("Error ratio", k.prom(k.ratio(k.rate(_REQ, 'status=~"5.."'), k.rate(_REQ), absent_as_zero=True)), unit=k.PERCENT),
    k.timeseries("Zoomed", k.prom("sum(rate(opencode_http_requests_total[$__interval]))"), unit=k.REQPS),
    k.timeseries("Two A", k.prom(k.rate(_REQ), ref_id="A"), k.prom(k.rate(_REQ, by=["path"]), ref_id="A"), unit=k.REQPS),
], variables=[k.datasource_var(), k.query_var("path", f"label_values({_REQ}, path)", multi=True, include_all=True)])
"""


def test_common_mistakes_each_at_its_line_in_one_run(project: Callable[..., Compiled]) -> None:
    """Thirteen mistakes a dashboard author makes, one per line: one build names
    every one at its own line with its own code."""
    from pathlib import Path

    catalog = (Path(__file__).resolve().parents[2] / "catalog" / "opencode.py").read_text(encoding="utf-8")
    compiled = project({"catalog/opencode.py": catalog, "dashboards/mistakes.py": COMMON_MISTAKES}, style=True)
    found = sorted({(d.location.line, d.code) for d in compiled.diagnostics if d.location.file == "dashboards/mistakes.py"})
    assert found == [
        (7, "OAC301"),   # rate() not aggregated
        (8, "OAC201"),   # histogram_quantile without _bucket (and rate)
        (9, "OAC305"),   # latency without a time unit
        (10, "OAC306"),  # $pth undefined
        (11, "OAC307"),  # undeclared datasource uid
        (12, "OAC314"),  # multi-value variable matched with =
        (13, "OAC303"),  # duplicate title in the row
        (14, "OAC302"),  # unclosed parenthesis
        (15, "OAC302"),  # LogQL in a Prometheus target
        (16, "OAC315"),  # legend label the result lacks
        (17, "OAC316"),  # ratio under percent
        (18, "OAC317"),  # rate over $__interval
        (19, "OAC303"),  # two targets with refId A
    ]
    assert not compiled.ok


@pytest.mark.parametrize(
    ("call", "error", "says"),
    [
        ('k.timeseries("Up", "sum(up)")', TypeError,
         "k.timeseries('Up'): target 'sum(up)' is a str: wrap the query: k.prom('sum(up)') (or k.loki(...) for LogQL)"),
        ('k.stat("Up", k.prom("sum(up)"), 3)', TypeError,
         "k.stat('Up'): target 3 is a int, not a target: give k.prom(...), k.loki(...) or another SDK query builder"),
        ('k.dashboard("x", k.stat("Up", k.prom("sum(up)")))', TypeError,
         "k.dashboard('x'): items is one panel, not a list: write [k.stat(...)] (a list of panels and k.row(...)s)"),
        ('k.row("R", k.stat("Up", k.prom("sum(up)")))', TypeError,
         "k.row('R'): panels is one panel, not a list: write [k.stat(...)] (a list of panels)"),
        ('k.dashboard("x", ["sum(up)"])', TypeError,
         "k.dashboard('x'): item 'sum(up)' is a str, not a panel: give k.timeseries(...), k.stat(...) ... or k.row(...)"),
        ('k.dashboard("x", [], variables=["datasource"])', TypeError,
         "k.dashboard('x'): variable 'datasource' is a str, not a variable: give k.datasource_var(), k.query_var(...), "
         "k.custom_var(...) or k.interval_var(...)"),
        ('k.stat("Up", k.prom("sum(up)"), thresholds=[("green",)])', TypeError,
         "k.stat('Up'): thresholds=[('green',)]: write thresholds=k.thresholds((None, \"green\"), (0.9, \"red\")) "
         "(the base step's value is None)"),
    ],
)
def test_kit_argument_mistakes_say_what_to_write(call: str, error: type[Exception], says: str) -> None:
    """Each raised "'str' object has no attribute 'build'" or "'Panel' object is
    not iterable", naming neither the argument nor the fix."""
    from obs_as_code.dashboards import kit as k

    with pytest.raises(error) as raised:
        eval(call, {"k": k})
    assert str(raised.value) == says


def test_kit_takes_a_list_of_targets_and_thresholds_as_pairs() -> None:
    """Unambiguous spellings are taken: targets in one list, thresholds as
    (value, color) pairs."""
    from obs_as_code.dashboards import kit as k
    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    listed = k.stat("Up", [k.prom("sum(up)"), k.prom("count(up)")], thresholds=[(None, "green"), (1, "red")])
    spread = k.stat("Up", k.prom("sum(up)"), k.prom("count(up)"), thresholds=k.thresholds((None, "green"), (1, "red")))
    a, b = (render_dashboard(DashboardDef(k.dashboard("x", [p]), uid="x")).json["panels"][0] for p in (listed, spread))
    assert a == b and len(a["targets"]) == 2


def test_an_invalid_uid_is_named_at_the_uid_argument(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard(
    "Bad uid",
    [k.stat("Up", k.prom("sum(up)"))],
    uid="api deep dive",
    variables=[k.datasource_var()],
)
"""})
    assert [(d.code, d.location.line, d.location.col) for d in compiled.diagnostics] == [("OAC308", 6, 9)]


def test_a_multi_value_variable_matched_with_equals_in_another_variables_query(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Chained", [
    k.timeseries("Tokens", k.prom('sum(rate(tokens_total{provider=~"$provider", model=~"$model"}[5m]))'), unit=k.SHORT),
], variables=[
    k.datasource_var(),
    k.query_var("provider", "label_values(tokens_total, provider)", multi=True, include_all=True),
    k.query_var("model", 'label_values(tokens_total{provider="$provider"}, model)', multi=True),
    k.query_var("fine", 'label_values(tokens_total{provider=~"$provider"}, model)'),
])
"""})
    found = [(line, message.split(" of dashboard")[0]) for line, _c, message, _h in _of(compiled, "OAC314")]
    assert found == [(8, "variable $provider may hold several values (multi-value or All) but variable $model")]


@pytest.mark.parametrize(
    ("expr", "found"),
    [
        ('{job=~"$s"}', [('{job=~"$s"}', ["s"])]),
        ('{job=~"${s}", level!="debug"} |= "x"', [('{job=~"${s}", level!="debug"}', ["s"])]),
        ('{job=~"$s", ns="prod"}', []),
        ('{job=~"$s"} | line_format "{{.msg}}"', [('{job=~"$s"}', ["s"])]),
        ('sum(rate({job=~"$s"}[5m])) / sum(rate({job="api"}[5m]))', [('{job=~"$s"}', ["s"])]),
        ('{job=~"$other"}', []),
        ('{job=~"$s-.*"}', []),  # '.*-.*' needs the '-'
        ('{job=~"api-$s"}', []),
    ],
)
def test_loki_selectors_empty_at_all(expr: str, found: list[tuple[str, list[str]]]) -> None:
    from obs_as_code.lint.rules.oac318_loki_empty_selector import empty_at_all

    assert empty_at_all(expr, {"s": ".*"}) == found


def test_sdk_panels_listed_in_a_helper_module_of_the_same_name_are_not_mislocated(project: Callable[..., Compiled]) -> None:
    """k.row called in dashboards/_rows/case.py for dashboards/case.py: the
    helper's lines must not be read as the dashboard module's."""
    compiled = project({
        "dashboards/_rows/__init__.py": "",
        "dashboards/_rows/case.py": """from grafana_foundation_sdk.builders import timeseries
from obs_as_code.dashboards import kit as k

def latency_row():
    return k.row("Latency", [timeseries.Panel().title("Request latency").with_target(k.prom("sum(x_seconds)"))])
""",
        "dashboards/case.py": HEAD + """from dashboards._rows.case import latency_row

board = k.dashboard("Helper", [latency_row()], variables=[k.datasource_var()])
""",
    })
    # The helper's k.row is on line 5 too: the old code read its list element's
    # column (30) as if it were the dashboard module's. The finding is at the
    # target, which the module places at the latency_row() element (column 32).
    [found] = [(d.location.file, d.location.line, d.location.col) for d in compiled.diagnostics if d.code == "OAC305"]
    assert found == ("dashboards/case.py", 5, 32)


def test_placed_panels_in_a_helper_module_of_the_same_name_are_not_mislocated(project: Callable[..., Compiled]) -> None:
    """k.placed (what oac import writes) called in a helper whose file name is the
    dashboard module's: the helper's list elements were read as the module's."""
    compiled = project({
        "dashboards/_boards/__init__.py": "",
        "dashboards/_boards/case.py": """from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import prometheus, timeseries
from obs_as_code.dashboards import kit as k
def make(): return k.placed(sdk.Dashboard("Placed"), [timeseries.Panel().title("Request latency").with_target(prometheus.Dataquery().expr("sum(x_seconds)")).grid_pos(k.m.GridPos(h=8, w=12, x=0, y=0))])
""",
        "dashboards/case.py": """from dashboards._boards.case import make


board = make()
""",
    })
    [found] = [(d.location.file, d.location.line, d.location.col) for d in compiled.diagnostics if d.code == "OAC305"]
    assert found == ("dashboards/case.py", 4, 1)


def test_a_regex_go_refuses_is_reported_at_the_panel(project: Callable[..., Compiled]) -> None:
    """Prometheus compiles a matcher's regex with Go's regexp: a panel whose
    regex Go refuses shows "bad_data" in Grafana, though promql-parser's regex
    crate takes it (a named group written (?<x>), a repeat over 1000). A value
    holding a Grafana variable is left alone: Prometheus compiles it once the
    variable is written in."""
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("Regex", [
    k.timeseries("Named", k.prom('sum(rate(http_requests_total{code=~"(?<class>5..)"}[5m]))')),
    k.timeseries("Repeat", k.prom('sum(rate(http_requests_total{code!~"5{1001}"}[5m]))')),
    k.timeseries("Variable", k.prom('sum(rate(http_requests_total{code=~"(?<c>$code)"}[5m]))')),
    k.timeseries("Fine", k.prom('sum(rate(http_requests_total{code=~"(?P<class>5..)"}[5m]))')),
], variables=[k.datasource_var()])
"""})
    found = [(line, message) for line, _col, message, _hint in _of(compiled, "OAC302")]
    assert found == [
        (4, "invalid PromQL in panel 'Named' of dashboard 'Regex': error parsing regexp in "
            'code=~"(?<class>5..)": invalid or unsupported Perl syntax: `(?<`: '
            'sum(rate(http_requests_total{code=~"(?<class>5..)"}[5m]))'),
        (5, "invalid PromQL in panel 'Repeat' of dashboard 'Regex': error parsing regexp in "
            'code!~"5{1001}": invalid repeat count: `{1001}`: sum(rate(http_requests_total{code!~"5{1001}"}[5m]))'),
    ]


def test_oac305_reports_a_panel_once_for_all_its_latency_queries(project: Callable[..., Compiled]) -> None:
    # The unit is the panel's: one finding, at its first latency query.
    compiled = project({"dashboards/case.py": HEAD + """board = k.dashboard("L", [
    k.timeseries(
        "Latency",
        k.prom('histogram_quantile(0.99, sum by (le) (rate(x_seconds_bucket[$__rate_interval])))', "p99"),
        k.prom('histogram_quantile(0.5, sum by (le) (rate(x_seconds_bucket[$__rate_interval])))', "p50"),
    ),
], variables=[k.datasource_var()])
"""})
    assert [(d.code, d.location.line) for d in compiled.diagnostics] == [("OAC305", 6)]


def test_oac305_hints_for_a_legacy_graph(tmp_path: Path) -> None:
    # A graph's unit is its y axis format: "ms" for a _milliseconds histogram;
    # a scaled duration gets the time-or-ratio hint, not the axis one.
    def graph(i: int, title: str, expr: str) -> dict[str, object]:
        return {"id": i, "type": "graph", "title": title, "datasource": {"type": "prometheus", "uid": "p"},
                "gridPos": {"h": 4, "w": 6, "x": 6 * i, "y": 0}, "targets": [{"refId": "A", "expr": expr}]}

    q = "histogram_quantile(0.99, sum by (le) (rate(x_{}_bucket[5m])))"
    board = {"title": "G", "uid": "g", "schemaVersion": 16, "panels": [
        graph(0, "Ms", q.format("milliseconds")), graph(1, "Scaled", q.format("seconds") + " * 1000"),
        graph(2, "S", q.format("seconds")),
    ]}
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board), encoding="utf-8")
    found = [(d.message.split("; ", 1)[1], d.hint) for d in lint(tmp_path, [path], select=["OAC305"])]
    assert found == [
        ("its query returns milliseconds", 'set the format of the y axis its series is on to "ms" '
         "(yaxes[0] on the left, yaxes[1] on the right, where seriesOverrides with yaxis: 2 move it)"),
        ("its query returns a duration multiplied or divided by a number",
         'set a time unit (unit="s", kit.SECONDS; "ms" after * 1000), or a ratio unit (kit.PERCENTUNIT) if it divides by a target'),
        ("its query returns seconds", 'set the format of the y axis its series is on to "s" '
         "(yaxes[0] on the left, yaxes[1] on the right, where seriesOverrides with yaxis: 2 move it)"),
    ]
