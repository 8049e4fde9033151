"""A target (and its panel) without a datasource runs on the project's default
datasource, as Grafana does: the checks read its query in that datasource's
language, and today's reading (Prometheus) stays when no default is declared."""

from __future__ import annotations

from collections.abc import Callable

from obs_as_code.dashboards.project import render_project
from obs_as_code.dashboards.render import RenderedDashboard, default_datasource_type, normalize
from obs_as_code.lint.rules._dashboards import targets
from obs_as_code.model.datasource import Datasource
from obs_as_code.pipeline import Compiled

LOKI_DEFAULT = '''
from obs_as_code import Datasource

prometheus = Datasource("Prometheus", "prometheus", "http://prometheus:9090", uid="prometheus")
loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki", is_default=True)
'''

BOARD = '''board = {"title": "Logs", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "timeseries", "title": "Errors", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
     "targets": [{"refId": "A", "expr": 'sum(count_over_time({job="x"} |= "error" [5m]))'}]},
    {"id": 2, "type": "timeseries", "title": "Broken", "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
     "targets": [{"refId": "A", "expr": "sum(up", "datasource": {"type": "prometheus", "uid": "prometheus"}}]},
]}
'''


def rendered_boards(compiled: Compiled) -> list[RenderedDashboard]:
    return render_project(compiled.project).checked


def _errors(compiled: Compiled) -> list[tuple[str, int]]:
    return [(d.code, d.location.line) for d in compiled.diagnostics if d.severity.value == "error"]


def test_a_target_without_datasource_is_read_in_the_default_datasources_language(project: Callable[..., Compiled]) -> None:
    compiled = project({"datasources/main.py": LOKI_DEFAULT, "dashboards/case.py": BOARD}, datasources=False)
    # The LogQL query on the (Loki) default is no invalid PromQL; the broken PromQL still is.
    assert _errors(compiled) == [("OAC302", 5)]
    board = next(b for b in rendered_boards(compiled) if b.title == "Logs")
    assert [t.language for t in targets(board)] == ["logql", "promql"]
    # The PromQL checks (OAC2xx) read the same list: the LogQL query is not in it.
    assert [expr for _path, _title, expr in board.derived["lint_targets"]] == ["sum(up"]


def test_without_a_declared_default_a_bare_target_is_still_promql(project: Callable[..., Compiled]) -> None:
    no_default = LOKI_DEFAULT.replace(", is_default=True", "")
    compiled = project({"datasources/main.py": no_default, "dashboards/case.py": BOARD}, datasources=False)
    assert sorted(_errors(compiled)) == [("OAC302", 3), ("OAC302", 5)]


def test_the_default_type_and_a_legacy_default_reference() -> None:
    loki = Datasource("Loki", "loki", "http://loki:3100", uid="loki", is_default=True)
    prom = Datasource("Prometheus", "prometheus", "http://p:9090", uid="prometheus")
    assert default_datasource_type([prom, loki]) == "loki"
    assert default_datasource_type([prom]) == "prometheus"
    assert default_datasource_type([]) == "prometheus"
    # Grafana reads the legacy name "default" as the default datasource.
    data = {"title": "x", "panels": [{"type": "stat", "datasource": "default", "targets": [{"expr": "x", "datasource": "default"}]}]}
    out = normalize(data, [prom, loki])
    assert out["panels"][0]["datasource"] == {"type": "loki", "uid": "loki"}
    assert out["panels"][0]["targets"][0]["datasource"] == {"type": "loki", "uid": "loki"}
    assert normalize(data, [prom])["panels"][0]["datasource"] == {"uid": "default"}  # unchanged without a default
