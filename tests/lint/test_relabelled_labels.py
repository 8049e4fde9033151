"""Labels scraping writes count as labels of every series: the target labels of
relabel_configs and of metric_relabel_configs; and after a labelmap (or a target
label written from the regex's groups) no label is known absent."""

from __future__ import annotations

from pathlib import Path

from obs_as_code.lint.api import lint
from tests.oac_testing import ProjectFactory

CATALOG = """
from obs_as_code import Metric, MetricsCatalog
c = MetricsCatalog(name="c", metrics=[
    Metric("app_requests_total", "counter", ["method"], jobs=["api"]),
    Metric("app_errors_total", "counter", ["method"], jobs=["api"]),
])
"""
ALERTS = """
from obs_as_code import AlertRule, RuleGroup
NOTE = {"summary": "s", "description": "d", "runbook_url": "https://runbooks.example/x"}
g = RuleGroup("g", [
    AlertRule("PerApp", 'sum by (app) (rate(app_errors_total{app="web"}[5m])) / on(app) sum by (app) (rate(app_requests_total[5m])) > 0.1',
              for_="5m", labels={"severity": "critical"}, annotations=NOTE),
    AlertRule("PerVerb", 'sum by (verb) (rate(app_errors_total{verb="GET"}[5m])) / on(verb) sum by (verb) (rate(app_requests_total[5m])) > 0.1',
              for_="5m", labels={"severity": "critical"}, annotations=NOTE),
])
"""


def _job(*relabels: str) -> str:
    return (
        "from obs_as_code import ScrapeJob\nfrom obs_as_code.model.prometheus import RelabelConfig\n"
        f'api = ScrapeJob(name="api", targets=["api:8080"], relabel_configs=[{", ".join(relabels)}],\n'
        '    metric_relabel_configs=[RelabelConfig(source_labels=["method"], target_label="verb", action="replace")])\n'
    )


def _unknown_labels(root: Path) -> list[tuple[int, str]]:
    return sorted({(d.location.line, d.message.split(" in alert")[0].split(" (matcher")[0]) for d in lint(root, select=["OAC207"])})


def test_a_metric_relabel_target_label_is_a_label_of_the_series(make_project: ProjectFactory) -> None:
    root = make_project({"catalog/c.py": CATALOG, "alerts/a.py": ALERTS, "scrape/s.py": _job()})
    # app is written by nothing: reported; verb by the job's metric_relabel_configs (it was reported too).
    assert {line for line, _ in _unknown_labels(root)} == {4}


def test_after_a_labelmap_no_label_is_known_absent(make_project: ProjectFactory) -> None:
    labelmap = 'RelabelConfig(action="labelmap", regex="__meta_kubernetes_pod_label_(.+)")'
    root = make_project({"catalog/c.py": CATALOG, "alerts/a.py": ALERTS, "scrape/s.py": _job(labelmap)})
    assert _unknown_labels(root) == []
    templated = 'RelabelConfig(source_labels=["__meta_kubernetes_pod_label_app"], regex="(.+)", target_label="${1}", replacement="x")'
    root2 = make_project({"scrape/s.py": _job(templated)})
    assert root2 == root and _unknown_labels(root2) == []


def test_a_labelmap_leaves_the_metrics_of_other_jobs_known(make_project: ProjectFactory) -> None:
    # Only the metrics a labelmap job scrapes may carry any label: a metric of
    # another job keeps its known labels (and OAC207 on them).
    catalog = CATALOG.replace('jobs=["api"]),\n    Metric("app_errors_total"', 'jobs=["other"]),\n    Metric("app_errors_total"')
    labelmap = 'RelabelConfig(action="labelmap", regex="__meta_kubernetes_pod_label_(.+)")'
    root = make_project({"catalog/c.py": catalog, "alerts/a.py": ALERTS, "scrape/s.py": _job(labelmap)})
    found = [d.message for d in lint(root, select=["OAC207"])]
    assert found and all("app_requests_total" in m and "app_errors_total" not in m for m in found), found
