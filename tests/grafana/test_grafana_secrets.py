"""No secret in what `oac diff` and `oac publish` print, even when Grafana's error
text echoes the request (its headers, its body with the resolved secureJsonData),
and none from a datasources file they cannot read."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from obs_as_code import Datasource
from obs_as_code.cli.grafana_cmds import diff, publish
from obs_as_code.grafana import client as client_module

from .fake_grafana import FakeGrafana, _Reply
from .helpers import sample_build, write_build, write_datasources

SECRET = "tempo-s3cr3t-QWERTY\"é"  # a quote and a non-ASCII letter: JSON escapes them
TEMPO = Datasource("Tempo", "tempo", "http://tempo:3200", uid="tempo",
                   secure_json_data={"httpHeaderValue1": "${TEMPO_TOKEN}"})


def run(command: object, args: list[str], env: dict[str, str]) -> Result:
    base = {"GRAFANA_TOKEN": "", "GRAFANA_USER": "", "GRAFANA_PASSWORD": "", "GRAFANA_URL": "",
            "CI": "1", "OAC_GIT_SHA": "cafe1234", "TEMPO_TOKEN": SECRET}
    return CliRunner().invoke(command, args, env={**base, **env})  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(client_module, "_sleep", lambda _s: None)


@pytest.fixture
def build_dir(tmp_path: Path) -> Path:
    return write_build(tmp_path / "build", sample_build("s", 2))


def echo_request(fake: FakeGrafana, monkeypatch: pytest.MonkeyPatch,
                 when: Callable[[str, str], bool]) -> None:
    """Make ``fake`` answer the requests ``when(method, path)`` picks with a 400
    whose message quotes the request's Authorization header and JSON body, as a
    server's validation error may."""
    seen: dict[str, str | None] = {}
    role_for, route = fake.role_for, fake.route

    def recording_role_for(header: str | None) -> str | None:
        seen["auth"] = header
        return role_for(header)

    def echoing_route(method: str, path: str, q: dict[str, list[str]], body: Any,
                      role: str | None) -> tuple[int, Any]:
        if role is not None and when(method, path):
            raise _Reply(400, {"message": f"invalid request (Authorization: {seen.get('auth')}): "
                                          f"{json.dumps(body)}"})
        return route(method, path, q, body, role)

    monkeypatch.setattr(fake, "role_for", recording_role_for)
    monkeypatch.setattr(fake, "route", echoing_route)


def escaped_forms(secret: str) -> list[str]:
    """``secret`` as written and as JSON writes it, once or twice (a JSON report
    of a message quoting a JSON body), and its part no escaping changes."""
    once = json.dumps(secret)[1:-1]
    return [secret, once, json.dumps(secret, ensure_ascii=False)[1:-1], json.dumps(once)[1:-1], "s3cr3t"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_publish_datasource_error_echoing_secure_json_data_is_redacted(
        fake: FakeGrafana, build_dir: Path, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    write_datasources(build_dir, TEMPO)
    echo_request(fake, monkeypatch, lambda m, p: m == "POST" and p == "/api/datasources")
    result = run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir),
                           "--datasources", "--format", fmt], {"GRAFANA_TOKEN": fake.admin_token})
    assert result.exit_code == 1, result.output
    assert "invalid request" in result.output and "httpHeaderValue1" in result.output
    assert "<redacted>" in result.output
    for form in [*escaped_forms(SECRET), fake.admin_token]:
        assert form not in result.output


def test_publish_datasource_error_redacted_for_api_callers(
        fake: FakeGrafana, build_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Not only the CLI: the PublishResult publish() returns holds no secret either.
    from obs_as_code.grafana.client import Auth, GrafanaClient
    from obs_as_code.grafana.publish import publish as publish_api

    write_datasources(build_dir, TEMPO)
    monkeypatch.setenv("TEMPO_TOKEN", SECRET)
    echo_request(fake, monkeypatch, lambda m, p: m == "POST" and p == "/api/datasources")
    with GrafanaClient(fake.url, Auth(token=fake.admin_token)) as client:
        _, result = publish_api(client, build_dir, datasources=True)
    text = result.render("text") + result.render("json")
    assert "failed" in text and "<redacted>" in text
    for form in [*escaped_forms(SECRET), fake.admin_token]:
        assert form not in text


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_diff_echoed_token_is_redacted(fake: FakeGrafana, build_dir: Path,
                                       monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    # `oac diff` printed the plan as it was: a datasource Grafana would not read
    # showed Grafana's message, which here quotes the request's token.
    write_datasources(build_dir, TEMPO)
    echo_request(fake, monkeypatch, lambda m, p: m == "GET" and p.startswith("/api/datasources/uid/"))
    result = run(diff, ["--grafana-url", fake.url, "--build-dir", str(build_dir),
                        "--datasources", "--format", fmt], {"GRAFANA_TOKEN": fake.admin_token})
    assert "conflict" in result.output, result.output
    if fmt != "markdown":  # the Markdown diff does not show datasources' reasons
        assert "cannot read datasource" in result.output and "<redacted>" in result.output
    assert fake.admin_token not in result.output


def test_publish_dry_run_echoed_token_is_redacted(fake: FakeGrafana, build_dir: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # The dry run prints the plan before the report: only the report was filtered.
    write_datasources(build_dir, TEMPO)
    echo_request(fake, monkeypatch, lambda m, p: m == "GET" and p.startswith("/api/datasources/uid/"))
    result = run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir),
                           "--datasources", "--dry-run"], {"GRAFANA_TOKEN": fake.admin_token})
    assert "cannot read datasource" in result.output, result.output
    assert fake.admin_token not in result.output


