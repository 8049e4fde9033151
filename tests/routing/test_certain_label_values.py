"""The label values an alert is certain to get from its expression (lint/types.py
certain_values, _crossref.certain_alerts), and OAC502/OAC510 reading them: an
SLO's burn-rate alert carries its SLO's labels only through the recording rules
it reads."""

from __future__ import annotations

from pathlib import Path

import promql_parser
import pytest
from routing_support import write_project

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.engine import LintContext
from obs_as_code.lint.rules._crossref import certain_alerts
from obs_as_code.lint.types import certain_values, equal_matchers, wrap_tree
from obs_as_code.load import Project
from obs_as_code.model.catalog import Metric, MetricsCatalog
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.pipeline import compile_project


def values(expr: str) -> dict[str, str]:
    """The certain values of ``expr`` when a selector gives its equality matchers'
    (the same on promql-parser's nodes and on wrapped ones)."""
    raw = certain_values(promql_parser.parse(expr), equal_matchers)
    assert certain_values(wrap_tree(promql_parser.parse(expr)), equal_matchers) == raw
    return raw


# --- propagation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # Selectors: equality matchers with a value; not "", not regexes, not "or" groups.
        ('x{a="1", b=~"2", c!="3", d=""}', {"a": "1"}),
        ('{__name__="x", a="1"}', {"a": "1"}),
        ('x{a="1" or a="2"}', {}),
        ('x{a="1"} offset 5m', {"a": "1"}),
        ('x{a="1"} @ 100', {"a": "1"}),
        ('((x{a="1"}))', {"a": "1"}),
        ('-x{a="1"}', {"a": "1"}),
        # Aggregations: what they group by.
        ('max(x{a="1", b="2"}) without (b)', {"a": "1"}),
        ('sum by (a) (x{a="1", b="2"})', {"a": "1"}),
        ('sum by (c) (x{a="1"})', {}),
        ('sum(x{a="1"})', {}),
        ('topk(3, x{a="1"})', {"a": "1"}),
        ('count_values("a", x{a="1", b="2"}) ', {}),
        ('count_values without () ("a", x{a="1", b="2"})', {"b": "2"}),
        ('max_over_time(x{a="1"}[5m:1m])', {"a": "1"}),
        # Functions computing a value per series keep their labels.
        ('rate(x{a="1"}[5m])', {"a": "1"}),
        ('quantile_over_time(0.9, x{a="1"}[5m])', {"a": "1"}),
        ('clamp_min(x{a="1"}, 0)', {"a": "1"}),
        ('histogram_quantile(0.9, rate(x_bucket{a="1", le="0.5"}[5m]))', {"a": "1"}),
        # ... but not the label they write, nor what they make up.
        ('label_replace(x{a="1", b="2"}, "a", "$1", "b", "(.*)")', {"b": "2"}),
        ('label_join(x{a="1", b="2"}, "b", ",", "a")', {"a": "1"}),
        ('absent(x{a="1"})', {}),
        ('vector(1)', {}),
        ('scalar(x{a="1"})', {}),
        # Comparisons with a scalar are filters of the vector side, on either side.
        ('x{a="1"} > 0.5', {"a": "1"}),
        ('0.5 < x{a="1"}', {"a": "1"}),
        ('x{a="1"} > bool 0.5', {"a": "1"}),
        ('x{a="1"} > (14.4 * 0.001)', {"a": "1"}),
        ('1 + 2', {}),
        # Set operators.
        ('x{a="1"} and y{b="2"}', {"a": "1"}),
        ('x{a="1"} unless y{b="2"}', {"a": "1"}),
        ('x{a="1", b="2"} or y{a="1", b="3"}', {"a": "1"}),
        ('x{a="1"} or y{b="2"}', {}),
        # Vector matching: the result metric.
        ('x{a="1", b="2"} / y{a="1"}', {"a": "1", "b": "2"}),
        ('x{a="1", b="2"} / on (a) y', {"a": "1"}),
        ('x{a="1", b="2"} / ignoring (b) y', {"a": "1"}),
        ('x{a="1", b="2"} * on (a) group_left (b) y{b="9"}', {"a": "1"}),
        ('y{b="9"} * on (a) group_right (b) x{a="1", b="2"}', {"a": "1"}),
        ('x{a="1"} > on (a) y{a="1", c="3"}', {"a": "1"}),
    ],
)
def test_values_through_each_construct(expr: str, expected: dict[str, str]) -> None:
    assert values(expr) == expected


def test_a_filled_side_gives_nothing() -> None:
    # fill(): a series of one side alone stands for both, with its own labels.
    try:
        tree = promql_parser.parse('x{a="1"} + on (a) fill(0) y{a="1"}')
    except ValueError:
        pytest.skip("this promql-parser has no fill modifiers")
    assert certain_values(wrap_tree(tree), equal_matchers) == {}


