"""OAC220: binary operations whose two sides' label sets never match.

Each case is one alert in a rule file; the finding points at the operator, at the
rule file's own line and column. The end-to-end tests load the reported rules into
the real ``promtool test rules`` with series carrying every label and show that the
expression returns nothing while the corrected one returns the series.
"""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.api import lint
from obs_as_code.lint.catalog import load_catalog
from tests.oac_testing import need_binary

CATALOG = load_catalog(Path(__file__).parent / "cases" / "catalog.prom")


def _lint(tmp_path: Path, expr: str, *, catalog: object = None, select: str = "OAC220") -> list[Diagnostic]:
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"groups:\n- name: g\n  rules:\n  - alert: A\n    expr: {expr}\n", encoding="utf-8")
    return lint(tmp_path, [rules], catalog=catalog, select=[select], scrape_interval=15.0)


def _found(tmp_path: Path, expr: str, *, catalog: object = None) -> list[tuple[int, int, str]]:
    """(line, column, severity) of each finding; the expression is on line 5, from column 11."""
    return [(d.location.line, d.location.col, d.severity.value) for d in _lint(tmp_path, expr, catalog=catalog)]


def _col(expr: str, token: str) -> int:
    return 11 + expr.index(token)


# --- the classic cases --------------------------------------------------------------

INSTANCE_ONE_SIDE = "sum by (job) (rate(errors_total[5m])) / sum by (job, instance) (rate(requests_total[5m]))"
BY_FORGOTTEN = "sum(rate(a_total[5m])) / sum by (service) (rate(b_total[5m]))"
VECTOR = "sum by (job) (up) > vector(0)"
AND = "sum by (job) (a) and sum by (instance) (b)"
UNLESS = "sum by (job) (a) unless sum by (instance) (b)"


def test_a_label_only_on_the_right_side_is_a_warning(tmp_path: Path) -> None:
    found = _lint(tmp_path, INSTANCE_ONE_SIDE)
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(INSTANCE_ONE_SIDE, "/ "), Severity.WARNING)]
    assert "instance only on the right side" in found[0].message
    assert found[0].hint is not None and "add instance to the left side's by (...)" in found[0].hint
    assert found[0].hint.endswith("leave the labels one side has alone out of the matching: / ignoring(instance) group_right")


def test_a_by_forgotten_on_one_side(tmp_path: Path) -> None:
    found = _lint(tmp_path, BY_FORGOTTEN)
    assert [(d.location.col, d.severity) for d in found] == [(_col(BY_FORGOTTEN, "/ "), Severity.WARNING)]
    assert "service only on the right side" in found[0].message
    assert found[0].hint is not None and "aggregate the left side by (service)" in found[0].hint


def test_vector_has_no_labels_and_up_always_has_job(tmp_path: Path) -> None:
    found = _lint(tmp_path, VECTOR)
    assert [(d.location.col, d.severity) for d in found] == [(_col(VECTOR, ">"), Severity.ERROR)]
    assert "never matches" in found[0].message and "job only on the left side" in found[0].message
    assert found[0].hint is not None and "> 0 rather than > vector(0)" in found[0].hint


def test_and_is_always_empty_and_unless_removes_nothing(tmp_path: Path) -> None:
    (a,) = _lint(tmp_path, AND)
    assert (a.location.col, a.severity) == (_col(AND, "and"), Severity.WARNING)
    assert "`and` in alert 'A' is empty unless some series lack instance, job" in a.message
    assert "job only on the left side and instance only on the right side" in a.message
    (u,) = _lint(tmp_path, UNLESS)
    assert (u.location.col, u.severity) == (_col(UNLESS, "unless"), Severity.WARNING)
    assert "removes nothing" in u.message and "returns its whole left side" in u.message


def test_errors_where_the_label_is_sure_to_be_set(tmp_path: Path) -> None:
    # A matcher pins the label; a catalog metric is scraped, so it has job and instance.
    pinned = 'sum by (path) (rate(x_total{path="/a"}[5m])) / sum(rate(x_total[5m]))'
    assert _found(tmp_path, pinned) == [(5, _col(pinned, "/ "), "error")]
    regex_may_be_empty = 'sum by (path) (rate(x_total{path=~"/a|"}[5m])) / sum(rate(x_total[5m]))'
    assert _found(tmp_path, regex_may_be_empty) == [(5, _col(regex_may_be_empty, "/ "), "warning")]
    scraped = "sum by (job) (rate(opencode_http_requests_total[5m])) / sum(rate(opencode_http_requests_total[5m]))"
    assert _found(tmp_path, scraped) == [(5, _col(scraped, "/ "), "warning")]
    assert _found(tmp_path, scraped, catalog=CATALOG) == [(5, _col(scraped, "/ "), "error")]
    # A label the catalog lists, but that nothing pins: a warning, with or without catalog.
    listed = "sum by (path) (rate(opencode_http_requests_total[5m])) / sum(rate(opencode_http_requests_total[5m]))"
    assert _found(tmp_path, listed, catalog=CATALOG) == [(5, _col(listed, "/ "), "warning")]
    # label_replace may write an empty value: no longer sure.
    replaced = 'sum by (job) (label_replace(up, "job", "$1", "x", "(.*)")) > vector(1)'
    assert _found(tmp_path, replaced) == [(5, _col(replaced, ">"), "warning")]


