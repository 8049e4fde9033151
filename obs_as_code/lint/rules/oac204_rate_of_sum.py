"""OAC204: rate() of a sum instead of the sum of rates."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import call_name, diag, metrics_text, parsed
from obs_as_code.lint.types import nodes

CODE = "OAC204"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root in parsed(ctx):
        for node in nodes(root, "Call:rate", "Call:irate", "Call:increase"):
            name = call_name(node)
            if not node.args:
                continue
            t = ctx.type_of(node.args[0])
            if not t.summed_counter:
                continue
            yield diag(
                ctx.locate(q, node),
                CODE,
                f"{name}() of a sum of {metrics_text(t.metrics)} counters in {q.what}: a counter reset in one series looks like a huge drop of the sum",
                Severity.ERROR,
                f"take the {name} first, then aggregate: sum by (...) ({name}(x_total[5m]))",
            )


CHECK = Check(CODE, "rate-of-sum", "sum(rate(x)), never rate(sum(x))", run)
