"""The committed build/ as an operator runs it: the real Prometheus and Alertmanager
started on the built files exactly as the README says (no rewritten config), and
the preview stack's Alertmanager config.

The e2e scenarios rewrite both configs (synthetic targets, webhook receivers);
these tests do not, so a relative path, a template, a rule file or a receiver that
only works once rewritten shows up here.
"""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.e2e.processes import (
    LOOPBACK,
    http_get,
    serve_in_thread,
    start_on_free_port,
    stop_serving,
)
from obs_as_code.serialize import dump_yaml, load_yaml
from tests.e2e.conftest import BUILD, require_tool

pytestmark = pytest.mark.integration

#: The receivers context.md names: critical pages (PagerDuty), warnings go to
#: Slack, info to email; a warning that persists escalates to paging.
EXPECTED_RECEIVER = {"critical": "pagerduty-critical", "warning": "slack-warnings", "info": "email-info"}
#: Log lines of a server that an operator must look at.
_BAD_LOG = re.compile(r"level=(warn|error)")


def _bad_log_lines(log: Path) -> list[str]:
    """Warnings and errors logged before the test stopped the server (stopping it logs one)."""
    lines = log.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if _BAD_LOG.search(line) and "Received SIGTERM" not in line]


def _built_groups() -> list[tuple[str, str, int]]:
    """``(rule file, group, number of rules)`` of every group under build/prometheus/rules."""
    out = []
    for path in sorted((BUILD / "prometheus" / "rules").glob("*.yaml")):
        for group in load_yaml(path.read_text(encoding="utf-8"))["groups"]:
            out.append((path.name, str(group["name"]), len(group["rules"])))
    return out


def shipped_alerts() -> list[dict[str, str]]:
    """One label set per alerting rule of build/, as Prometheus would send it: the
    rule's static labels, ``service`` when the rule does not set it (every shipped
    expression keeps it), and for the escalation rule the labels of the warning it
    copies (its expression keeps them from ``ALERTS``)."""
    alerts = []
    for path in sorted((BUILD / "prometheus" / "rules").glob("*.yaml")):
        for group in load_yaml(path.read_text(encoding="utf-8"))["groups"]:
            for rule in group["rules"]:
                if "alert" not in rule:
                    continue
                labels = {"alertname": str(rule["alert"]), **{k: str(v) for k, v in (rule.get("labels") or {}).items()}}
                labels.setdefault("service", f"svc-{path.stem}")
                if labels.get("escalate"):
                    labels.setdefault("severity", "warning")
                    labels.setdefault("team", "llm")
                alerts.append(labels)
    return alerts


#: Seconds a wait on a server's state may last. Only a bound (each wait ends as soon
#: as what it waits for holds): on a loaded machine (two cores shared by several
#: suites) Prometheus's discovery or Alertmanager's inhibition can lag by seconds.
WAIT = 60.0


def _api(url: str, endpoint: str, until: Callable[[Any], bool] = lambda _: True) -> Any:
    """``data`` of Prometheus's ``/api/v1/<endpoint>``, once ``until`` holds for it (WAIT at most)."""
    deadline = time.monotonic() + WAIT
    while True:
        status, body = http_get(f"{url}/api/v1/{endpoint}", timeout=WAIT)
        assert status == 200, body
        data = json.loads(body)["data"]
        if until(data) or time.monotonic() > deadline:
            return data
        time.sleep(0.1)


def _inhibited(alerts: list[dict[str, str]]) -> list[dict[str, str]]:
    """The warnings of ``alerts`` whose critical twin (same alertname and service) is there too."""
    twins = {(a["alertname"], a["service"]) for a in alerts if a.get("severity") == "critical"}
    return [a for a in alerts if a.get("severity") == "warning" and (a["alertname"], a["service"]) in twins]


def _expected_receiver(labels: dict[str, str]) -> str:
    if labels.get("escalate") == "page":
        return "pagerduty-critical"
    return EXPECTED_RECEIVER[labels["severity"]]


def _post_alerts(url: str, alerts: list[dict[str, str]]) -> None:
    body = json.dumps([{"labels": a, "annotations": {"summary": "operator test"}} for a in alerts]).encode()
    req = urllib.request.Request(f"{url}/api/v2/alerts", data=body, method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=WAIT) as resp:
        assert resp.status == 200


def _received(url: str, count: int, suppressed: int = 0) -> list[dict[str, Any]]:
    """The alerts Alertmanager holds, once it holds ``count`` of them of which
    ``suppressed`` are inhibited (inhibition is evaluated apart: WAIT at most)."""
    deadline = time.monotonic() + WAIT
    while True:
        status, body = http_get(f"{url}/api/v2/alerts", timeout=WAIT)
        assert status == 200
        got: list[dict[str, Any]] = json.loads(body)
        muted = sum(a["status"]["state"] == "suppressed" for a in got)
        if (len(got) >= count and muted >= suppressed) or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


