"""``extra=`` is the escape hatch for what the model has no argument for, keys of
later Prometheus and Alertmanager releases among them: those are accepted (the
installed promtool or amtool judges them in ``oac validate``); a key no release
knows, a misspelt one, is refused with the key meant."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from obs_as_code.model.alertmanager import Email, Global, MSTeams, PagerDuty, Slack, Webhook
from obs_as_code.model.prometheus import AlertmanagerTarget, PrometheusConfig, ScrapeJob

LATER: list[tuple[str, Callable[[dict[str, Any]], object], dict[str, Any]]] = [
    ("scrape_protocols (2.49)", lambda e: ScrapeJob(name="j", targets=["a:1"], extra=e), {"scrape_protocols": ["PrometheusText0.0.4"]}),
    ("http_headers (2.55)", lambda e: ScrapeJob(name="j", targets=["a:1"], extra=e), {"http_headers": {"X-A": {"values": ["1"]}}}),
    ("ecs_sd_configs (3.x)", lambda e: ScrapeJob(name="j", targets=["a:1"], extra=e), {"ecs_sd_configs": [{"region": "eu-west-1"}]}),
    ("alert_relabel_configs", lambda e: AlertmanagerTarget(targets=["am:9093"], extra=e), {"alert_relabel_configs": []}),
    ("otlp", lambda e: PrometheusConfig(extra=e), {"otlp": {"promote_resource_attributes": ["service.name"]}}),
    ("url_file (0.26)", lambda e: Webhook(url="https://hooks.example/in", extra=e), {"url_file": "/run/secrets/hook"}),
    ("timeout (0.28)", lambda e: PagerDuty(routing_key_file="/run/k", extra=e), {"timeout": "10s"}),
    ("app_token_file", lambda e: Slack(api_url_file="/run/s", channel="#a", extra=e), {"app_token_file": "/run/t"}),
    ("force_implicit_tls", lambda e: Email(to="a@b.c", smarthost="m:25", from_="x@b.c", extra=e), {"force_implicit_tls": True}),
    ("summary", lambda e: MSTeams(webhook_url="https://h.example/in", extra=e), {"summary": "s"}),
    ("slack_app_token_file", lambda e: Global(extra=e), {"slack_app_token_file": "/run/t"}),
]


@pytest.mark.parametrize(("what", "make", "extra"), LATER, ids=[w for w, _m, _e in LATER])
def test_keys_of_later_releases_are_accepted(what: str, make: Callable[[dict[str, Any]], object], extra: dict[str, Any]) -> None:
    make(extra)


@pytest.mark.parametrize(
    ("make", "extra", "meant"),
    [
        (lambda e: ScrapeJob(name="j", targets=["a:1"], extra=e), {"scrape_protocol": []}, "scrape_protocols"),
        (lambda e: Webhook(url="https://hooks.example/in", extra=e), {"ulr_file": "/x"}, "url_file"),
        (lambda e: MSTeams(webhook_url="https://h.example/in", extra=e), {"sumary": "s"}, "summary"),
        (lambda e: PrometheusConfig(extra=e), {"otpl": {}}, "otlp"),
    ],
)
def test_a_key_no_release_knows_is_refused_with_the_key_meant(make: Callable[[dict[str, Any]], object], extra: dict[str, Any], meant: str) -> None:
    with pytest.raises(ValueError, match=f"nor in a later release \\(did you mean '{meant}'\\?\\)"):
        make(extra)
