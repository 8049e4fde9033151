"""OAC213: an alert without a severity label, or with one routing does not know."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule

CODE = "OAC213"
SEVERITIES = ("critical", "warning", "info", "none")


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue
        if group.name.startswith("slo-alerts-") and rule.labels.get("sloth_severity") in ("page", "ticket"):
            continue  # an SLO's alert: the generator reports its severity once, at the argument
        severity = {**group.labels, **rule.labels}.get("severity")
        if severity is None:
            yield warning(rule.location, CODE, f"alert {rule.name!r} has no severity label", hint=f"routing needs one of: {', '.join(SEVERITIES[:3])}")
        elif severity not in SEVERITIES and "{{" not in severity:
            yield warning(rule.location, CODE, f"alert {rule.name!r} has severity {severity!r}, not one of {', '.join(SEVERITIES)}", hint="Alertmanager routes match these values exactly")


CHECK = Check(CODE, "alert-severity", "alerts carry a known severity label", run, Severity.WARNING, lint_only=True)
