"""OAC302: a panel's Prometheus query that is not valid PromQL (Grafana variables
such as ``$__rate_interval`` or ``$job`` are allowed). An empty query is a warning:
Grafana does not run it. The PromQL of a Prometheus query variable is read too
(``label_values(selector, label)``'s selector and a series query, which Grafana
sends as ``match[]``; ``query_result(expr)``'s expression): Prometheus refuses it
the same way (``label_values({job=~".*"}, instance)``: "vector selector must
contain at least one non-empty matcher"), and the dropdown is empty."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.dashboards.variable_queries import (
    LABEL_NAMES,
    LABEL_VALUES,
    METRICS,
    QUERY_RESULT,
    selector_filter,
)
from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.lint.engine import GRAFANA_VAR, Check, LintContext, grafana_expr, grafana_offset
from obs_as_code.lint.promql_errors import position, said, token_span
from obs_as_code.lint.rules._dashboards import (
    panel_title,
    promql_targets,
    query_token,
    rendered,
    variable_language,
    variable_names,
    variables,
)
from obs_as_code.lint.rules.oac108_promql_syntax import regex_problem
from obs_as_code.lint.rules.oac318_loki_empty_selector import all_values_of, shown, write_at_all
from obs_as_code.source import SourceLocation

#: What only LogQL has: a line filter after a stream selector (``} |= "x"``,
#: ``} != "x"``, ``|~``, ``!~``) or a parser / formatting stage (``| json``).
_LOGQL = re.compile(
    r"\}\s*(?:\|[=~]|![=~]\s*[\"`])|\|[=~]\s*[\"`]"
    r"|\|\s*(?:json|logfmt|pattern|regexp|unpack|line_format|label_format|decolorize|drop|keep|unwrap)\b"
)

#: The hint for a LogQL query in a Prometheus target.
LOGQL_HINT = (
    "this is LogQL, a Loki query, in a target Grafana sends to Prometheus: write it with "
    "k.loki(...) (the declared Loki datasource) or give the target a Loki datasource"
)


def looks_like_logql(expr: str) -> bool:
    """Whether ``expr`` (which did not parse as PromQL) has a LogQL line filter or
    pipeline stage: the author meant a Loki target."""
    return _LOGQL.search(expr) is not None


def variable_promql(query: Any) -> str | None:
    """The PromQL Prometheus parses for a Prometheus query variable whose query is
    ``query`` (its text, or the editor's ``{"query": ...}``): the selector of
    ``label_values`` (none when it has no filter, or ``{}``: Grafana then sends no
    ``match[]``), the expression of ``query_result``, a series selector; None for
    ``label_names(...)``, ``metrics(...)`` (no PromQL) and an empty query."""
    text = query.get("query") if isinstance(query, dict) else query
    if not isinstance(text, str) or not text.strip():
        return None
    text = text.strip()
    m = LABEL_VALUES.match(text)
    if m is not None:
        return selector_filter(m.group(1))
    if LABEL_NAMES.match(text) or METRICS.match(text):
        return None
    m = QUERY_RESULT.match(text)
    return m.group(1).strip() if m is not None else text


def _in_variables(ctx: LintContext, board: RenderedDashboard) -> Iterator[Diagnostic]:
    """The PromQL of the dashboard's Prometheus query variables that does not
    parse, at the variable; and a selector that has no non-empty matcher once
    the variables it uses are at All (``label_values({job=~"$job"}, instance)``
    with All as ``.*``), read by writing them in as Grafana does."""
    board_vars = variables(board)
    all_values: dict[str, str] | None = None
    for i, var in enumerate(board_vars):
        if var.get("type") != "query":
            continue
        expr = variable_promql(var.get("query"))
        if expr is None or variable_language(board, var) != "promql":
            continue
        _tree, problem = ctx.panel_tree(expr)
        if problem is not None:
            found = in_query(expr, problem)
            problem = problem if found is None else found[1]
            yield error(
                board.locate(("templating", "list", i)),
                "OAC302",
                f"Prometheus refuses the query of variable ${var.get('name')} of dashboard {board.title!r}: "
                f"{problem}: {_short(expr)}",
                hint=_EMPTY_HINT if _NO_MATCHER in problem else None,
            )
            continue
        if "$" not in expr and "[[" not in expr:
            continue
        if all_values is None:
            all_values = all_values_of(board_vars)
        names = sorted({n for n in variable_names(expr) if n in all_values and n != var.get("name")})
        if not names:
            continue
        at_all = write_at_all(expr, all_values, empty="()")  # the Prometheus datasource's regex of no values
        _tree, problem = ctx.panel_tree(at_all)
        if problem is not None and _NO_MATCHER in problem:
            said = ", ".join(shown(n, all_values[n]) for n in names)
            yield error(
                board.locate(("templating", "list", i)),
                "OAC302",
                f"Prometheus refuses the query of variable ${var.get('name')} of dashboard {board.title!r} "
                f"when {said} is All: {problem}: {_short(at_all)}",
                hint=_EMPTY_HINT + ', or make All non-empty: k.query_var(..., all_value=".+")',
            )


def _short(expr: str) -> str:
    return expr if len(expr) <= 200 else expr[:200] + " ..."


_NO_MATCHER = "non-empty matcher"
_EMPTY_HINT = 'give the selector a matcher that cannot match the empty string: a metric name (up{job=~".*"}), job=~".+" or job!=""'


def _regex_problem(tree: Any, seen: dict[int, str | None]) -> str | None:
    """What Prometheus says of the first regex matcher of ``tree`` (a panel
    query's) that Go's regexp refuses, None when there is none: the panel then
    shows "bad_data". A value holding a Grafana variable is left alone (what
    Prometheus compiles is the value once the variable is written in). Cached in
    ``seen`` by tree: the shape-cached trees keep their regex values."""
    key = id(tree)
    if key not in seen:
        seen[key] = regex_problem(tree, skip=_has_variable)
    return seen[key]


def _has_variable(value: str) -> bool:
    return "$" in value or "[[" in value


def in_query(expr: str, problem: str) -> tuple[int, str] | None:
    """``(offset in expr, message)`` of a parse error of the Grafana query
    ``expr`` (:mod:`obs_as_code.lint.promql_errors`), None when ``problem`` is
    none: the error is of the query with its variables written in
    (:func:`grafana_expr`), so its position is mapped back and counted in
    ``expr``; one that falls in what was written for a variable says so."""
    found = said(grafana_expr(expr), problem)
    if found is None:
        return None
    offset, in_variable = grafana_offset(expr, found.offset)
    line, col = position(expr, offset)
    text = f"{line}:{col}: parse error: {found.message}"
    if in_variable:
        variable = GRAFANA_VAR.match(expr, offset)
        name = variable.group() if variable is not None else expr[offset : offset + 1]
        text += f", read where the query has {name} (oac writes a value in for a Grafana variable to parse the query)"
    return offset, text


def _where(
    ctx: LintContext, board: RenderedDashboard, path: DataPath, expr: str, problem: str, fallback: SourceLocation
) -> tuple[SourceLocation, str]:
    """Where a panel query is wrong (the item Prometheus's parse error names,
    in the user's file), and the error said of the user's text (:func:`in_query`).
    Unknown errors stay at the target."""
    found = in_query(expr, problem)
    if found is None:
        return fallback, problem
    offset, text = found
    start, end = token_span(expr, offset)
    at = query_token(ctx, board, path, expr, (start, end))
    if offset >= end and at != fallback:
        at = SourceLocation(at.file, at.line, at.col + end - start)
    return at, text


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    regexes: dict[int, str | None] = {}
    panel_tree = ctx.panel_tree
    known = ctx._panel_trees  # what panel_tree() returns first, without a call per target
    for board in rendered(ctx):
        for t in promql_targets(board):
            expr = t.expr
            if not expr and t.data.get("hide") is True:
                continue
            raw = t.data.get("expr")
            if not expr.strip() and (raw is None or isinstance(raw, str)):
                # Grafana's Prometheus datasource sends no query without expr (its
                # filterQuery drops it as it drops a hidden one): the panel works,
                # the target is a leftover.
                yield warning(
                    t.location,
                    "OAC302",
                    f"query {t.data.get('refId') or '?'} of panel {panel_title(t.panel)!r} of dashboard "
                    f"{board.title!r} is empty: Grafana does not run it",
                    hint="remove the empty target, or write its query",
                )
                continue
            if not expr and raw is not None and not isinstance(raw, str):
                # Read as "" by the walk: say what it is rather than "empty expression".
                yield error(
                    t.location,
                    "OAC302",
                    f"query of panel {panel_title(t.panel)!r} of dashboard {board.title!r} must be "
                    f"a string of PromQL, not {type(raw).__name__} ({raw!r})",
                )
                continue
            tree, problem = known.get(expr) or panel_tree(expr)
            if problem is None and ("=~" in expr or "!~" in expr):
                problem = _regex_problem(tree, regexes)
            if problem is not None:
                location, problem = _where(ctx, board, t.path, expr, problem, t.location)
                yield error(
                    location,
                    "OAC302",
                    f"invalid PromQL in panel {panel_title(t.panel)!r} of dashboard {board.title!r}: "
                    f"{problem}: {t.expr if len(t.expr) <= 200 else t.expr[:200] + ' ...'}",
                    hint=LOGQL_HINT if looks_like_logql(expr) else _EMPTY_HINT if _NO_MATCHER in problem else None,
                )
        yield from _in_variables(ctx, board)


CHECK = Check("OAC302", "panel-query-syntax", "every panel query must parse as PromQL", run)
