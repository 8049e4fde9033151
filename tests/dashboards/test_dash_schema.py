"""OAC903: the committed Grafana dashboard schema, the validator, its locations."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from dash_support import REPO

from obs_as_code.pipeline import Compiled, validate
from obs_as_code.validate.schema import check, dashboard_errors, json_path

SCHEMA_DIR = REPO / "obs_as_code" / "data"
BROKEN = '''
board = {
    "title": "dict board",
    "schemaVersion": 41,
    "panels": [
        {"type": "timeseries", "title": "Fine", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
         "targets": [{"expr": "sum(up)", "refId": "A"}]},
        {"type": "stat", "title": "Broken", "gridPos": {"h": 8, "w": "wide", "x": 12, "y": 0},
         "targets": [{"expr": "sum(up)", "refId": "A"}]},
    ],
}
'''


def test_provenance_names_the_pinned_versions() -> None:
    script = (REPO / "scripts" / "gen-dashboard-schema.sh").read_text()
    provenance = (SCHEMA_DIR / "dashboard.schema.PROVENANCE").read_text()
    for var in ("GRAFANA_SCHEMA_VERSION", "GENERATOR_VERSION", "TYPESCRIPT_VERSION"):
        pinned = re.search(rf'{var}="\$\{{{var}:-([^}}]+)\}}"', script)
        assert pinned is not None
        assert pinned.group(1) in provenance


def test_validator_accepts_a_minimal_dashboard() -> None:
    assert list(dashboard_errors({"title": "x", "schemaVersion": 41, "panels": []})) == []


def test_validator_rejects_and_names_the_path() -> None:
    bad = {"title": "x", "schemaVersion": 41, "panels": [{"type": "stat", "gridPos": {"h": 1, "w": "wide", "x": 0, "y": 0}}]}
    errors = list(dashboard_errors(bad))
    assert errors, "a string width must be rejected"
    paths = [json_path(p) for p, _m in errors]
    assert "panels[0].gridPos.w" in paths
    assert any("'wide' is not of type 'number'" in m for _p, m in errors)


def test_validator_rejects_wrong_top_level_types() -> None:
    errors = dict((json_path(p), m) for p, m in dashboard_errors({"title": 3, "schemaVersion": "41"}))
    assert set(errors) >= {"title", "schemaVersion"}


def test_findings_point_at_the_panel_line(project: Callable[..., Compiled], tmp_path: Path) -> None:
    compiled = project({"dashboards/raw.py": BROKEN}, lint=False)
    assert compiled.ok
    found = check(tmp_path / "build", compiled.artifacts)
    assert [str(d) for d in found] == ["dashboards/raw.py:7:9: OAC903 panels[1].gridPos.w: 'wide' is not of type 'number'"]


def test_oac_validate_runs_the_schema(project: Callable[..., Compiled], tmp_path: Path) -> None:
    if shutil.which("promtool") is None:
        pytest.skip("promtool not installed (oac validate also runs it)")
    project({"dashboards/raw.py": BROKEN}, lint=False)
    diagnostics, _diff = validate(tmp_path)
    assert any(d.code == "OAC903" and d.location.file == "dashboards/raw.py" for d in diagnostics)


def _check_schema() -> bool:
    """Regenerate the schema here: asked for (``OAC_CHECK_SCHEMA=1``), or in CI
    (``.ci/run`` sets ``CI``) wherever Node is installed, so that CI checks the
    committed schema is current where it can (``OAC_CHECK_SCHEMA=0`` opts out)."""
    asked = os.environ.get("OAC_CHECK_SCHEMA")
    if asked is not None:
        return asked == "1"
    return bool(os.environ.get("CI")) and shutil.which("npm") is not None and shutil.which("node") is not None


@pytest.mark.skipif(
    not _check_schema() or shutil.which("npm") is None,
    reason="runs in CI where node and npm are installed, or with OAC_CHECK_SCHEMA=1 (needs the npm registry)",
)
def test_committed_schema_is_current(tmp_path: Path) -> None:
    subprocess.run([str(REPO / "scripts" / "gen-dashboard-schema.sh"), str(tmp_path)], check=True, capture_output=True)
    assert (tmp_path / "dashboard.schema.json").read_bytes() == (SCHEMA_DIR / "dashboard.schema.json").read_bytes()


@pytest.mark.parametrize("name", ["legacy_rows.json", "exported_inputs.json", "large_modern.json"])
def test_normalized_fixtures_are_schema_valid(name: str) -> None:
    # Older exports omit fields Grafana defaults (overrides, link flags, current);
    # normalization spells them out so the schema accepts what Grafana accepts.
    from dash_support import load_fixture

    from obs_as_code.dashboards import normalize

    raw = load_fixture(name)
    assert list(dashboard_errors(normalize(raw))) == []


def test_grafanalib_dashboard_is_schema_valid() -> None:
    import grafanalib.core as gl

    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = gl.Dashboard(
        title="G",
        panels=[gl.TimeSeries(title="R", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")],
                              gridPos=gl.GridPos(h=8, w=12, x=0, y=0))],
        templating=gl.Templating(list=[gl.Template(name="job", query="label_values(up, job)", dataSource="prometheus")]),
    ).auto_panel_ids()
    assert list(dashboard_errors(render_dashboard(DashboardDef(board, uid="g")).json)) == []


# -- Rows: each panel against the definition Grafana uses for it ----------------

ROW_KIDS = '''
board = {"title": "RowKids", "schemaVersion": 41, "panels": [
    {"id": 1, "type": "stat", "title": "top", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}},
    {"id": 2, "type": "row", "title": "R", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 8},
     "panels": [{"id": 3, "type": "stat", "title": "inner", "gridPos": {"h": 8, "w": "x", "x": 0, "y": 9}}]},
]}
'''
KIT_ROW_KIDS = '''
from obs_as_code.dashboards import kit as k

board = k.dashboard("Kids", [
    k.stat("top", k.prom("up")),
    k.row("R", [
        k.stat("fine", k.prom("up")),
        # The kit refuses unit=3 itself (OAC101): set on the SDK builder, it builds.
        k.stat("inner", k.prom("up")).unit(3),
    ], collapsed=True),
])
'''


def _row(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {"id": 1, "type": "row", "title": "R", "collapsed": False,
                              "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}, "panels": []}
    row.update(fields)
    return row


def _board(*panels: object) -> dict[str, object]:
    return {"title": "x", "schemaVersion": 41, "panels": list(panels)}


def test_schema_panels_are_a_panel_or_a_row_of_panels() -> None:
    # What dashboard_errors relies on: the shape the generator writes today.
    import json

    defs = json.loads((SCHEMA_DIR / "dashboard.schema.json").read_text())["definitions"]
    assert defs["Dashboard"]["properties"]["panels"]["items"] == {
        "anyOf": [{"$ref": "#/definitions/Panel"}, {"$ref": "#/definitions/RowPanel"}]
    }
    assert defs["RowPanel"]["properties"]["type"]["const"] == "row"
    assert defs["RowPanel"]["properties"]["panels"]["items"] == {"$ref": "#/definitions/Panel"}


def test_nested_panel_errors_in_a_collapsed_dict_row(project: Callable[..., Compiled], tmp_path: Path) -> None:
    compiled = project({"dashboards/rowkids.py": ROW_KIDS}, lint=False)
    assert compiled.ok
    found = check(tmp_path / "build", compiled.artifacts)
    # The nested panel's own line in the dict literal (not the row's, line 3).
    assert [str(d) for d in found] == [
        "dashboards/rowkids.py:4:17: OAC903 panels[1].panels[0].gridPos.w: 'x' is not of type 'number'"
    ]


def test_nested_panel_errors_in_a_collapsed_kit_row(project: Callable[..., Compiled], tmp_path: Path) -> None:
    compiled = project({"dashboards/kids.py": KIT_ROW_KIDS}, lint=False)
    assert compiled.ok
    found = check(tmp_path / "build", compiled.artifacts)
    # The kit's source map has the row's own panels: the child's line.
    assert [str(d) for d in found] == [
        "dashboards/kids.py:8:9: OAC903 panels[1].panels[1].fieldConfig.defaults.unit: 3 is not of type 'string'"
    ]


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"collapsed": "yes"}, [("panels[0].collapsed", "'yes' is not of type 'boolean'")]),
        ({"panels": "none"}, [("panels[0].panels", "'none' is not of type 'array'")]),
        ({"title": 7}, [("panels[0].title", "7 is not of type 'string'")]),
        ({"panels": [{"type": "stat", "transparent": "no"}]},
         [("panels[0].panels[0].transparent", "'no' is not of type 'boolean'")]),
    ],
)
def test_row_fields_are_checked(fields: dict[str, object], expected: list[tuple[str, str]]) -> None:
    assert [(json_path(p), m) for p, m in dashboard_errors(_board(_row(**fields)))] == expected


def test_every_error_of_a_panel_is_reported() -> None:
    panel = {"id": 1, "type": "stat", "title": "M", "gridPos": {"h": 8, "w": "wide", "x": 0, "y": 0},
             "transparent": "no",
             "fieldConfig": {"defaults": {"mappings": [
                 {"type": "range", "options": {"from": "low", "to": 5, "result": {"text": "x"}}},
             ]}, "overrides": []}}
    assert [(json_path(p), m) for p, m in dashboard_errors(_board(panel))] == [
        ("panels[0].fieldConfig.defaults.mappings[0].options.from", "'low' is not of type 'number', 'null'"),
        ("panels[0].gridPos.w", "'wide' is not of type 'number'"),
        ("panels[0].transparent", "'no' is not of type 'boolean'"),
    ]


def test_errors_of_rows_panels_and_the_dashboard_together_sorted_once() -> None:
    bad = {"type": "stat", "gridPos": {"h": 1, "w": "wide", "x": 0, "y": 0}}
    board = {"title": 3, "schemaVersion": 41,
             "panels": [_row(collapsed="yes", panels=[bad, bad]), bad]}
    errors = [(json_path(p), m) for p, m in dashboard_errors(board)]
    assert errors == [
        ("panels[0].collapsed", "'yes' is not of type 'boolean'"),
        ("panels[0].panels[0].gridPos.w", "'wide' is not of type 'number'"),
        ("panels[0].panels[1].gridPos.w", "'wide' is not of type 'number'"),
        ("panels[1].gridPos.w", "'wide' is not of type 'number'"),
        ("title", "3 is not of type 'string'"),
    ]


def test_valid_dashboards_with_rows_pass() -> None:
    from obs_as_code.dashboards import kit as k
    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    inner = {"id": 3, "type": "stat", "title": "inner", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 2}}
    assert list(dashboard_errors(_board(_row(), _row(id=2, collapsed=True, panels=[inner])))) == []
    board = k.dashboard("Rows", [
        k.stat("top", k.prom("up"), unit="percent"),
        k.row("open", [k.timeseries("a", k.prom("up"))]),
        k.row("shut", [k.stat("b", k.prom("up"), unit="s"), k.timeseries("c", k.prom("up"))], collapsed=True),
    ])
    assert list(dashboard_errors(render_dashboard(DashboardDef(board, uid="rows")).json)) == []


def test_a_bare_dict_row_gets_grafanas_defaults_and_passes() -> None:
    # Grafana reads a row without "collapsed" and "panels" as open and empty; the
    # schema requires both, so the renderer spells them out.
    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = {"title": "Bare", "schemaVersion": 41, "panels": [
        {"id": 1, "type": "row", "title": "R", "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}},
    ]}
    assert list(dashboard_errors(board)) != []  # as written
    data = render_dashboard(DashboardDef(board, uid="bare")).json
    assert data["panels"][0]["collapsed"] is False and data["panels"][0]["panels"] == []
    assert list(dashboard_errors(data)) == []


def test_a_row_inside_a_row_is_reported_with_what_it_holds() -> None:
    board = {"title": "Nest", "schemaVersion": 41, "panels": [
        {"type": "row", "title": "Outer", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0},
         "panels": [
             {"type": "row", "title": "Inner", "collapsed": "no", "gridPos": {"h": 1, "w": 24, "x": 0, "y": 1},
              "panels": [{"type": "timeseries", "title": "Deep", "gridPos": {"h": 8, "w": "y", "x": 0, "y": 2}}]},
         ]},
    ]}
    found = [(json_path(path), message) for path, message in dashboard_errors(board)]
    # (The raw rows also lack ids, which the renderer fills: not this test's subject.)
    assert [f for f in found if f[0].startswith("panels[0].panels[0]") and "'id'" not in f[1]] == [
        ("panels[0].panels[0]", "a row inside a row: Grafana shows rows at the top level only"),
        ("panels[0].panels[0].collapsed", "'no' is not of type 'boolean'"),
        ("panels[0].panels[0].panels[0].gridPos.w", "'y' is not of type 'number'"),
    ]


@pytest.mark.parametrize(
    ("where", "value", "expected"),
    [
        # anyOf [string, array]: a list is an array with a wrong item, not a wrong
        # string (the string branch was picked: "['x', 1] is not of type 'string'").
        ("option", ["x", 1], ("templating.list[0].options[0].value[1]", "1 is not of type 'string'")),
        ("option", 5, ("templating.list[0].options[0].value", "5 is not of type 'string'")),
        # A value mapping's type that no branch takes: all four named (only the
        # first branch's, "'value' was expected", before).
        ("mapping", {"type": "bogus", "options": {}},
         ("panels[0].fieldConfig.defaults.mappings[0].type", "'bogus' is not one of 'value', 'range', 'regex', 'special'")),
        ("mapping", {"type": "range", "options": {"from": 1, "to": "x", "result": {}}},
         ("panels[0].fieldConfig.defaults.mappings[0].options.to", "'x' is not of type 'number', 'null'")),
    ],
)
def test_an_any_of_failure_names_the_branch_the_value_is_of(where: str, value: object, expected: tuple[str, str]) -> None:
    board: dict[str, object] = {"title": "x", "schemaVersion": 41, "panels": []}
    if where == "option":
        board["templating"] = {"list": [{"name": "v", "type": "custom", "query": "x", "options": [{"text": "a", "value": value}]}]}
    else:
        board["panels"] = [{"type": "stat", "title": "S", "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},
                            "fieldConfig": {"defaults": {"mappings": [value]}, "overrides": []}}]
    assert [(json_path(p), m) for p, m in dashboard_errors(board)] == [expected]


def test_grafanalib_stat_and_gauge_thresholds_are_schema_valid() -> None:
    """grafanalib writes the base threshold step's value as the string "null"
    (every GaugePanel and Stat has thresholds by default); Grafana reads the base
    step as -Infinity whatever its value, the schema wants a number or null."""
    import grafanalib.core as gl

    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = gl.Dashboard(
        title="G",
        panels=[
            gl.Stat(title="S", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")],
                    thresholds=[gl.Threshold("red", 0, 0.0), gl.Threshold("green", 1, 0.8)],
                    gridPos=gl.GridPos(h=4, w=8, x=0, y=0)),
            gl.GaugePanel(title="G", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")],
                          gridPos=gl.GridPos(h=4, w=8, x=8, y=0)),
        ],
    ).auto_panel_ids()
    data = render_dashboard(DashboardDef(board, uid="g")).json
    assert list(dashboard_errors(data)) == []
    for panel in data["panels"]:
        steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps[0]["value"] is None
        assert [s["value"] for s in steps[1:]] == ([0.8] if panel["type"] == "stat" else [80.0])


def test_grafanalib_heatmap_is_schema_valid() -> None:
    """grafanalib's Heatmap writes ``"options": []`` (its default, a list): no
    options, as Grafana reads it; the schema wants an object."""
    import grafanalib.core as gl

    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = gl.Dashboard(
        title="H",
        panels=[gl.Heatmap(title="Latency", dataSource="prometheus", dataFormat="tsbuckets", yAxis=gl.YAxis(format="s"),
                           targets=[gl.Target(expr="sum by (le) (increase(x_seconds_bucket[5m]))", format="heatmap")],
                           gridPos=gl.GridPos(h=8, w=12, x=0, y=0))],
    ).auto_panel_ids()
    data = render_dashboard(DashboardDef(board, uid="h")).json
    assert list(dashboard_errors(data)) == []
    assert "options" not in data["panels"][0]


def test_grafanalib_graph_and_singlestat_are_schema_valid() -> None:
    """grafanalib copies a Graph's legacy thresholds (no colors) and a
    SingleStat's ("", a string) into fieldConfig; Grafana migrates both panels
    from their own legacy ``thresholds`` and ignores that copy."""
    import grafanalib.core as gl

    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = gl.Dashboard(
        title="L",
        panels=[
            gl.Graph(title="G", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")],
                     thresholds=[gl.GraphThreshold(colorMode="critical", value=1.0)], gridPos=gl.GridPos(h=8, w=12, x=0, y=0)),
            gl.SingleStat(title="S", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")],
                          gridPos=gl.GridPos(h=4, w=6, x=12, y=0)),
        ],
    ).auto_panel_ids()
    data = render_dashboard(DashboardDef(board, uid="l")).json
    assert list(dashboard_errors(data)) == []
    graph, single = data["panels"]
    assert "thresholds" not in graph["fieldConfig"]["defaults"] and graph["thresholds"][0]["value"] == 1.0
    assert "thresholds" not in single["fieldConfig"]["defaults"]


def test_a_dict_panels_threshold_without_a_color_is_still_refused() -> None:
    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = {"title": "T", "schemaVersion": 41, "panels": [
        {"id": 1, "type": "stat", "title": "S", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute", "steps": [{"value": None}]}}, "overrides": []}}]}
    errors = list(dashboard_errors(render_dashboard(DashboardDef(board, uid="t")).json))
    assert errors and "color" in str(errors[0])


def test_grafanalib_stat_without_thresholds_is_schema_valid() -> None:
    """grafanalib's Stat defaults its thresholds to "" (a string), which it writes
    as the steps: no thresholds, as Grafana reads it."""
    import grafanalib.core as gl

    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    board = gl.Dashboard(
        title="S",
        panels=[gl.Stat(title="Up", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")],
                        gridPos=gl.GridPos(h=4, w=6, x=0, y=0))],
    ).auto_panel_ids()
    data = render_dashboard(DashboardDef(board, uid="s")).json
    assert list(dashboard_errors(data)) == []
    assert "thresholds" not in data["panels"][0]["fieldConfig"]["defaults"]


def test_every_grafanalib_panel_with_its_defaults_is_schema_valid() -> None:
    """Each grafanalib panel class, built with its defaults (and a target where it
    takes one), renders to a dashboard the schema accepts: Stat, GaugePanel,
    Heatmap, Graph, SingleStat and Worldmap each failed before."""
    import inspect
    import warnings

    import grafanalib.core as gl

    from obs_as_code.dashboards import render_dashboard
    from obs_as_code.model.dashboard import DashboardDef

    failed: dict[str, object] = {}
    for name, cls in inspect.getmembers(gl, inspect.isclass):
        if not issubclass(cls, gl.Panel) or cls is gl.Panel:
            continue
        kw = {"title": name, "gridPos": gl.GridPos(h=4, w=6, x=0, y=0)}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                panel = cls(dataSource="prometheus", targets=[gl.Target(expr="sum(up)")], **kw)
            except TypeError:
                panel = cls(**kw)
        board = gl.Dashboard(title="G", panels=[panel]).auto_panel_ids()
        errors = list(dashboard_errors(render_dashboard(DashboardDef(board, uid="g")).json))
        if errors:
            failed[name] = errors
    assert failed == {}
