"""The PromQL of Prometheus 2.42 around promql-parser, which follows the grammar
of later releases: what 2.42 (and its ``promtool check rules``) refuses that
promql-parser takes, and what 2.42 takes that promql-parser refuses.

promql-parser takes, and 2.42 refuses:

- the functions and aggregations of later releases (``limitk``, ``info``,
  ``double_exponential_smoothing``, ``sort_by_label`` ...): "unknown function";
  ``start()`` and ``end()`` are only the ``@`` modifier's in 2.42;
- quoted label names (``{"a.b"="x"}``, ``{"metric.name"}``, ``by ("a")``):
  UTF-8 names came with Prometheus 3.0;
- a number without unit as a duration (``x[5]``, ``x[5m:30]``, ``offset 0``).

2.42 takes, and promql-parser refuses:

- ``holt_winters`` (renamed ``double_exponential_smoothing`` in 3.0);
- backslashes in a raw string (`` `a\\.b` ``), which promql-parser reads as
  escapes (``unknown escape sequence``);
- ``\\Q...\\E`` (quoted text) in a regex matcher, which Go's regexp takes and
  promql-parser's regex crate does not.

What is checked on every expression is one regex search on its text
(:data:`_QUOTE_GATE` and the others); the tokens or the tree are read only when it finds
something. The second list is handled only when promql-parser refuses.
"""

from __future__ import annotations

import json
import re
from typing import Any

from obs_as_code.target import DEFAULT, PrometheusTarget

#: Functions promql-parser knows that Prometheus 2.42 does not (its
#: promql/parser/functions.go has 70, all of which promql-parser knows but
#: ``holt_winters``).
LATER_FUNCTIONS = frozenset({
    "double_exponential_smoothing", "sort_by_label", "sort_by_label_desc", "info", "mad_over_time",
    "histogram_avg", "histogram_stddev", "histogram_stdvar", "histogram_quantiles", "first_over_time",
    "ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
    "max_of", "min_of", "start_timestamp", "range", "step", "start", "end",
})  # fmt: skip
#: Aggregations of later releases (2.42 reads them as unknown functions).
LATER_AGGREGATIONS = frozenset({"limitk", "limit_ratio"})

#: What may be 2.42's error, each tested before anything is walked (the three
#: tests take ~4 us for an expression of 125 characters, promql-parser ~70 us):
#: a string right after ``{``, ``,`` or ``(`` (a quoted label name, or a string
#: argument), a number without unit in brackets, ``offset`` (strings
#: and comments are not skipped: the tokens then say whether it is one) ...
_SPACE = r"(?:\s|#[^\n]*)*"  # and comments
_QUOTE_GATE = re.compile(r"[{,(]" + _SPACE + r"[\"'`]")
_NUMBER = r"(?:0[xX][0-9a-fA-F]*|[0-9.][0-9._]*(?:[eE][+-]?[0-9]+)?)"
_RANGE_GATE = re.compile(r"[\[:]" + _SPACE + _NUMBER + _SPACE + r"[\]:]")
#: ... and a piece of the name of a later function or aggregation, or of one
#: promql-parser lets take a number (the tree then says whether it is one).
_FUNCTION_GATE = (
    "smoothing", "sort_by", "info", "mad_", "histogram_avg", "histogram_std", "histogram_quantiles",
    "first_", "_of", "start", "range", "step", "end", "limit", "exp", "ln", "log",
)  # fmt: skip

_TOKEN = re.compile(
    r"\s+|#[^\n]*|\"(?:[^\"\\]|\\.)*\"?|'(?:[^'\\]|\\.)*'?|`[^`]*`?"
    r"|[a-zA-Z_][a-zA-Z0-9_:]*|:(?![0-9.])[a-zA-Z0-9_:]*|0[xX][0-9a-fA-F]*|[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?[a-zA-Z0-9_]*|[0-9]+\.[a-zA-Z0-9_]*"
    r"|=~|!~|!=|==|<=|>=|.",
    re.DOTALL,
)
_UNIT = "Prometheus 2.42 reads a number as a duration only with its unit (5m, not 300)"
_GROUPING = frozenset({"by", "without", "on", "ignoring", "group_left", "group_right"})
_DURATION_UNIT = re.compile(r"[0-9]+[a-zA-Z]")
#: A token an expression ends with: a name, ``)``, ``]``, ``}``.
_ENDS_EXPR = re.compile(r"[a-zA-Z0-9_:.)\]}]")
#: Functions promql-parser lets take Inf or NaN, a scalar, as their vector argument.
TAKE_INF = frozenset({"exp", "ln", "log2", "log10"})


