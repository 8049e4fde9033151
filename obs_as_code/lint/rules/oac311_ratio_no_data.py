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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext, Query, grafana_expr
from obs_as_code.lint.rules._promql import Hit, per_tree
from obs_as_code.lint.types import (
    STRING_LITERAL,
    children,
    func_name,
    is_a,
    is_on,
    is_scalar,
    nodes,
    op_of,
    selector_matchers,
    selector_name,
    strip,
    walk,
)

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


#: What an aggregation keeps: ``(True, labels)`` for ``by (labels)`` (no
#: modifier: ``by ()``), ``(False, labels)`` for ``without (labels)``.
Grouping = tuple[bool, tuple[str, ...]]


@dataclass(frozen=True)
class Ratio:
    """A division whose numerator aggregates a rate of a selector of ``metric``,
    as the syntax tree gives it; which matchers make it a subset is decided by
    :func:`decide`, from the tree's matchers or the query's own. Selectors are
    numbered in the order the query writes them (only those of ``metric``)."""

    metric: str
    numerator: int
    grouping: Grouping
    #: Each selector of ``metric`` in the denominator with the aggregations above it.
    denominators: tuple[tuple[int, tuple[Grouping, ...]], ...]
    #: How many selectors of ``metric`` the whole query has.
    selectors: int


@dataclass(frozen=True)
class RatioHit(Hit):
    """A :class:`Hit` at a division, with its :class:`Ratio` and the numerator's
    matchers beyond the denominator's."""

    ratio: Ratio | None = None
    extra: tuple[Matcher, ...] = ()
    #: A compared value is :data:`PLACEHOLDER`: the tree's values may not be the
    #: query's, which decide again (:func:`own_matchers`).
    placeholder: bool = False


def _matchers(vs: Any) -> frozenset[Matcher] | None:
    """The selector's matchers but ``__name__`` and ``le`` (None with ``or`` matchers,
    whose sets this check does not compare)."""
    if vs.matchers.or_matchers:
        return None
    return frozenset(m for m in selector_matchers(vs) if m[0] != BUCKET_LABEL)


def _numerator(node: Any) -> tuple[Any, Any] | None:
    """``(aggregation, selector)`` when ``node`` aggregates a rate-like call of a
    selector (``100 * sum(rate(x[5m]))`` too: ``100 * a / b`` divides the product)."""
    node = strip(node)
    if is_a(node, "BinaryExpr") and op_of(node) == "*":
        lhs, rhs = strip(node.lhs), strip(node.rhs)
        node = rhs if is_scalar(lhs) else lhs if is_scalar(rhs) else node
    if not is_a(node, "AggregateExpr") or op_of(node) not in AGGREGATIONS:
        return None
    call = strip(node.expr)
    if func_name(call) not in RATE_FUNCTIONS or not call.args or not is_a(call.args[0], "MatrixSelector"):
        return None
    vs = call.args[0].vector_selector
    return (node, vs) if selector_name(vs) is not None else None


def _grouping(agg: Any) -> Grouping:
    mod = agg.modifier
    if mod is None:
        return (True, ())
    return (str(mod.type).endswith("By"), tuple(str(x) for x in mod.labels))


def _kept(grouping: Grouping, label: str) -> bool:
    by, labels = grouping
    return (label in labels) is by


def _selectors(node: Any, metric: str) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """The selectors of ``metric`` under ``node`` that count events (inside a
    ``rate``/``irate``/``increase``), each with the aggregations above it. A
    selector read otherwise (``count(count(x) by (cpu))``: the number of CPUs)
    counts series, not events: the numerator is no subset of it."""
    stack: list[tuple[Any, tuple[Any, ...], bool]] = [(node, (), False)]
    while stack:
        n, aggs, counted = stack.pop()
        if is_a(n, "VectorSelector"):
            if counted and selector_name(n) == metric:
                yield n, aggs
            continue
        if is_a(n, "AggregateExpr"):
            stack.append((n.expr, (*aggs, n), counted))  # the parameter (topk's k) selects no events
            continue
        inside = counted or func_name(n) in RATE_FUNCTIONS
        stack.extend((c, aggs, inside) for c in reversed(children(n)))


