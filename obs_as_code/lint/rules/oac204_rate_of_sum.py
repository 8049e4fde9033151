"""OAC204: rate() of a sum instead of the sum of rates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import Hit, call_name, metrics_text, per_tree, rate_calls

CODE = "OAC204"


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the queries of its shape)."""
    out: list[Hit] = []
    for node, t in rate_calls(ctx, root):
        if not t.summed_counter:
            continue
        name = call_name(node)
        out.append(
            Hit(
                node,
                f"{name}() of a sum of {metrics_text(t.metrics)} counters in ",
                ": a counter reset in one series looks like a huge drop of the sum",
                Severity.ERROR,
                f"take the {name} first, then aggregate: sum by (...) ({name}(x_total[5m]))",
            )
        )
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, hit in per_tree(ctx, find):
        yield hit.diagnostic(ctx, q, CODE)


CHECK = Check(CODE, "rate-of-sum", "sum(rate(x)), never rate(sum(x))", run)
