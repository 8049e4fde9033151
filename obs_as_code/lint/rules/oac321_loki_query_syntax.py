"""OAC321: a Loki query that Loki cannot parse. Loki refuses it whole and the panel shows "parse error" instead of logs: a
line filter without its string (``{app="x"} |= ``), an unclosed parenthesis,
a label filter comparing a number with a string (``status >= "5"``), a range
aggregation without its range or with one it does not take (``sum_over_time``
without ``| unwrap``), a selector whose every matcher matches the empty
string (``{app=~".*"}``), a ``line_format`` or ``label_format`` template Go's
text/template refuses (``{{ .msg | tolower }}``: Loki's functions are
``ToLower`` and ``lower``; an unclosed ``{{``), which Loki parses when it builds
the query's pipeline and which fails the query whole, an ``ip()`` pattern that
is no address, CIDR prefix or range, or an ``ip()`` in a ``|~`` line filter
(``ip: invalid pattern``, ``ip: invalid operation``, also read when Loki builds
the pipeline) ... Read by :func:`obs_as_code.lint.logql.logql_problem`,
written from Loki 2.9.8's grammar and checks (what ``oac preview`` runs by
default), or Loki 3's (v3.7.6) when the project sets ``[tool.oac] loki-version =
"3.N"`` (:mod:`obs_as_code.target`). At 2.9, a query Loki 3 takes (``|= "a" or
"b"``, ``|> "<_> error <_>"``) is reported with a hint naming that setting.

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
from obs_as_code.lint.rules._loki import loki_queries, query_offset_location
from obs_as_code.lint.rules.oac318_loki_empty_selector import STRING
from obs_as_code.lint.rules.oac320_loki_regex import regex_problems
from obs_as_code.target import DEFAULT

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


def query_problem(expr: str, loki: tuple[int, int] = DEFAULT.loki) -> tuple[str, str, int] | None:
    """``(message, hint, offset in expr or -1)`` when Loki ``loki`` (``(2, 9)``, or ``(3, N)``: the
    project's ``loki-version``) cannot parse ``expr`` (a query as a dashboard
    holds it), None when it parses, or when its variables leave it unknown, or
    when OAC320 reports it (a regex)."""
    if not expr.strip():
        return None
    found = prepared(expr)
    if found is None:
        return None
    text, moves = found
    from obs_as_code.lint.logql import logql_problem  # imported when a dashboard has a Loki query

    problem = logql_problem(text, True, loki)
    if problem is None or problem.kind == "regex" or next(regex_problems(expr), None) is not None:
        return None
    offset = _original_offset(problem.offset, moves) if problem.offset >= 0 else -1
    if problem.kind == "selector":
        hint = _SELECTOR_HINT
    elif loki[0] < 3 and logql_problem(text, True, LOKI_3) is None:
        hint = _TAKEN_BY_3  # a false error if the project's Loki is 3.x
    elif problem.kind == "ip":
        hint = _IP_HINT
    elif problem.kind == "template":
        hint = _TEMPLATE_HINT.format(version="latest" if loki[0] >= 3 else "v2.9.x")
    elif loki[0] >= 3:
        hint = _HINT_3.format(version=f"{loki[0]}.{loki[1]}")
    else:
        hint = _HINT
    return f"{problem.message}{where(expr, offset)}", hint, offset


#: The Loki 3 release whose grammar is modelled (what a "3.N" target reads as).
LOKI_3 = (3, 7)
_HINT = "LogQL as Loki 2.9 reads it: https://grafana.com/docs/loki/v2.9.x/query/ (oac preview runs Loki 2.9)"
_TAKEN_BY_3 = ("Loki 3 takes this query, Loki 2.9 (the default target, what oac preview runs) does not: "
               'if your Loki is 3.x, set loki-version = "3.N" under [tool.oac] in pyproject.toml')
_HINT_3 = ('LogQL as Loki 3 reads it: https://grafana.com/docs/loki/latest/query/ '
           '([tool.oac] loki-version = "{version}"; oac preview runs that Loki)')
_TEMPLATE_HINT = ("a line_format or label_format template is a Go text/template with Loki's functions "
                  "(https://grafana.com/docs/loki/{version}/query/template_functions/); Loki parses it before it "
                  "reads a line and fails the query when Go refuses it")
_IP_HINT = ("ip() takes an address (192.168.0.1 or 2001:db8::1), a CIDR prefix (192.168.0.0/16) or a range "
            "(192.168.0.1-192.168.0.20, no spaces), in a |= or != line filter or a = or != label filter; Loki reads "
            "it before it reads a line and fails the query whole")
_SELECTOR_HINT = 'give the selector a matcher that cannot match the empty string, such as job="api" or job=~".+"'


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    seen: dict[str, tuple[str, str, int] | None] = {}
    loki = ctx.target.loki
    for board in rendered(ctx):
        for q in loki_queries(board):
            expr = q.expr
            if expr not in seen:
                seen[expr] = query_problem(expr, loki)
            found = seen[expr]
            if found is not None:
                message, hint, offset = found
                yield error(query_offset_location(ctx, q, offset), CODE,
                            f"Loki cannot parse the query of {q.what} of dashboard {board.title!r}: {message}", hint=hint)


CHECK = Check(CODE, "loki-query-syntax", "every Loki query must parse as LogQL (Loki 2.9, or [tool.oac] loki-version)", run)
