"""OAC301: ``rate()``/``irate()``/``increase()`` in a dashboard panel not wrapped in an
aggregation: the panel draws one line per scraped series (per pod, per path ...),
which is rarely what its title says, and a quantile over it is per instance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, prepare_promql, rendered, targets

RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})


def unaggregated_calls(node: Any, aggregated: bool = False) -> Iterator[str]:
    """Names of rate-like calls in ``node`` with no aggregation above them."""
    if isinstance(node, promql_parser.AggregateExpr):
        yield from unaggregated_calls(node.expr, True)
        if node.param is not None:
            yield from unaggregated_calls(node.param, aggregated)
        return
    if isinstance(node, promql_parser.Call):
        name = node.func.name
        if name in RATE_FUNCTIONS and not aggregated:
            yield name
        for arg in node.args:
            yield from unaggregated_calls(arg, aggregated)
        return
    if isinstance(node, promql_parser.BinaryExpr):
        yield from unaggregated_calls(node.lhs, aggregated)
        yield from unaggregated_calls(node.rhs, aggregated)
        return
    if isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
        yield from unaggregated_calls(node.expr, aggregated)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        for t in targets(board):
            if t.language != "promql" or not t.expr:
                continue
            ast, problem = ctx.parse(prepare_promql(t.expr))
            if problem is not None:
                continue  # OAC302 reports it
            for name in sorted(set(unaggregated_calls(ast))):
                yield error(
                    t.location,
                    "OAC301",
                    f"{name}() in panel {panel_title(t.panel)!r} of dashboard {board.title!r} is not "
                    f"aggregated: {t.expr}",
                    hint=f"wrap it: sum by (<labels to keep>) ({name}(...)); inside histogram_quantile keep le",
                )


CHECK = Check("OAC301", "panel-rate-unaggregated", "rate()/increase() in a panel must be aggregated", run)
