"""OAC301: ``rate()``/``irate()``/``increase()`` in a dashboard panel not wrapped in an
aggregation: the panel draws one line per scraped series (per pod, per path ...),
which is rarely what its title says, and a quantile over it is per instance."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    Target,
    panel_title,
    promql_targets,
    rendered,
)
from obs_as_code.source import SourceLocation

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


def _precise(ctx: LintContext, t: Target) -> SourceLocation:
    """The target's own line: the renderer's source map knows panels built with
    the kit; for other dashboards the lint engine has found the string in the
    file, from the line the target (or its panel) is written on when the module's
    syntax tree tells, else from the dashboard's. Only a query of the same
    dashboard tells (another dashboard's query of the same text is in another
    file, and absent from a build of this module alone)."""
    loc = t.location
    written = loc != t.board.locate(())
    if written and not t.board.located_by_syntax(t.path):
        return loc
    for q in ctx.queries():
        if (
            q.origin == "panel"
            and q.in_project
            and q.source is not None
            and q.source.board is t.board
            and q.expr == t.expr
            and q.site is not None
        ):
            found = q.at((0, len(q.expr)))
            # Searched from the target's line on: a hit before it is not the target's.
            return found if not written or (found.file == loc.file and found >= loc) else loc
    return loc


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # The calls found in each distinct tree, kept with the trees (contexts that
    # share their trees share this too: LintContext._tree_findings).
    memo = ctx._tree_findings
    panel_tree = ctx.panel_tree
    # What panel_tree() returns first, read without a call per target (the
    # OAC2xx checks have asked for every panel query already).
    known = ctx._panel_trees
    # id(tree) -> the calls found in it, for this run: no key tuple made and
    # hashed per target (a large project's 20,000 targets share ~50 trees).
    found: dict[int, tuple[str, ...]] = {}
    for board in rendered(ctx):
        for t in promql_targets(board):
            expr = t.expr
            if not expr:
                continue
            tree, problem = known.get(expr) or panel_tree(expr)
            if problem is not None:
                continue  # OAC302 reports it
            names = found.get(id(tree))
            if names is None:
                key = (unaggregated_calls, id(tree))
                names = memo.get(key)
                if names is None:
                    names = memo[key] = tuple(sorted(set(unaggregated_calls(tree))))
                found[id(tree)] = names
            for name in names:
                yield error(
                    _precise(ctx, t),
                    "OAC301",
                    f"{name}() in panel {panel_title(t.panel)!r} of dashboard {board.title!r} is not "
                    f"aggregated: {t.expr}",
                    hint=f"wrap it: sum by (<labels to keep>) ({name}(...)); inside histogram_quantile keep le",
                )


CHECK = Check("OAC301", "panel-rate-unaggregated", "rate()/increase() in a panel must be aggregated", run)
