"""The cross-artifact checks OAC502-OAC509, each with a case that trips it and one that does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from routing_support import ROOT, run_cli, write_project

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.rules._crossref import recorded_names
from obs_as_code.lint.rules.oac507_runbook_missing import github_slug, repo_path
from obs_as_code.pipeline import compile_project

ROUTING = """
    from obs_as_code import AlertmanagerConfig, InhibitRule, Receiver, Route

    config = AlertmanagerConfig(
        route=Route(receiver="default", routes=[
            Route(receiver="pager", matchers=['severity="critical"']),
            Route(receiver="chat", matchers=['severity="warning"']),
        ]),
        receivers=[Receiver(name="default"), Receiver(name="pager"), Receiver(name="chat"), Receiver(name=UNUSED)],
        inhibit_rules=[InhibitRule(source_matchers=[SOURCE], target_matchers=['severity="warning"'], equal=["alertname"])],
    )
"""
GOOD_ROUTING = ROUTING.replace("UNUSED", '"default"').replace(", Receiver(name=\"default\")]", "]").replace("SOURCE", "'severity=\"critical\"'")

ALERTS = """
    from obs_as_code import AlertRule, RuleGroup

    group = RuleGroup(name="g", labels={"team": "t"}, rules=[
        AlertRule(name="Crit", expr="up == 0", labels={"severity": "critical"}),
        AlertRule(name="Warn", expr="up == 0",
                  labels={"severity": LABEL}),
    ])
"""


def codes(root: Path, code: str) -> list[Diagnostic]:
    return [d for d in compile_project(root).diagnostics if d.code == code]


def test_shipped_repo_has_no_cross_artifact_findings() -> None:
    found = [d for d in compile_project(ROOT).diagnostics if d.code.startswith("OAC5")]
    assert found == []


def test_oac502_alert_reaching_only_default(tmp_path: Path) -> None:
    bad = write_project(tmp_path / "bad", {"alerts/routing.py": GOOD_ROUTING, "alerts/a.py": ALERTS.replace("LABEL", '"warn"')})
    [diag] = codes(bad, "OAC502")
    assert diag.location.file == "alerts/a.py" and diag.location.line == 6
    assert "Warn" in diag.message and "'default'" in diag.message
    good = write_project(tmp_path / "good", {"alerts/routing.py": GOOD_ROUTING, "alerts/a.py": ALERTS.replace("LABEL", '"warning"')})
    assert codes(good, "OAC502") == []


def test_oac502_label_from_the_expression_may_route(tmp_path: Path) -> None:
    # severity comes from the series: the route may match, so nothing is certain.
    alerts = ALERTS.replace('labels={"severity": LABEL}', "labels={}")
    root = write_project(tmp_path, {"alerts/routing.py": GOOD_ROUTING, "alerts/a.py": alerts})
    assert codes(root, "OAC502") == []


ESCALATING_ROUTING = GOOD_ROUTING.replace(
    "routes=[\n", "routes=[\n            Route(receiver=\"pager\", matchers=['escalate=\"page\"']),\n", 1
)
CATALOG = """
    from obs_as_code import Metric, MetricsCatalog

    catalog = MetricsCatalog(metrics=[Metric("jobs_total", "counter", ["queue", "severity"])])
