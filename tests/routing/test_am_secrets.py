"""A literal secret in an Alertmanager integration is a build error that never shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from routing_support import run_oac, write_project

from obs_as_code.lint.rules.oac501_alertmanager_secret import is_reference

SECRETS = {
    "pd": "f3c9a1b27d4e4b0c9e8d7a6b5c4d3e2f",
    "slack": "https://hooks.slack.com/services/T0ABCDEF/B0GHIJKL/q1w2e3r4t5y6u7i8o9p0",
    "smtp": "hunter2-smtp-Passw0rd",
    "opsgenie": "0a1b2c3d-4e5f-6789-abcd-ef0123456789",
    "teams": "https://acme.webhook.office.com/webhookb2/aaaa-bbbb@cccc/IncomingWebhook/dddd/eeee",
}

MODULE = f"""
    from obs_as_code import AlertmanagerConfig, Email, MSTeams, Opsgenie, PagerDuty, Receiver, Route, Slack

    leaky = Receiver(
        name="leaky",
        integrations=[
            PagerDuty(routing_key="{SECRETS['pd']}"),
            Slack(api_url="{SECRETS['slack']}", channel="#x"),
            Email(to="a@example.org", smarthost="smtp:25", auth_password="{SECRETS['smtp']}"),
            Opsgenie(api_key="{SECRETS['opsgenie']}"),
            MSTeams(webhook_url="{SECRETS['teams']}"),
        ],
    )
    config = AlertmanagerConfig(route=Route(receiver=leaky), version="0.26")
"""


@pytest.mark.parametrize("fmt", ["text", "json", "github", "sarif"])
def test_literal_secrets_fail_the_build_and_are_never_printed(tmp_path: Path, fmt: str) -> None:
    root = write_project(tmp_path, {"alerts/routing.py": MODULE})
    proc = run_oac("build", "--format", fmt, cwd=root)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "5 error(s)" in proc.stderr and "OAC501" in output, output
    for secret in SECRETS.values():
        assert secret not in output
        # Not even a recognisable piece of it.
        assert secret[8:20] not in output
    assert not (root / "build").exists()
    # Nor in the build cache (pickled definitions, rendered files).
    held = [p for p in root.rglob("*") if p.is_file() and any(s.encode() in p.read_bytes() for s in SECRETS.values())]
    assert [p for p in held if p.suffix != ".py"] == []


def test_each_secret_is_reported_at_its_own_line(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"alerts/routing.py": MODULE})
    proc = run_oac("build", "--format", "json", cwd=root)
    found = sorted((d["line"], d["message"].split(" field ")[1].split(":")[0]) for d in json.loads(proc.stdout) if d["code"] == "OAC501")
    assert found == [(6, "routing_key"), (7, "api_url"), (8, "auth_password"), (9, "api_key"), (10, "webhook_url")]


def test_references_build(tmp_path: Path) -> None:
    module = """
        from obs_as_code import AlertmanagerConfig, Email, PagerDuty, Receiver, Route, Slack

        ok = Receiver(name="ok", integrations=[
            PagerDuty(routing_key="${PD_ROUTING_KEY}"),
            PagerDuty(service_key_file="/run/secrets/pd"),
            Slack(api_url="https://hooks.slack.com/services/${SLACK_PATH}"),
            Email(to="a@example.org", smarthost="smtp:25", auth_password="${SMTP_PASSWORD}"),
        ])
        config = AlertmanagerConfig(route=Route(receiver=ok))
    """
    root = write_project(tmp_path, {"alerts/routing.py": module})
    proc = run_oac("build", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = (root / "build/alertmanager/alertmanager.yml").read_text()
    assert "routing_key: ${PD_ROUTING_KEY}" in text


@given(st.text(min_size=1).filter(lambda s: "${" not in s))
def test_anything_without_a_placeholder_is_a_literal(value: str) -> None:
    assert not is_reference(value, url=False)
    assert not is_reference(value, url=True)


@given(st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True))
def test_placeholders_are_references(name: str) -> None:
    assert is_reference("${" + name + "}", url=False)
    assert is_reference(f"https://hooks.example.com/services/${{{name}}}", url=True)
    # A placeholder glued to a literal part is still a literal secret field.
    assert not is_reference(f"abc${{{name}}}", url=False)