def _in_order(root: Any, metric: str) -> list[Any]:
    """The selectors of ``metric`` in ``root``, in the order the query writes them
    (children are in textual order, and :func:`nodes` lists them in a walk
    parents first, left to right)."""
    return [n for n in nodes(root, "VectorSelector") if selector_name(n) == metric]


def ratio_of(root: Any, division: Any) -> Ratio | None:
    """The :class:`Ratio` of ``division`` (a node of ``root``), or None when its
    numerator is not an aggregated rate of a selector."""
    found = _numerator(division.lhs)
    if found is None:
        return None
    agg, vs = found
    metric = str(selector_name(vs))
    index = {id(n): i for i, n in enumerate(_in_order(root, metric))}
    below = tuple((index[id(s)], tuple(_grouping(a) for a in aggs)) for s, aggs in _selectors(division.rhs, metric))
    return Ratio(metric, index[id(vs)], _grouping(agg), below, len(index))


def decide(ratio: Ratio, matchers: Sequence[frozenset[Matcher] | None]) -> tuple[Matcher, ...] | None:
    """The numerator's matchers beyond a denominator selector whose matchers it
    all has (``matchers``: each selector's, numbered as in ``ratio``), or None when
    it counts no subset. Not a subset: bucket bounds alone (``le`` is left out of
    the sets), or extra matchers only on labels both sides keep
    (``sum by (status) (x{status=~"5.."}) / sum by (status) (x)`` chooses which
    groups to show; a group outside the filter is rightly absent)."""
    mine = matchers[ratio.numerator]
    if mine is None:
        return None
    for index, aggs in ratio.denominators:
        theirs = matchers[index]
        if theirs is None or not theirs < mine:
            continue
        extra = mine - theirs
        if all(_kept(ratio.grouping, label) and all(_kept(g, label) for g in aggs) for label, _op, _value in extra):
            continue
        return tuple(sorted(extra))
    return None


#: A string literal: double or single quotes with escapes, or backticks.
#: One matcher of a selector's braces and what follows it: ``,``, ``}`` or both.
_NEXT_MATCHER = re.compile(rf"\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*({STRING_LITERAL})\s*(,)?\s*(\}})?")
_EMPTY_BRACES = re.compile(r"\s*\}")


@lru_cache(maxsize=256)
def _tokens(metric: str) -> re.Pattern[str]:
    """String literals (skipped whole: a name or a brace inside one is no
    selector's) and the selectors of ``metric``, with their opening brace."""
    return re.compile(rf"(?P<string>{STRING_LITERAL})|(?<![\w:]){re.escape(metric)}(?![\w:])\s*(?P<brace>\{{)?")


def _braces(expr: str, pos: int) -> frozenset[Matcher] | None:
    """The matchers of the braces opened before ``pos`` (None when they are not
    a plain list of matchers)."""
    found: set[Matcher] = set()
    if _EMPTY_BRACES.match(expr, pos) is not None:
        return frozenset()
    while True:
        step = _NEXT_MATCHER.match(expr, pos)
        if step is None or (step.group(4) is None and step.group(5) is None):
            return None  # "or", or what this scan does not read
        label, op, value = step.group(1, 2, 3)
        if label not in ("__name__", BUCKET_LABEL):
            found.add((label, op, value[1:-1]))
        if step.group(5) is not None:
            return frozenset(found)
        pos = step.end()


def own_matchers(expr: str, metric: str) -> list[frozenset[Matcher] | None]:
    """The matchers of each selector of ``metric`` in the query's own text, in the
    order it writes them, values as written (as :func:`_matchers` gives them:
    without ``__name__`` and ``le``; None for braces it does not read, ``or``
    among them). A scan of the text instead of a parse: a large project's error
    ratios differ in values only, and each would be parsed."""
    out: list[frozenset[Matcher] | None] = []
    for m in _tokens(metric).finditer(expr):
        if m.lastgroup == "string":
            continue
        if m.group("brace") is None:
            out.append(frozenset())
            continue
        out.append(_braces(expr, m.end()))
    return out


