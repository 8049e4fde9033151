"""GrafanaClient: auth handling, retry policy, counting, and that secrets never leak."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest

from obs_as_code.grafana.client import (
    Auth,
    AuthError,
    GrafanaClient,
    RetryPolicy,
    TransientError,
    _retry_after,
    split_url_credentials,
)

from .fake_grafana import VIEWER_TOKEN, FakeGrafana
from .helpers import Target


def test_401_raises_at_once_without_retry(fake: FakeGrafana) -> None:
    secret = "glsa_wrongWrongWrong_deadbeef"
    client = GrafanaClient(fake.url, Auth(token=secret), sleep=lambda _: None)
    with pytest.raises(AuthError) as info:
        client.search([("type", "dash-db")])
    assert info.value.status == 401 and client.requests_sent == 1
    full = "".join(traceback.format_exception(info.value))
    assert secret not in str(info.value) and secret not in repr(info.value)
    assert secret not in full and "HTTP 401" in full


def test_viewer_token_gets_403_on_writes_only(fake: FakeGrafana) -> None:
    client = GrafanaClient(fake.url, Auth(token=VIEWER_TOKEN))
    assert client.search([("type", "dash-db")]) == []
    with pytest.raises(AuthError, match="denied permission \\(HTTP 403\\) for POST"):
        client.post("/api/folders", {"title": "x"})


def test_basic_auth_admin_admin(fake: FakeGrafana) -> None:
    client = GrafanaClient(fake.url, Auth(user="admin", password="admin"))
    assert client.post("/api/folders", {"uid": "f", "title": "F"}).ok
    bad = GrafanaClient(fake.url, Auth(user="admin", password="nope"))
    with pytest.raises(AuthError):
        bad.get("/api/search")


def test_retries_stop_at_attempts_and_report_last_error(fake: FakeGrafana) -> None:
    fake.fail("GET", "/api/search", "503", times=100)
    sleeps: list[float] = []
    client = GrafanaClient(fake.url, Auth(token=fake.admin_token), sleep=sleeps.append,
                           retry=RetryPolicy(attempts=4, base=1.0, cap=3.0, jitter=0.0))
    with pytest.raises(TransientError, match="failed after 4 attempts: HTTP 503"):
        client.get("/api/search")
    assert sleeps == [1.0, 2.0, 3.0]  # exponential, capped
    assert client.counts[("GET", "/api/search")] == 4


def test_retry_budget_bounds_total_sleep(fake: FakeGrafana) -> None:
    fake.fail("GET", "/api/search", "500", times=100)
    sleeps: list[float] = []
    client = GrafanaClient(fake.url, Auth(token=fake.admin_token), sleep=sleeps.append,
                           retry=RetryPolicy(attempts=50, base=1.0, cap=8.0, budget=10.0,
                                             jitter=0.0))
    with pytest.raises(TransientError):
        client.get("/api/search")
    assert sum(sleeps) <= 10.0 and sleeps == [1.0, 2.0, 4.0]


def test_other_4xx_is_returned_not_raised(fake: FakeGrafana) -> None:
    client = GrafanaClient(fake.url, Auth(token=fake.admin_token))
    resp = client.post("/api/dashboards/db", {"dashboard": {"title": "", "uid": "x"}})
    assert (resp.status, resp.reason()) == (400, "empty-name")
    assert client.get_dashboard("nope") is None


def test_retry_after_parsing() -> None:
    assert _retry_after("3") == 3.0
    assert _retry_after(None) is None and _retry_after("soon") is None
    assert _retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past


def test_path_kind_collapses_ids() -> None:
    assert GrafanaClient.path_kind("/api/dashboards/uid/abc") == "/api/dashboards/uid/*"
    assert GrafanaClient.path_kind("/api/folders/oac-team") == "/api/folders/*"
    assert GrafanaClient.path_kind("/api/search") == "/api/search"


def test_auth_from_env_precedence(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("glsa_fromFile\n")
    env = {"GRAFANA_TOKEN": "glsa_fromEnv", "GRAFANA_USER": "u", "GRAFANA_PASSWORD": "p"}
    assert Auth.from_env(token_file, env).header() == "Bearer glsa_fromFile"  # type: ignore[union-attr]
    assert Auth.from_env(None, env).header() == "Bearer glsa_fromEnv"  # type: ignore[union-attr]
    basic = Auth.from_env(None, {"GRAFANA_USER": "u", "GRAFANA_PASSWORD": "p"})
    assert basic is not None and basic.kind == "basic"
    assert Auth.from_env(None, {}) is None
    (tmp_path / "empty").write_text("")
    with pytest.raises(ValueError, match="empty"):
        Auth.from_env(tmp_path / "empty", {})


def test_secrets_are_redacted_in_reprs_and_urls() -> None:
    token = "glsa_superSecretValue_123"
    auth = Auth(token=token)
    client = GrafanaClient("http://127.0.0.1:1", auth)
    for text in (repr(auth), str(auth), repr(client)):
        assert token not in text and "<redacted>" in text
    url, url_auth = split_url_credentials("http://admin:hunter2@127.0.0.1:3000/grafana")
    assert url == "http://127.0.0.1:3000/grafana"
    assert url_auth is not None and "hunter2" not in repr(url_auth)
    assert "hunter2" not in repr(GrafanaClient("http://admin:hunter2@127.0.0.1:3000", None))


def test_connection_refused_error_has_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    token = "glsa_neverPrintMe_42"
    caplog.set_level(logging.DEBUG)
    client = GrafanaClient("http://127.0.0.1:9", Auth(token=token), sleep=lambda _: None,
                           retry=RetryPolicy(attempts=2))
    with pytest.raises(TransientError) as info:
        client.get("/api/search")
    assert "connection error" in str(info.value)
    assert token not in str(info.value) and token not in caplog.text


def test_counts_writes_separately(fake_target: Target) -> None:
    with fake_target.client() as client:
        client.post("/api/folders", {"uid": "a", "title": "A"})
        client.get_folder("a")
        client.delete("/api/folders/a")
        assert (client.requests_sent, client.writes_sent) == (3, 2)
