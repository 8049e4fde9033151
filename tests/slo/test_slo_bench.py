"""The SLO benchmark runs and reports what it says (not how fast: that is for `make bench`)."""

from __future__ import annotations

from types import ModuleType

from slo_support import REPO

from tests.oac_testing import load_file_module


def _bench() -> ModuleType:
    return load_file_module("bench_slo", REPO / "benchmarks" / "bench_slo.py")


def test_bench_counts_rules_like_sloth() -> None:
    result = _bench().run(n=3, evaluate=False)
    assert result["n"] == 3
    # Sloth's 15, and the two event-rate rules of a ratio SLI's period ratio.
    assert result["sloth_recording_rules_per_slo"] == 15
    assert result["recording_rules_per_slo"] == 15 + 2
    assert result["alert_rules_per_slo"] == result["sloth_alert_rules_per_slo"] == 2
    assert result["rule_groups_per_slo"] == 3
    assert "prometheus" not in result


def test_synthetic_data_is_openmetrics_with_the_ratios_asked() -> None:
    text = _bench()._openmetrics(2, 7200)
    lines = text.splitlines()
    assert lines[0] == "# TYPE bench_requests counter" and lines[-1] == "# EOF"
    # SLO 1 errs at 0.1%: after the first minute, 1 error and 999 good requests.
    assert 'bench_requests_total{slo="1",code="500"} 1 ' + str(7200 - 6 * 3600 + 60) in text
