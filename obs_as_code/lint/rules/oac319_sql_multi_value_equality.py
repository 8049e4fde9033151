"""OAC319: a variable that may hold several values (``multi``, or ``includeAll``)
compared with ``=``, ``!=`` or ``<>`` in the SQL of a PostgreSQL, MySQL or
Microsoft SQL Server target. Grafana's SQL datasources write such a variable as a
comma-separated list of quoted literals (``'a','b'``; one value as ``'a'``, quoted
too), so ``host = $host`` is a syntax error once two values (or All) are picked,
and ``host = '$host'`` is one with any value (``''a''``): the list belongs in
``host IN ($host)``; quoted in an ``IN`` list (``host IN ('$host')``) it is
broken the same way (``IN (''a','b'')``). ClickHouse targets are read too: Altinity's
plugin quotes values as the SQL datasources do; Grafana's own quotes a list
(``'a','b'``) but writes one value as it is, so there a quoted reference breaks
only where a bare one does. The SQL of a query variable of such a datasource
(``SELECT host FROM hosts WHERE region = $region``) is read too, and reported
at the variable: its dropdown is empty then. A variable compared bare in a panel repeated by it (or in a
row repeated by it) holds one value there and is left alone; so is an
``includeAll`` variable with a custom All value that is not ``multi`` compared
bare (it holds one value, and All is its custom text, written as it is)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    VARIABLE,
    Target,
    is_builtin,
    panel_title,
    rendered,
    runs,
    targets,
    variable_names,
    variable_type,
    variables,
)
from obs_as_code.lint.rules.oac314_multi_value_equality import may_hold_several, repeated_by

CODE = "OAC319"

#: The plugin types of Grafana's SQL datasources (PostgreSQL's before and after
#: Grafana 10.2 renamed it), and Altinity's ClickHouse plugin, which writes a
#: multi-value or include-All variable the same way: each value quoted, one value
#: too, joined by commas (numbers bare when every option is a number).
SQL_TYPES = frozenset({"postgres", "grafana-postgresql-datasource", "mysql", "mssql", "vertamedia-clickhouse-datasource"})
#: Grafana's own ClickHouse plugin: it quotes the values of a list (``'a','b'``,
#: several values, or All without a custom All value) and writes one value as it
#: is (``a``). A quoted reference breaks only once the variable holds a list.
CLICKHOUSE = "grafana-clickhouse-datasource"
#: Where each plugin keeps a target's SQL: Altinity's in ``query``.
_SQL_KEY = {"vertamedia-clickhouse-datasource": "query"}

#: One SQL token: a comment, a quoted string or identifier (kept whole), a
#: variable reference (:data:`VARIABLE`: ``$name``, ``${name:format}``,
#: ``[[name]]`` ...), a comparison operator, a word, or any other character.
#: ``[[name]]`` is tried before a Transact-SQL ``[identifier]``.
_TOKEN = re.compile(
    r"(?P<comment>--[^\n]*|/\*.*?(?:\*/|\Z))"
    r"|(?P<string>'(?:[^'\\]|''|\\.)*(?:'|\Z)|\"(?:[^\"\\]|\"\"|\\.)*(?:\"|\Z)|`[^`]*(?:`|\Z))"
    rf"|(?P<ref>{VARIABLE.pattern})"
    r"|(?P<ident>\[[^\]\[]*\])"
    r"|(?P<op><>|!=|<=|>=|=)"
    r"|(?P<word>\w+)"
    r"|(?P<space>\s+)"
    r"|(?P<other>.)",
    re.S,
)
#: The operators that compare with one value.
_EQUALITY = frozenset({"=", "!=", "<>"})


@dataclass(frozen=True, slots=True)
class Comparison:
    """A variable compared with ``=``, ``!=`` or ``<>``, or quoted in an ``IN``
    list (``IN ('$v')``, op ``IN`` or ``NOT IN``): its name, the operator,
    whether it is quoted (``'$v'``), the comparison's text and span in the SQL."""

    name: str
    op: str
    quoted: bool
    text: str
    span: tuple[int, int]


def _operand(kind: str, text: str) -> tuple[str, bool] | None:
    """``(variable, quoted)`` when the token ``text`` (of group ``kind``) is a
    variable reference alone, bare or between quotes."""
    if kind == "ref":
        m = VARIABLE.fullmatch(text)
    elif kind == "string" and len(text) >= 2 and text[0] in "'\"" and text[-1] == text[0]:
        m = VARIABLE.fullmatch(text[1:-1])
    else:
        return None
    if m is None:
        return None
    name = m.group(1) or m.group(2) or m.group(3)
    return (name, kind == "string") if name else None