def later_syntax(expr: str, ast: Any) -> str | None:
    """What in ``expr`` (whose tree promql-parser gave as ``ast``) Prometheus
    2.42 refuses, as a message; None when nothing."""
    problem = None
    if (
        _QUOTE_GATE.search(expr) is not None
        or _RANGE_GATE.search(expr) is not None
        or "offset" in expr
    ):
        problem = _later_tokens(expr)
    if problem is None:
        for piece in _FUNCTION_GATE:
            if piece in expr:
                return _later_function(ast)
    return problem


def _later_tokens(expr: str) -> str | None:
    """A quoted label name or a duration without unit, read token by token."""
    stack: list[str] = []  # "{", "(", "by" (a label list), "["
    previous = ""  # the last significant token
    before = ""  # the one before it
    third = ""  # and the one before that
    pending: str | None = None  # a number without unit in brackets, until "]" or ":" follows
    for m in _TOKEN.finditer(expr):
        token = m.group()
        c = token[0]
        if c.isspace() or c == "#":
            continue
        top = stack[-1] if stack else ""
        if pending is not None:
            if c in "]:":
                return pending
            pending = None
        if c in "\"'`":
            if top in ("{", "by") and previous in ("{", "(", ","):
                where = "a label list" if top == "by" else "a selector"
                return (
                    f"quoted label name {token} in {where}: Prometheus 2.42 reads only unquoted label names "
                    "(letters, digits and _; quoted and UTF-8 names came in 3.0)"
                )
        elif c == "{":
            stack.append("{")
        elif c == "(":
            stack.append("by" if previous.lower() in _GROUPING else "(")
        elif c == "[":
            stack.append("[")
        elif c in ")]}":
            if stack:
                stack.pop()
        elif (c.isdigit() or c == ".") and token != ".":
            unitless = _DURATION_UNIT.search(token) is None or token[:2] in ("0x", "0X")
            if unitless and top == "[" and previous in ("[", ":"):
                # a range's or a subquery's: when "]" or ":" follows (else a syntax error)
                pending = f"missing unit character in duration {token!r}: {_UNIT}"
            # offset the keyword, not a metric named offset (offset - 1): after an expression
            after_offset = (previous.lower() == "offset" and _ENDS_EXPR.match(before) is not None) or (
                previous == "-" and before.lower() == "offset" and _ENDS_EXPR.match(third) is not None
            )
            if unitless and after_offset:
                return f"missing unit character in duration {token!r}: {_UNIT}"
        third, before, previous = before, previous, token
    return None


def _later_function(ast: Any) -> str | None:
    """The first call of a function (or aggregation) of a later release in the tree."""
    import promql_parser

    found: list[str] = []

    def visit(node: Any) -> bool:
        kind = type(node).__name__
        name = ""
        if kind == "Call":
            name = str(node.func.name)
            if name in TAKE_INF and node.args and is_number(node.args[0]):
                found.append(f'expected type instant vector in call to function "{name}", got scalar')
                return False
            if name not in LATER_FUNCTIONS:
                return True
        elif kind == "AggregateExpr":
            name = str(node.op)
            if name not in LATER_AGGREGATIONS:
                return True
        else:
            return True
        found.append(name)
        return False

    promql_parser.walk(ast, visit)
    if not found:
        return None
    name = found[0]
    if " " in name:
        return name
    if name in ("start", "end"):
        return f"{name}() is not a function in Prometheus 2.42: it is only the @ modifier's (x @ {name}())"
    return f"{name} is not a function in Prometheus 2.42 (added in a later version)"


def is_number(node: Any) -> bool:
    """Whether ``node`` is a number literal, or one with signs before it."""
    while type(node).__name__ == "UnaryExpr":
        node = node.expr
    return type(node).__name__ == "NumberLiteral"


_HOLT_WINTERS = "'holt_winters'"
_registered = False


def register_holt_winters() -> None:
    """Make promql-parser know ``holt_winters`` (matrix, scalar, scalar: vector),
    2.42's name of ``double_exponential_smoothing``. promql-parser's registry is
    per process: done once, the first time an expression uses it."""
    global _registered
    if not _registered:
        import promql_parser

        v = promql_parser.ValueType
        promql_parser.register_extra_functions(
            [promql_parser.Function("holt_winters", [v.Matrix, v.Scalar, v.Scalar], v.Vector)]
        )
        _registered = True


