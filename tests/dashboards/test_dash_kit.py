"""The helper layer: PromQL helpers, automatic layout, locations of panels."""

from __future__ import annotations

import promql_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.dashboards import kit as k
from obs_as_code.dashboards import render_dashboard
from obs_as_code.dashboards.render import iter_panels
from obs_as_code.lint.rules._dashboards import prepare_promql
from obs_as_code.lint.rules.oac304_grid_overlap import overlap
from obs_as_code.model.dashboard import DashboardDef


def test_rate_is_aggregated_over_rate_interval() -> None:
    assert k.rate("x_total", 'job="a"', by=["status"]) == 'sum by (status) (rate(x_total{job="a"}[$__rate_interval]))'
    assert k.rate("x_total") == "sum (rate(x_total[$__rate_interval]))"
    assert k.increase("x_total", by=["a", "b"]) == "sum by (a, b) (increase(x_total[$__range]))"


def test_quantile_keeps_le_and_adds_bucket() -> None:
    expr = k.quantile(0.95, "d_seconds", 'path="/"', by=["path", "le"])
    assert expr == 'histogram_quantile(0.95, sum by (le, path) (rate(d_seconds_bucket{path="/"}[$__rate_interval])))'
    assert k.quantile(0.5, "d_seconds_bucket").startswith("histogram_quantile(0.5, sum by (le) (rate(d_seconds_bucket[")


def test_ratio_and_helpers_parse() -> None:
    expr = k.ratio(k.rate("e_total", 'status=~"5.."', by=["job"]), k.rate("e_total", by=["job"]), on=["job"])
    assert expr.startswith("(sum by (job)") and " / on (job) group_left () (" in expr
    for e in (expr, k.quantile(0.99, "d_seconds", by=["a"]), k.increase("c_total")):
        promql_parser.parse(prepare_promql(e))


def test_prepare_promql_keeps_variables_in_strings() -> None:
    assert prepare_promql('rate(x{a=~"$job"}[$__rate_interval])') == 'rate(x{a=~"$job"}[5m])'
    assert prepare_promql("topk($n, x) offset ${shift}") == "topk(1, x) offset 5m"
    assert prepare_promql("x[[[window]]]") == "x[5m]"


def test_prepare_promql_reads_a_variable_in_a_metric_name_as_a_name() -> None:
    # Each was a number ("1{job=...}", "rate(1[5m])": not PromQL, OAC302), or
    # "x_1_total" (an unknown metric, OAC218).
    assert prepare_promql('${metric:raw}{job="a"}') == 'grafana_var{job="a"}'
    assert prepare_promql("rate([[metric]][5m])") == "rate(grafana_var[5m])"
    assert prepare_promql("sum(rate($metric[$__rate_interval]))") == "sum(rate(grafana_var[5m]))"
    assert prepare_promql("opencode_${kind}_total") == "opencode_grafana_var_total"
    assert prepare_promql("$ns:requests:rate5m") == "grafana_var:requests:rate5m"
    # Elsewhere a number, as before.
    assert prepare_promql("sum(x) > $threshold * ${factor}") == "sum(x) > 1 * 1"


