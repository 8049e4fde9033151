"""``oac e2e``, ``oac preview`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from obs_as_code.cli import COMMANDS, SHORT_HELP, cli
from obs_as_code.serialize import load_yaml
from tests.e2e.conftest import FIXTURES, ROOT, alertmanager_config, require_binaries


def test_commands_are_registered() -> None:
    for name in ("e2e", "backtest", "preview"):
        assert name in COMMANDS and SHORT_HELP[name]
        res = CliRunner().invoke(cli, [name, "--help"])
        assert res.exit_code == 0, res.output


def test_preview_out_writes_compose_and_tempo_with_absolute_mounts_outside_the_project(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["preview", "-C", str(ROOT), "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    doc = load_yaml((tmp_path / "docker-compose.yml").read_text(encoding="utf-8"))
    # The folder holding build/, absolute from outside the project (and build/'s name).
    assert doc["services"]["prometheus"]["volumes"] == [f"{ROOT}:/oac:ro"]
    assert "--config.file=/oac/${OAC_BUILD_DIR:-build}/prometheus/prometheus.yml" in doc["services"]["prometheus"]["command"]
    assert (tmp_path / "tempo.yaml").is_file()
    assert f"oac preview: wrote {tmp_path / 'docker-compose.yml'}" in res.output


def test_preview_default_matches_what_build_wrote() -> None:
    before = (ROOT / "build" / "preview" / "docker-compose.yml").read_bytes()
    res = CliRunner().invoke(cli, ["preview", "-C", str(ROOT)])
    assert res.exit_code == 0, res.output
    assert (ROOT / "build" / "preview" / "docker-compose.yml").read_bytes() == before
    # Nothing written: it says so (it said "wrote" and left the file's mtime as it was).
    assert f"oac preview: up to date: {ROOT / 'build' / 'preview' / 'docker-compose.yml'}" in res.output


def test_e2e_unknown_scenario_is_a_usage_error() -> None:
    res = CliRunner().invoke(cli, ["e2e", "-C", str(ROOT), "--alertmanager-config", str(FIXTURES / "alertmanager.yml"), "--scenario", "nope"])
    assert res.exit_code == 2
    assert "unknown scenario(s) nope; known: cache-miss-storm," in res.output


def test_e2e_without_routing_is_a_usage_error(tmp_path: Path) -> None:
    res = CliRunner().invoke(cli, ["e2e", "-C", str(ROOT), "--alertmanager-config", str(tmp_path / "missing.yml")])
    assert res.exit_code == 2
    assert "missing.yml not found: build the routing or pass --alertmanager-config" in res.output


@pytest.mark.e2e
def test_e2e_json_report_for_one_scenario() -> None:
    require_binaries()
    res = CliRunner().invoke(
        cli,
        ["e2e", "-C", str(ROOT), "--scenario", "exporter-down", "--format", "json",
         "--alertmanager-config", str(alertmanager_config())],
    )
    assert res.exit_code == 0, res.output
    # The report is stdout; stderr (warnings from the loaded modules) is not part of it.
    data = json.loads(res.stdout)
    assert data["summary"] == {"passed": 1, "failed": 0, "skipped": 0}
    (scenario,) = data["scenarios"]
    (alert,) = scenario["alerts"]
    assert alert["labels"]["alertname"] == "TargetDown" and alert["labels"]["job"] == "valkey"
    assert alert["receivers"] == ["pagerduty-critical"]
    assert alert["fired_after_s"] < alert["notified_after_s"] < alert["resolved_after_s"]
    assert scenario["receivers"] == {"pagerduty-critical": 1}


def test_e2e_reports_a_broken_scenario_module_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "catalog").mkdir()
    (tmp_path / "catalog" / "opencode.py").write_text((ROOT / "catalog" / "opencode.py").read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "scenarios").mkdir()
    (tmp_path / "scenarios" / "bad.py").write_text(
        "from obs_as_code.e2e import Scenario, Traffic\n\nx = Scenario(name='x', baseline=Traffic.of([]), factor=1 / 0)\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        cli,
        ["e2e", "-C", str(tmp_path), "--build-dir", str(ROOT / "build"), "--alertmanager-config", str(FIXTURES / "alertmanager.yml")],
    )
    assert res.exit_code == 1
    assert "scenarios/bad.py:3:" in res.output and "OAC101" in res.output and "ZeroDivisionError" in res.output


@pytest.mark.e2e
def test_e2e_dashboards_reports_the_empty_alert_panels_of_a_quiet_day() -> None:
    require_binaries()
    res = CliRunner().invoke(
        cli,
        ["e2e", "-C", str(ROOT), "--dashboards", "--format", "json",
         "--alertmanager-config", str(alertmanager_config())],
    )
    # The steady state is the default; nothing fires, so the ALERTS panels are empty.
    assert res.exit_code == 1, res.output
    data = json.loads(res.stdout)
    assert list(data) == ["steady-state"]
    assert data["steady-state"]["problems"] == [
        'empty alerting/alerting-overview.json: \'Firing alerts by name\' [A]: '
        'sum by (alertname, severity, service, team) (ALERTS{alertstate="firing", severity=~".+"})',
        "empty alerting/alerting-overview.json: 'Firing alerts by severity' [A]: "
        'count by (severity) (ALERTS{alertstate="firing", severity=~".+"})',
    ]
    assert {r["status"] for r in data["steady-state"]["results"]} == {"ok", "empty"}


@pytest.mark.parametrize("flag", [["--each-value"], ["--allow-empty", "alerting/*:Firing*"]])
def test_e2e_dashboard_options_without_dashboards_are_a_usage_error(flag: list[str]) -> None:
    # Without --dashboards they would be ignored while the alert scenarios run.
    res = CliRunner().invoke(
        cli, ["e2e", "-C", str(ROOT), "--alertmanager-config", str(FIXTURES / "alertmanager.yml"), "--scenario", "nope", *flag]
    )
    assert res.exit_code == 2
    assert f"{flag[0]} needs --dashboards" in res.output


def test_e2e_allow_empty_needs_file_and_panel() -> None:
    # "FILE:PANEL" is matched against 'dashboard file:panel title': a pattern
    # without the colon can never match, and every empty panel would still fail.
    res = CliRunner().invoke(
        cli,
        ["e2e", "-C", str(ROOT), "--alertmanager-config", str(FIXTURES / "alertmanager.yml"), "--scenario", "nope",
         "--dashboards", "--allow-empty", "alerting/alerting-overview.json"],
    )
    assert res.exit_code == 2
    assert "--allow-empty 'alerting/alerting-overview.json': expected FILE:PANEL" in res.output
