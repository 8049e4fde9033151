"""The panel and target of each parsed dashboard query, for the checks that judge
a query's inferred type (OAC315, OAC316) against what its target or panel says
(a legend, a unit). Per module in incremental builds, like every check reading
:meth:`LintContext.dashboard_targets`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from obs_as_code.lint.engine import DashboardSource, LintContext, Query, panel_queries


class PanelTarget(NamedTuple):
    """A dashboard target whose query parses, with its tree, panel and target."""

    dash: DashboardSource
    #: Data path to the target's ``expr``: ``(*panel path, "targets", k, "expr")``.
    path: tuple[str | int, ...]
    title: str
    expr: str
    root: Any
    panel: dict[str, Any]
    target: dict[str, Any]

    def query(self) -> Query:
        """The :class:`Query` :meth:`LintContext.queries` has for this target
        (made here, for a finding: making one per target was most of the cost
        of a check that reports few)."""
        return next(panel_queries(self.dash, ((self.path, self.title, self.expr),)))


def panel_targets(ctx: LintContext) -> Iterator[PanelTarget]:
    """Every dashboard target whose query parses, in :meth:`LintContext.queries`
    order: the tree is the one :meth:`LintContext.panel_tree` has for the text
    (shared by queries of one shape), the panel and the target are found by the
    data path, a few lookups, not a second walk of the dashboard."""
    panel_tree = ctx.panel_tree
    for dash, found in ctx.dashboard_targets():
        data: Any = dash.data
        for path, title, expr in found:
            if len(path) < 3:
                continue
            root, problem = panel_tree(expr)
            if problem is not None:
                continue
            node: Any = data
            for key in path[:-3]:
                node = node[key]
            target = node["targets"][path[-2]]
            if isinstance(node, dict) and isinstance(target, dict):
                yield PanelTarget(dash, path, title, expr, root, node, target)


def dashboard_title(q: Query) -> str:
    """The title of the dashboard ``q`` was read from (its name when it has none)."""
    data = q.source.data if q.source is not None else None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) else q.dashboard
