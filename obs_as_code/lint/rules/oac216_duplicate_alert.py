"""OAC216: the same alert name in several groups."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule
from obs_as_code.names import SLO_ALERT_GROUPS, SLOTH_ALERT_GROUPS, slo_burn_alert

CODE = "OAC216"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    first: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[str, str]] = {}
    for group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue
        if slo_burn_alert(group.name, rule.labels, SLO_ALERT_GROUPS + SLOTH_ALERT_GROUPS):
            # An SLO's burn-rate alert: its series carry the SLO's sloth_id, so
            # SLOs sharing one alert name (as Sloth users do) fire apart.
            continue
        labels = tuple(sorted({**group.labels, **rule.labels}.items()))
        key = (rule.name, labels)
        seen = first.get(key)
        if seen is None:
            first[key] = (group.name, str(rule.location))
        elif seen[0] != group.name:
            yield warning(
                rule.location,
                CODE,
                f"alert {rule.name!r} is also defined in group {seen[0]!r} ({seen[1]}) with the same labels",
                hint="two definitions of one alert fire and resolve independently; keep one, or tell them apart by labels",
            )


CHECK = Check(CODE, "duplicate-alert", "an alert name is defined in one group", run, Severity.WARNING, lint_only=True)