def test_unknown_function_and_or_disagreement_stay_unknown() -> None:
    assert values('info(x{a="1"})') == {}
    assert values('x{a="1"} or x{a="2"}') == {}


# --- recorded series ----------------------------------------------------------------------

SLO_ALERT = (
    'max(slo:err:ratio_rate5m{sloth_id="a-avail", sloth_service="a"} > (14.4 * 0.001)) without (sloth_window) '
    'and max(slo:err:ratio_rate1h{sloth_id="a-avail", sloth_service="a"} > (14.4 * 0.001)) without (sloth_window)'
)


def recording(name: str, sloth_id: str, team: str, expr: str = 'sum(rate(req_total{code="500"}[5m]))', **extra: str) -> RecordingRule:
    labels = {"sloth_id": sloth_id, "sloth_service": sloth_id.split("-")[0], "sloth_window": "5m", "team": team, **extra}
    return RecordingRule(name=name, expr=expr, labels=labels)


def alert_values(*groups: RuleGroup, catalog: MetricsCatalog | None = None, cross_module: bool = True) -> dict[str, dict[str, str]]:
    """Alert name -> the values certain_alerts finds, every group in module m.py."""
    for group in groups:
        group.module = "m.py"
    definitions: list = [*groups] + ([catalog] if catalog is not None else [])
    ctx = LintContext(Project(root=Path("."), modules=[], definitions=definitions))
    return {a.rule.name: dict(a.values) for a in certain_alerts(ctx, {"team", "service", "severity"}, cross_module=cross_module)}


def slo_groups(*rules: RecordingRule, alert: str = SLO_ALERT) -> list[RuleGroup]:
    return [
        RuleGroup(name="rec", rules=list(rules)),
        RuleGroup(name="alerts", rules=[AlertRule(name="Burn", expr=alert, labels={"severity": "critical"})]),
    ]


CATALOG = MetricsCatalog(metrics=[Metric("req_total", "counter", ["code"])])


def test_values_of_the_recording_rules_the_selector_can_read() -> None:
    groups = slo_groups(
        recording("slo:err:ratio_rate5m", "a-avail", "api"),
        recording("slo:err:ratio_rate1h", "a-avail", "api"),
        # Another SLO's rules: its sloth_id rules them out.
        recording("slo:err:ratio_rate5m", "b-avail", "search"),
        recording("slo:err:ratio_rate1h", "b-avail", "search"),
    )
    found = alert_values(*groups, catalog=CATALOG)["Burn"]
    # sloth_window is dropped by without(sloth_window); the matchers' own values stay.
    assert found == {"sloth_id": "a-avail", "sloth_service": "a", "team": "api"}
    # A matcher on a label no rule sets nor can make (sum keeps none): no rule
    # produces the series, so nothing but the matchers' values.
    alert = SLO_ALERT.replace('sloth_service="a"', 'sloth_slo="x"')
    assert alert_values(*slo_groups(*groups[0].rules, alert=alert), catalog=CATALOG)["Burn"] == {"sloth_id": "a-avail", "sloth_slo": "x"}


def test_rules_that_disagree_give_no_value() -> None:
    groups = slo_groups(
        recording("slo:err:ratio_rate5m", "a-avail", "api"),
        recording("slo:err:ratio_rate5m", "a-avail", "web"),  # same sloth_id, another team
        recording("slo:err:ratio_rate1h", "a-avail", "api"),
    )
    found = alert_values(*groups, catalog=CATALOG)["Burn"]
    # The lhs of "and" decides: its two rules disagree on team.
    assert "team" not in found and found["sloth_id"] == "a-avail"


def test_a_rule_without_the_matched_label_is_ruled_out_only_when_its_expression_cannot_make_it() -> None:
    # No static sloth_id: the rule's series carry only "code"-less sums (sum drops
    # every label), so sloth_id="a-avail" cannot select them: ruled out.
    other = RecordingRule(name="slo:err:ratio_rate5m", expr='sum(rate(req_total{code="500"}[5m]))', labels={"team": "web"})
    groups = slo_groups(recording("slo:err:ratio_rate5m", "a-avail", "api"), other, recording("slo:err:ratio_rate1h", "a-avail", "api"))
    assert alert_values(*groups, catalog=CATALOG)["Burn"]["team"] == "api"
    # Its expression keeps the labels of a series the catalog does not list: it may
    # make sloth_id, so it may be selected: team is not certain.
    kept = RecordingRule(name="slo:err:ratio_rate5m", expr="rate(other_total[5m])", labels={"team": "web", "sloth_service": "a"})
    groups = slo_groups(recording("slo:err:ratio_rate5m", "a-avail", "api"), kept, recording("slo:err:ratio_rate1h", "a-avail", "api"))
    assert "team" not in alert_values(*groups, catalog=CATALOG)["Burn"]
    # With the catalog listing other_total's labels (sloth_id among them), the same.
    listed = MetricsCatalog(metrics=[Metric("req_total", "counter", ["code"]), Metric("other_total", "counter", ["sloth_id"])])
    assert "team" not in alert_values(*slo_groups(recording("slo:err:ratio_rate5m", "a-avail", "api"), kept), catalog=listed)["Burn"]
    # Listing other labels only: ruled out again.
    listed = MetricsCatalog(metrics=[Metric("req_total", "counter", ["code"]), Metric("other_total", "counter", ["code"])])
    groups = slo_groups(recording("slo:err:ratio_rate5m", "a-avail", "api"), kept, recording("slo:err:ratio_rate1h", "a-avail", "api"))
    assert alert_values(*groups, catalog=listed)["Burn"]["team"] == "api"


