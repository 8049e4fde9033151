"""OAC306 reads Grafana's ``${var.field}`` (a field of the variable's value) and
``$__auto_interval_<name>`` (the auto step of interval variable ``<name>``) as
uses of ``var`` and ``<name>``: they were "defined but no panel uses it"."""

from __future__ import annotations

from collections.abc import Callable

from obs_as_code.lint.rules._dashboards import variable_names
from obs_as_code.lint.rules.oac306_template_variables import used_variable
from obs_as_code.pipeline import Compiled

BOARD = '''board = {{"title": "Uses", "schemaVersion": 41,
    "templating": {{"list": [
        {{"name": "svc", "type": "custom", "query": "a,b"}},
        {{"name": "step", "type": "interval", "query": "1m,5m", "auto": True}},
        {{"name": "unused", "type": "custom", "query": "a,b"}},
    ]}},
    "panels": [{{"id": 1, "type": "timeseries", "title": "Up", "gridPos": {{"h": 4, "w": 6, "x": 0, "y": 0}},
                "datasource": {{"type": "prometheus", "uid": "prometheus"}},
                "targets": [{{"refId": "A", "expr": {expr!r}}}]}}]}}
'''


def _oac306(compiled: Compiled) -> list[tuple[str, int, str]]:
    return [(d.severity.value, d.location.line, d.message) for d in compiled.diagnostics if d.code == "OAC306"]


def test_field_paths_and_auto_intervals_are_uses(project: Callable[..., Compiled]) -> None:
    expr = 'sum(rate(up{job="${svc.name}"}[$__auto_interval_step]))'
    found = _oac306(project({"dashboards/case.py": BOARD.format(expr=expr)}))
    assert [m for _s, _l, m in found] == ["variable $unused is defined in dashboard 'Uses' but no panel uses it"]


def test_a_field_path_or_auto_interval_of_an_undefined_variable_is_reported(project: Callable[..., Compiled]) -> None:
    expr = 'sum(rate(up{job="${svc.name}", x="${nope.id}"}[$__auto_interval_gone]))'
    found = _oac306(project({"dashboards/case.py": BOARD.format(expr=expr)}))
    errors = sorted(m for s, _l, m in found if s == "error")
    assert errors == [
        "variable $gone is used in dashboard 'Uses' but not defined",
        "variable $nope is used in dashboard 'Uses' but not defined",
    ]
    # At the target's line (9 of the module).
    assert {line for s, line, _m in found if s == "error"} == {9}


def test_names_read_from_field_paths_and_auto_intervals() -> None:
    assert variable_names("${a.b.c} ${x:csv} ${y.z:raw} $w [[v]]") == ["a", "x", "y", "w", "v"]
    assert used_variable("__auto_interval_step") == "step"
    assert used_variable("__rate_interval") == "__rate_interval"
    assert used_variable("job") == "job"


def test_refids_in_an_expression_named_by_uid_or_string_are_no_variables(project: Callable[..., Compiled]) -> None:
    # Grafana recognises a server-side expression by its datasource reference's
    # uid (or a plain "__expr__" string in older JSON), not only by its type: the
    # same ``$A`` is a reference to target A however the expression names it.
    board = """board = {"title": "Expr", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Ratio", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "datasource": {"type": "datasource", "uid": "-- Mixed --"},
     "targets": [{"refId": "A", "datasource": {"type": "prometheus", "uid": "prometheus"}, "expr": "sum(up)"},
                 {"refId": "B", "datasource": {"uid": "__expr__"}, "type": "math", "expression": "$A * 2"},
                 {"refId": "C", "datasource": "__expr__", "type": "math", "expression": "$B + $A"},
                 {"refId": "D", "datasource": {"uid": "__expr__"}, "type": "math", "expression": "$Z + 1"}]}]}
"""
    found = _oac306(project({"dashboards/case.py": board}))
    # $Z names no target of the panel (nor a variable): still reported.
    assert [m for _s, _l, m in found] == ["variable $Z is used in dashboard 'Expr' but not defined"]


def _oac306_lines(compiled: Compiled) -> list[str]:
    return [str(d) for d in compiled.diagnostics if d.code == "OAC306"]


def test_long_names_and_a_bare_auto_interval_prefix(project: Callable[..., Compiled]) -> None:
    # A name longer than "__auto_interval_" is itself (it was cut after 16
    # characters only when it starts so); "$__auto_interval_" alone names no
    # interval variable: one of Grafana's own, as every "$__" name is to this check.
    board = """board = {"title": "Long", "schemaVersion": 41,
    "templating": {"list": [{"name": "kubernetes_namespace", "type": "custom", "query": "a,b"}]},
    "panels": [{"id": 1, "type": "timeseries", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "prometheus"},
                "targets": [{"refId": "A", "expr": "sum(rate(up{ns=\\"$kubernetes_namespace\\", pod=\\"$kubernetes_pod_name\\"}[$__auto_interval_]))"}]}]}
"""
    assert _oac306_lines(project({"dashboards/case.py": board})) == [
        "dashboards/case.py:5:101: OAC306 variable $kubernetes_pod_name is used in dashboard 'Long' but not defined",
    ]


