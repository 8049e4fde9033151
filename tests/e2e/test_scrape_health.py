"""Deciding whether an unexpected alert is the harness's own slowness (no servers needed)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.e2e.runner import ScenarioResult, merge_retry, needs_retry
from obs_as_code.e2e.scrape_health import (
    NotifyFailures,
    TargetScrapes,
    explain_all,
    harness_explanation,
    harness_slowness,
    notify_failures,
    rules_reading_up,
    rules_selecting,
    target_scrapes,
)

RULES: dict[str, dict[str, Any]] = {
    "platform.yaml": {
        "groups": [
            {
                "name": "platform-health",
                "rules": [
                    {"alert": "TargetDown", "expr": "up == 0", "for": "1s"},
                    {"alert": "FewTargets", "expr": 'avg_over_time(up{job="x"}[5m]) < 0.5'},
                    {"alert": "Errors", "expr": 'rate(errors_total{state="up"}[5m]) > 0'},
                    {"record": "job:up:sum", "expr": "sum by (job) (up)"},
                ],
            }
        ]
    }
}
PROM = "127.0.0.1:9090"


def _series(name: str, job: str, instance: str, values: list[tuple[float, float]]) -> dict[str, Any]:
    return {"metric": {"__name__": name, "job": job, "instance": instance},
            "values": [[ts, str(v)] for ts, v in values]}


def _scrapes(job: str, scrapes: list[tuple[float, float]], instance: str = PROM) -> dict[tuple[str, str], TargetScrapes]:
    """``scrapes``: (up, duration) per scrape, one a second."""
    up = _series("up", job, instance, [(100.0 + i, u) for i, (u, _) in enumerate(scrapes)])
    dur = _series("scrape_duration_seconds", job, instance, [(100.0 + i, d) for i, (_, d) in enumerate(scrapes)])
    return target_scrapes([up], [dur], 1.0)


def _target_down(job: str, instance: str = PROM) -> dict[str, str]:
    return {"alertname": "TargetDown", "job": job, "instance": instance, "severity": "critical"}


def test_only_rules_selecting_up_count() -> None:
    assert rules_reading_up(RULES) == {"TargetDown", "FewTargets"}


def test_a_self_scrape_that_timed_out_explains_its_target_down() -> None:
    # What the reported failure looked like: Prometheus scraping itself, two scrapes
    # lasting the whole 1s timeout, up == 0 twice, TargetDown{job="prometheus"}.
    scrapes = _scrapes("prometheus", [(1, 0.02), (0, 1.0003), (0, 1.21), (1, 0.4)])
    assert scrapes[("prometheus", PROM)] == TargetScrapes("prometheus", PROM, 2, 2, 1.21)
    why = harness_explanation(_target_down("prometheus"), up_rules={"TargetDown"}, scrapes=scrapes,
                              down_jobs=(), timeout_s=1.0)
    assert why is not None
    assert "every failed scrape of job prometheus timed out" in why and "2 scrapes, up to 1.21s" in why


def test_a_target_that_answered_an_error_is_a_real_target_down() -> None:
    # A 503 (or a broken exposition) answers well within the timeout: not the harness.
    scrapes = _scrapes("web-ui", [(1, 0.02), (0, 0.004), (0, 0.003)])
    assert harness_explanation(_target_down("web-ui"), up_rules={"TargetDown"}, scrapes=scrapes,
                               down_jobs=(), timeout_s=1.0) is None


def test_one_error_among_timeouts_is_not_explained() -> None:
    scrapes = _scrapes("prometheus", [(0, 1.0), (0, 0.01), (0, 1.2)])
    assert harness_explanation(_target_down("prometheus"), up_rules={"TargetDown"}, scrapes=scrapes,
                               down_jobs=(), timeout_s=1.0) is None


def test_a_job_the_scenario_took_down_is_never_explained() -> None:
    scrapes = _scrapes("valkey", [(0, 1.0), (0, 1.0)])
    assert harness_explanation(_target_down("valkey"), up_rules={"TargetDown"}, scrapes=scrapes,
                               down_jobs={"valkey"}, timeout_s=1.0) is None


def test_an_alert_not_reading_up_or_without_job_is_not_explained() -> None:
    scrapes = _scrapes("prometheus", [(0, 1.0), (0, 1.0)])
    other = {"alertname": "Errors", "job": "prometheus", "instance": PROM}
    assert harness_explanation(other, up_rules={"TargetDown"}, scrapes=scrapes, down_jobs=(), timeout_s=1.0) is None
    jobless = {"alertname": "TargetDown"}
    assert harness_explanation(jobless, up_rules={"TargetDown"}, scrapes=scrapes, down_jobs=(), timeout_s=1.0) is None


def test_a_job_that_never_failed_explains_nothing() -> None:
    scrapes = _scrapes("prometheus", [(1, 0.9), (1, 0.95)])
    assert harness_explanation(_target_down("prometheus"), up_rules={"TargetDown"}, scrapes=scrapes,
                               down_jobs=(), timeout_s=1.0) is None


def test_the_alert_s_own_instance_is_judged() -> None:
    slow = _scrapes("api", [(0, 1.0)], instance="127.0.0.1:1")
    broken = _scrapes("api", [(0, 0.01)], instance="127.0.0.1:2")
    both = {**slow, **broken}
    assert harness_explanation(_target_down("api", "127.0.0.1:1"), up_rules={"TargetDown"}, scrapes=both,
                               down_jobs=(), timeout_s=1.0) is not None
    assert harness_explanation(_target_down("api", "127.0.0.1:2"), up_rules={"TargetDown"}, scrapes=both,
                               down_jobs=(), timeout_s=1.0) is None


def test_every_unexpected_alert_must_be_explained() -> None:
    scrapes = {**_scrapes("prometheus", [(0, 1.0)]), **_scrapes("web-ui", [(0, 0.01)], instance="w:1")}
    assert explain_all([_target_down("prometheus")], up_rules={"TargetDown"}, scrapes=scrapes,
                       down_jobs=(), timeout_s=1.0)
    assert explain_all([_target_down("prometheus"), _target_down("web-ui", "w:1")], up_rules={"TargetDown"},
                       scrapes=scrapes, down_jobs=(), timeout_s=1.0) is None
    assert explain_all([], up_rules={"TargetDown"}, scrapes=scrapes, down_jobs=(), timeout_s=1.0) is None


@given(st.lists(st.tuples(st.sampled_from([0.0, 1.0]), st.floats(0.0, 3.0)), min_size=1, max_size=30))
def test_explained_exactly_when_every_failure_lasted_the_timeout(scrapes: list[tuple[float, float]]) -> None:
    found = _scrapes("prometheus", scrapes)
    why = harness_explanation(_target_down("prometheus"), up_rules={"TargetDown"}, scrapes=found,
                              down_jobs=(), timeout_s=1.0)
    failed = [d for u, d in scrapes if u == 0]
    assert (why is not None) == (bool(failed) and all(d >= 0.99 for d in failed))


def test_a_retry_is_said_and_a_second_slow_run_fails() -> None:
    slow = "TargetDown{job=\"prometheus\"}: every failed scrape of job prometheus timed out"
    first = ScenarioResult("s", "failed", failures=["unexpected alert fired: TargetDown"], harness_slow=[slow], duration=5)
    assert needs_retry(first)
    assert not needs_retry(ScenarioResult("s", "failed", failures=["unexpected alert fired: X"]))
    assert not needs_retry(ScenarioResult("s", "passed", harness_slow=[slow]))

    clean = merge_retry(first, ScenarioResult("s", "passed", duration=6))
    assert clean.status == "passed" and clean.duration == 11
    assert clean.retried_after[0].startswith("first run hit the harness's own slowness") and slow in clean.retried_after[0]
    assert clean.retried_after[1:] == ["unexpected alert fired: TargetDown"]

    again = merge_retry(first, ScenarioResult("s", "failed", failures=["unexpected alert fired: TargetDown"],
                                              harness_slow=[slow]))
    assert again.status == "failed" and again.failures[0].startswith("harness too slow")

    real = merge_retry(first, ScenarioResult("s", "failed", failures=["OpencodeCacheLowHitRatio fired 0 of 1 series"]))
    assert real.status == "failed" and real.failures == ["OpencodeCacheLowHitRatio fired 0 of 1 series"]


def test_a_run_with_timeouts_and_only_explained_alerts_is_the_harness_s() -> None:
    # Stale series after a timed-out scrape of opencode-api can lift an inhibition:
    # no unexpected alert, but a failure all the same; the timeouts are the reason given.
    scrapes = _scrapes("opencode-api", [(1, 0.01), (0, 1.1), (1, 0.3)], instance="127.0.0.1:3000")
    why = harness_slowness([], up_rules={"TargetDown"}, scrapes=scrapes, down_jobs=(), timeout_s=1.0)
    assert len(why) == 1 and "opencode-api 127.0.0.1:3000 (1x, up to 1.10s)" in why[0]
    scrapes = {**scrapes, **_scrapes("prometheus", [(0, 1.0)])}
    why = harness_slowness([_target_down("prometheus")], up_rules={"TargetDown"}, scrapes=scrapes,
                           down_jobs=(), timeout_s=1.0)
    assert len(why) == 2 and "every failed scrape of job prometheus timed out" in why[0]


def test_a_run_without_timeouts_or_with_a_real_alert_is_not() -> None:
    fast = _scrapes("opencode-api", [(1, 0.01), (0, 0.01)])
    assert harness_slowness([], up_rules={"TargetDown"}, scrapes=fast, down_jobs=(), timeout_s=1.0) == []
    # Timeouts of the job the scenario took down are its own doing.
    down = _scrapes("valkey", [(0, 1.0)])
    assert harness_slowness([], up_rules={"TargetDown"}, scrapes=down, down_jobs={"valkey"}, timeout_s=1.0) == []
    # A web-ui answering errors fires TargetDown: real, even though prometheus timed out.
    mixed = {**_scrapes("prometheus", [(0, 1.0)]), **_scrapes("web-ui", [(0, 0.01)], instance="w:1")}
    assert harness_slowness([_target_down("web-ui", "w:1")], up_rules={"TargetDown"}, scrapes=mixed,
                            down_jobs=(), timeout_s=1.0) == []


# Alertmanager 0.25's line for a notification that failed (as a loaded run logged it).
_TIMED_OUT = (
    'ts=2026-11-27T06:19:25.023Z caller=dispatch.go:352 level=error component=dispatcher '
    'msg="Notify for alerts failed" num_alerts=1 err="pagerduty-critical/webhook[0]: notify retry canceled '
    r'after 2 attempts: Post \"http://127.0.0.1:33911/pagerduty-critical\": context deadline exceeded"'
)
_REFUSED = (
    'ts=2026-11-27T06:19:26.023Z caller=dispatch.go:352 level=error component=dispatcher '
    'msg="Notify for alerts failed" num_alerts=1 err="slack-warnings/webhook[0]: notify retry canceled '
    r'after 2 attempts: Post \"http://127.0.0.1:33911/slack-warnings\": dial tcp 127.0.0.1:33911: connect: connection refused"'
)
_NOTIFY = {"alertname": "AlertmanagerNotificationsFailing", "instance": "127.0.0.1:9093", "integration": "webhook"}


def test_failed_notifications_are_read_from_alertmanager_s_log() -> None:
    assert notify_failures("") == NotifyFailures(0, 0)
    assert notify_failures(f"{_TIMED_OUT}\nlevel=warn msg=other\n{_TIMED_OUT}\n") == NotifyFailures(2, 2)
    assert notify_failures(f"{_TIMED_OUT}\n{_REFUSED}\n") == NotifyFailures(2, 1)
    # A connect the starved recorder did not accept in time is a timeout too.
    no_accept = _REFUSED.replace("connect: connection refused", "i/o timeout")
    assert notify_failures(no_accept) == NotifyFailures(1, 1)
    rules = {"am.yaml": {"groups": [{"name": "am", "rules": [
        {"alert": "AlertmanagerNotificationsFailing",
         "expr": "rate(alertmanager_notifications_failed_total[5m]) / rate(alertmanager_notifications_total[5m]) > 0.01"},
    ]}]}}
    assert rules_selecting(rules, "alertmanager_notifications_failed_total") == {"AlertmanagerNotificationsFailing"}


def test_notifications_failing_is_the_harness_s_only_when_every_failure_timed_out() -> None:
    # Seen under load: the recorder answered Alertmanager's webhook too late, the
    # self-health alert fired, and it kept the run's TargetDowns from being retried.
    scrapes = _scrapes("prometheus", [(0, 1.0)])
    kwargs = dict(up_rules={"TargetDown"}, scrapes=scrapes, down_jobs=(), timeout_s=1.0,
                  notify_rules={"AlertmanagerNotificationsFailing"})
    slow = notify_failures(_TIMED_OUT)
    why = harness_slowness([_target_down("prometheus"), _NOTIFY], notifications=slow, **kwargs)  # type: ignore[arg-type]
    assert any("every failed notification of the run (1) timed out" in w for w in why)
    assert any("notification(s) to the harness's recorder timed out" in w for w in why)
    refused = notify_failures(f"{_TIMED_OUT}\n{_REFUSED}")
    assert harness_slowness([_target_down("prometheus"), _NOTIFY], notifications=refused, **kwargs) == []  # type: ignore[arg-type]
    assert harness_slowness([_NOTIFY], notifications=NotifyFailures(), **kwargs) == []  # type: ignore[arg-type]
    # Late notifications alone (no scrape timed out) are evidence of slowness too.
    assert harness_slowness([], notifications=slow, **{**kwargs, "scrapes": {}})  # type: ignore[arg-type]
