"""OAC211: an absolute error rate compared with a ratio threshold: which thresholds,
comparisons and expressions it judges, at the rule file's own line and column."""

from __future__ import annotations

from pathlib import Path

import pytest

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.api import lint


def _lint(tmp_path: Path, alert: str, expr: str, summary: str = "") -> list[Diagnostic]:
    rules = tmp_path / "rules.yaml"
    annotations = f"    annotations:\n      summary: {summary}\n" if summary else ""
    rules.write_text(f"groups:\n- name: g\n  rules:\n  - alert: {alert}\n    expr: {expr}\n{annotations}", encoding="utf-8")
    return lint(tmp_path, [rules], select=["OAC211"], scrape_interval=15.0)


@pytest.mark.parametrize(
    ("expr", "compared"),
    [
        # 5 / 100 is 0.05 as much as 0.05 is: only a number literal was read.
        ("sum(rate(errors_total[5m])) > 5 / 100", "per-second rate of errors_total with 0.05"),
        ("sum(rate(errors_total[5m])) > (1 - 0.95)", "per-second rate of errors_total with 0.05"),
        ("sum(rate(errors_total[5m])) >= 0.05", "per-second rate of errors_total with 0.05"),
        ("sum(increase(errors_total[1h])) > 0.05", "increase of errors_total with 0.05"),
    ],
)
def test_a_ratio_threshold_is_reported_with_what_is_compared(tmp_path: Path, expr: str, compared: str) -> None:
    [d] = _lint(tmp_path, "ErrorRatioHigh", expr)
    assert (d.location.line, d.location.col) == (5, 11)
    assert d.message == f"alert 'ErrorRatioHigh' talks about a ratio but compares the absolute {compared}"


@pytest.mark.parametrize(
    ("alert", "expr", "summary"),
    [
        # Any error at all: an absolute rate above 0 is a ratio above 0.
        ("AnyErrorRatio", "sum(rate(errors_total[5m])) > 0", ""),
        # 1 and above is no ratio threshold: a count per second.
        ("PaymentFailures", "sum(rate(payment_failures_total[5m])) > 1", "More than 1 failed payment per second (1% of peak traffic)"),
        # Not a comparison: nothing to judge (and no crash).
        ("ErrorRatioMissing", "absent(job:errors:ratio_rate5m)", ""),
        # A gauge is not a rate: its value may well be a fraction.
        ("QueueFillRatio", "max(queue_fill) > 0.9", ""),
    ],
)
def test_what_is_not_an_absolute_rate_against_a_ratio_is_left_alone(tmp_path: Path, alert: str, expr: str, summary: str) -> None:
    assert _lint(tmp_path, alert, expr, summary) == []