def test_a_date_function_without_argument_is_a_vector_without_labels(tmp_path: Path) -> None:
    # hour() is hour(vector(time())): an instant vector, not a scalar (time() is one).
    expr = "sum by (job) (up) > hour()"
    assert _found(tmp_path, expr) == [(5, _col(expr, ">"), "error")]
    assert _found(tmp_path, "sum by (job) (up) > time()") == []


def test_comparisons_match_the_same_with_and_without_bool(tmp_path: Path) -> None:
    assert _found(tmp_path, "sum by (job) (up) > bool vector(0)") == [(5, _col("sum by (job) (up) > bool vector(0)", ">"), "error")]


def test_a_bool_comparison_of_two_scalars_is_a_scalar_that_matches_every_series(tmp_path: Path) -> None:
    # Prometheus returns every series of the vector side (promtool 2.42 on
    # histogram_quantile(...) + (0 > bool 1)), so nothing is to be reported.
    assert _found(tmp_path, "sum by (job) (up) + (0 > bool 1)") == []
    assert _found(tmp_path, "(time() == bool 100) * sum by (job) (up)") == []


def test_labels_sure_through_group_left_come_from_the_one_side(tmp_path: Path) -> None:
    # team is pinned on the right side and copied by group_left: sure on the result.
    expr = "sum by (job) (up) * on(job) group_left(team) sum by (job, team) (up{team='a'}) > sum by (job) (up)"
    assert _found(tmp_path, expr) == [(5, _col(expr, "> sum"), "error")]
    # The left side's own team is replaced by the right side's (absent there): not sure.
    expr = "sum by (job, team) (up{team='a'}) * on(job) group_left(team) sum by (job, team) (up) > sum by (job) (up)"
    assert _found(tmp_path, expr) == [(5, _col(expr, "> sum"), "warning")]


def test_a_finding_in_a_nested_operation_points_at_its_own_operator(tmp_path: Path) -> None:
    expr = "sum by (job) (up) / (sum by (job) (up) * sum(up)) > 0"
    assert _found(tmp_path, expr) == [(5, _col(expr, "* "), "error")]


def test_the_finding_is_at_the_users_line_in_a_multiline_rule(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n  - alert: A\n    expr: |\n      sum by (job) (up)\n        > vector(0)\n",
        encoding="utf-8",
    )
    found = lint(tmp_path, [rules], select=["OAC220"])
    assert [(d.location.line, d.location.col) for d in found] == [(7, 9)]


# --- left alone -----------------------------------------------------------------------

LEFT_ALONE = [
    "sum by (job) (a) / ignoring(instance) group_right sum by (job, instance) (b)",
    "sum by (job) (a) / ignoring(instance) sum by (job, instance) (b)",
    "sum by (job, instance) (a) * on(job) group_left sum by (job) (b)",
    "sum by (job) (a) / on(job) sum by (job, instance) (b)",
    "sum by (job) (a) or sum by (instance) (b)",
    "sum by (job) (a) > 3",
    "3 < sum by (job) (a)",
    "sum by (job) (a) > scalar(sum(b))",
    "sum by (job) (a) / sum by (job) (b)",
    "sum by (job, instance) (a) > bool sum by (instance, job) (b)",
    "rate(a_total[5m]) / rate(b_total[5m])",  # bare selectors, no catalog: unknown labels
    "sum by (job) (a) / b",
    "absent(up{job=\"x\"}) * sum(up)",  # absent()'s labels come from its matchers: unknown here
    'label_replace(sum by (job) (a), "service", "$1", "job", "(.*)") / sum by (job, service) (b)',
    'count_values("version", a) / count by (version) (b)',
    "sum without (instance) (sum by (job, instance) (a)) / sum by (job) (b)",
    "topk(3, sum by (job) (a)) / sum by (job) (b)",
    "histogram_quantile(0.9, sum by (le, job) (rate(a_bucket[5m]))) > sum by (job) (b)",
    "sum by (job) (a) and on() sum(b) > 0",
    "sum(a) / sum(b)",
    "vector(1) > vector(0)",
    "sum by (__name__) (a) / sum(b)",
    # A filter with on(...) keeps only the on labels of the series it lets through.
    "(sum by (job, instance) (a) > on(job) sum by (job) (b)) / sum by (job) (c)",
    "(sum by (job, instance) (a) > ignoring(instance) sum by (job) (b)) / sum by (job) (c)",
    # group_left(label): the label comes from the right side.
    "sum by (job, instance) (a) * on(instance) group_left(team) sum by (instance, team) (b) / sum by (job, instance, team) (c)",
]