"""


@pytest.mark.parametrize(
    ("expr", "reported"),
    [
        # The catalog says which labels the series carry: none after sum(), so
        # escalate="page" cannot match, nor any severity route.
        ("sum(rate(jobs_total[5m])) > 1", True),
        ("sum by (queue) (rate(jobs_total[5m])) > 1", True),
        # severity may come from the series: the warning route may match it.
        ("sum by (severity) (rate(jobs_total[5m])) > 1", False),
        # A metric no catalog lists: its labels are unknown, any route may match.
        ("rate(other_total[5m]) > 1 # oac: ignore[OAC206]", False),
    ],
)
def test_oac502_a_label_no_series_carries_cannot_route(tmp_path: Path, expr: str, reported: bool) -> None:
    # A route on a label only some alerts get from their expression (the shipped
    # escalate="page") made every alert without a severity "maybe routed":
    # OAC502 never fired in the shipped project, whatever an alert's labels.
    alerts = ALERTS.replace('expr="up == 0",\n                  labels={"severity": LABEL}', f"expr={expr!r}, labels={{}}")
    assert expr in alerts
    root = write_project(tmp_path, {"alerts/routing.py": ESCALATING_ROUTING, "alerts/a.py": alerts, "catalog/c.py": CATALOG})
    found = codes(root, "OAC502")
    assert [d.location.line for d in found] == ([5] if reported else []), [str(d) for d in found]


def test_oac503_unused_receiver(tmp_path: Path) -> None:
    alerts = ALERTS.replace("LABEL", '"warning"')
    bad = write_project(tmp_path / "bad", {"alerts/routing.py": ROUTING.replace("UNUSED", '"email"').replace("SOURCE", "'severity=\"critical\"'"), "alerts/a.py": alerts})
    [diag] = codes(bad, "OAC503")
    assert "'email'" in diag.message and diag.location.line == 8
    good = write_project(tmp_path / "good", {"alerts/routing.py": GOOD_ROUTING, "alerts/a.py": alerts})
    assert codes(good, "OAC503") == []


def test_oac504_inhibit_rule_matching_nothing(tmp_path: Path) -> None:
    alerts = ALERTS.replace("LABEL", '"warning"')
    routing = GOOD_ROUTING.replace('source_matchers=[\'severity="critical"\']', "source_matchers=['severity=\"crit\"']")
    bad = write_project(tmp_path / "bad", {"alerts/routing.py": routing, "alerts/a.py": alerts})
    [diag] = codes(bad, "OAC504")
    assert "source_matchers" in diag.message and diag.location.line == 9
    good = write_project(tmp_path / "good", {"alerts/routing.py": GOOD_ROUTING, "alerts/a.py": alerts})
    assert codes(good, "OAC504") == []


@pytest.mark.parametrize(
    ("source", "catalog", "reported"),
    [
        # No alert sets owner and no series gives it (the catalog lists up's labels).
        ("'owner=\"search\"'", True, "no alert of the project can carry owner"),
        # Without a catalog the labels of up are unknown: owner may come from it.
        ("'owner=\"search\"'", False, None),
        # Every alert reads up{job="api"}: job="worker" matches none of them.
        ("'job=\"worker\"'", True, ""),
        ("'job=\"api\"'", True, None),
        ("'owner!=\"search\"'", True, None),
    ],
)
def test_oac504_reads_the_labels_alerts_get_from_their_expressions(
    tmp_path: Path, source: str, catalog: bool, reported: str | None
) -> None:
    alerts = ALERTS.replace("LABEL", '"warning"').replace('expr="up == 0"', "expr='up{job=\"api\"} == 0'")
    assert alerts.count('up{job="api"}') == 2, alerts
    routing = GOOD_ROUTING.replace("source_matchers=['severity=\"critical\"']", f"source_matchers=[{source}]")
    assert source in routing
    files = {"alerts/routing.py": routing, "alerts/a.py": alerts, **({"catalog/c.py": UP_CATALOG} if catalog else {})}
    found = codes(write_project(tmp_path, files), "OAC504")
    assert [(d.location.line, d.location.col) for d in found] == ([(9, 48)] if reported is not None else []), [str(d) for d in found]
    if reported is not None:
        assert f"source_matchers {{{source.strip(chr(39))}}} match none of the project's 2 alerts" in found[0].message
        assert found[0].message.endswith(f": {reported}" if reported else "alerts"), found[0].message


def test_oac504_leaves_a_matcher_it_cannot_read_to_oac508(tmp_path: Path) -> None:
    alerts = ALERTS.replace("LABEL", '"warning"')
    routing = GOOD_ROUTING.replace('source_matchers=[\'severity="critical"\']', "source_matchers=['severity critical']")
    root = write_project(tmp_path, {"alerts/routing.py": routing, "alerts/a.py": alerts})
    found = [(d.code, d.location.line) for d in compile_project(root).diagnostics if d.code in ("OAC504", "OAC508")]
    assert found == [("OAC508", 9)]


SCRAPE = """
    from obs_as_code import Metric, MetricsCatalog, ScrapeJob

    jobs = [ScrapeJob(name="api", targets=["api:80"])]
    catalog = MetricsCatalog(metrics=[
        Metric("http_requests_total", "counter", ["status"], jobs=["api"]),
        Metric("queue_depth", "gauge", [], jobs=["worker"]),
        Metric("queue_wait_seconds", "histogram", [], jobs=["worker"]),
        Metric("tasks", "counter", [], jobs=["worker"]),  # OpenMetrics: the family of tasks_total
        Metric("up", "gauge", []),
        Metric("job:queue_depth:max", "gauge", [], jobs=["worker"]),
    ])
