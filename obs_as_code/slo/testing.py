"""Behaviour tests of an SLO's alerts, declared with the alert-test model.

:func:`burn_rate_tests` feeds an SLO synthetic traffic at four burn rates of its
error budget and says which alerts must fire: at half the budget rate nothing,
at 5 times only the ticket (over the ticket factor 3, under the page's 6 and
14.4), at 15 times the page and the ticket, and with (nearly) every request
failing both. For a 99.9% SLO these are 0.05%, 0.5%, 1.5% and 20% errors. The
tests are :class:`~obs_as_code.model.tests.RuleTest` definitions: declared in a
``slos/`` module they run with ``oac test`` next to the other alert tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from obs_as_code.model.tests import AlertExpectation, ExpectedAlert, RuleTest, Series
from obs_as_code.slo.generate import (
    L_SERVICE,
    L_SLO,
    alert_rules,
    error_budget_ratio,
    id_labels,
    resolve_windows,
)
from obs_as_code.slo.model import SLO
from obs_as_code.slo.windows import AlertWindows
from obs_as_code.source import capture, project_root


@dataclass(frozen=True)
class Scenario:
    """A steady burn rate and the alerts (``sloth_severity`` values) it must fire."""

    burn: float
    fires: tuple[str, ...]


#: The burn rates fed, and what fires at each with the Google 28d and 30d tables
#: (page factors >= 5.6, ticket factors <= 3 and the slow ticket factor <= 1).
#: The tests expect what the SLO's own table makes fire (:func:`firing`): the
#: same for those tables; with the 7d table (slow page factor 3.5) the page fires
#: at 5 times the budget rate too, and with another table (``windows=``) its own
#: factors decide.
SCENARIOS = (
    Scenario(0.5, ()),
    Scenario(5, ("ticket",)),
    Scenario(15, ("page", "ticket")),
    Scenario(200, ("page", "ticket")),
)
REQUESTS_PER_MINUTE = 100_000
MINUTES = 61


def firing(table: AlertWindows, ratio: float, budget: float) -> tuple[str, ...]:
    """The alerts (``page``, ``ticket``) that steady traffic with the error ratio
    ``ratio`` fires: those of which a window pair's factor times the budget is
    below it (over both windows of the pair, as the traffic is steady)."""
    return tuple(
        name for name, both in table.by_severity() if any(ratio > pair.factor(table.period_ms) * budget for pair in both)
    )


def _render(template: str, labels: dict[str, str]) -> str:
    # The annotations generated for SLO alerts only use these two labels.
    return template.replace("{{$labels." + L_SERVICE + "}}", labels[L_SERVICE]).replace(
        "{{$labels." + L_SLO + "}}", labels[L_SLO]
    )


def _table(slo: SLO) -> AlertWindows | None:
    """The SLO's windows table as the generator reads it (its ``windows=`` file,
    relative to the project root, else the shipped table of its period), or None
    when it has none: the build then reports why at the SLO (OAC405)."""
    root = project_root.get()
    table = resolve_windows(slo, Path(root) if root is not None else None)
    return table if isinstance(table, AlertWindows) else None


def expected_alerts(slo: SLO, fires: tuple[str, ...]) -> list[ExpectedAlert]:
    """The alerts of ``slo`` with these severities, labels and annotations as they fire."""
    table = _table(slo)
    if table is None:
        raise ValueError(f"SLO {slo.id!r}: no usable windows table for period {slo.period!r}")
    return _expected(slo, table, fires)


def _expected(slo: SLO, table: AlertWindows, fires: tuple[str, ...]) -> list[ExpectedAlert]:
    series_labels = {**slo.labels, **id_labels(slo)}
    out = []
    for rule in alert_rules(slo, table):
        if rule.labels.get("sloth_severity") in fires:
            labels = {**series_labels, **rule.labels}
            annotations = {k: _render(v, labels) for k, v in rule.annotations.items()}
            out.append(ExpectedAlert(labels=labels, annotations=annotations))
    return out


def burn_rate_tests(slo: SLO, *, good: str | None = None, bad: str | None = None, total: str | None = None) -> list[RuleTest]:
    """One test per :data:`SCENARIOS` entry.

    Give two of the three counters, as series selectors with concrete label
    values: ``bad`` and ``good`` when the SLI's total sums both (``status="500"``
    and ``status="200"``), ``good`` and ``total`` when it reads good events within
    all events (a latency bucket and ``_count``), ``bad`` and ``total`` when
    failures are counted apart from all events.

    An SLO without a usable windows table (a period without a shipped table and
    no ``windows=``, a ``windows=`` file that does not load) gets no tests: the
    build reports the SLO itself (OAC405, at ``period=`` or ``windows=``), which
    an exception raised here would hide behind an OAC101 at this call.
    """
    given = {k: v for k, v in (("good", good), ("bad", bad), ("total", total)) if v is not None}
    if len(given) != 2:
        raise ValueError("give exactly two of good=, bad= and total=")
    location = capture()
    budget = error_budget_ratio(slo)
    table = _table(slo)
    if table is None:
        return []
    names = {rule.name for rule in alert_rules(slo, table)}
    tests = []
    for scenario in SCENARIOS:
        ratio = min(scenario.burn * budget, 1.0)
        errors = round(REQUESTS_PER_MINUTE * ratio)
        oks = REQUESTS_PER_MINUTE - errors
        per_minute = {"good": oks, "bad": errors, "total": REQUESTS_PER_MINUTE}
        series = [Series(sel, f"0+{per_minute[kind]}x{MINUTES}", location=location) for kind, sel in given.items()]
        fires = firing(table, ratio, budget)
        fired = _expected(slo, table, fires)
        checks = [
            AlertExpectation(at=at, alertname=name, alerts=[a for a in fired if _named(slo, a, name)], location=location)
            for at in ("10m", "60m")
            for name in sorted(names)
        ]
        what = {0: "nothing fires", 1: f"only the {fires[0] if fires else ''} fires"}.get(len(fires), " and ".join(fires) + " fire")
        tests.append(
            RuleTest(
                name=f"{slo.id}: {ratio * 100:.6g}% errors (burn rate {scenario.burn:g}): {what}",
                series=series,
                interval="1m",
                alerts=checks,
                location=location,
            )
        )
    return tests


def _named(slo: SLO, alert: ExpectedAlert, name: str) -> bool:
    severity = alert.labels.get("sloth_severity")
    options = slo.alerting.page if severity == "page" else slo.alerting.ticket
    return slo.alert_name(options) == name
