"""OAC213: an alert without a severity label, or with one routing does not know."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import keyword_location

CODE = "OAC213"
SEVERITIES = ("critical", "warning", "info", "none")
_MEANT = {"page": "critical", "ticket": "warning"}


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
            # Sloth's page/ticket name what critical/warning do here (as the SLO's OAC213 says).
            close = [_MEANT[severity.lower()]] if severity.lower() in _MEANT else difflib.get_close_matches(severity.lower(), SEVERITIES[:3], n=1, cutoff=0.6)
            meant = f'did you mean "{close[0]}"? ' if close else ""
            # At the labels= that sets it (the rule's, else the group's).
            where = keyword_location(rule.location, "labels") if "severity" in rule.labels else keyword_location(group.location, "labels")
            yield warning(
                where,
                CODE,
                f"alert {rule.name!r} has severity {severity!r}, not one of {', '.join(SEVERITIES)}",
                hint=f"{meant}Alertmanager routes match these values exactly",
            )


CHECK = Check(CODE, "alert-severity", "alerts carry a known severity label", run, Severity.WARNING, lint_only=True)