@pytest.mark.parametrize("expr", LEFT_ALONE)
def test_operations_that_can_match_are_left_alone(tmp_path: Path, expr: str) -> None:
    assert _found(tmp_path, expr.replace('"', "'")) == []


def test_an_on_label_one_side_lacks_is_oac207s_not_reported_twice(tmp_path: Path) -> None:
    expr = "sum by (path) (rate(opencode_http_requests_total[5m])) / on(status) sum by (status) (rate(opencode_http_requests_total[5m]))"
    assert _found(tmp_path, expr, catalog=CATALOG) == []
    assert [d.code for d in _lint(tmp_path, expr, catalog=CATALOG, select="OAC207")] == ["OAC207"]


def test_a_grafana_variable_in_a_by_list_is_not_taken_for_a_label(tmp_path: Path) -> None:
    import json

    from obs_as_code.lint.engine import grafana_expr

    # sum by ($group): the variable may be empty (no label) or name a label both sides have.
    bad_too = "sum by ($group, instance) (rate(a_total[5m])) / sum by ($group) (rate(b_total[5m]))"
    assert "grafana_var" in grafana_expr(bad_too)
    board = tmp_path / "board.json"
    targets = [{"refId": r, "expr": e} for r, e in (("A", "sum by ($group) (rate(a_total[5m])) / sum(rate(b_total[5m]))"), ("B", bad_too))]
    board.write_text(json.dumps({"title": "t", "uid": "u", "schemaVersion": 39, "panels": [{"type": "timeseries", "title": "p", "id": 1, "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, "targets": targets}]}), encoding="utf-8")
    found = lint(tmp_path, [board], select=["OAC220"])
    assert [(d.severity, "instance only on the left side" in d.message) for d in found] == [(Severity.WARNING, True)]


def test_target_labels_of_a_recording_rule_are_not_taken_for_granted(tmp_path: Path) -> None:
    # Inference gives a recorded series the target labels; path:x:rate5m has no instance.
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n"
        "  - record: path:x:rate5m\n    expr: sum by (path) (rate(opencode_http_requests_total[5m]))\n"
        "  - alert: A\n    expr: path:x:rate5m / sum by (path) (rate(opencode_http_requests_total[5m])) > 1\n",
        encoding="utf-8",
    )
    assert lint(tmp_path, [rules], catalog=CATALOG, select=["OAC220"]) == []


# --- property: the same by (...) on both sides never reports ---------------------------

_LABELS = st.lists(st.sampled_from(["job", "instance", "path", "status", "service", "le", "cluster"]), min_size=0, max_size=4, unique=True)
_OPS = st.sampled_from(["/", "*", "+", "-", ">", "<=", "== bool", "and", "unless", "or"])
_INNER = st.sampled_from(["rate(a_total[5m])", "up", 'rate(b_total{job="x"}[5m])', "a", "b{path=\"/\"}"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(labels=_LABELS, op=_OPS, left=_INNER, right=_INNER, agg=st.sampled_from(["sum", "max", "count", "avg"]))
def test_the_same_by_list_on_both_sides_never_reports(tmp_path: Path, labels: list[str], op: str, left: str, right: str, agg: str) -> None:
    by = f"by ({', '.join(labels)}) " if labels else ""
    expr = f"{agg} {by}({left}) {op} {agg} {by}({right})".replace('"', "'")
    assert _found(tmp_path, expr, catalog=CATALOG) == []
    assert _found(tmp_path, expr) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(left=_LABELS, right=_LABELS, op=_OPS)
def test_different_by_lists_report_exactly_when_they_differ(tmp_path: Path, left: list[str], right: list[str], op: str) -> None:
    expr = f"sum by ({', '.join(left)}) (a) {op} sum by ({', '.join(right)}) (b)"
    found = _found(tmp_path, expr)
    expected = set(left) != set(right) and op != "or"
    assert bool(found) == expected, (expr, found)
    assert all(severity == "warning" for _l, _c, severity in found)  # nothing pins a label of a, b


# --- end to end: real promtool -----------------------------------------------------------

#: (reported expression, corrected expression); series below carry every label.
E2E = [
    (INSTANCE_ONE_SIDE, "sum by (job) (rate(errors_total[5m])) / ignoring(instance) group_right sum by (job, instance) (rate(requests_total[5m]))"),
    ("sum(rate(errors_total[5m])) / sum by (service) (rate(requests_total[5m]))", "sum by (service) (rate(errors_total[5m])) / sum by (service) (rate(requests_total[5m]))"),
    ("sum by (job) (up) > vector(0)", "sum by (job) (up) > 0"),
    ("sum by (job) (rate(errors_total[5m])) > 0 and sum by (instance) (rate(requests_total[5m])) > 0", "sum by (job) (rate(errors_total[5m])) > 0 and on() sum by (instance) (rate(requests_total[5m])) > 0"),
    # With the catalog: the division drops `status` (ignoring), the `and` does not.
    (
        "(opencode_http_requests_total / ignoring(status) opencode_http_requests_total{status=\"500\"} > 0) and opencode_http_requests_total{status=\"500\"} > 0",
        "(opencode_http_requests_total / ignoring(status) opencode_http_requests_total{status=\"500\"} > 0) and ignoring(status) opencode_http_requests_total{status=\"500\"} > 0",
    ),
]
#: The E2E cases the lint judges with the cases' catalog (their metrics are in it).
_WITH_CATALOG = {4}

_SERIES = """\
      - series: 'errors_total{job="api", instance="h:1", service="web"}'
        values: '0+6x20'
      - series: 'requests_total{job="api", instance="h:1", service="web"}'
        values: '0+60x20'
      - series: 'up{job="api", instance="h:1"}'
        values: '1x20'
      - series: 'opencode_http_requests_total{job="api", instance="h:1", method="GET", path="/", status="500"}'
        values: '0+3x20'
"""


def _promtool_case(expr: str) -> str:
    """A promql_expr_test expecting ``expr`` to return nothing at 10m."""
    return f"      - expr: '{expr}'\n        eval_time: 10m\n        exp_samples: []\n"


def test_reported_expressions_are_empty_in_prometheus_and_the_corrections_are_not(tmp_path: Path) -> None:
    """promtool evaluates each expression with Prometheus' own engine: the reported one
    returns nothing, the corrected one the series (an unexpected sample fails the test)."""
    promtool = need_binary("promtool")
    for n, (bad, good) in enumerate(E2E):
        catalog = CATALOG if n in _WITH_CATALOG else None
        assert [severity for _l, _c, severity in _found(tmp_path, bad.replace('"', "'"), catalog=catalog)] == ["error" if n in (2, 4) else "warning"], bad
        assert _found(tmp_path, good.replace('"', "'"), catalog=catalog) == [], good
    rules = tmp_path / "rules.yaml"
    rules.write_text("groups: []\n", encoding="utf-8")
    cases = "".join(_promtool_case(bad) for bad, _good in E2E)
    test = tmp_path / "test.yaml"
    test.write_text(f"rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{_SERIES}    promql_expr_test:\n{cases}", encoding="utf-8")
    run = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    # The corrections return something: asserting that they are empty must fail, once each.
    for _bad, good in E2E:
        test.write_text(
            f"rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{_SERIES}    promql_expr_test:\n{_promtool_case(good)}",
            encoding="utf-8",
        )
        run = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True, cwd=tmp_path, check=False)
        assert run.returncode == 1 and "got:" in run.stdout + run.stderr, (good, run.stdout + run.stderr)


def test_an_alert_on_a_reported_expression_never_fires_in_prometheus(tmp_path: Path) -> None:
    promtool = need_binary("promtool")
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n"
        "  - alert: NeverFires\n    expr: sum by (job) (up) > vector(0)\n"
        "  - alert: Fires\n    expr: sum by (job) (up) > 0\n",
        encoding="utf-8",
    )
    assert [(d.location.line, d.severity) for d in lint(tmp_path, [rules], select=["OAC220"])] == [(5, Severity.ERROR)]
    test = tmp_path / "test.yaml"
    test.write_text(
        "rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n"
        f"{_SERIES}"
        "    alert_rule_test:\n"
        "      - eval_time: 10m\n        alertname: NeverFires\n        exp_alerts: []\n"
        "      - eval_time: 10m\n        alertname: Fires\n        exp_alerts:\n          - exp_labels: {job: api}\n",
        encoding="utf-8",
    )
    run = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


# --- in a project: the user's own line and column, and SLOs ---------------------------------


def test_a_project_alert_is_reported_at_the_operator_in_the_python_module(tmp_path: Path) -> None:
    from obs_as_code.pipeline import compile_project

    root = tmp_path / "proj"
    (root / "alerts").mkdir(parents=True)
    (root / "alerts" / "api.py").write_text(
        "from obs_as_code import AlertRule, RuleGroup\n\n"
        "g = RuleGroup(name=\"api\", rules=[\n"
        "    AlertRule(name=\"Down\", expr=\"sum by (job) (up) > vector(0)\", for_=\"5m\",\n"
        "              labels={\"severity\": \"page\"}, annotations={\"summary\": \"x\", \"runbook_url\": \"https://r/x\"}),\n"
        "])\n",
        encoding="utf-8",
    )
    found = [d for d in compile_project(root).diagnostics if d.code == "OAC220"]
    line = "    AlertRule(name=\"Down\", expr=\"sum by (job) (up) > vector(0)\", for_=\"5m\",\n"
    assert [(d.location.file, d.location.line, d.location.col, d.severity) for d in found] == [
        ("alerts/api.py", 4, line.index(">") + 1, Severity.ERROR)
    ]


def test_a_ratio_slo_whose_queries_differ_is_oac403s_alone(tmp_path: Path) -> None:
    from obs_as_code.pipeline import compile_project

    root = tmp_path / "proj"
    (root / "slos").mkdir(parents=True)
    (root / "slos" / "api.py").write_text(
        "from obs_as_code.slo import SLO, RatioSLI\n\n"
        "bad = SLO(service=\"api\", name=\"a\", objective=99, sli=RatioSLI(\n"
        "    errors='sum by (code) (rate(http_requests_total{job=\"api\", code=~\"5..\"}[{window}]))',\n"
        "    total='sum(rate(http_requests_total{job=\"api\"}[{window}]))',\n))\n",
        encoding="utf-8",
    )
    codes = [d.code for d in compile_project(root).diagnostics]
    assert "OAC403" in codes and "OAC220" not in codes, codes


def test_the_slo_generators_rules_are_left_out_but_a_hand_rule_labelled_alike_is_not(tmp_path: Path) -> None:
    """The generator's rules (in the groups it names after the project's SLOs) are
    skipped, not only a ratio SLO's: ``find`` is never called on a tree only they
    have (the SLI recordings over http_request_duration_seconds). A hand-written
    rule labelled like them is judged. (The SLO dashboard's panels are judged: a
    dozen shapes, whatever the number of SLOs.)"""
    from unittest import mock

    from obs_as_code.lint.rules import oac220_vector_matching as check
    from obs_as_code.pipeline import compile_project

    root = tmp_path / "proj"
    (root / "slos").mkdir(parents=True)
    (root / "slos" / "api.py").write_text(
        "from obs_as_code.slo import SLO, LatencySLI\n\n"
        "fast = SLO(service=\"api\", name=\"fast\", objective=99, sli=LatencySLI(\n"
        "    metric=\"http_request_duration_seconds\", threshold=0.5, selector='job=\"api\"'))\n",
        encoding="utf-8",
    )
    (root / "alerts").mkdir()
    (root / "alerts" / "copy.py").write_text(
        "from obs_as_code import AlertRule, RuleGroup\n\n"
        "g = RuleGroup(name=\"copy\", rules=[\n"
        "    AlertRule(name=\"Down\", expr=\"sum by (job) (up) > vector(0)\", for_=\"5m\",\n"
        "              labels={\"severity\": \"page\", \"sloth_id\": \"other-slo\"},\n"
        "              annotations={\"summary\": \"x\", \"runbook_url\": \"https://r/x\"}),\n"
        "])\n",
        encoding="utf-8",
    )
    judged: list[str] = []
    real = check.find

    def spy(ctx: object, root: object) -> list[check.Hit]:
        judged.append(str(root))
        return real(ctx, root)  # type: ignore[arg-type]

    with mock.patch.object(check, "find", spy):
        compiled = compile_project(root)
    assert [d.code for d in compiled.diagnostics if d.code == "OAC220"] == ["OAC220"]
    assert "sum by (job)(up{}) > vector(0)" in judged, judged
    assert not [t for t in judged if "http_request_duration_seconds" in t], judged


def test_the_docs_pages_examples_do_what_it_says(tmp_path: Path) -> None:
    import re

    from tests.oac_testing import REPO

    text = (REPO / "docs" / "lint" / "OAC220.md").read_text(encoding="utf-8")
    for part, flagged in (("Bad", True), ("Good", False)):
        match = re.search(rf"## {part}\n\n```promql\n(.*?)```", text, re.S)
        assert match is not None, part
        lines = match.group(1).strip().splitlines()
        assert lines
        for line in lines:
            assert bool(_found(tmp_path, line)) is flagged, (part, line)


# --- what makes a label sure (mutants of these survived every test) -------------------


def test_a_label_is_as_sure_through_parentheses_and_clamp_min(tmp_path: Path) -> None:
    # up always has job: through (...) and clamp_min(..., 0) it still does.
    for expr in ("(sum by (job) (up)) > vector(0)", "clamp_min(sum by (job) (up), 0) > vector(0)"):
        found = _lint(tmp_path, expr)
        assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(expr, "> vector"), Severity.ERROR)], expr
        assert "job only on the left side, where every series sets it" in found[0].message


def test_a_label_pinned_below_histogram_quantile_is_sure(tmp_path: Path) -> None:
    # job="api" is kept by sum by (le, job) and by histogram_quantile (le is not).
    expr = 'histogram_quantile(0.99, sum by (le, job) (rate(latency_seconds_bucket{job="api"}[5m]))) > sum(rate(errors_total[5m]))'
    found = _lint(tmp_path, expr)
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(expr, "> sum"), Severity.ERROR)]
    assert found[0].message.endswith("job only on the left side, where every series sets it")


