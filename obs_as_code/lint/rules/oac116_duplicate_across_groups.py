"""OAC116: the same rule in two rule groups (same name, labels and expression)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup


def _labels(group: RuleGroup, rule: AlertRule | RecordingRule) -> frozenset[tuple[str, str]]:
    """The labels the rule's series or alerts carry from the rule file."""
    return frozenset({**group.labels, **rule.labels}.items())


Placed = tuple[RuleGroup, AlertRule | RecordingRule]


def identity(group: RuleGroup, rule: AlertRule | RecordingRule) -> bytes:
    """8 bytes standing for what this check compares but the expression: alert or
    record, name and labels. Two rules it reports have one identity, so a project
    where no identity is in two groups of different names has no finding: the
    incremental build keeps each module's identities and runs this check only then
    (``incremental.rule_identities``), without unpickling every rule group."""
    what = (isinstance(rule, AlertRule), rule.name, sorted(_labels(group, rule)))
    return hashlib.blake2b(repr(what).encode(), digest_size=8).digest()


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # Prometheus evaluates each group on its own clock: two groups writing one
    # series interleave their samples (or collide on a timestamp, "duplicate
    # sample"), an alert twice keeps two ALERTS series and pages twice as often as
    # it should be configured. The copy in one group is OAC105's; a group named
    # twice, or not at all, is OAC106's.
    # Keyed without the labels first, which are read only when the rest collides
    # (this stage runs again whenever any rule module changes), then by them: the
    # SLO generator writes one rule name and expression with the labels of each SLO.
    first: dict[tuple[bool, str, str], Placed] = {}
    by_labels: dict[tuple[bool, str, str], dict[frozenset[tuple[str, str]], Placed]] = {}
    for group in ctx.project.all(RuleGroup):
        if not group.name:
            continue
        for rule in group.rules:
            alert = isinstance(rule, AlertRule)
            key = (alert, rule.name, rule.expr.strip())
            placed = first.get(key)
            if placed is None:
                first[key] = (group, rule)
                continue
            seen = by_labels.get(key)
            if seen is None:
                seen = by_labels[key] = {_labels(*placed): placed}
            labels = _labels(group, rule)
            other = seen.get(labels)
            if other is None:
                seen[labels] = (group, rule)
                continue
            other_group, other_rule = other
            if other_group is group or other_group.name == group.name:
                continue
            what = "fires the same alert" if alert else "writes the same series"
            yield error(
                rule.location,
                "OAC116",
                f"{'alert' if alert else 'record'} {rule.name!r} in group {group.name!r} is also in group "
                f"{other_group.name!r} (at {other_rule.location}), with the same labels and expression: both groups "
                f"evaluate it, and each {what} on its own schedule",
                hint="keep it in one group; to record it again at another interval, give it another name or label",
            )


CHECK = Check(
    "OAC116", "duplicate-rule-across-groups", "the same rule (name, labels, expression) in two rule groups", run
)
