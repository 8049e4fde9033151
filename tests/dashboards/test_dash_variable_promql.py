"""OAC302 on the PromQL of Prometheus query variables: Prometheus refuses a
selector all of whose matchers match the empty string ("vector selector must
contain at least one non-empty matcher") in ``label_values``' ``match[]`` as in
a panel query, and the variable's dropdown is empty. Reported at the variable."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from obs_as_code.lint.rules.oac302_panel_query_syntax import variable_promql
from obs_as_code.pipeline import Compiled

HEAD = "from obs_as_code.dashboards import kit as k\n\n"


def _source(query: str, *, loki: bool = False) -> str:
    ds = ", datasource=k.LOKI" if loki else ""
    return HEAD + f'''board = k.dashboard("Hosts", [
    k.timeseries("Up", k.prom('sum(up{{instance=~"$instance"}})'), unit=k.SHORT),
], variables=[
    k.datasource_var(),
    k.query_var("instance", {query!r}{ds}, multi=True),
])
'''


def _oac302(compiled: Compiled) -> list[str]:
    return [str(d) + (f"\n    hint: {d.hint}" if d.hint else "") for d in compiled.diagnostics if d.code == "OAC302"]


@pytest.mark.parametrize(
    "query",
    [
        'label_values({job=~".*"}, instance)',
        'label_values({job!="x", env=""}, instance)',
        '{__name__=~".*"}',  # a series query
        'query_result(count by (instance) ({job=~".*"}))',
    ],
)
def test_a_variable_query_prometheus_refuses_is_reported_at_the_variable(query: str, project: Callable[..., Compiled]) -> None:
    source = _source(query)
    found = _oac302(project({"dashboards/hosts.py": source}))
    line = next(n for n, s in enumerate(source.splitlines(), 1) if "k.query_var" in s)
    assert len(found) == 1, found
    assert found[0].startswith(f"dashboards/hosts.py:{line}:5: OAC302 Prometheus refuses the query of variable $instance"), found
    assert "vector selector must contain at least one non-empty matcher" in found[0]
    assert 'job=~".+"' in found[0]  # the hint


@pytest.mark.parametrize(
    "query",
    [
        'label_values(up{job=~".*"}, instance)',  # a metric name restricts it
        'label_values({job=~".+"}, instance)',
        'label_values({job!=""}, instance)',
        'label_values({job=~"$job"}, instance)',  # a variable: its value is not known here
        "label_values(instance)",
        "label_values({}, instance)",  # Grafana sends no match[]
        "label_names()",
        "metrics(.*_total)",
        "query_result(up)",
        "up",
    ],
)
def test_a_variable_query_prometheus_takes_is_left_alone(query: str, project: Callable[..., Compiled]) -> None:
    assert _oac302(project({"dashboards/hosts.py": _source(query)})) == []


def test_a_loki_variable_is_not_read_as_promql(project: Callable[..., Compiled]) -> None:
    assert _oac302(project({"dashboards/hosts.py": _source('label_values({job=~".*"}, instance)', loki=True)})) == []


def test_variable_promql() -> None:
    assert variable_promql({"query": 'label_values({a=""}, b)', "refId": "PrometheusVariableQueryEditor-VariableQuery"}) == '{a=""}'
    assert variable_promql("  query_result(sum(up))  ") == "sum(up)"
    assert variable_promql("label_names(up)") is None
    assert variable_promql("") is None
    assert variable_promql(None) is None


def test_a_dashboard_file_is_reported_at_the_variable(tmp_path: Path) -> None:
    from obs_as_code.lint.api import lint
    from tests.dashboards.dash_support import write_project

    write_project(tmp_path, {})
    board = {
        "title": "Hosts",
        "uid": "hosts",
        "schemaVersion": 41,
        "templating": {"list": [
            {"name": "job", "type": "query", "datasource": {"type": "prometheus", "uid": "prometheus"}, "query": "label_values(job)"},
            {"name": "instance", "type": "query", "datasource": {"type": "prometheus", "uid": "prometheus"},
             "query": {"query": 'label_values({job=~".*"}, instance)', "refId": "A"}},
        ]},
        "panels": [],
    }
    text = json.dumps(board, indent=2)
    path = tmp_path / "hosts.json"
    path.write_text(text, encoding="utf-8")
    found = lint(tmp_path, [path], select=["OAC302"])
    lines = text.splitlines()
    line = next(n for n, s in enumerate(lines, 1) if '"name": "instance"' in s)  # where the variable is named
    assert [(d.location.file.endswith("hosts.json"), d.location.line, d.location.col) for d in found] == [
        (True, line, lines[line - 1].index('"name"') + 1)
    ]


def _chained(query: str, all_value: str | None = ".*", other: str = "") -> str:
    job = 'k.query_var("job", "label_values(up, job)", include_all=True' + (f", all_value={all_value!r}" if all_value else "") + ")"
    return HEAD + f'''board = k.dashboard("Hosts", [
    k.timeseries("Up", k.prom('sum(up{{job=~"$job", instance=~"$instance"}})'), unit=k.SHORT),
], variables=[
    k.datasource_var(),
    {job},
    k.query_var("instance", {query!r}){other},
])
'''


def test_a_variable_query_refused_when_a_variable_it_uses_is_all(project: Callable[..., Compiled]) -> None:
    source = _chained('label_values({job=~"$job"}, instance)')
    found = _oac302(project({"dashboards/hosts.py": source}))
    line = next(n for n, s in enumerate(source.splitlines(), 1) if 'k.query_var("instance"' in s)
    assert len(found) == 1, found
    assert found[0].startswith(f"dashboards/hosts.py:{line}:5: OAC302 Prometheus refuses the query of variable $instance"), found
    assert "when $job (.*) is All: vector selector must contain at least one non-empty matcher: {job=~\".*\"}" in found[0], found
    assert 'all_value=".+"' in found[0]


@pytest.mark.parametrize(
    ("query", "all_value"),
    [
        ('label_values({job=~"$job"}, instance)', ".+"),  # All cannot be empty
        ('label_values(up{job=~"$job"}, instance)', ".*"),  # a metric name
        ('label_values({job=~"$job", env="prod"}, instance)', ".*"),
        ('label_values({job=~"${job:text}"}, instance)', ".*"),  # the text "All"
    ],
)
def test_a_variable_query_taken_at_all_is_left_alone(query: str, all_value: str, project: Callable[..., Compiled]) -> None:
    assert _oac302(project({"dashboards/hosts.py": _chained(query, all_value)})) == []


def test_variable_promql_reads_the_forms_as_grafana_does() -> None:
    # Grafana's patterns (shared with oac e2e --dashboards): metrics() with no
    # regex is no metric-names query, and a label_values written over two lines
    # does not match (JavaScript's "." stops at a line break): both are sent as a
    # series selector, the text itself, which Prometheus then parses.
    assert variable_promql("metrics(up_.*)") is None
    assert variable_promql("metrics()") == "metrics()"
    assert variable_promql('label_values({job="a",\nenv="b"}, instance)') == 'label_values({job="a",\nenv="b"}, instance)'
    assert variable_promql('label_values({job="a", env="b"}, instance)') == '{job="a", env="b"}'


def test_an_empty_metrics_query_is_reported(project: Callable[..., Compiled]) -> None:
    found = _oac302(project({"dashboards/hosts.py": _source("metrics()")}))
    assert len(found) == 1 and "Prometheus refuses the query of variable $instance" in found[0], found


def test_a_parse_error_in_a_variable_query_counts_in_its_promql(project: Callable[..., Compiled]) -> None:
    # The PromQL is query_result's expression; the variables outside strings
    # are written in before the parse, and the position maps back to the text.
    found = _oac302(project({"dashboards/hosts.py": _source("query_result(sum(rate(x[$__range])) $k foo)")}))
    assert len(found) == 1, found
    assert found[0].endswith(
        ": 1:24: parse error: unexpected number \"1\", read where the query has $k (oac writes a value in for a "
        "Grafana variable to parse the query): sum(rate(x[$__range])) $k foo"
    ), found
