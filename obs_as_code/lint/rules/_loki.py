"""The Loki queries of a rendered dashboard, found once for the Loki checks
(OAC320, OAC321): the queries of its panels' Loki targets that Grafana runs,
the stream selectors of its Loki query variables, and the queries of its
annotations on Loki, each with where to report it and how to name it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.lint.rules._dashboards import (
    panel_title,
    runs,
    targets,
    variable_language,
    variables,
)
from obs_as_code.lint.rules.oac318_loki_empty_selector import variable_stream
from obs_as_code.source import SourceLocation

if TYPE_CHECKING:
    from obs_as_code.lint.engine import LintContext


@dataclass(frozen=True, slots=True)
class LokiQuery:
    """One Loki query of a dashboard: its text, what holds it (``panel 'Logs'``,
    ``variable $pod``, ``annotation 'Deploys'``) and the data path reported."""

    board: RenderedDashboard
    path: DataPath
    what: str
    expr: str
    #: ``panel``, ``variable`` or ``annotation``.
    origin: str
    #: The data path of the string holding :attr:`expr`; None when the query is
    #: cut out of one (a variable's stream selector).
    expr_path: DataPath | None = None

    @property
    def location(self) -> SourceLocation:
        return self.board.locate(self.path)


def loki_queries(board: RenderedDashboard) -> list[LokiQuery]:
    """The dashboard's Loki queries, panels' first, then variables', then
    annotations' (listed once per dashboard: several checks read them)."""
    found: list[LokiQuery] | None = board.derived.get("loki_queries")
    if found is None:
        found = board.derived["loki_queries"] = _loki_queries(board)
    return found


def _loki_queries(board: RenderedDashboard) -> list[LokiQuery]:
    out: list[LokiQuery] = []
    for t in targets(board):
        if t.language == "logql" and runs(t):
            out.append(LokiQuery(board, t.path, f"panel {panel_title(t.panel)!r}", t.expr, "panel", (*t.path, "expr")))
    for i, var in enumerate(variables(board)):
        if var.get("type") != "query":
            continue
        stream = variable_stream(var.get("query"))
        if stream is not None and variable_language(board, var) == "logql":
            out.append(LokiQuery(board, ("templating", "list", i), f"variable ${var.get('name')}", stream, "variable"))
    annotations = board.json.get("annotations")
    listed = annotations.get("list") if isinstance(annotations, dict) else None
    for i, item in enumerate(listed if isinstance(listed, list) else []):
        found = annotation_query(item)
        if found is not None and variable_language(board, item) == "logql":
            name = item.get("name")
            where = ("annotations", "list", i)
            expr, within = found
            out.append(LokiQuery(board, where, f"annotation {name if isinstance(name, str) else ''!r}",
                                 expr, "annotation", (*where, *within)))
    return out


def annotation_query(item: Any) -> tuple[str, tuple[str, ...]] | None:
    """The query of an enabled annotation, with its path in the annotation: its
    ``target``'s ``expr`` (Grafana 10 keeps the query there), else its own
    ``expr`` (older dashboards); None for a disabled annotation or one without a
    query (Grafana's built-in ones)."""
    if not isinstance(item, dict) or item.get("enable") is False:
        return None
    target = item.get("target")
    within: tuple[str, ...]
    if isinstance(target, dict) and "expr" in target:
        expr, within = target["expr"], ("target", "expr")
    else:
        expr, within = item.get("expr"), ("expr",)
    return (expr, within) if isinstance(expr, str) and expr.strip() else None


def query_offset_location(ctx: LintContext, q: LokiQuery, offset: int) -> SourceLocation:
    """Where ``q.expr[offset]`` is written in the user's file: inside the string
    literal of a panel's or an annotation's query when the dashboard's source
    map places it there (a literal at or after the target's line), else the
    query's own location (a variable's stream is cut out of its query, and a query
    a helper or an f-string built is not in the file as such). An offset at the
    query's end is the column after its last character."""
    loc = q.location
    expr = q.expr
    if offset < 0:
        return loc
    end = len(expr.rstrip())
    if end == 0:
        return loc
    past = max(0, offset - (end - 1)) if offset >= end else 0
    start = min(offset, end - 1)
    path = q.expr_path
    if path is None:
        return loc
    for dash in ctx.all_dashboards():
        if dash.board is q.board:
            site = dash.locate(path) if dash.locate is not None else None
            if site is None:
                return loc
            found = site.locate_in_expr(expr, (start, start + 1))
            if found.file != loc.file or found < loc:
                return loc
            return SourceLocation(found.file, found.line, found.col + past) if past else found
    return loc
