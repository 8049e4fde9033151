"""Behaviour: the generated rules, fed synthetic traffic by the real promtool.

The cases are declared with the alert-test model (:mod:`obs_as_code.model.tests`)
and rendered by :mod:`obs_as_code.render.tests` into a ``promtool test rules``
file (with a 15s evaluation interval where the case needs the shipped cadence). A 99.9% SLO over 30 days with the Google
table has an error budget of 0.1%: the page needs 1.44% errors over 5m and 1h
(or 0.6% over 30m and 6h), the ticket 0.3% over 2h and 1d (or 0.1% over 6h and 3d).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from slo_support import groups_of, need_promtool, rules_yaml

from obs_as_code.model.rules import RuleGroup
from obs_as_code.model.tests import (
    AlertExpectation,
    ExpectedAlert,
    ExprExpectation,
    RuleTest,
    Sample,
    Series,
)
from obs_as_code.render.tests import render_test
from obs_as_code.serialize import dump_yaml
from obs_as_code.slo import SLO, Alerting, LatencySLI, RatioSLI

pytestmark = pytest.mark.integration

ALERT = "CheckoutAvailabilityBudgetBurn"
TOTAL_PER_MIN = 10_000


def _slo(sli: RatioSLI | None = None) -> SLO:
    return SLO(
        service="checkout",
        name="availability",
        objective=99.9,
        labels={"team": "shop"},
        sli=sli or RatioSLI(errors='http_requests_total{job="checkout", code=~"5.."}', total='http_requests_total{job="checkout"}'),
        alerting=Alerting(name=ALERT, annotations={"runbook_url": "https://runbooks/checkout"}),
    )


def _fired(severity: str) -> ExpectedAlert:
    labels = {
        "team": "shop",
        "sloth_id": "checkout-availability",
        "sloth_service": "checkout",
        "sloth_slo": "availability",
        "sloth_severity": severity,
        "severity": "critical" if severity == "page" else "warning",
    }
    annotations = {
        "runbook_url": "https://runbooks/checkout",
        "title": f"({severity}) checkout availability SLO error budget burn rate is too fast.",
        "summary": "checkout availability SLO error budget burn rate is over expected.",
    }
    return ExpectedAlert(labels=labels, annotations=annotations)


def _traffic(phases: list[tuple[int, float]], per_minute: int = 1) -> list[Series]:
    """Counters sampled ``per_minute`` times a minute: ``(minutes, error ratio)``
    phases, in order (``TOTAL_PER_MIN`` requests a sample)."""
    errors: list[str] = []
    good: list[str] = []
    e = g = 0
    for minutes, ratio in phases:
        per_min_errors = round(TOTAL_PER_MIN * ratio)
        for _ in range(minutes * per_minute):
            errors.append(str(e))
            good.append(str(g))
            e += per_min_errors
            g += TOTAL_PER_MIN - per_min_errors
    return [
        Series(series='http_requests_total{job="checkout", code="500"}', values=" ".join(errors)),
        Series(series='http_requests_total{job="checkout", code="200"}', values=" ".join(good)),
    ]


def _promtool_file(tests: list[RuleTest], rule_file: str, evaluation_interval: str) -> dict[str, object]:
    """The ``promtool test rules`` document for ``tests``: each test group as the
    alert-test renderer writes it, with this file's evaluation interval."""
    return {
        "rule_files": [rule_file],
        "evaluation_interval": evaluation_interval,
        "tests": [render_test(t, i, {}) for i, t in enumerate(tests)],
    }


