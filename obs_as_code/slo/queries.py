"""What an SLI's queries select, read from their promql-parser AST.

Used by the SLO checks (OAC403 label sets, OAC404 scrape intervals): the labels
a query's result carries, its vector selectors, and the jobs it reads.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from obs_as_code.goregex import matcher_matches_empty
from obs_as_code.lint.engine import parse_promql
from obs_as_code.lint.types import match_op
from obs_as_code.slo.model import render_window
from obs_as_code.target import PrometheusTarget, current_target

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


def parse_template(template: str) -> tuple[Any, str | None]:
    """Parse an SLI template with ``{window}`` filled in: once per template and
    Prometheus target (the generator and the OAC40x checks each read every SLO's
    queries; 500 SLOs parsed 4,000 times), the syntax tree shared, which its
    readers only read."""
    return _parse_template(template, current_target())


@lru_cache(maxsize=1 << 12)
def _parse_template(template: str, target: PrometheusTarget) -> tuple[Any, str | None]:
    return parse_promql(render_window(template, PROBE_WINDOW), target)


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
                (m.name, match_op(m), m.value)
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


#: Functions whose result keeps the labels of their first vector argument.
_KEEPS_LABELS = frozenset(
    {
        "rate", "irate", "increase", "delta", "idelta", "deriv", "resets", "changes",
        "abs", "ceil", "floor", "round", "exp", "ln", "log2", "log10", "sqrt", "sgn",
        "clamp", "clamp_min", "clamp_max", "predict_linear", "holt_winters",
        "double_exponential_smoothing", "timestamp",
    }
)
#: Aggregations that return some of their input series as they are.
_KEEPS_SERIES = frozenset({"topk", "bottomk", "limitk", "limit_ratio"})


@dataclass(frozen=True)
class Shape:
    """What can be told of the labels of a query's result.

    Either ``exact``: the label names themselves (an aggregation ``by``, or
    without a clause); or, for series as they were stored (no aggregation, or
    ``without``), the labels of the stored series less ``dropped``, of which
    ``present`` are certainly there (a matcher that only non-empty values pass).
    """

    exact: frozenset[str] | None = None
    dropped: frozenset[str] = frozenset()
    present: frozenset[str] = frozenset()


def _present(node: Any) -> frozenset[str]:
    """The labels every series ``node`` (a vector selector) selects carries."""
    found = set()
    for m in node.matchers.matchers:
        op = match_op(m)
        if m.name == "__name__":
            continue
        # A regex Go refuses (Prometheus reports it), or a script class: None, tells nothing.
        if op in ("=", "!=", "=~", "!~") and matcher_matches_empty(op, m.value) is False:
            found.add(m.name)
    return frozenset(found)


def label_shape(node: Any) -> Shape | None:
    """The :class:`Shape` of the labels of ``node``'s result; None when unknown
    (``label_replace``, a binary operation with group_left ...)."""
    kind = type(node).__name__
    if kind in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
        return label_shape(node.expr)
    if kind == "MatrixSelector":
        return label_shape(node.vector_selector)
    if kind == "VectorSelector":
        return Shape(present=_present(node))
    if kind == "NumberLiteral":
        return Shape(exact=frozenset())
    if kind == "AggregateExpr":
        inner = label_shape(node.expr)
        op = str(node.op).lower()
        if op in _KEEPS_SERIES:
            return inner
        if op == "count_values":
            return None  # adds a label named by its parameter
        if node.modifier is None:
            return Shape(exact=frozenset())
        labels = frozenset(node.modifier.labels)
        if str(node.modifier.type).endswith("By"):
            return Shape(exact=labels)
        if inner is None:
            return None
        if inner.exact is not None:
            return Shape(exact=inner.exact - labels)
        return Shape(dropped=inner.dropped | labels, present=inner.present - labels)
    if kind == "BinaryExpr":
        if type(node.lhs).__name__ == "NumberLiteral":
            return label_shape(node.rhs)
        if type(node.rhs).__name__ == "NumberLiteral":
            return label_shape(node.lhs)
        if node.modifier is not None and getattr(node.modifier, "card", None) is not None and "OneToOne" not in str(node.modifier.card):
            return None
        lhs = label_shape(node.lhs)
        return lhs if lhs is not None else label_shape(node.rhs)
    if kind == "Call":
        name = node.func.name
        if name in ("vector", "scalar", "time"):
            return Shape(exact=frozenset())
        if name.endswith("_over_time") or name in _KEEPS_LABELS:
            return label_shape(node.args[0]) if node.args else None
        if name == "histogram_quantile" and len(node.args) == 2:
            inner = label_shape(node.args[1])
            if inner is None:
                return None
            if inner.exact is not None:
                return Shape(exact=inner.exact - {"le"})
            return Shape(dropped=inner.dropped | {"le"}, present=inner.present - {"le"})
    return None


def shapes_differ(a: Shape, b: Shape) -> frozenset[str] | None:
    """Labels certain to be on one side's result and not on the other's (the
    division of the two then matches nothing), or None when none can be told."""
    if a.exact is not None and b.exact is not None:
        return a.exact ^ b.exact or None
    if a.exact is None and b.exact is None:
        # The same stored labels less different sets: a label dropped on one
        # side only is a difference where it is certainly there.
        return ((a.dropped ^ b.dropped) & (a.present | b.present)) or None
    exact, stored = (a, b) if a.exact is not None else (b, a)
    assert exact.exact is not None
    return (stored.present - exact.exact) or None


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
