"""Grafana's first-load rules as panel_data applies them, without servers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.durations import parse_ms
from obs_as_code.e2e import panel_data as pd
from obs_as_code.e2e.panel_data import TimeRange, Variable, check, templating

HOUR = 3600.0


def _iv(range_s: float, *, width: int = 12, scrape: int = 15_000, **target: Any) -> pd.Intervals:
    return pd.target_intervals({"gridPos": {"w": width}}, target, TimeRange(0.0, range_s), scrape)


def test_round_interval_follows_grafanas_table() -> None:
    assert [pd.round_interval(ms) for ms in (5, 11, 749, 751, 1500, 1501, 45_000, 45_001, 90_001)] == [
        1, 10, 500, 1000, 1000, 2000, 30_000, 60_000, 120_000,
    ]
    assert pd.round_interval(4_000_000_000) == 31_536_000_000


def test_the_frontend_rounds_a_boundary_up_where_the_backend_rounds_it_down() -> None:
    # Grafana's frontend (rangeutil.roundInterval) compares with "<", its backend
    # (gtime.RoundInterval) with "<=": 17.5s is 20s for the frontend, 15s for the backend.
    assert [pd.round_interval(ms, frontend=True) for ms in (1500, 17_500, 17_499, 604_800_000)] == [
        2000, 20_000, 15_000, 604_800_000,
    ]
    assert pd.round_interval(17_500) == 15_000
    # A 9h20m range over a full-width panel (1920 points) is exactly 17.5s a point:
    # the frontend's interval is 20s, and the backend's step never goes below it.
    iv = _iv(9 * HOUR + 20 * 60, width=24)
    assert (iv.step_ms, iv.rate_interval_ms) == (20_000, 60_000)


def test_go_duration_spelling() -> None:
    assert [pd.go_duration(ms) for ms in (0, 500, 4000, 1500, 91_000, 3_600_000, 3_661_000)] == [
        "0s", "500ms", "4s", "1.5s", "1m31s", "1h0m0s", "1h1m1s",
    ]


@given(st.integers(min_value=1, max_value=10**7))
def test_go_duration_of_whole_seconds_is_a_prometheus_duration(seconds: int) -> None:
    assert parse_ms(pd.go_duration(seconds * 1000)) == seconds * 1000


def test_kbn_interval() -> None:
    assert [pd.kbn_interval(ms) for ms in (1, 500, 1000, 30_000, 60_000, 7_200_000)] == [
        "1ms", "500ms", "1s", "30s", "1m", "2h",
    ]


def test_rate_interval_is_four_scrapes_on_a_short_range() -> None:
    # 40s over a 960 px panel: the interval falls to the scrape interval (1s).
    iv = _iv(40, scrape=1000)
    assert (iv.interval_ms, iv.step_ms, iv.rate_interval_ms) == (1000, 1000, 4000)


def test_rate_interval_is_interval_plus_scrape_on_a_long_range() -> None:
    # 7 days over a full-width panel (1920 px): 315s rounds to 5m; 5m + 15s > 4 * 15s.
    iv = _iv(7 * 24 * HOUR, width=24)
    assert (iv.interval_ms, iv.rate_interval_ms) == (300_000, 315_000)
    assert pd.go_duration(iv.rate_interval_ms) == "5m15s"


def test_six_hours_default_range() -> None:
    # 21600s / 960 px = 22.5s -> 20s; max(20s + 15s, 60s) = 60s.
    iv = _iv(6 * HOUR)
    assert (iv.step_ms, iv.rate_interval_ms) == (20_000, 60_000)


def test_min_step_replaces_the_scrape_interval() -> None:
    iv = _iv(40, scrape=1000, interval="30s")
    assert (iv.step_ms, iv.rate_interval_ms) == (30_000, 120_000)


def test_min_step_rate_interval_makes_the_step_the_rate_interval() -> None:
    iv = _iv(40, scrape=1000, interval="$__rate_interval")
    assert iv.step_ms == iv.rate_interval_ms == 4000


def test_panel_min_interval_and_resolution_factor() -> None:
    iv = pd.target_intervals({"gridPos": {"w": 12}, "interval": "1m"}, {"intervalFactor": 2},
                             TimeRange(0.0, HOUR), 15_000)
    assert (iv.interval_ms, iv.step_ms, iv.rate_interval_ms) == (120_000, 120_000, 75_000)


def _var(name: str, values: Sequence[str], **kw: Any) -> Variable:
    return Variable(name, kw.pop("type", "query"), tuple(values), options=tuple(values), **kw)


def test_all_without_all_value_is_the_escaped_regex_of_every_option() -> None:
    var = _var("path", ["/api/v1.0", "/a|b"], is_all=True, multi=True, include_all=True)
    assert pd.format_variable(var, None) == r"(/api/v1\\.0|/a\\|b)"


def test_all_value_is_used_verbatim() -> None:
    var = _var("job", ["a", "b"], is_all=True, all_value=".*", include_all=True)
    assert pd.format_variable(var, None) == ".*"
    assert pd.format_variable(var, "pipe") == ".*"


def test_single_value_of_a_plain_variable_is_not_regex_escaped() -> None:
    assert pd.format_variable(_var("x", ["a.b"]), None) == "a.b"
    assert pd.format_variable(_var("x", ["it's"]), None) == "it\\\\'s"
    assert pd.format_variable(_var("x", ["a.b"], multi=True), None) == r"a\\.b"


def test_formats() -> None:
    var = _var("v", ["a", "b"], multi=True)
    assert pd.format_variable(var, "pipe") == "a|b"
    assert pd.format_variable(var, "csv") == "a,b"
    assert pd.format_variable(var, "glob") == "{a,b}"
    assert pd.format_variable(var, "regex") == "(a|b)"
    # JSON.stringify: no space after the comma.
    assert pd.format_variable(var, "json") == '["a","b"]'
    assert pd.format_variable(var, "singlequote") == "'a','b'"


def test_interpolate_every_syntax_and_leaves_unknown_variables() -> None:
    variables = {"job": _var("job", ["api"])}
    builtins = {"__rate_interval": "4s", "__rate_interval_ms": "4000"}
    text = 'rate(x{job="$job", j2="${job}", j3="[[job]]", j4="${job:csv}"}[$__rate_interval]) $__rate_interval_ms $nope'
    assert pd.interpolate(text, variables, builtins) == (
        'rate(x{job="api", j2="api", j3="api", j4="api"}[4s]) 4000 $nope'
    )


def test_builtins_in_a_variables_value_are_replaced_after_it() -> None:
    # Grafana's frontend puts the variable's value in, then its backend replaces
    # $__rate_interval & co. in the result: a window variable may offer them.
    variables = {"window": _var("window", ["$__rate_interval"]), "step": _var("step", ["${__interval}"])}
    builtins = {"__rate_interval": "4s", "__interval": "1s", "__interval_ms": "1000"}
    text = "rate(x[$window]) + rate(y[$step]) + $__interval_ms"
    assert pd.interpolate(text, variables, builtins) == "rate(x[4s]) + rate(y[1s]) + 1000"


def test_from_and_to_formats() -> None:
    builtins = {"__from": "1700000000123", "__to": "1700000060000"}
    text = "${__from} ${__from:date:seconds} ${__to:date:iso}"
    assert pd.interpolate(text, {}, builtins) == "1700000000123 1700000000 2023-11-14T22:14:20.000Z"


def test_builtins_follow_the_range() -> None:
    iv = _iv(3 * HOUR)
    builtins = pd.builtin_variables({"title": "T"}, iv)
    assert builtins["__range"] == "10800s" and builtins["__range_s"] == "10800"
    assert builtins["__range_ms"] == "10800000" and builtins["__dashboard"] == "T"


def test_iter_panels_reads_collapsed_open_and_legacy_rows() -> None:
    dashboard = {
        "panels": [
            {"type": "stat", "title": "top"},
            {"type": "row", "title": "closed", "collapsed": True, "panels": [{"type": "stat", "title": "inside"}]},
            {"type": "row", "title": "open", "panels": []},
            {"type": "stat", "title": "after open"},
        ],
        "rows": [{"title": "legacy", "panels": [{"type": "graph", "title": "old"}]}],
    }
    assert [(row, p["title"]) for row, p in pd.iter_panels(dashboard)] == [
        ("", "top"), ("closed", "inside"), ("open", "after open"), ("legacy", "old"),
    ]


def test_datasource_interval_is_the_override_then_the_datasources_then_15s() -> None:
    # One rule for the interval Grafana takes from a datasource ($__interval's low
    # limit, $__rate_interval's scrape, a query variable's $__interval): check.py
    # and templating.py spelled it three ways.
    from obs_as_code.e2e.panel_data.datasources import datasource_interval, datasource_interval_ms

    mimir = pd.Datasource("Mimir", "mimir", "prometheus", time_interval="1m")
    unset = pd.Datasource("Unset", "unset", "prometheus")
    garbled = pd.Datasource("Garbled", "garbled", "prometheus", time_interval="often")
    assert datasource_interval(mimir, "1s") == "1s"
    assert datasource_interval(mimir) == "1m"
    assert datasource_interval(unset, unknown=mimir) == "15s"  # a datasource found: its own, or Grafana's default
    assert datasource_interval(None, unknown=mimir) == "1m"
    assert datasource_interval(None) == "15s"
    assert datasource_interval(garbled) == "often"  # as written: the frontend reads it (and may fail)
    assert [datasource_interval_ms(d) for d in (mimir, unset, garbled, None)] == [60_000, 15_000, 15_000, 15_000]
    assert datasource_interval_ms(None, "1s", unknown=mimir) == 1000


def test_a_reference_to_no_provisioned_datasource_takes_the_default_prometheus_interval(tmp_path: Path) -> None:
    datasources = [pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="30s")]
    dashboard = {
        "title": "d",
        "panels": [
            {"type": "timeseries", "title": "ghost", "gridPos": {"w": 24}, "datasource": {"type": "prometheus", "uid": "ghost"},
             "targets": [{"refId": "A", "expr": "rate(a[$__rate_interval])"}]},
        ],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = RecordingRanges({})
    pd.check_dashboard(path, client, name="d.json", datasources=datasources, time_range=TimeRange(0, HOUR))
    # Scrape 30s: $__rate_interval = max(interval + 30s, 4 * 30s) = 2m; the step is at least 30s.
    assert client.asked == [("rate(a[2m0s])", "30000")]


def test_dashboard_range() -> None:
    utc = ZoneInfo("UTC")
    tr = pd.dashboard_range({"time": {"from": "now-7d", "to": "now"}}, now=1_000_000.0, browser=utc)
    assert (tr.start, tr.end) == (1_000_000.0 - 7 * 86400, 1_000_000.0)
    tr = pd.dashboard_range({}, now=100_000.0, browser=utc)
    assert tr.end - tr.start == 6 * HOUR


DATASOURCES = [
    pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s"),
    pd.Datasource("Loki", "loki", "loki"),
]


def test_datasource_type() -> None:
    variables = {"datasource": Variable("datasource", "datasource", ("prometheus",), options=("prometheus",))}
    assert pd.datasource_type(None, variables, DATASOURCES) == "prometheus"
    assert pd.datasource_type({"uid": "${datasource}"}, variables, DATASOURCES) == "prometheus"
    assert pd.datasource_type("Loki", variables, DATASOURCES) == "loki"
    assert pd.datasource_type({"type": "loki", "uid": "x"}, variables, DATASOURCES) == "loki"
    assert pd.datasource_type({"uid": "-- Mixed --"}, variables, DATASOURCES) == "mixed"


class FakePrometheus(pd.PrometheusClient):
    """Answers label value look-ups from a table; records what was asked."""

    def __init__(self, values: dict[tuple[str, str | None], list[str]]) -> None:
        super().__init__("http://127.0.0.1:1")
        self.values = values
        self.asked: list[tuple[str, str | None]] = []

    def label_values(self, label: str, match: str | None, time_range: TimeRange) -> list[str]:
        self.asked.append((label, match))
        return self.values.get((label, match), [])

    def series(self, match: str, time_range: TimeRange) -> list[dict[str, str]]:
        self.asked.append(("series", match))
        return [{"__name__": "up", "job": "api"}, {"__name__": "up", "job": "web"}]


def _templating(*variables: dict[str, Any]) -> dict[str, Any]:
    return {"title": "d", "templating": {"list": list(variables)}}


def test_chained_query_variables_resolve_in_dependency_order() -> None:
    client = FakePrometheus({
        ("provider", "llm"): ["openai", "anthropic"],
        ("model", 'llm{provider=~".*"}'): ["m2", "m1"],
    })
    dashboard = _templating(
        # Declared before the variable it depends on: still resolved after it.
        {"type": "query", "name": "model", "query": 'label_values(llm{provider=~"$provider"}, model)', "sort": 1},
        {"type": "query", "name": "provider", "query": "label_values(llm, provider)", "includeAll": True,
         "multi": True, "allValue": ".*", "sort": 1},
    )
    variables = pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)
    assert client.asked == [("provider", "llm"), ("model", 'llm{provider=~".*"}')]
    assert variables["provider"].is_all and variables["provider"].options == ("anthropic", "openai")
    # No All: the first option after sorting.
    assert variables["model"].values == ("m1",) and not variables["model"].problem


def test_current_value_is_kept_when_it_is_an_option_and_replaced_when_stale() -> None:
    client = FakePrometheus({("job", None): ["api", "web"]})
    kept = _templating({"type": "query", "name": "job", "query": "label_values(job)", "includeAll": True,
                        "current": {"value": "web"}})
    stale = _templating({"type": "query", "name": "job", "query": "label_values(job)", "includeAll": True,
                         "current": {"value": "gone"}})
    assert pd.resolve_variables(kept, client, TimeRange(0, 1), DATASOURCES)["job"].values == ("web",)
    assert pd.resolve_variables(stale, client, TimeRange(0, 1), DATASOURCES)["job"].is_all


def test_a_multi_value_variable_keeps_its_current_values_still_offered() -> None:
    # Grafana (scenes' MultiValueVariable) drops the stale values and keeps the
    # others; only when none is left does it fall back to All (includeAll) or
    # the first option. All saved on a variable that no longer offers it: the first.
    client = FakePrometheus({("job", None): ["api", "web"]})

    def resolve(**var: Any) -> Variable:
        dashboard = _templating({"type": "query", "name": "job", "query": "label_values(job)", **var})
        return pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)["job"]

    partly = resolve(multi=True, includeAll=True, current={"value": ["web", "gone"]})
    assert partly.values == ("web",) and not partly.is_all
    assert resolve(multi=True, includeAll=True, current={"value": ["gone"]}).is_all
    assert resolve(multi=True, current={"value": ["gone"]}).values == ("api",)
    assert resolve(multi=True, current={"value": ["$__all"]}).values == ("api",)


def test_regex_filters_and_captures_options() -> None:
    client = FakePrometheus({("instance", None): ["api:3000", "web:8080", "db"]})
    dashboard = _templating({"type": "query", "name": "host", "query": "label_values(instance)",
                             "regex": "/([^:]+):\\d+/"})
    assert pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)["host"].options == ("api", "web")


def test_numerical_sort_is_grafanas_first_integer_and_desc_reverses_ascending() -> None:
    # Grafana: the first run of digits as an integer, -1 without one (so first);
    # a "desc" sort is the ascending one reversed (ties reversed too).
    def sort(texts: list[str], mode: int) -> list[str]:
        return [t for t, _ in templating._sort([(t, t) for t in texts], mode)]

    options = ["a", "x10", "x9", "y1.5", "z-2"]
    assert sort(options, 3) == ["a", "y1.5", "z-2", "x9", "x10"]
    assert sort(options, 4) == ["x10", "x9", "z-2", "y1.5", "a"]
    assert sort(["b1", "a1"], 4) == ["a1", "b1"]
    assert sort(["A", "a"], 6) == ["a", "A"]


def test_a_variable_matching_nothing_is_a_problem() -> None:
    dashboard = _templating({"type": "query", "name": "x", "query": "label_values(nope, x)", "includeAll": True})
    var = pd.resolve_variables(dashboard, FakePrometheus({}), TimeRange(0, 1), DATASOURCES)["x"]
    assert "matched nothing" in var.problem
    # Grafana's All of no option: a regex that matches only the empty value.
    assert pd.format_variable(var, None) == "()"


def test_custom_constant_textbox_and_datasource_variables() -> None:
    dashboard = _templating(
        {"type": "custom", "name": "c", "query": "a,b\\,c, Text : d", "includeAll": True, "allValue": ".+"},
        {"type": "custom", "name": "one", "query": "x,y"},
        {"type": "constant", "name": "k", "query": "42"},
        {"type": "textbox", "name": "t", "query": "default"},
        {"type": "datasource", "name": "ds", "query": "prometheus"},
        {"type": "datasource", "name": "none", "query": "tempo"},
    )
    variables = pd.resolve_variables(dashboard, FakePrometheus({}), TimeRange(0, 1), DATASOURCES)
    assert variables["c"].options == ("a", "b,c", "d") and variables["c"].is_all
    assert variables["one"].values == ("x",)
    assert variables["k"].values == ("42",) and variables["t"].values == ("default",)
    assert variables["ds"].values == ("prometheus",) and not variables["ds"].problem
    assert variables["none"].problem == "no provisioned tempo datasource"


def test_loki_query_variable_is_not_resolved_on_prometheus() -> None:
    dashboard = _templating({"type": "query", "name": "app", "query": "label_values(app)",
                             "datasource": {"type": "loki", "uid": "loki"}})
    client = FakePrometheus({("app", None): ["x"]})
    var = pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)["app"]
    assert client.asked == [] and var.problem == "loki variable not resolved"


def test_a_variable_waits_for_the_datasource_variable_it_queries_and_the_ones_its_regex_uses() -> None:
    # Declared before the variables it reads through its datasource and its regex
    # (Grafana waits for both, and interpolates the regex before applying it).
    client = FakePrometheus({("instance", None): ["api-1:80", "api-2:80", "web-1:80"]})
    dashboard = _templating(
        {"type": "query", "name": "host", "query": "label_values(instance)",
         "datasource": {"uid": "${ds}"}, "regex": "/^${prefix}-(\\d+)/"},
        {"type": "datasource", "name": "ds", "query": "prometheus"},
        {"type": "custom", "name": "prefix", "query": "api,web"},
    )
    var = pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)["host"]
    assert not var.problem and var.options == ("1", "2")


def test_a_plain_selector_variable_lists_series_and_regex_picks_the_label() -> None:
    client = FakePrometheus({})
    dashboard = _templating({"type": "query", "name": "job", "query": "up", "regex": '/job="([^"]+)"/'})
    var = pd.resolve_variables(dashboard, client, TimeRange(0, 1), DATASOURCES)["job"]
    assert client.asked == [("series", "up")] and var.options == ("api", "web")


def test_never_refreshed_variable_shows_the_saved_options_only() -> None:
    client = FakePrometheus({("job", None): ["api"]})
    saved = _templating({"type": "query", "name": "job", "query": "label_values(job)", "refresh": 0,
                         "options": [{"text": "web", "value": "web"}]})
    unsaved = _templating({"type": "query", "name": "job", "query": "label_values(job)", "refresh": 0})
    assert pd.resolve_variables(saved, client, TimeRange(0, 1), DATASOURCES)["job"].values == ("web",)
    var = pd.resolve_variables(unsaved, client, TimeRange(0, 1), DATASOURCES)["job"]
    assert client.asked == [] and "never" in var.problem


def test_auto_interval_variable() -> None:
    dashboard = _templating({"type": "interval", "name": "iv", "query": "1m,10m", "auto": True, "auto_count": 30,
                             "auto_min": "10s", "current": {"value": "$__auto_interval_iv"}})
    # 6h over 30 steps: 720s rounds to 10m.
    var = pd.resolve_variables(dashboard, FakePrometheus({}), TimeRange(0, 6 * HOUR), DATASOURCES)["iv"]
    assert var.values == ("10m",) and var.options[1:] == ("1m", "10m")


class FakeQueries(FakePrometheus):
    """Label values from a table; a query has data when it names a model that exists."""

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        self.asked.append(("query_range", expr))
        return [{"metric": {}, "values": [[start, "1"]]}] if "m-" in expr else []


def test_each_value_picks_one_option_and_refreshes_the_variables_depending_on_it(tmp_path: Path) -> None:
    client = FakeQueries({
        ("provider", "llm"): ["a", "b"],
        ("model", 'llm{provider=~".*"}'): ["m-a", "m-b"],
        ("model", 'llm{provider=~"a"}'): ["m-a"],
        ("model", 'llm{provider=~"b"}'): [],
    })
    dashboard = _templating(
        {"type": "query", "name": "provider", "query": "label_values(llm, provider)", "includeAll": True,
         "multi": True, "allValue": ".*"},
        {"type": "query", "name": "model", "query": 'label_values(llm{provider=~"$provider"}, model)',
         "includeAll": True, "multi": True},
    )
    dashboard["panels"] = [{"type": "stat", "title": "Models", "targets": [
        {"refId": "A", "expr": 'sum(llm{model=~"$model"})'}]}]
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    report = pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, time_range=TimeRange(0, 60),
                                scrape_interval="1s", each_value=True)
    runs = {r.selection: (r.expr, r.status) for r in report.results}
    assert runs == {
        "": ('sum(llm{model=~"(m-a|m-b)"})', "ok"),
        "$provider=a": ('sum(llm{model=~"m-a"})', "ok"),
        # Provider b has no model: All of no option, the panel shows nothing.
        "$provider=b": ('sum(llm{model=~"()"})', "empty"),
        "$model=m-a": ('sum(llm{model=~"m-a"})', "ok"),
        "$model=m-b": ('sum(llm{model=~"m-b"})', "ok"),
    }


def test_load_datasources_reads_the_provisioning(tmp_path: Path) -> None:
    folder = tmp_path / "grafana" / "provisioning" / "datasources"
    folder.mkdir(parents=True)
    (folder / "ds.yaml").write_text(
        "apiVersion: 1\ndatasources:\n- name: P\n  type: prometheus\n  uid: p\n  isDefault: true\n"
        "  jsonData:\n    timeInterval: 30s\n", encoding="utf-8")
    assert pd.load_datasources(tmp_path) == [pd.Datasource("P", "p", "prometheus", True, "30s")]


def test_report_text_and_json() -> None:
    report = pd.PanelDataReport()
    report.results += [
        pd.TargetResult("a.json", "Ok", "A", "up", "ok", expr="up", series=1),
        pd.TargetResult("a.json", "Gone", "B", "nope", "empty", expr="nope"),
        pd.TargetResult("a.json", "Bad", "C", "(", "error", expr="(", message="bad_data: parse error"),
        pd.TargetResult("a.json", "Gone", "B", "x{p=~\"$p\"}", "empty", expr='x{p=~"a"}', selection="$p=a"),
    ]
    report.skipped["loki"] += 2
    text = report.render_text()
    assert "EMPTY a.json: 'Gone' [B]\n" in text and "ERROR a.json: 'Bad' [C]" in text
    assert "bad_data: parse error" in text and "with $p=a" in text and "'Ok'" not in text
    assert text.splitlines()[-1] == (
        "3 Prometheus target(s): 1 ok, 1 empty, 1 error; 1 single-value run(s): 0 ok, 1 empty, 0 error; "
        "skipped: 2 loki"
    )
    data = json.loads(json.dumps(report.to_json()))
    assert [r["status"] for r in data["results"]] == ["ok", "empty", "error", "empty"]
    assert data["skipped"] == {"loki": 2}


def test_problems_honour_the_allowed_empty_panels() -> None:
    report = pd.PanelDataReport()
    report.results += [
        pd.TargetResult("alerting/a.json", "Firing alerts by name", "A", "ALERTS", "empty", expr="ALERTS"),
        pd.TargetResult("llm/b.json", "Errors", "A", "e", "empty", expr="e"),
        pd.TargetResult("llm/b.json", "Bad", "A", "(", "error", expr="(", message="parse error"),
    ]
    report.variables["llm/b.json"] = [Variable("m", "query", (), problem="label_values(x, m) matched nothing")]
    assert report.problems(["alerting/*:Firing alerts*"]) == [
        "error llm/b.json: 'Bad' [A]: parse error",
        "empty llm/b.json: 'Errors' [A]: e",
        "variable llm/b.json: $m = (none): label_values(x, m) matched nothing",
    ]
    assert len(report.problems()) == 4


def test_an_allowed_empty_pattern_matching_no_panel_is_a_problem() -> None:
    # A typo, or a panel renamed since: the allow-list would silently allow nothing.
    report = pd.PanelDataReport()
    report.results += [pd.TargetResult("alerting/a.json", "Firing alerts", "A", "ALERTS", "ok", expr="ALERTS", series=1)]
    assert report.problems(["alerting/*:Firing alerts", "alerting/*:Firing alert by name"]) == [
        "allow-empty 'alerting/*:Firing alert by name' matches no panel",
    ]


def test_module_main_needs_two_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    assert pd.main(["build"]) == 2
    assert "usage" in capsys.readouterr().err


def test_module_main_fails_on_a_variable_without_options(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # As `oac e2e --dashboards` does: every problem fails, not only errors and empties.
    report = pd.PanelDataReport()
    report.results.append(pd.TargetResult("a.json", "Ok", "A", "up", "ok", expr="up", series=1))
    report.variables["a.json"] = [Variable("m", "query", (), problem="label_values(x, m) matched nothing")]
    monkeypatch.setattr(check, "check_dashboards", lambda build, url: report)
    assert pd.main(["build", "http://127.0.0.1:9"]) == 1
    assert "matched nothing" in capsys.readouterr().out


class RecordingRanges(FakePrometheus):
    """Records each range query's expression and step."""

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        self.asked.append((expr, str(step_ms)))
        return [{"metric": {}, "values": [[start, "1"]]}]


