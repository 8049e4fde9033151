"""What an SLI's queries select, read from their promql-parser AST.

Used by the SLO checks (OAC403 label sets, OAC404 scrape intervals): the labels
a query's result carries, its vector selectors, and the jobs it reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obs_as_code.lint.engine import parse_promql
from obs_as_code.slo.model import render_window

#: A window used to turn SLI templates into parseable PromQL.
PROBE_WINDOW = "5m"


@dataclass(frozen=True)
class Selector:
    """A vector selector: metric name and its ``(label, op, value)`` matchers."""

    name: str
    matchers: frozenset[tuple[str, str, str]]

    def equal(self, label: str) -> str | None:
        """The value of an ``label="value"`` matcher, if any."""
        for name, op, value in self.matchers:
            if name == label and op == "=":
                return value
        return None

    def describe(self) -> str:
        inner = ", ".join(f"{n}{op}{value!r}".replace("'", '"') for n, op, value in sorted(self.matchers))
        return f"{self.name}{{{inner}}}"


_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def parse_template(template: str) -> tuple[Any, str | None]:
    """Parse an SLI template with ``{window}`` filled in."""
    return parse_promql(render_window(template, PROBE_WINDOW))


def _children(node: Any) -> list[Any]:
    kind = type(node).__name__
    if kind in ("ParenExpr", "AggregateExpr", "SubqueryExpr", "UnaryExpr"):
        return [node.expr]
    if kind == "BinaryExpr":
        return [node.lhs, node.rhs]
    if kind == "Call":
        return list(node.args)
    if kind == "MatrixSelector":
        return [node.vector_selector]
    return []


def selectors(node: Any) -> Iterator[Selector]:
    """Every vector selector under ``node``."""
    stack = [node]
    while stack:
        item = stack.pop()
        if type(item).__name__ == "VectorSelector":
            matchers = frozenset(
                (m.name, _OPS.get(str(m.op).rsplit(".", 1)[-1], str(m.op)), m.value)
                for m in item.matchers.matchers
                if m.name != "__name__"
            )
            yield Selector(item.name or "", matchers)
        stack.extend(reversed(_children(item)))


def output_labels(node: Any) -> frozenset[str] | None:
    """The label names of the query's result when they can be told (an
    aggregation ``by (...)`` or without a clause); None when unknown."""
    kind = type(node).__name__
    if kind in ("ParenExpr", "UnaryExpr"):
        return output_labels(node.expr)
    if kind == "NumberLiteral":
        return frozenset()
    if kind == "AggregateExpr":
        if node.modifier is None:
            return frozenset()
        if str(node.modifier.type).endswith("By"):
            return frozenset(node.modifier.labels)
        return None
    if kind == "BinaryExpr":
        lhs, rhs = output_labels(node.lhs), output_labels(node.rhs)
        if type(node.lhs).__name__ == "NumberLiteral":
            return rhs
        if type(node.rhs).__name__ == "NumberLiteral":
            return lhs
        if node.modifier is not None and getattr(node.modifier, "card", None) is not None and "OneToOne" not in str(node.modifier.card):
            return None
        return lhs if lhs is not None else rhs
    if kind == "Call" and node.func.name in ("vector", "scalar"):
        return frozenset()
    if kind == "Call" and node.args and node.func.name.endswith("_over_time"):
        return output_labels(node.args[0])
    if kind == "SubqueryExpr":
        return output_labels(node.expr)
    return None


def jobs(templates: list[str]) -> set[str]:
    """The ``job="..."`` values the queries select."""
    found: set[str] = set()
    for template in templates:
        ast, problem = parse_template(template)
        if problem is None:
            found.update(v for s in selectors(ast) if (v := s.equal("job")) is not None)
    return found


def metric_names(templates: list[str]) -> set[str]:
    """The metric names the queries read."""
    found: set[str] = set()
    for template in templates:
        ast, problem = parse_template(template)
        if problem is None:
            found.update(s.name for s in selectors(ast) if s.name)
    return found
