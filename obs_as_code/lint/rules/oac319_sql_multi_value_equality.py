"""OAC319: a variable that may hold several values (``multi``, or ``includeAll``)
compared with ``=``, ``!=`` or ``<>`` in the SQL of a PostgreSQL, MySQL or
Microsoft SQL Server target. Grafana's SQL datasources write such a variable as a
comma-separated list of quoted literals (``'a','b'``; one value as ``'a'``, quoted
too), so ``host = $host`` is a syntax error once two values (or All) are picked,
and ``host = '$host'`` is one with any value (``''a''``): the list belongs in
``host IN ($host)``. The SQL of a query variable of such a datasource
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
    variable_type,
    variables,
)
from obs_as_code.lint.rules.oac314_multi_value_equality import may_hold_several, repeated_by

CODE = "OAC319"

#: The plugin types of Grafana's SQL datasources (PostgreSQL's before and after
#: Grafana 10.2 renamed it).
SQL_TYPES = frozenset({"postgres", "grafana-postgresql-datasource", "mysql", "mssql"})

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
    """A variable compared with ``=``, ``!=`` or ``<>``: its name, the operator,
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


def _findings(sql: str, several: dict[str, dict[str, Any]], repeat: str = "", own: str = "") -> Iterator[Comparison]:
    """The comparisons of ``sql`` that Grafana breaks: a quoted variable of
    ``several``, or a bare one that may be a list, not the one the panel repeats
    by (``repeat``) nor the variable whose query this is (``own``)."""
    for c in comparisons(sql):
        var = several.get(c.name)
        if var is None or is_builtin(c.name) or c.name == own:
            continue
        if not c.quoted and (not _list_when_bare(var) or c.name == repeat):
            continue  # one value, written 'a': = takes it
        yield c


def _message(c: Comparison, where: str) -> tuple[str, str]:
    said = (
        f"writes each value quoted ('a'), so {c.text} is sent with ''a'' in its place"
        if c.quoted
        else f"writes several values as a list ('a','b'), so {c.text} fails once two values or All are picked"
    )
    fix = "NOT IN" if c.op != "=" else "IN"
    return (
        f"variable ${c.name} may hold several values (multi-value or All) but {where} compares it with {c.op}: Grafana {said}",
        f"compare with the list, unquoted: ... {fix} (${c.name})",
    )


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
            sql = t.data.get("rawSql")
            if not isinstance(sql, str) or ("=" not in sql and "<>" not in sql) or ("$" not in sql and "[[" not in sql):
                continue
            if sql_kind(t) not in SQL_TYPES or not runs(t):
                continue
            if several is None:
                several = several_values(board)
            if not several:
                break
            if repeats is None:
                repeats = repeated_by(board)
            where = f"query {t.data.get('refId') or '?'} of panel {panel_title(t.panel)!r} of dashboard {board.title!r}"
            for c in _findings(sql, several, repeats.get(t.panel_path, "")):
                message, hint = _message(c, where)
                yield error(t.location, CODE, message, hint=hint)
        yield from _in_variables(board, several)


def _in_variables(board: RenderedDashboard, several: dict[str, dict[str, Any]] | None) -> Iterator[Diagnostic]:
    """The same in the SQL of the dashboard's query variables, at the variable."""
    for i, var in enumerate(variables(board)):
        if var.get("type") != "query":
            continue
        sql = _variable_sql(var.get("query"))
        if sql is None or ("=" not in sql and "<>" not in sql) or ("$" not in sql and "[[" not in sql):
            continue
        if variable_type(board, var) not in SQL_TYPES:
            continue
        if several is None:
            several = several_values(board)
        where = f"the query of variable ${var.get('name')} of dashboard {board.title!r}"
        for c in _findings(sql, several, own=str(var.get("name"))):
            message, hint = _message(c, where)
            yield error(board.locate(("templating", "list", i)), CODE, message + " (and the dropdown is empty)", hint=hint)


CHECK = Check(CODE, "sql-multi-value-equality", "a multi-value variable in SQL must be compared with IN (...)", run)
