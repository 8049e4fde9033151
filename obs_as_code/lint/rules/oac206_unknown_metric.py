"""OAC206: a rule reads a metric that no catalog lists and no rule records."""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext, Query, templated_name
from obs_as_code.lint.rules._promql import diag, parsed
from obs_as_code.lint.types import SYNTHETIC, nodes, selector_name

CODE = "OAC206"


def unknown_metrics(ctx: LintContext, origins: tuple[str, ...], code: str) -> Iterator[Diagnostic]:
    """Selectors of queries from ``origins`` whose metric nobody exposes or records."""
    index = ctx.index
    if index is None:
        return  # without a catalog nothing is unknown
    names = sorted(set(index.metrics) | set(ctx.recorded()))
    for q, root in parsed(ctx, origins):
        for node in nodes(root, "VectorSelector"):
            name = selector_name(node)
            # A metric named by a dashboard variable ($metric) is whatever the user picks.
            if name is None or name in SYNTHETIC or templated_name(name) or ctx.known_metric(name):
                continue
            yield _report(ctx, q, node, name, names, code)


def _report(ctx: LintContext, q: Query, node: object, name: str, names: list[str], code: str) -> Diagnostic:
    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]}?" if close else "add it to the metrics catalog, or fix the name"
    return diag(ctx.locate(q, node), code, f"unknown metric {name} in {q.what}: no catalog lists it and no rule records it", Severity.ERROR, hint)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    return unknown_metrics(ctx, ("alert", "record"), CODE)


CHECK = Check(CODE, "unknown-metric", "every metric a rule reads is in the catalog or recorded by a rule", run)
