"""OAC315: a panel target's legend (``legendFormat``) names a label its query's
result does not have, e.g. ``{{status}}`` over ``sum by (path) (...)``. Grafana
writes the missing label as nothing, so every series of the panel gets the same
legend (or an empty one) and the lines cannot be told apart. The labels a result
has come from the type inference the PromQL checks use (aggregation clauses, the
metrics catalog, the scrape jobs' target labels); a query whose labels are not
known (a metric the catalog does not list, ``without``) is not judged, nor a
target in the table format (Grafana turns its labels into columns and never
reads its legend)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._query_targets import dashboard_title, panel_targets

CODE = "OAC315"

#: Grafana's legend placeholder: ``{{label}}``, ``{{ label }}``.
PLACEHOLDER = re.compile(r"\{\{\s*(.+?)\s*\}\}")

def legend_labels(legend: str) -> list[str]:
    """The labels ``legend`` names (Grafana's own ``__`` names left out)."""
    return [name for name in PLACEHOLDER.findall(legend) if not name.startswith("__")]


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for t in panel_targets(ctx):
        legend = t.target.get("legendFormat")
        if not isinstance(legend, str) or "{{" not in legend or t.target.get("format") == "table":
            continue  # a table's rows show every label as a column, and no legend
        labels = ctx.type_of(t.root).labels
        if labels is None:
            continue
        missing = [name for name in legend_labels(legend) if name not in labels]
        if not missing:
            continue
        q = t.query()
        yield Diagnostic(
            q.at((0, len(q.expr))),
            CODE,
            f"legend {legend!r} of panel {q.title!r} in dashboard {dashboard_title(q)!r} names "
            f"{', '.join(repr(m) for m in missing)}, which the query's result does not have "
            f"(it has: {', '.join(sorted(labels)) or 'none'}): Grafana writes it as nothing, "
            "so the series cannot be told apart",
            Severity.WARNING,
            "histogram_quantile drops le: take {{le}} out of the legend"
            if missing == ["le"] and "histogram_quantile" in q.expr
            else f"keep the label in the aggregation (sum by ({', '.join(sorted({*labels, *missing}))}) (...)) "
            "or name one the result has",
        )


# Lint only: a display problem, not a build's correctness (the house rule for
# warnings of style), and the type inference it needs for every legend of every
# panel was the largest cost of a dashboard build's checks (+12 % of its instructions).
CHECK = Check(CODE, "legend-label", "a legend must name labels the query's result has", run, Severity.WARNING, lint_only=True)
