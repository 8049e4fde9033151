"""OAC215: a comparison that is always true or never true."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import Hit, metrics_text, per_tree
from obs_as_code.lint.types import SCALAR, VType, is_a, nodes, op_of, strip

CODE = "OAC215"
_FLIP = {">": "<", "<": ">", ">=": "<=", "<=": ">=", "==": "==", "!=": "!="}


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


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the alerts of its shape)."""
    out: list[Hit] = []
    for node in nodes(root, "BinaryExpr"):
        if op_of(node) not in _FLIP:
            continue
        if node.modifier is not None and node.modifier.return_bool:
            continue
        lhs, rhs = ctx.type_of(node.lhs), ctx.type_of(node.rhs)
        op = op_of(node)
        if rhs.kind == SCALAR and is_a(strip(node.rhs), "NumberLiteral"):
            vec, c = lhs, float(strip(node.rhs).val)
        elif lhs.kind == SCALAR and is_a(strip(node.lhs), "NumberLiteral"):
            vec, c, op = rhs, float(strip(node.lhs).val), _FLIP[op]
        else:
            continue
        found = _verdict(vec, op, c)
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
        yield hit.diagnostic(ctx, q, CODE)


CHECK = Check(CODE, "constant-comparison", "alert comparisons that cannot change outcome", run)