def test_group_labels_count_and_rule_labels_override_them() -> None:
    rec = RuleGroup(
        name="rec",
        labels={"team": "group-team", "service": "svc"},
        rules=[RecordingRule(name="job:x:rate5m", expr="sum(rate(req_total[5m]))", labels={"team": "api"})],
    )
    alerts = RuleGroup(name="a", rules=[AlertRule(name="High", expr="job:x:rate5m > 1")])
    assert alert_values(rec, alerts, catalog=CATALOG)["High"] == {"team": "api", "service": "svc"}


def test_values_through_chained_recording_rules_and_cycles() -> None:
    rec = RuleGroup(
        name="rec",
        rules=[
            RecordingRule(name="job:x:rate5m", expr="sum(rate(req_total[5m]))", labels={"team": "api"}),
            RecordingRule(name="job:x:rate1h", expr="avg_over_time(job:x:rate5m[1h])"),
            RecordingRule(name="loop:a", expr="loop:b", labels={"team": "a"}),
            RecordingRule(name="loop:b", expr="loop:a"),
        ],
    )
    alerts = RuleGroup(
        name="a",
        rules=[AlertRule(name="Slow", expr="job:x:rate1h > 1"), AlertRule(name="Loop", expr="loop:b > 1")],
    )
    found = alert_values(rec, alerts, catalog=CATALOG)
    assert found["Slow"] == {"team": "api"}
    assert found["Loop"] == {"team": "a"}  # loop:b reads loop:a, whose static team holds


def test_a_name_the_catalog_lists_may_be_scraped_too() -> None:
    rec = RuleGroup(name="rec", rules=[RecordingRule(name="req_total", expr="vector(1)", labels={"team": "api"})])
    alerts = RuleGroup(name="a", rules=[AlertRule(name="A", expr="req_total > 1")])
    assert alert_values(rec, alerts, catalog=CATALOG)["A"] == {}
    assert alert_values(rec, alerts)["A"] == {"team": "api"}


def test_own_module_only_when_asked() -> None:
    rec = RuleGroup(name="rec", rules=[RecordingRule(name="job:x:rate5m", expr="sum(rate(req_total[5m]))", labels={"team": "api"})])
    alerts = RuleGroup(name="a", rules=[AlertRule(name="High", expr="job:x:rate5m > 1")])
    rec.module, alerts.module = "rec.py", "a.py"
    ctx = LintContext(Project(root=Path("."), modules=[], definitions=[rec, alerts, CATALOG]))
    [cross] = certain_alerts(ctx, {"team"}, cross_module=True)
    [own] = certain_alerts(ctx, {"team"}, cross_module=False)
    assert dict(cross.values) == {"team": "api"} and dict(own.values) == {}
    # Recorded by another module too (an incremental build's per-module run knows it
    # from LintContext.recorded_modules): nothing from the module's own rules either.
    alerts.module = "rec.py"
    ctx = LintContext(Project(root=Path("."), modules=[], definitions=[rec, alerts, CATALOG]))
    [own] = certain_alerts(ctx, {"team"}, cross_module=False)
    assert dict(own.values) == {"team": "api"}
    ctx = LintContext(Project(root=Path("."), modules=[], definitions=[rec, alerts, CATALOG]))
    ctx.recorded_modules = {"job:x:rate5m": frozenset({"rec.py", "other.py"})}
    [own] = certain_alerts(ctx, {"team"}, cross_module=False)
    assert dict(own.values) == {}


def test_values_are_looked_for_only_when_a_routed_label_is_missing() -> None:
    rec = RuleGroup(name="rec", rules=[RecordingRule(name="job:x:rate5m", expr="sum(rate(req_total[5m]))", labels={"team": "api"})])
    alerts = RuleGroup(name="a", rules=[AlertRule(name="High", expr="job:x:rate5m > 1", labels={"team": "own"})])
    ctx = LintContext(Project(root=Path("."), modules=[], definitions=[rec, alerts, CATALOG]))
    [alert] = certain_alerts(ctx, {"team"}, cross_module=True)
    assert dict(alert.values) == {} and alert.matching["team"] == "own"
    [alert] = certain_alerts(ctx, {"team", "service"}, cross_module=True)
    # The rule's static labels override the series': the alert's own team wins.
    assert alert.values == {"team": "api"} and alert.matching["team"] == "own"


