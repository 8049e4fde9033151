"""OAC202: rate(), irate() or increase() over a gauge."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import Hit, call_name, metrics_text, per_tree, rate_calls
from obs_as_code.lint.types import GAUGE, INCREASE, INFO, RATE

CODE = "OAC202"
_WHAT = {GAUGE: "a gauge", RATE: "already a per-second rate", INCREASE: "already an increase", INFO: "an info metric"}


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the queries of its shape)."""
    out: list[Hit] = []
    for node, t in rate_calls(ctx, root):
        if t.kind not in _WHAT or t.summed_counter:
            continue
        out.append(
            Hit(
                node,
                f"{call_name(node)}() over {metrics_text(t.metrics)}, which is {_WHAT[t.kind]}, in ",
                "",
                Severity.ERROR if t.certain else Severity.WARNING,
                "rate() and increase() are for counters; for a gauge use deriv() or delta(), or the gauge itself",
            )
        )
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, hit in per_tree(ctx, find):
        yield hit.diagnostic(ctx, q, CODE)


CHECK = Check(CODE, "rate-over-gauge", "rate/irate/increase only make sense over counters", run)
