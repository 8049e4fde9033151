"""The generate stage: rule names, labels, windows, factors and locations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from slo_support import REPO, groups_of

from obs_as_code import names
from obs_as_code.lint.engine import parse_promql
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.pipeline import compile_project, load
from obs_as_code.slo import (
    SLO,
    Alerting,
    AlertOptions,
    CapacityObjective,
    LatencySLI,
    RatioSLI,
    RawSLI,
    RuleIntervals,
)
from obs_as_code.slo.generate import generate_slo


def _slo(**kw: object) -> SLO:
    base: dict[str, object] = {
        "service": "svc",
        "name": "avail",
        "objective": 99.9,
        "sli": RatioSLI(errors='req_total{job="svc", code=~"5.."}', total='req_total{job="svc"}'),
    }
    base.update(kw)
    return SLO(**base)  # type: ignore[arg-type]


def _records(groups: list[RuleGroup]) -> dict[str, RecordingRule]:
    return {r.name: r for g in groups for r in g.rules if isinstance(r, RecordingRule)}


def _alerts(groups: list[RuleGroup]) -> list[AlertRule]:
    return [r for g in groups for r in g.rules if isinstance(r, AlertRule)]


def test_sloth_names_groups_and_windows() -> None:
    groups = groups_of(_slo())
    assert [g.name for g in groups] == ["slo-sli-recordings-svc-avail", "slo-meta-recordings-svc-avail", "slo-alerts-svc-avail"]
    sli = [r.name for r in groups[0].rules]
    assert sli == [
        *(f"slo:sli_error:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")),
        # Ours: the events the period's ratio sums.
        "slo:sli_error_events:rate5m",
        "slo:sli_total_events:rate5m",
        "slo:sli_error:ratio_rate30d",
    ]
    meta = [r.name for r in groups[1].rules]
    assert meta == [
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ]
    for rule in groups[0].rules:
        assert rule.labels["sloth_id"] == "svc-avail"
        assert rule.labels["sloth_window"] == re.sub(r"^slo:sli_\w+:(ratio_)?rate", "", rule.name)


def test_selectors_are_wrapped_in_rate_over_the_window() -> None:
    rules = _records(groups_of(_slo()))
    assert rules["slo:sli_error:ratio_rate1h"].expr == (
        '(\n  sum(rate(req_total{job="svc", code=~"5.."}[1h]))\n  or\n  (sum(rate(req_total{job="svc"}[1h]))) * 0\n)'
        '\n/\n((sum(rate(req_total{job="svc"}[1h]))) > 0)'
    )


def test_period_is_computed_from_the_shortest_window_not_raw_data() -> None:
    rules = _records(groups_of(_slo()))
    expr = rules["slo:sli_error:ratio_rate30d"].expr
    assert "req_total" not in expr
    flt = '{sloth_id="svc-avail", sloth_service="svc", sloth_slo="avail"}'
    # Error events over all events of the period (not the 5m ratio averaged over time).
    assert expr == f"sum_over_time(slo:sli_error_events:rate5m{flt}[30d])\n/\n(sum_over_time(slo:sli_total_events:rate5m{flt}[30d]) > 0)"
    assert rules["slo:sli_total_events:rate5m"].expr == 'sum(rate(req_total{job="svc"}[5m]))'
    assert rules["slo:sli_error_events:rate5m"].expr == (
        '(\n  sum(rate(req_total{job="svc", code=~"5.."}[5m]))\n  or\n  (sum(rate(req_total{job="svc"}[5m]))) * 0\n)'
    )


def test_a_raw_sli_period_averages_its_shortest_window() -> None:
    # A raw ratio has no events to count: Sloth's time average.
    rules = _records(groups_of(_slo(sli=RawSLI(error_ratio_query="1 - avg_over_time(up[{window}])"))))
    expr = rules["slo:sli_error:ratio_rate30d"].expr
    assert expr.count('slo:sli_error:ratio_rate5m{sloth_id="svc-avail", sloth_service="svc", sloth_slo="avail"}[30d]') == 2
    assert expr.startswith("sum_over_time(") and "/ ignoring (sloth_window)\ncount_over_time(" in expr
    assert not [n for n in rules if "_events:" in n]


def test_meta_rules_values() -> None:
    rules = _records(groups_of(_slo()))
    assert rules["slo:objective:ratio"].expr == "vector(0.999)"
    assert rules["slo:error_budget:ratio"].expr == "vector(1-0.999)"
    assert rules["slo:time_period:days"].expr == "vector(30)"
    assert rules["sloth_slo_info"].labels["sloth_objective"] == "99.9"
    assert "slo:sli_error:ratio_rate5m" in rules["slo:current_burn_rate:ratio"].expr
    assert "slo:sli_error:ratio_rate30d" in rules["slo:period_burn_rate:ratio"].expr


def _thresholds(expr: str) -> list[tuple[str, float]]:
    return [(w, float(f) * float(b)) for w, f, b in re.findall(r"ratio_rate(\w+)\{[^}]*\} > \(([\d.]+) \* ([\d.e-]+)\)", expr)]


def test_page_and_ticket_thresholds_30d() -> None:
    page, ticket = _alerts(groups_of(_slo()))
    assert page.labels == {"severity": "critical", "sloth_severity": "page"}
    assert ticket.labels == {"severity": "warning", "sloth_severity": "ticket"}
    assert [w for w, _ in _thresholds(page.expr)] == ["5m", "1h", "30m", "6h"]
    assert [t for _, t in _thresholds(page.expr)] == pytest.approx([0.0144, 0.0144, 0.006, 0.006])
    assert [w for w, _ in _thresholds(ticket.expr)] == ["2h", "1d", "6h", "3d"]
    assert [t for _, t in _thresholds(ticket.expr)] == pytest.approx([0.003, 0.003, 0.001, 0.001])
    assert page.for_ is None  # the short window is what keeps it from flapping


def test_28d_period_uses_prometheus_spelling_and_scaled_factors() -> None:
    groups = groups_of(_slo(period="28d", objective=99))
    rules = _records(groups)
    assert "slo:sli_error:ratio_rate4w" in rules and rules["slo:sli_error:ratio_rate4w"].labels["sloth_window"] == "4w"
    assert rules["slo:time_period:days"].expr == "vector(28)"
    page, ticket = _alerts(groups)
    assert [f for _w, f in _thresholds(page.expr)] == pytest.approx([0.1344, 0.1344, 0.056, 0.056])
    assert [f for _w, f in _thresholds(ticket.expr)] == pytest.approx([0.028, 0.028, 0.009333, 0.009333], rel=1e-3)


def test_7d_period() -> None:
    rules = _records(groups_of(_slo(period="7d")))
    assert "slo:sli_error:ratio_rate1w" in rules
    assert rules["slo:time_period:days"].expr == "vector(7)"


def test_latency_sli_reads_the_threshold_bucket() -> None:
    slo = _slo(sli=LatencySLI(metric="lat_seconds", threshold=0.5, selector='job="svc"'))
    expr = _records(groups_of(slo))["slo:sli_error:ratio_rate5m"].expr
    assert 'lat_seconds_bucket{job="svc",le="0.5"}[5m]' in expr
    assert 'lat_seconds_count{job="svc"}[5m]' in expr
    assert expr.startswith("1 - (")
    assert LatencySLI(metric="m", threshold=1).le_value == "1"
    assert LatencySLI(metric="m", threshold=1, le="1.0").le_value == "1.0"


def test_good_events_become_one_minus_good_over_total() -> None:
    slo = _slo(sli=RatioSLI(good='req_total{job="svc", code!~"5.."}', total='req_total{job="svc"}'))
    expr = _records(groups_of(slo))["slo:sli_error:ratio_rate5m"].expr
    assert expr.startswith("1 - (") and 'code!~"5.."' in expr


def test_raw_sli_and_templates_keep_promql_braces() -> None:
    slo = _slo(sli=RawSLI(error_ratio_query='1 - avg_over_time(probe_success{job="svc"}[{window}])'))
    expr = _records(groups_of(slo))["slo:sli_error:ratio_rate2h"].expr
    assert expr == '(1 - avg_over_time(probe_success{job="svc"}[2h]))'


def test_alerting_options() -> None:
    only_page = _slo(alerting=Alerting(name="X", labels={"team": "a"}, ticket=AlertOptions(disable=True), page=AlertOptions(labels={"severity": "pager"})))
    (page,) = _alerts(groups_of(only_page))
    assert page.name == "X" and page.labels == {"team": "a", "severity": "pager", "sloth_severity": "page"}
    renamed = _slo(alerting=Alerting(page=AlertOptions(name="P"), ticket=AlertOptions(name="T")))
    assert [a.name for a in _alerts(groups_of(renamed))] == ["P", "T"]
    default = _alerts(groups_of(_slo()))
    assert {a.name for a in default} == {"SvcAvailErrorBudgetBurn"}
    off = groups_of(_slo(alerting=Alerting(disable=True)))
    assert [g.name for g in off] == ["slo-sli-recordings-svc-avail", "slo-meta-recordings-svc-avail"]
    no_house_severity = _slo(alerting=Alerting(page_severity=None, ticket_severity=None))
    assert all("severity" not in a.labels for a in _alerts(groups_of(no_house_severity)))


def test_custom_windows_table(tmp_path: Path) -> None:
    (tmp_path / "w.yaml").write_text(
        "period: 14d\npage:\n  quick: {budget_percent: 4, short: 5m, long: 1h}\n  slow: {budget_percent: 10, short: 30m, long: 6h}\n"
        "ticket:\n  quick: {budget_percent: 15, short: 2h, long: 1d}\n  slow: {budget_percent: 30, short: 6h, long: 3d}\n"
    )
    groups = groups_of(_slo(period="14d", windows="w.yaml"), tmp_path)
    assert "slo:sli_error:ratio_rate2w" in _records(groups)
    page, _ticket = _alerts(groups)
    assert _thresholds(page.expr)[0][1] == pytest.approx(0.04 * 14 * 24 * 0.001)


def test_generated_rules_point_at_the_slo_and_its_sli() -> None:
    project, _ = load(REPO)
    from obs_as_code.slo.generate import generate

    assert generate(project) == []
    groups = [g for g in project.all(RuleGroup) if g.module == "slos/api.py"]
    assert groups and all(g.location.file == "slos/api.py" for g in groups)
    first = groups[0].rules[0]
    # The 5m SLI rule points at the RatioSLI( call, the line that holds the queries.
    line = (REPO / "slos/api.py").read_text().splitlines()[first.location.line - 1]
    assert "RatioSLI(" in line
    dashboards = [d for d in project.all(DashboardDef) if d.module == "slos/api.py"]
    assert [d.uid for d in dashboards] == ["slo-opencode-api-availability", "slo-opencode-api-latency"]
    assert all(d.folder == "slo" for d in dashboards)


def test_repo_builds_with_slos() -> None:
    compiled = compile_project(REPO)
    assert compiled.ok, [str(d) for d in compiled.diagnostics]
    paths = {a.path for a in compiled.artifacts}
    assert {"prometheus/rules/slos-api.yaml", "prometheus/rules/slos-llm.yaml", "prometheus/rules/slos-workflows.yaml"} <= paths


def test_names() -> None:
    assert names.slo_id("a", "b") == "a-b"
    assert names.slo_rule_group("a-b", "alerts") == "slo-alerts-a-b"
    with pytest.raises(ValueError):
        names.slo_rule_group("a-b", "other")
    uid = names.slo_dashboard_uid("x" * 80)
    assert names.valid_uid(uid) and len(uid) == 40


def test_capacity_objective_is_the_shipped_capacity_alert() -> None:
    project, _ = load(REPO)
    shipped = next(r for g in project.all(RuleGroup) for r in g.rules if r.name == "LanggraphThroughputAboveCapacity")
    assert isinstance(shipped, AlertRule)
    made = CapacityObjective(
        name="LanggraphThroughputAboveCapacity",
        rate_of="langgraph_workflows_total",
        limit=1000,
        per="minute",
        annotations=shipped.annotations,
    ).alert()
    assert (made.expr, made.for_, dict(made.labels), dict(made.annotations)) == (
        shipped.expr,
        shipped.for_,
        dict(shipped.labels),
        dict(shipped.annotations),
    )
    with pytest.raises(ValueError, match="per must be"):
        CapacityObjective(name="X", rate_of="x", limit=1, per="fortnight").expr()


@settings(max_examples=60, deadline=None)
@given(
    objective=st.floats(min_value=50, max_value=99.999, allow_nan=False),
    period=st.sampled_from(["7d", "28d", "30d"]),
    service=st.from_regex(r"[a-z][a-z0-9-]{0,12}[a-z0-9]", fullmatch=True),
)
def test_every_generated_expression_parses(objective: float, period: str, service: str) -> None:
    slo = _slo(objective=objective, period=period, service=service)
    generated, problems = generate_slo(slo)
    assert problems == []
    for group in (d for d in generated if isinstance(d, RuleGroup)):
        for rule in group.rules:
            _ast, problem = parse_promql(rule.expr)
            assert problem is None, (rule.name, rule.expr, problem)
    page = _alerts([d for d in generated if isinstance(d, RuleGroup)])[0]
    budget = (100 - objective) / 100
    assert _thresholds(page.expr)[0][1] == pytest.approx({"7d": 13.44, "28d": 13.44, "30d": 14.4}[period] * budget, rel=1e-9)


def test_rule_intervals_per_group() -> None:
    groups = groups_of(_slo(intervals=RuleIntervals(default="30s", metadata="1m")))
    assert [g.interval for g in groups] == ["30s", "1m", "30s"]
    assert [g.interval for g in groups_of(_slo())] == [None, None, None]
