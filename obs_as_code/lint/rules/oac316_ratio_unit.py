"""OAC316: a panel shows a ratio in the wrong percent unit. Grafana's ``percent``
appends "%" to the value as it is (for values 0..100), ``percentunit`` multiplies
by 100 first (for values 0..1): a ratio (an error ratio, a hit ratio, spend over
budget) under ``percent`` reads "0.05%" for 5 %, and a percentage (``100 * ...``)
under ``percentunit`` reads "500%". What the query returns is what the PromQL
checks infer (the catalog's units, ``a / b`` of like quantities, ``100 *``);
only certain inferences, and a part over its whole (times 100 for a percentage),
are judged, and the unit is the one the query's series get
(:func:`~obs_as_code.lint.rules._units.series_unit`, as OAC305 reads it: the
panel's, the field overrides that reach them, a legacy graph's right y axis for
the series a ``seriesOverrides`` entry moves there); a query whose series may be
in another unit is not judged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._query_targets import dashboard_title, panel_targets
from obs_as_code.lint.rules._units import series_unit
from obs_as_code.lint.types import INCREASE, RATE, VType, is_a, op_of, strip

CODE = "OAC316"

#: Grafana unit -> the inferred unit it is wrong for, and what to write instead.
_WRONG: dict[str, tuple[str, str, str]] = {
    "percent": ("ratio", 'unit="percentunit" (kit.PERCENTUNIT)', "a ratio (0..1): Grafana shows 5 % as 0.05%"),
    "percentunit": ("percent", 'unit="percent" (kit.PERCENT)', "a percentage (0..100): Grafana shows 5 % as 500%"),
}


def _hundred(node: Any) -> bool:
    node = strip(node)
    return is_a(node, "NumberLiteral") and float(node.val) == 100


def _part_of_whole(part: VType, whole: VType) -> bool:
    """A rate (increase) of a counter over the same counter's with fewer matchers:
    the bound the type inference gives a quotient (``errors / total``)."""
    return bool(part.metrics) and set(part.metrics) == set(whole.metrics) and part.kind in (RATE, INCREASE) and part.kind == whole.kind


def _part_of_whole_percent(ctx: LintContext, root: Any) -> bool:
    """``100 * part / whole``, ``part / whole * 100``, ``100 * (1 - part / whole)``:
    a percentage within 0..100 whatever the counter's type."""
    node = strip(root)
    if not is_a(node, "BinaryExpr"):
        return False
    op, lhs, rhs = op_of(node), node.lhs, node.rhs
    if op == "*":
        for factor, other in ((lhs, rhs), (rhs, lhs)):
            if _hundred(factor):
                inner = ctx.type_of(other)
                return inner.bounded and inner.unit == "ratio"
        return False
    if op == "/":
        scaled = strip(lhs)  # (100 * part) / whole
        if is_a(scaled, "BinaryExpr") and op_of(scaled) == "*":
            for factor, part in ((scaled.lhs, scaled.rhs), (scaled.rhs, scaled.lhs)):
                if _hundred(factor):
                    return _part_of_whole(ctx.type_of(part), ctx.type_of(rhs))
    return False


def _returns(ctx: LintContext, root: Any) -> str | None:
    """``"ratio"`` or ``"percent"`` when the query certainly returns one at scale 1
    (a part over its whole, or 100 times one, is a ratio, or a percentage,
    whatever its metric's type), else None."""
    t = ctx.type_of(root)
    if t.scale != 1.0 or t.unit not in ("ratio", "percent"):
        return None
    if t.certain or (t.bounded and t.unit == "ratio") or (t.unit == "percent" and _part_of_whole_percent(ctx, root)):
        return t.unit
    return None


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    # What each distinct tree returns, judged once (queries of one shape share
    # their tree); the panel's unit is read only for a ratio or a percentage.
    returns: dict[int, str | None] = {}
    for t in panel_targets(ctx):
        key = id(t.root)
        if key in returns:
            kind = returns[key]
        else:
            kind = returns[key] = _returns(ctx, t.root)
        if kind is None:
            continue
        unit, maybe = series_unit(t.panel, t.target)
        if maybe:
            continue  # an override (or a legacy graph's right axis) that may reach it sets another unit
        wrong = _WRONG.get(unit or "")
        if wrong is None or wrong[0] != kind:
            continue
        q = t.query()
        yield error(
            q.at((0, len(q.expr))),
            CODE,
            f"panel {q.title!r} of dashboard {dashboard_title(q)!r} has unit {unit!r} but its query returns "
            f"{wrong[2]}: {q.expr}",
            hint=f"set {wrong[1]}",
        )


CHECK = Check(CODE, "ratio-unit", "a ratio shows with percentunit, a percentage with percent", run)
