"""OAC311: a panel's ratio reads "No data", not 0, before the first event its
numerator counts.

A client library creates a labelled counter series at its first increment, so
``sum(rate(x{status=~"5.."}[5m])) / sum(rate(x[5m]))`` has no 5xx series, and
so no result, until the first 5xx: a healthy service's error ratio reads "No
data" (and so does every path, model or workflow that has not failed yet).
Flagged: a division whose numerator aggregates ``rate``/``irate``/``increase``
of a selector that counts a subset of the denominator's events (the same metric,
every matcher of one of the denominator's selectors of it, and more), unless an
``or`` already supplies the missing side (``k.ratio(..., absent_as_zero=True)``
writes ``(num or (den) * 0) / (den)``). Dashboards only: an alert on an absent
error ratio rightly stays silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext, Query, grafana_expr
from obs_as_code.lint.rules._promql import Hit, per_tree, strip
from obs_as_code.lint.types import (
    children,
    func_name,
    is_a,
    is_on,
    match_op,
    nodes,
    op_of,
    selector_name,
)
from obs_as_code.source import SourceLocation

CODE = "OAC311"
RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
#: Aggregations of the numerator's rate this check understands (``topk`` and
#: friends select series rather than count events).
AGGREGATIONS = frozenset({"sum", "avg", "min", "max", "count"})
#: A histogram's bucket bound: every bucket series exists once the histogram has
#: an observation, so ``le`` never makes the numerator's events a subset.
BUCKET_LABEL = "le"
#: The value :func:`obs_as_code.lint.engine.shape` gives equality matchers in the
#: trees checks share: a comparison that reads it is repeated on the query's own text.
PLACEHOLDER = "v"

#: ``(label, operator, value)`` of a matcher.
Matcher = tuple[str, str, str]


@dataclass(frozen=True)
class Subset:
    """A numerator counting a subset of the denominator's events: its metric, the
    matchers it has beyond the denominator's selector, and its grouping (``by``
    labels; None for ``without``, whose groups are the series)."""

    metric: str
    extra: tuple[Matcher, ...]
    grouping: tuple[str, ...] | None
    #: A compared value is :data:`PLACEHOLDER`: the tree's values may not be the query's.
    placeholder: bool


@dataclass(frozen=True)
class RatioHit(Hit):
    """A :class:`Hit` at a division, with where it is in the tree (child indices
    from the root, to find it in the query's own tree) and what it found."""

    path: tuple[int, ...] = ()
    subset: Subset | None = None


def _matchers(vs: Any) -> frozenset[Matcher] | None:
    """The selector's matchers but ``__name__`` and ``le`` (None with ``or`` matchers,
    whose sets this check does not compare)."""
    found = vs.matchers
    if found.or_matchers:
        return None
    return frozenset(
        (str(m.name), match_op(m), str(m.value)) for m in found.matchers if m.name not in ("__name__", BUCKET_LABEL)
    )


def _numerator(node: Any) -> tuple[Any, Any] | None:
    """``(aggregation, selector)`` when ``node`` aggregates a rate-like call of a
    selector (``100 * sum(rate(x[5m]))`` too: ``100 * a / b`` divides the product)."""
    node = strip(node)
    if is_a(node, "BinaryExpr") and op_of(node) == "*":
        lhs, rhs = strip(node.lhs), strip(node.rhs)
        node = rhs if is_a(lhs, "NumberLiteral") else lhs if is_a(rhs, "NumberLiteral") else node
    if not is_a(node, "AggregateExpr") or op_of(node) not in AGGREGATIONS:
        return None
    call = strip(node.expr)
    if func_name(call) not in RATE_FUNCTIONS or not call.args or not is_a(call.args[0], "MatrixSelector"):
        return None
    vs = call.args[0].vector_selector
    return (node, vs) if selector_name(vs) is not None else None


def _keeps(agg: Any, label: str) -> bool:
    """Whether the aggregation's result keeps ``label``."""
    mod = agg.modifier
    if mod is None:
        return False
    names = {str(x) for x in mod.labels}
    return label in names if str(mod.type).endswith("By") else label not in names


def _grouping(agg: Any, filtered: set[str]) -> tuple[str, ...] | None:
    """The ``by`` labels of the numerator's groups that go missing, or None for
    ``without`` (each series): a label the extra matchers filter on is left out
    (its values outside the filter are no group of this ratio anyway)."""
    mod = agg.modifier
    if mod is None:
        return ()
    if not str(mod.type).endswith("By"):
        return None
    return tuple(label for label in (str(x) for x in mod.labels) if label not in filtered)


def _selectors(node: Any, metric: str) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """The selectors of ``metric`` under ``node``, each with the aggregations above it."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(node, ())]
    while stack:
        n, aggs = stack.pop()
        if is_a(n, "VectorSelector"):
            if selector_name(n) == metric:
                yield n, aggs
            continue
        if is_a(n, "AggregateExpr"):
            stack.append((n.expr, (*aggs, n)))  # the parameter (topk's k) selects no events
            continue
        stack.extend((c, aggs) for c in reversed(children(n)))


def judge(division: Any) -> Subset | None:
    """What makes ``division``'s numerator count a subset of its denominator's
    events, or None. Not a subset: another metric (cost per token, a hit ratio of
    hits and misses), bucket bounds alone (``le``), or extra matchers only on
    labels both sides keep (``sum by (status) (x{status=~"5.."}) / sum by (status) (x)``
    selects which groups to show; a group outside the filter is rightly absent)."""
    found = _numerator(division.lhs)
    if found is None:
        return None
    agg, vs = found
    mine = _matchers(vs)
    if mine is None:
        return None
    metric = str(selector_name(vs))
    for other, aggs in _selectors(division.rhs, metric):
        theirs = _matchers(other)
        if theirs is None or not theirs < mine:
            continue
        extra = mine - theirs
        if all(_keeps(agg, label) and all(_keeps(a, label) for a in aggs) for label, _op, _value in extra):
            continue
        placeholder = any(value == PLACEHOLDER and op in ("=", "!=") for _label, op, value in mine)
        return Subset(metric, tuple(sorted(extra)), _grouping(agg, {label for label, _op, _value in extra}), placeholder)
    return None


def _covers(fallback: Any, metric: str) -> bool:
    """Whether ``x or fallback`` gives the ratio a value where ``x`` has none:
    ``vector(0)``, or something of the ratio's own metric (``(den) * 0``)."""
    return any(func_name(n) == "vector" or (is_a(n, "VectorSelector") and selector_name(n) == metric) for n in _walk(fallback))


def _walk(node: Any) -> Iterator[Any]:
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def _divisions(root: Any) -> Iterator[tuple[Any, tuple[int, ...], tuple[Any, ...]]]:
    """Every ``/`` with its path (child indices) and the right sides of the ``or``
    operators it is on the left of, in textual order."""
    stack: list[tuple[Any, tuple[int, ...], tuple[Any, ...]]] = [(root, (), ())]
    while stack:
        node, path, fallbacks = stack.pop()
        if is_a(node, "BinaryExpr"):
            op = op_of(node)
            if op == "/":
                yield node, path, fallbacks
            elif op == "or":
                stack.append((node.rhs, (*path, 1), fallbacks))
                stack.append((node.lhs, (*path, 0), (*fallbacks, node.rhs)))
                continue
        kids = children(node)
        stack.extend((kids[i], (*path, i), fallbacks) for i in range(len(kids) - 1, -1, -1))


def _matching(division: Any) -> tuple[str, str] | None:
    """``("on (a)", "on (a) group_left")``: the division's vector matching, for an
    ``or`` and for the division itself; None without one."""
    mod = division.modifier
    matching = mod.matching if mod is not None else None
    if matching is None:
        return None
    own = f"{'on' if is_on(matching) else 'ignoring'} ({', '.join(str(x) for x in matching.labels)})"
    card = str(mod.card)
    side = "group_left" if card.endswith("ManyToOne") else "group_right" if card.endswith("OneToMany") else ""
    if side:
        # Always a label list: a bare group_left reads "(denominator)" as its own.
        side += f" ({', '.join(str(x) for x in mod.group_labels or ())})"
    return own, f"{own} {side}".rstrip()


def _hint(division: Any) -> str:
    matching = _matching(division)
    if matching is None:
        return (
            "k.ratio(numerator, denominator, absent_as_zero=True), which writes "
            "(numerator or (denominator) * 0) / (denominator): 0 where the numerator has no series yet"
        )
    own, full = matching
    return (
        f"(numerator or {own} (denominator) * 0) / {full} (denominator): 0 where the numerator has no "
        "series yet (k.ratio's absent_as_zero needs both sides grouped alike, without on=)"
    )


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the queries of its shape)."""
    del ctx  # the tree alone decides
    if not any(op_of(n) == "/" for n in nodes(root, "BinaryExpr")):
        return []
    out: list[Hit] = []
    for division, path, fallbacks in _divisions(root):
        subset = judge(division)
        if subset is None or any(_covers(f, subset.metric) for f in fallbacks):
            continue
        out.append(RatioHit(division, "", "", Severity.WARNING, _hint(division), path=path, subset=subset))
    return out


def _at(root: Any, path: tuple[int, ...]) -> Any:
    for i in path:
        root = children(root)[i]
    return root


def _message(q: Query, subset: Subset) -> str:
    source = q.source
    title = source.data.get("title") if source is not None else None
    board = title if isinstance(title, str) and title else q.dashboard
    where = f" of dashboard {board!r}" if board else ""
    event = subset.metric + "{" + ", ".join(f'{label}{op}"{value}"' for label, op, value in subset.extra) + "}"
    if subset.grouping is None:
        scope = "for each series until its first"
    elif subset.grouping:
        scope = f"for each {', '.join(subset.grouping)} until its first"
    else:
        scope = "until the first"
    return (
        f'{q.what}{where} reads "No data", not 0, {scope} {event}: the numerator\'s counter series '
        "appear at their first increment"
    )


def _location(ctx: LintContext, q: Query, node: Any) -> SourceLocation:
    """The division's ``/`` where the file holds the query's text (a dict panel,
    a JSON file); else the target's own position (a query the kit's helpers built:
    searching the file for its ``/`` would find another panel's)."""
    site = q.site
    if site is not None and not site.end_line:
        # Python source: the text up to the first quote or line break is written
        # alike in a string literal (a value from the syntax tree has no end).
        head = re.split(r'["\n]', q.expr, maxsplit=1)[0]
        if not head or site.locate(head) == site.start:
            return site.start
    return ctx.locate(q, node)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # Queries whose tree compared a placeholder value: judged again on their own
    # text (once per text), since the shared tree may join values that differ.
    own: dict[tuple[str, tuple[int, ...]], Subset | None] = {}
    for q, hit in per_tree(ctx, find, ("panel",)):
        if not isinstance(hit, RatioHit) or hit.subset is None:
            continue  # find() makes RatioHits only
        subset: Subset | None = hit.subset
        if hit.subset.placeholder:
            key = (q.expr, hit.path)
            if key not in own:
                tree, problem = ctx.parse(grafana_expr(q.expr))
                own[key] = judge(_at(tree, hit.path)) if problem is None else None
            subset = own[key]
        if subset is None:
            continue
        yield Diagnostic(_location(ctx, q, hit.node), CODE, _message(q, subset), Severity.WARNING, hit.hint)


CHECK = Check(CODE, "ratio-no-data", 'a ratio of a subset of events reads "No data", not 0, before the first one', run, Severity.WARNING)
