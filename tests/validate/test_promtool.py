"""promtool over build/: the shipped build passes; its findings map back to source."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.oac_testing import REPO, ProjectFactory, need_binary, run_oac

pytestmark = pytest.mark.integration


def test_shipped_build_passes_promtool() -> None:
    promtool = need_binary("promtool")
    rules = sorted(str(p) for p in (REPO / "build/prometheus/rules").glob("*.yaml"))
    assert rules
    proc = subprocess.run([promtool, "check", "rules", *rules], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc = subprocess.run(
        [promtool, "check", "config", "--syntax-only", str(REPO / "build/prometheus/prometheus.yml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_full_fixture_passes_oac_validate(tmp_path: Path) -> None:
    need_binary("promtool")
    root = tmp_path / "full"
    shutil.copytree(REPO / "tests/fixtures/projects/full", root)
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 0, result.stderr


def test_promtool_finding_maps_to_the_rule_line(make_project: ProjectFactory) -> None:
    # promtool rejects the annotation template (unknown function); the build's
    # own OAC210 is silenced here, so that only validation finds it.
    need_binary("promtool")
    root = make_project(
        {
            "alerts/api.py": """
                from obs_as_code import AlertRule, RuleGroup

                api = RuleGroup(
                    name="api",
                    rules=[
                        AlertRule(name="Fine", expr="up == 0"),
                        AlertRule(
                            name="Broken",
                            expr="up == 0",
                            annotations={"summary": "{{ $value | noSuchFunction }}"},  # oac: ignore[OAC210]
                        ),
                    ],
                )
            """
        }
    )
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("alerts/api.py:10:25: OAC901 promtool check rules: build/prometheus/rules/api.yaml:"), result.stderr
    assert "noSuchFunction" in first


def test_a_promtool_finding_naming_a_job_maps_to_the_scrape_job(make_project: ProjectFactory) -> None:
    # promtool names the job, not a line: "scrape timeout greater than scrape
    # interval for scrape config with job name \"slow\"" was reported at
    # build/prometheus/prometheus.yml, with no line of the project. (oac build
    # refuses it now, OAC115: silenced here, so that promtool sees it.)
    need_binary("promtool")
    root = make_project(
        {
            "scrape/jobs.py": """
                from obs_as_code import ScrapeJob

                fine = ScrapeJob(name="fine", targets=["fine:9100"])
                slow = ScrapeJob(
                    name="slow",
                    targets=["slow:9100"],
                    scrape_interval="10s",
                    scrape_timeout="20s",  # oac: ignore[OAC115]
                )
            """
        }
    )
    assert run_oac("build", "-C", str(root)).exit_code == 0
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("scrape/jobs.py:8:20: OAC901 promtool check config: "), result.stderr
    assert 'scrape timeout greater than scrape interval for scrape config with job name "slow"' in first


def test_missing_promtool_is_a_usage_error(make_project: ProjectFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_project({"alerts/a.py": "from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name='g', rules=[AlertRule(name='A', expr='up')])\n"})
    assert run_oac("build", "-C", str(root)).exit_code == 0
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("OAC_PROMTOOL", raising=False)
    result = run_oac("validate", "-C", str(root))
    assert result.exit_code == 2
    assert "promtool not found" in result.stderr and "apt-get install prometheus" in result.stderr


def test_validate_fails_when_build_is_missing_or_stale(make_project: ProjectFactory) -> None:
    # What is on disk is what gets published: "ok" over files the sources no
    # longer make (or over none) would vouch for dashboards nobody validated.
    need_binary("promtool")
    group = "from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name='g', rules=[AlertRule(name='A', expr='up == 0')])\n"
    root = make_project({"alerts/a.py": group})
    missing = run_oac("validate", "-C", str(root))
    assert missing.exit_code == 1
    # manifest, prometheus.yml, the rule file and the preview stack (compose, tempo, alertmanager)
    assert "build/ differs from the sources (6 file(s): new: manifest.json" in missing.stderr
    assert run_oac("build", "-C", str(root)).exit_code == 0
    assert run_oac("validate", "-C", str(root)).exit_code == 0
    (root / "alerts/a.py").write_text(group.replace("up == 0", "up == 1"))
    stale = run_oac("validate", "-C", str(root))
    assert stale.exit_code == 1 and "stale: prometheus/rules/a.yaml" in stale.stderr


def test_a_project_directory_that_does_not_exist_is_a_usage_error(tmp_path: Path) -> None:
    for command in ("build", "validate", "lint"):
        result = run_oac(command, "-C", str(tmp_path / "nope"))
        assert result.exit_code == 2, command
        assert "does not exist" in result.stderr
    assert not (tmp_path / "nope").exists()
