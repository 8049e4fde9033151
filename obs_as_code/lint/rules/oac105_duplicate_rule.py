"""OAC105: the same rule twice in one group (same name and same labels)."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule, RuleGroup


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for group in ctx.project.all(RuleGroup):
        seen: dict[tuple[str, str, tuple[tuple[str, str], ...], str], str] = {}
        for rule in group.rules:
            kind = "alert" if isinstance(rule, AlertRule) else "record"
            labels = {**group.labels, **rule.labels}
            # Recording rules may share a name and labels when their expressions
            # differ: they record disjoint series (one per status class, say), and
            # Prometheus accepts them.
            expr = rule.expr if kind == "record" else ""
            key = (kind, rule.name, tuple(sorted(labels.items())), expr)
            if key in seen:
                yield error(
                    rule.location,
                    "OAC105",
                    f"duplicate {kind} {rule.name!r} in group {group.name!r} "
                    f"(first declared at {seen[key]})",
                    hint="rules may share a name only when their labels differ (e.g. severity)",
                )
            else:
                seen[key] = str(rule.location)


CHECK = Check("OAC105", "duplicate-rule", "a rule name with the same labels appears twice in a group", run)
