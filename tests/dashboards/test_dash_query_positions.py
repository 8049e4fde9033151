"""A PromQL finding (OAC2xx, and the OAC3xx checks locating a token the same way)
on a panel query points at that panel: at the token inside the query where the
module holds the query's text (a dict panel, a plain SDK chain, grafanalib, a
kit panel given a literal), at the target itself (its ``k.prom(`` or its dict)
where it does not (a query the kit's helpers or an f-string built). The token
searched for (a ``sum``, a ``[10s]``) may be written in another panel of the same
dashboard: that panel is not the one at fault."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from dash_support import write_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.pipeline import Compiled, compile_project
from obs_as_code.watch import watch

HEAD = "from obs_as_code.dashboards import kit as k\n\n"
#: A 15s scrape interval: a [10s] window is under two of them (OAC205, an error).
SCRAPE = 'from obs_as_code import PrometheusConfig\n\nconfig = PrometheusConfig(scrape_interval="15s")\n'


def _at(source: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """(line, col), 1-based, of the ``nth`` occurrence of ``needle`` in ``source``."""
    at = -1
    for _ in range(nth + 1):
        at = source.index(needle, at + 1)
    line_start = source.rfind("\n", 0, at) + 1
    return source.count("\n", 0, at) + 1, at - line_start + 1


def _found(compiled: Compiled, code: str, file: str = "dashboards/case.py") -> list[tuple[int, int, str]]:
    out: list[tuple[int, int, str]] = []
    for d in compiled.diagnostics:
        if d.code == code:
            assert d.location.file == file, d
            out.append((d.location.line, d.location.col, _panel(d)))
    return out


def _panel(d: Diagnostic) -> str:
    return d.message.split("panel '", 1)[1].split("'", 1)[0]


def test_kit_built_quantile_points_at_its_own_target_not_a_neighbours_token(project: Callable[..., Compiled]) -> None:
    # OAC201 points at the `sum` that drops `le`: the f-string's text is in no line
    # of the file, but both neighbours hold a `sum` (the one after used to be named).
    source = HEAD + '''board = k.dashboard("Latency", [
    k.timeseries("Before", k.prom("histogram_quantile(0.95, sum by (le) (rate(a_seconds_bucket[5m])))"), unit=k.SECONDS),
    k.timeseries("By job", k.prom(f"histogram_quantile(0.95, {k.rate('x_seconds_bucket', by=['job'])})"), unit=k.SECONDS),
    k.timeseries("After", k.prom("histogram_quantile(0.95, sum by (le) (rate(b_seconds_bucket[5m])))"), unit=k.SECONDS),
], variables=[k.datasource_var()])
'''
    found = _found(project({"dashboards/case.py": source}), "OAC201")
    assert found == [(*_at(source, "k.prom(f"), "By job")]


def test_kit_built_window_points_at_its_own_target_and_literals_at_their_token(project: Callable[..., Compiled]) -> None:
    # OAC205 points at the `[10s]`: the kit wrote it from window="10s", the
    # literal panels on either side hold one each.
    source = HEAD + '''board = k.dashboard("Windows", [
    k.timeseries("Before", k.prom("sum(rate(a_total[10s]))"), unit=k.SHORT),
    k.timeseries("Kit", k.prom(k.rate("x_total", window="10s")), unit=k.SHORT),
    k.timeseries("After", k.prom("sum(rate(b_total[10s]))"), unit=k.SHORT),
], variables=[k.datasource_var()])
'''
    compiled = project({"dashboards/case.py": source, "scrape/prometheus.py": SCRAPE})
    assert sorted(_found(compiled, "OAC205")) == sorted(
        [
            (*_at(source, "[10s]", 0), "Before"),
            (*_at(source, 'k.prom(k.rate("x_total"'), "Kit"),
            (*_at(source, "[10s]", 1), "After"),
        ]
    )


def test_a_query_in_a_constant_points_at_the_target_using_it(project: Callable[..., Compiled]) -> None:
    # The constant's text is the query's, but the panel is where k.prom uses it
    # (another panel may use the same constant).
    source = HEAD + '''SHORT = "sum(rate(c_total[10s]))"
board = k.dashboard("Constant", [
    k.timeseries("Literal", k.prom("sum(rate(a_total[10s]))"), unit=k.SHORT),
    k.timeseries("From a constant", k.prom(SHORT), unit=k.SHORT),
    k.timeseries("Later", k.prom("sum(rate(b_total[10s]))"), unit=k.SHORT),
], variables=[k.datasource_var()])
'''
    compiled = project({"dashboards/case.py": source, "scrape/prometheus.py": SCRAPE})
    found = [f for f in _found(compiled, "OAC205") if f[2] == "From a constant"]
    assert found == [(*_at(source, "k.prom(SHORT)"), "From a constant")]


DICT = '''WINDOW = "10s"\nboard = {"title": "Dict", "schemaVersion": 41, "panels": [
    {"type": "timeseries", "title": "Literal", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
     "targets": [{"refId": "A", "expr": "sum(rate(a_total[5m])) + sum(rate(a_total[10s]))"}]},
    {"type": "timeseries", "title": "Split", "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0},
     "targets": [{"refId": "A",
                  "expr": "sum(rate(b_total[5m]))"
                          " + sum(rate(b_total[10s]))"}]},
    {"type": "timeseries", "title": "Built", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 8},
     "targets": [{"refId": "A", "expr": f"sum(rate(c_total[{WINDOW}]))"}]},
    {"type": "timeseries", "title": "Same text", "gridPos": {"h": 8, "w": 12, "x": 12, "y": 8},
     "targets": [{"refId": "A", "expr": "sum(rate(a_total[5m])) + sum(rate(a_total[10s]))"}]},
]}
'''


def test_dict_panels_point_at_the_token_inside_their_own_literal(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": DICT, "scrape/prometheus.py": SCRAPE})
    found = sorted(_found(compiled, "OAC205"))
    assert found == sorted(
        [
            # The second window of the expression, not the first "[" of the line.
            (*_at(DICT, "[10s]", 0), "Literal"),
            # A string literal split over two lines: the token's own line.
            (*_at(DICT, "[10s]", 1), "Split"),
            # An f-string: its text is not in the file, the target's dict is named.
            (*_at(DICT, '{"refId": "A", "expr": f"'), "Built"),
            # The same text as the first panel's: this panel's own copy.
            (*_at(DICT, "[10s]", 2), "Same text"),
        ]
    )
    assert _at(DICT, "[10s]", 0)[0] == 4 and _at(DICT, "[10s]", 1)[0] == 8  # what the test relies on


PLAIN_SDK = '''from grafana_foundation_sdk.builders import dashboard as sdk, prometheus, timeseries

WINDOW = "10s"
board = (
    sdk.Dashboard("SDK")
    .with_panel(timeseries.Panel().title("Built").with_target(prometheus.Dataquery().expr(f"sum(rate(x_total[{WINDOW}]))")))
    .with_panel(timeseries.Panel().title("Literal").with_target(prometheus.Dataquery().expr("sum(rate(y_total[10s]))")))
)
'''

GRAFANALIB = '''import grafanalib.core as gl

WINDOW = "10s"
board = gl.Dashboard(
    title="Glib",
    panels=[
        gl.TimeSeries(title="Built", dataSource="prometheus", targets=[gl.Target(expr=f"sum(rate(x_total[{WINDOW}]))")],
                      gridPos=gl.GridPos(h=8, w=12, x=0, y=0)),
        gl.TimeSeries(title="Literal", dataSource="prometheus", targets=[gl.Target(expr="sum(rate(y_total[10s]))")],
                      gridPos=gl.GridPos(h=8, w=12, x=12, y=0)),
    ],
).auto_panel_ids()
'''


def test_plain_sdk_chain_points_at_its_literal_token_or_its_target(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": PLAIN_SDK, "scrape/prometheus.py": SCRAPE})
    assert sorted(_found(compiled, "OAC205")) == [
        (*_at(PLAIN_SDK, "prometheus.Dataquery()", 0), "Built"),
        (*_at(PLAIN_SDK, "[10s]", 0), "Literal"),
    ]


def test_grafanalib_points_at_its_literal_token_or_its_target(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/case.py": GRAFANALIB, "scrape/prometheus.py": SCRAPE})
    assert sorted(_found(compiled, "OAC205")) == [
        (*_at(GRAFANALIB, "gl.Target(", 0), "Built"),
        (*_at(GRAFANALIB, "[10s]", 0), "Literal"),
    ]


def test_the_column_counts_characters_after_non_ascii_text_on_the_line(project: Callable[..., Compiled]) -> None:
    # The syntax tree counts a literal's column in UTF-8 bytes ("—" is three):
    # the literal, and the token in it, are found by the character's column, as
    # editors count (bytes would start the search past a token at its start).
    source = '''board = {"title": "Unicode", "schemaVersion": 41, "panels": [
    {"type": "timeseries", "title": "Débit — requêtes", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "targets": [{"refId": "A", "expr": "sum(rate(a_total[10s]))"}]},
    {"type": "timeseries", "title": "Latence — p90", "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0}, "targets": [{"refId": "A", "expr": "histogram_quantile(0.9, sum(rate(b_total[5m])))"}]},
]}
'''
    compiled = project({"dashboards/case.py": source, "scrape/prometheus.py": SCRAPE})
    assert _found(compiled, "OAC205") == [(*_at(source, "[10s]"), "Débit — requêtes")]
    assert _found(compiled, "OAC201") == [(*_at(source, "histogram_quantile("), "Latence — p90")]


def test_watch_places_a_finding_in_the_module_as_saved_last(tmp_path: Path) -> None:
    # `oac watch` lints again in the same process: the token is found in the
    # file's new text (the text first read gave the old line and column).
    before = '''board = {"title": "Watched", "schemaVersion": 41, "panels": [
    {"type": "timeseries", "title": "A", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, "targets": [{"refId": "A", "expr": "sum(rate(a_total[10s]))"}]},
]}
'''
    after = "# Moved down two lines,\n# and left: no gridPos.\n" + before.replace('"gridPos": {"h": 8, "w": 12, "x": 0, "y": 0}, ', "")
    write_project(tmp_path, {"dashboards/case.py": before, "scrape/prometheus.py": SCRAPE})
    edits = [after]

    def sleep(_seconds: float) -> None:
        (tmp_path / "dashboards" / "case.py").write_text(edits.pop(0), encoding="utf-8")

    first, second = watch(tmp_path, tmp_path / "out", interval=0.01, max_cycles=2, sleep=sleep)
    assert [(d.location.line, d.location.col) for d in first.added if d.code == "OAC205"] == [_at(before, "[10s]")]
    assert [(d.location.line, d.location.col) for d in second.added if d.code == "OAC205"] == [_at(after, "[10s]")]


#: How a panel's query is written: the text in the file, or built by the kit or
#: an f-string (``{i}`` is the panel's number, so that no two share a tree).
_WRITTEN = {
    "literal": 'k.prom("sum(rate(m{i}_total[10s]))")',
    "kit": 'k.prom(k.rate("m{i}_total", window="10s"))',
    "f-string": 'k.prom(f"sum(rate(m{i}_total[{{WINDOW}}]))")',
    "constant": "k.prom(QUERY_{i})",
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(sorted(_WRITTEN)), min_size=1, max_size=5))
def test_every_panel_is_named_at_its_own_line(kinds: list[str]) -> None:
    # Whatever the order of written and built queries: the literal's [10s], else
    # the target's k.prom(, on the panel's own line.
    constants = "".join(f'QUERY_{i} = "sum(rate(m{i}_total[10s]))"\n' for i, kind in enumerate(kinds) if kind == "constant")
    panels = "".join(f'    k.timeseries("P{i}", {_WRITTEN[kind].format(i=i)}, unit=k.SHORT),\n' for i, kind in enumerate(kinds))
    source = HEAD + 'WINDOW = "10s"\n' + constants + f'board = k.dashboard("Mixed", [\n{panels}], variables=[k.datasource_var()])\n'
    expected = []
    for i, kind in enumerate(kinds):
        line, col = _at(source, f'"P{i}", ')
        text = source.splitlines()[line - 1]
        col = text.index("[10s]") + 1 if kind == "literal" else text.index("k.prom(") + 1
        expected.append((line, col, f"P{i}"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, {"dashboards/case.py": source, "scrape/prometheus.py": SCRAPE})
        found = _found(compile_project(root), "OAC205")
    assert sorted(found) == expected
