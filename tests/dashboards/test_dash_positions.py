"""Diagnostics about a panel point at the line the user wrote that panel (or its
target) on, for every kind of dashboard source: a dict's nested rows, a plain
grafana-foundation-sdk chain, grafanalib panels and rows; and never at a wrong
line when the syntax does not say which panel is which (the dashboard's line,
or the enclosing panel's, instead)."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from pathlib import Path

from obs_as_code.dashboards.render import LazySourceMap, RenderedDashboard
from obs_as_code.pipeline import Compiled
from obs_as_code.source import project_root
from obs_as_code.validate.schema import check as schema_check

ROWS = '''"""Rows dashboard."""

board = {
    "title": "Rows",
    "uid": "rows",
    "schemaVersion": 41,
    "panels": [
        {"type": "row", "title": "R", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0}, "panels": [
            {"id": 2, "type": "timeseries", "title": "Dup", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 1},
             "targets": [{"refId": "A", "expr": "sum(rate(http_requests_total[5m]))"}]},
            {"id": 3, "type": "timeseries", "title": "Dup", "gridPos": {"h": 8, "w": 12, "x": 6, "y": 1},
             "datasource": {"type": "prometheus", "uid": "nope"},
             "targets": [{"refId": "A", "expr": "sum(up"}]},
        ]},
    ],
}
'''

PLAIN_SDK = '''from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import prometheus, stat
from grafana_foundation_sdk.models import dashboard as m

plain = (
    sdk.Dashboard("Plain")
    .with_panel(stat.Panel().title("ok").grid_pos(m.GridPos(h=4, w=6, x=0, y=0)))
    .with_panel(
        stat.Panel().title("bad").unit(7).grid_pos(m.GridPos(h=4, w=6, x=6, y=0))
    )
    .with_row(sdk.Row("More").with_panel(
        stat.Panel().title("query")
        .with_target(prometheus.Dataquery().expr("sum(up)"))
        .with_target(prometheus.Dataquery().expr("sum(up"))
    ))
)
'''

GRAFANALIB = '''from grafanalib.core import Dashboard, GridPos, Stat, Target, TimeSeries

board = Dashboard(title="Glib", uid="glib", panels=[
    TimeSeries(title="Rate", dataSource="prometheus", targets=[Target(expr="sum(rate(http_requests_total[5m]))", refId="A")], gridPos=GridPos(h=8, w=12, x=0, y=0)),
    Stat(title="Broken", dataSource="nope", targets=[Target(expr="sum(up", refId="A")], gridPos=GridPos(h=8, w=12, x=12, y=0)),
    Stat(title="Broken", dataSource="prometheus",
         targets=[Target(expr="sum(up)", refId="A")], gridPos=GridPos(h=8, w=12, x=6, y=0)),
]).auto_panel_ids()
'''


def _where(compiled: Compiled, code: str) -> list[str]:
    return sorted(str(d.location) for d in compiled.diagnostics if d.code == code)


def _board(compiled: Compiled, title: str) -> RenderedDashboard:
    from obs_as_code.dashboards.project import render_project

    (found,) = [r for r in render_project(compiled.project).dashboards if r.title == title]
    return found


def test_a_dict_rows_children_and_their_targets_point_at_their_own_lines(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/rows.py": ROWS})
    assert _where(compiled, "OAC303") == ["dashboards/rows.py:11:13"]
    assert _where(compiled, "OAC304") == ["dashboards/rows.py:11:13"]
    assert _where(compiled, "OAC307") == ["dashboards/rows.py:11:13"]
    assert _where(compiled, "OAC302") == ["dashboards/rows.py:13:56"]  # "sum(up": unclosed, just after it
    (d303,) = [d for d in compiled.diagnostics if d.code == "OAC303"]
    assert d303.hint == "first one at dashboards/rows.py:9:13"
    (artifact,) = [a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")]
    smap = artifact.source_map
    assert [smap[p].line for p in (("panels", 0), ("panels", 0, "panels", 0), ("panels", 0, "panels", 1))] == [8, 9, 11]
    assert smap[("panels", 0, "panels", 0, "targets", 0)].line == 10


def test_a_plain_sdk_chain_points_at_each_with_panel_argument(project: Callable[..., Compiled], tmp_path: Path) -> None:
    compiled = project({"dashboards/kc.py": PLAIN_SDK})
    # Build-time check: the invalid query is reported at its with_target(...) line,
    # just after "sum(up" (Prometheus: "1:7: parse error: unclosed left parenthesis").
    assert _where(compiled, "OAC302") == ["dashboards/kc.py:14:57"]
    (artifact,) = [a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")]
    smap = artifact.source_map
    assert isinstance(smap, LazySourceMap)
    # `oac validate`'s schema check (OAC903) on the panel's own line.
    token = project_root.set(str(tmp_path))
    try:
        found = schema_check(tmp_path / "no-build", [artifact])
    finally:
        project_root.reset(token)
    assert [f"{d.location}: {d.message}" for d in found] == [
        "dashboards/kc.py:9:9: panels[1].fieldConfig.defaults.unit: 7 is not of type 'string'"
    ]
    assert smap[("panels", 0)].line == 7
    assert smap[("panels", 2)].line == 11  # the row
    assert smap[("panels", 2, "panels", 0)].line == 12
    assert [smap[("panels", 2, "panels", 0, "targets", k)].line for k in (0, 1)] == [13, 14]


def test_grafanalib_panels_point_at_their_elements(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/glib.py": GRAFANALIB})
    assert _where(compiled, "OAC302") == ["dashboards/glib.py:5:73"]  # just after "sum(up"
    assert _where(compiled, "OAC307") == ["dashboards/glib.py:5:5"]
    assert _where(compiled, "OAC303") == ["dashboards/glib.py:6:5"]
    assert _where(compiled, "OAC304") == ["dashboards/glib.py:6:5"]
    smap = _board(compiled, "Glib").source_map
    assert smap[("panels", 2, "targets", 0)].line == 7


def test_legacy_grafanalib_rows_point_at_their_panels(project: Callable[..., Compiled]) -> None:
    compiled = project(
        {
            "dashboards/legacy.py": '''from grafanalib.core import Dashboard, Graph, Row, Target

board = Dashboard(title="Legacy", uid="legacy", rows=[
    Row(title="One", panels=[
        Graph(title="A", dataSource="prometheus", targets=[Target(expr="sum(up)")]),
        Graph(title="B", dataSource="prometheus", targets=[Target(expr="sum(up")]),
    ]),
    Row(title="Two", collapse=True, panels=[
        Graph(title="C", dataSource="prometheus", targets=[Target(expr="sum(up)")]),
    ]),
])
'''
        },
        lint=False,
    )
    board = _board(compiled, "Legacy")
    assert [p.get("type") for p in board.json["panels"]] == ["row", "graph", "graph", "row"]
    assert [board.locate(("panels", i)).line for i in range(4)] == [4, 5, 6, 8]
    assert board.locate(("panels", 3, "panels", 0)).line == 9
    assert board.locate(("panels", 2, "targets", 0, "expr")).line == 6


def test_what_the_syntax_cannot_tell_falls_back_and_never_to_a_wrong_line(project: Callable[..., Compiled]) -> None:
    compiled = project(
        {
            "dashboards/fallback.py": '''from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import prometheus, stat
from grafanalib.core import Dashboard, Stat, Target


def helper(title):
    return stat.Panel().title(title).with_target(prometheus.Dataquery().expr("sum(up"))


looped = sdk.Dashboard("Looped")
for title in ["a", "b"]:
    looped.with_panel(stat.Panel().title(title))

helped = (
    sdk.Dashboard("Helped")
    .with_panel(helper("x").with_target(prometheus.Dataquery().expr("sum(up)")))
)

panels = [Stat(title="second", targets=[Target(expr="sum(up")]), Stat(title="first")]
panels.reverse()
listed = Dashboard(title="Listed", uid="listed", panels=panels)

comprehended = Dashboard(title="Comprehended", uid="comprehended", panels=[Stat(title=t) for t in "ab"])

extended = {"title": "Extended", "uid": "extended", "panels": [
    {"type": "stat", "title": "kept", "targets": [{"refId": "A", "expr": "sum(up)"}]},
]}
extended["panels"].insert(0, {"type": "stat", "title": "inserted"})
'''
        },
        lint=False,
    )
    looped = _board(compiled, "Looped")
    assert [looped.locate(("panels", i)).line for i in (0, 1)] == [10, 10]  # the dashboard's line
    helped = _board(compiled, "Helped")
    # The panel is certain; its targets are not (the helper added one): the panel's line.
    assert helped.locate(("panels", 0)).line == 16
    assert [helped.locate(("panels", 0, "targets", k)).line for k in (0, 1)] == [16, 16]
    listed = _board(compiled, "Listed")
    assert [listed.locate(("panels", i, "targets", 0)).line for i in (0, 1)] == [21, 21]
    comprehended = _board(compiled, "Comprehended")
    assert comprehended.locate(("panels", 1)).line == 23
    extended = _board(compiled, "Extended")
    assert [extended.locate(("panels", i)).line for i in (0, 1)] == [25, 25]


def test_the_query_text_elsewhere_in_the_file_is_not_the_panel(project: Callable[..., Compiled]) -> None:
    # Panels the syntax cannot place: a finding stays on the dashboard's statement,
    # even where the same query is written in a comment before it or a constant
    # after it (those did not make the panel).
    c = project({
        "dashboards/gl.py": """
            # Note: never write rate(x_total[5m]) unaggregated.
            from grafana_foundation_sdk.builders import dashboard as sdk, timeseries, prometheus

            loop = sdk.Dashboard("Loop")
            for m in ["x_total"]:
                loop = loop.with_panel(timeseries.Panel().title(m).with_target(prometheus.Dataquery().expr(f"rate({m}[5m])")))
        """,
        "dashboards/dd.py": """
            board = {
                "title": "Comp",
                "schemaVersion": 41,
                "panels": [
                    {"type": "timeseries", "title": m, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
                     "targets": [{"refId": "A", "expr": f"rate({m}[5m])"}]}
                    for m in ["y_total"]
                ],
            }
            OTHER = "rate(y_total[5m])"
        """,
    })
    found = sorted((d.location.file, d.location.line, d.location.col) for d in c.diagnostics if d.code == "OAC301")
    assert found == [("dashboards/dd.py", 1, 1), ("dashboards/gl.py", 4, 1)]


def test_kit_positions_are_kept_and_need_no_syntax_tree(project: Callable[..., Compiled]) -> None:
    compiled = project(
        {
            "dashboards/mixed.py": '''from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import stat

from obs_as_code.dashboards import kit as k

kit_board = k.dashboard("Kit", [k.stat("Up", k.prom("sum(up)"))], variables=[k.datasource_var()])
mixed = (
    sdk.Dashboard("Mixed")
    .with_panel(k.stat("Kit panel", k.prom("sum(up)")))
    .with_panel(stat.Panel().title("plain"))
)
'''
        },
        lint=False,
    )
    kit_board = _board(compiled, "Kit")
    assert type(kit_board.source_map) is dict  # nothing lazy for a kit dashboard
    assert str(kit_board.source_map[("panels", 0)]) == "dashboards/mixed.py:6:33"
    mixed = _board(compiled, "Mixed")
    smap = mixed.source_map
    assert isinstance(smap, LazySourceMap) and str(smap[("panels", 0)]) == "dashboards/mixed.py:9:17"
    assert str(smap[("panels", 0, "targets", 0)]) == "dashboards/mixed.py:9:37"  # the kit's k.prom(...)
    assert str(smap[("panels", 1)]) == "dashboards/mixed.py:10:17"
    assert not mixed.located_by_syntax(("panels", 0)) and mixed.located_by_syntax(("panels", 1))


def test_an_unresolved_map_pickles_the_lengths_not_the_dashboard(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/kc.py": PLAIN_SDK}, lint=False)
    (artifact,) = [a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")]
    smap = artifact.source_map
    assert isinstance(smap, LazySourceMap) and smap.pending
    blob = pickle.dumps(smap)
    assert b"fieldConfig" not in blob and smap.pending
    again = pickle.loads(blob)
    assert again.pending and dict(again) == dict(smap)
    assert again[("panels", 2, "panels", 0, "targets", 1)].line == 14