def _covers(fallback: Any, metric: str) -> bool:
    """Whether ``x or fallback`` gives the ratio a value where ``x`` has none:
    ``vector(0)``, or something of the ratio's own metric (``(den) * 0``)."""
    return any(func_name(n) == "vector" or (is_a(n, "VectorSelector") and selector_name(n) == metric) for n in walk(fallback))


def _divisions(root: Any) -> Iterator[tuple[Any, tuple[Any, ...]]]:
    """Every ``/`` with the right sides of the ``or`` operators it is on the left
    of, in textual order."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())]
    while stack:
        node, fallbacks = stack.pop()
        if is_a(node, "BinaryExpr"):
            op = op_of(node)
            if op == "/":
                yield node, fallbacks
            elif op == "or":
                stack.append((node.rhs, fallbacks))
                stack.append((node.lhs, (*fallbacks, node.rhs)))
                continue
        stack.extend((c, fallbacks) for c in reversed(children(node)))


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
    for division, fallbacks in _divisions(root):
        ratio = ratio_of(root, division)
        if ratio is None or any(_covers(f, ratio.metric) for f in fallbacks):
            continue
        sets = [_matchers(n) for n in _in_order(root, ratio.metric)]
        extra = decide(ratio, sets)
        if extra is None:
            continue
        # The numerator has every compared matcher (the denominator's are its own).
        mine = sets[ratio.numerator] or frozenset()
        placeholder = any(value == PLACEHOLDER and op in ("=", "!=") for _label, op, value in mine)
        out.append(RatioHit(division, "", "", Severity.WARNING, _hint(division), ratio=ratio, extra=extra, placeholder=placeholder))
    return out


def _message(q: Query, ratio: Ratio, extra: tuple[Matcher, ...]) -> str:
    source = q.source
    title = source.data.get("title") if source is not None else None
    board = title if isinstance(title, str) and title else q.dashboard
    where = f" of dashboard {board!r}" if board else ""
    event = ratio.metric + "{" + ", ".join(f'{label}{op}"{value}"' for label, op, value in extra) + "}"
    by, labels = ratio.grouping
    # The groups that go missing: a label the extra matchers filter on is left
    # out (its values outside the filter are no group of this ratio anyway).
    groups = [label for label in labels if label not in {e[0] for e in extra}]
    if not by:
        scope = "for each series until its first"
    elif groups:
        scope = f"for each {', '.join(groups)} until its first"
    else:
        scope = "until the first"
    return (
        f'{q.what}{where} reads "No data", not a ratio of 0, {scope} {event}: the numerator\'s counter series '
        "appear at their first increment"
    )


def _own_extra(ctx: LintContext, expr: str, ratio: Ratio) -> tuple[Matcher, ...] | None:
    """:func:`decide` on the query's own values: read from its text, or, should
    the text's selectors not be the tree's, from its own parse."""
    sets = own_matchers(expr, ratio.metric)
    if len(sets) != ratio.selectors:
        tree, problem = ctx.parse(grafana_expr(expr))
        if problem is not None:
            return None
        sets = [_matchers(n) for n in _in_order(tree, ratio.metric)]
    return decide(ratio, sets)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # Queries whose tree compared a placeholder value decide again on their own
    # values (once per text and ratio): the shared tree may join values that differ.
    own: dict[tuple[str, Ratio], tuple[Matcher, ...] | None] = {}
    for q, hit in per_tree(ctx, find, ("panel",)):
        if not isinstance(hit, RatioHit) or hit.ratio is None:
            continue  # find() makes RatioHits only
        extra: tuple[Matcher, ...] | None = hit.extra
        if hit.placeholder:
            key = (q.expr, hit.ratio)
            if key not in own:
                own[key] = _own_extra(ctx, q.expr, hit.ratio)
            extra = own[key]
        if extra is None:
            continue
        yield Diagnostic(ctx.locate(q, hit.node), CODE, _message(q, hit.ratio, extra), Severity.WARNING, hit.hint)


CHECK = Check(CODE, "ratio-no-data", 'a ratio of a subset of events reads "No data", not 0, before the first one', run, Severity.WARNING)