panel_sizes = st.lists(st.tuples(st.integers(1, 24), st.integers(1, 12)), min_size=0, max_size=8)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.booleans(), panel_sizes), min_size=1, max_size=5))
def test_layout_never_overlaps_and_stays_in_grid(spec: list[tuple[bool, bool, list[tuple[int, int]]]]) -> None:
    items: list[object] = []
    for n, (is_row, collapsed, sizes) in enumerate(spec):
        panels = [k.timeseries(f"p{n}-{i}", k.prom("up"), width=w, height=h) for i, (w, h) in enumerate(sizes)]
        items.append(k.row(f"r{n}", panels, collapsed=collapsed) if is_row else panels)
    flat: list[object] = []
    for item in items:
        flat.extend(item if isinstance(item, list) else [item])
    data = render_dashboard(DashboardDef(k.dashboard("L", flat), uid="l")).json
    top = [p["gridPos"] for p in data["panels"]]
    boxes = [(g["x"], g["y"], g["w"], g["h"]) for g in top]
    for i, a in enumerate(boxes):
        assert a[0] >= 0 and a[0] + a[2] <= 24
        for b in boxes[i + 1 :]:
            assert not overlap(a, b), (a, b)
    ids = [p["id"] for _path, p in iter_panels(data["panels"])]
    assert len(ids) == len(set(ids))
    for p in data["panels"]:
        if p["type"] == "row" and p.get("collapsed"):
            assert all(c["gridPos"]["y"] > p["gridPos"]["y"] for c in p["panels"])
        elif p["type"] == "row":
            assert p["panels"] == []


def test_layout_flows_and_wraps() -> None:
    board = k.dashboard(
        "Flow",
        [
            k.stat("a", k.prom("up")),
            k.stat("b", k.prom("up"), width=18),
            k.timeseries("c", k.prom("up"), width=12),
            k.row("R", [k.timeseries("d", k.prom("up"), width=24)], collapsed=True),
            k.row("S", [k.timeseries("e", k.prom("up"))]),
        ],
    )
    panels = render_dashboard(DashboardDef(board, uid="f")).json["panels"]
    pos = [(p["title"], p["gridPos"]["x"], p["gridPos"]["y"], p["gridPos"]["w"], p["gridPos"]["h"]) for p in panels]
    assert pos == [
        ("a", 0, 0, 6, 4),
        ("b", 6, 0, 18, 4),
        ("c", 0, 4, 12, 8),
        ("R", 0, 12, 24, 1),
        ("S", 0, 13, 24, 1),
        ("e", 0, 14, 8, 8),
    ]
    assert panels[3]["panels"][0]["gridPos"] == {"h": 8, "w": 24, "x": 0, "y": 13}


def test_source_map_points_at_helper_calls() -> None:
    board = k.dashboard(
        "Lines",
        [
            k.stat("first", k.prom("up")),
            k.timeseries(
                "second",
                k.prom("sum(up)"),
            ),
        ],
    )
    rendered = render_dashboard(DashboardDef(board, uid="lines"))
    here = test_source_map_points_at_helper_calls.__code__.co_firstlineno
    assert rendered.source_map[("panels", 0)].line == here + 4
    assert rendered.source_map[("panels", 1)].line == here + 5
    assert rendered.source_map[("panels", 1, "targets", 0)].line == here + 7
    assert rendered.locate(("panels", 1, "targets", 0, "expr")).line == here + 7


def test_panels_keep_the_ids_they_were_given_and_the_others_derive_theirs() -> None:
    board = k.dashboard(
        "Ids",
        [
            k.stat("a", k.prom("sum(up)")).id(2),
            k.stat("b", k.prom("sum(up)")),
            k.row("r", [k.stat("c", k.prom("sum(up)")), k.stat("d", k.prom("sum(up)")).id(4)], collapsed=True),
            k.stat("e", k.prom("sum(up)")),
        ],
    )
    data = render_dashboard(DashboardDef(board, uid="ids")).json
    ids = [(p["title"], p["id"]) for _path, p in iter_panels(data["panels"])]
    # Written out, not computed: these are what users' links hold, so the scheme
    # (crc32 of the row's and the panel's titles and the occurrence, in 1..99999)
    # must never change unnoticed. "e" follows the row "r": it is in that row.
    assert ids == [("a", 2), ("b", 60604), ("r", 10342), ("c", 44064), ("d", 4), ("e", 45583)]


