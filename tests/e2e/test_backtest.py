"""Backtesting: the for/keep_firing_for replay, and a run over a generated history."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.cli import cli
from obs_as_code.e2e.backtest import backtest, episodes, recording_levels, series_range
from tests.e2e.conftest import BUILD, ROOT, require_tool

START = 1_700_000_000


def test_episode_fires_after_for_and_resolves_one_step_after_the_last_result() -> None:
    points = [float(t) for t in range(0, 600, 60)]  # 0..540 every minute
    assert episodes(points, 60, 300, end=1000) == [(300.0, 600.0)]


def test_episode_shorter_than_for_never_fires() -> None:
    assert episodes([0.0, 60.0, 120.0], 60, 300, end=1000) == []


def test_gap_splits_episodes_unless_keep_firing_for_bridges_it() -> None:
    points = [0.0, 60.0, 120.0, 300.0, 360.0, 420.0]
    assert episodes(points, 60, 60, end=1000) == [(60.0, 180.0), (360.0, 480.0)]
    assert episodes(points, 60, 60, keep_firing_for_s=180, end=1000) == [(60.0, 660.0)]


def test_still_firing_at_the_end_has_no_resolution() -> None:
    assert episodes([0.0, 60.0, 120.0], 60, 0, end=120) == [(0.0, None)]


@given(
    present=st.lists(st.booleans(), max_size=80),
    for_steps=st.integers(min_value=0, max_value=10),
    keep_steps=st.integers(min_value=0, max_value=5),
)
def test_episodes_match_a_step_by_step_rule_manager(present: list[bool], for_steps: int, keep_steps: int) -> None:
    step = 15.0
    points = [i * step for i, p in enumerate(present) if p]
    end = (len(present) - 1) * step if present else 0.0
    # Reference: evaluate every step like Prometheus' rule manager does.
    want: list[tuple[float, float | None]] = []
    active_at: float | None = None
    fired_at: float | None = None
    keep_since: float | None = None
    for i, p in enumerate(present):
        t = i * step
        if p:
            keep_since = None
            if active_at is None:
                active_at = t
            if fired_at is None and t - active_at >= for_steps * step:
                fired_at = t
        elif active_at is not None:
            if fired_at is not None and keep_steps:
                keep_since = t if keep_since is None else keep_since
                if t - keep_since < keep_steps * step:
                    continue
            if fired_at is not None:
                want.append((fired_at, t))
            active_at = fired_at = keep_since = None
    if fired_at is not None:
        want.append((fired_at, None))
    assert episodes(points, step, for_steps * step, keep_steps * step, end=end) == want


def write_history(path: Path, *, hours: int = 6, spike: tuple[int, int] = (7200, 9000)) -> None:
    """Requests every 15s for ``hours``; 5xx at 10.7% during ``spike`` (seconds from the start)."""
    ok = err = 0.0
    lines = ["# HELP opencode_http_requests HTTP requests served.", "# TYPE opencode_http_requests counter"]
    labels = 'job="opencode-api",service="opencode-api",method="GET",path="/api/sessions"'
    for i in range(hours * 3600 // 15 + 1):
        in_spike = spike[0] <= i * 15 < spike[1]
        ok += 100 * 15
        err += (12 if in_spike else 0.05) * 15
        t = START + i * 15
        lines.append(f'opencode_http_requests_total{{{labels},status="200"}} {ok} {t}')
        lines.append(f'opencode_http_requests_total{{{labels},status="500"}} {err} {t}')
    lines.append("# EOF")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_series_range(tmp_path: Path) -> None:
    path = tmp_path / "h.om"
    write_history(path, hours=1)
    assert series_range(path) == (START, START + 3600)


def _tools() -> tuple[str, str]:
    return require_tool("prometheus"), require_tool("promtool")


@pytest.mark.integration
def test_backtest_finds_the_spike_and_counts_the_pages(tmp_path: Path) -> None:
    prom, promtool = _tools()
    path = tmp_path / "h.om"
    write_history(path)
    result = backtest(path, BUILD, prometheus=prom, promtool=promtool)
    spike_start, spike_end = START + 7200, START + 9000
    ratio = [f for f in result.firings if f.alertname == "OpencodeApiHighErrorRatio"]
    assert [f.severity for f in ratio] == ["critical", "warning"]
    critical, warning = ratio
    # The 5m ratio crosses 5% a few minutes in, then `for: 5m` (critical) / `10m` (warning).
    assert spike_start + 300 < critical.fired_at < spike_start + 600
    assert spike_start + 600 < warning.fired_at < spike_start + 900
    # Resolved once the spike has left the 5m window.
    assert critical.resolved_at is not None and spike_end < critical.resolved_at <= spike_end + 300 + 15
    assert critical.labels["service"] == "opencode-api" and critical.labels["team"] == "api"
    # The availability SLO (recording rules backfilled level by level) pages too:
    # 10.7% errors burn a 0.1% budget 107x, so the 5m/1h windows cross 14.4x within minutes.
    slo = [f for f in result.firings if "sloth_severity" in f.labels]
    pages = [f for f in slo if f.labels["sloth_severity"] == "page"]
    assert len(pages) == 1 and pages[0].alertname == "OpencodeApiAvailabilityBudgetBurn"
    assert spike_start < pages[0].fired_at < spike_start + 900
    assert {f.alertname for f in result.firings} == {"OpencodeApiHighErrorRatio", "OpencodeApiAvailabilityBudgetBurn"}
    assert result.pages == 2  # the SLO page and the critical error-ratio alert


@pytest.mark.integration
def test_backtest_cli_json(tmp_path: Path) -> None:
    _tools()
    path = tmp_path / "h.om"
    write_history(path, hours=3, spike=(3600, 3700))  # too short to fire
    res = CliRunner().invoke(cli, ["backtest", "-C", str(ROOT), str(path), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    # Nothing pages. With only 3h of history, 100s at 10.7% errors is a 0.1% error
    # ratio over the 3-day window: exactly the budget, so the SLO's ticket fires.
    assert data["pages"] == 0
    assert [(f["alertname"], f["labels"].get("sloth_severity")) for f in data["firings"]] == [
        ("OpencodeApiAvailabilityBudgetBurn", "ticket")
    ]
    assert data["rules"] > 10


def test_backtest_cli_rejects_a_bad_file(tmp_path: Path) -> None:
    _tools()
    path = tmp_path / "bad.om"
    path.write_text("not openmetrics at all\n# EOF\n", encoding="utf-8")
    res = CliRunner().invoke(cli, ["backtest", "-C", str(ROOT), str(path)])
    assert res.exit_code == 1
    assert "oac backtest:" in res.output


def test_recording_levels_order_dependencies() -> None:
    levels = recording_levels(BUILD)
    names = [sorted({str(r["record"]) for r, _ in level}) for level in levels]
    assert "slo:sli_error:ratio_rate5m" in names[0] and "slo:objective:ratio" in names[0]
    # ratio_rate30d and the current burn rate read ratio_rate5m; the period burn
    # rate reads ratio_rate30d; the remaining budget reads the period burn rate.
    assert names[1:] == [
        ["slo:current_burn_rate:ratio", "slo:sli_error:ratio_rate30d"],
        ["slo:period_burn_rate:ratio"],
        ["slo:period_error_budget_remaining:ratio"],
    ]
