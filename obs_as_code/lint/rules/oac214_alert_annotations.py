"""OAC214: an alert without a summary or a runbook link."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule

CODE = "OAC214"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for _group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue
        ann = rule.annotations
        missing = [k for k in ("summary", "runbook_url") if not str(ann.get(k, "")).strip()]
        if missing:
            yield warning(
                rule.location,
                CODE,
                f"alert {rule.name!r} has no {' and no '.join(missing)} annotation",
                hint="the person paged reads the summary first, then follows the runbook",
            )


CHECK = Check(CODE, "alert-annotations", "alerts carry summary and runbook_url annotations", run, Severity.WARNING, lint_only=True)
