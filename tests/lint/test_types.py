"""Type and unit inference, expression shapes and token positions."""

from __future__ import annotations

import re
from pathlib import Path

import promql_parser as pp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.lint.engine import LintContext, parse_tree, shape
from obs_as_code.lint.sites import node_span
from obs_as_code.lint.types import COUNTER, GAUGE, RATE, Inferer, MetricInfo, nodes, result_node
from obs_as_code.load import Project


def _infer(expr: str, catalog: dict[str, MetricInfo] | None = None) -> object:
    ast, problem = parse_tree(expr)
    assert problem is None
    return Inferer(lambda name: (catalog or {}).get(name)).infer(ast)


@pytest.mark.parametrize(
    ("expr", "kind", "unit"),
    [
        ("http_requests_total", COUNTER, None),
        ("rate(http_requests_total[5m])", RATE, None),
        ("rate(node_cpu_seconds_total[5m])", RATE, "s/s"),
        ("rate(x_bytes_total[5m])", RATE, "bytes/s"),
        ('sum(rate(x_total{code="5"}[5m])) / sum(rate(x_total[5m]))', GAUGE, "ratio"),
        ('100 * sum(rate(x_total{code="5"}[5m])) / sum(rate(x_total[5m]))', GAUGE, "percent"),
        ("histogram_quantile(0.9, sum by (le) (rate(x_seconds_bucket[5m])))", GAUGE, "seconds"),
        ("sum(rate(x_seconds_sum[5m])) / sum(rate(x_seconds_count[5m]))", GAUGE, "seconds"),
        ("time() - process_start_time_seconds", GAUGE, "seconds"),
        ("node_disk_io_time_ms / 1000", "unknown", None),
        # A label join with an info metric (value 1) keeps the other side's kind
        # and unit, on either side; a product of two counters is no counter.
        ("node_cpu_seconds_total * on(instance) group_left(nodename) node_uname_info", COUNTER, "seconds"),
        ("node_uname_info * on(instance) group_right(nodename) rate(x_bytes_total[5m])", RATE, "bytes/s"),
        ("a_total * b_total", GAUGE, None),
    ],
)
def test_kinds_and_units_flow_up(expr: str, kind: str, unit: str | None) -> None:
    t = _infer(expr)
    assert (t.kind, t.unit) == (kind, unit)  # type: ignore[attr-defined]


def test_labels_through_aggregations_and_joins() -> None:
    info = MetricInfo(COUNTER, None, frozenset({"path", "status"}), False, True)
    cat = {"x_total": info, "y": MetricInfo(GAUGE, None, frozenset({"path", "team"}), False, True)}
    assert _infer("sum by (path) (rate(x_total[5m]))", cat).labels == {"path"}  # type: ignore[attr-defined]
    assert _infer("sum without (status) (x_total)", cat).labels == {"path", "job", "instance"}  # type: ignore[attr-defined]
    joined = _infer("sum by (path) (rate(x_total[5m])) * on (path) group_left (team) y", cat)
    assert joined.labels == {"path", "team"}  # type: ignore[attr-defined]
    replaced = _infer('label_replace(sum by (path) (x_total), "route", "$1", "path", "(.*)")', cat)
    assert replaced.labels == {"path", "route"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("expr", "labels"),
    [
        # Prometheus' resultMetric keeps only the on() labels of a one-to-one match, of
        # a filtering comparison too (promtool 2.42: a{x="1",y="2"} > on(x) b{x="1"}
        # gives {x="1"}), and drops the ignoring() ones.
        ("x_total > on (path) y", {"path"}),
        ("x_total > ignoring (status) y", {"path", "job", "instance"}),
        ("x_total > bool on (path) y", {"path"}),
        ("x_total > y", {"path", "status", "job", "instance"}),
        ("x_total and on (path) y", {"path", "status", "job", "instance"}),
        ("x_total > on (path) group_left y", {"path", "status", "job", "instance"}),
    ],
)
def test_a_filter_with_on_or_ignoring_keeps_the_labels_prometheus_keeps(expr: str, labels: set[str]) -> None:
    cat = {"x_total": MetricInfo(COUNTER, None, frozenset({"path", "status"}), False, True),
           "y": MetricInfo(GAUGE, None, frozenset({"path", "team"}), False, True)}
    assert _infer(expr, cat).labels == labels  # type: ignore[attr-defined]


