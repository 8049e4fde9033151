"""OAC208: an annotation shows a label that the alert's expression aggregates away."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import diag, parsed
from obs_as_code.lint.rules._templates import read

CODE = "OAC208"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root in parsed(ctx, ("alert",)):
        rule, group = q.rule, q.group
        assert rule is not None and group is not None
        labels = ctx.type_of(root).labels
        if labels is None:
            continue
        static = set(rule.labels) | set(group.labels)
        for key, text in getattr(rule, "annotations", {}).items():
            if not isinstance(text, str):
                continue
            for _offset, label in read(text).labels:
                if label in labels or label in static:
                    continue
                shown = sorted(labels)
                kept = ", ".join(shown[:8]) + (f" and {len(shown) - 8} more" if len(shown) > 8 else "") or "no labels"
                yield diag(
                    ctx.annotation_location(rule, key, f"$labels.{label}"),
                    CODE,
                    f"annotation {key!r} of alert {rule.name!r} uses $labels.{label}, but the expression's result has only: {kept}",
                    Severity.ERROR,
                    f"keep the label through the aggregation (by ({', '.join([*sorted(labels), label])})) or drop it from the text",
                )


CHECK = Check(CODE, "annotation-labels", "annotations only use labels the expression keeps", run)
