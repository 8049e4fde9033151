"""The panel and target of each parsed dashboard query, for the checks that judge
a query's inferred type (OAC315, OAC316) against what its target or panel says
(a legend, a unit). Per module in incremental builds, like every check reading
:meth:`LintContext.parsed_queries`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.lint.engine import DashboardSource, LintContext, Query
from obs_as_code.lint.files import iter_targets

#: For each query text of one dashboard: its ``(panel, target)`` pairs, in the
#: order the dashboard's queries are listed.
_ByText = dict[str, list[tuple[dict[str, Any], dict[str, Any]]]]


def _by_text(source: DashboardSource) -> _ByText:
    """The targets of ``source`` by query text, in the order its queries are
    listed (:func:`~obs_as_code.lint.files.iter_targets`): the k-th query of a
    text is the k-th pair here."""
    out: _ByText = {}
    for path, _title, expr in iter_targets(source.data):
        node: Any = source.data
        panel: Any = None
        for i, key in enumerate(path[:-1]):
            if key == "targets" and i + 1 < len(path) - 1:
                panel = node
            node = node[key]
        if isinstance(panel, dict) and isinstance(node, dict):
            out.setdefault(expr, []).append((panel, node))
    return out


def panel_queries(ctx: LintContext) -> Iterator[tuple[Query, Any, dict[str, Any], dict[str, Any]]]:
    """``(query, tree, panel, target)`` for every dashboard query that parses."""
    by_source: dict[int, _ByText] = {}
    nth: dict[tuple[int, str], int] = {}
    for q, root in ctx.parsed_queries():
        source = q.source
        if q.origin != "panel" or source is None:
            continue
        found = by_source.get(id(source))
        if found is None:
            found = by_source[id(source)] = _by_text(source)
        written = found.get(q.expr)
        if not written:
            continue
        k = nth.get((id(source), q.expr), 0)
        nth[(id(source), q.expr)] = k + 1
        if k < len(written):
            panel, target = written[k]
            yield q, root, panel, target


def dashboard_title(q: Query) -> str:
    """The title of the dashboard ``q`` was read from (its name when it has none)."""
    data = q.source.data if q.source is not None else None
    title = data.get("title") if isinstance(data, dict) else None
    return title if isinstance(title, str) else q.dashboard
