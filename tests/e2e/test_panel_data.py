"""Every shipped dashboard panel shows data on the real Prometheus fed by the baseline traffic.

One e2e stack (exporter, Alertmanager, Prometheus with the built configs and
rules) serves the steady-state scenario's baseline; the panel check runs over
the committed build/ and over a deliberately broken dashboard written here;
then the stack serves the ``http-5xx-spike`` incident so that the alert panels,
empty on a quiet day, are checked too. Under xdist the first worker runs the
stack and the others read its reports (file lock in the session's temp dir).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.e2e.panel_data import live_dashboards
from obs_as_code.e2e.runner import RunConfig
from obs_as_code.e2e.scenario import Scenario
from tests.e2e.conftest import BUILD, once_per_session

pytestmark = pytest.mark.e2e

ALERTING = "alerting/alerting-overview.json"

#: Targets legitimately empty under the baseline traffic: ``(dashboard, panel, refId)``,
#: at first load and with any one severity picked. The ALERTS series exist only
#: while an alert is pending or firing, and a normal day fires nothing (the
#: steady-state scenario asserts it). The other alert panels use
#: ``count(...) or vector(0)`` and show 0. Each entry must show data under the
#: incident (test_alert_panels_show_data_during_an_incident).
EMPTY_UNDER_BASELINE = {
    (ALERTING, "Firing alerts by name", "A"),
    (ALERTING, "Firing alerts by severity", "A"),
}

INCIDENT = "http-5xx-spike"


def _target(title: str, expr: str, ref: str = "A", **extra: Any) -> dict[str, Any]:
    return {"refId": ref, "expr": expr, "datasource": {"type": "prometheus", "uid": "${datasource}"}, **extra}


def _panel(title: str, *targets: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": "timeseries", "title": title, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
            "datasource": {"type": "prometheus", "uid": "${datasource}"}, "targets": list(targets), **extra}


#: A dashboard with the classic "No data" bugs, one per panel (written for this test).
BROKEN = {
    "title": "Broken on purpose",
    "uid": "broken-on-purpose",
    "schemaVersion": 39,
    "time": {"from": "now-1h", "to": "now"},
    "templating": {"list": [
        {"type": "datasource", "name": "datasource", "query": "prometheus"},
        {"type": "query", "name": "status", "query": "label_values(opencode_http_requests_total, status)",
         "datasource": {"type": "prometheus", "uid": "${datasource}"}, "includeAll": True, "multi": True,
         "refresh": 2},
        {"type": "query", "name": "nothing",
         "query": "label_values(opencode_http_requests_total, no_such_label)",
         "datasource": {"type": "prometheus", "uid": "${datasource}"}, "includeAll": True, "multi": True,
         "refresh": 2},
    ]},
    "panels": [
        _panel("Good", _target("Good", 'sum(rate(opencode_http_requests_total{status=~"$status"}[$__rate_interval]))')),
        {"type": "row", "title": "Broken", "collapsed": True, "panels": [
            _panel("Wrong metric name", _target("", "sum(rate(opencode_http_request_total[$__rate_interval]))")),
            _panel("Invalid label name",
                   _target("", 'sum(rate(opencode_http_requests_total{1status="500"}[$__rate_interval]))')),
            _panel("Unknown variable", _target("", "sum(rate(opencode_http_requests_total[$window]))")),
            _panel("Variable matching nothing", _target("", 'sum(opencode_http_requests_total{path=~"$nothing"})')),
            # A min step of $__interval_ms: Grafana's backend makes $__rate_interval 0s.
            _panel("Min step of interval_ms", _target(
                "", "sum(rate(opencode_http_requests_total[$__rate_interval]))", interval="$__interval_ms")),
            _panel("Logs and a hidden query",
                   {"refId": "A", "expr": '{job="opencode-api"}', "datasource": {"type": "loki", "uid": "loki"}},
                   _target("", "sum(up)", "B", hide=True),
                   datasource={"type": "datasource", "uid": "-- Mixed --"}),
        ]},
        {"type": "row", "title": "Open row", "collapsed": False, "panels": []},
        _panel("Mismatched by clause", _target(
            "", "sum by (path) (rate(opencode_http_requests_total[$__rate_interval]))"
                " / sum by (method) (rate(opencode_http_requests_total[$__rate_interval]))")),
        _panel("Missing recording rule", _target("", "slo:sli_error:ratio_rate7m")),
        # Repeated once per status (All: every option), each copy with one status.
        {"type": "row", "title": "Status", "repeat": "status", "collapsed": False, "panels": []},
        _panel("Requests of one status", _target(
            "", 'sum(rate(opencode_http_requests_total{status="$status"}[$__rate_interval]))')),
    ],
}


def _broken_build(root: Path) -> Path:
    build = root / "build"
    shutil.copytree(BUILD / "grafana" / "provisioning", build / "grafana" / "provisioning")
    path = build / "grafana" / "dashboards" / "broken" / "broken.json"
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(BROKEN), encoding="utf-8")
    return build


def _run(scenarios: list[Scenario], rc: RunConfig, work: Path) -> dict[str, Any]:
    steady = next(s for s in scenarios if s.name == "steady-state")
    incident = next(s for s in scenarios if s.name == INCIDENT)
    with live_dashboards(rc, steady.baseline, factor=steady.factor) as live:
        # Each variable's options one at a time too: a user picking one path.
        baseline = live.check(each_value=True)
        broken = live.check(build_dir=_broken_build(work))
        live.switch(incident.incident_traffic)
        live.wait_for_series('ALERTS{alertstate="firing"}', timeout=60)
        during = live.check(paths=[BUILD / "grafana" / "dashboards" / ALERTING])
    return {
        "baseline": baseline.to_json(), "baseline_text": baseline.render_text(),
        "broken": broken.to_json(), "broken_text": broken.render_text(verbose=True),
        "incident": during.to_json(), "incident_text": during.render_text(),
    }


@pytest.fixture(scope="session")
def reports(shipped: tuple[list[Scenario], RunConfig], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    scenarios, rc = shipped
    return once_per_session(tmp_path_factory, "oac-panel-data", lambda: _run(scenarios, rc, tmp_path_factory.mktemp("panel-data")))


def _key(result: dict[str, Any]) -> tuple[str, str, str]:
    return result["dashboard"], result["panel"], result["ref_id"]


def test_no_shipped_panel_query_is_refused(reports: dict[str, Any]) -> None:
    errors = [r for r in reports["baseline"]["results"] if r["status"] == "error"]
    assert errors == [], reports["baseline_text"]


def test_every_shipped_panel_shows_data_under_the_baseline(reports: dict[str, Any]) -> None:
    empty = {_key(r) for r in reports["baseline"]["results"] if r["status"] == "empty"}
    assert {_key(r) for r in reports["baseline"]["results"] if r["status"] == "empty" and not r["selection"]} \
        == EMPTY_UNDER_BASELINE, reports["baseline_text"]
    # Equality: an allow-listed panel that shows data on a normal day means an
    # alert fires on a normal day, or the entry is stale.
    assert empty == EMPTY_UNDER_BASELINE, reports["baseline_text"]
    nan = [_key(r) for r in reports["baseline"]["results"] if r["all_nan"]]
    assert nan == [], reports["baseline_text"]


def test_every_variable_has_options(reports: dict[str, Any]) -> None:
    problems = [(d, v) for d, vs in reports["baseline"]["variables"].items() for v in vs if v["problem"]]
    assert problems == [], reports["baseline_text"]
    # label_values variables took the values the exporter serves, not a placeholder.
    llm = {v["name"]: v for v in reports["baseline"]["variables"]["llm/llm-performance.json"]}
    assert llm["provider"]["values"] == ["anthropic", "openai"] and llm["provider"]["all"]
    assert llm["model"]["values"] == ["claude-sonnet-4", "gpt-4o"]


def test_every_dashboard_and_prometheus_target_is_checked(reports: dict[str, Any]) -> None:
    checked = {r["dashboard"] for r in reports["baseline"]["results"]}
    built = {str(p.relative_to(BUILD / "grafana" / "dashboards")) for p in (BUILD / "grafana" / "dashboards").rglob("*.json")}
    assert checked == built
    # The log explorer's Loki panels are the only targets not run on Prometheus.
    assert set(reports["baseline"]["skipped"]) == {"loki"}
    # Panels inside rows are checked (every shipped panel sits in a row).
    assert any(r["row"] for r in reports["baseline"]["results"])
    # The SLO burn-down panels query their own 30 days (timeFrom): over the whole run,
    # as their dashboards' range is 30 days too.
    burn = [r for r in reports["baseline"]["results"] if r["panel"] == "Error budget burn-down"]
    assert burn and {r["time_override"] for r in burn} == {"now-30d to now"}
    # Grafana's first-load substitution: no variable is left in a query Prometheus ran.
    assert not [r["expr"] for r in reports["baseline"]["results"] if "$" in r["expr"]]
    # Each option of a variable ran on its own for the targets using it.
    assert {r["selection"] for r in reports["baseline"]["results"]
            if r["dashboard"] == "overview/overview-system.json" and r["panel"] == "Request rate"} \
        == {None, "$path=/api/chat", "$path=/api/sessions"}


def test_alert_panels_show_data_during_an_incident(reports: dict[str, Any]) -> None:
    results = {_key(r): r for r in reports["incident"]["results"]}
    assert set(results) >= EMPTY_UNDER_BASELINE
    assert {k: results[k]["status"] for k in EMPTY_UNDER_BASELINE} == dict.fromkeys(EMPTY_UNDER_BASELINE, "ok"), \
        reports["incident_text"]
    assert [r for r in results.values() if r["status"] != "ok"] == [], reports["incident_text"]


def test_the_check_fails_a_broken_dashboard(reports: dict[str, Any]) -> None:
    broken = reports["broken"]
    status = {r["panel"]: r["status"] for r in broken["results"]}
    assert status == {
        "Good": "ok",
        "Wrong metric name": "empty",
        "Invalid label name": "error",
        "Unknown variable": "error",
        "Variable matching nothing": "empty",
        "Mismatched by clause": "empty",
        "Missing recording rule": "empty",
        "Min step of interval_ms": "error",
        "Requests of one status": "ok",
    }, reports["broken_text"]
    # The repeated row: one copy per status, each querying its own status (and showing data).
    assert [(r["row"], r["expr"], r["status"]) for r in broken["results"] if r["panel"] == "Requests of one status"] \
        == [(f"Status (status={s})", f'sum(rate(opencode_http_requests_total{{status="{s}"}}[4s]))', "ok")
            for s in ("200", "500")], reports["broken_text"]
    by_panel = {r["panel"]: r for r in broken["results"]}
    # Prometheus' own parse error is reported.
    assert "parse error" in by_panel["Invalid label name"]["message"], reports["broken_text"]
    assert "$window" in by_panel["Unknown variable"]["expr"]
    # Prometheus refuses the 0s window Grafana makes of $__rate_interval there.
    assert by_panel["Min step of interval_ms"]["expr"].endswith("[0s]))")
    assert "duration must be greater than 0" in by_panel["Min step of interval_ms"]["message"]
    # "All" without allValue is the regex of every option, escaped as Grafana does.
    assert by_panel["Good"]["expr"] == 'sum(rate(opencode_http_requests_total{status=~"(200|500)"}[4s]))'
    assert by_panel["Wrong metric name"]["row"] == "Broken"
    assert by_panel["Mismatched by clause"]["row"] == "Open row"
    assert broken["skipped"] == {"hidden": 1, "loki": 1}
    # The collapsed row's panels were checked as if expanded, and the report says so.
    assert broken["collapsed"] == [f"broken/broken.json: Broken / {title}" for title in (
        "Wrong metric name", "Invalid label name", "Unknown variable", "Variable matching nothing",
        "Min step of interval_ms")]
    variables = {v["name"]: v for v in broken["variables"]["broken/broken.json"]}
    assert variables["nothing"]["problem"] and not variables["status"]["problem"]
