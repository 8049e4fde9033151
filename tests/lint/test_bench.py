"""The lint benchmark runs end to end on a small rule set (speed is measured by
``make bench``, never asserted here)."""

from __future__ import annotations

import shutil

import pytest

from benchmarks.bench_lint import run


@pytest.mark.integration
def test_bench_lint_runs_both_tools_on_the_same_rules() -> None:
    result = run(rules=50)
    assert result["rules"] == 50
    # The synthetic rules are clean: any finding is a false positive of the lint.
    assert result["oac_errors"] == 0
    if shutil.which("promtool") is None:
        assert result["ratio"] is None
    else:
        assert result["promtool_ok"] is True
        assert result["ratio"] is not None and result["cpu_ratio"] is not None
