"""OAC311: a panel ratio whose numerator counts a subset of its denominator's
events reads "No data", not 0, before the first such event (a client library
creates a labelled counter series at its first increment).

The judgement on single queries (flagged and clean shapes), positions in dict and
kit panels, the sharing of one tree by queries that differ in label values, rules
left alone, the docs page's examples, the shipped dashboards, warnings in
``oac build`` / ``oac lint``, and what the hints write evaluated by promtool."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dash_support import REPO, write_project
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.cli import cli
from obs_as_code.dashboards import kit as k
from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import DashboardSource, LintContext, grafana_expr, parse_tree
from obs_as_code.lint.rules import oac311_ratio_no_data as rule
from obs_as_code.load import Project
from obs_as_code.pipeline import Compiled
from obs_as_code.serialize import dump_yaml

CODE = "OAC311"
ERRORS = 'sum(rate(x_total{job="api", status=~"5.."}[5m]))'
TOTAL = 'sum(rate(x_total{job="api"}[5m]))'


def flagged(expr: str) -> bool:
    """Whether the check finds something in ``expr`` (its own tree, values as written)."""
    tree, problem = parse_tree(grafana_expr(expr))
    assert problem is None, problem
    ctx = LintContext(Project(root=Path(".")))
    return bool(rule.find(ctx, tree))


FLAGGED = {
    "error ratio": f"{ERRORS} / {TOTAL}",
    "by path": 'sum by (path) (rate(x_total{status=~"5.."}[$__rate_interval])) / sum by (path) (rate(x_total[$__rate_interval]))',
    "good ratio": f"1 - ({ERRORS} / {TOTAL})",
    "percent": f"100 * {ERRORS} / {TOTAL}",
    "percent after": f"({ERRORS} / {TOTAL}) * 100",
    "increase": 'sum(increase(x_total{status="500"}[1h])) / sum(increase(x_total[1h]))',
    "irate, parenthesised": '(sum(irate(x_total{code="500"}[5m]))) / (sum(irate(x_total[5m])))',
    "success ratio": 'sum(rate(x_total{status!~"5.."}[5m])) / sum(rate(x_total[5m]))',
    "in a comparison": f"{ERRORS} / {TOTAL} > 0.05",
    "clamped denominator": f"{ERRORS} / clamp_min({TOTAL}, 1)",
    # The numerator keeps status, the denominator drops it: the whole panel is
    # "No data" before the first 5xx.
    "group_left by status": 'sum by (status) (rate(x_total{status=~"5.."}[5m])) / ignoring (status) group_left sum(rate(x_total[5m]))',
    "on path group_left": 'sum by (path, status) (rate(x_total{status=~"5.."}[5m])) / on (path) group_left sum by (path) (rate(x_total[5m]))',
    # An extra matcher the denominator's grouping drops, beside one both keep.
    "one extra label not kept": 'sum by (status) (rate(x_total{status=~"5..", method="POST"}[5m])) / sum by (status) (rate(x_total[5m]))',
    "bucket with another matcher": 'sum(rate(x_bucket{le="0.5", path="/a"}[5m])) / sum(rate(x_bucket{le="+Inf"}[5m]))',
    "fallback of another metric": f"({ERRORS} / {TOTAL}) or (sum(rate(y_total[5m])) * 0)",
    "or on the right only": f"sum(rate(y_total[5m])) or ({ERRORS} / {TOTAL})",
    "old System overview": (
        'sum (rate(opencode_http_requests_total{job="opencode-api", path=~"$path", status=~"5.."}[$__rate_interval])) '
        '/ sum (rate(opencode_http_requests_total{job="opencode-api", path=~"$path"}[$__rate_interval]))'
    ),
}

CLEAN = {
    "absent_as_zero": k.ratio(k.rate("x_total", 'status=~"5.."', by=["path"]), k.rate("x_total", by=["path"]), absent_as_zero=True),
    "or vector(0) in the numerator": f"({ERRORS} or vector(0)) / {TOTAL}",
    "ratio or vector(0)": f"({ERRORS} / {TOTAL}) or vector(0)",
    "ratio or the denominator times 0": f"({ERRORS} / {TOTAL}) or ({TOTAL}) * 0",
    "different metrics": 'sum(rate(cost_dollars_total[5m])) / sum(rate(tokens_total[5m]))',
    "hit ratio": "sum(rate(hits_total[5m])) / (sum(rate(hits_total[5m])) + sum(rate(misses_total[5m])))",
    "latency share": 'sum(rate(x_seconds_bucket{le="0.5"}[5m])) / sum(rate(x_seconds_count[5m]))',
    "bucket over bucket": 'sum(rate(x_seconds_bucket{le="0.5"}[5m])) / sum(rate(x_seconds_bucket{le="+Inf"}[5m]))',
    "bucket bound alone": 'sum(rate(x_seconds_bucket{le="0.5"}[5m])) / sum(rate(x_seconds_bucket[5m]))',
    "mean latency": "sum(rate(x_seconds_sum[5m])) / sum(rate(x_seconds_count[5m]))",
    "same matchers": f"{TOTAL} / {TOTAL}",
    "denominator narrower": f"{TOTAL} / {ERRORS}",
    "other values": 'sum(rate(x_total{path="/a", code="500"}[5m])) / sum(rate(x_total{path="/b"}[5m]))',
    # Both sides keep status: the filter picks which groups to show.
    "label both keep": 'sum by (status) (rate(x_total{status=~"5.."}[5m])) / sum by (status) (rate(x_total[5m]))',
    "without keeps it": 'sum without (instance) (rate(x_total{status=~"5.."}[5m])) / sum without (instance) (rate(x_total[5m]))',
    "gauges": "sum(node_memory_free_bytes) / sum(node_memory_total_bytes)",
    "topk numerator": f'topk(3, rate(x_total{{status=~"5.."}}[5m])) / ignoring (status) group_left {TOTAL}',
    "unaggregated numerator": 'rate(x_total{status=~"5.."}[5m]) / ignoring (status) group_left sum(rate(x_total[5m]))',
    "or matchers": 'sum(rate(x_total{status="500" or status="502"}[5m])) / sum(rate(x_total[5m]))',
    "shipped hit ratio": (
        "(sum (rate(opencode_cache_hits_total[5m])) or sum (rate(opencode_cache_misses_total[5m])) * 0) / "
        "(sum (rate(opencode_cache_hits_total[5m])) + sum (rate(opencode_cache_misses_total[5m])) "
        "or sum (rate(opencode_cache_hits_total[5m])) or sum (rate(opencode_cache_misses_total[5m])))"
    ),
    "burn rate": 'slo:sli_error:ratio_rate5m{sloth_id="a"} / on (sloth_id) group_left slo:error_budget:ratio{sloth_id="a"}',
}


@pytest.mark.parametrize("case", sorted(FLAGGED))
def test_flagged(case: str) -> None:
    assert flagged(FLAGGED[case])


@pytest.mark.parametrize("case", sorted(CLEAN))
def test_clean(case: str) -> None:
    assert not flagged(CLEAN[case])


def _hint(expr: str) -> str:
    tree, _ = parse_tree(expr)
    hits = rule.find(LintContext(Project(root=Path("."))), tree)
    assert len(hits) == 1 and hits[0].hint is not None
    return hits[0].hint


def test_hint_keeps_the_divisions_vector_matching() -> None:
    assert "absent_as_zero=True" in _hint(FLAGGED["error ratio"])
    assert "(numerator or (denominator) * 0) / (denominator)" in _hint(FLAGGED["error ratio"])
    assert "(numerator or ignoring (status) (denominator) * 0) / ignoring (status) group_left () (denominator)" in _hint(
        FLAGGED["group_left by status"]
    )
    assert "(numerator or on (path) (denominator) * 0) / on (path) group_left () (denominator)" in _hint(FLAGGED["on path group_left"])


# --- in a project ---------------------------------------------------------------

#: One target per line: (expr, flagged). Queries that differ only in label values
#: share one syntax tree: the values decide, each query on its own text.
_TARGETS: list[tuple[str, bool]] = [
    ('sum(rate(x_total{path="/a", code="500"}[5m])) / sum(rate(x_total{path="/a"}[5m]))', True),
    ('sum(rate(x_total{path="/a", code="500"}[5m])) / sum(rate(x_total{path="/b"}[5m]))', False),
    ('sum(rate(x_total{path="/c", code="502"}[5m])) / sum(rate(x_total{path="/c"}[5m]))', True),
    ('sum(rate(x_total{path="v", code="500"}[5m])) / sum(rate(x_total{path="/v"}[5m]))', False),
    (CLEAN["absent_as_zero"], False),
    ('1 - (sum(rate(y_total{status=~"5.."}[5m])) / sum(rate(y_total[5m])))', True),
    (CLEAN["latency share"], False),
    # Values read from the text: a brace or the metric's name inside a string is no selector's.
    ('sum(rate(z_total{path="/x_total{", code="1"}[5m])) / sum(rate(z_total{path="/x_total{"}[5m]))', True),
    ('sum(rate(z_total{path="/z_total{", code="1"}[5m])) / sum(rate(z_total{path="/z_total}"}[5m]))', False),
    # A selector by __name__ is not in the text as a name: the query's own parse decides.
    ('sum(rate({__name__="w_total", path="/a", code="1"}[5m])) / sum(rate(w_total{path="/a"}[5m]))', True),
    ('sum(rate({__name__="w_total", path="/a", code="1"}[5m])) / sum(rate(w_total{path="/b"}[5m]))', False),
]


def _dict_dashboard() -> str:
    lines = ['board = {"title": "Plain", "schemaVersion": 41, "panels": [',
             '    {"id": 1, "type": "timeseries", "title": "Ratios", "gridPos": {"h": 8, "w": 24, "x": 0, "y": 0}, "targets": [']
    lines += [f"        {{'expr': {expr!r}, 'refId': 'R{i}'}}," for i, (expr, _flag) in enumerate(_TARGETS)]
    lines += ["    ]},", "]}"]
    return "\n".join(lines) + "\n"


def _found(compiled: Compiled) -> list[Diagnostic]:
    return [d for d in compiled.diagnostics if d.code == CODE]


def test_dict_panel_targets_are_flagged_at_their_division(project: Callable[..., Compiled]) -> None:
    source = _dict_dashboard()
    compiled = project({"dashboards/plain.py": source})
    assert compiled.ok  # a warning: the build goes on
    lines = source.splitlines()
    expected = []
    for i, (expr, flag) in enumerate(_TARGETS):
        if flag:
            line = 3 + i
            # The division's "/": the first one of the expression on its line.
            expected.append((line, lines[line - 1].index(expr) + expr.index(" / ") + 2))
    found = _found(compiled)
    assert [(d.location.file, d.location.line, d.location.col) for d in found] == [("dashboards/plain.py", *e) for e in expected]
    assert all(d.severity is Severity.WARNING for d in found)
    assert 'until the first x_total{code="500"}' in found[0].message
    assert 'until the first x_total{code="502"}' in found[1].message
    assert "panel 'Ratios' of dashboard 'Plain'" in found[0].message
    assert 'until the first z_total{code="1"}' in found[3].message


@pytest.mark.parametrize(
    ("expr", "metric", "expected"),
    [
        ('sum(rate(x_total{a="1", b=~"2|3"}[5m])) / sum(rate(x_total[5m]))', "x_total", [{("a", "=", "1"), ("b", "=~", "2|3")}, set()]),
        ('x_total{le="0.5", a != "}"} / x_total{__name__="x_total"} / y_total{a="x_total{"}', "x_total", [{("a", "!=", "}")}, set()]),
        ('my_x_total{a="1"} / x_total_2{a="1"} / x_total:rate5m{a="1"}', "x_total", []),
        ('x_total{a="1" or b="2"} / x_total', "x_total", [None, set()]),
    ],
)
def test_own_matchers(expr: str, metric: str, expected: list[set[tuple[str, str, str]] | None]) -> None:
    assert rule.own_matchers(expr, metric) == [None if e is None else frozenset(e) for e in expected]


def test_kit_panel_is_flagged_at_its_target(project: Callable[..., Compiled]) -> None:
    source = '''from obs_as_code.dashboards import kit as k

errors = k.rate("x_total", 'status=~"5.."', by=["model"])
total = k.rate("x_total", by=["model"])
board = k.dashboard("LLM", [
    k.stat("Requests", k.prom(k.rate("x_total")), unit=k.REQPS),
    k.timeseries("Error ratio by model",
                 k.prom(k.ratio(errors, total), "{{model}}"), unit=k.PERCENTUNIT),
    k.timeseries("Fixed", k.prom(k.ratio(errors, total, absent_as_zero=True)), unit=k.PERCENTUNIT),
    k.stat("Literal", k.prom("sum(rate(a_total[5m])) / sum(rate(b_total[5m]))"), unit=k.PERCENTUNIT),
], variables=[k.datasource_var()])
'''
    found = _found(project({"dashboards/llm.py": source}))
    assert len(found) == 1, found
    d = found[0]
    # The k.prom(...) of the target (the built query's "/" is in no line of the file).
    assert (d.location.line, d.location.col) == (8, source.splitlines()[7].index("k.prom(") + 1)
    assert d.message.startswith("panel 'Error ratio by model' of dashboard 'LLM' reads \"No data\", not a ratio of 0, for each model")


def test_rules_are_left_alone(project: Callable[..., Compiled]) -> None:
    # An alert on an error ratio that does not exist yet rightly stays silent.
    alerts = f'''from obs_as_code import AlertRule, RuleGroup

group = RuleGroup(name="api", rules=[
    AlertRule(name="ApiErrors", expr={FLAGGED["error ratio"] + " > 0.05"!r}, for_="5m",
              labels={{"severity": "critical"}}, annotations={{"summary": "5xx"}}),
])
'''
    compiled = project({"alerts/api.py": alerts})
    assert compiled.ok and _found(compiled) == []


def test_suppressed_by_a_comment(project: Callable[..., Compiled]) -> None:
    source = _dict_dashboard().replace("        {'expr': 'sum(rate(x_total{path=\"/a\", code=\"500\"}[5m])) / sum(rate(x_total{path=\"/a\"}", "        # oac: ignore[OAC311] reviewed\n        {'expr': 'sum(rate(x_total{path=\"/a\", code=\"500\"}[5m])) / sum(rate(x_total{path=\"/a\"}", 1)
    assert "# oac: ignore[OAC311]" in source
    found = _found(project({"dashboards/plain.py": source}))
    assert len(found) == 4 and "code=\"502\"" in found[0].message  # R0 silenced: R2, R5, R7, R9 left


def _docs_examples() -> dict[str, str]:
    page = (REPO / "docs" / "lint" / f"{CODE}.md").read_text(encoding="utf-8")
    out = {}
    for section in ("Bad", "Good"):
        m = re.search(rf"## {section}\n+```python\n(.*?)```", page, re.S)
        assert m is not None, section
        out[section] = m.group(1)
    return out


def test_docs_bad_example_is_flagged_and_good_is_not(project: Callable[..., Compiled]) -> None:
    examples = _docs_examples()
    bad = _found(project({"dashboards/api.py": examples["Bad"]}))
    assert {d.message.split(" of dashboard")[0] for d in bad} == {"panel 'Error ratio by path'", "panel 'Availability'"}
    good = project({"dashboards/api.py": examples["Good"]})
    assert good.ok and [d for d in good.diagnostics if d.code.startswith("OAC3")] == []


def test_shipped_dashboards_pass() -> None:
    from obs_as_code.lint.api import lint

    assert [str(d) for d in lint(REPO, select=[CODE])] == []


# --- shared trees, property ------------------------------------------------------

_LABELS = st.sampled_from(["path", "method", "model"])
_VALUES = st.sampled_from(["a", "b", "v"])  # "v": the placeholder shared trees hold
_MATCHERS = st.dictionaries(_LABELS, _VALUES, max_size=2)


def _selector(metric: str, matchers: dict[str, str], extra: str = "") -> str:
    parts = [f'{label}="{value}"' for label, value in sorted(matchers.items())] + ([extra] if extra else [])
    return f"{metric}{{{', '.join(parts)}}}" if parts else metric


def _ctx_with(exprs: list[str]) -> LintContext:
    """A lint context over one external dashboard holding ``exprs`` (no files)."""
    data: dict[str, Any] = {
        "title": "Gen",
        "panels": [{"id": i + 1, "type": "timeseries", "title": f"P{i}", "targets": [{"expr": e, "refId": "A"}]} for i, e in enumerate(exprs)],
    }
    return LintContext(Project(root=Path(".")), dashboards=[DashboardSource("gen.json", data)])


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_MATCHERS, _MATCHERS), min_size=1, max_size=6))
def test_shared_trees_decide_on_each_querys_own_values(pairs: list[tuple[dict[str, str], dict[str, str]]]) -> None:
    # Numerator {num} + code="500" over denominator {den}: the queries share trees
    # whenever only values differ; each must be judged as if alone.
    exprs = [
        f'sum(rate({_selector("x_total", num, "code=" + chr(34) + "500" + chr(34))}[5m])) / sum(rate({_selector("x_total", den)}[5m]))'
        for num, den in pairs
    ]
    ctx = _ctx_with(exprs)
    reported = {d.message.split(" of dashboard")[0] for d in rule.run(ctx)}
    expected = {f"panel 'P{i}'" for i, e in enumerate(exprs) if flagged(e)}
    assert reported == expected
    # And the judgement itself: a subset exactly when the denominator's matchers
    # are all the numerator's.
    assert expected == {f"panel 'P{i}'" for i, (num, den) in enumerate(pairs) if den.items() <= num.items()}


_NAMES = st.from_regex(r"[a-z]{1,8}(_[a-z]{1,6})?_total", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(
    _NAMES,
    _MATCHERS,
    st.sampled_from(['status=~"5.."', 'status="error"', 'code!="200"', 'outcome="failure"']),
    st.lists(st.sampled_from(["path", "model", "status", "code", "outcome"]), unique=True, max_size=2),
)
def test_kit_ratio_of_a_subset(metric: str, base: dict[str, str], extra: str, by: list[str]) -> None:
    matchers = ", ".join(f'{label}="{value}"' for label, value in sorted(base.items()))
    errors = k.rate(metric, ", ".join(p for p in (matchers, extra) if p), by=by)
    total = k.rate(metric, matchers, by=by)
    # With absent_as_zero: never.
    assert not flagged(k.ratio(errors, total, absent_as_zero=True))
    # Without: always, unless both sides keep the label the extra matcher filters on.
    filtered = extra.split("=")[0].rstrip("!")
    assert flagged(k.ratio(errors, total)) is (filtered not in by)


# --- build and lint -----------------------------------------------------------------


def test_build_warns_and_succeeds_lint_exits_0(tmp_path: Path) -> None:
    write_project(tmp_path, {"dashboards/plain.py": _dict_dashboard()})
    runner = CliRunner()
    built = runner.invoke(cli, ["build", "-C", str(tmp_path)])
    assert built.exit_code == 0, built.output
    assert built.output.count("OAC311 [warning]") == 5
    assert (tmp_path / "build" / "grafana" / "dashboards").is_dir()
    linted = runner.invoke(cli, ["lint", "-C", str(tmp_path), "--select", CODE])
    assert linted.exit_code == 0, linted.output
    assert "0 error(s), 5 warning(s)" in linted.output


def test_incremental_build_finds_the_same(tmp_path: Path) -> None:
    from obs_as_code.incremental import compile_incremental
    from obs_as_code.pipeline import compile_project

    def found(compiled: Compiled) -> list[str]:
        return [str(d) for d in compiled.diagnostics if d.code == CODE]

    write_project(tmp_path, {"dashboards/plain.py": _dict_dashboard(), "dashboards/other.py": _dict_dashboard().replace("Plain", "Other")})
    clean = found(compile_project(tmp_path))
    assert len(clean) == 10
    assert found(compile_incremental(tmp_path, None, 1)) == clean
    assert found(compile_incremental(tmp_path, None, 1)) == clean  # from the cache
    # One module's ratios fixed: its warnings go, the other's stay.
    fixed = _dict_dashboard().replace('sum(rate(x_total{path="/a", code="500"}[5m]))', '(sum(rate(x_total{path="/a", code="500"}[5m])) or vector(0))')
    (tmp_path / "dashboards" / "plain.py").write_text(fixed, encoding="utf-8")
    again = found(compile_incremental(tmp_path, None, 1))
    assert again == found(compile_project(tmp_path))
    assert len(again) == 9 and sum("dashboards/plain.py" in d for d in again) == 4


# --- what the hints write, evaluated --------------------------------------------------

PROMTOOL = shutil.which("promtool")


def _series(labels: str, per_second: int) -> dict[str, str]:
    return {"series": f"req_total{{{labels}}}", "values": f"0+{per_second * 60}x10"}


_HEALTHY = [_series('path="a", status="200"', 30), _series('path="b", status="200"', 10)]
_ONE_ERROR = [*_HEALTHY, _series('path="a", status="503"', 10)]
_BY_STATUS = 'sum by (status) (rate(req_total{status=~"5.."}[5m]))'
_ALL = "sum(rate(req_total[5m]))"


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed")
@pytest.mark.parametrize(
    ("series", "expr", "samples"),
    [
        # What OAC311 reports: a healthy service's ratio has no result at all ...
        (_HEALTHY, f"{_BY_STATUS} / ignoring (status) group_left {_ALL}", []),
        # ... the hint's form: one 0 while no 5xx series exists ...
        (_HEALTHY, f"({_BY_STATUS} or ignoring (status) ({_ALL}) * 0) / ignoring (status) group_left () ({_ALL})", [("{}", 0.0)]),
        # ... and only the statuses seen once one does.
        (_ONE_ERROR, f"({_BY_STATUS} or ignoring (status) ({_ALL}) * 0) / ignoring (status) group_left () ({_ALL})", [('{status="503"}', 0.2)]),
        # By path: a 0 for the path that never failed.
        (
            _ONE_ERROR,
            k.ratio(k.rate("req_total", 'status=~"5.."', by=["path"]), k.rate("req_total", by=["path"]), absent_as_zero=True),
            [('{path="a"}', 0.25), ('{path="b"}', 0.0)],
        ),
    ],
)
def test_promtool_no_data_and_the_hints_fix(series: list[dict[str, str]], expr: str, samples: list[tuple[str, float]], tmp_path: Path) -> None:
    expr = expr.replace("$__rate_interval", "5m")
    test = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": series,
            "promql_expr_test": [{
                "expr": f"round({expr}, 0.0001)",
                "eval_time": "10m",
                "exp_samples": [{"labels": labels, "value": value} for labels, value in samples],
            }],
        }],
    }
    path = tmp_path / "t.yml"
    path.write_text(dump_yaml(test), encoding="utf-8")
    assert PROMTOOL is not None
    proc = subprocess.run([PROMTOOL, "test", "rules", str(path)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, f"{expr}\n{proc.stdout}{proc.stderr}"
