"""OAC116: the same rule in two rule groups (same name, labels and expression)."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule, RuleGroup


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # Prometheus evaluates each group on its own clock: two groups writing one
    # series interleave their samples (or collide on a timestamp, "duplicate
    # sample"), an alert twice keeps two ALERTS series and pages twice as often as
    # it should be configured. The copy in one group is OAC105's.
    first: dict[tuple[str, str, tuple[tuple[str, str], ...], str], tuple[RuleGroup, str]] = {}
    for group in ctx.project.all(RuleGroup):
        if not group.name:
            continue  # no group Prometheus loads (OAC106)
        for rule in group.rules:
            kind = "alert" if isinstance(rule, AlertRule) else "record"
            labels = tuple(sorted({**(group.labels or {}), **(rule.labels or {})}.items()))
            key = (kind, rule.name, labels, rule.expr.strip())
            seen = first.get(key)
            if seen is None:
                first[key] = (group, str(rule.location))
            elif seen[0] is not group and seen[0].name != group.name:  # one name twice: OAC106's
                what = "writes the same series" if kind == "record" else "fires the same alert"
                yield error(
                    rule.location,
                    "OAC116",
                    f"{kind} {rule.name!r} in group {group.name!r} is also in group {seen[0].name!r} "
                    f"(at {seen[1]}), with the same labels and expression: both groups evaluate it, and "
                    f"each {what} on its own schedule",
                    hint="keep it in one group; to record it again at another interval, give it another name or label",
                )


CHECK = Check(
    "OAC116", "duplicate-rule-across-groups", "the same rule (name, labels, expression) in two rule groups", run
)