def test_absent_has_only_its_matchers_labels_not_the_selectors_target_labels(tmp_path: Path) -> None:
    # absent(up{job="api"}) is {job="api"}: no instance, whatever up has.
    expr = 'count by (instance) (absent(up{job="api"})) > vector(0)'
    found = _lint(tmp_path, expr)
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(expr, "> vector"), Severity.WARNING)]
    assert "matches only left-side series without instance" in found[0].message


PUSHED = """
    from obs_as_code import Metric, MetricsCatalog, ScrapeJob

    catalog = MetricsCatalog(metrics=[Metric("batch_runs_total", "counter", ["batch"], jobs=["JOB"])])
    pushgateway = ScrapeJob(name="pushgateway", targets=["pushgateway:9091"], honor_labels=True)
    node = ScrapeJob(name="node", targets=["node:9100"])
"""


@pytest.mark.parametrize(("job", "severity"), [("pushgateway", Severity.WARNING), ("node", Severity.ERROR)])
def test_instance_is_not_sure_on_a_metric_a_job_honouring_labels_exposes(tmp_path: Path, job: str, severity: Severity) -> None:
    # A Pushgateway's series keep the pushed labels: instance may be missing
    # (honor_labels), while a plain job's series always have it.
    from obs_as_code.pipeline import compile_project

    root = tmp_path / "proj"
    (root / "catalog").mkdir(parents=True)
    (root / "alerts").mkdir()
    (root / "catalog" / "metrics.py").write_text(textwrap.dedent(PUSHED).replace("JOB", job), encoding="utf-8")
    line = '    AlertRule(name="Runs", expr="sum by (job, instance) (rate(batch_runs_total[5m])) / sum by (job) (rate(batch_runs_total[1h])) > 2"),\n'
    (root / "alerts" / "batch.py").write_text(f"from obs_as_code import AlertRule, RuleGroup\n\ng = RuleGroup(name=\"batch\", rules=[\n{line}])\n", encoding="utf-8")
    found = [d for d in compile_project(root).diagnostics if d.code == "OAC220"]
    assert [(d.location.file, d.location.line, d.location.col, d.severity) for d in found] == [("alerts/batch.py", 4, line.index("/ ") + 1, severity)]
    assert "instance only on the left side" in found[0].message


