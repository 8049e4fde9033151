"""OAC301: ``rate()``/``irate()``/``increase()`` in a dashboard panel not wrapped in an
aggregation: the panel draws one line per scraped series (per pod, per path ...),
which is rarely what its title says, and a quantile over it is per instance. A call
whose selector pins one scrape target (``instance="$node"`` with a variable that
holds one value, ``instance=~"$node:$port"``, a literal address) is a drill-down
into that target: its lines are the target's own series (per device, per CPU),
as node-exporter-full draws them on purpose, and it is not reported."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import promql_parser

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    Target,
    panel_title,
    promql_targets,
    rendered,
    variable_names,
)
from obs_as_code.lint.rules.oac314_multi_value_equality import several_values
from obs_as_code.source import SourceLocation

RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})

#: An unaggregated call: its name, and whether its selector has an ``instance=``
#: or ``instance=~`` matcher.
RateCall = tuple[str, bool]

#: An ``instance`` matcher with ``=`` or ``=~`` as the query is written (the trees
#: are shared by queries that differ in values only: the values are read here).
_INSTANCE = re.compile(r"""(?<![\w.])instance\s*(=~|=)\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*')""")

#: ``$node``, ``${node}``, ``[[node]]``: removed from a matcher's value to see
#: what regex it keeps around the variables.
_VARIABLE = re.compile(r"\$\{[^}]*\}|\[\[[^\]]*\]\]|\$\w+")


def unaggregated(node: Any, aggregated: bool = False) -> Iterator[RateCall]:
    """Rate-like calls in ``node`` with no aggregation above them: each call's
    name, and whether its selector matches ``instance``."""
    if isinstance(node, promql_parser.AggregateExpr):
        yield from unaggregated(node.expr, True)
        if node.param is not None:
            yield from unaggregated(node.param, aggregated)
        return
    if isinstance(node, promql_parser.Call):
        name = node.func.name
        if name in RATE_FUNCTIONS and not aggregated:
            yield name, _has_instance_matcher(node)
        for arg in node.args:
            yield from unaggregated(arg, aggregated)
        return
    if isinstance(node, promql_parser.BinaryExpr):
        yield from unaggregated(node.lhs, aggregated)
        yield from unaggregated(node.rhs, aggregated)
        return
    if isinstance(node, (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)):
        yield from unaggregated(node.expr, aggregated)


def _has_instance_matcher(call: Any) -> bool:
    """Whether the range selector ``call`` reads has an ``instance=`` or
    ``instance=~`` matcher (no subquery, no ``or`` alternatives)."""
    for arg in call.args:
        if not isinstance(arg, promql_parser.MatrixSelector):
            continue
        selector = arg.vector_selector
        if selector.matchers.or_matchers:
            return False
        for m in selector.matchers.matchers:
            if m.name == "instance" and m.op in (promql_parser.MatchOp.Equal, promql_parser.MatchOp.Re):
                return True
    return False


def pins_one_target(expr: str, several: set[str]) -> bool:
    """Whether every ``instance`` matcher written in ``expr`` (there is one at
    least) selects one scrape target: ``=`` a non-empty value, or ``=~`` a value
    made of variables with no alternative (``|``) around them; none of the
    variables may hold several values (``several``)."""
    found = False
    for m in _INSTANCE.finditer(expr):
        op, value = m.group(1), m.group(2)[1:-1]
        names = variable_names(value)
        if any(n in several for n in names):
            return False
        if op == "=" and not value:
            return False
        if op == "=~" and (not names or "|" in _VARIABLE.sub("", value)):
            return False
        found = True
    return found


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
    found: dict[int, tuple[RateCall, ...]] = {}
    for board in rendered(ctx):
        several: set[str] | None = None  # read when a call names an instance
        for t in promql_targets(board):
            expr = t.expr
            if not expr:
                continue
            tree, problem = known.get(expr) or panel_tree(expr)
            if problem is not None:
                continue  # OAC302 reports it
            calls = found.get(id(tree))
            if calls is None:
                key = (unaggregated, id(tree))
                calls = memo.get(key)
                if calls is None:
                    calls = memo[key] = tuple(unaggregated(tree))
                found[id(tree)] = calls
            names: set[str] = set()
            pinned: bool | None = None  # read when a call has an instance matcher
            for name, on_instance in calls:
                if on_instance:
                    if pinned is None:
                        if several is None:
                            several = several_values(board)
                        pinned = pins_one_target(expr, several)
                    if pinned:
                        continue  # a drill-down into one scrape target
                names.add(name)
            for name in sorted(names):
                yield warning(
                    _precise(ctx, t),
                    "OAC301",
                    f"{name}() in panel {panel_title(t.panel)!r} of dashboard {board.title!r} is not "
                    f"aggregated: {t.expr}",
                    hint=f"wrap it: sum by (<labels to keep>) ({name}(...)); inside histogram_quantile keep le",
                )


# A warning, not an error: across 62 published dashboards every finding left after
# the drill-down exemption was a panel drawing one line per series on purpose
# (per OSD, per device, CPU by instance); an error would stop such builds.
CHECK = Check("OAC301", "panel-rate-unaggregated", "rate()/increase() in a panel must be aggregated", run, Severity.WARNING)
