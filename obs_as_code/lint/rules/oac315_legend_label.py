"""OAC315: a panel target's legend (``legendFormat``) names a label its query's
result does not have, e.g. ``{{status}}`` over ``sum by (path) (...)``. Grafana
writes the missing label as nothing, so every series of the panel gets the same
legend (or an empty one) and the lines cannot be told apart. The labels a result
has come from the type inference the PromQL checks use (aggregation clauses, the
metrics catalog, the scrape jobs' target labels); a query whose labels are not
known (a metric the catalog does not list, ``without``) is not judged."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, DashboardSource, LintContext
from obs_as_code.lint.files import iter_targets

CODE = "OAC315"

#: Grafana's legend placeholder: ``{{label}}``, ``{{ label }}``.
PLACEHOLDER = re.compile(r"\{\{\s*(.+?)\s*\}\}")

#: For each query text of one dashboard: its targets in order, each the target
#: when its legend has a placeholder, else None.
_Legends = dict[str, list[dict[str, Any] | None]]


def legend_labels(legend: str) -> list[str]:
    """The labels ``legend`` names (Grafana's own ``__`` names left out)."""
    return [name for name in PLACEHOLDER.findall(legend) if not name.startswith("__")]


def _legends(source: DashboardSource) -> _Legends:
    """The targets of ``source`` by query text, in the order its queries are
    listed (:func:`~obs_as_code.lint.files.iter_targets`): the k-th query of a
    text is the k-th target here."""
    out: _Legends = {}
    for path, _title, expr in iter_targets(source.data):
        target: Any = source.data
        for key in path[:-1]:
            target = target[key]
        legend = target.get("legendFormat") if isinstance(target, dict) else None
        out.setdefault(expr, []).append(target if isinstance(legend, str) and "{{" in legend else None)
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    by_source: dict[int, _Legends] = {}
    #: (source, query text) -> how many of its queries were seen.
    nth: dict[tuple[int, str], int] = {}
    for q, root in ctx.parsed_queries():
        source = q.source
        if q.origin != "panel" or source is None:
            continue
        legends = by_source.get(id(source))
        if legends is None:
            legends = by_source[id(source)] = _legends(source)
        written = legends.get(q.expr)
        if not written:
            continue
        k = nth.get((id(source), q.expr), 0)
        nth[(id(source), q.expr)] = k + 1
        target = written[k] if k < len(written) else None
        if target is None:
            continue
        labels = ctx.type_of(root).labels
        if labels is None:
            continue
        legend = str(target["legendFormat"])
        missing = [name for name in legend_labels(legend) if name not in labels]
        if not missing:
            continue
        title = source.data.get("title") if isinstance(source.data, dict) else None
        board = title if isinstance(title, str) else q.dashboard
        yield Diagnostic(
            q.at((0, len(q.expr))),
            CODE,
            f"legend {legend!r} of panel {q.title!r} in dashboard {board!r} names "
            f"{', '.join(repr(m) for m in missing)}, which the query's result does not have "
            f"(it has: {', '.join(sorted(labels)) or 'none'}): Grafana writes it as nothing, "
            "so the series cannot be told apart",
            Severity.WARNING,
            "histogram_quantile drops le: take {{le}} out of the legend"
            if missing == ["le"] and "histogram_quantile" in q.expr
            else f"keep the label in the aggregation (sum by ({', '.join(sorted({*labels, *missing}))}) (...)) "
            "or name one the result has",
        )


CHECK = Check(CODE, "legend-label", "a legend must name labels the query's result has", run, Severity.WARNING)
