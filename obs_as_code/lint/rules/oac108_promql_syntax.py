"""OAC108: a rule expression that is not valid PromQL."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.goregex import promql_regex_problem
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.promql_errors import said, token_span
from obs_as_code.lint.sites import Site, python_site
from obs_as_code.lint.types import nodes, selector_matchers
from obs_as_code.model.rules import AlertRule, RecordingRule
from obs_as_code.model.tests import ExprExpectation, RuleTest, Series
from obs_as_code.source import SourceLocation, keyword_location
from obs_as_code.target import valid_utf8

METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")

#: A number as Prometheus 2.42's lexer scans one (``scanNumber``), and the
#: letters and digits right after it that make it a duration (``5m``, ``1h30m``).
_NUMBER = re.compile(r"(?:0[xX][0-9a-fA-F]*|[0-9]*)(?:\.[0-9]*)?(?:[eE][+-]?[0-9]*)?([a-zA-Z0-9_]*)")
_DIGITS = "0123456789"
_WORD = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?|\'(?:[^\'\\]|\\.)*\'?|`[^`]*`?', re.DOTALL)
#: Where a duration used as a number may start: a digit (or ``.digit``) that no
#: word character, ``:`` or ``[`` comes right before (those start no number
#: token, or one inside brackets: ``[5m]``, ``[1h:5m]``), with a letter further
#: in the same run. A superset of what :func:`scan_duration_as_number` reports.
#: Written to start with a character set (the lookbehinds follow it), so that
#: the regex engine skips to the next ``.`` or digit instead of trying every
#: position: the search took half as long.
_CANDIDATE = re.compile(r"[.0-9](?<![a-zA-Z0-9_:\[].)(?:(?<=\.)(?=[0-9])|(?<=[0-9]))[a-zA-Z0-9_.+-]*?[a-zA-Z_]")


#: Strings and comments, as the scan skips them (the leftmost first: a quote in a
#: comment is the comment's, a ``#`` in a string the string's); each becomes a
#: space for :data:`_CANDIDATE`, so digits in label values are no candidates.
_SKIPPED = re.compile(r"#[^\n]*|" + _STRING.pattern, re.DOTALL)
_QUOTES_OR_HASH = re.compile(r"[\"'`#]")


def duration_as_number(expr: str) -> str | None:
    """:func:`scan_duration_as_number`, after a search that rules out most rule
    expressions at once: their durations stand right after ``[`` or ``:``, and
    their other digits in strings.
    (Scanning every expression token by token was 1.9 s of a 10,000-rule build.)"""
    if _CANDIDATE.search(_SKIPPED.sub(" ", expr) if _QUOTES_OR_HASH.search(expr) else expr) is None:
        return None
    return scan_duration_as_number(expr)


def scan_duration_as_number(expr: str) -> str | None:
    """The first duration ``expr`` uses as a number (``-5m``, ``x > 5m``), None
    when there is none.

    promql-parser reads ``5m`` as the number 300, as Prometheus does since 2.54;
    2.42, which the built rule files load on (and the promtool that checks them),
    reads a duration only in brackets (``[5m]``, ``[1h:5m]``) and after
    ``offset``: anywhere else promtool refuses the rule file ("unexpected
    duration"). Strings and comments are skipped, as its lexer skips them.
    """
    i = 0
    depth = 0  # inside [...]
    previous: list[str] = []  # the last two tokens, lower case
    n = len(expr)
    while i < n:
        c = expr[i]
        if c.isspace():
            i += 1
            continue
        token = c
        if c == "#":
            end = expr.find("\n", i)
            i = n if end < 0 else end
            continue
        if c in "\"'`":
            match = _STRING.match(expr, i)
            token = match.group() if match else c
        elif c.isascii() and (c.isalpha() or c in "_:"):
            match = _WORD.match(expr, i)
            token = match.group() if match else c
        elif c in _DIGITS or (c == "." and i + 1 < n and expr[i + 1] in _DIGITS):
            # ASCII digits only: str.isdigit() takes others ("٣"), which _NUMBER
            # does not match, and an empty token never advanced.
            match = _NUMBER.match(expr, i)
            token = match.group() if match else c
            if match and match.group(1) and depth == 0:
                after_offset = previous[-1:] == ["offset"] or previous[-2:] == ["offset", "-"]
                if not after_offset:
                    return token
        elif c == "[":
            depth += 1
        elif c == "]":
            depth = max(0, depth - 1)
        previous = [*previous[-1:], token.lower()]
        i += len(token)
    return None


#: A number that may be beyond float64: an exponent of three digits, or 300 digits.
#: Written as one character class first, so that the regex engine skips to each
#: e or E; the 300-digit run is searched for only in an expression that long.
_HUGE_CANDIDATE = re.compile(r"[eE]\+?[0-9]{3}")
_LONG_DIGITS = re.compile(r"[0-9]{300}")
#: A decimal number token (not part of a word, a duration or a hex number).
_DECIMAL = re.compile(r"(?<![a-zA-Z0-9_:.])(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?(?![a-zA-Z0-9_.])")


def number_out_of_range(expr: str) -> str | None:
    """The first number of ``expr`` beyond float64 (``1e400``), None when there
    is none. Prometheus 2.42 parses a number with strconv.ParseFloat, which
    refuses it ("value out of range"); promql-parser reads it as infinity.
    Strings and comments are skipped."""
    if _HUGE_CANDIDATE.search(expr) is None and (len(expr) < 300 or _LONG_DIGITS.search(expr) is None):
        return None
    for match in _DECIMAL.finditer(_SKIPPED.sub(" ", expr)):
        if float(match.group()) == float("inf"):
            return match.group()
    return None


def utf8_name_problem(name: str) -> str | None:
    """What Prometheus 3's rulefmt (``nameValidationScheme`` utf8, its default)
    refuses in a recording rule's non-empty name: not valid UTF-8 (a lone
    surrogate, in Python), or braces ("should it be in expr?"); None when valid."""
    if not valid_utf8(name):
        return "is not a valid metric name (not valid UTF-8)"
    if "{" in name or "}" in name:
        return "holds braces: should they be in expr? (Prometheus 3 refuses braces in a recording rule name)"
    return None


def regex_problem(root: Any, skip: Callable[[str], bool] | None = None) -> str | None:
    """The first regex matcher of the tree ``root`` that Prometheus 2.42 refuses,
    as promtool says it, None when there is none. Prometheus compiles
    ``^(?:value)$``, and parses ``value`` alone, with Go's regexp (RE2 syntax,
    Go 1.19.8 in Debian's 2.42: :func:`~obs_as_code.goregex.promql_regex_problem`);
    promql-parser's regex crate takes some of what Go refuses (``(?<name>x)``,
    ``x{1001}``, ``x**``). Regex values are kept in a tree's shape
    (:func:`~obs_as_code.lint.engine.shape`), so the shared tree answers for
    every expression of its shape. A value for which ``skip`` holds is not read."""
    for node in nodes(root, "VectorSelector"):
        for label, op, value in selector_matchers(node):
            if op in ("=~", "!~") and (skip is None or not skip(value)):
                problem = promql_regex_problem(value)
                if problem is not None:
                    return f"error parsing regexp in {label}{op}{json.dumps(value)}: {problem}"
    return None


def _where(ctx: LintContext, rule: AlertRule | RecordingRule, problem: str) -> SourceLocation:
    """Where a rule's invalid expression is wrong: at the item Prometheus's parse
    error names, in the user's file, when that error is known
    (:mod:`obs_as_code.lint.promql_errors`) and the expression's text is found
    there; else at the expression."""
    at = keyword_location(rule.location, "expr")
    found = said(rule.expr, problem) if isinstance(rule.expr, str) else None
    site = ctx.site(rule, "expr") if found is not None else None
    if found is None or site is None:
        return at
    return token_location(site, rule.expr, found.offset, at)


def _in_call(ctx: LintContext, loc: SourceLocation, keyword: str, expr: str, problem: str) -> SourceLocation:
    """Where a rule test's invalid PromQL (argument ``keyword`` of the call at
    ``loc``) is wrong: at the item Prometheus's parse error names when the
    argument is found in the module, else at the argument."""
    at = keyword_location(loc, keyword)
    found = said(expr, problem)
    if found is None or loc.line <= 0 or not loc.file.endswith(".py"):
        return at
    site = python_site(ctx.project.root, loc, keyword)
    if not site.end_col:  # the argument was not found as such (positional ...)
        return at
    return token_location(site, expr, found.offset, at)


def token_location(site: Site, expr: str, offset: int, fallback: SourceLocation) -> SourceLocation:
    """Where ``expr[offset]`` is written in the file of ``site`` (which holds
    ``expr``); just after the expression's last character for an offset past
    it (Prometheus's "end of input"); ``fallback`` when not found."""
    start, end = token_span(expr, offset)
    loc = site.locate_in_expr(expr, (start, end))
    if loc == site.start and start > 0:
        return fallback  # not found: the expression's start says no less
    if offset >= end:  # the end of input: after the last character
        return SourceLocation(loc.file, loc.line, loc.col + end - start)
    return loc


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    regexes: dict[int, str | None] = {}  # per tree: rules of one shape share theirs
    for group, rule in ctx.rules():
        # The shape-cached tree: same verdict as parsing the exact text, parsed
        # once per shape on large rule sets.
        ast, problem = ctx.tree(rule.expr)
        # Only a tree with a regex matcher is walked (its matchers are then read
        # for the first time: the costly part).
        if problem is None and ast is not None and isinstance(rule.expr, str) and ("=~" in rule.expr or "!~" in rule.expr):
            key = id(ast)
            if key not in regexes:
                regexes[key] = regex_problem(ast)
            problem = regexes[key]
        if problem is None and isinstance(rule.expr, str) and not ctx.target.v3:  # 3.x reads 5m as 300
            duration = duration_as_number(rule.expr)
            if duration is not None:
                problem = f"unexpected duration {duration!r}: Prometheus before 2.54 reads a duration only in [...] and after offset"
            huge = number_out_of_range(rule.expr)
            if huge is not None and problem is None:
                problem = f"error parsing number {huge!r}: value out of range (beyond a 64-bit float)"
        if problem is not None:
            yield error(
                _where(ctx, rule, problem),
                "OAC108",
                f"invalid PromQL in {rule.kind} {rule.name!r} (group {group.name!r}): {problem}",
            )
        if isinstance(rule, RecordingRule) and isinstance(rule.name, str) and rule.name and ctx.target.v3:
            v3_problem = utf8_name_problem(rule.name)
            if v3_problem is not None:
                yield error(keyword_location(rule.location, "name"), "OAC108", f"recording rule name {rule.name!r} {v3_problem}")
        elif isinstance(rule, RecordingRule) and isinstance(rule.name, str) and rule.name and not METRIC_NAME.match(rule.name):
            fixed = re.sub(r"[^a-zA-Z0-9_:]", "_", rule.name)
            fixed = fixed if METRIC_NAME.match(fixed) else f"_{fixed}"
            yield error(
                keyword_location(rule.location, "name"),
                "OAC108",
                f"recording rule name {rule.name!r} is not a valid metric name",
                hint=f"write {fixed!r}: letters, digits, _ and :, not starting with a digit "
                "(by convention level:metric:operations, as in job:http_requests:rate5m)",
            )
        if not rule.name:
            yield error(rule.location, "OAC108", f"{rule.kind} without a name in group {group.name!r}")

    yield from _unit_tests(ctx)


#: One item of promtool's series notation (promql/parser's series description,
#: Prometheus 2.42), the values of an input series split at whitespace: ``_``
#: (missing) or ``_xN``; a value (a number, ``Inf``, ``NaN``, signed or not, or
#: ``stale``), alone, ``xN`` (N+1 times) or ``+Bxn`` / ``-Bxn`` (growing by B).
#: Lenient where unsure: what is reported here promtool surely refuses
#: (tests/lint/test_series_values.py compares the two); ``oac test``'s
#: promtool judges the rest.
_SERIES_DECIMAL = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SERIES_NUMBER = rf"{_SERIES_DECIMAL}|[iI][nN][fF]|[nN][aA][nN]"
_SERIES_ITEM = re.compile(
    # "stalex2" and "Infx2" are one identifier to promtool's lexer, "1_000" a bad number.
    rf"_(?:x[0-9]+)?|stale|[+-]?(?:[iI][nN][fF]|[nN][aA][nN])(?:[+-](?:{_SERIES_NUMBER})x[0-9]+)?"
    rf"|[+-]?{_SERIES_DECIMAL}(?:(?:[+-](?:{_SERIES_NUMBER}))?x[0-9]+)?"
)


def series_values_problem(values: str) -> str | None:
    """Why promtool refuses ``values`` as the values of an input series, or None.
    Native histogram values (``{{schema:0 ...}}``) are left to promtool."""
    if "{{" in values:
        return None
    for item in values.split():
        if not _SERIES_ITEM.fullmatch(item):
            return f"{item!r} is no value of promtool's series notation"
    return None


def _unit_tests(ctx: LintContext) -> Iterator[Diagnostic]:
    """The PromQL of alert unit tests: promtool stops at the first bad input series
    or expression of a test file, and names neither the test nor the line (its
    message reads as part of the previous test's failure)."""
    for test in ctx.project.all(RuleTest):
        for series in test.series:
            if not isinstance(series, Series) or not isinstance(series.series, str):
                continue
            ast, problem = ctx.parse(series.series)
            if problem is None and type(ast).__name__ != "VectorSelector":
                problem = "an input series is a metric name with labels, such as up{job=\"api\"}"
            if problem is not None:
                yield error(
                    _in_call(ctx, series.location, "series", series.series, problem),
                    "OAC108",
                    f"invalid input series {series.series!r} in rule test {test.name!r}: {problem}",
                )
            # promtool refused them with "1:38: parse error: unexpected x", at the
            # built test file, naming neither the test nor the series.
            values_problem = series_values_problem(series.values) if isinstance(series.values, str) else None
            if values_problem is not None:
                yield error(
                    keyword_location(series.location, "values"),
                    "OAC108",
                    f"invalid values {series.values!r} of input series {series.series!r} in rule test {test.name!r}: {values_problem}",
                    hint="values are separated by spaces: a number, _ (missing) or stale; 'AxN' repeats A N+1 times, "
                    "'A+BxN' starts at A and grows by B N times ('0+10x20'), '_xN' is N+1 missing samples",
                )
        for expectation in test.exprs:
            if not isinstance(expectation, ExprExpectation) or not isinstance(expectation.expr, str):
                continue
            _ast, problem = ctx.parse(expectation.expr)
            if problem is not None:
                yield error(
                    _in_call(ctx, expectation.location, "expr", expectation.expr, problem),
                    "OAC108",
                    f"invalid PromQL in rule test {test.name!r}: {problem}",
                )


CHECK = Check("OAC108", "promql-syntax", "rule expressions must parse as PromQL", run)
