"""A panel's own time range (``timeFrom``, ``timeShift``, ``hideTimeOverride``) as Grafana computes it.

Grafana (scenes' ``PanelTimeRange``, ``rangeUtil.describeTextRange``, ``dateMath``)
runs such a panel's queries over the overridden range, and computes the
interval built-ins on it. Every test here failed before the override was
implemented (the panel ran over the dashboard's range).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from obs_as_code.e2e import panel_data as pd
from obs_as_code.e2e.panel_data import TimeRange
from obs_as_code.e2e.panel_data.timemath import describe_text_range, panel_time

HOUR = 3600.0
DAY = 24 * HOUR
UTC_ZONE = ZoneInfo("UTC")
DATASOURCES = [pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")]

#: Tuesday 2026-03-10 14:30:00 UTC.
NOW = datetime(2026, 3, 10, 14, 30, tzinfo=UTC).timestamp()
MIDNIGHT = datetime(2026, 3, 10, tzinfo=UTC).timestamp()
SIX_HOURS = TimeRange(NOW - 6 * HOUR, NOW)


@pytest.mark.parametrize(("text", "expected"), [
    # No "now": relative to now, into the past ...
    ("1h", ("now-1h", "now")),
    ("30d", ("now-30d", "now")),
    # ... or, with a leading "+", into the future.
    ("+1h", ("now", "now+1h")),
    # Written with now: valid when it starts now-<n><unit> (the rest is dateMath's) ...
    ("now-1d/d", ("now-1d/d", "now")),
    ("now-2h", ("now-2h", "now")),
    # ... or is a standard range ending now (Today so far, This week so far ...).
    ("now/d", ("now/d", "now")),
    ("now/fy", ("now/fy", "now")),
    ("2fQ", ("now-2fQ", "now")),
    # Anything else Grafana marks "invalid".
    ("now/h", None),
    ("now", None),
    ("1x", None),
    ("h", None),
    ("", None),
    # JavaScript's \d is ASCII: an Arabic-Indic digit is no count.
    ("\u0661h", None),
])
def test_describe_text_range(text: str, expected: tuple[str, str] | None) -> None:
    assert describe_text_range(text) == expected


def _pt(**kw: Any) -> pd.PanelTime:
    return panel_time(SIX_HOURS, now=NOW, zone=UTC_ZONE, **kw)


def test_time_from_replaces_the_range_without_rounding_its_end() -> None:
    assert _pt(time_from="1h") == pd.PanelTime(TimeRange(NOW - HOUR, NOW), "now-1h to now")
    # now-1d/d to now: from yesterday's midnight to now (not to the end of yesterday).
    assert _pt(time_from="now-1d/d").range == TimeRange(MIDNIGHT - DAY, NOW)
    assert _pt(time_from="now/d").range == TimeRange(MIDNIGHT, NOW)
    assert _pt(time_from="+1h").range == TimeRange(NOW, NOW + HOUR)
    # Weeks start on the dashboard's weekStart: Monday 2026-03-09, or Sunday the 8th by default.
    assert _pt(time_from="now/w", week_start=0).range.start == MIDNIGHT - DAY
    assert _pt(time_from="now/w").range.start == MIDNIGHT - 2 * DAY


def test_time_shift_moves_both_ends_back_and_rounds_the_end_up() -> None:
    assert _pt(time_shift="1h") == pd.PanelTime(TimeRange(NOW - 7 * HOUR, NOW - HOUR), "timeshift -1h")
    assert _pt(time_from="2h", time_shift="1d") == pd.PanelTime(
        TimeRange(NOW - DAY - 2 * HOUR, NOW - DAY), "now-2h to now timeshift -1d")
    # -1d/d: the start rounded down to its day, the end up to the last millisecond of its day.
    assert _pt(time_shift="1d/d").range == TimeRange(MIDNIGHT - DAY, MIDNIGHT - 0.001)


def test_an_invalid_time_from_keeps_the_dashboards_range_and_skips_the_shift() -> None:
    assert _pt(time_from="now/h", time_shift="1h") == pd.PanelTime(SIX_HOURS, "invalid time override")
    assert _pt(time_from="now/h").invalid


def test_an_invalid_time_shift_keeps_what_time_from_made() -> None:
    assert _pt(time_from="1h", time_shift="1x") == pd.PanelTime(TimeRange(NOW - HOUR, NOW), "invalid timeshift")


def test_time_from_applies_only_to_a_relative_dashboard_range_the_shift_always() -> None:
    absolute = TimeRange(NOW - 2 * DAY, NOW - DAY)
    out = panel_time(absolute, time_from="1h", time_shift="1h", relative=False, now=NOW, zone=UTC_ZONE)
    assert out.range == TimeRange(NOW - 2 * DAY - HOUR, NOW - DAY - HOUR) and out.info == "timeshift -1h"


def test_a_text_dateMath_cannot_compute_is_an_error() -> None:
    # describeTextRange accepts "now-1h" as a shift, but "-now-1h" is no date math:
    # Grafana's parseDateMath gives up and the panel has no range.
    assert _pt(time_shift="now-1h").error == "Grafana cannot compute the time shift 'now-1h'"
    assert _pt(time_from="now-1hx").error == "Grafana cannot compute the time override 'now-1hx'"


def test_days_are_wall_clock_days_in_the_dashboards_zone() -> None:
    # Berlin moves to summer time on 2026-03-29 at 02:00: "1d" before noon that day
    # is noon the day before, 23 hours earlier.
    berlin = ZoneInfo("Europe/Berlin")
    noon = datetime(2026, 3, 29, 12, tzinfo=berlin).timestamp()
    out = panel_time(TimeRange(noon - HOUR, noon), time_from="1d", now=noon, zone=berlin)
    assert out.range == TimeRange(noon - 23 * HOUR, noon)


class Recorder(pd.PrometheusClient):
    """Every range query returns one series; records its expression, step and range."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1")
        self.ranges: dict[str, tuple[str, int, float, float]] = {}

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        self.ranges[expr.split(" # ")[0]] = (expr.split(" # ")[1], step_ms, start, end)
        return [{"metric": {}, "values": [[start, "1"]]}]


