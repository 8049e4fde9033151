"""Where panel_data follows Grafana closely: variable regexes and formats, intervals
given by variables, repeated rows and panels, rounded relative times in a time zone.

Each test names the Grafana behaviour it checks; every one failed before the
behaviour was implemented.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.e2e import panel_data as pd
from obs_as_code.e2e.panel_data import TimeRange, Variable

HOUR = 3600.0
DATASOURCES = [pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")]


class FakePrometheus(pd.PrometheusClient):
    """Label values from a table; every range query returns one series, recorded with its step."""

    def __init__(self, values: dict[tuple[str, str | None], list[str]] | None = None) -> None:
        super().__init__("http://127.0.0.1:1")
        self.values = values or {}
        self.ranges: list[tuple[str, int, float, float]] = []

    def label_values(self, label: str, match: str | None, time_range: TimeRange) -> list[str]:
        return self.values.get((label, match), [])

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        self.ranges.append((expr, step_ms, start, end))
        return [{"metric": {}, "values": [[start, "1"]]}]


def _templating(*variables: dict[str, Any]) -> dict[str, Any]:
    return {"title": "d", "templating": {"list": list(variables)}}


def _resolve(values: Sequence[str], **var: Any) -> Variable:
    client = FakePrometheus({("host", None): list(values)})
    dashboard = _templating({"type": "query", "name": "host", "query": "label_values(host)", **var})
    return pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)["host"]


# --- gap 4: the regex of a query variable (scenes metricNamesToVariableValues, stringToJsRegex)


def test_a_regex_without_slashes_must_match_the_whole_value() -> None:
    # stringToJsRegex: "api" is new RegExp("^api$"), not a search.
    assert _resolve(["api", "api-v2", "rapid"], regex="api").options == ("api",)
    assert _resolve(["api", "api-v2", "rapid"], regex="api.*").options == ("api", "api-v2")


def test_named_groups_give_the_options_text_and_value_and_sort_by_text() -> None:
    # (?<text>...) and (?<value>...): the value is queried, the text is shown and sorted on.
    var = _resolve(["zeta:1", "alpha:2"], regex="/(?<text>[^:]+):(?<value>\\d+)/", sort=1)
    assert var.options == ("2", "1") and var.option_texts == ("alpha", "zeta")
    assert var.values == ("2",) and var.value_text() == "alpha"
    # A value group alone is the text too; a text group alone is the value too.
    assert _resolve(["a:1"], regex="/:(?<value>\\d)/").option_texts == ("1",)
    assert _resolve(["a:1"], regex="/(?<text>a)/").options == ("a",)


def test_the_g_flag_turns_every_match_into_an_option() -> None:
    # getAllMatches with the global flag: each match's first group is an option.
    var = _resolve(["a=1,b=2", "c=3"], regex="/(\\w)=\\d/g")
    assert var.options == ("a", "b", "c")
    # Without g, only the first match of each value.
    assert _resolve(["a=1,b=2", "c=3"], regex="/(\\w)=\\d/").options == ("a", "c")


def test_flags_and_a_regex_grafana_rejects() -> None:
    assert _resolve(["API", "web"], regex="/api/i").options == ("API",)
    # Flags only in the order g, i, m, y, s: anything else is not a regex for Grafana.
    var = _resolve(["api"], regex="/api/ig")
    assert var.values == () and var.problem == "'/api/ig' is not a valid regular expression."


def test_a_custom_variable_keeps_its_texts() -> None:
    # "text : value" pairs: ${env:text} is the text, $env the value.
    dashboard = _templating({"type": "custom", "name": "env", "query": "Production : prod,Staging : stg",
                             "multi": True, "current": {"value": ["prod", "stg"]}})
    var = pd.resolve_variables(dashboard, FakePrometheus(), TimeRange(0, 1), DATASOURCES)["env"]
    assert pd.interpolate("${env:text} / ${env:csv}", {"env": var}, {}) == "Production + Staging / prod,stg"


# --- gap 5: formats (scenes formatRegistry, CustomAllValue, interpolateQueryExpr) -------


def _var(values: Sequence[str], **kw: Any) -> Variable:
    return Variable("job", kw.pop("type", "custom"), tuple(values), options=tuple(values), **kw)


FORMATS = ["text", "percentencode", "json", "csv", "pipe", "regex", "glob", "raw", "singlequote", "doublequote",
           "sqlstring", "lucene", "queryparam", "distributed"]


def _formats(var: Variable) -> dict[str, str]:
    return {fmt: pd.format_variable(var, fmt) for fmt in FORMATS}


def test_a_custom_all_value_is_verbatim_except_text_percentencode_and_queryparam() -> None:
    var = _var(["a", "b"], is_all=True, all_value=".*", include_all=True, multi=True)
    out = _formats(var)
    assert out.pop("text") == "All"
    assert out.pop("percentencode") == ".%2A"
    assert out.pop("queryparam") == "var-job=$__all"
    assert set(out.values()) == {".*"}


def test_all_without_a_custom_value_is_every_option() -> None:
    var = _var(["a/b", "c'd"], is_all=True, include_all=True)
    assert _formats(var) == {
        "text": "All", "percentencode": "%7Ba%2Fb%2Cc%27d%7D", "json": '["a/b","c\'d"]', "csv": "a/b,c'd",
        "pipe": "a/b|c'd", "regex": "(a\\/b|c'd)", "glob": "{a/b,c'd}", "raw": "a/b,c'd",
        "singlequote": "'a/b','c\\'d'", "doublequote": '"a/b","c\'d"', "sqlstring": "'a/b','c''d'",
        "lucene": '("a\\/b" OR "c\'d")', "queryparam": "var-job=$__all", "distributed": "a/b,job=c'd",
    }


def test_a_single_value_is_a_string_and_a_multi_value_of_one_is_a_list() -> None:
    single = _var(["a b"])
    assert (pd.format_variable(single, "json"), pd.format_variable(single, "glob")) == ("a b", "a b")
    assert pd.format_variable(single, "percentencode") == "a%20b"
    assert pd.format_variable(single, "queryparam") == "var-job=a%20b"
    assert pd.format_variable(single, "lucene") == "a\\ b"
    multi = _var(["a b"], multi=True)
    assert (pd.format_variable(multi, "json"), pd.format_variable(multi, "percentencode")) == ('["a b"]', "%7Ba%20b%7D")
    assert pd.format_variable(_var(["1", "2"], multi=True), "lucene") == '("1" OR "2")'


def test_a_repeated_copy_holds_one_string_even_for_a_multi_value_variable() -> None:
    # LocalValueVariable: one value, the multi and includeAll flags kept (regex-escaped by Prometheus).
    copy = _var(["a.b", "c"], multi=True, include_all=True).single("a.b")
    assert pd.format_variable(copy, "json") == "a.b"
    assert pd.format_variable(copy, None) == "a\\\\.b"


def test_an_unknown_format_falls_back_to_glob_and_formats_take_arguments() -> None:
    var = _var(["a", "b"], multi=True)
    assert pd.format_variable(var, "nope") == "{a,b}"
    assert pd.format_variable(var, "join: OR ") == "a OR b"
    assert pd.format_variable(var, "customqueryparam:p:x-") == "p=x-a&p=x-b"


def test_a_custom_all_value_mentioning_a_variable_is_interpolated_again() -> None:
    # scenes: formatValue interpolates CustomAllValue's text once more (glob format).
    variables = {"ns": _var(["prod"], type="constant"),
                 "job": _var(["a", "b"], is_all=True, all_value="$ns-.*", include_all=True)}
    assert pd.interpolate('up{job=~"$job"}', variables, {}) == 'up{job=~"prod-.*"}'


# --- gap 3: relative times rounded in the dashboard's time zone (datemath, moment-timezone)

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "America/Sao_Paulo",
         "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Africa/Casablanca", "America/Havana"]
INSTANTS = st.floats(min_value=946_684_800, max_value=2_100_000_000, allow_nan=False)


def _day(t: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(t, zone).date()


@given(INSTANTS, st.sampled_from(ZONES))
def test_now_rounded_to_the_day_is_the_first_and_last_instant_of_the_local_day(now: float, name: str) -> None:
    # now/d as "from" is startOf('day') in the zone, as "to" endOf('day'): the first and
    # the last millisecond whose local date is today (DST changes at midnight included).
    zone = ZoneInfo(name)
    start = pd.parse_time("now/d", now, zone)
    end = pd.parse_time("now/d", now, zone, round_up=True)
    assert start <= now <= end
    assert _day(start, zone) == _day(now, zone) == _day(end, zone)
    assert _day(start - 0.001, zone) < _day(now, zone) < _day(end + 0.001, zone)


@given(INSTANTS, st.sampled_from(ZONES))
def test_yesterday_ends_a_millisecond_before_today_starts(now: float, name: str) -> None:
    # now-1d/d to now-1d/d: the previous local day, whatever its length (23h, 25h ...).
    zone = ZoneInfo(name)
    start = pd.parse_time("now-1d/d", now, zone)
    end = pd.parse_time("now-1d/d", now, zone, round_up=True)
    assert end == pytest.approx(pd.parse_time("now/d", now, zone) - 0.001, abs=1e-6)
    assert _day(start, zone) == _day(end, zone) == _day(now, zone) - timedelta(days=1)


def test_dashboard_range_follows_the_dashboards_time_zone() -> None:
    now = datetime(2026, 3, 29, 12, 0, tzinfo=UTC).timestamp()  # the day Europe/Berlin goes to summer time
    dashboard = {"time": {"from": "now-1d/d", "to": "now/d"}, "timezone": "Europe/Berlin"}
    tr = pd.dashboard_range(dashboard, now=now)
    assert datetime.fromtimestamp(tr.start, UTC) == datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
    # 29 March has 23 hours in Berlin: it ends at 21:59:59.999 UTC.
    assert tr.end == datetime(2026, 3, 29, 22, 0, tzinfo=UTC).timestamp() - 0.001
    utc = pd.dashboard_range({**dashboard, "timezone": "utc"}, now=now)
    assert (utc.start, utc.end + 0.001) == (now - 36 * HOUR, now + 12 * HOUR)
    # "browser" (or no time zone): the browser's zone, this machine's by default.
    browser = pd.dashboard_range({**dashboard, "timezone": "browser"}, now=now, browser=ZoneInfo("Asia/Tokyo"))
    assert datetime.fromtimestamp(browser.start, UTC) == datetime(2026, 3, 27, 15, 0, tzinfo=UTC)


def test_weeks_fiscal_years_and_months() -> None:
    zone = ZoneInfo("UTC")
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC).timestamp()  # a Friday

    def at(text: str, **kw: Any) -> datetime:
        return datetime.fromtimestamp(pd.parse_time(text, now, zone, **kw), UTC).replace(tzinfo=None)

    assert at("now/w") == datetime(2026, 11, 22)  # moment's English locale: weeks start on Sunday
    assert at("now/w", week_start=0) == datetime(2026, 11, 23)  # weekStart: monday
    assert at("now/fy", fiscal_start=3) == datetime(2026, 4, 1)
    assert at("now/fQ", fiscal_start=1, round_up=True) == datetime(2027, 1, 31, 23, 59, 59, 999000)
    assert at("now-9M/M") == datetime(2026, 2, 1)
    with pytest.raises(ValueError):
        pd.parse_time("now/2d", now, zone)  # rounding takes one whole unit only


def test_the_range_is_aligned_to_the_step_in_the_dashboards_time_zone(tmp_path: Path) -> None:
    # The frontend sends utcOffsetSec (the zone's offset at the range's end); promlib's
    # AlignTimeRange floors start and end to the step on that local clock.
    dashboard = {"title": "d", "timezone": "Asia/Kolkata", "panels": [
        {"type": "timeseries", "title": "p", "maxDataPoints": 24, "targets": [{"refId": "A", "expr": "up"}]}]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = FakePrometheus()
    start = datetime(2026, 1, 1, 0, 0, tzinfo=UTC).timestamp()
    pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, time_range=TimeRange(start, start + 86400))
    [(_expr, step, first, last)] = client.ranges
    # A one-hour step: local hours start at half past in UTC (+05:30).
    assert step == 3_600_000
    assert (first, last) == (start - 1800, start + 86400 - 1800)


# --- gap 1: min step and min interval given as built-in variables -----------------------


def _run(
    tmp_path: Path, panel: dict[str, Any], target: dict[str, Any], range_s: float = HOUR
) -> tuple[pd.TargetResult, FakePrometheus]:
    dashboard = {"title": "d", "panels": [{"type": "timeseries", "title": "p", "gridPos": {"w": 24}, **panel,
                                           "targets": [{"refId": "A", **target}]}]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = FakePrometheus()
    report = pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, time_range=TimeRange(0, range_s))
    return report.results[0], client


@pytest.mark.parametrize("min_step", ["$__interval_ms", "${__interval_ms}", "$__rate_interval_ms"])
def test_a_min_step_of_interval_ms_leaves_rate_interval_at_zero(tmp_path: Path, min_step: str) -> None:
    # promlib: the min step is a variable (isVariableInterval), so the step follows
    # intervalMs; calculateRateInterval then parses it as the scrape interval, fails,
    # and $__rate_interval is 0s, which Prometheus refuses ("duration must be greater than 0").
    result, client = _run(tmp_path, {}, {"expr": "rate(x[$__rate_interval]) + $__rate_interval_ms",
                                         "interval": min_step})
    # 1h over 1920 points: 1.875s rounds to 2s; at least the 15s scrape interval.
    assert result.expr == "rate(x[0s]) + 0" and client.ranges[0][1] == 15_000


def test_a_min_step_of_interval_makes_the_step_the_rate_intervals_scrape(tmp_path: Path) -> None:
    # promlib's interpolateVariables: with $__interval as min step, the step takes the
    # scrape interval's place in $__rate_interval ([[__interval]] reaches it as $__interval).
    result, client = _run(tmp_path, {}, {"expr": "rate(x[$__rate_interval])", "interval": "[[__interval]]"},
                          range_s=24 * HOUR)
    # 24h over 1920 points is 45s: 1m for the frontend, so a 1m step; max(1m + 1m, 4 * 1m).
    assert result.expr == "rate(x[4m0s])" and client.ranges[0][1] == 60_000


@pytest.mark.parametrize("min_interval", ["$__interval", "$__interval_ms", "${__rate_interval}"])
def test_a_panel_min_interval_of_a_builtin_is_an_error(tmp_path: Path, min_interval: str) -> None:
    # The frontend reads the panel's min interval before it knows $__interval
    # (scenes' IntervalMacro gives the text back on first load): describeInterval throws.
    result, client = _run(tmp_path, {"interval": min_interval}, {"expr": "up"})
    assert (result.status, result.message) == ("error", pd.FRONTEND_INTERVAL_ERROR)
    assert client.ranges == []


def test_frontend_min_intervals() -> None:
    # describeInterval: a bare number is seconds (parseInt), a unit's count is parseInt too,
    # anything may follow the unit.
    assert [pd.frontend_interval_ms(t) for t in ("30", "1.5", "1.5m", "2mfoo", "500ms", "1M")] == [
        30_000, 1000, 60_000, 120_000, 500, 2_592_000_000,
    ]
    with pytest.raises(ValueError, match="Invalid interval string"):
        pd.frontend_interval_ms("0")


def test_a_min_step_promlib_cannot_parse_is_an_error(tmp_path: Path) -> None:
    result, client = _run(tmp_path, {}, {"expr": "up", "interval": "soon"})
    assert (result.status, result.message) == ("error", 'time: invalid duration "soon"')
    assert client.ranges == []


# --- gap 2: repeated rows and panels (RowRepeaterBehavior, DashboardGridItem) ----------


def _repeat_dashboard(panels: list[dict[str, Any]], **job: Any) -> dict[str, Any]:
    variable = {"type": "custom", "name": "job", "query": "api,web,db", "multi": True,
                "current": {"value": ["api", "web"]}, **job}
    return {"title": "d", "templating": {"list": [variable, {"type": "custom", "name": "x", "query": "1,2",
                                                              "multi": True, "current": {"value": ["1", "2"]}}]},
            "panels": panels}


def _check(tmp_path: Path, dashboard: dict[str, Any], *, range_s: float = HOUR,
           each_value: bool = False) -> tuple[pd.PanelDataReport, FakePrometheus]:
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = FakePrometheus()
    report = pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES,
                                time_range=TimeRange(0, range_s), each_value=each_value)
    return report, client


def _panel(title: str, expr: str, **kw: Any) -> dict[str, Any]:
    return {"type": "timeseries", "title": title, "gridPos": {"w": 24}, **kw, "targets": [{"refId": "A", "expr": expr}]}


def test_a_repeated_row_and_its_panels_are_shown_once_per_selected_value(tmp_path: Path) -> None:
    # Each row copy holds the variable at one value; the panels after an open row and
    # inside a collapsed one are the row's.
    report, _ = _check(tmp_path, _repeat_dashboard([
        {"type": "row", "title": "Service", "repeat": "job", "panels": []},
        _panel("Up", 'up{job="$job"}'),
        {"type": "row", "title": "Closed", "repeat": "job", "collapsed": True,
         "panels": [_panel("Inside", 'x{job=~"$job"}')]},
    ]))
    assert [(r.row, r.panel, r.expr) for r in report.results] == [
        ("Service (job=api)", "Up", 'up{job="api"}'),
        ("Service (job=web)", "Up", 'up{job="web"}'),
        # A multi-value variable's copy is still regex-escaped by the Prometheus datasource.
        ("Closed (job=api)", "Inside", 'x{job=~"api"}'),
        ("Closed (job=web)", "Inside", 'x{job=~"web"}'),
    ]


def test_a_row_repeated_over_all_has_one_copy_per_option_and_repeated_panels_inside(tmp_path: Path) -> None:
    dashboard = _repeat_dashboard([
        {"type": "row", "title": "R", "repeat": "job", "panels": []},
        _panel("P", 'up{job="$job", x="$x"}', repeat="x", repeatDirection="v"),
    ], includeAll=True, current={"value": ["$__all"]})
    report, _ = _check(tmp_path, dashboard)
    assert [r.expr for r in report.results] == [
        f'up{{job="{job}", x="{x}"}}' for job in ("api", "web", "db") for x in ("1", "2")
    ]


def test_a_repeat_over_a_variable_without_value_still_shows_one_copy(tmp_path: Path) -> None:
    dashboard = _repeat_dashboard([{"type": "row", "title": "R", "repeat": "job", "panels": []},
                                   _panel("P", 'up{job="$job"}')], query="")
    report, _ = _check(tmp_path, dashboard)
    assert [(r.row, r.expr) for r in report.results] == [("R", 'up{job=""}')]


@pytest.mark.parametrize(("options", "step_ms"), [
    ({"repeatDirection": "h", "maxPerRow": 2}, 20_000),  # 2 columns: 960 px, 20s a point
    ({}, 30_000),  # horizontal by default, 4 per row: 480 px, 40s a point, 30s
    ({"repeatDirection": "v"}, 15_000),  # the panel's own width (24): 10s a point, at least the scrape
])
def test_a_horizontal_repeat_splits_the_width_and_so_the_data_points(
    tmp_path: Path, options: dict[str, Any], step_ms: int
) -> None:
    # DashboardGridItem: an "h" repeat spans 24 columns split in min(copies, maxPerRow)
    # (4 by default); a panel's data points are its width in pixels.
    dashboard = _repeat_dashboard([_panel("P", 'up{job="$job"}', repeat="job", **options)],
                                  query="a,b,c,d,e,f", current={"value": ["a", "b", "c", "d", "e", "f"]})
    report, client = _check(tmp_path, dashboard, range_s=480 * 40)
    assert len(report.results) == 6 and {step for _, step, _, _ in client.ranges} == {step_ms}


def test_each_value_keeps_a_repeated_rows_own_value(tmp_path: Path) -> None:
    dashboard = _repeat_dashboard([{"type": "row", "title": "R", "repeat": "job", "panels": []},
                                   _panel("P", 'up{job="$job", x=~"$x"}')])
    report, _ = _check(tmp_path, dashboard, each_value=True)
    # Two row copies, each at first load and with $x picked as 1 and 2; $job is never re-picked.
    assert sorted((r.row, r.selection) for r in report.results) == [
        (f"R (job={job})", sel) for job in ("api", "web") for sel in ("", "$x=1", "$x=2")
    ]


def test_a_time_grafana_cannot_compute_falls_back_to_the_default_range(tmp_path: Path) -> None:
    # scenes' SceneTimeRange: a "from" that is not a valid time is now-6h, a "to" now
    # (each side on its own); the panels run over that range, no error is shown.
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC).timestamp()
    bad_from = pd.dashboard_range({"time": {"from": "now-1d/2d", "to": "now/d"}, "timezone": "utc"}, now=now)
    assert (bad_from.start, bad_from.end) == (now - 6 * HOUR, now + 14 * HOUR - 0.001)
    bad_to = pd.dashboard_range({"time": {"from": "now-1h", "to": "yesterday"}, "timezone": "utc"}, now=now)
    assert (bad_to.start, bad_to.end) == (now - HOUR, now)
    dashboard = {"title": "d", "time": {"from": "now-1d/2d", "to": "now"}, "panels": [_panel("P", "up")]}
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    report = pd.check_dashboard(path, FakePrometheus(), name="d.json", datasources=DATASOURCES)
    assert [(r.panel, r.status) for r in report.results] == [("P", "ok")]


def test_each_value_picks_one_option_as_a_user_would_a_list_for_a_multi_value_variable(tmp_path: Path) -> None:
    # A user picking one value of a multi-value variable leaves a list of one (JSON ["1"]),
    # unlike a repeat's copy, which holds the value itself.
    dashboard = _repeat_dashboard([_panel("P", 'up{x=~"${x:json}"}')])
    report, _ = _check(tmp_path, dashboard, each_value=True)
    assert {r.selection: r.expr for r in report.results} == {
        "": 'up{x=~"["1","2"]"}', "$x=1": 'up{x=~"["1"]"}', "$x=2": 'up{x=~"["2"]"}',
    }


VALUES = st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=4, unique=True)


@given(VALUES)
def test_the_regex_format_matches_each_value_literally(values: list[str]) -> None:
    # escapeRegex escapes every metacharacter: the result matches exactly the values.
    pattern = pd.format_variable(_var(values, multi=True), "regex")
    assert all(re.fullmatch(pattern, v, re.S) for v in values)
    assert not re.fullmatch(pattern, "".join(values) + "\0", re.S)


@given(VALUES)
def test_percentencode_keeps_only_unreserved_characters_and_decodes_back(values: list[str]) -> None:
    # encodeURIComponentStrict (RFC 3986): a single value, or {a,b} for a list.
    single = pd.format_variable(_var(values[:1]), "percentencode")
    listed = pd.format_variable(_var(values, multi=True), "percentencode")
    assert urllib.parse.unquote(single) == values[0]
    assert urllib.parse.unquote(listed) == "{" + ",".join(values) + "}"
    assert re.fullmatch(r"[A-Za-z0-9\-_.~%]*", single + listed)


# --- review against Grafana's source (Prometheus datasource, promlib, scenes) -------------


def test_a_panel_query_is_interpolated_twice_as_the_prometheus_datasource_does(tmp_path: Path) -> None:
    # applyTemplateVariables replaces the variables, then (ad-hoc filters added) replaces
    # them again: a value holding a variable reference is expanded on the second pass.
    dashboard = {"title": "d", "templating": {"list": [
        {"type": "custom", "name": "job", "query": "api", "current": {"value": "api"}},
        {"type": "constant", "name": "sel", "query": 'job="$job"'},
    ]}, "panels": [_panel("P", "sum(rate(up{$sel}[$__rate_interval]))")]}
    report, _ = _check(tmp_path, dashboard)
    assert [r.expr for r in report.results] == ['sum(rate(up{job="api"}[1m0s]))']


@pytest.mark.parametrize(("time_interval", "interval", "interval_ms"), [
    ("15s", "15s", "15000"),
    # The datasource's interval as written; intervalToMs reads its leading number and unit.
    ("1m30s", "1m30s", "60000"),
    ("", "15s", "15000"),  # the datasource's default
])
def test_a_variable_query_sees_the_datasources_interval_and_no_rate_interval(
    time_interval: str, interval: str, interval_ms: str
) -> None:
    # PrometheusVariableSupport: $__interval is the datasource's interval (timeInterval,
    # else 15s), $__interval_ms that in ms, $__range* the range; $__rate_interval is
    # not known there and stays as written.
    query = 'label_values(up{i="$__interval", ms="${__interval_ms}", r="$__range", q="$__rate_interval"}, job)'
    match = f'up{{i="{interval}", ms="{interval_ms}", r="3600s", q="$__rate_interval"}}'
    client = FakePrometheus({("job", match): ["api"]})
    datasources = [pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True,
                                 time_interval=time_interval)]
    dashboard = _templating({"type": "query", "name": "job", "query": query})
    var = pd.resolve_variables(dashboard, client, TimeRange(0, HOUR), datasources)["job"]
    assert (var.values, var.problem) == (("api",), "")


def test_format_arguments_are_split_as_scenes_splits_them() -> None:
    # sceneInterpolator: "join:" has one empty argument, so the separator is "" (the
    # formatter's "?? ','" applies only without an argument).
    var = _var(["a", "b"], multi=True)
    assert (pd.format_variable(var, "join:"), pd.format_variable(var, "join")) == ("ab", "a,b")


def test_the_date_format_of_a_list_is_nan() -> None:
    # formatRegistry's date: a number or a string is read (parseInt); a list is NaN.
    assert pd.format_variable(_var(["1700000000000", "1"], multi=True), "date:seconds") == "NaN"
    assert pd.format_variable(_var(["1700000000000"]), "date:seconds") == "1700000000"


def test_datemath_rejects_a_number_running_past_the_tenth_character() -> None:
    # parseDateMath stops reading a number once its index in the math text passes 10:
    # the time is invalid (and the dashboard falls back to its default range).
    zone = ZoneInfo("UTC")
    now = datetime(2026, 11, 27, 10, 0, tzinfo=UTC).timestamp()
    assert pd.parse_time("now-1d/d+1000h", now, zone) == datetime(2027, 1, 6, 16, 0, tzinfo=UTC).timestamp()
    for text in ("now-1d/d+10000h", "now-10000000000s"):
        with pytest.raises(ValueError):
            pd.parse_time(text, now, zone)


def _steps(tmp_path: Path, panel: dict[str, Any], datasources: list[pd.Datasource]) -> list[tuple[int, str]]:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"title": "d", "panels": [panel]}), encoding="utf-8")
    client = FakePrometheus()
    report = pd.check_dashboard(path, client, name="d.json", datasources=datasources, time_range=TimeRange(0, HOUR))
    return [(step, r.expr) for (_, step, _, _), r in zip(client.ranges, report.results, strict=True)]


def test_the_frontend_reads_the_datasources_interval_with_interval_to_ms(tmp_path: Path) -> None:
    # SceneQueryRunner's low limit is the panel datasource's interval through
    # rangeUtil.intervalToMs, which reads the leading number and unit: "1m30s" is 1m.
    # promlib parses the whole "1m30s" (90s) as the scrape interval of $__rate_interval.
    datasources = [pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="1m30s")]
    panel = _panel("P", "rate(x[$__rate_interval]) / $__interval")
    assert _steps(tmp_path, panel, datasources) == [(60_000, "rate(x[6m0s]) / 1m")]


def test_a_mixed_panel_has_no_low_limit_from_its_datasource(tmp_path: Path) -> None:
    # The Mixed datasource has no interval: the frontend's low limit is 1 ms, so the
    # interval (and promlib's step) is the range over the data points: 1h / 1920 -> 2s.
    panel = {**_panel("P", "rate(x[$__rate_interval])"), "datasource": {"type": "datasource", "uid": "-- Mixed --"}}
    panel["targets"][0]["datasource"] = {"type": "prometheus", "uid": "prometheus"}
    assert _steps(tmp_path, panel, DATASOURCES) == [(2_000, "rate(x[1m0s])")]
    # The reference Grafana saves for the Mixed datasource (type "datasource"); a target
    # of a mixed panel without a datasource of its own goes to the default one.
    assert pd.datasource_type(panel["datasource"], {}, DATASOURCES) == "mixed"
    del panel["targets"][0]["datasource"]
    assert _steps(tmp_path, panel, DATASOURCES) == [(2_000, "rate(x[1m0s])")]


def test_a_legacy_rows_dashboard_is_migrated_to_the_grid_first(tmp_path: Path) -> None:
    # DashboardMigrator (schemaVersion < 16) puts rows' panels on the grid, a span of
    # 12 being the full 24 columns: 1920 px, so 1d / 1920 -> 45s -> a 1m interval.
    dashboard = {"title": "d", "schemaVersion": 14, "rows": [{"title": "R", "showTitle": True, "panels": [
        {"id": 1, "type": "graph", "title": "P", "span": 12, "targets": [{"refId": "A", "expr": "up"}]}]}]}
    report, client = _check(tmp_path, dashboard, range_s=24 * HOUR)
    assert [(r.row, r.panel) for r in report.results] == [("R", "P")]
    assert [step for _, step, _, _ in client.ranges] == [60_000]


def test_a_single_value_is_matched_as_scenes_matches_it() -> None:
    # findOptionMatchingCurrent: the saved value must equal an option's value (a list
    # saved on a single-value variable never does), else the *last* option whose text
    # equals the saved text is taken; else the default (All when offered, the first).
    def pick(query: str, current: dict[str, Any]) -> tuple[str, ...]:
        dashboard = _templating({"type": "custom", "name": "x", "query": query, "current": current})
        return pd.resolve_variables(dashboard, FakePrometheus(), TimeRange(0, 1), DATASOURCES)["x"].values

    assert pick("api,web", {"value": ["web"], "text": ["web"]}) == ("api",)
    assert pick("A : 1,A : 2,B : 3", {"value": "9", "text": "A"}) == ("2",)
    assert pick("A : 1,A : 2,B : 3", {"value": "3", "text": "A"}) == ("3",)


def test_custom_options_are_interpolated_and_split_at_the_last_colon() -> None:
    # CustomVariable.transformCsvStringToOptions: the query is interpolated first, and
    # /^\s*(.+)\s:\s(.+)$/ (greedy) makes the text everything before the last " : ".
    dashboard = _templating(
        {"type": "custom", "name": "env", "query": "prod"},
        {"type": "custom", "name": "x", "query": "$env-1,a : b : c,d\t:\te"},
    )
    var = pd.resolve_variables(dashboard, FakePrometheus(), TimeRange(0, 1), DATASOURCES)["x"]
    assert list(zip(var.option_texts, var.options, strict=True)) == [
        ("prod-1", "prod-1"), ("a : b", "c"), ("d", "e"),
    ]


class LabelNames(FakePrometheus):
    """Label names for one match[] (anything else: none); records what was asked."""

    def __init__(self, match: str | None, names: list[str]) -> None:
        super().__init__({("job", None): ["api"]})
        self.match, self.names = match, names
        self.asked: list[str | None] = []

    def label_names(self, match: str | None, time_range: TimeRange) -> list[str]:
        self.asked.append(match)
        return self.names if match == self.match else []

    def label_values(self, label: str, match: str | None, time_range: TimeRange) -> list[str]:
        self.asked.append(match)
        return super().label_values(label, match, time_range)


def test_label_names_and_label_values_send_the_matchers_grafana_sends() -> None:
    # PrometheusMetricFindQuery: label_names(up) asks for the labels of the series whose
    # name contains "up" ({__name__=~".*up.*"}) and leaves __name__ out; label_values
    # with an empty filter ({}) sends no match[].
    client = LabelNames('{__name__=~".*up.*"}', ["__name__", "instance", "job"])
    dashboard = _templating({"type": "query", "name": "l", "query": "label_names(up)"},
                            {"type": "query", "name": "j", "query": "label_values({ }, job)"})
    variables = pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)
    assert (variables["l"].options, variables["j"].options) == (("instance", "job"), ("api",))
    assert client.asked == ['{__name__=~".*up.*"}', None]


class Instant(FakePrometheus):
    """One instant query answer, whatever the expression."""

    def __init__(self, result_type: str, result: Any) -> None:
        super().__init__()
        self.answer = (result_type, result)

    def instant(self, expr: str, at: float) -> tuple[str, Any]:
        return self.answer


@pytest.mark.parametrize(("result_type", "result", "options", "problem"), [
    # A scalar (or string) is one option, its value alone.
    ("scalar", [1700000000.5, "3"], ("3",), ""),
    # A vector: name{labels} value timestamp-in-ms, as JavaScript prints value[0] * 1000.
    ("vector", [{"metric": {"__name__": "up", "job": "api"}, "value": [1700000000.5, "1"]}],
     ("up{job=\"api\"} 1 1700000000500",), ""),
    # A range vector: queryResultQuery throws, the variable gets no option.
    ("matrix", [{"metric": {}, "values": [[1, "1"]]}], (), "Unknown/Unhandled result type: [matrix]"),
])
def test_query_result_options_follow_the_result_type(
    result_type: str, result: Any, options: tuple[str, ...], problem: str
) -> None:
    dashboard = _templating({"type": "query", "name": "q", "query": "query_result(x)"})
    var = pd.resolve_variables(dashboard, Instant(result_type, result), TimeRange(0, 1), DATASOURCES)["q"]
    assert var.options == options and problem in var.problem


def test_range_seconds_round_half_up_as_go_and_javascript_do() -> None:
    # promlib: math.Round(rangeMs / 1000); the frontend: Math.round. 2.5s is 3, not 2.
    iv = pd.Intervals(interval_ms=1000, step_ms=1000, rate_interval_ms=4000, range=TimeRange(0, 2.5))
    builtins = pd.builtin_variables({"title": "d"}, iv)
    assert (builtins["__range"], builtins["__range_s"], builtins["__range_ms"]) == ("3s", "3", "2500")
    variable = pd.variable_builtins({"title": "d"}, TimeRange(0, 4.5), "15s")
    assert (variable["__range"], variable["__range_s"]) == ("5s", "5")


@pytest.mark.parametrize(("current", "value"), [
    ("5m", "5m"),  # one of the intervals: kept
    ("7m", "1m"),  # stale: the first interval (not the auto one)
    ("$__auto_interval_iv", "10m"),  # the old auto value: auto
    ("$__auto", "10m"),  # the new one too
])
def test_an_interval_variables_saved_value_as_grafana_reads_it(current: str, value: str) -> None:
    # getCurrentValueForOldIntervalModel, then IntervalVariable.getValue: auto is the
    # range over auto_count steps (6h / 30 -> 10m), at least auto_min.
    dashboard = _templating({"type": "interval", "name": "iv", "query": "1m,5m", "auto": True, "auto_count": 30,
                             "auto_min": "10s", "current": {"value": current}})
    var = pd.resolve_variables(dashboard, FakePrometheus(), TimeRange(0, 6 * HOUR), DATASOURCES)["iv"]
    assert var.values == (value,)


class Capture(pd.PrometheusClient):
    """Records the parameters of each API call instead of sending it."""

    def __init__(self) -> None:
        super().__init__("http://127.0.0.1:1")
        self.params: list[tuple[str, str]] = []

    def _call(self, path: str, params: Sequence[tuple[str, str]], *, get: bool = False) -> Any:
        self.params = list(params)
        return {"resultType": "matrix", "result": []}


@pytest.mark.parametrize(("step_ms", "sent"), [
    (15_000, "15"), (500, "0.5"), (2_592_000_000, "2592000"), (1_234_567_891, "1234567.891"),
])
def test_the_step_is_sent_exactly(step_ms: int, sent: str) -> None:
    # A step of seconds with up to millisecond precision, never rounded to 6 digits.
    client = Capture()
    client.query_range("up", 0, 1, step_ms)
    assert dict(client.params)["step"] == sent
