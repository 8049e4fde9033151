"""OAC207: a label the series do not have, in a matcher or a by/without/on/ignoring list."""

from __future__ import annotations

import difflib
from collections.abc import Collection, Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext, Query
from obs_as_code.lint.rules._promql import Hit, metrics_text, per_tree
from obs_as_code.lint.sites import label_span, node_span
from obs_as_code.lint.types import is_a, is_on, nodes, selector_matchers

CODE = "OAC207"


def _at(ctx: LintContext, q: Query, root: Any, node: Any, label: str) -> Any:
    span = node_span(q.expr, root, node) if q.origin != "panel" else None
    inner = label_span(q.expr, span[0] if span else 0, label)
    return q.at(inner) if inner else ctx.locate(q, node)


def _meant(label: str, labels: Collection[str], otherwise: str) -> str:
    """The hint: the series' closest label (a typo: ``stauts`` for ``status``), then why it matters."""
    close = difflib.get_close_matches(label, sorted(labels), n=1, cutoff=0.75)
    return f"did you mean {close[0]!r}? {otherwise}" if close else otherwise


def _renamed(root: Any, node: Any, label: str, metrics: tuple[str, ...]) -> Hit:
    return Hit(
        node,
        f"{label!r} in ",
        f" is the scrape target's label, not {metrics_text(metrics)}'s own: "
        f"the job exposing it sets {label!r} too, so Prometheus keeps the metric's value as 'exported_{label}'",
        Severity.WARNING,
        f"use exported_{label}, or set honor_labels on the job, or drop {label!r} from the job's labels",
        root,
        label,
    )


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the queries of its shape)."""
    out: list[Hit] = []
    for node in nodes(root, "VectorSelector", "AggregateExpr", "BinaryExpr"):
        if is_a(node, "VectorSelector"):
            t = ctx.type_of(node)
            if t.labels is None:
                continue
            for label, op, value in selector_matchers(node):
                if label in t.renamed:
                    out.append(_renamed(root, node, label, t.metrics))
                    continue
                if label in t.labels or (value == "" and op in ("=", "=~")) or op in ("!=", "!~"):
                    continue
                out.append(Hit(node, f"{metrics_text(t.metrics)} has no label {label!r} (matcher in ", f"); it has: {', '.join(sorted(t.labels)) or 'none'}", Severity.ERROR, _meant(label, t.labels, "a matcher on a missing label matches nothing"), root, label))
        elif is_a(node, "AggregateExpr") and node.modifier is not None:
            t = ctx.type_of(node.expr)
            if t.labels is None:
                continue
            by = str(node.modifier.type).endswith("By")
            for label in node.modifier.labels:
                if str(label) in t.renamed:
                    out.append(_renamed(root, node, str(label), t.metrics))
                    continue
                if str(label) in t.labels:
                    continue
                word = "by" if by else "without"
                out.append(Hit(node, f"{node.op} {word} ({label}) in ", f": {metrics_text(t.metrics)} has no label {label!r}", Severity.ERROR if by else Severity.WARNING, _meant(str(label), t.labels, "the label is always empty there; check its name against the catalog"), root, str(label)))
        elif is_a(node, "BinaryExpr") and node.modifier is not None and node.modifier.matching is not None:
            lhs, rhs = ctx.type_of(node.lhs), ctx.type_of(node.rhs)
            word = "on" if is_on(node.modifier.matching) else "ignoring"
            for label in node.modifier.matching.labels:
                for side in (lhs, rhs):
                    if side.labels is None or str(label) in side.labels or side.kind == "scalar":
                        continue
                    out.append(Hit(node, f"{word}({label}) in ", f": {metrics_text(side.metrics)} has no label {label!r}", Severity.ERROR if word == "on" else Severity.WARNING, _meant(str(label), side.labels, "vector matching on a label one side lacks pairs the wrong series"), root, str(label)))
                    break
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    if ctx.index is None:
        return  # label sets are only known from a catalog
    for q, hit in per_tree(ctx, find):
        yield Diagnostic(_at(ctx, q, hit.root, hit.node, hit.label or ""), CODE, f"{hit.head}{q.what}{hit.tail}", hit.severity, hit.hint)


CHECK = Check(CODE, "unknown-label", "labels in matchers and by/on lists exist on the series", run)