def _check(tmp_path: Path, panels: list[dict[str, Any]], **kw: Any) -> tuple[pd.PanelDataReport, Recorder]:
    dashboard = {"title": "d", "timezone": "utc", "time": {"from": "now-6h", "to": "now"}, "panels": [
        {"type": "timeseries", "gridPos": {"w": 24}, **p,
         "targets": [{"refId": "A", "expr": f"{p['title']} # $__range $__rate_interval $__interval"}]}
        for p in panels]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = Recorder()
    report = pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, **kw)
    return report, client


def test_the_panel_queries_its_own_range_with_intervals_computed_on_it(tmp_path: Path) -> None:
    report, client = _check(tmp_path, [
        {"title": "plain"},
        {"title": "month", "timeFrom": "30d", "hideTimeOverride": True},
        {"title": "shifted", "timeShift": "1d"},
    ], now=NOW)
    # The dashboard's 6h over 1920 points: 11.25s -> 10s, below the 15s scrape: 15s.
    assert client.ranges["plain"] == ("21600s 1m0s 15s", 15_000, NOW - 6 * HOUR, NOW)
    # 30 days over 1920 points: 1350s -> 20m steps (aligned to 20 minutes: 14:20);
    # $__rate_interval = 20m + 15s; $__range is the 30 days. hideTimeOverride changes nothing.
    assert client.ranges["month"] == ("2592000s 20m15s 20m", 1_200_000, NOW - 30 * DAY - 600, NOW - 600)
    assert client.ranges["shifted"] == ("21600s 1m0s 15s", 15_000, NOW - DAY - 6 * HOUR, NOW - DAY)
    assert [r.time_override for r in report.results] == ["", "now-30d to now", "timeshift -1d"]
    assert report.problems() == []


def test_a_variable_in_time_from_is_interpolated(tmp_path: Path) -> None:
    dashboard = {"title": "d", "timezone": "utc", "templating": {"list": [
        {"type": "custom", "name": "span", "query": "2h,3h", "current": {"value": "3h"}}]},
        "panels": [{"type": "timeseries", "title": "p", "gridPos": {"w": 24}, "timeFrom": "$span",
                    "targets": [{"refId": "A", "expr": "p # $__range"}]}]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = Recorder()
    pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, now=NOW)
    assert client.ranges["p"][0] == "10800s"


def test_an_invalid_override_runs_the_dashboards_range_and_is_a_problem(tmp_path: Path) -> None:
    report, client = _check(tmp_path, [{"title": "bad", "timeFrom": "now/h"}], now=NOW)
    assert client.ranges["bad"][2:] == (NOW - 6 * HOUR, NOW)
    assert report.problems() == ["time override d.json: 'bad' [A]: invalid time override"]
    assert "TIME  d.json: 'bad' [A]: invalid time override" in report.render_text()
    assert report.to_json()["results"][0]["time_override"] == "invalid time override"


def test_a_shift_grafana_cannot_compute_is_an_error(tmp_path: Path) -> None:
    report, client = _check(tmp_path, [{"title": "bad", "timeShift": "now-1h"}], now=NOW)
    assert client.ranges == {}
    assert [(r.status, r.message) for r in report.results] == [
        ("error", "Grafana cannot compute the time shift 'now-1h'")]


