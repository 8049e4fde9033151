"""Helpers shared by the PromQL checks: parsed queries, ancestors, messages."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import LintContext, Query
from obs_as_code.lint.types import children, func_name, nodes
from obs_as_code.source import SourceLocation


def parsed(ctx: LintContext, origins: tuple[str, ...] = ("alert", "record", "panel")) -> Iterator[tuple[Query, Any]]:
    """``(query, ast)`` of every query that parses, restricted to ``origins``."""
    every = len(origins) == 3
    if "panel" not in origins:
        # Rules only: the head of parsed_queries(), without making a Query for
        # every dashboard target.
        for q, ast in ctx.parsed_rule_queries():
            if q.origin in origins:
                yield q, ast
        return
    for q, ast in ctx.parsed_queries():
        if every or q.origin in origins:
            yield q, ast


@dataclass(frozen=True)
class Hit:
    """A finding of a check in one syntax tree, before it is tied to a query:
    the message is ``head + query.what + tail`` and points at ``node``'s token."""

    node: Any
    head: str
    tail: str
    severity: Severity
    hint: str | None = None
    #: The tree the finding is in and a label it names, for checks that point at
    #: the label inside the query's own text.
    root: Any = None
    label: str | None = None

    def diagnostic(self, ctx: LintContext, q: Query, code: str) -> Diagnostic:
        """This finding as ``q``'s diagnostic."""
        return Diagnostic(ctx.locate(q, self.node), code, f"{self.head}{q.what}{self.tail}", self.severity, self.hint)


def per_tree(
    ctx: LintContext,
    find: Callable[[LintContext, Any], Sequence[Hit]],
    origins: tuple[str, ...] = ("alert", "record", "panel"),
) -> Iterator[tuple[Query, Hit]]:
    """``(query, hit)`` for every hit ``find(ctx, tree)`` gives, in query order,
    with ``find`` run once per distinct tree: queries that differ only in matcher
    values share one tree (:meth:`LintContext.tree`), and a large project's
    dashboards are mostly such variations (1,000 dashboards of 20 panels: 20,000
    queries, a few hundred trees). ``find`` must depend on the tree and the
    project-wide parts of ``ctx`` alone."""
    every = len(origins) == 3
    wanted = frozenset(origins)
    # Each tree judged once, in first-seen order; the queries are walked only when
    # some tree has a finding (most checks of a clean project find none). Judged
    # once per build, too: the contexts an incremental build scopes to each module
    # share their trees and what was found in them.
    judged = ctx._tree_findings
    memo: dict[int, Sequence[Hit]] = {}
    for key, (root, seen) in ctx.parsed_trees().items():
        if every or seen & wanted:
            found = judged.get((find, key))
            if found is None:
                found = judged[(find, key)] = find(ctx, root)
            if found:
                memo[key] = found
    if not memo:
        return
    for q, root in ctx.parsed_queries():  # trees live in ctx for the whole lint: ids are stable
        if every or q.origin in wanted:
            for hit in memo.get(id(root), ()):
                yield q, hit


def rate_calls(ctx: LintContext, root: Any) -> Iterator[tuple[Any, Any]]:
    """Every ``rate()``, ``irate()`` and ``increase()`` call in ``root`` with the
    inferred type of what it is applied to."""
    for node in nodes(root, "Call:rate", "Call:irate", "Call:increase"):
        if node.args:
            yield node, ctx.type_of(node.args[0])


def with_parents(root: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every node with its ancestors (outermost first)."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, parents = stack.pop()
        yield node, parents
        for child in reversed(children(node)):
            stack.append((child, (*parents, node)))


def call_name(node: Any) -> str | None:
    """The function name of a Call node, else None."""
    return func_name(node)


def metrics_text(names: tuple[str, ...]) -> str:
    """``a``, ``a and b`` ... for messages."""
    uniq = list(dict.fromkeys(names))
    if not uniq:
        return "this expression"
    if len(uniq) == 1:
        return uniq[0]
    return ", ".join(uniq[:-1]) + " and " + uniq[-1]


def diag(loc: SourceLocation, code: str, message: str, severity: Severity, hint: str | None = None) -> Diagnostic:
    """A diagnostic of any severity."""
    return Diagnostic(loc, code, message, severity, hint)