def test_publish_echoed_basic_auth_header_is_redacted(build_dir: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    # The password was filtered; the header's base64 of user:password (which
    # decodes to it) was printed.
    password = "b4sic-pa55word-XYZ"
    header = base64.b64encode(f"deploy:{password}".encode()).decode()
    with FakeGrafana(users={"deploy": (password, "Admin")}) as fake:
        echo_request(fake, monkeypatch, lambda m, p: m == "POST" and p == "/api/dashboards/db")
        result = run(publish, ["--grafana-url", fake.url, "--build-dir", str(build_dir)],
                     {"GRAFANA_USER": "deploy", "GRAFANA_PASSWORD": password})
    assert result.exit_code == 1 and "invalid request" in result.output, result.output
    assert header not in result.output and password not in result.output


@pytest.mark.parametrize("command", [diff, publish])
def test_unreadable_datasources_file_quotes_no_secret(fake: FakeGrafana, build_dir: Path,
                                                      command: object) -> None:
    # PyYAML's message quoted the line it stopped at; the entry without a uid was
    # printed whole with its repr.
    path = build_dir / "grafana" / "provisioning" / "datasources" / "datasources.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("apiVersion: 1\ndatasources:\n  - name: X\n"
                    '    secureJsonData: {basicAuthPassword: "hunter2-yaml-line"\n    uid: x\n',
                    encoding="utf-8")
    args = ["--grafana-url", fake.url, "--build-dir", str(build_dir), "--datasources"]
    env = {"GRAFANA_TOKEN": fake.admin_token}
    broken = run(command, [*args, "--dry-run"] if command is publish else args, env)
    assert "cannot read datasources" in broken.output, broken.output
    assert "line 5" in broken.output  # where it stopped is still said
    assert "hunter2" not in broken.output

    path.write_text("apiVersion: 1\ndatasources:\n  - name: X\n    type: loki\n"
                    "    url: http://bob:hunter2-url@loki:3100\n"
                    "    basicAuthPassword: hunter2-entry\n"
                    "deleteDatasources:\n  - orgId: 1\n    password: hunter2-deletion\n",
                    encoding="utf-8")
    shown = run(command, [*args, "--dry-run"] if command is publish else args, env)
    assert "datasource without uid or name: datasources[0] (name='X'; keys: basicAuthPassword, name, type, url)" \
        in shown.output, shown.output
    assert "deleteDatasources entry without a name: deleteDatasources[0] (keys: orgId, password)" in shown.output
    assert "hunter2" not in shown.output


@pytest.mark.parametrize("url", ["http://deploy:pa/ss-secret@localhost:1", "http://deploy:pa#ss-secret@localhost:1",
                                 "http://deploy:pa?ss-secret@localhost:1"])
def test_url_password_not_percent_encoded_is_a_usage_error_quoting_none_of_it(build_dir: Path, url: str) -> None:
    # The password's "/" (or "?", "#") ended the host part: requests failed to
    # parse "deploy:pa" as host and port and its traceback printed it.
    result = CliRunner().invoke(diff, ["--grafana-url", url, "--build-dir", str(build_dir)],
                                env={"GRAFANA_TOKEN": "tok-123456", "GRAFANA_URL": ""})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "percent-encode" in result.output
    assert "deploy" not in result.output and "ss-secret" not in result.output  # no part of the URL


def test_url_bad_port_is_a_usage_error(build_dir: Path) -> None:
    result = CliRunner().invoke(diff, ["--grafana-url", "http://deploy:pa55-secret@localhost:abc",
                                       "--build-dir", str(build_dir)], env={"GRAFANA_URL": ""})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "port is not a number" in result.output and "pa55-secret" not in result.output
