"""OAC318: a Loki stream selector that every matcher lets match the empty string
once a variable is at "All": ``{job=~"$service"}`` with ``$service`` All as
``.*``. Loki refuses such a query ("queries require at least one regexp or
equality matcher that does not have an empty-compatible value"), and Grafana
selects All on a dashboard's first load. ``k.custom_var`` makes All ``.+``;
``k.query_var``'s default ``.*`` suits Prometheus."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    panel_title,
    rendered,
    targets,
    variable_names,
    variables,
)

CODE = "OAC318"

#: A quoted LogQL string (double quotes with escapes, or backquotes).
_STRING = r'"(?:[^"\\]|\\.)*"|`[^`]*`'
#: A stream selector: braces not inside a string (strings skipped whole).
_SELECTOR = re.compile(rf"{_STRING}|\{{((?:{_STRING}|[^{{}}\"`])*)\}}")
#: One matcher of a selector.
_MATCHER = re.compile(rf"([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*({_STRING})")


def _all_values(board_vars: list[dict[str, Any]]) -> dict[str, str]:
    """Each variable with an All option -> the text All stands for (its
    ``allValue``; without one Grafana writes every value as a regex, never empty)."""
    out: dict[str, str] = {}
    for v in board_vars:
        name, all_value = v.get("name"), v.get("allValue")
        if isinstance(name, str) and v.get("includeAll") is True and isinstance(all_value, str) and all_value:
            out[name] = all_value
    return out


def _matches_empty(op: str, value: str) -> bool:
    """Whether a matcher with ``op`` and (variable-free) ``value`` matches the
    empty string (a bad regex: Loki reports it itself, so not empty here)."""
    if op in ("!=", "!~"):
        return True  # every label but the named value, the absent one included
    if op == "=":
        return value == ""
    try:
        return re.fullmatch(value, "") is not None
    except re.error:
        return False


def empty_at_all(expr: str, all_values: dict[str, str]) -> list[tuple[str, list[str]]]:
    """``(selector, variables at All)`` for each stream selector of ``expr`` whose
    every matcher matches the empty string when those variables are All."""
    out: list[tuple[str, list[str]]] = []
    for m in _SELECTOR.finditer(expr):
        body = m.group(1)
        if body is None:
            continue  # a string
        matchers = list(_MATCHER.finditer(body))
        if not matchers:
            continue
        at_all: list[str] = []
        empty = True
        for mm in matchers:
            op, raw = mm.group(2), mm.group(3)[1:-1]
            names = variable_names(raw)
            if any(n not in all_values for n in names):
                empty = False  # a variable whose value is unknown here: not judged
                break
            value = raw
            for n in names:
                value = re.sub(rf"\$\{{{n}(?::[^}}]*)?\}}|\[\[{n}(?::[^\]]*)?\]\]|\${n}\b", lambda _m, n=n: all_values[n], value)
                at_all.append(n)
            if not _matches_empty(op, value):
                empty = False
                break
        if empty and at_all:
            out.append((m.group(0), sorted(set(at_all))))
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        all_values = _all_values(variables(board))
        if not all_values:
            continue
        for t in targets(board):
            if t.language != "logql" or "{" not in t.expr or ("$" not in t.expr and "[[" not in t.expr):
                continue
            for selector, names in empty_at_all(t.expr, all_values):
                shown = ", ".join(f"${n} ({all_values[n]})" for n in names)
                yield error(
                    t.location,
                    CODE,
                    f"Loki refuses {selector} in panel {panel_title(t.panel)!r} of dashboard {board.title!r} "
                    f"when {shown} is All: every matcher then matches the empty string",
                    hint='make All non-empty: k.query_var(..., all_value=".+") (k.custom_var\'s default), '
                    "or add a matcher such as job=\"...\"",
                )


CHECK = Check(CODE, "loki-empty-selector", "a Loki stream selector must keep a non-empty matcher at All", run)
