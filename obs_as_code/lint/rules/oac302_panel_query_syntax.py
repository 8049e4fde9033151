"""OAC302: a panel's Prometheus query that is not valid PromQL (Grafana variables
such as ``$__rate_interval`` or ``$job`` are allowed)."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, query_tree, rendered, targets


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        for t in targets(board):
            if t.language != "promql":
                continue
            if t.data.get("hide") is True and not t.expr:
                continue
            _tree, problem = query_tree(ctx, t.expr)
            if problem is not None:
                yield error(
                    t.location,
                    "OAC302",
                    f"invalid PromQL in panel {panel_title(t.panel)!r} of dashboard {board.title!r}: "
                    f"{problem}: {t.expr}",
                )


CHECK = Check("OAC302", "panel-query-syntax", "every panel query must parse as PromQL", run)