def comparisons(sql: str) -> list[Comparison]:
    """Each comparison ``x = $v``, ``x <> '$v'``, ``'$v' != x`` ... of ``sql``
    whose one side is a variable reference alone; comments and the insides of
    other strings are skipped."""
    tokens: list[tuple[str, str, int, int]] = []
    for m in _TOKEN.finditer(sql):
        kind = m.lastgroup or "other"
        if kind in ("space", "comment"):
            continue
        tokens.append((kind, m.group(), m.start(), m.end()))
    out: list[Comparison] = []
    for i, (kind, text, _start, _end) in enumerate(tokens):
        if kind == "word" and text.upper() == "IN":
            out.extend(_quoted_in_list(sql, tokens, i))
            continue
        if kind != "op" or text not in _EQUALITY:
            continue
        for j in (i + 1, i - 1):
            if not 0 <= j < len(tokens):
                continue
            found = _operand(tokens[j][0], tokens[j][1])
            if found is None:
                continue
            other = i - 1 if j > i else i + 1
            lo = min(j, other) if 0 <= other < len(tokens) else min(i, j)
            hi = max(j, other) if 0 <= other < len(tokens) else max(i, j)
            start, end = tokens[lo][2], tokens[hi][3]
            out.append(Comparison(found[0], text, found[1], sql[start:end], (start, end)))
            break
    return out


def _quoted_in_list(sql: str, tokens: list[tuple[str, str, int, int]], i: int) -> Iterator[Comparison]:
    """The variables quoted alone in the list of the ``IN`` at ``tokens[i]``
    (``x IN ('$v')``, ``x NOT IN ('a', '${v}')``): Grafana quotes their values
    already. Each is a :class:`Comparison` whose text runs from the operand
    before ``IN`` (or ``NOT``) to the list's closing parenthesis."""
    if i + 1 >= len(tokens) or tokens[i + 1][1] != "(":
        return
    negated = i >= 1 and tokens[i - 1][0] == "word" and tokens[i - 1][1].upper() == "NOT"
    first = i - 1 if negated else i
    lo = first - 1 if first >= 1 else first
    depth = 0
    found: list[str] = []
    end = len(sql)
    for kind, text, _start, stop in tokens[i + 1 :]:
        if text == "(":
            depth += 1
        elif text == ")":
            depth -= 1
            if depth == 0:
                end = stop
                break
        elif depth == 1 and kind == "string":
            operand = _operand(kind, text)
            if operand is not None:
                found.append(operand[0])
    start = tokens[lo][2] if tokens[lo][0] in ("word", "ref", "string", "ident") else tokens[first][2]
    for name in found:
        yield Comparison(name, "NOT IN" if negated else "IN", True, sql[start:end], (start, end))


def several_values(board: RenderedDashboard) -> dict[str, dict[str, Any]]:
    """The variables of ``board`` that may hold several values (query and custom
    variables with ``multi`` or ``includeAll``), by name."""
    out: dict[str, dict[str, Any]] = {}
    for v in variables(board):
        name = v.get("name")
        if isinstance(name, str) and name and may_hold_several(v):
            out[name] = v
    return out


def _list_when_bare(var: dict[str, Any]) -> bool:
    """Whether the variable, written bare, may be a list of several values:
    ``multi``, or All without a custom All value (every value)."""
    all_value = var.get("allValue")
    return var.get("multi") is True or not (isinstance(all_value, str) and all_value)


def sql_kind(t: Target) -> str:
    """The plugin type of the target's datasource; for a target with ``rawSql``
    that names none, the dashboard's default datasource's."""
    return t.kind or (t.board.default_type or "" if "rawSql" in t.data else "")


def _is_sql(kind: str | None) -> bool:
    return kind in SQL_TYPES or kind == CLICKHOUSE


def _findings(
    sql: str, several: dict[str, dict[str, Any]], repeat: str = "", own: str = "", kind: str = ""
) -> Iterator[Comparison]:
    """The comparisons of ``sql`` that Grafana breaks: a quoted variable of
    ``several``, or a bare one that may be a list, not the one the panel repeats
    by (``repeat``) nor the variable whose query this is (``own``). For Grafana's
    ClickHouse plugin (``kind``), which writes one value as it is, a quoted one
    breaks only where a bare one does: once it may be a list."""
    guarded = _conditional_all(sql) if kind == CLICKHOUSE and "$__conditionalAll(" in sql else []
    for c in comparisons(sql):
        var = several.get(c.name)
        if var is None or is_builtin(c.name) or c.name == own:
            continue
        if (not c.quoted or kind == CLICKHOUSE) and (not _list_when_bare(var) or c.name == repeat):
            continue  # one value, written 'a' (or a, by ClickHouse's plugin): = takes it
        if var.get("multi") is not True and any(n == c.name and lo <= c.span[0] and c.span[1] <= hi for n, lo, hi in guarded):
            continue  # All (its only list) turns the condition into 1=1
        yield c


_CONDITIONAL_ALL = "$__conditionalAll("