@contextmanager
def _alertmanager(config: Path, tmp_path: Path) -> Iterator[str]:
    """Alertmanager on ``config``, on a free loopback port; yields its base URL."""
    binary = require_tool("prometheus-alertmanager")
    server, port = start_on_free_port(
        "alertmanager",
        lambda port: [binary, f"--config.file={config}", f"--storage.path={tmp_path / 'am-data'}",
                      f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address="],
        tmp_path / "alertmanager.log",
    )
    with server:
        yield f"http://{LOOPBACK}:{port}"


def test_promtool_check_config_passes_in_full_from_another_directory(tmp_path: Path) -> None:
    # Not --syntax-only: the rule files are found relative to prometheus.yml.
    promtool = require_tool("promtool")
    proc = subprocess.run([promtool, "check", "config", str(BUILD / "prometheus" / "prometheus.yml")],
                          cwd=tmp_path, capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"SUCCESS: {len({f for f, _, _ in _built_groups()})} rule files found" in proc.stdout


def test_prometheus_runs_the_built_config_as_is(tmp_path: Path) -> None:
    binary = require_tool("prometheus")
    server, port = start_on_free_port(
        "prometheus",
        lambda port: [binary, f"--config.file={BUILD / 'prometheus' / 'prometheus.yml'}",
                      f"--storage.tsdb.path={tmp_path / 'data'}", f"--web.listen-address={LOOPBACK}:{port}"],
        tmp_path / "prometheus.log",
    )
    url = f"http://{LOOPBACK}:{port}"
    config = load_yaml((BUILD / "prometheus" / "prometheus.yml").read_text(encoding="utf-8"))
    declared = {(j["job_name"], t) for j in config["scrape_configs"] for s in j["static_configs"] for t in s["targets"]}

    def active(data: Any) -> set[tuple[str, str]]:
        return {(t["labels"]["job"], t["labels"]["instance"]) for t in data["activeTargets"]}

    with server:
        loaded = [(Path(g["file"]).name, g["name"], len(g["rules"])) for g in _api(url, "rules")["groups"]]
        # Discovery runs after readiness: wait (bounded) for what the config declares.
        alertmanagers = _api(url, "alertmanagers", until=lambda d: bool(d["activeAlertmanagers"]))
        # Every declared target, not the first ones: discovery hands the scrape pools
        # their targets in batches (one every 5s at most), so the first answer with
        # any target could lack whole jobs (seen: cadvisor and opencode-api missing).
        targets = _api(url, "targets", until=lambda d: active(d) >= declared)
    built = _built_groups()
    assert built and sorted(loaded) == sorted(built)  # every group of every rule file, every rule
    # The target is a name resolved at send time; it is discovered as built.
    assert [a["url"] for a in alertmanagers["activeAlertmanagers"]] == ["http://alertmanager:9093/api/v2/alerts"]
    assert active(targets) == declared
    assert targets["droppedTargets"] == []
    assert "Completed loading of configuration file" in (tmp_path / "prometheus.log").read_text(encoding="utf-8")
    assert _bad_log_lines(tmp_path / "prometheus.log") == []


def test_alertmanager_runs_the_built_config_and_routes_every_alert_as_context_says(tmp_path: Path) -> None:
    alerts = shipped_alerts()
    assert {_expected_receiver(a) for a in alerts} == set(EXPECTED_RECEIVER.values())  # every route
    with _alertmanager(BUILD / "alertmanager" / "alertmanager.yml", tmp_path) as url:
        status, body = http_get(f"{url}/api/v2/status", timeout=WAIT)
        _post_alerts(url, alerts)
        got = _received(url, len(alerts), suppressed=len(_inhibited(alerts)))
    assert status == 200 and json.loads(body)["config"]["original"]
    by_labels = {json.dumps(a["labels"], sort_keys=True): a for a in got}
    assert len(by_labels) == len(alerts)
    suppressed = []
    for labels in alerts:
        alert = by_labels[json.dumps(labels, sort_keys=True)]
        assert [r["name"] for r in alert["receivers"]] == [_expected_receiver(labels)], labels
        if alert["status"]["state"] == "suppressed":
            suppressed.append((labels["alertname"], labels["severity"]))
    # Inhibition: each warning whose critical twin (same alertname and service) fires.
    assert suppressed and sorted(suppressed) == sorted((a["alertname"], "warning") for a in _inhibited(alerts))
    assert "Completed loading of configuration file" in (tmp_path / "alertmanager.log").read_text(encoding="utf-8")
    assert _bad_log_lines(tmp_path / "alertmanager.log") == []


def test_amtool_routes_every_alert_to_the_receiver_context_names() -> None:
    amtool = require_tool("amtool")
    config = BUILD / "alertmanager" / "alertmanager.yml"
    for labels in shipped_alerts():
        proc = subprocess.run([amtool, "config", "routes", "test", f"--config.file={config}",
                               *(f"{k}={v}" for k, v in labels.items())],
                              capture_output=True, text=True, check=False)
        assert proc.stdout.strip() == _expected_receiver(labels), (labels, proc.stdout, proc.stderr)


def test_preview_alertmanager_config_routes_like_the_built_one(tmp_path: Path) -> None:
    # As the preview stack runs it: in place, its templates found from build/preview/.
    path = BUILD / "preview" / "alertmanager.yml"
    config = load_yaml(path.read_text(encoding="utf-8"))
    assert all((path.parent / t).is_file() for t in config["templates"])
    alerts = shipped_alerts()
    with _alertmanager(path, tmp_path) as url:
        _post_alerts(url, alerts)
        got = _received(url, len(alerts))
        # No integration anywhere: nothing is ever sent, so nothing can fail.
        status, metrics = http_get(f"{url}/metrics", timeout=WAIT)
    routed = {json.dumps(a["labels"], sort_keys=True): [r["name"] for r in a["receivers"]] for a in got}
    assert {json.dumps(a, sort_keys=True): [_expected_receiver(a)] for a in alerts} == routed
    assert status == 200
    sent = [line for line in metrics.decode().splitlines()
            if line.startswith("alertmanager_notifications_total{") and not line.endswith(" 0")]
    assert sent == []


class _Recorder(BaseHTTPRequestHandler):
    """Slack's and PagerDuty's side: records each notification's path and JSON body."""

    received: list[tuple[str, dict[str, Any]]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path, json.loads(body)))
        reply = b'{"status":"success","message":"Event processed","dedup_key":"k"}'
        self.send_response(202 if self.path == "/pagerduty" else 200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


def test_notifications_render_the_shipped_templates_and_reach_slack_and_pagerduty(tmp_path: Path) -> None:
    # The built config with only what a deployment supplies changed: the secret
    # files' paths, PagerDuty's endpoint, and group_wait (1s, to keep this short).
    received: list[tuple[str, dict[str, Any]]] = []
    handler = type("Recorder", (_Recorder,), {"received": received})
    server = ThreadingHTTPServer((LOOPBACK, 0), handler)
    thread = serve_in_thread(server, "recorder")
    base = f"http://{LOOPBACK}:{server.server_address[1]}"
    try:
        config = load_yaml((BUILD / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8"))
        secrets = {"slack-webhook-url": f"{base}/slack\n", "pagerduty-routing-key": "pd-key-from-file\n",
                   "smtp-password": "unused\n"}
        for name, value in secrets.items():
            (tmp_path / name).write_text(value, encoding="utf-8")
        for key in ("slack_api_url_file", "smtp_auth_password_file"):
            config["global"][key] = str(tmp_path / Path(config["global"][key]).name)
        config["templates"] = [str(BUILD / "alertmanager" / t) for t in config["templates"]]
        for receiver in config["receivers"]:
            for pd in receiver.get("pagerduty_configs") or []:
                pd["routing_key_file"] = str(tmp_path / Path(pd["routing_key_file"]).name)
                pd["url"] = f"{base}/pagerduty"
        routes = [config["route"]]
        while routes:
            route = routes.pop()
            route["group_wait"] = "1s"
            routes.extend(route.get("routes") or [])
        path = tmp_path / "alertmanager.yml"
        path.write_text(dump_yaml(config), encoding="utf-8")
        note = {"summary": "Too many 5xx", "description": "7% failed", "runbook_url": "https://runbooks/x"}
        alerts = [
            {"alertname": "OpencodeApiHighErrorRatio", "severity": "critical", "team": "api", "service": "opencode-api"},
            {"alertname": "OpencodeLLMCostSpike", "severity": "warning", "team": "llm", "service": "llm-gateway"},
            {"alertname": "Unlabelled", "service": "web-ui"},
        ]
        with _alertmanager(path, tmp_path) as url:
            body = json.dumps([{"labels": a, "annotations": note} for a in alerts]).encode()
            req = urllib.request.Request(f"{url}/api/v2/alerts", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=WAIT).close()
            deadline = time.monotonic() + WAIT
            while len(received) < 3 and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        stop_serving(server, thread)
    got = {(p, b.get("channel") or b.get("routing_key")): b for p, b in received}
    assert sorted(got) == [("/pagerduty", "pd-key-from-file"), ("/slack", "#alerts-llm"), ("/slack", "#alerts-unrouted")]
    page = got[("/pagerduty", "pd-key-from-file")]["payload"]
    assert page["summary"] == "[FIRING:1] OpencodeApiHighErrorRatio (opencode-api)"
    assert page["severity"] == "critical"
    assert {k: page["custom_details"][k] for k in ("team", "runbook")} == {"team": "api", "runbook": "https://runbooks/x"}
    [warning] = got[("/slack", "#alerts-llm")]["attachments"]
    assert warning["title"] == "[FIRING:1] OpencodeLLMCostSpike (llm-gateway)"
    assert warning["text"] == "*Too many 5xx*\n7% failed\nRunbook: https://runbooks/x\n"
    assert _bad_log_lines(tmp_path / "alertmanager.log") == []