"""


AT_EXPR = "alerts/a.py:3:61: OAC505 [warning] alert A: "


@pytest.mark.parametrize(
    ("expr", "found"),
    [
        ("queue_depth > 10", "no scrape job exposes queue_depth: the catalog lists worker, the project scrapes api"),
        (
            'sum(rate(http_requests_total{job="worker"}[5m])) > 1',
            'http_requests_total is selected with job="worker", but only api expose it',
        ),
        ('sum(rate(http_requests_total{job="api"}[5m])) > 1', None),
        ("sum(rate(http_requests_total[5m])) > 1", None),
        ("up == 0", None),
        ("unknown_metric > 1", None),
        # A series of a histogram family is the family's (its catalog entry's jobs).
        (
            "histogram_quantile(0.9, rate(queue_wait_seconds_bucket[5m])) > 1",
            "no scrape job exposes queue_wait_seconds_bucket: the catalog lists worker, the project scrapes api",
        ),
        (
            "sum(rate(tasks_total[5m])) > 1",
            "no scrape job exposes tasks_total: the catalog lists worker, the project scrapes api",
        ),
        # One finding per metric and rule, not per selector.
        ("queue_depth > 10 and queue_depth < 100", "no scrape job exposes queue_depth: the catalog lists worker, the project scrapes api"),
        # A name a recording rule of the project records is its series, whatever the catalog says.
        ("job:queue_depth:max > 10", None),
        ("job:queue_depth:max_typo > 10", None),
        # An expression that does not parse is OAC108's.
        ("queue_depth >", None),
    ],
)
def test_oac505_metric_no_job_exposes(tmp_path: Path, expr: str, found: str | None) -> None:
    rules = f"""
        from obs_as_code import AlertRule, RecordingRule, RuleGroup

        group = RuleGroup(name="g", rules=[AlertRule(name="A", expr={expr!r}, labels={{"severity": "info"}})])
        recorded = RuleGroup(name="r", rules=[RecordingRule(name="job:queue_depth:max", expr="max by (job) (up)")])
    """
    root = write_project(tmp_path, {"scrape/jobs.py": SCRAPE, "alerts/a.py": rules})
    diags = [str(d) for d in codes(root, "OAC505")]
    assert diags == ([] if found is None else [AT_EXPR + found])


def test_oac505_needs_the_projects_scrape_jobs(tmp_path: Path) -> None:
    # A project without scrape jobs (scraped by configuration kept elsewhere) has
    # its metrics' jobs unknown: nothing to report.
    rules = """
        from obs_as_code import AlertRule, RuleGroup

        group = RuleGroup(name="g", rules=[AlertRule(name="A", expr="queue_depth > 10", labels={"severity": "info"})])
    """
    scrape = SCRAPE.replace('jobs = [ScrapeJob(name="api", targets=["api:80"])]', "")
    root = write_project(tmp_path, {"scrape/jobs.py": scrape, "alerts/a.py": rules})
    assert codes(root, "OAC505") == []
    root = write_project(tmp_path, {"scrape/jobs.py": SCRAPE})
    assert [str(d) for d in codes(root, "OAC505")] == [
        AT_EXPR + "no scrape job exposes queue_depth: the catalog lists worker, the project scrapes api"
    ]


@pytest.mark.parametrize(
    ("given", "project", "found"),
    [
        ('["worker"]', None, "no scrape job exposes queue_depth: the catalog lists worker, the project scrapes api"),
        # The catalog given to the lint comes before the project's.
        ('["api"]', '["worker"]', None),
    ],
)
def test_oac505_reads_the_catalog_given_to_oac_lint(tmp_path: Path, given: str, project: str | None, found: str | None) -> None:
    # `oac lint --catalog metrics.py` gives a LoadedCatalog: OAC505 read only a
    # MetricsCatalog given that way, and so never the --catalog's jobs.
    catalog = "from obs_as_code import Metric, MetricsCatalog\n\ncatalog = MetricsCatalog(metrics=[Metric('queue_depth', 'gauge', [], jobs={})])\n"
    files = {
        "scrape/jobs.py": 'from obs_as_code import ScrapeJob\n\njobs = [ScrapeJob(name="api", targets=["api:80"])]\n',
        "alerts/a.py": """
            from obs_as_code import AlertRule, RuleGroup

            group = RuleGroup(name="g", rules=[AlertRule(name="A", expr="queue_depth > 10", labels={"severity": "info"})])
        """,
    }
    if project is not None:
        files["catalog/metrics.py"] = catalog.format(project)
    root = write_project(tmp_path / "p", files)
    metrics = write_project(tmp_path, {"metrics.py": catalog.format(given)}) / "metrics.py"
    result = run_cli("lint", "-C", str(root), "--catalog", str(metrics), "--select", "OAC505")
    lines = [line for line in result.output.splitlines() if " OAC505 " in line]
    assert lines == ([] if found is None else [AT_EXPR + found])


def test_oac506_undefined_recording_rule_in_rules_and_dashboards(tmp_path: Path) -> None:
    rules = """
        from obs_as_code import AlertRule, RecordingRule, RuleGroup

        group = RuleGroup(name="g", rules=[
            RecordingRule(name="job:errors:rate5m", expr="sum by (job) (rate(errors_total[5m]))"),
            AlertRule(name="A", expr="job:errors:rate5m > 1 or job:error:rate5m > 1"),
        ])
    """
    dashboard = """
        from obs_as_code.model.dashboard import DashboardDef

        board = DashboardDef(source={"title": "x", "panels": [
            {"targets": [{"expr": 'sum(job:errors:rate5m{job=~"${job:regex}"})'}]},
            {"targets": [{"expr": 'sum(rate(slo:sli_error:ratio_rate5m[$__rate_interval]))'}]},
        ]})
    """
    root = write_project(tmp_path, {"alerts/a.py": rules, "dashboards/d.py": dashboard})
    diags = codes(root, "OAC506")
    assert sorted(d.message.split("recording rule ")[1].split(",")[0] for d in diags) == [
        "job:error:rate5m",
        "slo:sli_error:ratio_rate5m",
    ]


def test_oac506_one_finding_per_line_and_name_and_only_dashboard_exprs(tmp_path: Path) -> None:
    # Rules made at one call (a loop, an SLO's windows) share a line: one finding
    # names the first and counts the rest. In a dashboard only "expr" strings are
    # queries: a title or legend with a colon is not a recording rule.
    rules = """
        from obs_as_code import AlertRule, RecordingRule, RuleGroup

        group = RuleGroup(name="g", rules=[
            RecordingRule(name="job:errors:rate5m", expr="sum by (job) (rate(errors_total[5m]))"),
            *[AlertRule(name=f"B{i}", expr=f"job:error:rate5m > {i}") for i in range(2)],
            RecordingRule(name="job:c:sum", expr="sum(job:error:rate5m) + sum(job:errors:rate5m)"),
        ])
    """
    dashboard = """
        from obs_as_code.model.dashboard import DashboardDef

        board = DashboardDef(source={"title": "x:y:z", "panels": [
            {"title": "slo:a:b", "targets": [{"expr": 'sum(job:errors:rate5m{job=~"${job:regex}"})'}]},
            {"targets": [{"expr": "sum(rate(slo:sli_error:ratio_rate5m[5m]))", "legendFormat": "a:b:c"}]},
        ]})
    """
    root = write_project(tmp_path, {"alerts/a.py": rules, "dashboards/d.py": dashboard})
    assert [str(d) for d in codes(root, "OAC506")] == [
        "alerts/a.py:5:36: OAC506 [warning] alert B0 (and 1 more rule from this line) uses recording rule"
        " job:error:rate5m, which no rule group defines",
        "alerts/a.py:6:42: OAC506 [warning] recording rule job:c:sum uses recording rule job:error:rate5m,"
        " which no rule group defines",
        "dashboards/d.py:3:9: OAC506 [warning] dashboard board queries recording rule slo:sli_error:ratio_rate5m,"
        " which no rule group defines",
    ]


def test_oac506_reads_every_query_of_a_kit_dashboard(tmp_path: Path) -> None:
    # A rendered dashboard is skipped when its targets prove it has no recording
    # rule: no target's expr holds a colon and they are all the "expr" keys of
    # its text. Not skipped: every target reading one, an annotation's expr (no
    # target's; beside a target without an expr, which counts for none), a
    # target without an expr (TraceQL) beside one reading one.
    dashboard = """
        from grafana_foundation_sdk.builders import dashboard as sdk

        from obs_as_code.dashboards import kit as k

        burn = sdk.AnnotationQuery().name("Burn").datasource(k.PROMETHEUS_VAR).expr("slo:burn:rate1h > 1")
        every = k.dashboard("Every", [k.timeseries("Burn", k.prom("slo:burn:rate5m"))], variables=[k.datasource_var()])
        annotated = k.dashboard("Annotated", [k.table("Traces", k.traceql("{}")), k.timeseries("Up", k.prom("sum(up)"))],
                                annotations=[burn])
        traced = k.dashboard("Traced", [
            k.table("Traces", k.traceql("{}")),
            k.timeseries("Burn", k.prom("slo:burn:rate6h")),
        ])
        plain = k.dashboard("Plain", [k.table("Traces", k.traceql("{}")), k.timeseries("Up", k.prom("sum(up)"))])
    """
    root = write_project(tmp_path, {"dashboards/d.py": dashboard})
    assert [str(d) for d in codes(root, "OAC506")] == [
        "dashboards/d.py:6:52: OAC506 [warning] dashboard every queries recording rule slo:burn:rate5m, which no rule group defines",
        "dashboards/d.py:7:13: OAC506 [warning] dashboard annotated queries recording rule slo:burn:rate1h, which no rule group defines",
        "dashboards/d.py:11:26: OAC506 [warning] dashboard traced queries recording rule slo:burn:rate6h, which no rule group defines",
    ]


def test_oac506_reads_what_a_dict_dashboard_says_and_skips_one_that_cannot_render(tmp_path: Path) -> None:
    # The queries of a dict dashboard are read as written: decoded from their JSON
    # text (PromQL's 'it\'s' is 'it\\'s' there; read undecoded, its quote ends
    # the string early and the next one hides e:f:g), from data that is not JSON (a
    # set: walked), and a query that is a recording rule's name alone. A dashboard
    # that cannot be rendered is OAC309's.
    dashboard = r"""
        from obs_as_code.model.dashboard import DashboardDef

        broken = DashboardDef(source=42, uid="broken")
        tagged = DashboardDef(source={"title": "t", "tags": {"team"}, "panels": [{"targets": [{"expr": "sum(a:b:c)"}]}]}, uid="tagged")
        quoted = DashboardDef(source={"title": "q", "panels": [{"targets": [{"expr": "sum(x{msg='it\\'s'}) / e:f:g{c='d'}"}]}]}, uid="quoted")
        bare = DashboardDef(source={"title": "b", "panels": [{"targets": [{"expr": "h:i"}]}]}, uid="bare")
    """
    root = write_project(tmp_path, {"dashboards/d.py": dashboard})
    found = compile_project(root).diagnostics
    assert [str(d) for d in found if d.code == "OAC506"] == [
        "dashboards/d.py:4:10: OAC506 [warning] dashboard tagged queries recording rule a:b:c, which no rule group defines",
        "dashboards/d.py:5:10: OAC506 [warning] dashboard quoted queries recording rule e:f:g, which no rule group defines",
        "dashboards/d.py:6:8: OAC506 [warning] dashboard bare queries recording rule h:i, which no rule group defines",
    ]
    assert [(d.code, d.location.line) for d in found if d.code == "OAC309"] == [("OAC309", 3), ("OAC309", 4)]


def test_oac506_a_query_without_a_line_of_its_own_is_reported_at_its_panel(tmp_path: Path) -> None:
    # An SDK target built away from its panel has no line in the source map: its
    # panel's line (the with_panel argument), not the dashboard's, is the nearest.
    dashboard = """
        from grafana_foundation_sdk.builders import dashboard as sdk, prometheus, timeseries

        QUERIES = [prometheus.Dataquery().expr(e) for e in ("sum(a:b:c)",)]
        panel = timeseries.Panel().title("Up").unit("short")
        for q in QUERIES:
            panel.with_target(q)
        board = sdk.Dashboard("Plain SDK").with_panel(
            panel
        )
    """
    root = write_project(tmp_path, {"dashboards/s.py": dashboard})
    assert [str(d) for d in codes(root, "OAC506")] == [
        "dashboards/s.py:8:5: OAC506 [warning] dashboard board queries recording rule a:b:c, which no rule group defines"
    ]


def test_oac506_leaves_a_name_the_catalog_does_not_list_to_oac206_and_oac218(tmp_path: Path) -> None:
    # With a catalog, a misspelt recording rule was two findings in a rule (OAC506 at
    # the string, OAC206 at the token with the name meant) and two in a panel (OAC218).
    rules = """
        from obs_as_code import AlertRule, RecordingRule, RuleGroup

        group = RuleGroup(name="g", rules=[
            RecordingRule(name="job:jobs:rate5m", expr="sum by (queue) (rate(jobs_total[5m]))"),
            AlertRule(name="A", expr="job:job:rate5m > 1"),
        ])
    """
    dashboard = """
        from obs_as_code.model.dashboard import DashboardDef

        board = DashboardDef(source={"title": "x", "panels": [{"targets": [{"expr": "sum(job:job:rate5m)"}]}]})
    """
    root = write_project(tmp_path, {"alerts/a.py": rules, "dashboards/d.py": dashboard, "catalog/c.py": CATALOG})
    found = [(d.code, d.location.file) for d in compile_project(root).diagnostics if d.code in ("OAC206", "OAC218", "OAC506")]
    assert sorted(found) == [("OAC206", "alerts/a.py"), ("OAC218", "dashboards/d.py")], found


def test_recorded_names_ignore_strings_ranges_and_variables() -> None:
    expr = 'sum(rate(a:b:c{x="d:e"}[5m:1m])) / on() ${var:csv} f_g:h offset 5m'
    assert recorded_names(expr) == {"a:b:c", "f_g:h"}


def test_oac507_runbook_files_and_sections(tmp_path: Path) -> None:
    rules = """
        from obs_as_code import AlertRule, RuleGroup

        BASE = "https://github.com/opencode-ai/observability/blob/main/docs/runbooks"
        group = RuleGroup(name="g", rules=[
            AlertRule(name="A", expr="up == 0", annotations={"runbook_url": f"{BASE}/api.md#a-alert"}),
            AlertRule(name="B", expr="up == 0", annotations={"runbook_url": f"{BASE}/api.md#missing"}),
            AlertRule(name="C", expr="up == 0", annotations={"runbook_url": "docs/runbooks/gone.md"}),
            AlertRule(name="D", expr="up == 0", annotations={"runbook_url": "https://wiki.example.org/D"}),
        ])
    """
    root = write_project(tmp_path, {"alerts/a.py": rules, "docs/runbooks/api.md": "# API\n\n## A alert\n"})
    diags = codes(root, "OAC507")
    assert sorted((d.location.line, "section" in d.message) for d in diags) == [(6, True), (7, False)]


def test_github_slugs_and_repo_paths() -> None:
    assert github_slug("OpencodeApiHighErrorRatio") == "opencodeapihigherrorratio"
    assert github_slug("What to do (first)") == "what-to-do-first"
    assert repo_path("https://github.com/opencode-ai/observability/blob/main/docs/x.md#y") == "docs/x.md#y"
    assert repo_path("https://example.org/x") is None
    assert repo_path("/docs/x.md") == "docs/x.md"


def test_oac508_structure_errors(tmp_path: Path) -> None:
    routing = """
        from obs_as_code import AlertmanagerConfig, Receiver, Route, TimeInterval, TimeRange

        config = AlertmanagerConfig(
            route=Route(receiver="default", routes=[
                Route(receiver="pagr", matchers=['severity="critical"']),
                Route(receiver="default", matchers=["severity warning"], mute_time_intervals=["nights"]),
            ]),
            receivers=[Receiver(name="default"), Receiver(name="default")],
        )
        second = AlertmanagerConfig(route=Route(receiver="default"), receivers=[Receiver(name="default")])
    """
    root = write_project(tmp_path, {"alerts/routing.py": routing})
    found = sorted((d.location.line, d.message) for d in codes(root, "OAC508"))
    messages = " | ".join(m for _, m in found)
    assert "undefined receiver 'pagr'" in messages
    assert "invalid matcher 'severity warning'" in messages
    assert "undefined time interval 'nights'" in messages
    assert "two receivers are named 'default'" in messages
    assert "a second AlertmanagerConfig" in messages
    assert [line for line, m in found if "pagr" in m] == [5]
    assert compile_project(root).ok is False


def test_oac509_test_of_unknown_alert(tmp_path: Path) -> None:
    module = """
        from obs_as_code import AlertExpectation, AlertRule, RuleGroup, RuleTest, Series

        group = RuleGroup(name="g", rules=[AlertRule(name="High", expr="x > 1")])
        quiet = RuleTest(name="quiet", series=[Series("x", "0x5")], alerts=[
            AlertExpectation(at="5m", alertname="Hgih"),
            AlertExpectation(at="5m", alertname="High"),
        ])
        elsewhere = RuleTest(name="other", series=[], rule_modules=["alerts/none.py"])
    """
    root = write_project(tmp_path, {"alerts/a.py": module})
    found = sorted((d.location.line, d.message) for d in codes(root, "OAC509"))
    assert [line for line, _ in found] == [5, 8]
    assert "'Hgih'" in found[0][1] and "alerts/none.py" in found[1][1]


def test_oac509_a_recording_rule_is_not_an_alert(tmp_path: Path) -> None:
    # promtool passes "does not fire" for a recording rule's name too: it is no alert.
    module = """
        from obs_as_code import AlertExpectation, AlertRule, RecordingRule, RuleGroup, RuleTest, Series

        group = RuleGroup(name="g", rules=[RecordingRule(name="job:x:max", expr="max by (job) (x)"), AlertRule(name="High", expr="x > 1")])
        quiet = RuleTest(name="quiet", series=[Series("x", "0x5")], alerts=[AlertExpectation(at="5m", alertname="job:x:max")])
    """
    root = write_project(tmp_path, {"alerts/a.py": module})
    assert [str(d) for d in codes(root, "OAC509")] == [
        "alerts/a.py:4:105: OAC509 rule test 'quiet' expects alert 'job:x:max', which alerts/a.py does not define"
    ]


@pytest.mark.parametrize(
    ("shared", "name"),
    [
        (
            """
                from obs_as_code import AlertRule, RuleGroup

                group = RuleGroup(name="g", rules=[AlertRule(name="ApiAvailabilityErrorBudgetBurn", expr="x > 1")])
            """,
            "group",
        ),
        # An SLO the generator refuses (OAC405: no windows table for 31d) has its alerts all the same.
        (
            """
                from obs_as_code.slo import SLO, RatioSLI

                api = SLO(service="api", name="availability", objective=99.9, period="31d",
                          sli=RatioSLI(errors='x{code=~"5.."}', total="x"))
            """,
            "api",
        ),
    ],
)
@pytest.mark.parametrize("alert", ["ApiAvailabilityErrorBudgetBurn", "AplAvailabilityErrorBudgetBurn"])
def test_oac509_rules_imported_from_a_shared_module_are_the_importers(tmp_path: Path, shared: str, name: str, alert: str) -> None:
    # Declared in lib/ (not a project module), collected from the module that
    # imports it: its alerts are that module's, which its tests load. (The
    # helper's name is unique: the interpreter keeps it imported between builds.)
    helper = f"shared_{name}_{alert[:3].lower()}"
    tests = f"""
        from obs_as_code import AlertExpectation, RuleTest, Series
        from lib.{helper} import {name}

        quiet = RuleTest(name="quiet", series=[Series("x", "0x5")], alerts=[AlertExpectation(at="5m", alertname="{alert}")])
    """
    root = write_project(tmp_path, {f"lib/{helper}.py": shared, "alerts/a.py": tests})
    found = compile_project(root).diagnostics
    assert [d.code for d in found if d.code not in ("OAC405", "OAC509")] == []
    typo = f"alerts/a.py:4:105: OAC509 rule test 'quiet' expects alert '{alert}', which alerts/a.py does not define"
    assert [str(d) for d in found if d.code == "OAC509"] == ([typo] if alert.startswith("Apl") else [])


def test_oac509_names_the_module_a_rule_modules_entry_written_as_a_dotted_name_means(tmp_path: Path) -> None:
    # rule_modules=["alerts.checkout"] said "tests alerts.checkout, which declares
    # no rule groups" of a module that declares three: modules go by their path.
    module = """
        from obs_as_code import AlertRule, RuleGroup

        group = RuleGroup(name="g", rules=[AlertRule(name="High", expr="x > 1")])
    """
    tests = """
        from obs_as_code import RuleTest, Series

        dotted = RuleTest(name="dotted", series=[Series("x", "0x5")], rule_modules=["alerts.checkout"])
        bare = RuleTest(name="bare", series=[Series("x", "0x5")], rule_modules=["checkout"])
        none = RuleTest(name="none", series=[Series("x", "0x5")], rule_modules=["alerts/none.py"])
    """
    root = write_project(tmp_path, {"alerts/checkout.py": module, "alerts/tests.py": tests})
    found = sorted((d.location.line, d.hint) for d in codes(root, "OAC509"))
    assert found == [
        (3, "rule_modules names a module by its path from the project root: write 'alerts/checkout.py', not 'alerts.checkout'"),
        (4, "rule_modules names a module by its path from the project root: write 'alerts/checkout.py', not 'checkout'"),
        (5, "rule_modules names a module by its path from the project root; modules with rule groups: alerts/checkout.py"),
    ]


def test_oac509_a_bare_name_two_modules_end_with_gets_the_first_path(tmp_path: Path) -> None:
    group = """
        from obs_as_code import AlertRule, RuleGroup

        group = RuleGroup(name=NAME, rules=[AlertRule(name="High", expr="x > 1")])
    """
    tests = """
        from obs_as_code import RuleTest, Series

        bare = RuleTest(name="bare", series=[Series("x", "0x5")], rule_modules=["api"])
    """
    root = write_project(tmp_path, {
        "alerts/api.py": group.replace("NAME", '"a"'), "slos/api.py": group.replace("NAME", '"s"'), "alerts/tests.py": tests,
    })
    assert [(str(d), d.hint) for d in codes(root, "OAC509")] == [(
        "alerts/tests.py:3:72: OAC509 rule test 'bare' tests api, which declares no rule groups",
        "rule_modules names a module by its path from the project root: write 'alerts/api.py', not 'api'",
    )]


def test_oac502_reruns_in_an_incremental_build_when_the_catalog_changes(tmp_path: Path) -> None:
    # OAC502 reads the catalog now: a cached result must not outlive a catalog edit.
    from obs_as_code.incremental import compile_incremental

    alerts = ALERTS.replace('expr="up == 0",\n                  labels={"severity": LABEL}', 'expr="rate(jobs_total[5m]) > 1", labels={}')
    assert "jobs_total" in alerts
    catalog = CATALOG.replace('["queue", "severity"]', '["queue"]')
    root = write_project(tmp_path, {"alerts/routing.py": ESCALATING_ROUTING, "alerts/a.py": alerts, "catalog/c.py": catalog})

    def found() -> list[str]:
        incremental = [d.message for d in compile_incremental(root).diagnostics if d.code == "OAC502"]
        assert incremental == [d.message for d in compile_project(root).diagnostics if d.code == "OAC502"]
        return incremental

    assert len(found()) == 1
    # The series may carry escalate now: the escalation route may match them.
    (root / "catalog/c.py").write_text((root / "catalog/c.py").read_text().replace('["queue"]', '["queue", "escalate"]'))
    assert found() == []
    (root / "catalog/c.py").write_text((root / "catalog/c.py").read_text().replace('["queue", "escalate"]', '["queue"]'))
    assert len(found()) == 1


def test_oac502_names_the_route_that_sends_an_alert_to_the_default_receiver(tmp_path: Path) -> None:
    # It said "no route matches its labels" of an alert a route the user wrote matches.
    routing = GOOD_ROUTING.replace(
        "routes=[\n", "routes=[\n            Route(receiver=\"default\", matchers=['severity=\"info\"']),\n", 1
    )
    root = write_project(tmp_path, {"alerts/routing.py": routing, "alerts/a.py": ALERTS.replace("LABEL", '"info"')})
    [diag] = codes(root, "OAC502")
    assert diag.message == "alert Warn can only reach the default receiver 'default': its route (severity=\"info\") sends it there"
    assert diag.hint is not None and "# oac: ignore[OAC502]" in diag.hint


def test_oac502_a_route_to_the_default_receiver_the_alert_cannot_match_is_not_named(tmp_path: Path) -> None:
    # The sandbox team's alerts go to the default receiver on purpose; a Warn with
    # a misspelt severity matches no route at all, not the sandbox one.
    routing = GOOD_ROUTING.replace(
        "routes=[\n", "routes=[\n            Route(receiver=\"default\", matchers=['team=\"sandbox\"']),\n", 1
    )
    root = write_project(tmp_path, {"alerts/routing.py": routing, "alerts/a.py": ALERTS.replace("LABEL", '"warn"')})
    [diag] = codes(root, "OAC502")
    assert diag.location.line == 6
    assert diag.message == "alert Warn can only reach the default receiver 'default': no route matches its labels {alertname=\"Warn\", severity=\"warn\", team=\"t\"}"


def test_oac502_names_the_first_route_that_sends_an_alert_to_the_default_receiver(tmp_path: Path) -> None:
    # Two routes to the default receiver may take the alert: the first one declared does.
    routing = GOOD_ROUTING.replace(
        "routes=[\n",
        "routes=[\n            Route(receiver=\"default\", matchers=['severity=\"info\"']),\n"
        "            Route(receiver=\"default\", matchers=['severity=~\"info|debug\"']),\n",
        1,
    )
    root = write_project(tmp_path, {"alerts/routing.py": routing, "alerts/a.py": ALERTS.replace("LABEL", '"info"')})
    [diag] = codes(root, "OAC502")
    assert diag.location.line == 6
    assert diag.message == "alert Warn can only reach the default receiver 'default': its route (severity=\"info\") sends it there"


TEAM_ROUTING = """
    from obs_as_code import AlertmanagerConfig, Receiver, Route

    config = AlertmanagerConfig(
        route=Route(receiver="default", routes=[
            Route(group_by=["alertname", "team"], routes=[ROUTES]),
        ]),
        receivers=[Receiver(name="default"), Receiver(name="oncall")],
    )