# --- OAC510 and OAC502 on an SLO-based project ----------------------------------------------

CATALOG_SRC = """
    from obs_as_code import Metric, MetricsCatalog

    catalog = MetricsCatalog(metrics=[Metric("http_requests_total", "counter", ["code"], jobs=["api"])])
"""
SLOS = """
    from obs_as_code.slo import SLO, Alerting, RatioSLI

    api = SLO(
        service="api", name="availability", objective=99.9, period="30d",
        labels={"team": "api"},
        sli=RatioSLI(errors='http_requests_total{job="api", code=~"5.."}', total='http_requests_total{job="api"}'),
        alerting=Alerting(name="ApiBudgetBurn", annotations={"runbook_url": "https://example.com/slo"}),
    )
    web = SLO(
        service="web", name="availability", objective=99.9, period="30d",
        labels={"team": "web"},
        sli=RatioSLI(errors='http_requests_total{job="web", code=~"5.."}', total='http_requests_total{job="web"}'),
        alerting=Alerting(name="WebBudgetBurn", annotations={"runbook_url": "https://example.com/slo"}),
    )
"""
SCRAPE = """
    from obs_as_code import ScrapeJob

    jobs = [ScrapeJob(name="api", targets=["api:80"]), ScrapeJob(name="web", targets=["web:80"])]
"""
ROUTING = """
    from obs_as_code import AlertmanagerConfig, Receiver, Route

    config = AlertmanagerConfig(
        route=Route(receiver="default", routes=[ROUTES]),
        receivers=[Receiver(name="default"), Receiver(name="api-pager"), Receiver(name="web-pager")],
    )
"""


def slo_project(root: Path, routes: str) -> Path:
    return write_project(
        root,
        {
            "catalog/c.py": CATALOG_SRC,
            "slos/s.py": SLOS,
            "scrape/jobs.py": SCRAPE,
            "alerts/routing.py": ROUTING.replace("ROUTES", routes),
        },
    )


def found(root: Path, code: str) -> list[Diagnostic]:
    return [d for d in compile_project(root).diagnostics if d.code == code]


def test_oac510_reports_a_misspelt_team_of_slo_alerts(tmp_path: Path) -> None:
    good = slo_project(tmp_path / "good", """Route(receiver="api-pager", matchers=['team="api"']),
            Route(receiver="web-pager", matchers=['team="web"'])""")
    assert found(good, "OAC510") == []
    bad = slo_project(tmp_path / "bad", """Route(receiver="api-pager", matchers=['team="api"']),
            Route(receiver="web-pager", matchers=['team="wbe"'])""")
    [diag] = found(bad, "OAC510")
    assert diag.location.file == "alerts/routing.py" and 'team="wbe"' in diag.message


def test_oac502_sees_slo_alerts_reach_their_team_s_receiver(tmp_path: Path) -> None:
    # Both teams routed: no SLO alert is left to the default receiver.
    both = slo_project(tmp_path / "both", """Route(receiver="api-pager", matchers=['team="api"']),
            Route(receiver="web-pager", matchers=['team="web"'])""")
    assert found(both, "OAC502") == []
    # Only api routed: web's burn alerts can reach the default receiver only, now
    # that their team is known (before, team="api" "may" have matched them).
    one = slo_project(tmp_path / "one", """Route(receiver="api-pager", matchers=['team="api"'])""")
    diags = found(one, "OAC502")
    assert diags and all("WebBudgetBurn" in d.message for d in diags)
    assert all(d.location.file == "slos/s.py" for d in diags)


def test_deep_chains_of_deep_rules_give_nothing_rather_than_fail() -> None:
    def chain(levels: int) -> dict[str, str]:
        rules: list[AlertRule | RecordingRule] = [
            RecordingRule(name=f"lvl:{i}:x", expr="(" * 150 + (f"lvl:{i - 1}:x" if i else 'x{team="a"}') + ")" * 150)
            for i in range(levels)
        ]
        rules.append(AlertRule(name="A", expr=f"lvl:{levels - 1}:x > 1"))
        ctx = LintContext(Project(root=Path("."), modules=[], definitions=[RuleGroup(name="g", rules=rules)]))
        [alert] = certain_alerts(ctx, {"team"}, cross_module=True)
        return dict(alert.values)

    assert chain(2) == {"team": "a"}
    assert chain(8) == {}  # deeper than Python's recursion limit