SURE_LEFT = [
    # job survives these on the left side: the operation never matches.
    "sum without (instance) (sum by (job, instance) (up)) > vector(0)",
    "topk(3, sum by (job) (up)) > vector(0)",
    "100 * sum by (job) (up) > vector(50)",
    'count_values("version", build_info{version="1.2"}) > vector(0)',
    # quantile_over_time's first argument is the quantile, its second the series.
    "avg by (job) (quantile_over_time(0.5, up[1h])) > vector(0.9)",
    # A one-to-one on(job) keeps job, an ignoring(instance) keeps the rest.
    "(sum by (job) (up) / on(job) count by (job) (up)) > vector(0.5)",
    "(sum by (job) (up) / ignoring(instance) count by (job) (up)) > vector(0.5)",
    # A parenthesised vector(0) is vector(0): the hint says so too.
    "sum by (job) (up) > (vector(0))",
]


@pytest.mark.parametrize("expr", SURE_LEFT)
def test_a_sure_label_stays_sure_through_aggregations_and_scalar_arithmetic(tmp_path: Path, expr: str) -> None:
    found = _lint(tmp_path, expr)
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(expr, "> "), Severity.ERROR)]
    assert "only on the left side, where every series sets it" in found[0].message
    assert found[0].hint is not None and found[0].hint.startswith("vector() has no labels") == ("vector" in expr)


