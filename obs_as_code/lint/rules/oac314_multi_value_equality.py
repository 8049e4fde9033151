"""OAC314: a variable that may hold several values (``multi``, or ``includeAll``)
matched with ``=`` or ``!=`` in a label matcher. Grafana writes such a variable as
a regex whenever it holds more than one value or All (``path="(a|b)"``,
``path=".*"``), which ``=`` compares literally: the panel shows "No data" as soon
as a second value is picked, and on a dashboard's first load (All). Panels (and
rows) repeated by the variable are left alone: each copy holds one value; so is
a hidden query no expression reads (Grafana does not run it)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    is_builtin,
    panel_title,
    query_token,
    rendered,
    runs,
    targets,
    variable_language,
    variable_names,
    variables,
)

#: A label matcher with ``=`` or ``!=`` and a quoted value: ``path="$path"``. The
#: name before the operator keeps LogQL's line filters (``|= "x"``, ``} != "x"``)
#: and comparisons (``== 1``) out. The reference pattern: :func:`matchers` finds
#: the same matches without trying it at every character (the check scans every
#: query of a dashboard that has a multi-value variable).
MATCHER = re.compile(r"""(?<![\w.])([A-Za-z_]\w*)\s*(!=|=)(?![=~])\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*')""")

#: What :data:`MATCHER` requires from the ``=`` on: ``re`` finds a pattern that
#: starts with a literal character at C speed.
_EQUALS = re.compile(r"""=(?![=~])\s*("(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*')""")
_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")


def matchers(expr: str) -> Iterator[tuple[str, str, str, tuple[int, int]]]:
    """``(label, operator, quoted value, span)`` of each match of :data:`MATCHER`
    in ``expr``, leftmost first, as ``MATCHER.finditer`` gives them: from each
    ``=`` and its quoted value, the name is read backwards."""
    pos = 0
    search = _EQUALS.search
    while True:
        m = search(expr, pos)
        if m is None:
            return
        at = m.start()
        op = "="
        if at and expr[at - 1] == "!":
            op, at = "!=", at - 1
        end = at
        while end and expr[end - 1].isspace():
            end -= 1
        start = end
        while start:
            c = expr[start - 1]
            if not (c.isalnum() or c == "_"):  # what ``\w`` matches
                break
            start -= 1
        if start < end and expr[start] in _NAME_START and not (start and expr[start - 1] == "."):
            yield expr[start:end], op, m.group(1), (start, m.end())
            pos = m.end()
        else:
            pos = m.start() + 1  # MATCHER would try on inside the value


#: Variable types whose value the user picks from a list.
_PICKED = frozenset({"query", "custom"})


def may_hold_several(var: dict[str, Any]) -> bool:
    """Whether the template variable ``var`` may hold several values: one picked
    from a list (query, custom) with ``multi`` or ``includeAll``."""
    return var.get("type") in _PICKED and (var.get("multi") is True or var.get("includeAll") is True)


def several_values(board: RenderedDashboard) -> set[str]:
    """Names of the variables of ``board`` that may hold several values."""
    return {str(v.get("name")) for v in variables(board) if v.get("name") and may_hold_several(v)}


def repeated_by(board: RenderedDashboard) -> dict[DataPath, str]:
    """Each panel path -> the variable it (or the row it is in) repeats by. An
    open row holds the panels that follow it; a collapsed row holds its own
    ``panels`` only, and the panels after it belong to no row (Grafana's
    ``createSceneObjectsForPanels``): a repeat of a collapsed row reaches no
    panel after it."""
    out: dict[DataPath, str] = {}
    row_repeat = ""
    for i, p in enumerate(board.json.get("panels") or []):
        if not isinstance(p, dict):
            continue
        own = _repeat(p)
        if p.get("type") == "row":
            row_repeat = "" if p.get("collapsed") is True else own
            for j, c in enumerate(p.get("panels") or []):
                if isinstance(c, dict):
                    out[("panels", i, "panels", j)] = _repeat(c) or own
            continue
        out[("panels", i)] = own or row_repeat
    return out


def _repeat(panel: dict[str, object]) -> str:
    repeat = panel.get("repeat")
    return repeat if isinstance(repeat, str) else ""


def misuses(expr: str, several: set[str]) -> Iterator[tuple[str, str, str, str, tuple[int, int]]]:
    """``(variable, label, operator, quoted value, span of the matcher)`` for each matcher of
    ``expr`` comparing with ``=`` / ``!=`` a value that uses one of ``several``."""
    for label, op, value, span in matchers(expr):
        if "$" not in value and "[[" not in value:
            continue  # no variable: most matchers
        for name in variable_names(value):
            if name in several and not is_builtin(name):
                yield name, label, op, value, span
                break


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        several = several_values(board)
        if not several:
            continue
        repeats: dict[DataPath, str] | None = None
        for t in targets(board):
            if t.language not in ("promql", "logql") or "=" not in t.expr or not runs(t):
                continue
            for name, label, op, value, span in misuses(t.expr, several):
                if repeats is None:
                    repeats = repeated_by(board)
                if repeats.get(t.panel_path) == name:
                    continue  # each repeated copy holds one value
                regex_op = "=~" if op == "=" else "!~"
                yield error(
                    query_token(ctx, board, t.path, t.expr, span) if t.language == "promql" else t.location,
                    "OAC314",
                    f"variable ${name} may hold several values (multi-value or All) but panel "
                    f"{panel_title(t.panel)!r} of dashboard {board.title!r} matches it with {label}{op}: "
                    f"Grafana then writes a regex ({label}{op}\"(a|b)\") and the panel shows no data",
                    hint=f"match it as a regex: {label}{regex_op}{value}",
                )
        yield from _in_variables(board, several)


def _in_variables(board: RenderedDashboard, several: set[str]) -> Iterator[Diagnostic]:
    """The same in the queries of query variables (``label_values(x{a="$b"}, c)``):
    the dropdown is empty as soon as ``$b`` holds two values. Only variables of a
    Prometheus or Loki datasource: the SQL datasources write a multi-value
    variable as a quoted list (``'a','b'``: ``IN ($b)`` is the fix) and InfluxQL
    matches a regex between slashes (``=~ /^$b$/``), so "use =~" would be a wrong
    fix there (panel targets: their language decides the same)."""
    for i, var in enumerate(variables(board)):
        if var.get("type") != "query" or variable_language(board, var) == "other":
            continue
        query = var.get("query")
        text = query.get("query") if isinstance(query, dict) else query
        if not isinstance(text, str) or "=" not in text:
            continue
        for name, label, op, value, _span in misuses(text, several):
            if name == var.get("name"):
                continue
            regex_op = "=~" if op == "=" else "!~"
            yield error(
                board.locate(("templating", "list", i)),
                "OAC314",
                f"variable ${name} may hold several values (multi-value or All) but variable "
                f"${var.get('name')} of dashboard {board.title!r} matches it with {label}{op}: "
                f"Grafana then writes a regex ({label}{op}\"(a|b)\") and the dropdown is empty",
                hint=f"match it as a regex: {label}{regex_op}{value}",
            )


CHECK = Check("OAC314", "multi-value-equality", "a multi-value variable must be matched with =~ or !~", run)
