"""Rendering the Alertmanager config: golden output, amtool acceptance, source map."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from routing_support import FIXTURES, check_golden, write_project

from obs_as_code import names
from obs_as_code.pipeline import compile_project
from obs_as_code.serialize import load_yaml
from tests.oac_testing import ProjectFactory

FULL = FIXTURES / "routing_full"


def _artifact(root: Path, path: str) -> tuple[bytes, dict]:  # type: ignore[type-arg]
    compiled = compile_project(root)
    assert compiled.ok, [str(d) for d in compiled.diagnostics]
    artifact = next(a for a in compiled.artifacts if a.path == path)
    return artifact.content, dict(artifact.source_map)


def test_full_config_matches_golden() -> None:
    content, _ = _artifact(FULL, names.ALERTMANAGER_CONFIG)
    check_golden("routing_full.alertmanager.yml", content.decode())


def test_rule_tests_match_golden() -> None:
    content, smap = _artifact(FULL, "tests/cluster.yaml")
    check_golden("routing_full.tests.cluster.yaml", content.decode())
    data = load_yaml(content.decode())
    # rule_files are relative to the test file and name the module's rule file.
    assert data["rule_files"] == ["../prometheus/rules/cluster.yaml"]
    assert smap[("tests", 0, "alert_rule_test", 1)].file == "alerts/cluster.py"


def test_source_map_points_at_routes_and_receivers() -> None:
    _, smap = _artifact(FULL, names.ALERTMANAGER_CONFIG)
    source = (FULL / "alerts/routing.py").read_text().splitlines()
    critical = smap[("route", "routes", 0)]
    assert 'Matcher("severity", "critical")' in source[critical.line - 1]
    nested = smap[("route", "routes", 1, "routes", 0)]
    assert 'service="db"' in source[nested.line - 1]
    receiver = smap[("receivers", 0)]
    assert source[receiver.line - 1].startswith("mail = Receiver(")


def test_receivers_referenced_by_object_are_listed_once() -> None:
    content, _ = _artifact(FULL, names.ALERTMANAGER_CONFIG)
    data = load_yaml(content.decode())
    assert [r["name"] for r in data["receivers"]] == ["mail", "pager", "chat"]
    assert [t["name"] for t in data["time_intervals"]] == ["freeze", "office-hours"]
    assert data["receivers"][1]["pagerduty_configs"][0] == {
        "routing_key_file": "/run/secrets/pd-key",
        "severity": "critical",
    }
    email = data["receivers"][0]["email_configs"][0]
    assert email["from"] == "am@example.org" and "from_" not in email


@pytest.mark.integration
def test_amtool_accepts_full_and_shipped_config(tmp_path: Path) -> None:
    amtool = shutil.which("amtool")
    if amtool is None:
        pytest.skip("amtool not installed")
    for root in (FULL, Path(__file__).resolve().parents[2]):
        compiled = compile_project(root)
        out = tmp_path / root.name
        for artifact in compiled.artifacts:
            target = out / artifact.path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(artifact.content)
        proc = subprocess.run(
            [amtool, "check-config", str(out / names.ALERTMANAGER_CONFIG)],
            capture_output=True, text=True, check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_msteams_needs_alertmanager_026(tmp_path: Path) -> None:
    source = """
        from obs_as_code import AlertmanagerConfig, MSTeams, Receiver, Route

        teams = Receiver(name="teams", integrations=[
            MSTeams(webhook_url="https://example.webhook.office.com/${{TEAMS_PATH}}"),
        ])
        config = AlertmanagerConfig(route=Route(receiver=teams), version="{version}")
    """
    old = write_project(tmp_path / "old", {"alerts/routing.py": source.format(version="0.25")})
    compiled = compile_project(old)
    [diag] = [d for d in compiled.diagnostics if d.code == "OAC508"]
    assert diag.location.line == 4 and "0.26" in diag.message

    new = write_project(tmp_path / "new", {"alerts/routing.py": source.format(version="0.26")})
    content, _ = _artifact(new, names.ALERTMANAGER_CONFIG)
    data = load_yaml(content.decode())
    assert data["receivers"][0]["msteams_configs"] == [
        {"webhook_url": "https://example.webhook.office.com/${TEAMS_PATH}"}
    ]


def test_two_templates_written_to_one_file_are_reported_at_the_second(make_project: ProjectFactory) -> None:
    # "a b" and "a-b" are both written to templates/a-b.tmpl: OAC110 was reported
    # at <unknown>, now at the second Template(...).
    root = make_project({"alerts/routing.py": """
        from obs_as_code import AlertmanagerConfig, Receiver, Route
        from obs_as_code.model.alertmanager import Template
        cfg = AlertmanagerConfig(
            route=Route(receiver="r"),
            receivers=[Receiver("r")],
            templates=[Template("a b", "x"), Template("a-b", "y")],
        )
    """})
    found = [d for d in compile_project(root).diagnostics if d.code == "OAC110"]
    assert [(d.location.file, d.location.line, d.location.col) for d in found] == [("alerts/routing.py", 6, 38)]