def _conditional_all(sql: str) -> list[tuple[str, int, int]]:
    """``(variable, start, end)`` of the condition of each ``$__conditionalAll(condition,
    $v)`` of Grafana's ClickHouse plugin, which it replaces by ``1=1`` when ``$v``
    is All (or empty)."""
    out: list[tuple[str, int, int]] = []
    at = sql.find(_CONDITIONAL_ALL)
    while at != -1:
        start = at + len(_CONDITIONAL_ALL)
        depth, comma, i = 1, -1, start
        while i < len(sql) and depth:
            ch = sql[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 1 and comma == -1:
                comma = i
            i += 1
        if comma != -1 and depth == 0:
            names = variable_names(sql[comma + 1 : i - 1])
            if names:
                out.append((names[0], start, comma))
        at = sql.find(_CONDITIONAL_ALL, start)
    return out


#: What Grafana writes for two values ``a`` and ``b`` of a variable given a
#: format (``${v:csv}``): the format replaces the datasource's own quoting.
_FORMAT_SHOWS = {
    "csv": "a,b", "raw": "a,b", "pipe": "a|b", "text": "a + b", "regex": "(a|b)", "glob": "{a,b}",
    "distributed": "a,v=b", "percentencode": "%7Ba%2Cb%7D", "singlequote": "'a','b'",
    "sqlstring": "'a','b'", "doublequote": '"a","b"', "json": '["a","b"]', "lucene": '("a" OR "b")',
}  # fmt: skip
_FORMAT = re.compile(r"\$\{\w+(?:\.[^:}]+)?:(\w+)|\[\[\w+:(\w+)\]\]")


def _message(c: Comparison, where: str, kind: str = "") -> tuple[str, str]:
    m = _FORMAT.search(c.text)
    fmt = (m.group(1) or m.group(2)) if m else None
    shows = _FORMAT_SHOWS.get(fmt or "")
    if fmt is not None and shows is not None:
        # The format's text, not the datasource's quoting: quoted, a format that
        # writes no quotes gives valid SQL that matches one string.
        if c.quoted and "'" not in shows:
            result = f"matches the one string '{shows}'"
        else:
            sent = f"'{shows}'" if c.quoted else shows
            result = f"is sent with {sent} in its place"
        said = f"writes ${{{c.name}:{fmt}}} of two values as {shows}, so {c.text} {result} once two values or All are picked"
    elif c.quoted and kind == CLICKHOUSE:
        said = f"writes several values as a quoted list ('a','b'), so {c.text} is sent with ''a','b'' in its place once two values or All are picked"
    elif c.quoted:
        said = f"writes each value quoted ('a'), so {c.text} is sent with ''a'' in its place"
    else:
        said = f"writes several values as a list ('a','b'), so {c.text} fails once two values or All are picked"
    fix = "IN" if c.op in ("=", "IN") else "NOT IN"
    how = f"quotes it in {c.op} (...)" if c.op in ("IN", "NOT IN") else f"compares it with {c.op}"
    return (
        f"variable ${c.name} may hold several values (multi-value or All) but {where} {how}: Grafana {said}",
        f"compare with the list, unquoted: ... {fix} (${c.name})",
    )


def _may_compare(sql: str) -> bool:
    """Whether ``sql`` may hold a comparison :func:`comparisons` finds (a quick
    test before the tokens are read): an equality or an ``IN``, and a variable."""
    return ("=" in sql or "<>" in sql or "in" in sql.lower()) and ("$" in sql or "[[" in sql)


def _variable_sql(query: Any) -> str | None:
    """The SQL of a query variable: its query text, or the editor's ``rawSql``."""
    if isinstance(query, dict):
        query = query.get("rawSql") or query.get("query")
    return query if isinstance(query, str) else None


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        several: dict[str, dict[str, Any]] | None = None
        repeats: dict[DataPath, str] | None = None
        for t in targets(board):
            kind = sql_kind(t)
            sql = t.data.get(_SQL_KEY.get(kind, "rawSql"))
            if not isinstance(sql, str) or not _may_compare(sql):
                continue
            if not _is_sql(kind) or not runs(t):
                continue
            if several is None:
                several = several_values(board)
            if not several:
                break
            if repeats is None:
                repeats = repeated_by(board)
            where = f"query {t.data.get('refId') or '?'} of panel {panel_title(t.panel)!r} of dashboard {board.title!r}"
            for c in _findings(sql, several, repeats.get(t.panel_path, ""), kind=kind):
                message, hint = _message(c, where, kind)
                yield error(t.location, CODE, message, hint=hint)
        yield from _in_variables(board, several)


def _in_variables(board: RenderedDashboard, several: dict[str, dict[str, Any]] | None) -> Iterator[Diagnostic]:
    """The same in the SQL of the dashboard's query variables, at the variable."""
    for i, var in enumerate(variables(board)):
        if var.get("type") != "query":
            continue
        sql = _variable_sql(var.get("query"))
        if sql is None or not _may_compare(sql):
            continue
        kind = variable_type(board, var) or ""
        if not _is_sql(kind):
            continue
        if several is None:
            several = several_values(board)
        where = f"the query of variable ${var.get('name')} of dashboard {board.title!r}"
        for c in _findings(sql, several, own=str(var.get("name")), kind=kind):
            message, hint = _message(c, where, kind)
            yield error(board.locate(("templating", "list", i)), CODE, message + " (and the dropdown is empty)", hint=hint)


CHECK = Check(CODE, "sql-multi-value-equality", "a multi-value variable in SQL must be compared with IN (...)", run)
