"""OAC302: a panel's Prometheus query that is not valid PromQL (Grafana variables
such as ``$__rate_interval`` or ``$job`` are allowed)."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, promql_targets, rendered


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    panel_tree = ctx.panel_tree
    known = ctx._panel_trees  # what panel_tree() returns first, without a call per target
    for board in rendered(ctx):
        for t in promql_targets(board):
            expr = t.expr
            if not expr and t.data.get("hide") is True:
                continue
            raw = t.data.get("expr")
            if not expr and raw is not None and not isinstance(raw, str):
                # Read as "" by the walk: say what it is rather than "empty expression".
                yield error(
                    t.location,
                    "OAC302",
                    f"query of panel {panel_title(t.panel)!r} of dashboard {board.title!r} must be "
                    f"a string of PromQL, not {type(raw).__name__} ({raw!r})",
                )
                continue
            _tree, problem = known.get(expr) or panel_tree(expr)
            if problem is not None:
                yield error(
                    t.location,
                    "OAC302",
                    f"invalid PromQL in panel {panel_title(t.panel)!r} of dashboard {board.title!r}: "
                    f"{problem}: {t.expr if len(t.expr) <= 200 else t.expr[:200] + ' ...'}",
                )


CHECK = Check("OAC302", "panel-query-syntax", "every panel query must parse as PromQL", run)
