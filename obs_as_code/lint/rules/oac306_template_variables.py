"""OAC306: template variables used but not defined (the query Grafana runs keeps a
literal ``$job`` and matches nothing: an error), or defined but never used (a
dropdown that changes nothing: a warning). ``${var.field}`` uses ``var``;
``$__auto_interval_<name>`` uses interval variable ``<name>``."""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from typing import Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    VARIABLE,
    datasource_var_call,
    is_builtin,
    is_expression,
    panels,
    query_token,
    rendered,
    variable_names,
    variables,
)
from obs_as_code.model.datasource import Datasource
from obs_as_code.serialize import scan_text
from obs_as_code.source import SourceLocation


def strings(value: Any, path: DataPath) -> Iterator[tuple[DataPath, str]]:
    """Every string in ``value`` with its data path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from strings(v, (*path, i))


#: How references to Grafana's own variables start.
_BUILTIN_STARTS = ("$__", "${__")


def _only_builtins(text: str) -> bool:
    """Whether every variable ``text`` references is one of Grafana's own
    (``all(map(is_builtin, variable_names(text)))``). One search is enough when every
    ``$`` starts ``$__`` or ``${__`` and there is no ``[[``: each reference then
    names a ``__`` variable (a dashboard's ``$__rate_interval`` s are most of its
    references); otherwise the names are listed."""
    if "[[" not in text:
        # Every "$" starts one of _BUILTIN_STARTS: the "$" s found by memchr and
        # looked at once each (cheaper than a regex engine's scan of the text).
        at = text.find("$")
        while at >= 0 and text.startswith(_BUILTIN_STARTS, at):
            at = text.find("$", at + 1)
        if at < 0:
            return True
    return all(map(is_builtin, variable_names(text)))


#: Grafana's variable holding the auto step of interval variable ``<name>``.
_AUTO_INTERVAL = "__auto_interval_"


def used_variable(name: str) -> str:
    """The dashboard variable a reference to ``name`` uses: ``<name>`` for
    ``__auto_interval_<name>``, else ``name`` itself."""
    if name.startswith(_AUTO_INTERVAL) and len(name) > len(_AUTO_INTERVAL):
        return name[len(_AUTO_INTERVAL) :]
    return name


#: Variable types Grafana applies to every query of their datasource by itself
#: (ad hoc filters, group by): no query names them.
_IMPLICIT = frozenset({"adhoc", "groupby"})


def _capture_group(name: str, defined: dict[str, int]) -> bool:
    """``$1`` in ``label_replace(..., "$1", ...)`` or a ``renameByRegex``
    transformation's ``"$2 $1"`` is a regex capture group, not a variable (unless
    the dashboard defines a variable of that name; Grafana then replaces it)."""
    return name.isdigit() and name not in defined


def repeats(board: RenderedDashboard) -> bool:
    """Whether a panel of ``board`` repeats (a non-empty ``repeat``): those
    :func:`findings` reads."""
    for _path, panel in panels(board):
        repeat = panel.get("repeat")
        if isinstance(repeat, str) and repeat:
            return True
    return False


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        if not clean(board):
            yield from findings(board, ctx)


def clean(board: RenderedDashboard) -> bool:
    """No variable defined, none used, no panel repeating: nothing for
    :func:`findings` to report (most dashboards of a large project)."""
    text = board.text
    return (
        not any(v.get("name") for v in variables(board))
        and not repeats(board)
        and _only_builtins(text)
        and _AUTO_INTERVAL not in text  # a built-in that names a dashboard variable
    )


def findings(board: RenderedDashboard, ctx: LintContext | None = None) -> Iterator[Diagnostic]:
    """Variables of ``board`` used but not defined, or defined but not used;
    with ``ctx``, a variable in a Prometheus query is named at its token."""
    defined = {str(v.get("name")): i for i, v in enumerate(variables(board)) if v.get("name")}
    used: set[str] = set()
    reported: set[str] = set()
    scopes: list[tuple[DataPath, Any]] = [
        (("panels",), board.json.get("panels")),
        (("annotations",), board.json.get("annotations")),
        (("links",), board.json.get("links")),
        (("title",), board.json.get("title")),
    ]
    for i, var in enumerate(variables(board)):
        own = {k: v for k, v in var.items() if k not in ("name", "current", "options")}
        scopes.append((("templating", "list", i), own))
    for base, value in scopes:
        # One C-speed dump finds the names; the slow walk for locations runs
        # only when a name is missing.
        text = scan_text(value)
        found = {u for u in map(used_variable, variable_names(text)) if not is_builtin(u) and not _capture_group(u, defined)}
        used |= found
        missing = found - set(defined) - reported
        if not missing:
            continue
        for path, string in strings(value, base):
            for name in map(used_variable, variable_names(string)):
                if name in missing and name not in reported and not not_a_variable(board.json, path, name):
                    reported.add(name)
                    yield _undefined(board, path, name, _token(ctx, board, path, string, name), sorted(defined), _declared(ctx))
    for path, panel in panels(board):
        repeat = panel.get("repeat")
        if isinstance(repeat, str) and repeat:
            used.add(repeat)
            if repeat not in defined and repeat not in reported:
                reported.add(repeat)
                yield _undefined(board, (*path, "repeat"), repeat, None, sorted(defined))
    implicit = {str(v.get("name")) for v in variables(board) if v.get("type") in _IMPLICIT}
    for name, i in defined.items():
        if name not in used and name not in implicit:
            yield warning(
                board.locate(("templating", "list", i)),
                "OAC306",
                f"variable ${name} is defined in dashboard {board.title!r} but no panel uses it",
            )


def value_at(data: Any, path: DataPath) -> Any:
    """``data[path[0]][path[1]]...`` through dicts and lists (None where a step is missing)."""
    for key in path:
        if isinstance(data, dict) and isinstance(key, str):
            data = data.get(key)
        elif isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
            data = data[key]
        else:
            return None
    return data


def not_a_variable(data: dict[str, Any], path: DataPath, name: str) -> bool:
    """Whether ``$name`` in the string at ``path`` of dashboard ``data`` is no
    variable Grafana would leave unreplaced in a query: a server-side expression's
    reference to another target of its panel (``$A / $B``, by refId), or a word of
    prose (a text panel's content, a description: "in $USD"), which Grafana shows
    as written when no variable has that name."""
    if len(path) >= 2 and (path[-1] == "description" or path[-2:] == ("options", "content")):
        panel = value_at(data, path[:-1] if path[-1] == "description" else path[:-2])
        return isinstance(panel, dict) and (path[-1] == "description" or panel.get("type") == "text")
    for i in range(len(path) - 2):
        if path[i] == "targets" and isinstance(path[i + 1], int):
            panel = value_at(data, path[:i])
            if isinstance(panel, dict) and is_expression(value_at(data, path[: i + 2])):
                ref_ids = {t.get("refId") for t in panel.get("targets") or [] if isinstance(t, dict)}
                return name in ref_ids
            return False
    return False


def _token(ctx: LintContext | None, board: RenderedDashboard, path: DataPath, text: str, name: str) -> SourceLocation | None:
    """Where ``$name`` is written in the query ``text`` of the target whose
    ``expr`` is at ``path`` (None when ``path`` is no target's query)."""
    if ctx is None or len(path) < 3 or path[-1] != "expr" or path[-3] != "targets":
        return None
    for m in VARIABLE.finditer(text):
        if used_variable(next(g for g in m.groups() if g)) == name:
            return query_token(ctx, board, path[:-1], text, (m.start(), m.end()))
    return None


def _declared(ctx: LintContext | None) -> list[str]:
    """The uids ``datasources/`` declares (none without ``ctx``)."""
    if ctx is None:
        return []
    return sorted({d.uid for d in ctx.project.all(Datasource) if isinstance(d.uid, str)})


def _datasource_hint(board: RenderedDashboard, path: DataPath, name: str, declared: list[str]) -> str:
    """What to do about ``$name`` used as the datasource at ``path`` and not defined:
    add the datasource variable (of the reference's plugin type), or name a declared
    datasource. This is the one finding of the mistake: OAC307 leaves a variable the
    dashboard does not define at all to this check."""
    ref = value_at(board.json, path[:-1]) if path[-1] == "uid" else None
    plugin = ref.get("type") if isinstance(ref, dict) else None
    hint = (
        f"add a datasource variable to the dashboard: variables=[{datasource_var_call(name, plugin)}] "
        "(kit.prom reads $datasource unless given datasource=)"
    )
    if declared:
        hint += f", or reference a declared datasource: {', '.join(declared)}"
    return hint


def _undefined(
    board: RenderedDashboard,
    path: DataPath,
    name: str,
    at: SourceLocation | None = None,
    defined: list[str] | None = None,
    declared: list[str] | None = None,
) -> Diagnostic:
    # A misspelt use of a variable the dashboard defines ($jobs for $job).
    close = difflib.get_close_matches(name, defined or [], n=1, cutoff=0.75)
    if close:
        return error(
            at or board.locate(path),
            "OAC306",
            f"variable ${name} is used in dashboard {board.title!r} but not defined",
            hint=f"did you mean ${close[0]}? the dashboard defines {', '.join('$' + d for d in defined or [])}",
        )
    return error(
        at or board.locate(path),
        "OAC306",
        f"variable ${name} is used in dashboard {board.title!r} but not defined",
        hint=(
            _datasource_hint(board, path, name, declared or [])
            if "datasource" in path
            else "add it to the dashboard's variables (kit.query_var, kit.custom_var ...)"
        ),
    )


CHECK = Check("OAC306", "template-variables", "template variables must be defined and used", run)
