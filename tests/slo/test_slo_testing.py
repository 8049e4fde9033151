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


def test_the_expected_alerts_follow_the_slos_own_windows_table(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A 90d period with the Google budget shares: page factors 43.2 and 18, ticket
    # 9 and 3. The expectations were the Google 30d table's (15 times the budget
    # rate pages), so `oac test` failed on a correct SLO.
    table = tmp_path / "w90.yaml"
    table.write_text(
        "period: 90d\npage:\n  quick: {budget_percent: 2, short: 5m, long: 1h}\n  slow: {budget_percent: 5, short: 30m, long: 6h}\n"
        "ticket:\n  quick: {budget_percent: 10, short: 2h, long: 1d}\n  slow: {budget_percent: 10, short: 6h, long: 3d}\n",
        encoding="utf-8",
    )
    slo = SLO(service="svc", name="avail", objective=99.9, period="90d", windows=str(table),
              sli=RatioSLI(errors='req_total{code="500"}', total="req_total"), alerting=Alerting(name="SvcBurn"))
    tests = burn_rate_tests(slo, bad='req_total{code="500"}', good='req_total{code="200"}')
    assert [t.name.split(": ", 1)[1] for t in tests] == [
        "0.05% errors (burn rate 0.5): nothing fires",
        "0.5% errors (burn rate 5): only the ticket fires",
        "1.5% errors (burn rate 15): only the ticket fires",
        "20% errors (burn rate 200): page and ticket fire",
    ]
    assert [a.labels["sloth_severity"] for a in tests[2].alerts[0].alerts] == ["ticket"]


@pytest.mark.parametrize("period", ["7d", "28d", "30d"])
@pytest.mark.parametrize("objective", [99.9, 99, 95])
def test_the_shipped_tables_fire_as_the_scenarios_say(period: str, objective: float) -> None:
    slo = SLO(service="svc", name="avail", objective=objective, period=period,
              sli=RatioSLI(errors='req_total{code="500"}', total="req_total"), alerting=Alerting(name="SvcBurn"))
    tests = burn_rate_tests(slo, bad='req_total{code="500"}', good='req_total{code="200"}')
    fired = [tuple(a.labels["sloth_severity"] for a in t.alerts[0].alerts) for t in tests]
    if period == "7d":
        # The slow page pair's factor is 3.5: 5 times the budget rate pages too. The
        # fixed expectations said "only the ticket", and `oac test` failed on a
        # correct 7d SLO (promtool: the page fired at 10m and 1h).
        assert fired == [(), ("page", "ticket"), ("page", "ticket"), ("page", "ticket")]
    else:
        assert fired == [s.fires for s in SCENARIOS]
