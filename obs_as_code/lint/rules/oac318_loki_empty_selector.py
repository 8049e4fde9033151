"""OAC318: a Loki stream selector that every matcher lets match the empty string
once a variable is at "All": ``{job=~"$service"}`` with ``$service`` All as
``.*``. Loki refuses such a query ("queries require at least one regexp or
equality matcher that does not have an empty-compatible value"), and Grafana
selects All on a dashboard's first load. ``k.custom_var`` makes All ``.+``;
``k.query_var``'s default ``.*`` suits Prometheus. The stream selector of a Loki
query variable (``label_values({job=~"$service"}, pod)``) is read too: Grafana
sends it, written the same way, as the ``query`` of Loki's label values request,
which Loki refuses the same way (its querier validates the matchers), and the
dropdown is empty. A variable without ``allValue`` is All as the list of its
values: empty, and so the empty text, when it certainly has none at load
(:func:`no_values`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from obs_as_code.dashboards.render import RenderedDashboard
from obs_as_code.dashboards.variable_queries import LABEL_VALUES
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.goregex import matcher_matches_empty
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    panel_title,
    rendered,
    runs,
    targets,
    variable_language,
    variable_names,
    variables,
)

CODE = "OAC318"

#: A quoted LogQL string (double quotes with escapes, or backquotes); OAC320 reads it too.
STRING = r'"(?:[^"\\]|\\.)*"|`[^`]*`'
#: A stream selector: braces not inside a string (strings skipped whole).
_SELECTOR = re.compile(rf"{STRING}|\{{((?:{STRING}|[^{{}}\"`])*)\}}")
#: One matcher of a selector.
_MATCHER = re.compile(rf"([A-Za-z_]\w*)\s*(=~|!~|!=|=)\s*({STRING})")
#: A variable reference as :data:`~obs_as_code.lint.rules._dashboards.VARIABLE`
#: reads it, with its format (``${name:format}``, ``[[name:format]]``) captured.
_REFERENCE = re.compile(r"\$\{(\w+)(?:\.[^:}]+)?(?::([^}]*))?\}|\[\[(\w+)(?::([^\]]*))?\]\]|\$(\w+)")
#: Go's one-character escapes (strconv.Unquote, which LogQL's lexer applies to a
#: double-quoted string).
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", '"': '"'}
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\\"])|x([0-9A-Fa-f]{2})|u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([0-7]{3})|(.))", re.S)


def all_values_of(board_vars: list[dict[str, Any]]) -> dict[str, str]:
    """Each variable with an All option whose All is known -> the text All
    stands for: its ``allValue``; ``""`` for one without an ``allValue`` that
    has no value to list (:func:`no_values`). Without an ``allValue`` Grafana
    writes every value of the variable's options (the Loki datasource joins them
    with ``|``): never empty when the variable has values, but nothing at all
    when it has none."""
    out: dict[str, str] = {}
    for v in board_vars:
        name, all_value = v.get("name"), v.get("allValue")
        if not isinstance(name, str) or v.get("includeAll") is not True:
            continue
        if isinstance(all_value, str) and all_value:
            out[name] = all_value
        elif no_values(v):
            out[name] = NO_VALUES
    return out


#: The All of a variable without ``allValue`` and without values: the empty list.
#: (An ``allValue`` of ``""`` is no custom All value for Grafana: it is never one.)
NO_VALUES = ""


def no_values(var: dict[str, Any]) -> bool:
    """Whether the variable certainly has no value to list when the dashboard
    loads: a custom variable whose query lists none, or a query variable that
    Grafana never refreshes (``refresh`` 0, Never: it keeps the options saved
    with the dashboard) saved without options (but All). A query variable
    refreshed on load or on a time range change lists what its query returns,
    which is not known here."""
    kind = var.get("type")
    if kind == "custom":
        query = var.get("query")
        return not (isinstance(query, str) and any(part.strip() for part in query.split(",")))
    if kind != "query" or type(var.get("refresh")) is not int or var.get("refresh") != 0:
        return False
    options = var.get("options")
    listed = [o for o in options if isinstance(o, dict) and o.get("value") not in ("$__all", ["$__all"])] if isinstance(options, list) else []
    return not listed


#: What an empty list of values is written as, by format (``${name:format}``):
#: the Loki datasource's own formatting (no format), ``raw``, ``csv``, ``pipe``
#: ... join nothing; ``regex`` and ``lucene`` wrap nothing in parentheses;
#: ``json`` writes ``[]``; ``text`` and ``queryparam`` the All option's text.
_EMPTY_LIST: dict[str | None, str] = {"regex": "()", "lucene": "()", "json": "[]", "text": "All", "queryparam": "var-All"}


def _at_all(all_value: str, fmt: str | None, empty: str = "") -> str:
    """What Grafana writes for a variable at All whose ``allValue`` is
    ``all_value``, in format ``fmt``: the custom All value as it is, except in the
    ``text`` format (the text "All"), ``queryparam`` (``var-name=All``, never
    empty either) and ``percentencode`` (template_srv skips formatting custom All
    values but for these). :data:`NO_VALUES`: the empty list, formatted."""
    if all_value == NO_VALUES:
        return _EMPTY_LIST.get(fmt, "")
    if fmt in ("text", "queryparam"):
        return "All"
    if fmt == "percentencode":
        return quote(all_value, safe="-_.!~*'()")  # encodeURIComponent's unreserved set
    return all_value


def shown(name: str, all_value: str) -> str:
    """``$name (value)``: the variable and what its All stands for."""
    return f"${name} ({all_value if all_value != NO_VALUES else 'no values: All is empty'})"


def write_at_all(text: str, all_values: dict[str, str], empty: str = "") -> str:
    """``text`` with each reference to a variable of ``all_values`` written as
    Grafana writes it at All (:func:`_at_all`; ``empty``: the datasource's
    formatting of an empty list), other references left as written."""

    def one(r: re.Match[str]) -> str:
        name = r.group(1) or r.group(3) or r.group(5)
        return _at_all(all_values[name], r.group(2) or r.group(4), empty) if name in all_values else r.group(0)

    return _REFERENCE.sub(one, text)


def logql_string(literal: str) -> str | None:
    """The value of a LogQL string literal (backquotes: raw; double quotes: Go
    escapes), or None when Loki cannot read it (it reports that itself)."""
    if literal.startswith("`"):
        return literal[1:-1]
    bad = False

    def escape(m: re.Match[str]) -> str:
        nonlocal bad
        one, hex2, hex4, hex8, octal, other = m.groups()
        if one is not None:
            return _ESCAPES[one]
        if other is not None:
            bad = True  # \d, \., \' ...: Go's Unquote refuses them
            return ""
        code = int(hex2 or hex4 or hex8, 16) if octal is None else int(octal, 8)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            bad = True
            return ""
        return chr(code)

    value = _ESCAPE.sub(escape, literal[1:-1])
    return None if bad else value


def _matches_empty(op: str, value: str) -> bool:
    """Whether a matcher with ``op`` and (variable-free, unquoted) ``value``
    matches the empty string, Loki's test for a selector that restricts nothing
    (``labels.Matcher.Matches("")``: ``!=""`` and ``!~".*"`` do not; a bad regex:
    Loki reports it itself, so not empty here)."""
    return matcher_matches_empty(op, value) is True


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
            op, literal = mm.group(2), mm.group(3)
            names = variable_names(literal)
            if any(n not in all_values for n in names):
                empty = False  # a variable whose value is unknown here: not judged
                break
            # Grafana writes the variables into the query's text, then Loki reads the string.
            value = logql_string(write_at_all(literal, all_values) if names else literal)
            at_all.extend(names)
            if value is None or not _matches_empty(op, value):
                empty = False
                break
        if empty and at_all:
            out.append((m.group(0), sorted(set(at_all))))
    return out


#: ``LokiVariableQueryType.LabelNames``: a label names request, sent without a selector.
_LABEL_NAMES = 0


def variable_stream(query: Any) -> str | None:
    """The stream selector Grafana sends with the label values request of a Loki
    query variable whose query is ``query`` (``label_values({job="x"}, pod)``, or
    ``{"type": 1, "label": "pod", "stream": "{job=\"x\"}"}``), braces added as
    Grafana adds them; None when the request has none."""
    stream: Any = None
    if isinstance(query, str):
        m = LABEL_VALUES.match(query)  # Grafana's legacy text form
        stream = m.group(1) if m is not None else None
    elif isinstance(query, dict) and query.get("type") != _LABEL_NAMES and query.get("label"):
        stream = query.get("stream")
    text = stream.strip() if isinstance(stream, str) else ""
    if not text or text == "{}":
        return None
    return text if text.startswith("{") else "{" + text + "}"


def _in_variables(board: RenderedDashboard, board_vars: list[dict[str, Any]], all_values: dict[str, str]) -> Iterator[Diagnostic]:
    """The stream selectors of the dashboard's Loki query variables that Loki
    refuses when a variable they use is All."""
    for i, var in enumerate(board_vars):
        if var.get("type") != "query":
            continue
        stream = variable_stream(var.get("query"))
        if stream is None or ("$" not in stream and "[[" not in stream) or variable_language(board, var) != "logql":
            continue
        for selector, names in empty_at_all(stream, all_values):
            said = ", ".join(shown(n, all_values[n]) for n in names)
            yield error(
                board.locate(("templating", "list", i)),
                CODE,
                f"Loki refuses {selector} in the query of variable ${var.get('name')} of dashboard {board.title!r} "
                f"when {said} is All: every matcher then matches the empty string, and the dropdown is empty",
                hint=_hint(names, all_values),
            )


def _hint(names: list[str], all_values: dict[str, str]) -> str:
    empty = [n for n in names if all_values[n] == NO_VALUES]
    if not empty:
        return _HINT
    return (
        f"give ${empty[0]} values to list (a query refreshed on dashboard load or on time range change, "
        'refresh 1 or 2; a custom variable\'s values) or a non-empty All value (allValue ".+")'
    )


_HINT = 'make All non-empty: k.query_var(..., all_value=".+") (k.custom_var\'s default), or add a matcher such as job="..."'


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        board_vars = variables(board)
        all_values = all_values_of(board_vars)
        if not all_values:
            continue
        for t in targets(board):
            if t.language != "logql" or "{" not in t.expr or ("$" not in t.expr and "[[" not in t.expr) or not runs(t):
                continue
            for selector, names in empty_at_all(t.expr, all_values):
                said = ", ".join(shown(n, all_values[n]) for n in names)
                yield error(
                    t.location,
                    CODE,
                    f"Loki refuses {selector} in panel {panel_title(t.panel)!r} of dashboard {board.title!r} "
                    f"when {said} is All: every matcher then matches the empty string",
                    hint=_hint(names, all_values),
                )
        yield from _in_variables(board, board_vars, all_values)


CHECK = Check(CODE, "loki-empty-selector", "a Loki stream selector must keep a non-empty matcher at All", run)
