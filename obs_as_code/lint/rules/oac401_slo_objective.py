"""OAC401: an SLO objective outside (0, 100) (error), or at most 1 (warning: a
ratio), or so low that a burn-rate condition of its alerts needs an error ratio
above 1 (warning: that condition can never be true)."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.slo import windows as windows_table
from obs_as_code.slo.generate import error_budget_ratio
from obs_as_code.slo.model import SLO, objective_usable
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for slo in ctx.project.all(SLO):
        value = slo.objective
        ok = objective_usable(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            yield error(
                keyword_location(slo.location, "objective"),
                "OAC401",
                f"SLO {slo.id!r}: objective must be a number, not {type(value).__name__} ({value!r})",
                hint="objectives are percentages of good events, e.g. objective=99.9",
            )
        elif not ok:
            yield error(
                keyword_location(slo.location, "objective"),
                "OAC401",
                f"SLO {slo.id!r}: objective {value!r} is outside (0, 100)",
                hint="objectives are percentages of good events, e.g. 99.9 (not 0.999, not 100: "
                "a 100% objective leaves no error budget to alert on)",
            )
        elif value <= 1:
            # Legal, but an objective of 0.999% is a ratio written where a
            # percentage belongs far more often than a real target.
            yield warning(
                keyword_location(slo.location, "objective"),
                "OAC401",
                f"SLO {slo.id!r}: objective {value!r} looks like a ratio: it means {value:g}%, not {value * 100:g}%",
                hint=f"write objective={value * 100:g}",
            )
        else:
            # Not for a ratio-like objective: the warning above names the fix.
            yield from _unreachable_burn(slo)


def _unreachable_burn(slo: SLO) -> Iterator[Diagnostic]:
    """A warning for each generated alert (page, ticket) with a condition whose
    threshold, burn-rate factor times error budget, is 1 or more: an error ratio
    never exceeds 1, so that condition is never true (objective 90 with Google's
    14.4 over 1h: 1.44). Only for the shipped windows tables (a ``windows=`` file
    is read by the generator, not by this check)."""
    alerting = slo.alerting
    if slo.windows is not None or alerting.disable:
        return
    table = windows_table.for_period(slo.period)
    if table is None:
        return  # OAC405 reports the period
    budget = error_budget_ratio(slo)
    options = {"page": alerting.page, "ticket": alerting.ticket}
    for severity, conditions in table.by_severity():
        if options[severity].disable:
            continue
        rates = [(c, c.factor(table.period_ms)) for c in conditions]
        dead = [(c, rate, rate * budget) for c, rate in rates if rate * budget >= 1]
        if not dead:
            continue
        windows = " and ".join(f"over {c.short} and {c.long} (burn rate {rate:g})" for c, rate, _ in dead)
        above = " and ".join(f"{t:g}" for _, _, t in dead)
        if len(dead) == len(conditions):
            said = f"conditions {windows} need an error ratio above {above}, which no ratio reaches: it can never fire"
        else:
            said = f"condition {windows} needs an error ratio above {above}, which no ratio reaches: only its other condition can fire"
        yield warning(
            keyword_location(slo.location, "objective"),
            "OAC401",
            f"SLO {slo.id!r}: objective {slo.objective:g}% leaves an error budget of {budget * 100:g}%: "
            f"the {severity} alert's {said}",
            hint="raise the objective, give windows= a table with lower burn rates for this objective, "
            f"or disable the {severity} alert",
        )


CHECK = Check("OAC401", "slo-objective", "SLO objectives must be percentages strictly between 0 and 100", run)