def test_a_variables_current_value_and_options_are_no_uses(project: Callable[..., Compiled]) -> None:
    # What a variable holds (its current value, its options: a textbox's "$ghost",
    # a custom value "$other") is a value Grafana substitutes, not a reference:
    # neither undefined nor a use of $other, which no panel uses.
    board = """board = {"title": "Held", "schemaVersion": 41,
    "templating": {"list": [
        {"name": "text", "type": "textbox", "query": "", "current": {"text": "$ghost", "value": "$ghost"},
         "options": [{"text": "$other", "value": "$other", "selected": False}]},
        {"name": "other", "type": "custom", "query": "a,b"},
    ]},
    "panels": [{"id": 1, "type": "timeseries", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "prometheus"},
                "targets": [{"refId": "A", "expr": "sum(up{x=\\"$text\\"})"}]}]}
"""
    assert _oac306_lines(project({"dashboards/case.py": board})) == [
        "dashboards/case.py:5:9: OAC306 [warning] variable $other is defined in dashboard 'Held' but no panel uses it",
    ]


def test_only_a_text_panels_content_is_prose(project: Callable[..., Compiled]) -> None:
    # "$USD" in a text panel's content or a panel's description is shown as written;
    # options.content of another panel type is no prose to this check: reported.
    board = """board = {"title": "Prose", "schemaVersion": 41,
    "panels": [
        {"id": 1, "type": "text", "title": "Note", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "description": "in $EUR", "options": {"mode": "markdown", "content": "prices in $USD"}},
        {"id": 2, "type": "news", "title": "Feed", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "options": {"content": "$feed"}},
    ]}
"""
    assert _oac306_lines(project({"dashboards/case.py": board})) == [
        "dashboards/case.py:5:9: OAC306 variable $feed is used in dashboard 'Prose' but not defined",
    ]


def test_a_refid_in_a_query_that_is_no_expression_is_a_variable(project: Callable[..., Compiled]) -> None:
    # $A names target A only in a server-side expression; in a Prometheus query it
    # is an undefined variable (Grafana sends the literal "$A"). A null target
    # beside an expression is skipped when its panel's refIds are listed.
    board = """board = {"title": "Refs", "schemaVersion": 41,
    "panels": [{"id": 1, "type": "timeseries", "title": "Ratio", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "datasource": {"type": "datasource", "uid": "-- Mixed --"},
     "targets": [{"refId": "A", "datasource": {"type": "prometheus", "uid": "prometheus"}, "expr": "sum(up)"},
                 {"refId": "B", "datasource": {"type": "prometheus", "uid": "prometheus"}, "expr": "sum(up) * $A"},
                 None,
                 {"refId": "C", "datasource": {"type": "__expr__", "uid": "__expr__"}, "type": "math", "expression": "$A / $B"}]}]}
"""
    assert _oac306_lines(project({"dashboards/case.py": board})) == [
        "dashboards/case.py:5:111: OAC306 variable $A is used in dashboard 'Refs' but not defined",
    ]


def test_an_undefined_variable_outside_a_query_is_reported_at_its_panel(project: Callable[..., Compiled]) -> None:
    # Only a target's expr is searched for the token; a panel title's $ghost is
    # reported where the panel is written.
    board = """board = {"title": "Titles", "schemaVersion": 41,
    "panels": [{"id": 1, "type": "timeseries", "title": "Up of $ghost", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "prometheus"},
                "targets": [{"refId": "A", "expr": "sum(up)"}]}]}
"""
    assert _oac306_lines(project({"dashboards/case.py": board})) == [
        "dashboards/case.py:2:16: OAC306 variable $ghost is used in dashboard 'Titles' but not defined",
    ]


def test_a_misspelt_variable_names_the_defined_one(project: Callable[..., Compiled]) -> None:
    board = """board = {"title": "Typo", "schemaVersion": 41,
    "templating": {"list": [{"name": "job", "type": "custom", "query": "a,b"}, {"name": "env", "type": "custom", "query": "a,b"}]},
    "panels": [{"id": 1, "type": "timeseries", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
                "datasource": {"type": "prometheus", "uid": "prometheus"},
                "targets": [{"refId": "A", "expr": "sum(up{job=\\"$jobs\\", env=\\"$env\\"})"}]}]}
"""
    compiled = project({"dashboards/case.py": board})
    found = [(str(d), d.hint) for d in compiled.diagnostics if d.code == "OAC306"]
    assert found == [
        ("dashboards/case.py:2:29: OAC306 [warning] variable $job is defined in dashboard 'Typo' but no panel uses it", None),
        ("dashboards/case.py:5:66: OAC306 variable $jobs is used in dashboard 'Typo' but not defined", "did you mean $job? the dashboard defines $env, $job"),
    ]
