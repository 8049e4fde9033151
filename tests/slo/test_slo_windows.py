"""The windows tables: every factor derived from the data, as the workbook says."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.durations import format_ms, parse_ms
from obs_as_code.slo import windows
from obs_as_code.slo.windows import AlertWindow, AlertWindows, WindowsError


def factors(period: str) -> list[float]:
    table = windows.for_period(period)
    assert table is not None
    return [round(w.factor(table.period_ms), 4) for w in (table.page_quick, table.page_slow, table.ticket_quick, table.ticket_slow)]


def test_google_30d_factors_are_the_workbook_ones() -> None:
    assert factors("30d") == [14.4, 6.0, 3.0, 1.0]


def test_28d_factors_scale_with_the_period() -> None:
    assert factors("28d") == [13.44, 5.6, 2.8, 0.9333]
    assert factors("4w") == factors("28d")


def test_7d_factors_stay_near_the_workbook_ones() -> None:
    assert factors("7d") == [13.44, 3.5, 1.4, 0.98]


def test_windows_are_the_workbook_windows() -> None:
    table = windows.for_period("30d")
    assert table is not None
    assert [format_ms(w) for w in table.windows_ms()] == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]
    assert table.period == "30d"
    assert windows.for_period("28d").period == "4w"  # type: ignore[union-attr]  # Prometheus' spelling, as Sloth writes it


def test_unknown_period_has_no_table() -> None:
    assert windows.for_period("14d") is None
    assert windows.for_period("nonsense") is None
    assert windows.supported_periods() == ["7d", "28d", "30d"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("period: 30d\n", "page.quick"),
        ("page: {}\n", "period"),
        (
            "period: 30d\npage:\n  quick: {budget_percent: 2, short: 1h, long: 5m}\n",
            "shorter than the long",
        ),
        (
            "period: 1d\npage:\n  quick: {budget_percent: 2, short: 5m, long: 1h}\n  slow: {budget_percent: 5, short: 30m, long: 6h}\n"
            "ticket:\n  quick: {budget_percent: 10, short: 2h, long: 1d}\n  slow: {budget_percent: 10, short: 6h, long: 3d}\n",
            "longer than the period",
        ),
        (
            "period: 30d\npage:\n  quick: {budget_percent: 0, short: 5m, long: 1h}\n",
            "budget_percent",
        ),
    ],
)
def test_bad_tables_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "w.yaml"
    path.write_text(text)
    with pytest.raises(WindowsError, match=message):
        AlertWindows.load(path)


@given(
    budget=st.floats(min_value=0.1, max_value=100),
    long_h=st.integers(min_value=1, max_value=72),
    period_d=st.integers(min_value=3, max_value=90),
)
def test_factor_spends_exactly_the_budget_share(budget: float, long_h: int, period_d: int) -> None:
    # Burning at `factor` for the long window spends budget_percent of the budget:
    # factor * long / period == budget / 100.
    w = AlertWindow(budget, 60_000, long_h * 3_600_000)
    period_ms = parse_ms(f"{period_d}d")
    assert w.factor(period_ms) * w.long_ms / period_ms == pytest.approx(budget / 100)


# Sloth's AlertWindows file format (its --slo-period-windows-path), written here
# from its documented fields: a 14-day table with a quicker page.
SLOTH_14D = """\
apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: 14d
  page:
    quick: {errorBudgetPercent: 4, shortWindow: 5m, longWindow: 1h}
    slow: {errorBudgetPercent: 8, shortWindow: 30m, longWindow: 6h}
  ticket:
    quick: {errorBudgetPercent: 15, shortWindow: 2h, longWindow: 1d}
    slow: {errorBudgetPercent: 30, shortWindow: 6h, longWindow: 3d}
"""


def test_a_sloth_windows_file_is_read_as_it_is(tmp_path: Path) -> None:
    # Refused before ("needs a period such as 30d"): a Sloth user's custom
    # windows had to be rewritten by hand.
    path = tmp_path / "sloth-14d.yaml"
    path.write_text(SLOTH_14D)
    table = AlertWindows.load(path)
    assert table.period == "2w"
    assert [round(w.factor(table.period_ms), 4) for w in (table.page_quick, table.page_slow, table.ticket_quick, table.ticket_slow)] == [
        13.44, 4.48, 2.1, 1.4,
    ]
    assert [format_ms(w) for w in table.windows_ms()] == ["5m", "30m", "1h", "2h", "6h", "1d", "3d"]


def test_a_sloth_windows_file_is_checked_like_ours(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SLOTH_14D.replace("shortWindow: 30m", "shortWindow: 7h"))
    with pytest.raises(WindowsError, match=r"page\.slow: the short window must be shorter"):
        AlertWindows.load(path)
    path.write_text(SLOTH_14D.replace("sloth.slok.dev/v1", "sloth.slok.dev/v2"))
    with pytest.raises(WindowsError, match=r"apiVersion sloth\.slok\.dev/v1"):
        AlertWindows.load(path)


def test_an_slo_uses_a_sloth_windows_file(tmp_path: Path) -> None:
    from slo_support import groups_of

    from obs_as_code.model.rules import AlertRule
    from obs_as_code.slo import SLO, RatioSLI

    (tmp_path / "sloth-14d.yaml").write_text(SLOTH_14D)
    slo = SLO(service="s", name="a", objective=99, period="14d", windows="sloth-14d.yaml", sli=RatioSLI(errors="e_total", total="t_total"))
    alerts = [r for g in groups_of(slo, tmp_path) for r in g.rules if isinstance(r, AlertRule)]
    assert "(13.44 * 0.01)" in alerts[0].expr and "(4.48 * 0.01)" in alerts[0].expr