def _run(promtool: str, tmp_path: Path, tests: list[RuleTest], evaluation_interval: str = "1m") -> subprocess.CompletedProcess[str]:
    (tmp_path / "rules.yaml").write_text(rules_yaml(groups_of(_slo())))
    (tmp_path / "tests.yaml").write_text(dump_yaml(_promtool_file(tests, "rules.yaml", evaluation_interval)))
    return subprocess.run([promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)


def _expect(name: str, phases: list[tuple[int, float]], checks: dict[str, list[str]], per_minute: int = 1) -> RuleTest:
    return RuleTest(
        name=name,
        series=_traffic(phases, per_minute),
        interval=f"{60 // per_minute}s",
        alerts=[AlertExpectation(at=at, alertname=ALERT, alerts=[_fired(s) for s in fired]) for at, fired in checks.items()],
    )


CASES = {
    # 0.05% errors: half the budget rate, nothing ever fires.
    "0.05%": _expect("0.05%", [(361, 0.0005)], {"5m": [], "1h": [], "3h": [], "6h": []}),
    # 0.5%: burn rate 5, under both page factors (14.4, 6) and over the ticket's 3.
    "0.5%": _expect("0.5%", [(361, 0.005)], {"5m": ["ticket"], "1h": ["ticket"], "6h": ["ticket"]}),
    # 0.8%: burn rate 8, under the quick page factor 14.4 (1.44% over 5m and 1h)
    # and over the slow one, 6 (0.6% over 30m and 6h): only the slow pair pages.
    "0.8%": _expect("0.8%", [(361, 0.008)], {"5m": ["page", "ticket"], "1h": ["page", "ticket"], "6h": ["page", "ticket"]}),
    # 1.5%: burn rate 15, over the quick page factor 14.4: page and ticket.
    "1.5%": _expect("1.5%", [(361, 0.015)], {"5m": ["page", "ticket"], "6h": ["page", "ticket"]}),
    # 20%: burn rate 200, both fire at once.
    "20%": _expect("20%", [(121, 0.20)], {"2m": ["page", "ticket"], "2h": ["page", "ticket"]}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_steady_error_ratio(tmp_path: Path, case: str) -> None:
    promtool = need_promtool()
    result = _run(promtool, tmp_path, [CASES[case]])
    assert result.returncode == 0, result.stdout + result.stderr


def test_page_within_five_minutes_of_an_outage(tmp_path: Path) -> None:
    promtool = need_promtool()
    # Three healthy hours at 0.05%, then 20% errors from minute 180: the 1h
    # window crosses 1.44% after 4m20s, so the page fires by 185m (the ticket,
    # at 0.3% over 2h and 1d, comes first). Scraped and
    # evaluated every 15s as the shipped Prometheus is: the alerts group may
    # run just before the recording group, so it can see values one
    # evaluation old, and the page must still come within five minutes.
    outage = _expect(
        "outage",
        [(180, 0.0005), (30, 0.20)],
        {"179m": [], "180m": [], "183m": ["ticket"], "185m": ["page", "ticket"], "205m": ["page", "ticket"]},
        per_minute=4,
    )
    result = _run(promtool, tmp_path, [outage], evaluation_interval="15s")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_wrong_expectation_fails(tmp_path: Path) -> None:
    promtool = need_promtool()
    # The harness can fail: claiming a page at 0.5% errors is refused by promtool.
    wrong = _expect("wrong", [(61, 0.005)], {"30m": ["page", "ticket"]})
    result = _run(promtool, tmp_path, [wrong])
    assert result.returncode == 1
    assert "sloth_severity" in result.stdout + result.stderr


def test_page_stops_when_the_outage_ends(tmp_path: Path) -> None:
    promtool = need_promtool()
    # 20 minutes at 20%, then no errors. The 1h and 6h windows still hold the
    # outage for hours; the short windows are what stop the page: the slow pair
    # pages while the outage is inside the 30m window, then only the ticket
    # (2h and 1d windows still over 0.3%) remains.
    recovery = _expect(
        "recovery",
        [(120, 0.0005), (20, 0.20), (60, 0.0)],
        {"139m": ["page", "ticket"], "150m": ["page", "ticket"], "175m": ["ticket"], "199m": ["ticket"]},
    )
    result = _run(promtool, tmp_path, [recovery])
    assert result.returncode == 0, result.stdout + result.stderr


def test_shipped_slo_burn_rate_tests(tmp_path: Path) -> None:
    # The RuleTests declared next to the shipped SLOs (`oac test` runs them from
    # build/tests too): every SLO, every burn rate, exactly the alerts expected.
    from slo_support import REPO

    from obs_as_code.pipeline import load
    from obs_as_code.slo.generate import generate_slo

    promtool = need_promtool()
    project, problems = load(REPO)
    assert not problems
    tests = [t for t in project.all(RuleTest) if t.module.startswith("slos/")]
    assert len(tests) == 4 * 4
    assert {t.name.split(":")[0] for t in tests} == {s.id for s in project.all(SLO)}
    # One promtool file per module, as `oac test` runs them: each loads its module's rules.
    for module in sorted({t.module for t in tests}):
        work = tmp_path / module.replace("/", "-")
        work.mkdir()
        groups = [g for s in project.all(SLO) if s.module == module for g in generate_slo(s, REPO)[0] if isinstance(g, RuleGroup)]
        (work / "rules.yaml").write_text(rules_yaml(groups))
        mine = [t for t in tests if t.module == module]
        (work / "tests.yaml").write_text(dump_yaml(_promtool_file(mine, "rules.yaml", "1m")))
        result = subprocess.run([promtool, "test", "rules", "tests.yaml"], cwd=work, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, module + ": " + result.stdout[-3000:] + result.stderr


# A counter's series appears at its first event. Before the first error there is
# no error series at all, and before the first success no good series: the SLI
# must read 0 and 1 there, not nothing (RatioSLI.error_ratio's "or (total) * 0").
_IDS = 'sloth_id="checkout-availability", sloth_service="checkout", sloth_slo="availability"'


def _only(code: str, minutes: int = 70) -> list[Series]:
    values = " ".join(str(TOTAL_PER_MIN * m) for m in range(minutes))
    return [Series(series=f'http_requests_total{{job="checkout", code="{code}"}}', values=values)]


def test_no_error_series_yet_is_a_zero_error_ratio_and_a_whole_budget(tmp_path: Path) -> None:
    promtool = need_promtool()
    case = RuleTest(
        name="no errors yet",
        series=_only("200"),
        interval="1m",
        exprs=[
            ExprExpectation(expr=f"slo:sli_error:ratio_rate5m{{{_IDS}}}", at="60m", samples=[Sample(labels=f"slo:sli_error:ratio_rate5m{{{_IDS}, sloth_window=\"5m\", team=\"shop\"}}", value=0)]),
            ExprExpectation(expr=f"slo:period_error_budget_remaining:ratio{{{_IDS}}}", at="60m", samples=[Sample(labels=f"slo:period_error_budget_remaining:ratio{{{_IDS}, sloth_window=\"30d\", team=\"shop\"}}", value=1)]),
        ],
        alerts=[AlertExpectation(at="60m", alertname=ALERT, alerts=[])],
    )
    result = _run(promtool, tmp_path, [case])
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_good_series_yet_pages_when_everything_fails(tmp_path: Path) -> None:
    # A good= SLI over a service that has failed every request since it started.
    promtool = need_promtool()
    good = _slo(RatioSLI(good='http_requests_total{job="checkout", code!~"5.."}', total='http_requests_total{job="checkout"}'))
    case = RuleTest(
        name="nothing good yet",
        series=_only("500"),
        interval="1m",
        exprs=[ExprExpectation(expr=f"slo:sli_error:ratio_rate5m{{{_IDS}}}", at="60m", samples=[Sample(labels=f"slo:sli_error:ratio_rate5m{{{_IDS}, sloth_window=\"5m\", team=\"shop\"}}", value=1)])],
        alerts=[AlertExpectation(at="60m", alertname=ALERT, alerts=[_fired("page"), _fired("ticket")])],
    )
    (tmp_path / "rules.yaml").write_text(rules_yaml(groups_of(good)))
    (tmp_path / "tests.yaml").write_text(dump_yaml(_promtool_file([case], "rules.yaml", "1m")))
    result = subprocess.run([promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("failed_before", [False, True])
def test_an_idle_half_hour_leaves_the_budget_whole(tmp_path: Path, failed_before: bool) -> None:
    # No request for 30 minutes (a quiet night): 0/0 is NaN, and one NaN window in
    # the period's sum_over_time made the error budget NaN for the whole period.
    # A window without traffic has no SLI sample; the budget averages the others.
    promtool = need_promtool()
    good = [TOTAL_PER_MIN * m for m in range(30)] + [TOTAL_PER_MIN * 29] * 30
    good += [TOTAL_PER_MIN * (29 + m) for m in range(30)]
    series = [Series(series='http_requests_total{job="checkout", code="200"}', values=" ".join(map(str, good)))]
    if failed_before:  # the error counter exists, flat: no error in this run
        series.append(Series(series='http_requests_total{job="checkout", code="500"}', values=" ".join(["3"] * 90)))
    budget = f"slo:period_error_budget_remaining:ratio{{{_IDS}}}"
    case = RuleTest(
        name="idle",
        series=series,
        interval="1m",
        exprs=[
            ExprExpectation(expr=budget, at="89m", samples=[Sample(labels=f"slo:period_error_budget_remaining:ratio{{{_IDS}, sloth_window=\"30d\", team=\"shop\"}}", value=1)]),
            # While idle: no SLI sample (not NaN).
            ExprExpectation(expr=f"slo:sli_error:ratio_rate5m{{{_IDS}}}", at="50m", samples=[]),
        ],
        alerts=[AlertExpectation(at="50m", alertname=ALERT, alerts=[])],
    )
    result = _run(promtool, tmp_path, [case])
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_idle_half_hour_leaves_a_latency_budget_whole(tmp_path: Path) -> None:
    # The latency SLI divides the fast bucket by the count: 0/0 while idle.
    promtool = need_promtool()
    slo = SLO(
        service="checkout",
        name="latency",
        objective=95,
        labels={"team": "shop"},
        sli=LatencySLI(metric="http_request_duration_seconds", threshold=0.5, selector='job="checkout"'),
        alerting=Alerting(name="CheckoutLatencyBudgetBurn"),
    )
    counts = [TOTAL_PER_MIN * m for m in range(30)] + [TOTAL_PER_MIN * 29] * 30
    counts += [TOTAL_PER_MIN * (29 + m) for m in range(30)]
    values = " ".join(map(str, counts))
    ids = 'sloth_id="checkout-latency", sloth_service="checkout", sloth_slo="latency"'
    case = RuleTest(
        name="idle latency",
        series=[
            Series(series='http_request_duration_seconds_bucket{job="checkout", le="0.5"}', values=values),
            Series(series='http_request_duration_seconds_count{job="checkout"}', values=values),
        ],
        interval="1m",
        exprs=[
            ExprExpectation(expr=f"slo:period_error_budget_remaining:ratio{{{ids}}}", at="89m", samples=[Sample(labels=f"slo:period_error_budget_remaining:ratio{{{ids}, sloth_window=\"30d\", team=\"shop\"}}", value=1)]),
            ExprExpectation(expr=f"slo:sli_error:ratio_rate5m{{{ids}}}", at="50m", samples=[]),
        ],
    )
    (tmp_path / "rules.yaml").write_text(rules_yaml(groups_of(slo)))
    (tmp_path / "tests.yaml").write_text(dump_yaml(_promtool_file([case], "rules.yaml", "1m")))
    result = subprocess.run([promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_service_idle_since_it_started_has_no_sli_no_budget_and_no_alert(tmp_path: Path) -> None:
    # Counters exported but flat from the start: every window is 0/0. Sloth
    # records NaN for each window and for the period (NaN is never above a
    # threshold, so no alert, but every SLO panel reads NaN). Ours records no
    # sample: the dashboards say "No data", which is the truth.
    promtool = need_promtool()
    flat = " ".join(["0"] * 90)
    case = RuleTest(
        name="idle from the start",
        series=[
            Series(series='http_requests_total{job="checkout", code="200"}', values=flat),
            Series(series='http_requests_total{job="checkout", code="500"}', values=flat),
        ],
        interval="1m",
        exprs=[
            ExprExpectation(expr=f"slo:sli_error:ratio_rate{w}{{{_IDS}}}", at="89m", samples=[])
            for w in ("5m", "1h", "3d", "30d")
        ]
        + [
            ExprExpectation(expr=f"{name}{{{_IDS}}}", at="89m", samples=[])
            for name in ("slo:current_burn_rate:ratio", "slo:period_burn_rate:ratio", "slo:period_error_budget_remaining:ratio")
        ]
        # The metadata still says what the SLO is.
        + [ExprExpectation(expr=f"slo:objective:ratio{{{_IDS}}}", at="89m", samples=[Sample(labels=f"slo:objective:ratio{{{_IDS}, team=\"shop\"}}", value=0.999)])],
        alerts=[AlertExpectation(at=at, alertname=ALERT, alerts=[]) for at in ("5m", "89m")],
    )
    result = _run(promtool, tmp_path, [case])
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["errors", "good", "latency"])
def test_the_period_budget_counts_events_not_windows(tmp_path: Path, kind: str) -> None:
    # Two busy hours without an error (10,000 requests a minute), then a quiet
    # hour in which the one request a minute fails. Over the period, 60 of
    # 1,200,060 requests failed: 0.005% of them, 5% of a 0.1% budget. Averaging
    # the 5m ratios over time (Sloth's sum_over_time / count_over_time) weighs
    # the quiet hour's windows (ratio 1) like the busy ones: a third of the
    # samples at 100% errors, the budget 333 times overspent.
    promtool = need_promtool()
    busy, quiet = 120, 60
    total = [TOTAL_PER_MIN * m for m in range(busy)] + [TOTAL_PER_MIN * (busy - 1) + m for m in range(1, quiet + 1)]
    failed = [0] * busy + list(range(1, quiet + 1))
    good = [t - f for t, f in zip(total, failed, strict=True)]

    def values(counts: list[int]) -> str:
        return " ".join(map(str, counts))

    if kind == "latency":
        slo = SLO(
            service="checkout", name="availability", objective=99.9, labels={"team": "shop"},
            sli=LatencySLI(metric="http_request_duration_seconds", threshold=0.5, selector='job="checkout"'),
            alerting=Alerting(name=ALERT),
        )
        series = [
            Series(series='http_request_duration_seconds_bucket{job="checkout", le="0.5"}', values=values(good)),
            Series(series='http_request_duration_seconds_count{job="checkout"}', values=values(total)),
        ]
    else:
        sli = (
            RatioSLI(errors='http_requests_total{job="checkout", code=~"5.."}', total='http_requests_total{job="checkout"}')
            if kind == "errors"
            else RatioSLI(good='http_requests_total{job="checkout", code!~"5.."}', total='http_requests_total{job="checkout"}')
        )
        slo = _slo(sli)
        series = [
            Series(series='http_requests_total{job="checkout", code="500"}', values=values(failed)),
            Series(series='http_requests_total{job="checkout", code="200"}', values=values(good)),
        ]
    remaining = f"slo:period_error_budget_remaining:ratio{{{_IDS}}}"
    case = RuleTest(
        name=f"events, not windows ({kind})",
        series=series,
        interval="1m",
        exprs=[
            # Between 90% and 100% of the budget left (about 95%).
            ExprExpectation(expr=f"{remaining} > bool 0.9 and {remaining} < 1", at=f"{busy + quiet - 1}m",
                            samples=[Sample(labels=f"{{{_IDS}, sloth_window=\"30d\", team=\"shop\"}}", value=1)]),
        ],
    )
    (tmp_path / "rules.yaml").write_text(rules_yaml(groups_of(slo)))
    (tmp_path / "tests.yaml").write_text(dump_yaml(_promtool_file([case], "rules.yaml", "1m")))
    result = subprocess.run([promtool, "test", "rules", "tests.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
