"""A literal secret in an Alertmanager integration is a build error that never shows it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from routing_support import ROOT, run_oac, write_project

from obs_as_code.lint.rules.oac501_alertmanager_secret import is_reference
from obs_as_code.redact import is_secret_key
from obs_as_code.serialize import load_yaml

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
            Email(to="a@example.org", smarthost="smtp:25", auth_password="{SECRETS['smtp']}", from_="am@example.org"),
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
            Email(to="a@example.org", smarthost="smtp:25", auth_password="${SMTP_PASSWORD}", from_="am@example.org"),
        ])
        config = AlertmanagerConfig(route=Route(receiver=ok))
    """
    root = write_project(tmp_path, {"alerts/routing.py": module})
    proc = run_oac("build", cwd=root)
    assert proc.returncode == 0, proc.stderr
    text = (root / "build/alertmanager/alertmanager.yml").read_text()
    assert "routing_key: ${PD_ROUTING_KEY}" in text


def test_a_secret_query_parameter_of_a_url_is_a_literal_secret(tmp_path: Path) -> None:
    # Webhook(url="https://hooks.example.com/in?token=abc") built, and the token
    # was written into build/alertmanager/alertmanager.yml: a webhook has no secret
    # field, and only a user:password@ in a URL was looked for.
    token = "q9w8e7r6t5y4u3i2o1p0"
    module = f"""
        from obs_as_code import AlertmanagerConfig, Global, Receiver, Route, Webhook

        hook = Receiver(name="hook", integrations=[
            Webhook(url="https://hooks.example.com/in?team=a&token={token}"),
            Webhook(url="https://hooks.example.com/in?api_key={token}"),
            Webhook(url="https://hooks.example.com/in?token=${{HOOK_TOKEN}}&team=a"),
            Webhook(url="https://hooks.example.com/in?max_tokens=4096&team=a"),
        ])
        config = AlertmanagerConfig(route=Route(receiver=hook), global_=Global(pagerduty_url="https://events.example.com/v2?secret={token}"))
    """
    root = write_project(tmp_path, {"alerts/routing.py": module})
    proc = run_oac("build", "--format", "json", cwd=root)
    assert proc.returncode == 1
    assert token not in proc.stdout + proc.stderr
    found = sorted((d["line"], d["message"]) for d in json.loads(proc.stdout) if d["code"] == "OAC501")
    assert found == [
        (4, "literal secret in the url of webhook integration field url (query parameter token): the value is not shown"),
        (5, "literal secret in the url of webhook integration field url (query parameter api_key): the value is not shown"),
        (9, "literal secret in the url of global settings field pagerduty_url (query parameter secret): the value is not shown"),
    ]
    assert not (root / "build").exists()
    # The placeholder (what docs/alertmanager.md recommends) and a token count build.
    root = write_project(tmp_path / "ok", {"alerts/routing.py": module.replace(token, "${HOOK_TOKEN}")})
    proc = run_oac("build", cwd=root)
    assert proc.returncode == 0, proc.stderr


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


# -- the committed build/ ----------------------------------------------------------------

#: Shapes of real credentials: Slack tokens and webhooks, PagerDuty Events API
#: URLs with a key, AWS keys, PEM private keys, OpenAI-style keys, a password in a URL.
_SECRET_SHAPES = re.compile(
    r"xox[abprs]-[0-9A-Za-z-]{10,}|hooks\.slack\.com/services/\w|AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY"
    r"|\bsk-[A-Za-z0-9]{20,}|://[^/\s:@]+:[^/\s@]+@|webhook\.office\.com/webhookb2/\w"
)


def _names_secret(key: str, value: Any) -> bool:
    # PagerDuty's keys are not named like a password; a Slack or Teams URL is the secret.
    if is_secret_key(key) or key in ("routing_key", "service_key"):
        return True
    return key in ("api_url", "slack_api_url", "webhook_url", "url") and bool(_SECRET_SHAPES.search(str(value)))


def _secret_keyed_values(doc: Any, path: str = "") -> list[str]:
    """``path=value`` of every non-empty value under a key naming a credential
    (``password``, ``routing_key``, ``api_url`` ...) that is not a ``*_file`` path."""
    found: list[str] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            where = f"{path}.{key}"
            if isinstance(value, (dict, list)):
                found += _secret_keyed_values(value, where)
            elif value not in (None, "", False) and not str(key).endswith("_file") and _names_secret(str(key), value):
                found.append(where)
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            found += _secret_keyed_values(value, f"{path}[{i}]")
    return found


def test_committed_build_holds_no_secret() -> None:
    build = ROOT / "build"
    files = [p for p in sorted(build.rglob("*")) if p.is_file()]
    assert len(files) > 30
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not _SECRET_SHAPES.search(text), path
        if path.suffix in (".yml", ".yaml", ".json"):
            doc = json.loads(text) if path.suffix == ".json" else load_yaml(text)
            assert _secret_keyed_values(doc) == [], path
    # Alertmanager reads its three credentials from files outside build/.
    am = load_yaml((build / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8"))
    refs = sorted(v for k, v in _file_values(am))
    assert refs == ["/etc/alertmanager/secrets/pagerduty-routing-key", "/etc/alertmanager/secrets/slack-webhook-url",
                    "/etc/alertmanager/secrets/smtp-password"]


def _file_values(doc: Any) -> list[tuple[str, str]]:
    if isinstance(doc, dict):
        return [(str(k), str(v)) for k, v in doc.items() if str(k).endswith("_file")] + [
            kv for v in doc.values() for kv in _file_values(v)]
    if isinstance(doc, list):
        return [kv for v in doc for kv in _file_values(v)]
    return []


def test_the_build_scan_finds_a_planted_secret() -> None:
    # The scan above can fail: each kind of leak is found.
    assert _secret_keyed_values({"receivers": [{"pagerduty_configs": [{"routing_key": "abc"}]}]}) == [
        ".receivers[0].pagerduty_configs[0].routing_key"]
    assert _secret_keyed_values({"global": {"smtp_auth_password": "x", "smtp_auth_password_file": "/f"}}) == [
        ".global.smtp_auth_password"]
    assert _secret_keyed_values({"slack_configs": [{"api_url": "https://hooks.slack.com/services/T/B/x"}]})
    for leak in (SECRETS["slack"], SECRETS["teams"], "xoxb-1234567890-abcdef", "http://u:pw@host/"):
        assert _SECRET_SHAPES.search(leak), leak
