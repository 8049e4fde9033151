"""OAC203: a counter compared or graphed raw, without rate() or increase().

Raw either as the whole value (``x_total > 100``, ``sum(x_total)``, ``x_total / 1000``,
``x_total * on(instance) group_left(node) node_info``: the type inference keeps a
counter scaled by a constant, or joined with an info metric, a counter) or as an
operand of what the value is made of: ``sum(errors_total) / sum(requests_total)``
(``k.ratio`` of raw counters), ``a_total - a_total offset 1h``, ``1 - x_total``,
``sum(x_total) or vector(0)``.
The value is then a ratio or difference of totals since each process started,
which jumps when one restarts. Only the value path is read: what ``rate()``,
``increase()``, ``histogram_quantile()``, ``count()`` or a ``bool`` comparison
take in is another check's business (OAC201, OAC202, OAC204) or no value at all.
A recording rule may record a counter summed, scaled or joined with labels
(``x_total * on(instance) group_left(node) info``) for its readers to rate, and
one raw counter with something else (``x_total / on(instance) group_left
cores``) is left to what reads it (OAC202); two raw counters combined
(``sum(errors_total) / sum(requests_total)``, ``x_total - x_total offset 1h``)
are reported there too: no reader can take a rate of that.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import diag, metrics_text, parsed
from obs_as_code.lint.types import (
    COUNTER,
    SCALAR,
    VType,
    comparison_parts,
    func_name,
    is_a,
    op_of,
    result_node,
    strip,
    tag,
    vector_side,
    walk,
)

CODE = "OAC203"
HINT: Final = "compare or graph rate(x[5m]) or increase(x[1h]) instead"
OPERAND_HINT: Final = (
    "take rate() or increase() of each counter before combining them: "
    "sum(rate(errors_total[5m])) / sum(rate(requests_total[5m])); increase(x[1h]), not x - x offset 1h"
)

#: Binary operators whose result is computed from both sides' values.
_ARITHMETIC: Final = frozenset({"+", "-", "*", "/", "%", "^", "atan2", "or"})
_COMPARISONS: Final = frozenset({"==", "!=", ">", "<", ">=", "<="})
#: Aggregations whose value is made of their operand's values (count and group count series).
_VALUE_AGGREGATIONS: Final = frozenset(
    {"sum", "avg", "min", "max", "topk", "bottomk", "limitk", "limit_ratio", "quantile", "stddev", "stdvar"}
)
#: Functions of an instant vector whose value is made of their argument's value.
_VALUE_FUNCTIONS: Final = frozenset(
    {
        "abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "sort", "sort_desc",
        "sort_by_label", "sort_by_label_desc", "label_replace", "label_join", "scalar",
    }
)  # fmt: skip


def _compares(root: Any) -> bool:
    """Whether an alert's expression is a comparison, also on the left of
    ``and``/``unless`` (``x_total > 100 unless on() maintenance``), the side
    whose value the alert shows (``result_node``)."""
    node = strip(root)
    while is_a(node, "BinaryExpr") and op_of(node) in ("and", "unless"):
        node = strip(node.lhs)
    return comparison_parts(node) is not None


def _raw(t: VType) -> bool:
    """A raw counter's value (bucket series are OAC201's), known or named ``_total``:
    ``_count`` alone is also used by gauges (pg_stat_activity_count)."""
    if t.kind != COUNTER or t.bucket:
        return False
    return t.certain or all(m.endswith("_total") for m in t.metrics)


def _value_parts(node: Any) -> list[Any]:
    """The sub-expressions whose values make ``node``'s value."""
    kind = tag(node)
    if kind in ("ParenExpr", "UnaryExpr"):
        return [node.expr]
    if kind == "BinaryExpr":
        op = op_of(node)
        if op in _ARITHMETIC:
            return [node.lhs, node.rhs]
        if op in ("and", "unless"):
            return [node.lhs]
        if op in _COMPARISONS and (node.modifier is None or not node.modifier.return_bool):
            # A filter lets the vector side's values through (the lhs when both are vectors).
            return [vector_side(node.lhs, node.rhs)]
        return []
    if kind == "AggregateExpr":
        return [node.expr] if op_of(node) in _VALUE_AGGREGATIONS else []
    if kind == "Call" and func_name(node) in _VALUE_FUNCTIONS:
        return list(node.args)
    return []


def raw_operands(ctx: LintContext, root: Any) -> list[tuple[Any, VType]]:
    """The largest raw-counter sub-expressions ``root``'s value is computed from,
    in textual order, with their types; none when ``root`` is a counter itself
    (the whole value is then reported) or takes no counter in raw."""
    if ctx.type_of(root).kind == COUNTER:
        return []
    out: list[tuple[Any, VType]] = []
    stack = list(reversed(_value_parts(root)))
    while stack:
        node = stack.pop()
        t = ctx.type_of(node)
        if _raw(t):
            out.append((node, t))
            continue
        if t.kind == SCALAR and t.const is not None:
            continue
        stack.extend(reversed(_value_parts(node)))
    return out


def _counter_at(ctx: LintContext, node: Any) -> Any:
    """The first raw counter selector in ``node`` (the token a finding points at)."""
    for n in walk(node):
        if is_a(n, "VectorSelector") and _raw(ctx.type_of(n)):
            return n
    return node


#: What a tree's value takes in raw: the whole value (one node) or its operands.
Verdict = tuple[bool, tuple[tuple[Any, VType], ...]]


def judge(ctx: LintContext, root: Any) -> Verdict | None:
    """``(True, ((node, type),))`` when the value of ``root`` (an alert's: the side
    it compares) is a raw counter, ``(False, operands)`` when it is computed from
    raw counters (:func:`raw_operands`), None when neither."""
    node = result_node(root)
    t = ctx.type_of(node)
    if t.kind == COUNTER:
        return (True, ((node, t),)) if _raw(t) else None
    operands = raw_operands(ctx, node)
    return (False, tuple(operands)) if operands else None


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # Judged once per tree (queries of one shape share it): a query costs a lookup.
    judged: dict[int, Verdict | None] = {}
    for q, root in parsed(ctx, ("alert", "panel", "record")):
        if q.origin == "alert" and not _compares(root):
            continue
        key = id(root)
        if key in judged:
            verdict = judged[key]
        else:
            verdict = judged[key] = judge(ctx, root)
        if verdict is None:
            continue
        whole, parts = verdict
        if q.origin == "record" and (whole or len(parts) < 2):
            # A rule may record a counter summed, scaled or joined with labels for
            # its readers to rate; not two counters combined, which no reader can.
            continue
        doing = {"alert": "compared", "panel": "graphed"}.get(q.origin, "recorded")
        if whole:
            node, t = parts[0]
            yield diag(
                ctx.locate(q, _counter_at(ctx, node)),
                CODE,
                f"{metrics_text(t.metrics)} is a counter {doing} raw in {q.what}: its value only grows until the process restarts",
                Severity.WARNING,
                HINT,
            )
            continue
        metrics = tuple(m for _n, ot in parts for m in ot.metrics)
        several = len(set(metrics)) > 1
        yield diag(
            ctx.locate(q, _counter_at(ctx, parts[0][0])),
            CODE,
            f"{metrics_text(metrics)} {'are counters' if several else 'is a counter'} taken raw into the value {doing} "
            f"in {q.what}: a result of totals since each process started, which jumps when one restarts",
            Severity.WARNING,
            OPERAND_HINT,
        )


CHECK = Check(CODE, "raw-counter", "counters are compared and graphed through rate() or increase()", run, Severity.WARNING, lint_only=True)
