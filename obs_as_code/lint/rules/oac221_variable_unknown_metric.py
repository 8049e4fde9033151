"""OAC221: a Prometheus query variable reads a metric no catalog lists and no rule records.

``label_values(indexer_request_total{job="x"}, method)`` with a misspelt metric is
valid PromQL (OAC302 passes it), and Prometheus answers it with no values: the
dropdown is empty and every panel filtering on the variable shows nothing. OAC218
reports such a metric in a panel's query; this is the same check for the queries
of the dashboard's variables (``label_values``' selector, ``query_result``'s
expression, a series query), at the variable.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext, templated_name
from obs_as_code.lint.rules._dashboards import rendered, variable_language, variables
from obs_as_code.lint.rules.oac302_panel_query_syntax import variable_promql
from obs_as_code.lint.types import SYNTHETIC, nodes, selector_name

CODE = "OAC221"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    index = ctx.index
    if index is None:
        return  # without a catalog nothing is unknown
    names: list[str] | None = None
    for board in rendered(ctx):
        for i, var in enumerate(variables(board)):
            if var.get("type") != "query":
                continue
            expr = variable_promql(var.get("query"))
            if expr is None or variable_language(board, var) != "promql":
                continue
            tree, problem = ctx.panel_tree(expr)
            if problem is not None or tree is None:
                continue  # OAC302 reports it
            for node in nodes(tree, "VectorSelector"):
                name = selector_name(node)
                if name is None or name in SYNTHETIC or templated_name(name) or ctx.known_metric(name):
                    continue
                if names is None:
                    names = sorted(set(index.metrics) | set(ctx.recorded()))
                close = difflib.get_close_matches(name, names, n=1)
                yield error(
                    board.locate(("templating", "list", i)),
                    CODE,
                    f"unknown metric {name} in the query of variable ${var.get('name')} of dashboard {board.title!r}: "
                    "no catalog lists it and no rule records it, so the variable has no values",
                    hint=f"did you mean {close[0]}?" if close else "add it to the metrics catalog, or fix the name",
                )


CHECK = Check(CODE, "variable-unknown-metric", "every metric a query variable reads is in the catalog or recorded by a rule", run)