def test_and_on_keeps_all_of_its_left_sides_labels(tmp_path: Path) -> None:
    # and/unless return the left side's series whole: on(job) narrows the matching, not the labels.
    expr = "(sum by (job, instance) (up) and on(job) sum by (job) (up)) > sum by (job) (up)"
    found = _lint(tmp_path, expr)
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(expr, "> sum"), Severity.ERROR)]
    assert found[0].message.endswith("; instance only on the left side, where every series sets it")


def test_a_selector_without_a_metric_name_is_judged_by_its_matchers(tmp_path: Path) -> None:
    # {__name__=~...} names no metric the catalog could tell about: job="api" pins job.
    expr = 'sum by (job) ({__name__=~"opencode_http_requests_total|opencode_active_connections", job="api"}) > vector(0)'
    assert _found(tmp_path, expr.replace('"', "'"), catalog=CATALOG) == [(5, _col(expr, "> vector"), "error")]


def test_or_a_sum_is_not_sure_to_carry_the_left_sides_labels(tmp_path: Path) -> None:
    # The fallback sum(...) has no job: that series matches count(up).
    expr = "(sum by (job) (up == 0) or sum(up == 0)) / count(up)"
    found = _lint(tmp_path, expr)
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(expr, "/ "), Severity.WARNING)]
    assert "matches only left-side series without job" in found[0].message


