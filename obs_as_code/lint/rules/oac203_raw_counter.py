"""OAC203: a counter compared or graphed raw, without rate() or increase()."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import diag, metrics_text, parsed
from obs_as_code.lint.types import COUNTER, comparison_parts, is_a, op_of, result_node, strip

CODE = "OAC203"


def _compares(root: Any) -> bool:
    """Whether an alert's expression is a comparison, also on the left of
    ``and``/``unless`` (``x_total > 100 unless on() maintenance``), the side
    whose value the alert shows (``result_node``)."""
    node = strip(root)
    while is_a(node, "BinaryExpr") and op_of(node) in ("and", "unless"):
        node = strip(node.lhs)
    return comparison_parts(node) is not None


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root in parsed(ctx, ("alert", "panel")):
        if q.origin == "alert" and not _compares(root):
            continue
        node = result_node(root)
        t = ctx.type_of(node)
        if t.kind != COUNTER or t.bucket:
            continue
        if not t.certain and not all(m.endswith("_total") for m in t.metrics):
            continue  # `_count` alone is also used by gauges (pg_stat_activity_count)
        doing = "compared" if q.origin == "alert" else "graphed"
        yield diag(
            ctx.locate(q, node),
            CODE,
            f"{metrics_text(t.metrics)} is a counter {doing} raw in {q.what}: its value only grows until the process restarts",
            Severity.WARNING,
            "compare or graph rate(x[5m]) or increase(x[1h]) instead",
        )


CHECK = Check(CODE, "raw-counter", "counters are compared and graphed through rate() or increase()", run, Severity.WARNING, lint_only=True)
