"""OAC316: a panel shows a ratio in the wrong percent unit. Grafana's ``percent``
appends "%" to the value as it is (for values 0..100), ``percentunit`` multiplies
by 100 first (for values 0..1): a ratio (an error ratio, a hit ratio, spend over
budget) under ``percent`` reads "0.05%" for 5 %, and a percentage (``100 * ...``)
under ``percentunit`` reads "500%". What the query returns is what the PromQL
checks infer (the catalog's units, ``a / b`` of like quantities, ``100 *``);
only certain inferences, and a part over its whole, are judged, and the unit is the one the query's series
get (the panel's, or a field override by its refId or for every number)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._query_targets import dashboard_title, panel_queries
from obs_as_code.lint.rules.oac305_latency_unit import query_unit

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
        if not ((kind == "byFrameRefID" and options == ref_id) or (kind == "byType" and options == "number")):
            return True
    return False


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root, panel, target in panel_queries(ctx):
        ref_id = target.get("refId")
        unit, _maybe_time = query_unit(panel, ref_id)
        wrong = _WRONG.get(unit or "")
        if wrong is None or _other_unit_override(panel, ref_id):
            continue  # most panels: no percent unit, and no type inferred
        t = ctx.type_of(root)
        # A part over its whole (bounded) is a ratio whatever its metric's type.
        if not (t.certain or (t.bounded and t.unit == "ratio")) or t.unit != wrong[0] or t.scale != 1.0:
            continue
        yield error(
            q.at((0, len(q.expr))),
            CODE,
            f"panel {q.title!r} of dashboard {dashboard_title(q)!r} has unit {unit!r} but its query returns "
            f"{wrong[2]}: {q.expr}",
            hint=f"set {wrong[1]}",
        )


CHECK = Check(CODE, "ratio-unit", "a ratio shows with percentunit, a percentage with percent", run)