@pytest.mark.parametrize("expr", ["(1 > bool 0) + x_total", "x_total * (time() <= bool 100)", "quantile_over_time(0.5 > bool 0, x_total[5m])"])
def test_a_bool_comparison_of_two_scalars_is_a_scalar_that_keeps_the_vectors_labels(expr: str) -> None:
    # promtool 2.42: (-1 <= bool 1) + topk(1, http_requests_total) returns the
    # series with all its labels; 1 > bool 0 is the scalar 1, not a vector {}.
    cat = {"x_total": MetricInfo(COUNTER, None, frozenset({"path"}), False, True)}
    assert _infer("1 > bool 0", cat).kind == "scalar"  # type: ignore[attr-defined]
    assert _infer(expr, cat).labels == {"path", "job", "instance"}  # type: ignore[attr-defined]


def test_pi_is_a_scalar() -> None:
    # promtool 2.42 evaluates vector(1 / pi()) and vector(0 == bool pi()); inference
    # took pi() for an unknown vector, and pi() * x for a vector of unknown labels.
    cat = {"x_total": MetricInfo(COUNTER, None, frozenset({"path"}), False, True)}
    assert [_infer(e, cat).kind for e in ("pi()", "1 / pi()", "0 == bool pi()")] == ["scalar"] * 3  # type: ignore[attr-defined]
    assert _infer("pi() * x_total", cat).labels == {"path", "job", "instance"}  # type: ignore[attr-defined]


def test_result_node_is_the_compared_side() -> None:
    ast, _ = parse_tree("(a > 1) and on() b")
    assert str(result_node(ast)) == "a{}"
    ast, _ = parse_tree("1 < rate(x_total[5m])")
    assert str(result_node(ast)).startswith("rate(")
    # A scalar written as arithmetic or a scalar-valued call is not the vector side.
    for expr in ("2 * 50 < b", "scalar(sum(a)) < b", "-(5) < b", "time() - 60 < b"):
        ast, _ = parse_tree(expr)
        assert str(result_node(ast)) == "b{}", expr
    ast, _ = parse_tree("a < b")
    assert str(result_node(ast)) == "a{}"


def test_shape_keeps_only_values_checks_read() -> None:
    expr = 'x{job="api", path="/a", code=~"5..", gone="", __name__="x"}'
    assert shape(expr) == 'x{job="v", path="v", code=~"5..", gone="", __name__="x"}'
    assert shape(expr, frozenset({"api"})).startswith('x{job="api", path="v"')


_METRICS = st.sampled_from(["a_total", "b_seconds_bucket", "c", "job:d:rate5m"])
_FUNCS = st.sampled_from(["rate", "irate", "increase"])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_FUNCS, _METRICS), min_size=1, max_size=4), st.sampled_from([" + ", " / ", " or "]))
def test_node_span_finds_each_call_in_order(parts: list[tuple[str, str]], op: str) -> None:
    expr = op.join(f'sum({f}({m}{{x="{f}("}}[5m]))' for f, m in parts)
    ast, problem = parse_tree(expr)
    assert problem is None
    for func in {f for f, _m in parts}:
        calls = nodes(ast, f"Call:{func}")
        spans = [node_span(expr, ast, c) for c in calls]
        starts = [s[0] for s in spans if s is not None]
        # One span per call, in textual order, each at the function's name
        # (never inside the label value that spells the same text).
        assert len(starts) == len(calls)
        assert starts == sorted(starts)
        assert all(expr.startswith(func + "(", s) for s in starts)
        assert all(expr[s - 1] != '"' for s in starts)


def test_expressions_of_one_shape_share_their_ast(tmp_path: Path) -> None:
    ctx = LintContext(Project(root=tmp_path))
    a, _ = ctx.tree('sum(rate(x_total{path="/a"}[5m]))')
    b, _ = ctx.tree('sum(rate(x_total{path="/b"}[5m]))')
    c, _ = ctx.tree('sum(rate(x_total{path=""}[5m]))')
    assert a is b and a is not c
    # The wrapped nodes still answer isinstance() like promql-parser's own.
    assert isinstance(a, pp.AggregateExpr)
    # An invalid regex is an error whatever the shape.
    assert ctx.tree('x{a=~"("}')[1] is not None
    # ctx.parse stays promql-parser's own AST of the exact text, for other checks.
    raw, _ = ctx.parse('sum(rate(x_total{path="/a"}[5m]))')
    assert type(raw) is pp.AggregateExpr
    assert pp.walk(raw, lambda n: None, lambda n: None) is not False


