"""OAC220: a binary operation between two instant vectors whose label sets never match.

Prometheus pairs the series of ``lhs op rhs`` by their labels (``__name__``
aside): all of them, the ``on(...)`` ones only, or all but the ``ignoring(...)``
ones. When one side carries a label the other side never has, only series where
that label is absent can pair up; ``sum by (job) (a) / sum by (job, instance) (b)``
never does, so the result is always empty (an alert that cannot fire, a panel
showing "No data"), ``and`` keeps nothing and ``unless`` removes nothing.

Label sets come from type inference (:attr:`VType.labels`, what a side's series
*may* carry); a side whose labels are unknown is left alone. The finding is an
error when the label is sure to be set on every series of the side carrying it
(:func:`_present`): a matcher ``label="value"``, or ``job``/``instance`` of a
scraped series (``up``, or a catalog metric), kept through the aggregations;
otherwise a warning, as the series may lack it. ``on(...)`` lists naming a label
one side lacks are OAC207's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code import names
from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.goregex import matcher_matches_empty
from obs_as_code.lint.engine import METRIC_VAR, Check, LintContext
from obs_as_code.lint.rules._promql import Hit, per_tree
from obs_as_code.lint.types import (
    SCALAR,
    STRING,
    SYNTHETIC,
    TARGET_LABELS,
    VType,
    func_name,
    is_a,
    is_on,
    nodes,
    op_of,
    selector_matchers,
    selector_name,
    walk,
)
from obs_as_code.model.prometheus import ScrapeJob
from obs_as_code.slo.model import SLO

CODE = "OAC220"

#: Calls whose result carries none of their argument's labels, or whose labels
#: :func:`_present` does not follow.
_NO_LABELS = frozenset({"vector", "absent", "absent_over_time", "scalar", "time", "info"})


def _labels(names: Any) -> frozenset[str]:
    return frozenset(str(x) for x in names or ())


def _vector(t: VType) -> bool:
    return t.kind not in (SCALAR, STRING) and not t.matrix


def _first_vector(ctx: LintContext, args: list[Any]) -> Any:
    """The first argument that is a vector (instant or range)."""
    return next((a for a in args if ctx.type_of(a).kind not in (SCALAR, STRING)), None)


def _scraped_labels(ctx: LintContext, name: str) -> frozenset[str]:
    """The target labels every series of ``name`` is sure to have: ``job`` and
    ``instance`` of the series Prometheus writes itself (``up``...), and of a
    catalog metric no project rule records (``instance`` only when none of its
    jobs honours labels: a Pushgateway's series may have none)."""
    if name in SYNTHETIC and not name.startswith("ALERTS"):
        return TARGET_LABELS
    index = ctx.index
    found = index.family(name) if index is not None else None
    if found is None or name in ctx.recorded():
        return frozenset()
    jobs = set(found[0].jobs)
    honoured = any(job.honor_labels and job.name in jobs for job in ctx.project.all(ScrapeJob))
    return frozenset({"job"}) if honoured else TARGET_LABELS


def _never_empty(op: str, value: str) -> bool:
    # Only = and =~ count here (job!="" is not taken to pin job).
    return op in ("=", "=~") and matcher_matches_empty(op, value) is False


def _present(ctx: LintContext, node: Any) -> frozenset[str]:
    """Labels set (non-empty) on every series of ``node``: a lower bound, empty
    when nothing is sure."""
    if is_a(node, "VectorSelector"):
        name = selector_name(node)
        pinned = frozenset(label for label, op, value in selector_matchers(node) if _never_empty(op, value))
        return pinned | (_scraped_labels(ctx, name) if name is not None else frozenset())
    if is_a(node, "ParenExpr") or is_a(node, "UnaryExpr") or is_a(node, "SubqueryExpr"):
        return _present(ctx, node.expr)
    if is_a(node, "MatrixSelector"):
        return _present(ctx, node.vector_selector)
    if is_a(node, "Call"):
        name = func_name(node) or ""
        if name in _NO_LABELS:
            return frozenset()
        args = list(node.args)
        if name in ("histogram_quantile", "histogram_fraction"):
            return _present(ctx, args[-1]) - {"le"} if args else frozenset()
        arg = _first_vector(ctx, args)
        if arg is None:
            return frozenset()
        inner = _present(ctx, arg)
        if name in ("label_replace", "label_join") and len(args) > 1:
            # The replacement may be empty, which removes the label.
            inner = inner - {str(getattr(args[1], "val", "")).strip('"')}
        return inner
    if is_a(node, "AggregateExpr"):
        inner = _present(ctx, node.expr)
        op = op_of(node)
        if op in ("topk", "bottomk", "limitk", "limit_ratio"):
            return inner
        mod = node.modifier
        names = _labels(mod.labels) if mod is not None else frozenset()
        by = mod is None or str(mod.type).endswith("By")
        kept = inner & names if by else inner - names
        if op == "count_values" and is_a(node.param, "StringLiteral"):
            kept = kept | {str(node.param.val).strip('"')}
        return kept
    if is_a(node, "BinaryExpr"):
        lt, rt = ctx.type_of(node.lhs), ctx.type_of(node.rhs)
        if not _vector(lt):
            return _present(ctx, node.rhs)
        lhs = _present(ctx, node.lhs)
        if not _vector(rt):
            return lhs
        op = op_of(node)
        if op == "or":
            return lhs & _present(ctx, node.rhs)
        mod = node.modifier
        matching = getattr(mod, "matching", None) if mod is not None else None
        card = str(getattr(mod, "card", "")) if mod is not None else ""
        # Prometheus' resultMetric: group_x(...) labels come from the "one" side (or
        # are removed), a one-to-one on/ignoring keeps/drops labels, filters too.
        if card.endswith("OneToMany"):
            extra = _labels(mod.group_labels)
            return (_present(ctx, node.rhs) - extra) | (lhs & extra)
        if card.endswith("ManyToOne"):
            extra = _labels(mod.group_labels)
            return (lhs - extra) | (_present(ctx, node.rhs) & extra)
        if op in ("and", "unless") or matching is None:
            return lhs
        return lhs & _labels(matching.labels) if is_on(matching) else lhs - _labels(matching.labels)
    return frozenset()


def _unfollowed(node: Any) -> bool:
    """Whether ``node`` holds what type inference does not follow, so that its
    series may carry more labels than inferred: info() (which adds the labels of
    info metrics)."""
    return any(func_name(n) == "info" for n in walk(node))


def _doubtful(ctx: LintContext, node: Any) -> frozenset[str]:
    """Labels inference may have added to ``node``'s series without their being
    there: the target labels it gives every series of a recording rule, which
    has them only if its expression kept them."""
    extra = TARGET_LABELS | ctx.scrape_labels()
    for n in walk(node):
        if is_a(n, "VectorSelector"):
            name = selector_name(n)
            index = ctx.index
            if name is not None and name in ctx.recorded() and (index is None or index.family(name) is None):
                return extra
    return frozenset()


def _list(labels: frozenset[str], most: int = 4) -> str:
    """The labels in order, the first ``most`` of them (a catalog may list dozens)."""
    names = sorted(labels)
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def _where(only_left: frozenset[str], only_right: frozenset[str]) -> str:
    parts = [f"{_list(only)} only on the {side} side" for only, side in ((only_left, "left"), (only_right, "right")) if only]
    return " and ".join(parts)


def _hint(op: str, ignoring: frozenset[str], only_left: frozenset[str], only_right: frozenset[str], shared: frozenset[str], vector_side: str | None) -> str:
    """What to write: the missing labels on the other side, or a matching clause
    (written out in full, to be copied: ignoring(...) the labels one side has
    alone, or on(...) the labels both have, whichever is short). ``vector_side``:
    the side ("left" or "right") that is a bare vector(...) call, if one is."""
    if vector_side == "right":
        return f"vector() has no labels: compare with the number itself ({op} 0 rather than {op} vector(0)), or write {op} on() group_left vector(...)"
    if vector_side == "left":
        # The many side is the right one: group_left would ask vector()'s one
        # series to match many on the right, which Prometheus refuses.
        return f"vector() has no labels: compare with the number itself (0 {op} rather than vector(0) {op}), or write vector(...) {op} on() group_right"
    group = ""
    if op not in ("and", "unless") and bool(only_left) != bool(only_right):
        group = " group_left" if only_left else " group_right"
    alone = ignoring | only_left | only_right
    if len(alone) <= 4 or len(shared) > 4:
        listed = ", ".join(sorted(alone)) if len(alone) <= 8 else "..."
        clause = f"leave the labels one side has alone out of the matching: {op} ignoring({listed}){group}"
    else:
        clause = f"match on the labels both sides have: {op} on({', '.join(sorted(shared))}){group}"
    if only_left and only_right:
        return f"aggregate both sides by the same labels, or {clause}"
    only, other = (only_left, "right") if only_left else (only_right, "left")
    add = f"add {_list(only)} to the {other} side's by (...)" if shared else f"aggregate the {other} side by ({_list(only)})"
    return f"{add}, or {clause}"


def _check(ctx: LintContext, node: Any, info: bool = True, recorded: bool = True) -> Hit | None:
    """The finding at binary operation ``node``, if any. ``info`` and ``recorded``:
    whether its tree calls info() and selects a recorded series at all (else the
    sides need no walk for them)."""
    op = op_of(node)
    if op == "or":
        return None  # a union: never emptied by unmatched series
    lt, rt = ctx.type_of(node.lhs), ctx.type_of(node.rhs)
    if not (_vector(lt) and _vector(rt)) or lt.labels is None or rt.labels is None:
        return None
    if info and (_unfollowed(node.lhs) or _unfollowed(node.rhs)):
        return None  # the inferred labels may be more than the series have
    mod = node.modifier
    matching = getattr(mod, "matching", None) if mod is not None else None
    if matching is not None and is_on(matching):
        return None  # a label on(...) names that one side lacks: OAC207's
    ignoring = _labels(matching.labels) if matching is not None else frozenset()
    # A Grafana variable in a by (...) list (prepared as METRIC_VAR) may be empty,
    # or name a label the other side has: nothing is known of it.
    drop = ignoring | {"__name__", METRIC_VAR}
    left, right = lt.labels - drop, rt.labels - drop
    only_left = (left - right) - (_doubtful(ctx, node.lhs) if recorded else frozenset())
    only_right = (right - left) - (_doubtful(ctx, node.rhs) if recorded else frozenset())
    if not only_left and not only_right:
        return None
    sure = sorted((only_left & _present(ctx, node.lhs)) | (only_right & _present(ctx, node.rhs)))
    if sure:
        # The labels that make it sure are the ones to name.
        where = _where(only_left & frozenset(sure), only_right & frozenset(sure))
        it = "it" if len(sure) == 1 else "them"
        verdict = {"and": "is always empty", "unless": "never removes anything: it returns its whole left side"}.get(op, "never matches: its result is always empty")
        tail = f" {verdict}; {where}, where every series sets {it}"
    else:
        where = _where(only_left, only_right)
        lacking = _list(only_left | only_right)
        it = "it" if len(only_left | only_right) == 1 else "them"
        series = "series" if only_left and only_right else "left-side series" if only_left else "right-side series"
        verdict = {
            "and": f"is empty unless some {series} lack {lacking}",
            "unless": f"removes nothing unless some {series} lack {lacking}: it then returns its whole left side",
        }.get(op, f"matches only {series} without {lacking}, so its result is empty when they all have {it}")
        tail = f" {verdict}; {where}"
    # The side without the labels, when only the other one has some: a bare vector(...)?
    side = "right" if only_left and not only_right else "left" if only_right and not only_left else None
    bare = node.rhs if side == "right" else node.lhs if side == "left" else None
    while bare is not None and is_a(bare, "ParenExpr"):
        bare = bare.expr
    hint = _hint(op, ignoring, only_left, only_right, left & right, side if bare is not None and func_name(bare) == "vector" else None)
    return Hit(node, f"`{op}` in ", tail, Severity.ERROR if sure else Severity.WARNING, hint)


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the queries of its shape)."""
    out: list[Hit] = []
    binaries = nodes(root, "BinaryExpr")
    if not binaries:
        return out
    # Asked once per tree (its index), not walked again for each side.
    info = bool(nodes(root, "Call:info"))
    index = ctx.index
    names = (selector_name(n) for n in nodes(root, "VectorSelector"))
    recorded = any(name is not None and name in ctx.recorded() and (index is None or index.family(name) is None) for name in names)
    for node in binaries:
        hit = _check(ctx, node, info, recorded)
        if hit is not None:
            out.append(hit)
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # The rules the SLO generator wrote for the project's SLOs (in the groups it
    # names after them, slo-<stage>-<id>) are left out: their vector matching is the generator's, which
    # golden files and promtool's unit tests hold to matching series, and the
    # user's part of them, the SLI queries, is OAC403's (which a ratio SLI's
    # mistake repeated here would duplicate). In a project with many SLOs they are
    # nearly every tree (the synthetic 500 SLOs: 4,508 of 4,515), and inferring the
    # types of both sides of each of their 15,000 binary operations was 0.6 s.
    # A group of that name the user wrote (at another place) is judged.
    generated = {
        names.slo_rule_group(slo.id, stage): slo.location
        for slo in ctx.project.all(SLO)
        if isinstance(slo.id, str)
        for stage in names.SLO_GROUP_STAGES
    }
    judged = ctx._tree_findings  # shared with the other contexts of an incremental build
    for q, root in ctx.parsed_rule_queries():
        if q.group is not None and generated.get(q.group.name) == q.group.location:
            continue
        hits = judged.get((find, id(root)))
        if hits is None:
            hits = judged[(find, id(root))] = find(ctx, root)
        for hit in hits:
            yield hit.diagnostic(ctx, q, CODE)
    for q, hit in per_tree(ctx, find, ("panel",)):
        yield hit.diagnostic(ctx, q, CODE)


CHECK = Check(CODE, "vector-matching", "the two sides of a binary operation can match", run)