def test_labels_sure_through_group_right_come_from_the_one_side(tmp_path: Path) -> None:
    # The mirror of group_left: team is pinned on the left side and copied by group_right.
    expr = "sum by (job, team) (up{team='a'}) * on(job) group_right(team) sum by (job) (up) > sum by (job) (up)"
    assert _found(tmp_path, expr) == [(5, _col(expr, "> sum"), "error")]
    # The right side's own team is replaced by the left side's (absent there): not sure.
    expr = "sum by (job) (up) * on(job) group_right(team) sum by (job, team) (up{team='a'}) > sum by (job) (up)"
    assert _found(tmp_path, expr) == [(5, _col(expr, "> sum"), "warning")]


def test_an_info_call_elsewhere_in_the_expression_does_not_hide_a_mismatch(tmp_path: Path) -> None:
    # info() adds labels inference does not follow: only the operations with info()
    # on a side are left alone, not the whole expression.
    (tmp_path / "pyproject.toml").write_text(
        '[tool.oac]\nprometheus-version = "3.5"\nprometheus-features = ["promql-experimental-functions"]\n', encoding="utf-8"
    )
    expr = "(sum by (job) (up) > vector(0)) and on(job) sum by (job) (info(up))"
    found = _lint(tmp_path, expr)
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(5, _col(expr, "> "), Severity.ERROR)]
    assert "job only on the left side, where every series sets it" in found[0].message


def test_a_recorded_series_elsewhere_does_not_make_other_sides_target_labels_doubtful(tmp_path: Path) -> None:
    # Only a side that selects a recorded series may have been given job and
    # instance by inference; up always has job, whatever else the expression reads.
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n"
        "  - record: job:requests:rate5m\n    expr: sum by (job) (rate(requests_total[5m]))\n"
        "  - alert: A\n    expr: sum by (job) (up) > vector(0) or job:requests:rate5m > 100\n",
        encoding="utf-8",
    )
    found = lint(tmp_path, [rules], select=["OAC220"])
    assert [(d.location.line, d.location.col, d.severity) for d in found] == [(7, 29, Severity.ERROR)]
    assert found[0].message == "`>` in alert 'A' never matches: its result is always empty; job only on the left side, where every series sets it"


def test_four_labels_are_listed_in_full_and_in_ignoring_five_are_cut_and_matched_on(tmp_path: Path) -> None:
    four = "sum by (method, path, status, cluster) (rate(http_requests_total[5m])) / sum(rate(http_requests_total[5m]))"
    (d,) = _lint(tmp_path, four)
    assert d.message == (
        "`/` in alert 'A' matches only left-side series without cluster, method, path, status, so its result is empty"
        " when they all have them; cluster, method, path, status only on the left side"
    )
    # Four labels one side has alone are short enough to list in ignoring(...).
    assert d.hint is not None and d.hint.endswith(": / ignoring(cluster, method, path, status) group_left")
    five = four.replace("cluster)", "cluster, region)")
    (d,) = _lint(tmp_path, five)
    assert d.message.endswith("; cluster, method, path, region and 1 more only on the left side")
    # Five are not: match on the labels both sides have (here none).
    assert d.hint is not None and d.hint.endswith("match on the labels both sides have: / on() group_left")