_UNANCHORED_MATCHER = re.compile(
    r"""([A-Za-z_][A-Za-z0-9_]*)(\s*(?:=~|!~|!=|=)\s*)("[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'|`[^`]*`)"""
)


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='ab_5Z =~!"\'`\\{},()x:j', max_size=24))
def test_shape_matches_the_unanchored_matcher_pattern(text: str) -> None:
    # shape() anchors label names and takes them whole, for speed on long metric
    # names; the matchers it replaces must be those the plain pattern finds.
    def sub(m: re.Match[str]) -> str:
        label, op, value = m.groups()
        keep = label == "__name__" or len(value) == 2 or "~" in op or "\\" in value
        return m.group() if keep else f'{label}{op}"v"'

    expected = _UNANCHORED_MATCHER.sub(sub, text) if "=" in text else text
    assert shape(text) == expected


_PIECES = ["[$__rate_interval]", "[$__range]", "[${__interval}]", '"', "'", "`", "\\", "$x", "by (", ")", "(",
           "[[w]]", "rate(x", "{a=", "}", " offset ", "[5m:", "]", " ", "a", "on(", '"$v"', "[", ":",
           "\\[$__range]", "\n", "by ([$__range]", "sum by (le) "]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=10).map("".join))
def test_grafana_expr_fast_path_gives_the_token_pass_result(expr: str) -> None:
    from obs_as_code.lint import engine

    token_pass = engine._GRAFANA_TOKEN.sub(engine._grafana_token, expr) if "$" in expr or "[[" in expr else expr
    assert engine.grafana_expr(expr) == token_pass


def _shipped_expressions() -> list[str]:
    import yaml

    root = Path(__file__).resolve().parents[2] / "build" / "prometheus"
    return sorted(
        {rule["expr"] for path in root.rglob("*.yaml") for group in (yaml.safe_load(path.read_text()) or {}).get("groups", []) for rule in group["rules"]}
    )


_TREE_CASES = [
    "up",
    "-x",
    'sum by (le) (rate(x_bucket{a="b"}[5m])) / ignoring(le) group_left count(y offset 1h)',
    "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m]))) > bool 2",
    "max_over_time(rate(x_total[5m])[1h:5m]) and on(job) (z or (w unless v))",
    "label_replace(topk(3, x), 'a', '$1', 'b', '(.*)') + scalar(vector(1))",
    "absent(x) or count_values('v', y) or quantile(0.5, z) or ((x))",
]


def test_wrap_tree_precomputes_the_walk_and_index_the_lazy_reads_give() -> None:
    """wrap_tree walks and indexes the tree in its one pass; what it keeps on the
    root is what walk() and nodes() compute of the same tree read lazily."""
    from obs_as_code.lint.types import Node, func_name, walk, wrap_tree

    expressions = _TREE_CASES + _shipped_expressions()
    assert len(expressions) > 50
    for expr in expressions:
        raw = pp.parse(expr)
        eager, lazy = wrap_tree(raw), Node(raw)
        assert eager.walked is not None and eager.by_key is not None and lazy.walked is None
        lazy_walk = walk(lazy)
        assert [(n.tag, str(n)) for n in eager.walked] == [(n.tag, str(n)) for n in lazy_walk], expr
        position = {id(n): i for i, n in enumerate(eager.walked)}
        lazy_position = {id(n): i for i, n in enumerate(lazy_walk)}
        lazy_keys = {n.tag for n in lazy_walk} | {f"Call:{func_name(n)}" for n in lazy_walk if n.tag == "Call"}
        assert set(eager.by_key) == lazy_keys, expr
        for key in lazy_keys:
            assert [position[id(n)] for n in nodes(eager, key)] == [lazy_position[id(n)] for n in nodes(lazy, key)], (expr, key)


def test_a_label_join_names_the_joined_metric_only() -> None:
    t = _infer("x_total * on(instance) group_left(node) node_uname_info")
    assert t.metrics == ("x_total",)  # type: ignore[attr-defined]
