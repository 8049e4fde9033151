"""The panel and target of each parsed dashboard query, for the checks that judge
a query's inferred type (OAC315, OAC316) against what its target or panel says
(a legend, a unit). Per module in incremental builds, like every check reading
:meth:`LintContext.parsed_queries`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.lint.engine import LintContext, Query


def panel_queries(ctx: LintContext) -> Iterator[tuple[Query, Any, dict[str, Any], dict[str, Any]]]:
    """``(query, tree, panel, target)`` for every dashboard query that parses: the
    panel and the target are found by the query's data path (``(*panel path,
    "targets", k, "expr")``), a few lookups, not a second walk of the dashboard."""
    for q, root in ctx.parsed_queries():
        source = q.source
        path = q.path
        if q.origin != "panel" or source is None or len(path) < 3:
            continue
        node: Any = source.data
        for key in path[:-3]:
            node = node[key]
        target = node["targets"][path[-2]]
        if isinstance(node, dict) and isinstance(target, dict):
            yield q, root, node, target


def dashboard_title(q: Query) -> str:
    """The title of the dashboard ``q`` was read from (its name when it has none)."""
    data = q.source.data if q.source is not None else None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) else q.dashboard
