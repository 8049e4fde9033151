"""OAC321: a Loki query that Loki cannot parse. Loki 2.9 (what ``oac preview``
runs) refuses it whole and the panel shows "parse error" instead of logs: a
line filter without its string (``{app="x"} |= ``), an unclosed parenthesis,
a label filter comparing a number with a string (``status >= "5"``), a range
aggregation without its range or with one it does not take (``sum_over_time``
without ``| unwrap``), a selector whose every matcher matches the empty
string (``{app=~".*"}``) ... Read by :func:`obs_as_code.lint.logql.logql_problem`,
written from Loki 2.9.8's grammar and checks.

The queries read are the dashboard's Loki queries (panels' targets, query
variables' stream selectors, annotations). A Grafana variable inside a string
is left to Grafana (the value is not judged); one outside strings makes the
text unknown (``by ($label)``, ``topk($k, ...)``), so the query is skipped,
but for the interval variables (``[$__interval]``, ``[$__auto]`` ...), read as
the duration Grafana writes. A regex Go refuses is OAC320's: a query OAC320
reports is not reported again here."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import rendered
from obs_as_code.lint.rules._loki import loki_queries
from obs_as_code.lint.rules.oac318_loki_empty_selector import STRING
from obs_as_code.lint.rules.oac320_loki_regex import regex_problems

CODE = "OAC321"

#: A string (skipped whole: a variable in it is Grafana's to write), or a
#: variable reference outside strings (``$x``, ``${x}``, ``${x:fmt}``, ``[[x]]``).
_OUTSIDE = re.compile(rf"{STRING}|\$\{{(\w+)(?:[.:][^}}]*)?\}}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")
#: What Grafana writes for its interval variables: a duration, or a number.
_INTERVALS = {
    "__interval": "1m", "__rate_interval": "1m", "__range": "1m", "__auto": "1m",
    "__interval_ms": "60000", "__range_ms": "60000", "__range_s": "60",
}  # fmt: skip


def prepared(expr: str) -> tuple[str, list[tuple[int, int, int, int]]] | None:
    """``expr`` with its interval variables written as Grafana writes them, and
    the replacements made (offset in the result, start and end in ``expr``,
    length written); None when a variable outside strings leaves the query unknown."""
    if "$" not in expr and "[[" not in expr:
        return expr, []
    parts: list[str] = []
    moves: list[tuple[int, int, int, int]] = []
    last = 0
    size = 0
    for m in _OUTSIDE.finditer(expr):
        name = m.group(1) or m.group(2) or m.group(3)
        if name is None:
            continue  # a string
        value = _INTERVALS.get(name)
        if value is None:
            return None
        parts.append(expr[last : m.start()])
        size += m.start() - last
        moves.append((size, m.start(), m.end(), len(value)))
        parts.append(value)
        size += len(value)
        last = m.end()
    parts.append(expr[last:])
    return "".join(parts), moves


def _original_offset(offset: int, moves: list[tuple[int, int, int, int]]) -> int:
    """The offset in the user's query of ``offset`` in the prepared one."""
    shift = 0
    for at, start, end, length in moves:
        if offset < at:
            break
        if offset < at + length:
            return start
        shift = end - (at + length)
    return offset + shift


def where(expr: str, offset: int) -> str:
    """``at line L, column C of the query: <text there>`` for a problem about
    ``expr[offset]``; ``""`` when it is about the whole query."""
    if offset < 0:
        return ""
    line = expr.count("\n", 0, offset) + 1
    column = offset - (expr.rfind("\n", 0, offset) + 1) + 1
    at = f"line {line}, column {column}" if "\n" in expr else f"column {column}"
    rest = expr[offset:].split("\n", 1)[0]
    shown = rest if len(rest) <= 40 else rest[:40] + " ..."
    return f" (at {at} of the query: `{shown}`)" if shown else f" (at {at} of the query: its end)"


def query_problem(expr: str) -> tuple[str, str] | None:
    """``(message, hint)`` when Loki 2.9 cannot parse ``expr`` (a query as a
    dashboard holds it), None when it parses, or when its variables leave it
    unknown, or when OAC320 reports it (a regex)."""
    if not expr.strip():
        return None
    found = prepared(expr)
    if found is None:
        return None
    text, moves = found
    from obs_as_code.lint.logql import logql_problem  # imported when a dashboard has a Loki query

    problem = logql_problem(text, True)
    if problem is None or problem.kind == "regex" or next(regex_problems(expr), None) is not None:
        return None
    offset = _original_offset(problem.offset, moves) if problem.offset >= 0 else -1
    hint = _SELECTOR_HINT if problem.kind == "selector" else _HINT
    return f"{problem.message}{where(expr, offset)}", hint


_HINT = "LogQL as Loki 2.9 reads it: https://grafana.com/docs/loki/v2.9.x/query/ (oac preview runs Loki 2.9)"
_SELECTOR_HINT = 'give the selector a matcher that cannot match the empty string, such as job="api" or job=~".+"'


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    seen: dict[str, tuple[str, str] | None] = {}
    for board in rendered(ctx):
        for q in loki_queries(board):
            expr = q.expr
            if expr not in seen:
                seen[expr] = query_problem(expr)
            found = seen[expr]
            if found is not None:
                message, hint = found
                yield error(q.location, CODE, f"Loki cannot parse the query of {q.what} of dashboard {board.title!r}: {message}",
                            hint=hint)


CHECK = Check(CODE, "loki-query-syntax", "every Loki query must parse as LogQL (Loki 2.9)", run)
