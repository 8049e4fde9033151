"""OAC207: a label the series do not have, in a matcher or a by/without/on/ignoring list."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext, Query
from obs_as_code.lint.rules._promql import diag, metrics_text, parsed
from obs_as_code.lint.sites import label_span, node_span
from obs_as_code.lint.types import is_a, is_on, nodes, selector_matchers

CODE = "OAC207"


def _at(ctx: LintContext, q: Query, root: Any, node: Any, label: str) -> Any:
    span = node_span(q.expr, root, node) if q.origin != "panel" else None
    inner = label_span(q.expr, span[0] if span else 0, label)
    return q.at(inner) if inner else ctx.locate(q, node)


def _renamed(ctx: LintContext, q: Query, root: Any, node: Any, label: str, metrics: tuple[str, ...]) -> Diagnostic:
    return diag(
        _at(ctx, q, root, node, label),
        CODE,
        f"{label!r} in {q.what} is the scrape target's label, not {metrics_text(metrics)}'s own: "
        f"the job exposing it sets {label!r} too, so Prometheus keeps the metric's value as 'exported_{label}'",
        Severity.WARNING,
        f"use exported_{label}, or set honor_labels on the job, or drop {label!r} from the job's labels",
    )


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    if ctx.index is None:
        return  # label sets are only known from a catalog
    for q, root in parsed(ctx):
        for node in nodes(root, "VectorSelector", "AggregateExpr", "BinaryExpr"):
            if is_a(node, "VectorSelector"):
                t = ctx.type_of(node)
                if t.labels is None:
                    continue
                for label, op, value in selector_matchers(node):
                    if label in t.renamed:
                        yield _renamed(ctx, q, root, node, label, t.metrics)
                        continue
                    if label in t.labels or (value == "" and op in ("=", "=~")) or op in ("!=", "!~"):
                        continue
                    yield diag(_at(ctx, q, root, node, label), CODE, f"{metrics_text(t.metrics)} has no label {label!r} (matcher in {q.what}); it has: {', '.join(sorted(t.labels)) or 'none'}", Severity.ERROR, "a matcher on a missing label matches nothing")
            elif is_a(node, "AggregateExpr") and node.modifier is not None:
                t = ctx.type_of(node.expr)
                if t.labels is None:
                    continue
                by = str(node.modifier.type).endswith("By")
                for label in node.modifier.labels:
                    if str(label) in t.renamed:
                        yield _renamed(ctx, q, root, node, str(label), t.metrics)
                        continue
                    if str(label) in t.labels:
                        continue
                    word = "by" if by else "without"
                    yield diag(_at(ctx, q, root, node, str(label)), CODE, f"{node.op} {word} ({label}) in {q.what}: {metrics_text(t.metrics)} has no label {label!r}", Severity.ERROR if by else Severity.WARNING, "the label is always empty there; check its name against the catalog")
            elif is_a(node, "BinaryExpr") and node.modifier is not None and node.modifier.matching is not None:
                lhs, rhs = ctx.type_of(node.lhs), ctx.type_of(node.rhs)
                word = "on" if is_on(node.modifier.matching) else "ignoring"
                for label in node.modifier.matching.labels:
                    for side in (lhs, rhs):
                        if side.labels is None or str(label) in side.labels or side.kind == "scalar":
                            continue
                        yield diag(_at(ctx, q, root, node, str(label)), CODE, f"{word}({label}) in {q.what}: {metrics_text(side.metrics)} has no label {label!r}", Severity.ERROR if word == "on" else Severity.WARNING, "vector matching on a label one side lacks pairs the wrong series")
                        break


CHECK = Check(CODE, "unknown-label", "labels in matchers and by/on lists exist on the series", run)
