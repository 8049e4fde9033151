"""Helpers shared by the PromQL checks: parsed queries, ancestors, messages."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import LintContext, Query
from obs_as_code.lint.types import children, func_name, is_a
from obs_as_code.source import SourceLocation


def parsed(ctx: LintContext, origins: tuple[str, ...] = ("alert", "record", "panel")) -> Iterator[tuple[Query, Any]]:
    """``(query, ast)`` of every query that parses, restricted to ``origins``."""
    every = len(origins) == 3
    for q, ast in ctx.parsed_queries():
        if every or q.origin in origins:
            yield q, ast


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


def strip(node: Any) -> Any:
    """``node`` without enclosing parentheses."""
    while is_a(node, "ParenExpr"):
        node = node.expr
    return node


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
