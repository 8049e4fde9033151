"""OAC203 on counters taken raw into arithmetic: ``k.ratio`` of two sums, ``x - x
offset 1h``, a constant over a counter, a counter joined with an info metric;
pointed at the counter in the user's own file, once per query, and never where
another check or nothing is at fault."""

from __future__ import annotations

from pathlib import Path

import pytest

from obs_as_code.lint.api import lint
from tests.oac_testing import write_files


def _rule(tmp_path: Path, expr: str, head: str = "alert: A") -> list[tuple[int, int, str]]:
    """OAC203's findings on a rule file holding one rule (``head``: its first key)."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(f"groups:\n  - name: g\n    rules:\n      - {head}\n        expr: '{expr}'\n", encoding="utf-8")
    found = lint(tmp_path, [rules], select=["OAC203"])
    return [(d.location.line, d.location.col, d.message) for d in found if d.location is not None]


def _alert(tmp_path: Path, expr: str) -> list[tuple[int, int, str]]:
    return _rule(tmp_path, expr)


@pytest.mark.parametrize(
    ("expr", "at", "names"),
    [
        # The newcomer's k.ratio of raw counters: at the numerator's counter.
        ("(sum(llm_errors_total)) / (sum(llm_requests_total)) > 0.05", "llm_errors_total", "llm_errors_total and llm_requests_total are counters"),
        ("x_total - x_total offset 1h > 5", "x_total", "x_total is a counter"),
        ("x_total / on() group_left x_total offset 1h > 2", "x_total", "x_total is a counter"),
        ("1000 / x_total > 5", "x_total", "x_total is a counter"),
        ("1 - x_total > 5", "x_total", "x_total is a counter"),
        ("-x_total < -5", "x_total", "x_total is a counter"),
        # Only the raw side is named and pointed at.
        ("sum(rate(a_total[5m])) / sum(b_total) > 0.1", "b_total", "b_total is a counter"),
        ("sum by (job) (a_total / on(instance) group_left(node) node_uname_info) > 3", "a_total", "a_total is a counter"),
        ("max(abs(a_total - b_total)) > 3", "a_total", "a_total and b_total are counters"),
        ("(sum(a_total) or vector(0)) / sum(rate(b_total[5m])) > 0.1", "a_total", "a_total is a counter"),
        # The value side of a filter inside the arithmetic.
        ("sum(a_total > 0) / sum(rate(b_total[5m])) > 1", "a_total", "a_total is a counter"),
    ],
)
def test_raw_counter_operands_are_flagged_at_the_counter(tmp_path: Path, expr: str, at: str, names: str) -> None:
    found = _alert(tmp_path, expr)
    assert len(found) == 1, found
    line, col, message = found[0]
    assert line == 5
    # Column 16 is where the quoted expression's text starts on `        expr: '...'`.
    assert col == 16 + expr.index(at)
    assert message.startswith(f"{names} taken raw into the value compared in alert 'A'")


@pytest.mark.parametrize(
    "expr",
    [
        "sum(increase(a_total[1h])) / sum(increase(b_total[1h])) > 0.05",
        "sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 0.05",
        # `_count` and `_sum` alone may be gauges (pg_stat_activity_count).
        "a_count / b_count > 2",
        "x_sum / x_count > 1",
        # Series counted, not counter values.
        "count(a_total) / count(b_total) > 2",
        "sum(a_total > bool 0) / 3 > 0.5",
        # Raw buckets in histogram_quantile are OAC201's.
        "histogram_quantile(0.9, sum by (le) (x_bucket)) / 2 > 1",
        # Gauges and the time since a start are no counters.
        "time() - process_start_time_seconds < 60",
        "rate(a_total[5m]) / on(instance) group_left node_memory_MemTotal_bytes > 1",
        # resets() and changes() count events of the counter, not its value.
        "resets(a_total[1h]) / 3 > 1",
    ],
)
def test_rated_or_counted_operands_are_left_alone(tmp_path: Path, expr: str) -> None:
    assert _alert(tmp_path, expr) == []


def test_a_whole_raw_value_is_reported_once_as_before(tmp_path: Path) -> None:
    # A counter scaled by a constant is a counter: the whole-value finding, not a second one.
    found = _alert(tmp_path, "sum(a_total) / 1000 > 5")
    assert [m.split(":")[0] for _l, _c, m in found] == ["a_total is a counter compared raw in alert 'A'"]


def test_an_alert_that_compares_nothing_is_left_alone(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n  - name: g\n    rules:\n"
        "      - alert: A\n        expr: sum(a_total) / sum(b_total)\n"
        "      - record: job:a:total\n        expr: sum by (job) (a_total)\n",
        encoding="utf-8",
    )
    assert lint(tmp_path, [rules], select=["OAC203"]) == []


def test_a_kit_ratio_of_raw_counters_is_reported_at_the_users_line(tmp_path: Path) -> None:
    root = write_files(
        tmp_path,
        {
            "dashboards/llm.py": '''
                from obs_as_code.dashboards import kit as k

                board = k.dashboard(
                    "LLM",
                    [
                        k.timeseries("Error ratio", k.prom(k.ratio("sum(llm_errors_total)", "sum(llm_requests_total)")), unit=k.PERCENTUNIT),
                        k.timeseries("Error ratio ok", k.prom(k.ratio("sum(rate(llm_errors_total[$__rate_interval]))", "sum(rate(llm_requests_total[$__rate_interval]))")), unit=k.PERCENTUNIT),
                    ],
                    uid="llm",
                )
            ''',
        },
    )
    found = lint(root, select=["OAC203"])
    assert len(found) == 1, found
    d = found[0]
    assert d.location is not None
    assert (d.location.file, d.location.line) == ("dashboards/llm.py", 7)
    text = (root / "dashboards" / "llm.py").read_text(encoding="utf-8").splitlines()[6]
    # The kit composes the query's text: the column is the query argument's, as
    # for every finding in a kit panel.
    assert text[d.location.col - 1 :].startswith('k.prom(k.ratio("sum(llm_errors_total)"')
    assert "graphed in panel 'Error ratio'" in d.message
    assert d.hint is not None and "rate()" in d.hint


def test_no_other_check_reports_a_ratio_of_raw_counters(tmp_path: Path) -> None:
    # OAC202 (rate over a gauge), OAC204 (rate of a sum), OAC211 (absolute rate
    # against a ratio threshold) and OAC311 (a numerator's missing series) all
    # read rated counters: the raw ratio is OAC203's alone.
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n  - name: g\n    rules:\n      - alert: HighErrorRatio\n"
        "        expr: sum(llm_errors_total) / sum(llm_requests_total) > 0.05\n"
        "        for: 5m\n        labels: {severity: warning}\n"
        "        annotations: {summary: error ratio above 5 percent, runbook_url: https://x}\n",
        encoding="utf-8",
    )
    assert [d.code for d in lint(tmp_path, [rules])] == ["OAC203"]


def _record(tmp_path: Path, expr: str) -> list[tuple[int, int, str]]:
    return _rule(tmp_path, expr, "record: job:x:ratio")


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("sum(errors_total) / sum(requests_total)", "errors_total and requests_total are counters"),
        ("x_total - x_total offset 1h", "x_total is a counter"),
    ],
)
def test_a_recording_rule_combining_two_raw_counters_is_flagged(tmp_path: Path, expr: str, names: str) -> None:
    [(line, col, message)] = _record(tmp_path, expr)
    assert (line, col) == (5, 16 + expr.index(names.split()[0]))
    assert message.startswith(f"{names} taken raw into the value recorded in recording rule 'job:x:ratio'")


@pytest.mark.parametrize(
    "expr",
    [
        "sum by (job) (x_total)",  # summed for readers to rate
        "x_total * on(instance) group_left(node) node_uname_info",  # joined with labels
        "x_total / 1000",  # scaled
        "x_total / on(instance) group_left machine_cpu_cores",  # one counter and a gauge: its readers are judged
        "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m]))",
    ],
)
def test_a_recording_rule_keeping_one_counter_for_its_readers_is_not(tmp_path: Path, expr: str) -> None:
    assert _record(tmp_path, expr) == []
