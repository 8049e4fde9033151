"""OAC212: an alert without ``for``: one bad evaluation pages someone."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import keyword_location

CODE = "OAC212"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for _group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue
        if "sloth_severity" in rule.labels:
            # Multiwindow burn-rate alerts: the short window already debounces,
            # and a `for` would only delay the page (Sloth emits none either).
            continue
        try:
            zero = rule.for_ is None or parse_ms(rule.for_) == 0
        except DurationError:
            continue  # OAC103 reports it
        if zero:
            yield warning(
                keyword_location(rule.location, "for_") if rule.for_ is not None else rule.location,
                CODE,
                f"alert {rule.name!r} has no 'for': it fires on the first evaluation that matches",
                hint="add for_='5m' (or longer) so that a single blip does not page",
            )


CHECK = Check(CODE, "alert-without-for", "alerts wait with `for` before firing", run, Severity.WARNING, lint_only=True)
