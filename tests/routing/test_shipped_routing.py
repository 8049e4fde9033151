"""The routing the repository ships: inhibition, the maintenance window, escalation.

amtool's route test does not cover inhibition or mute timings, so these are
checked on the model with the same semantics (times are [start, end), every
given field of a time range must hold).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st
from routing_support import ROOT

from obs_as_code.model.alertmanager import (
    AlertmanagerConfig,
    Route,
    TimeInterval,
    TimeRange,
    interval_name,
    route_receivers,
    walk_routes,
)
from obs_as_code.pipeline import load


@pytest.fixture(scope="module")
def shipped() -> AlertmanagerConfig:
    project, diagnostics = load(ROOT)
    assert not diagnostics
    [config] = project.all(AlertmanagerConfig)
    return config


def _route_for(config: AlertmanagerConfig, matcher: str) -> Route:
    [route] = [r for r in walk_routes(config.route) if [str(m) for m in r.matchers] == [matcher]]
    return route


def test_receivers_and_grouping(shipped: AlertmanagerConfig) -> None:
    assert shipped.route.receiver_name == "default"
    assert list(shipped.route.group_by or []) == ["alertname", "service"]
    assert [r.name for r in shipped.all_receivers()] == ["default", "pagerduty-critical", "slack-warnings", "email-info"]


def test_warning_is_inhibited_only_by_the_matching_critical(shipped: AlertmanagerConfig) -> None:
    [rule] = shipped.inhibit_rules
    critical = {"alertname": "OpencodeApiHighErrorRatio", "service": "opencode-api", "severity": "critical"}
    warning = {**critical, "severity": "warning"}
    assert rule.inhibits(critical, warning)
    assert not rule.inhibits(critical, {**warning, "service": "web-ui"})
    assert not rule.inhibits(critical, {**warning, "alertname": "OpencodeApiHighLatencyP95"})
    assert not rule.inhibits(warning, critical)
    assert not rule.inhibits(critical, {**critical, "alertname": "Other"})


@pytest.mark.parametrize(
    ("when", "muted"),
    [
        (datetime(2026, 11, 29, 2, 0, tzinfo=UTC), True),  # Sunday 02:00 UTC
        (datetime(2026, 11, 29, 3, 59, tzinfo=UTC), True),
        (datetime(2026, 11, 29, 4, 0, tzinfo=UTC), False),  # end is exclusive
        (datetime(2026, 11, 29, 1, 59, tzinfo=UTC), False),
        (datetime(2026, 11, 30, 3, 0, tzinfo=UTC), False),  # Monday
        # Sunday 04:30 in UTC+2 is 02:30 UTC: inside.
        (datetime(2026, 11, 29, 4, 30, tzinfo=timezone(timedelta(hours=2))), True),
    ],
)
def test_maintenance_window(shipped: AlertmanagerConfig, when: datetime, muted: bool) -> None:
    [maintenance] = [t for t in shipped.all_time_intervals() if t.name == "maintenance"]
    assert maintenance.contains(when) is muted


def test_maintenance_mutes_warnings_info_and_escalations_but_never_critical(shipped: AlertmanagerConfig) -> None:
    muted = {
        matcher: [interval_name(i) for i in _route_for(shipped, matcher).mute_time_intervals]
        for matcher in ('severity="critical"', 'severity="warning"', 'severity="info"', 'escalate="page"')
    }
    assert muted == {
        'severity="critical"': [],
        'severity="warning"': ["maintenance"],
        'severity="info"': ["maintenance"],
        'escalate="page"': ["maintenance"],
    }


def test_escalation_route_comes_before_the_warning_route(shipped: AlertmanagerConfig) -> None:
    escalated = {"alertname": "WarningPersists", "severity": "warning", "escalate": "page"}
    assert route_receivers(shipped.route, escalated) == ["pagerduty-critical"]
    assert route_receivers(shipped.route, {**escalated, "escalate": "no"}) == ["slack-warnings"]


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)))
def test_time_range_matches_a_direct_reading(when: datetime) -> None:
    window = TimeInterval(
        name="w",
        ranges=[TimeRange(weekdays=["monday:friday"], times=[("09:00", "17:30")], days_of_month=["-7:-1"], months=["march:october"])],
    )
    expected = (
        when.weekday() < 5
        and 9 * 60 <= when.hour * 60 + when.minute < 17 * 60 + 30
        and (when + timedelta(days=7)).month != when.month
        and 3 <= when.month <= 10
    )
    assert window.contains(when) is expected