def reparse(expr: str, message: str, target: PrometheusTarget = DEFAULT) -> tuple[Any, str | None] | None:
    """When promql-parser refused ``expr`` saying ``message`` for what 2.42
    takes: the parse of what 2.42 reads (``(tree, None)``, or ``(None, the
    error)`` of something else), None when it is none of those. For a 3.x
    ``target``, raw strings and ``\\Q...\\E`` alike (Go reads them the same
    in 3.x), not ``holt_winters`` (gone in 3.0)."""
    import promql_parser

    if _HOLT_WINTERS in message and target.v3:
        from obs_as_code.lint.promql3 import removed

        return None, removed("holt_winters")
    if _HOLT_WINTERS in message and not _registered:
        register_holt_winters()
    elif ("escape sequence" in message or "illegal regex" in message) and ("`" in expr or "\\Q" in expr):
        rewritten = _rewrite_strings(expr)
        if rewritten == expr:
            return None
        expr = rewritten
    else:
        return None
    try:
        ast = promql_parser.parse(expr)
    except (ValueError, TypeError) as exc:
        again = str(exc) or "invalid PromQL"
        return reparse(expr, again, target) or (None, again)
    if target.v3:
        from obs_as_code.lint.promql3 import v3_syntax

        later = v3_syntax(expr, ast, target)
    else:
        later = later_syntax(expr, ast)
    return (ast, None) if later is None else (None, later)


_STRING_OR_COMMENT = re.compile(r"#[^\n]*|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|`[^`]*`", re.DOTALL)
_REGEX_OP = re.compile(r"[=!]~\s*$")
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\'\"])|x([0-9a-fA-F]{2})|([0-7]{3})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8}))")
_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"'}


def _rewrite_strings(expr: str) -> str:
    """``expr`` with each raw string holding a backslash written as a
    double-quoted one of the same value, and ``\\Q...\\E`` in a regex matcher's
    value written as escaped characters (the same regex)."""
    out: list[str] = []
    last = 0
    for m in _STRING_OR_COMMENT.finditer(expr):
        token = m.group()
        if token[0] == "#":
            continue
        value = _value(token)
        if value is None:
            continue
        regex = _REGEX_OP.search(expr, 0, m.start()) is not None
        new_value = _unquote_regex(value) if regex and "\\Q" in value else value
        if new_value == value and not (token[0] == "`" and "\\" in value):
            continue
        out.append(expr[last : m.start()])
        out.append(json.dumps(new_value, ensure_ascii=False))
        last = m.end()
    out.append(expr[last:])
    return "".join(out)


def _value(token: str) -> str | None:
    """The value of a string token as Go's strconv.Unquote reads it, None when it refuses it."""
    body = token[1:-1]
    if token[0] == "`":
        return body
    parts: list[str] = []
    i = 0
    while i < len(body):
        j = body.find("\\", i)
        if j < 0:
            parts.append(body[i:])
            break
        parts.append(body[i:j])
        m = _ESCAPE.match(body, j)
        if m is None:
            return None
        simple, hex2, octal, u4, u8 = m.groups()
        if simple is not None:
            if simple in "'\"" and simple != token[0]:
                return None
            parts.append(_SIMPLE[simple])
        else:
            code = int(hex2 or u4 or u8, 16) if octal is None else int(octal, 8)
            if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF or (octal is not None and code > 255):
                return None
            parts.append(chr(code))
        i = m.end()
    return "".join(parts)


_META = frozenset("\\.+*?()|[]{}^$")


def _unquote_regex(value: str) -> str:
    """A Go regex with its ``\\Q...\\E`` spans written as escaped characters."""
    out: list[str] = []
    i = 0
    n = len(value)
    while i < n:
        c = value[i]
        if c == "\\" and i + 1 < n:
            if value[i + 1] == "Q":
                end = value.find("\\E", i + 2)
                if end < 0:  # quoted to the end: Prometheus's ")$" after it too
                    return value
                out.extend("\\" + ch if ch in _META else ch for ch in value[i + 2 : end])
                i = end + 2
                continue
            out.append(value[i : i + 2])
            i += 2
            continue
        out.append(c)
        i += 1
    return "".join(out)
