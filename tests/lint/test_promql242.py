"""The PromQL the lint takes is Prometheus 2.42's (``promtool check rules``),
not promql-parser's (which follows later releases): obs_as_code/lint/promql242.py.

The table below is what promtool 2.42 said of each difference found (pinned
here; the test marked integration checks that the installed promtool still says
it), and the differential test compares the two on seeded random expressions
(tests/lint/promql_variants.py). ``OAC_PROMQL_VARIANTS=50000`` runs a large
sample to look for new disagreements; the suite runs a few hundred.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.lint.api import lint
from obs_as_code.lint.engine import parse_promql
from obs_as_code.lint.promql242 import (
    _FUNCTION_GATE,
    _QUOTE_GATE,
    _RANGE_GATE,
    _later_tokens,
    _rewrite_strings,
    _unquote_regex,
)
from tests.lint.differential import promtool_verdicts
from tests.lint.promql_variants import expression, rule_file
from tests.oac_testing import ProjectFactory, need_binary

#: (expression as Prometheus reads it, None when promtool 2.42 accepts it, else
#: a piece of its error; None when we accept it, else a piece of our error).
DIFFERENCES: list[tuple[str, str | None, str | None]] = [
    # functions: 2.42 has holt_winters, not what later releases added
    ("holt_winters(x[5m], 0.5, 0.5)", None, None),
    ("holt_winters(x, 0.5, 0.5)", "expected type range vector", "expected type matrix"),
    ("double_exponential_smoothing(x[5m], 0.5, 0.5)", 'unknown function with name "double_exponential_smoothing"',
     "double_exponential_smoothing is not a function in Prometheus 2.42 (added in a later version)"),
    ("limitk(1, x)", 'unknown function with name "limitk"', "limitk is not a function in Prometheus 2.42"),
    ("sum(limit_ratio by (a) (0.5, x))", "unexpected <by>", "limit_ratio is not a function in Prometheus 2.42"),
    ('sort_by_label(x, "a")', 'unknown function with name "sort_by_label"', "sort_by_label is not a function"),
    ('sort_by_label_desc(x, "a")', 'unknown function with name "sort_by_label_desc"', "sort_by_label_desc is not"),
    ("info(x)", 'unknown function with name "info"', "info is not a function"),
    ("mad_over_time(x[5m])", 'unknown function with name "mad_over_time"', "mad_over_time is not"),
    ("histogram_avg(x)", 'unknown function with name "histogram_avg"', "histogram_avg is not"),
    ("histogram_stddev(x)", 'unknown function with name "histogram_stddev"', "histogram_stddev is not"),
    ("histogram_stdvar(x)", 'unknown function with name "histogram_stdvar"', "histogram_stdvar is not"),
    ("first_over_time(x[5m])", 'unknown function with name "first_over_time"', "first_over_time is not"),
    ("ts_of_max_over_time(x[5m])", 'unknown function with name "ts_of_max_over_time"', "ts_of_max_over_time is not"),
    ("max_of(1, 2)", 'unknown function with name "max_of"', "max_of is not"),
    ("start_timestamp(x)", 'unknown function with name "start_timestamp"', "start_timestamp is not"),
    ("step()", 'unknown function with name "step"', "step is not a function"),
    ("x > range()", 'unknown function with name "range"', "range is not a function"),
    ("start()", 'unexpected "("', "start() is not a function in Prometheus 2.42: it is only the @ modifier's"),
    ("x @ end()", None, None),
    ("histogram_count(x) + histogram_sum(x) + histogram_fraction(0, 1, x)", None, None),  # in 2.42 already
    ("exp(NaN)", 'expected type instant vector in call to function "exp", got scalar', 'call to function "exp", got scalar'),
    ("ln(-Inf)", 'expected type instant vector in call to function "ln", got scalar', 'call to function "ln", got scalar'),
    ("ln(0)", 'expected type instant vector in call to function "ln", got scalar', 'call to function "ln", got scalar'),
    ('x{a="exp(NaN)"}', None, None),
    # quoted label names (Prometheus 3.0)
    ('{"a.b"}', 'unexpected string "\\"a.b\\"" in label matching', 'quoted label name "a.b" in a selector'),
    ('x{"a"="b"}', "in label matching", "quoted label name"),
    ("x{a='b', 'c'!=\"d\"}", "in label matching", "quoted label name 'c'"),
    ('sum by ("a") (x)', "in grouping opts", 'quoted label name "a" in a label list'),
    ('x * on(`a`) y', "in grouping opts", "quoted label name `a` in a label list"),
    ('label_replace(x, "a", "$1", "b", "(.*)") * on(a) group_left("b") y', "in grouping opts", 'quoted label name "b"'),
    ('count_values("a", x)', None, None),
    # durations without unit
    ("x[5]", "missing unit character in duration", "missing unit character in duration '5'"),
    ("max_over_time(x[5m:30])[1h:]", 'unexpected number "30" in subquery selector', "duration '30'"),
    ("x offset 0", 'unexpected number "0" in offset', "missing unit character in duration '0'"),
    ("x @ 100 offset -5", 'unexpected number "5" in offset', "missing unit character in duration '5'"),
    ("offset - 5", None, None),  # the metric named offset
    ('x{a="[5]"} offset 5m', None, None),
    # strings: raw strings hold backslashes, \Q...\E quotes a regex
    ("x{a=~`a\\.b`}", None, None),
    ("x{a=~`\\d+`, b=`\\n`}", None, None),
    ('x{a=~"\\\\Qa.b\\\\E"}', None, None),
    ("x{a=~`\\Qa.(b\\E|c`}", None, None),
    ('x{a=~"\\Qa.b\\E"}', "unknown escape sequence U+0051 'Q'", "1:6: parse error: unknown escape sequence U+0051 'Q'"),
    ('x{a=~"\\\\Q)"}', "missing closing )", "illegal regex"),
    ("x{a=~`(\\d`}", "missing closing )", "illegal regex"),
    ("sum(x{a=~`\\d`} # c\n", "unclosed left parenthesis", "unclosed left parenthesis"),
    ('x{"a"=~`\\d`}', "in label matching", "quoted label name"),
    ("limitk(1, x{a=~`\\d`})", 'unknown function with name "limitk"', "limitk is not a function"),
]  # fmt: skip


@pytest.mark.parametrize(("expr", "_theirs", "ours"), DIFFERENCES)
def test_parse_promql_reads_prometheus_2_42(expr: str, _theirs: str | None, ours: str | None) -> None:
    _ast, problem = parse_promql(expr)
    assert (problem is None) == (ours is None), problem
    assert ours is None or ours in (problem or ""), problem


@pytest.mark.integration
def test_promtool_says_what_the_table_says(tmp_path: Path) -> None:
    promtool = need_binary("promtool")
    for i, (expr, _theirs, _ours) in enumerate(DIFFERENCES):
        (tmp_path / f"d{i:03d}.yaml").write_text(rule_file(expr))
    said = promtool_verdicts(promtool, sorted(tmp_path.iterdir()))
    for i, (expr, theirs, _ours) in enumerate(DIFFERENCES):
        error = said[f"d{i:03d}.yaml"]
        assert (error is None) == (theirs is None), (expr, error)
        assert theirs is None or theirs in (error or ""), (expr, error)


def test_a_raw_string_keeps_its_value() -> None:
    ast, problem = parse_promql("x{a=~`a\\.b`, b=`\\d`}")
    assert problem is None
    assert [(m.name, m.value) for m in ast.matchers.matchers] == [("a", "a\\.b"), ("b", "\\d")]


def test_quoted_regex_text_is_written_as_escaped_characters() -> None:
    assert _unquote_regex("x\\Qa.b(\\E+") == "xa\\.b\\(+"
    assert _unquote_regex("\\\\Qa") == "\\\\Qa"  # an escaped backslash, then Q
    assert _unquote_regex("\\Qa") == "\\Qa"  # to the end: Prometheus's closing ")$" is quoted too
    assert _rewrite_strings('x{a="\\\\Qa.b\\\\E", b=`\\d`} # `\\q`') == 'x{a="\\\\Qa.b\\\\E", b="\\\\d"} # `\\q`'
    assert _rewrite_strings('x{a=~"\\\\Qa.b\\\\E"}') == 'x{a=~"a\\\\.b"}'


def test_a_later_function_is_reported_at_the_users_line(make_project: ProjectFactory) -> None:
    root = make_project({
        "alerts/a.py": """
        from obs_as_code import AlertRule, RecordingRule, RuleGroup
        g = RuleGroup("g", [
            RecordingRule("job:x:smooth", expr="holt_winters(x[1h], 0.5, 0.5)"),
            AlertRule("A",
                      expr="limitk(1, x) > 0", labels={"severity": "page"}, for_="5m"),
        ])
        """,
    })  # fmt: skip
    found = [(d.location.file, d.location.line, d.location.col, d.message) for d in lint(root) if d.code == "OAC108"]
    assert found == [("alerts/a.py", 5, 20, "invalid PromQL in alert 'A' (group 'g'): limitk is not a function in Prometheus 2.42 (added in a later version)")]


def test_a_panel_query_of_a_later_release_is_refused(make_project: ProjectFactory) -> None:
    root = make_project({
        "dashboards/d.py": """
        from obs_as_code.dashboards import kit as k
        board = k.dashboard("D", [
            k.timeseries("Smooth", k.prom('holt_winters(x[$__range], 0.5, 0.5)')),
            k.timeseries("Info", k.prom('info(x{"a.b"="c"})')),
        ])
        """,
    })  # fmt: skip
    found = [(d.location.line, d.message.split(": ")[1]) for d in lint(root) if d.code == "OAC302"]
    assert found == [(4, 'quoted label name "a.b" in a selector')]


#: Pieces of expressions for the gates' test.
_PIECES = st.sampled_from([
    "x", "{", "}", "(", ")", "[", "]", ",", ":", " ", '"a"', "'a'", "`a`", "=", "5", "5m", "0x1F", "1e3", ".5", "offset",
    "-", "by", "on", "# c\n", "\n", "sum", "@", "100", "limitk", "info", "exp", "NaN",
])  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(_PIECES, max_size=12).map("".join))
def test_the_gates_hide_nothing_the_token_scan_finds(expr: str) -> None:
    if _later_tokens(expr) is not None:
        assert (
            _QUOTE_GATE.search(expr) is not None
            or _RANGE_GATE.search(expr) is not None
            or "offset" in expr
        ), expr


def test_the_usual_expressions_pass_the_gates_untouched() -> None:
    for expr in ['sum by (job) (rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(x[5m])) > 0.05',
                 "histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))", "max_over_time(up[1h:5m]) == 0",
                 'up{job="api"} offset 1h']:  # fmt: skip
        assert _QUOTE_GATE.search(expr) is None and _RANGE_GATE.search(expr) is None
        assert not any(piece in expr for piece in _FUNCTION_GATE), expr


@pytest.mark.integration
def test_oac_lint_refuses_an_expression_exactly_when_promtool_does(tmp_path: Path) -> None:
    """Seeded random expressions (functions of every release with right and
    wrong arguments, aggregations, modifiers, durations, numbers, strings,
    quoted label names ...) in rule files: the same verdict."""
    promtool = need_binary("promtool")
    count = int(os.environ.get("OAC_PROMQL_VARIANTS", "400"))
    exprs = {f"p{seed:06d}.yaml": expression(seed) for seed in range(count)}
    for name, expr in exprs.items():
        (tmp_path / name).write_text(rule_file(expr))
    theirs = promtool_verdicts(promtool, sorted(tmp_path.iterdir()), batch=1000)
    ours: dict[str, list[str]] = {name: [] for name in exprs}
    for d in lint(tmp_path, [tmp_path], select=["OAC108", "OAC219"]):
        ours[Path(d.location.file).name].append(d.message)
    bad = [(exprs[n], theirs[n], ours[n]) for n in exprs if (theirs[n] is None) == bool(ours[n])]
    assert bad == []
    refused = sum(1 for said in theirs.values() if said is not None)
    assert count // 4 < refused < count * 3 // 4  # the sample holds both verdicts


def test_the_expressions_are_deterministic() -> None:
    assert [expression(s) for s in range(20)] == [expression(s) for s in range(20)]
    assert len({expression(s) for s in range(200)}) > 180