def test_the_hint_for_unless_has_no_group_modifier(tmp_path: Path) -> None:
    # group_left is refused with and/unless/or: the clause to copy is ignoring(...) alone.
    expr = "sum by (job, instance) (up == 0) unless sum by (job) (maintenance_mode == 1)"
    (d,) = _lint(tmp_path, expr)
    assert (d.location.line, d.location.col, d.severity) == (5, _col(expr, "unless"), Severity.ERROR)
    assert d.hint == "add instance to the right side's by (...), or leave the labels one side has alone out of the matching: unless ignoring(instance)"


WIDE = "job, instance, cluster, region"


@pytest.mark.parametrize(
    ("left", "right", "clause"),
    [
        # Five labels alone, four shared: on(...) the four is the shorter clause.
        (f"{WIDE}, method, path, status, code, handler", WIDE, "/ on(cluster, instance, job, region) group_left"),
        # Five shared: ignoring(...) the labels alone, written out up to eight of them.
        (f"{WIDE}, zone, method, path, status, code, handler, pod, node, container", f"{WIDE}, zone", "/ ignoring(code, container, handler, method, node, path, pod, status) group_left"),
        (f"{WIDE}, zone, method, path, status, code, handler, pod, node, container, namespace", f"{WIDE}, zone", "/ ignoring(...) group_left"),
    ],
)
def test_the_hints_matching_clause_is_the_shorter_one(tmp_path: Path, left: str, right: str, clause: str) -> None:
    expr = f"sum by ({left}) (rate(http_requests_total[5m])) / sum by ({right}) (rate(http_requests_total[5m]))"
    (d,) = _lint(tmp_path, expr)
    assert (d.location.line, d.location.col, d.severity) == (5, _col(expr, "/ "), Severity.WARNING)
    assert d.hint is not None and d.hint.endswith(f": {clause}")


def test_target_labels_of_a_recorded_series_on_the_right_side_are_not_taken_for_granted(tmp_path: Path) -> None:
    # The mirror of the case above: path:x:rate5m on the right has no instance either.
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n- name: g\n  rules:\n"
        "  - record: path:x:rate5m\n    expr: sum by (path) (rate(opencode_http_requests_total[5m]))\n"
        "  - alert: A\n    expr: sum by (path) (rate(opencode_http_requests_total[5m])) / path:x:rate5m > 1\n",
        encoding="utf-8",
    )
    assert lint(tmp_path, [rules], catalog=CATALOG, select=["OAC220"]) == []


def test_the_hint_for_vector_on_the_left_side_writes_it_on_the_left_with_group_right(tmp_path: Path) -> None:
    # It said "write < on() group_left vector(...)", the form for vector() on the right:
    # vector(0) < on() group_left sum by (job) (up) is refused by Prometheus as soon as
    # two jobs are up (duplicate series for the match group {} on the right-hand side).
    expr = "vector(0) < sum by (job) (up)"
    (d,) = _lint(tmp_path, expr)
    assert (d.location.line, d.location.col, d.severity) == (5, _col(expr, "<"), Severity.ERROR)
    assert d.message.endswith("; job only on the right side, where every series sets it")
    assert d.hint == "vector() has no labels: compare with the number itself (0 < rather than vector(0) <), or write vector(...) < on() group_right"
    # Both corrections return the series in Prometheus.
    promtool = need_binary("promtool")
    (tmp_path / "rules.yaml").write_text("groups: []\n", encoding="utf-8")
    cases = "".join(
        f"      - expr: '{good}'\n        eval_time: 10m\n        exp_samples:\n          - labels: '{{job=\"api\"}}'\n            value: {value}\n"
        for good, value in (("0 < sum by (job) (up)", 1), ("vector(0) < on() group_right sum by (job) (up)", 0))
    )
    test = tmp_path / "test.yaml"
    test.write_text(f"rule_files: [rules.yaml]\nevaluation_interval: 1m\ntests:\n  - interval: 1m\n    input_series:\n{_SERIES}    promql_expr_test:\n{cases}", encoding="utf-8")
    run = subprocess.run([promtool, "test", "rules", str(test)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