"""


UP_CATALOG = """
    from obs_as_code import Metric, MetricsCatalog

    catalog = MetricsCatalog(metrics=[Metric("up", "gauge", [])])
"""


@pytest.mark.parametrize(
    ("matchers", "catalog", "reported"),
    [
        # No alert sets owner, and no series or config gives it: the route catches nothing.
        ("['owner=\"search\"']", True, True),
        ("['severity=\"critical\"']", True, False),
        # owner!="x" matches an alert without owner.
        ("['owner!=\"search\"']", True, False),
        # Without a catalog the labels of `up` are unknown: owner may come from it.
        ("['owner=\"search\"']", False, False),
    ],
)
def test_oac510_route_on_a_label_no_alert_carries(tmp_path: Path, matchers: str, catalog: bool, reported: bool) -> None:
    # A route on a label no alert carries was reported by nothing: OAC502 reports
    # alerts that reach only the default receiver, and these went to the next route.
    alerts = ALERTS.replace("LABEL", '"warning"')
    routing = GOOD_ROUTING.replace("matchers=['severity=\"warning\"']", f"matchers={matchers}")
    assert matchers in routing
    files = {"alerts/routing.py": routing, "alerts/a.py": alerts, **({"catalog/c.py": UP_CATALOG} if catalog else {})}
    found = codes(write_project(tmp_path, files), "OAC510")
    assert [(d.location.line, d.location.col) for d in found] == ([(6, 41)] if reported else []), [str(d) for d in found]
    if reported:
        assert "no alert of the project can carry owner" in found[0].message and "'chat'" in found[0].message


def test_oac510_a_label_made_by_label_replace_may_route(tmp_path: Path) -> None:
    alerts = ALERTS.replace("LABEL", '"warning"').replace(
        'expr="up == 0", labels={"severity": "critical"}',
        "expr='label_replace(up == 0, \"owner\", \"search\", \"\", \"\")', labels={\"severity\": \"critical\"}",
    )
    assert "label_replace" in alerts
    routing = GOOD_ROUTING.replace("matchers=['severity=\"warning\"']", "matchers=['owner=\"search\"']")
    root = write_project(tmp_path, {"alerts/routing.py": routing, "alerts/a.py": alerts, "catalog/c.py": UP_CATALOG})
    assert codes(root, "OAC510") == []


def test_oac510_a_child_route_sees_only_what_its_parent_matched(tmp_path: Path) -> None:
    # Every label exists, but no alert is both critical and warning.
    alerts = ALERTS.replace("LABEL", '"warning"')
    routing = GOOD_ROUTING.replace(
        "Route(receiver=\"pager\", matchers=['severity=\"critical\"']),",
        "Route(receiver=\"pager\", matchers=['severity=\"critical\"'], routes=[Route(receiver=\"chat\", matchers=['severity=\"warning\"'])]),",
    )
    root = write_project(tmp_path, {"alerts/routing.py": routing, "alerts/a.py": alerts, "catalog/c.py": UP_CATALOG})
    [diag] = codes(root, "OAC510")
    assert diag.location.line == 5 and "none of the project's 2 alerts" in diag.message


@pytest.mark.parametrize(
    ("teams", "listed"),
    [
        (6, '{team="t0"} or {team="t1"} or {team="t2"} or {team="t3"} or {team="t4"} or {team="t5"}'),
        (7, '{team="t0"} or {team="t1"} or {team="t2"} or {team="t3"} or {team="t4"} or {team="t5"} or ...'),
    ],
)
def test_oac502_hint_lists_the_first_six_routes_matchers(tmp_path: Path, teams: int, listed: str) -> None:
    # The routes sit under a grouping route without matchers, which is not listed
    # ("{}" would be no advice); past six routes the list ends in "or ...".
    routes = ", ".join(f"Route(receiver=\"oncall\", matchers=['team=\"t{i}\"'])" for i in range(teams))
    alerts = ALERTS.replace("LABEL", '"warning"').replace('labels={"team": "t"}', 'labels={"team": "payments"}')
    root = write_project(tmp_path, {"alerts/routing.py": TEAM_ROUTING.replace("ROUTES", routes), "alerts/a.py": alerts})
    found = codes(root, "OAC502")
    assert [(d.location.line, d.message.split(":")[0]) for d in found] == [
        (4, "alert Crit can only reach the default receiver 'default'"),
        (6, "alert Warn can only reach the default receiver 'default'"),
    ]
    assert found[0].hint == f"give it labels a route matches ({listed}), or add a route for it"


def test_oac502_an_alert_on_a_recorded_series_is_left_unjudged(tmp_path: Path) -> None:
    # What a recorded series carries is another module's rule's business, which an
    # incremental build of the alerts' module does not give the check: with the
    # catalog it would say no route can match in one build and nothing in the other.
    rules = """
        from obs_as_code import RecordingRule, RuleGroup

        group = RuleGroup(name="rec", rules=[
            RecordingRule(name="queue:jobs:rate5m", expr="sum by (queue) (rate(jobs_total[5m]))"),
        ])
    """
    alerts = ALERTS.replace('expr="up == 0",\n                  labels={"severity": LABEL}', 'expr="queue:jobs:rate5m > 1", labels={}')
    files = {"alerts/routing.py": ESCALATING_ROUTING, "alerts/a.py": alerts, "alerts/rec.py": rules, "catalog/c.py": CATALOG}
    root = write_project(tmp_path, files)
    from obs_as_code.incremental import compile_incremental

    assert codes(root, "OAC502") == []
    assert [d for d in compile_incremental(root).diagnostics if d.code == "OAC502"] == []


RELABELLED_PROMETHEUS = """
    from obs_as_code import AlertmanagerTarget, PrometheusConfig

    config = PrometheusConfig(ALERTING)
