"""OAC202: rate(), irate() or increase() over a gauge."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import call_name, diag, metrics_text, parsed
from obs_as_code.lint.types import GAUGE, INCREASE, INFO, RATE, nodes

CODE = "OAC202"
_WHAT = {GAUGE: "a gauge", RATE: "already a per-second rate", INCREASE: "already an increase", INFO: "an info metric"}


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root in parsed(ctx):
        for node in nodes(root, "Call:rate", "Call:irate", "Call:increase"):
            name = call_name(node)
            if not node.args:
                continue
            t = ctx.type_of(node.args[0])
            if t.kind not in _WHAT or t.summed_counter:
                continue
            yield diag(
                ctx.locate(q, node),
                CODE,
                f"{name}() over {metrics_text(t.metrics)}, which is {_WHAT[t.kind]}, in {q.what}",
                Severity.ERROR if t.certain else Severity.WARNING,
                "rate() and increase() are for counters; for a gauge use deriv() or delta(), or the gauge itself",
            )


CHECK = Check(CODE, "rate-over-gauge", "rate/irate/increase only make sense over counters", run)