def test_min_step_and_min_interval_given_by_a_variable_are_interpolated(tmp_path: Path) -> None:
    # Grafana's frontend interpolates a target's min step (interval) and a panel's
    # min interval before the backend computes the step and $__rate_interval.
    dashboard = {
        "title": "d",
        "templating": {"list": [{"type": "custom", "name": "res", "query": "5m", "current": {"value": "5m"}}]},
        "panels": [
            {"type": "timeseries", "title": "step", "gridPos": {"w": 24},
             "targets": [{"refId": "A", "expr": "rate(x[$__rate_interval])", "interval": "$res"}]},
            {"type": "timeseries", "title": "panel", "gridPos": {"w": 24}, "interval": "${res}",
             "targets": [{"refId": "A", "expr": "rate(y[$__rate_interval])"}]},
        ],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = RecordingRanges({})
    pd.check_dashboard(path, client, name="d.json", datasources=DATASOURCES, time_range=TimeRange(0, HOUR))
    # Min step 5m: step 5m, $__rate_interval = max(interval + 5m, 4 * 5m) = 20m.
    assert ("rate(x[20m0s])", "300000") in client.asked
    # Min interval 5m: the interval and step are 5m, $__rate_interval = 5m + 15s.
    assert ("rate(y[5m15s])", "300000") in client.asked


def test_each_target_uses_the_scrape_interval_of_its_own_datasource(tmp_path: Path) -> None:
    # Grafana reads timeInterval from the datasource the query goes to.
    datasources = [*DATASOURCES, pd.Datasource("Mimir", "mimir", "prometheus", time_interval="1m")]
    dashboard = {
        "title": "d",
        "templating": {"list": [{"type": "datasource", "name": "ds", "query": "prometheus", "current": {"value": "mimir"}}]},
        "panels": [
            {"type": "timeseries", "title": "default", "gridPos": {"w": 24},
             "targets": [{"refId": "A", "expr": "rate(a[$__rate_interval])"}]},
            {"type": "timeseries", "title": "mimir", "gridPos": {"w": 24}, "datasource": {"uid": "mimir"},
             "targets": [{"refId": "A", "expr": "rate(b[$__rate_interval])"}]},
            {"type": "timeseries", "title": "variable", "gridPos": {"w": 24}, "datasource": {"uid": "${ds}"},
             "targets": [{"refId": "A", "expr": "rate(c[$__rate_interval])"}]},
        ],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = RecordingRanges({})
    pd.check_dashboard(path, client, name="d.json", datasources=datasources, time_range=TimeRange(0, HOUR))
    assert [expr for expr, _step in client.asked] == ["rate(a[1m0s])", "rate(b[4m0s])", "rate(c[4m0s])"]


def test_a_panel_without_datasource_takes_its_first_targets(tmp_path: Path) -> None:
    # createPanelDataProvider: panel.datasource ?? the first target's datasource. A target
    # without one then goes to that datasource, and its interval is the panel's low limit.
    datasources = [*DATASOURCES, pd.Datasource("Mimir", "mimir", "prometheus", time_interval="1m")]
    dashboard = {
        "title": "d", "schemaVersion": 39,
        "panels": [
            {"type": "timeseries", "title": "p", "gridPos": {"w": 24}, "targets": [
                {"refId": "A", "expr": "rate(a[$__rate_interval])", "datasource": {"uid": "mimir"}},
                {"refId": "B", "expr": "rate(b[$__rate_interval])"},
            ]},
            {"type": "timeseries", "title": "q", "gridPos": {"w": 24}, "targets": [
                {"refId": "A", "expr": "rate(c[$__rate_interval])"},
            ]},
        ],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = RecordingRanges({})
    pd.check_dashboard(path, client, name="d.json", datasources=datasources, time_range=TimeRange(0, HOUR))
    # Mimir scrapes every minute: $__rate_interval = max(1m + 1m, 4m); the default one 15s: 1m.
    assert [expr for expr, _step in client.asked] == ["rate(a[4m0s])", "rate(b[4m0s])", "rate(c[1m0s])"]


def test_an_old_dashboards_panel_without_datasource_is_migrated_first(tmp_path: Path) -> None:
    # DashboardMigrator V36 (schemaVersion < 36): the panel gets the default datasource,
    # its targets without one too, and then the panel takes its last target's.
    datasources = [*DATASOURCES, pd.Datasource("Mimir", "mimir", "prometheus", time_interval="1m")]
    dashboard = {
        "title": "d", "schemaVersion": 30,
        "panels": [{"type": "timeseries", "title": "p", "gridPos": {"w": 24}, "targets": [
            {"refId": "A", "expr": "rate(a[$__rate_interval])"},
            {"refId": "B", "expr": "rate(b[$__rate_interval])", "datasource": {"uid": "mimir"}},
        ]}],
    }
    path = tmp_path / "d.json"
    path.write_text(json.dumps(dashboard), encoding="utf-8")
    client = RecordingRanges({})
    pd.check_dashboard(path, client, name="d.json", datasources=datasources, time_range=TimeRange(0, HOUR))
    # A stays on the default datasource (15s scrape); the panel's low limit is Mimir's 1m:
    # A's interval is 1m, its $__rate_interval max(1m + 15s, 1m) = 1m15s; B's 4m.
    assert [expr for expr, _step in client.asked] == ["rate(a[1m15s])", "rate(b[4m0s])"]
    # Schema 36 and later: the first target that names one (none for A: B's Mimir for both).
    client = RecordingRanges({})
    path.write_text(json.dumps({**dashboard, "schemaVersion": 39}), encoding="utf-8")
    pd.check_dashboard(path, client, name="d.json", datasources=datasources, time_range=TimeRange(0, HOUR))
    assert [expr for expr, _step in client.asked] == ["rate(a[4m0s])", "rate(b[4m0s])"]