"""


@pytest.mark.parametrize(
    "alerting",
    [
        "",
        'extra={"alerting": {"alertmanagers": [{"static_configs": [{"targets": ["am:9093"]}]}],'
        ' "alert_relabel_configs": [{"target_label": "severity", "replacement": "warning"}]}}',
        'extra={"alerting": {"alertmanagers": [{"static_configs": [{"targets": ["am:9093"]}],'
        ' "alert_relabel_configs": [{"regex": "owner", "action": "labeldrop"}]}]}}',
    ],
)
def test_alert_relabelling_leaves_alert_routing_unjudged(tmp_path: Path, alerting: str) -> None:
    # Prometheus relabels alerts before Alertmanager sees them: a replace may give
    # every alert the label a route or an inhibit rule wants, so OAC502, OAC504
    # and OAC510 cannot tell what matches.
    alerts = ALERTS.replace("LABEL", '"warn"')
    routing = GOOD_ROUTING.replace("source_matchers=['severity=\"critical\"']", "source_matchers=['owner=\"search\"']")
    routing = routing.replace("matchers=['severity=\"warning\"']", "matchers=['owner=\"search\"']")
    files = {
        "alerts/routing.py": routing,
        "alerts/a.py": alerts,
        "catalog/c.py": UP_CATALOG,
        "scrape/prometheus.py": RELABELLED_PROMETHEUS.replace("ALERTING", alerting),
    }
    result = compile_project(write_project(tmp_path, files))
    found = sorted({d.code for d in result.diagnostics if d.code in ("OAC502", "OAC504", "OAC510")})
    assert found == ([] if alerting else ["OAC502", "OAC504", "OAC510"]), [str(d) for d in result.diagnostics]
    assert not [d for d in result.diagnostics if d.severity.name == "ERROR"], [str(d) for d in result.diagnostics]
