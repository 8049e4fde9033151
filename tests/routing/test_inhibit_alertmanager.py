"""InhibitRule.inhibits against a real Alertmanager 0.25: the alerts it mutes
are the ones the binary reports suppressed (two-sided matches, regexes, equal
labels missing on both sides)."""

from __future__ import annotations

import itertools
import json
import urllib.request
from pathlib import Path

import pytest

from obs_as_code.e2e.processes import LOOPBACK, start_on_free_port
from obs_as_code.e2e.runner import find_binaries
from obs_as_code.model.alertmanager import InhibitRule
from obs_as_code.render.alertmanager import render_inhibit
from obs_as_code.serialize import dump_yaml
from tests.oac_testing import need_binary

pytestmark = pytest.mark.integration

RULES = [
    InhibitRule(source_matchers=['severity=~"critical|page"'], target_matchers=['severity=~"critical|warning"'],
                equal=["service"]),
    InhibitRule(source_matchers=['alertname="Maintenance"'], target_matchers=['service!="api"', 'severity!="page"']),
    InhibitRule(source_matchers=['severity="info"', 'team=~"d.*"'], target_matchers=['severity="info"'], equal=["team"]),
]


def _alerts() -> list[dict[str, str]]:
    out = []
    for i, (severity, service, team) in enumerate(itertools.product(
            ["critical", "page", "warning", "info"], ["api", "web", None], ["db", "ops", None])):
        labels = {"alertname": f"A{i}", "severity": severity}
        labels.update({k: v for k, v in (("service", service), ("team", team)) if v is not None})
        out.append(labels)
    return out


def _suppressed(alerts: list[dict[str, str]], rules: list[InhibitRule]) -> set[str]:
    return {t["alertname"] for t in alerts
            if any(rule.inhibits(s, t) for rule in rules for s in alerts if s is not t)}


def _run(tmp_path: Path, alerts: list[dict[str, str]], rules: list[InhibitRule]) -> set[str]:
    need_binary("amtool")  # installed with the Alertmanager binary: skip (or fail in CI) without it
    binary = find_binaries().alertmanager
    config = {"route": {"receiver": "r", "group_wait": "0s"}, "receivers": [{"name": "r"}],
              "inhibit_rules": [render_inhibit(r) for r in rules]}
    (tmp_path / "am.yml").write_text(dump_yaml(config), encoding="utf-8")
    (tmp_path / "data").mkdir()
    server, port = start_on_free_port("alertmanager", lambda port: [
        binary, f"--config.file={tmp_path / 'am.yml'}", f"--storage.path={tmp_path / 'data'}",
        f"--web.listen-address={LOOPBACK}:{port}", "--cluster.listen-address=", "--log.level=warn",
    ], tmp_path / "am.log")
    base = f"http://{LOOPBACK}:{port}/api/v2/alerts"
    try:
        post = urllib.request.Request(base, data=json.dumps([{"labels": a} for a in alerts]).encode(),
                                      headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(post, timeout=10).close()
        # Inhibition is decided when the alerts are listed: every alert is in the store.
        with urllib.request.urlopen(base, timeout=10) as answer:
            got = json.loads(answer.read())
    finally:
        server.stop()
    assert len(got) == len(alerts)
    return {a["labels"]["alertname"] for a in got if a["status"]["state"] == "suppressed"}


def test_inhibits_mutes_what_alertmanager_mutes(tmp_path: Path) -> None:
    alerts = _alerts()
    expected = _suppressed(alerts, RULES)
    assert 0 < len(expected) < len(alerts)  # the comparison says something
    assert _run(tmp_path, alerts, RULES) == expected


def test_two_critical_alerts_do_not_mute_each_other(tmp_path: Path) -> None:
    both = [{"alertname": "B", "severity": "critical", "service": "api"},
            {"alertname": "D", "severity": "critical", "service": "api"}]
    assert _suppressed(both, RULES[:1]) == set()
    assert _run(tmp_path, both, RULES[:1]) == set()
