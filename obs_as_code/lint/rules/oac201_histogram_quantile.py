"""OAC201: histogram_quantile over something that is not rated histogram buckets."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import Hit, metrics_text, per_tree
from obs_as_code.lint.types import COUNTER, is_a, nodes, walk

CODE = "OAC201"
_NOT_BUCKETS = ("_sum", "_count", "_total")


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the queries of its shape)."""
    out: list[Hit] = []
    for node in nodes(root, "Call:histogram_quantile"):
        if len(node.args) != 2:
            continue
        phi, arg = node.args
        # A constant quantile, also written as arithmetic (100 - 5).
        quantile = ctx.type_of(phi).const
        if quantile is not None and not 0 <= quantile <= 1:
            out.append(Hit(node, f"histogram_quantile({quantile:g}, ...) in ", ": the quantile must be between 0 and 1", Severity.ERROR, "0.95 is the 95th percentile"))
        t = ctx.type_of(arg)
        what = metrics_text(t.metrics)
        if t.le_dropped:
            agg = next((n for n in walk(arg) if is_a(n, "AggregateExpr") and ctx.type_of(n).le_dropped and not ctx.type_of(n.expr).le_dropped), node)
            out.append(Hit(agg, f"histogram_quantile over {what} aggregated without keeping the `le` label in ", "", Severity.ERROR, "keep the bucket bound: sum by (le, ...) (rate(x_bucket[5m]))"))
        elif t.bucket is False:
            sure = t.certain or (bool(t.metrics) and all(m.endswith(_NOT_BUCKETS) for m in t.metrics))
            out.append(
                Hit(
                    node,
                    f"histogram_quantile over {what}, which is not a histogram _bucket series, in ",
                    "",
                    Severity.ERROR if sure else Severity.WARNING,
                    "use the _bucket series: histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))"
                    + ("" if sure else " (ignore this for a native histogram)"),
                )
            )
        elif t.bucket and t.kind == COUNTER:
            out.append(Hit(node, f"histogram_quantile over raw {what} counters, without rate() or increase(), in ", "", Severity.ERROR, "bucket counters only grow since the process started: take rate(x_bucket[5m]) first"))
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, hit in per_tree(ctx, find):
        yield hit.diagnostic(ctx, q, CODE)


CHECK = Check(CODE, "histogram-quantile", "histogram_quantile needs rated _bucket series that keep `le`", run)
