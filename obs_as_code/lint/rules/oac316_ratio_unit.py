"""OAC316: a panel shows a ratio in the wrong percent unit. Grafana's ``percent``
appends "%" to the value as it is (for values 0..100), ``percentunit`` multiplies
by 100 first (for values 0..1): a ratio (an error ratio, a hit ratio, spend over
budget) under ``percent`` reads "0.05%" for 5 %, and a percentage (``100 * ...``)
under ``percentunit`` reads "500%". What the query returns is what the PromQL
checks infer (the catalog's units, ``a / b`` of like quantities, ``100 *``);
only certain inferences, and a part over its whole (times 100 for a percentage),
are judged, and the unit is the one the query's series get (the panel's, or a
field override by its refId or for every number; an override of another refId
does not reach them; in a legacy graph panel, the right y axis' unit for the
series a ``seriesOverrides`` entry moves there)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._query_targets import dashboard_title, panel_targets
from obs_as_code.lint.rules.oac305_latency_unit import alias_matches, query_unit
from obs_as_code.lint.types import INCREASE, RATE, VType, is_a, op_of

CODE = "OAC316"

#: Grafana unit -> the inferred unit it is wrong for, and what to write instead.
_WRONG: dict[str, tuple[str, str, str]] = {
    "percent": ("ratio", 'unit="percentunit" (kit.PERCENTUNIT)', "a ratio (0..1): Grafana shows 5 % as 0.05%"),
    "percentunit": ("percent", 'unit="percent" (kit.PERCENT)', "a percentage (0..100): Grafana shows 5 % as 500%"),
}


def _other_unit_override(panel: dict[str, Any], ref_id: Any) -> bool:
    """Whether a field override that may or may not reach the query's series (by
    name, by regex ...) sets a unit: the series' unit is then not known here."""
    fc = panel.get("fieldConfig")
    overrides = fc.get("overrides") if isinstance(fc, dict) else None
    for override in overrides if isinstance(overrides, list) else []:
        if not isinstance(override, dict):
            continue
        props = override.get("properties")
        if not (isinstance(props, list) and any(isinstance(p, dict) and p.get("id") == "unit" for p in props)):
            continue
        matcher = override.get("matcher")
        kind = matcher.get("id") if isinstance(matcher, dict) else None
        options = matcher.get("options") if isinstance(matcher, dict) else None
        if kind == "byFrameRefID" and options != ref_id:
            continue  # another query's series
        if not ((kind == "byFrameRefID" and options == ref_id) or (kind == "byType" and options == "number")):
            return True
    return False


def _graph_unit(panel: dict[str, Any], target: dict[str, Any], left: str | None) -> tuple[str | None, bool]:
    """``(unit, known)`` of the query's series in a legacy graph panel. A
    ``seriesOverrides`` entry with ``yaxis: 2`` moves the series its alias names
    to the right axis, whose unit is ``yaxes[1].format`` (Grafana's migration to a
    time series panel: an override by the alias setting that unit). A series'
    name is known when the target's legend is a plain text; else, when the right
    axis has another unit, the query's unit is not known here."""
    if panel.get("type") != "graph":
        return left, True
    overrides = panel.get("seriesOverrides")
    aliases = [
        o["alias"]
        for o in (overrides if isinstance(overrides, list) else [])
        if isinstance(o, dict) and type(o.get("yaxis")) is int and o.get("yaxis") == 2 and isinstance(o.get("alias"), str) and o["alias"]
    ]
    if not aliases:
        return left, True
    yaxes = panel.get("yaxes")
    axis = yaxes[1] if isinstance(yaxes, list) and len(yaxes) > 1 and isinstance(yaxes[1], dict) else {}
    right = axis.get("format")
    if not isinstance(right, str) or not right or right == left:
        return left, True  # the migration sets no unit for an axis without one
    legend = target.get("legendFormat")
    if not isinstance(legend, str) or not legend or "{{" in legend:
        return None, False
    found = [alias_matches(alias, legend) for alias in aliases]
    if any(f is None for f in found):
        return None, False
    return (right if any(found) else left), True


def _strip(node: Any) -> Any:
    while is_a(node, "ParenExpr"):
        node = node.expr
    return node


def _hundred(node: Any) -> bool:
    node = _strip(node)
    return is_a(node, "NumberLiteral") and float(node.val) == 100


def _part_of_whole(part: VType, whole: VType) -> bool:
    """A rate (increase) of a counter over the same counter's with fewer matchers:
    the bound the type inference gives a quotient (``errors / total``)."""
    return bool(part.metrics) and set(part.metrics) == set(whole.metrics) and part.kind in (RATE, INCREASE) and part.kind == whole.kind


def _part_of_whole_percent(ctx: LintContext, root: Any) -> bool:
    """``100 * part / whole``, ``part / whole * 100``, ``100 * (1 - part / whole)``:
    a percentage within 0..100 whatever the counter's type."""
    node = _strip(root)
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
        scaled = _strip(lhs)  # (100 * part) / whole
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
        ref_id = t.target.get("refId")
        unit, _maybe_time = query_unit(t.panel, ref_id)
        unit, known = _graph_unit(t.panel, t.target, unit)
        if not known:
            continue  # a legacy graph's series may be on either axis
        wrong = _WRONG.get(unit or "")
        if wrong is None or wrong[0] != kind or _other_unit_override(t.panel, ref_id):
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