def test_a_given_range_stands_for_the_dashboards_and_the_override_keeps_its_place(tmp_path: Path) -> None:
    # An e2e run of 60 s stands for the dashboard's 6 hours: "1h" is its last sixth,
    # "6h" all of it, a 3h shift half of it back.
    run = TimeRange(1_000_020.0, 1_000_080.0)
    report, client = _check(tmp_path, [
        {"title": "last", "timeFrom": "1h", "maxDataPoints": 10},
        {"title": "all", "timeFrom": "6h", "maxDataPoints": 10},
        {"title": "back", "timeShift": "3h", "maxDataPoints": 10},
    ], time_range=run, scrape_interval="1s")
    # 10 points: steps of 1s over 10 s, 5s over 60 s (the ends are multiples of both).
    assert client.ranges["last"][1:] == (1000, 1_000_070.0, 1_000_080.0)
    assert client.ranges["last"][0] == "10s 4s 1s"
    assert client.ranges["all"][1:] == (5000, 1_000_020.0, 1_000_080.0)
    assert client.ranges["back"][1:] == (5000, 999_990.0, 1_000_050.0)
    assert report.problems() == []


def test_now_delay_moves_a_to_of_now_back() -> None:
    # scenes' evaluateTimeRange: "to" of exactly "now" becomes now-<nowDelay>.
    dashboard = {"timezone": "utc", "time": {"from": "now-1h", "to": "now"}, "timepicker": {"nowDelay": "5m"}}
    assert pd.dashboard_range(dashboard, NOW) == TimeRange(NOW - HOUR, NOW - 300)
    # Any other "to" keeps its value.
    assert pd.dashboard_range({**dashboard, "time": {"from": "now-1d/d", "to": "now-1d/d"}}, NOW).end == MIDNIGHT - 0.001
    with pytest.raises(ValueError, match=r"timepicker\.nowDelay 'soon'"):
        pd.dashboard_range({**dashboard, "timepicker": {"nowDelay": "soon"}}, NOW)


def test_a_panel_time_from_ignores_the_now_delay_a_shift_keeps_it(tmp_path: Path) -> None:
    # PanelTimeRange parses timeFrom's "now" itself; a shift starts from the delayed range.
    dashboard = {"title": "d", "timezone": "utc", "timepicker": {"nowDelay": "5m"}, "panels": [
        {"type": "timeseries", "title": t, "gridPos": {"w": 24}, "maxDataPoints": 60, **extra,
         "targets": [{"refId": "A", "expr": f"{t} # $__range"}]}
        for t, extra in (("own", {"timeFrom": "1h"}), ("shifted", {"timeShift": "1h"}))]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = Recorder()
    pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, now=NOW)
    assert client.ranges["own"][2:] == (NOW - HOUR, NOW)
    assert client.ranges["shifted"][2:] == (NOW - 7 * HOUR, NOW - HOUR - 300)


class Empty(Recorder):
    """Every range query returns no series."""

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        super().query_range(expr, start, end, step_ms)
        return []


def test_an_empty_panel_shifted_before_a_given_range_says_why(tmp_path: Path) -> None:
    # A 1h dashboard shifted by a day, on a 60 s run: the panel's range is 24 runs back.
    dashboard = {"title": "d", "timezone": "utc", "time": {"from": "now-1h", "to": "now"}, "panels": [
        {"type": "timeseries", "title": t, "gridPos": {"w": 24}, **extra,
         "targets": [{"refId": "A", "expr": f"{t} # $__range"}]}
        for t, extra in (("yesterday", {"timeShift": "1d"}), ("now", {}))]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = Empty()
    run = TimeRange(1_000_000.0, 1_000_060.0)
    report = pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, time_range=run)
    # 24 hours of a 1 hour dashboard are 24 runs: 1440 s back, aligned to the 15 s step.
    assert client.ranges["yesterday"][1:] == (15_000, 998_550.0, 998_610.0)
    assert [(r.status, r.message) for r in report.results] == [
        ("empty", "the panel's own range (timeshift -1d) ends before the given range began"),
        ("empty", ""),
    ]


def test_a_scaled_override_lasts_at_least_four_scrapes(tmp_path: Path) -> None:
    # 5 minutes of a 6 hour dashboard on a 60 s run would be 0.83 s, less than a scrape
    # ($__range "1s", no two samples): it lasts four scrapes (4 s at the run's 1 s), ending
    # where it would have ended. A range long enough keeps its scaled length.
    run = TimeRange(1_000_020.0, 1_000_080.0)
    _report, client = _check(tmp_path, [
        {"title": "short", "timeFrom": "5m", "maxDataPoints": 10},
        {"title": "long", "timeFrom": "1h", "maxDataPoints": 10},
    ], time_range=run, scrape_interval="1s")
    assert client.ranges["short"] == ("4s 4s 1s", 1000, 1_000_076.0, 1_000_080.0)
    assert client.ranges["long"][2:] == (1_000_070.0, 1_000_080.0)
