"""burn_rate_tests: the scenarios, series and expectations it declares."""

from __future__ import annotations

import pytest

from obs_as_code.slo import SLO, Alerting, AlertOptions, RatioSLI
from obs_as_code.slo.testing import SCENARIOS, burn_rate_tests


def _slo(objective: float = 99.9, alerting: Alerting | None = None) -> SLO:
    return SLO(
        service="svc",
        name="avail",
        objective=objective,
        labels={"team": "t"},
        sli=RatioSLI(errors='req_total{code="500"}', total="req_total"),
        alerting=alerting or Alerting(name="SvcBurn", annotations={"runbook_url": "https://r"}),
    )


def test_scenarios_are_the_issue_ratios_on_a_999_slo() -> None:
    tests = burn_rate_tests(_slo(), bad='req_total{code="500"}', good='req_total{code="200"}')
    assert [t.name for t in tests] == [
        "svc-avail: 0.05% errors (burn rate 0.5): nothing fires",
        "svc-avail: 0.5% errors (burn rate 5): only the ticket fires",
        "svc-avail: 1.5% errors (burn rate 15): page and ticket fire",
        "svc-avail: 20% errors (burn rate 200): page and ticket fire",
    ]
    assert [s.values for s in tests[3].series] == ["0+80000x61", "0+20000x61"]  # good, then bad
    fired = tests[2].alerts[0].alerts
    assert [a.labels["sloth_severity"] for a in fired] == ["page", "ticket"]
    assert fired[0].labels == {
        "team": "t",
        "sloth_id": "svc-avail",
        "sloth_service": "svc",
        "sloth_slo": "avail",
        "severity": "critical",
        "sloth_severity": "page",
    }
    assert fired[0].annotations["title"] == "(page) svc avail SLO error budget burn rate is too fast."
    assert all(not a.alerts for a in tests[0].alerts)


def test_low_objective_caps_the_error_ratio() -> None:
    tests = burn_rate_tests(_slo(objective=95), good="ok_total", total="req_total")
    assert [s.values for s in tests[3].series] == ["0+0x61", "0+100000x61"]  # 200 x 5% > 100%: all fail
    assert len(tests) == len(SCENARIOS)


def test_separate_alert_names_are_checked_separately() -> None:
    slo = _slo(alerting=Alerting(page=AlertOptions(name="P"), ticket=AlertOptions(name="T")))
    tests = burn_rate_tests(slo, bad="bad_total", total="req_total")
    by_name = {(e.at, e.alertname): [a.labels["sloth_severity"] for a in e.alerts] for e in tests[1].alerts}
    assert by_name == {("10m", "P"): [], ("10m", "T"): ["ticket"], ("60m", "P"): [], ("60m", "T"): ["ticket"]}


def test_two_counters_exactly() -> None:
    with pytest.raises(ValueError, match="exactly two"):
        burn_rate_tests(_slo(), good="a")
    with pytest.raises(ValueError, match="exactly two"):
        burn_rate_tests(_slo(), good="a", bad="b", total="c")
