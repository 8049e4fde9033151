"""OAC215: a comparison that is always true or never true."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import Hit, metrics_text, per_tree
from obs_as_code.lint.types import (
    FLIPPED_COMPARISON,
    VType,
    constant_side,
    is_a,
    nodes,
    op_of,
    selector_name,
    strip,
)
from obs_as_code.names import slo_burn_alert

CODE = "OAC215"


def _verdict(t: VType, op: str, c: float) -> tuple[str, str] | None:
    """("never"|"always", why) for ``t op c``."""
    if t.nonneg:
        why = f"{t.unit or t.kind} values are never negative"
        if (op == "<" and c <= 0) or (op in ("<=", "==") and c < 0):
            return "never", why
        if (op == ">=" and c <= 0) or (op in (">", "!=") and c < 0):
            return "always", why
    top = {"ratio": 1.0, "bool": 1.0}.get(t.unit or "")
    if t.unit == "ratio" and not t.bounded:
        top = None  # spend / budget is dimensionless but can exceed 1
    if top is not None and t.certain:
        why = f"a {t.unit} is at most {top:g}"
        if (op == ">" and c >= top) or (op in (">=", "==") and c > top):
            return "never", why
        if (op == "<=" and c >= top) or (op in ("<", "!=") and c > top):
            return "always", why
    return None


def _quantile_ceiling(ctx: LintContext, node: Any) -> tuple[float, str] | None:
    """``(highest finite bucket bound, histogram)`` when ``node`` is a
    ``histogram_quantile`` over one catalog histogram whose bounds are listed:
    it returns at most that bound (a quantile in the +Inf bucket is reported as
    the highest finite bound), whatever the traffic."""
    node = strip(node)
    index = ctx.index
    if index is None or not is_a(node, "Call") or getattr(node.func, "name", None) != "histogram_quantile":
        return None
    # Only for a quantile between 0 and 1: histogram_quantile(95, ...) is +Inf
    # (and a negative one -Inf), above any bound (OAC201 reports the quantile).
    phi = ctx.type_of(node.args[0]) if len(node.args) == 2 else None
    if phi is None or phi.const is None or not 0 <= phi.const <= 1:
        return None
    found: set[tuple[float, str]] = set()
    for sel in nodes(node.args[1], "VectorSelector"):
        family = index.family(selector_name(sel) or "")
        if family is None or family[1] != "_bucket" or not family[0].buckets:
            return None
        found.add((max(float(b) for b in family[0].buckets), family[0].name))
    return next(iter(found)) if len(found) == 1 else None


def _never_above(op: str, c: float, top: float) -> bool:
    return (op == ">" and c >= top) or (op in (">=", "==") and c > top)


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the alerts of its shape)."""
    out: list[Hit] = []
    for node in nodes(root, "BinaryExpr"):
        if op_of(node) not in FLIPPED_COMPARISON:
            continue
        if node.modifier is not None and node.modifier.return_bool:
            continue
        lhs, rhs = ctx.type_of(node.lhs), ctx.type_of(node.rhs)
        # A constant side also when written as arithmetic (x > 5 / 100).
        side = constant_side(lhs, op_of(node), rhs)
        if side is None:
            continue
        on_right, op, c = side
        vec = lhs if on_right else rhs
        found = _verdict(vec, op, c)
        quantile = _quantile_ceiling(ctx, node.lhs if on_right else node.rhs)
        if found is None and quantile is not None and _never_above(op, c, quantile[0]):
            top, family = quantile
            # 500 for 500 ms on a _seconds histogram: the bound the threshold meant.
            meant = c / 1000 if family.endswith("_seconds") and c >= 10 * top and c / 1000 <= top else None
            out.append(
                Hit(
                    node,
                    f"histogram_quantile(...) {op} {c:g} is never true in ",
                    f": the quantile of {family} is at most its highest finite bucket bound, {top:g}",
                    Severity.ERROR,
                    f"the histogram counts seconds: write {op} {meant:g} for {c:g} ms" if meant is not None
                    else "the alert can never fire: lower the threshold, or add higher buckets to the histogram",
                )
            )
            continue
        if found is None:
            continue
        verdict, why = found
        out.append(
            Hit(
                node,
                f"{metrics_text(vec.metrics)} {op} {c:g} is {verdict} true in ",
                f": {why}",
                Severity.ERROR,
                "the alert can never fire" if verdict == "never" else "the alert fires whenever the series exists",
            )
        )
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # Once per distinct tree: 10,000 alerts are mostly a few shapes.
    for q, hit in per_tree(ctx, find, ("alert",)):
        if q.group is not None and q.rule is not None and slo_burn_alert(q.group.name, q.rule.labels):
            # The SLO generator's burn-rate alerts: a threshold above 1 comes from
            # the objective, and OAC401 says so at the SLO, in its terms.
            continue
        yield hit.diagnostic(ctx, q, CODE)


CHECK = Check(CODE, "constant-comparison", "alert comparisons that cannot change outcome", run)