def test_source_map_of_a_collapsed_row_and_its_shared_paths() -> None:
    def board() -> object:
        return k.dashboard(
            "Rows",
            [
                k.stat("top", k.prom("up")),
                k.row("inside", [k.timeseries("nested", k.prom("sum(up)"), k.prom("max(up)"))], collapsed=True),
            ],
        )

    first = render_dashboard(DashboardDef(board(), uid="rows-a"))
    second = render_dashboard(DashboardDef(board(), uid="rows-b"))
    here = test_source_map_of_a_collapsed_row_and_its_shared_paths.__code__.co_firstlineno
    # The row's own panels sit under its "panels": each target keeps its line.
    assert first.json["panels"][1]["panels"][0]["targets"][1]["expr"] == "max(up)"
    nested = ("panels", 1, "panels", 0)
    assert first.source_map[nested].line == here + 6
    assert first.source_map[(*nested, "targets", 1)].line == here + 6
    assert first.source_map[("panels", 0, "targets", 0)].line == here + 5
    # Same paths in two dashboards: the same tuples (the result keeps one of each).
    paths = {path: path for path in first.source_map}
    shared = [path for path in second.source_map if path and paths[path] is path]
    assert first.source_map[("panels", 1)].line == here + 6
    assert len(shared) == len(second.source_map) - 1 == 6


def test_one_preparation_for_dashboard_and_promql_checks() -> None:
    from obs_as_code.lint.engine import grafana_expr

    for expr in (
        "sum by ($label) (x)",
        "sum by (${grp:csv}) (rate(x_total[$__rate_interval]))",
        "max_over_time(x[$__range:$__interval])",
        "x offset -$shift",
        "rate(x_total[[[w:text]]]) > $threshold",
        'x{a="[[foo]]", b=~`$bar`}',
    ):
        assert prepare_promql(expr) == grafana_expr(expr)
        promql_parser.parse(prepare_promql(expr))
    assert prepare_promql("sum by ($label) (x)") == "sum by (grafana_var) (x)"
    assert prepare_promql("max_over_time(x[$__range:$__interval])") == "max_over_time(x[5m:5m])"
    assert prepare_promql('x{a="[[foo]]", b=~`$bar`} * $n') == 'x{a="[[foo]]", b=~`$bar`} * 1'


def test_review_fixes_of_the_helpers() -> None:
    import pytest

    # A comma inside a value is escaped as Grafana splits custom values; "All" is
    # ".+" (Loki refuses a selector that only has a matcher for the empty string).
    v = k.custom_var("path", ["/a,b", "/c"], include_all=True).build()
    assert v.query == "/a\\,b,/c" and v.all_value == ".+"
    assert k.custom_var("s", ["x"], include_all=True, all_value=".*").build().all_value == ".*"
    # The quantile as given, not rounded to six digits.
    assert k.quantile(0.9999999, "d_seconds").startswith("histogram_quantile(0.9999999, ")
    assert k.quantile(0.95, "d_seconds").startswith("histogram_quantile(0.95, ")
    # on(...) with group_left: a finer numerator over a coarser denominator.
    expr = k.ratio(k.rate("a_total", by=["p"]), k.rate("a_total"), on=[])
    assert " / on () group_left () (" in expr
    promql_parser.parse(expr.replace("$__rate_interval", "5m"))
    # Rows do not nest; a Raw panel's size is checked as the SDK checks its own.
    with pytest.raises(TypeError, match=r"row 'Inner' .*is inside a row"):
        k.dashboard("N", [k.row("Outer", [k.row("Inner", [k.stat("x", k.prom("up"))])])])
    for w in (-5, 0, 25, "8"):
        with pytest.raises(ValueError, match=r"w must be 1\.\.24"):
            k.dashboard("R", [k.Raw({"type": "text", "title": "t", "gridPos": {"w": w, "h": 3}})])
    board = k.dashboard("R", [k.Raw({"type": "text", "title": "t", "gridPos": {"w": 6}})])
    assert render_dashboard(DashboardDef(board, uid="r")).json["panels"][0]["gridPos"] == {"h": 8, "w": 6, "x": 0, "y": 0}
