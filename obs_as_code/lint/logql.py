"""Whether Loki parses a LogQL query, and if not what it says and where.

Loki 2.9.8 (what ``oac preview`` runs) reads a query with a goyacc grammar
(``pkg/logql/syntax/expr.y``) over a lexer built on Go's ``text/scanner``
(``lex.go``), builds the tree with checks that refuse some of it
(``ast.go``: regexes, the ``regexp`` and ``pattern`` stages, parameters,
unwrap and grouping per range aggregation, the legs of a binary operation)
and validates the result (``parser.go``: a selector needs a matcher that
does not match the empty string). This module accepts what that accepts,
written from those facts as a recursive-descent parser: :func:`logql_problem`
answers None for a query Loki takes, else the first problem with its offset.

Loki 3 (``[tool.oac] loki-version = "3.N"``, :mod:`obs_as_code.target`) is
read as Loki v3.7.6 reads it (``syntax.y``, renamed from ``expr.y``): its lexer
also knows ``|>`` and ``!>`` (pattern line filters), ``approx_topk``,
``variants`` and ``of`` (from 3.5), and reads keywords in any case (``SUM``,
``By``); a line filter takes ``or`` and more strings (``|= "a" or "b"``); a
label filter compares with a signed number (``n > -1``, its value no longer
checked); ``approx_topk`` takes no grouping; ``label_replace`` over a number is
valid; a query may be 128 KiB. Under the default (2.9) nothing of this applies.

The templates of ``line_format`` and ``label_format`` are Go text/templates
Loki parses when it builds the query's pipeline, before it reads a line
(``pkg/logql/log/fmt.go``: ``NewFormatter``, ``NewLabelsFormatter``), and a
template Go refuses fails the query whole: a query that otherwise parses is
read for them (:func:`template_problem`, with Loki's functions; a template
holding a Grafana variable is not judged), after its grammar and validation.

An ``ip("...")`` is also read when Loki builds the pipeline (``pkg/logql/log/ip.go``):
its pattern must be an address, a CIDR prefix or a range as Go's netip reads them
(:mod:`obs_as_code.gonetip`), and a line filter holding it must be ``|=`` or
``!=``; Loki 3 reads an ``ip()`` in an ``or`` chain of line filters as plain text.

Not covered: what else Loki checks only when it runs a query (a ``|>`` pattern,
the query's time range).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from obs_as_code.gonetip import ip_pattern_ok
from obs_as_code.goregex import go_regex_problem, matcher_matches_empty, promql_regex_problem
from obs_as_code.gostrconv import go_float
from obs_as_code.lint.promql_errors import go_quote
from obs_as_code.lint.rules._gotemplate import GO_FUNCTIONS, go_template_error
from obs_as_code.lint.rules.oac318_loki_empty_selector import logql_string

__all__ = ["LogQLProblem", "logql_problem"]

#: Loki refuses a query of this many bytes or more (``maxInputSize``; 128 KiB in Loki 3).
MAX_INPUT = 5120
MAX_INPUT_3 = 131072
#: The Loki releases :func:`logql_problem` reads as.
LOKI_2_9 = (2, 9)
#: The first Loki 3 minor whose lexer reserves ``variants`` and ``of``.
_VARIANTS_MINOR = 5


#: The functions a line_format or label_format template may call: Go's, Loki's
#: (fmt.go's ``functionMap``), the sprig functions it takes (``templateFunctions``,
#: each in sprig's GenericFuncMap: sprig 3.2.3 in 2.9.8, 3.3.0 in 3.7.6) and the
#: two it adds per formatter (``__line__``, ``__timestamp__``). The same names in
#: Loki 2.9.8 and 3.7.6.
LOKI_TEMPLATE_FUNCTIONS = GO_FUNCTIONS | frozenset(
    ["ToLower", "ToUpper", "Replace", "Trim", "TrimLeft", "TrimRight", "TrimPrefix", "TrimSuffix", "TrimSpace",
     "regexReplaceAll", "regexReplaceAllLiteral", "count", "urldecode", "urlencode", "bytes", "duration",
     "duration_seconds", "unixEpochMillis", "unixEpochNanos", "toDateInZone", "unixToTime", "alignLeft", "alignRight",
     # sprig
     "b64enc", "b64dec", "lower", "upper", "title", "trunc", "substr", "contains", "hasPrefix", "hasSuffix", "indent",
     "nindent", "replace", "repeat", "trim", "trimAll", "trimSuffix", "trimPrefix", "int", "float64", "add", "sub",
     "mul", "div", "mod", "addf", "subf", "mulf", "divf", "max", "min", "maxf", "minf", "ceil", "floor", "round",
     "fromJson", "date", "toDate", "now", "unixEpoch", "default",
     "__line__", "__timestamp__"]
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class LogQLProblem:
    """Why Loki refuses a query: ``message`` in Loki's terms, ``offset`` the
    character of the query it is about (-1: the whole query), ``kind``
    ``syntax``, ``regex`` (a regex Go's regexp refuses: what OAC320 reports),
    ``selector`` (no matcher that restricts the streams: OAC318's subject),
    ``template`` (a line_format or label_format template Go refuses) or ``ip``
    (an ``ip()`` pattern or operation Loki refuses)."""

    message: str
    offset: int
    kind: str = "syntax"


class _Fail(Exception):
    def __init__(self, problem: LogQLProblem) -> None:
        super().__init__(problem.message)
        self.problem = problem


# --------------------------------------------------------------------- lexer

#: lex.go's ``tokens``: a text -> its token.
_TOKENS = {
    ",": "COMMA", ".": "DOT", "{": "OPEN_BRACE", "}": "CLOSE_BRACE", "=": "EQ", "!=": "NEQ", "=~": "RE",
    "!~": "NRE", "|=": "PIPE_EXACT", "|~": "PIPE_MATCH", "|": "PIPE", "unwrap": "UNWRAP",
    "(": "OPEN_PARENTHESIS", ")": "CLOSE_PARENTHESIS", "by": "BY", "without": "WITHOUT", "bool": "BOOL",
    "[": "OPEN_BRACKET", "]": "CLOSE_BRACKET", "label_replace": "LABEL_REPLACE", "offset": "OFFSET", "on": "ON",
    "ignoring": "IGNORING", "group_left": "GROUP_LEFT", "group_right": "GROUP_RIGHT", "or": "OR", "and": "AND",
    "unless": "UNLESS", "+": "ADD", "-": "SUB", "*": "MUL", "/": "DIV", "%": "MOD", "^": "POW", "==": "CMP_EQ",
    ">": "GT", ">=": "GTE", "<": "LT", "<=": "LTE", "json": "JSON", "regexp": "REGEXP", "logfmt": "LOGFMT",
    "unpack": "UNPACK", "pattern": "PATTERN", "label_format": "LABEL_FMT", "line_format": "LINE_FMT", "ip": "IP",
    "decolorize": "DECOLORIZE", "drop": "DROP", "keep": "KEEP",
}  # fmt: skip
#: Loki 3's ``tokens``: the pattern line filters, and from 3.5 the variants keywords.
_TOKENS_3 = {**_TOKENS, "|>": "PIPE_PATTERN", "!>": "NPA"}
_TOKENS_35 = {**_TOKENS_3, "variants": "VARIANTS", "of": "OF"}

_RANGE_OPS = frozenset({
    "count_over_time", "rate", "rate_counter", "bytes_over_time", "bytes_rate", "avg_over_time", "sum_over_time",
    "min_over_time", "max_over_time", "stdvar_over_time", "stddev_over_time", "quantile_over_time",
    "first_over_time", "last_over_time", "absent_over_time",
})  # fmt: skip
_VECTOR_OPS = frozenset({"sum", "avg", "max", "min", "count", "stddev", "stdvar", "bottomk", "topk", "sort", "sort_desc"})
_CONVERSIONS = frozenset({"bytes", "duration", "duration_seconds"})
#: lex.go's ``functionTokens``: a token only when a ``(`` (or ``by (``/``without (``) follows.
_FUNCTIONS: dict[str, str] = {
    **{op: "RANGE_OP" for op in _RANGE_OPS},
    **{op: "VECTOR_OP" for op in _VECTOR_OPS},
    **{op: "CONV" for op in _CONVERSIONS},
    "vector": "VECTOR",
    "label_replace": "LABEL_REPLACE",
    "ip": "IP",
}
#: Loki 3's ``functionTokens``.
_FUNCTIONS_3 = {**_FUNCTIONS, "approx_topk": "VECTOR_OP"}
_PARSER_FLAGS = frozenset({"--strict", "--keep-empty"})
_GO_SPACE = " \t\n\r"
_DURATION_RUNES = frozenset("numµshdwy")
_BYTES_RUNES = frozenset("BikKMGTP")


class _Tok:
    """A token: its kind, its text and offset; a string's value; a lexing error."""

    __slots__ = ("error", "kind", "pos", "text", "value")

    def __init__(self, kind: str, text: str, pos: int, value: str = "", error: str = "") -> None:
        self.kind = kind
        self.text = text
        self.pos = pos
        self.value = value
        self.error = error


def _is_letter(c: str) -> bool:
    return c == "_" or c.isalpha()


def _is_digit(c: str) -> bool:
    return "0" <= c <= "9" or (ord(c) > 127 and unicodedata.category(c) == "Nd")


def _is_number(c: str) -> bool:
    """Go's unicode.IsNumber."""
    return "0" <= c <= "9" or (ord(c) > 127 and unicodedata.category(c) in ("Nd", "Nl", "No"))


def _is_space(c: str) -> bool:
    """Go's unicode.IsSpace."""
    return c in " \t\n\v\f\r\x85\xa0" or (ord(c) > 255 and c.isspace())


_PROM_UNITS = {"y": (1, 365 * 86400 * 10**9), "w": (2, 7 * 86400 * 10**9), "d": (3, 86400 * 10**9),
               "h": (4, 3600 * 10**9), "m": (5, 60 * 10**9), "s": (6, 10**9), "ms": (7, 10**6)}  # fmt: skip
_GO_UNITS = {"ns": 1, "us": 10**3, "µs": 10**3, "μs": 10**3, "ms": 10**6, "s": 10**9, "m": 60 * 10**9, "h": 3600 * 10**9}
_MAX_DURATION = (1 << 63) - 1


def prom_duration_problem(s: str) -> str | None:
    """prometheus/common v0.43 ``model.ParseDuration``'s error for ``s``, None when it reads it."""
    if s == "0":
        return None
    if s == "":
        return "empty duration string"
    orig, total, last = s, 0, 0
    while s:
        if not ("0" <= s[0] <= "9"):
            return f"not a valid duration string: {_go_quote(orig)}"
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        v = int(s[:i])
        s = s[i:]
        i = 0
        while i < len(s) and not ("0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            return f"not a valid duration string: {_go_quote(orig)}"
        unit, s = s[:i], s[i:]
        if unit not in _PROM_UNITS:
            return f"unknown unit {_go_quote(unit)} in duration {_go_quote(orig)}"
        pos, mult = _PROM_UNITS[unit]
        if pos <= last:
            return f"not a valid duration string: {_go_quote(orig)}"
        last = pos
        if v > (1 << 63) // mult:
            return "duration out of range"
        total += v * mult
        if total > _MAX_DURATION:
            return "duration out of range"
    return None


def go_duration_ok(s: str) -> bool:
    """Whether Go's ``time.ParseDuration`` reads ``s``."""
    neg = s[:1] == "-"
    if s[:1] in ("-", "+"):
        s = s[1:]
    if s == "0":
        return True
    if not s:
        return False
    total = 0
    while s:
        if not (s[0] == "." or "0" <= s[0] <= "9"):
            return False
        i = 0
        while i < len(s) and "0" <= s[i] <= "9":
            i += 1
        whole, s = s[:i], s[i:]
        frac = ""
        if s[:1] == ".":
            s = s[1:]
            i = 0
            while i < len(s) and "0" <= s[i] <= "9":
                i += 1
            frac, s = s[:i], s[i:]
            if not whole and not frac:
                return False
        elif not whole:
            return False
        i = 0
        while i < len(s) and s[i] != "." and not ("0" <= s[i] <= "9"):
            i += 1
        if i == 0:
            return False
        unit, s = s[:i], s[i:]
        if unit not in _GO_UNITS:
            return False
        mult = _GO_UNITS[unit]
        v = int(whole or "0")
        if v > (1 << 63) // mult:
            return False
        total += v * mult + (int(frac) * mult // 10 ** len(frac) if frac else 0)
        if total > (1 << 63):
            return False
    return total <= _MAX_DURATION or (neg and total == 1 << 63)


_BYTES_MULT = {"": 1, "b": 1, "k": 1000, "kb": 1000, "ki": 1024, "kib": 1024, "m": 1000**2, "mb": 1000**2,
               "mi": 1024**2, "mib": 1024**2, "g": 1000**3, "gb": 1000**3, "gi": 1024**3, "gib": 1024**3,
               "t": 1000**4, "tb": 1000**4, "ti": 1024**4, "tib": 1024**4, "p": 1000**5, "pb": 1000**5,
               "pi": 1024**5, "pib": 1024**5, "e": 1000**6, "eb": 1000**6, "ei": 1024**6, "eib": 1024**6}  # fmt: skip


def bytes_ok(s: str) -> bool:
    """Whether go-humanize 1.0.1's ``ParseBytes`` reads ``s``."""
    i = 0
    while i < len(s) and (_is_digit(s[i]) or s[i] in ".,"):
        i += 1
    number = go_float(s[:i].replace(",", ""))
    if number is None:
        return False
    unit = s[i:].strip().lower()
    return unit in _BYTES_MULT and number * _BYTES_MULT[unit] < 2.0**64


def _go_quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class _Lexer:
    """lex.go's ``Lex`` over text/scanner's Go tokens, all tokens read at once;
    a lexing error ends the list with an ``ERROR`` token where Loki reports it."""

    def __init__(self, src: str, version: tuple[int, int] = LOKI_2_9) -> None:
        self.s = src
        self.n = len(src)
        self.i = 0
        self.toks: list[_Tok] = []
        #: Loki 3 reads keywords in any case, and has more of them.
        self.v3 = version[0] >= 3
        self.tokens = _TOKENS if not self.v3 else _TOKENS_35 if version[1] >= _VARIANTS_MINOR else _TOKENS_3
        self.functions = _FUNCTIONS_3 if self.v3 else _FUNCTIONS

    def run(self) -> list[_Tok]:
        while True:
            tok = self.next()
            self.toks.append(tok)
            if tok.kind in ("EOF", "ERROR"):
                return self.toks

    def fail(self, msg: str, pos: int) -> _Tok:
        return _Tok("ERROR", "", pos, error=msg)

    def peek(self, at: int) -> str:
        return self.s[at] if at < self.n else ""

    def next(self) -> _Tok:
        s, n = self.s, self.n
        while True:
            while self.i < n and s[self.i] in _GO_SPACE:
                self.i += 1
            if self.i >= n:
                return _Tok("EOF", "", n)
            c = s[self.i]
            if c == "/" and self.peek(self.i + 1) == "/":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end
                continue
            if c == "/" and self.peek(self.i + 1) == "*":
                end = s.find("*/", self.i + 2)
                if end < 0:
                    return self.fail("comment not terminated", self.i)
                self.i = end + 2
                continue
            if c == "#":
                end = s.find("\n", self.i)
                self.i = n if end < 0 else end + 1
                continue
            break
        start = self.i
        if _is_letter(c):
            j = start + 1
            while j < n and (_is_letter(s[j]) or _is_digit(s[j])):
                j += 1
            self.i = j
            return self.word(s[start:j], start)
        if (_is_digit(c) and "0" <= c <= "9") or (c == "." and "0" <= self.peek(start + 1) <= "9"):
            return self.number(start)
        if c in "\"`'":
            return self.quoted(c, start)
        self.i += 1
        if c == "-":
            if self.peek(self.i) == "-":
                j = self.i
                while j < n and (s[j].isalpha() or s[j] == "-"):
                    j += 1
                if "-" + s[self.i : j] in _PARSER_FLAGS:
                    self.i = j
                    return _Tok("PARSER_FLAG", s[start:j], start)
            tok = self.unit_after("-", start, _DURATION_RUNES, go_duration_or_prom, "DURATION")
            if tok is not None:
                return tok
        if c == "[":
            end = s.find("]", self.i)
            if end < 0:
                self.i = n
                return self.fail("missing closing ']' in duration", start)
            text = s[self.i : end]
            self.i = end + 1
            problem = prom_duration_problem(text)
            if problem is not None:
                return self.fail(problem, start)
            return _Tok("RANGE", s[start : end + 1], start)
        two = c + self.peek(self.i)
        tokens = self.tokens
        if two in tokens:
            self.i += 1
            return _Tok(tokens[two], two, start)
        if c in tokens:
            return _Tok(tokens[c], c, start)
        return _Tok("IDENTIFIER", c, start)

    def word(self, text: str, start: int) -> _Tok:
        key = text.lower() if self.v3 else text
        kind = self.functions.get(key)
        if kind is not None:
            return _Tok(kind, text, start) if self.is_function(self.i) else _Tok("IDENTIFIER", text, start)
        return _Tok(self.tokens.get(key, "IDENTIFIER"), text, start)

    def is_function(self, at: int) -> bool:
        """lex.go's isFunction: a ``(`` next, or ``by``/``without`` then ``(``
        (in any case for Loki 3)."""
        s = self.s
        while at < self.n and _is_space(s[at]):
            at += 1
        if s.startswith("(", at):
            return True
        for word in ("by", "without"):
            if (s[at : at + len(word)].lower() == word) if self.v3 else s.startswith(word, at):
                at += len(word)
                while at < self.n and _is_space(s[at]):
                    at += 1
                return s.startswith("(", at)
        return False

    def unit_after(self, text: str, start: int, runes: frozenset[str], ok: Callable[[str], bool], kind: str) -> _Tok | None:
        """tryScanDuration / tryScanBytes: the token ``text`` and the characters
        after it that can be part of a duration (a size), when that reads as one."""
        s, j = self.s, self.i
        while j < self.n and not _is_space(s[j]) and (_is_number(s[j]) or s[j] in runes or s[j] == "."):
            j += 1
        if j == self.i or not ok(text + s[self.i : j]):
            return None
        self.i = j
        return _Tok(kind, s[start:j], start)

    def number(self, start: int) -> _Tok:
        end, problem = _scan_go_number(self.s, start)
        self.i = end
        if problem is not None:
            return self.fail(problem, start)
        text = self.s[start:end]
        return (
            self.unit_after(text, start, _DURATION_RUNES, go_duration_or_prom, "DURATION")
            or self.unit_after(text, start, _BYTES_RUNES, bytes_ok, "BYTES")
            or _Tok("NUMBER", text, start)
        )

    def quoted(self, quote: str, start: int) -> _Tok:
        s, j = self.s, start + 1
        chars = 0
        while True:
            if j >= self.n or (quote != "`" and s[j] == "\n"):
                self.i = self.n
                return self.fail("literal not terminated", start)
            c = s[j]
            if c == quote:
                break
            if c == "\\" and quote != "`":
                at = j
                j, problem = _scan_escape(s, j + 1, quote)
                if problem is not None:
                    self.i = self.n
                    return self.fail(f"{problem} {s[at:at + 2]}: in a double-quoted string a backslash starts "
                                     "a Go escape (write \\\\ for a backslash, or use backquotes)", at)
            else:
                j += 1
            chars += 1
        self.i = j + 1
        text = s[start : j + 1]
        if quote == "'":
            if chars != 1:
                return self.fail("invalid char literal", start)
            return _Tok("IDENTIFIER", text, start)
        if any("\udc80" <= ch <= "\udcff" for ch in text):
            return self.fail("invalid UTF-8 encoding", start)
        value = logql_string(text)
        if value is None:
            return self.fail("invalid syntax: Go cannot read the string " + text, start)
        return _Tok("STRING", text, start, value=value)


def go_duration_or_prom(s: str) -> bool:
    """lex.go's parseDuration: Prometheus's units first, then Go's."""
    return prom_duration_problem(s) is None or go_duration_ok(s)


def _scan_escape(s: str, j: int, quote: str) -> tuple[int, str | None]:
    """text/scanner's scanEscape from the character after a backslash: the
    index after the escape, and its error."""
    c = s[j] if j < len(s) else ""
    if c and c in "abfnrtv\\" + quote:
        return j + 1, None
    digits = {"x": (2, 16), "u": (4, 16), "U": (8, 16)}.get(c)
    if c and "0" <= c <= "7":
        digits, j = (3, 8), j - 1
    if digits is None:
        return j, "invalid char escape"
    count, base = digits
    j += 1
    for _ in range(count):
        d = s[j] if j < len(s) else ""
        if not d or d not in "0123456789abcdefABCDEF"[: base if base == 8 else 22]:
            return j, "invalid char escape"
        j += 1
    return j, None


def _scan_go_number(s: str, i: int) -> tuple[int, str | None]:
    """text/scanner's scanNumber: the end of the number at ``i`` and its error."""
    n = len(s)

    def at(k: int) -> str:
        return s[k].lower() if k < n else ""

    base, prefix, digsep, invalid = 10, "", 0, ""
    is_float = False

    def digits(k: int, b: int) -> tuple[int, int]:
        nonlocal invalid
        sep = 0
        while k < n:
            c = s[k].lower()
            if c == "_":
                sep |= 2
            elif b <= 10 and "0" <= c <= "9":
                if int(c) >= b and not invalid:
                    invalid = c
                sep |= 1
            elif b == 16 and ((c.isdigit() and c <= "9") or "a" <= c <= "f"):
                sep |= 1
            else:
                break
            k += 1
        return k, sep

    k = i
    if s[k] != ".":
        if s[k] == "0":
            k += 1
            p = at(k)
            if p in ("x", "o", "b"):
                k += 1
                base, prefix = {"x": 16, "o": 8, "b": 2}[p], p
            else:
                base, prefix, digsep = 8, "0", 1
        k, ds = digits(k, base)
        digsep |= ds
        if at(k) == ".":
            k += 1
            is_float = True
    else:
        k += 1
        is_float = True
    if is_float:
        if prefix in ("o", "b"):
            return k, "invalid radix point in " + _litname(prefix)
        k, ds = digits(k, base)
        digsep |= ds
    if digsep & 1 == 0:
        return k, _litname(prefix) + " has no digits"
    e = at(k)
    if e in ("e", "p"):
        if e == "e" and prefix not in ("", "0"):
            return k, f"'{s[k]}' exponent requires decimal mantissa"
        if e == "p" and prefix != "x":
            return k, f"'{s[k]}' exponent requires hexadecimal mantissa"
        k += 1
        is_float = True
        if at(k) in ("+", "-"):
            k += 1
        k, ds = digits(k, 10)
        if ds & 1 == 0:
            return k, "exponent has no digits"
    elif prefix == "x" and is_float:
        return k, "hexadecimal mantissa requires a 'p' exponent"
    if not is_float and invalid:
        return k, f"invalid digit '{invalid}' in {_litname(prefix)}"
    text = s[i:k]
    if "_" in text and not re.fullmatch(r"(0[xob]?)?_?[0-9a-f]+(_[0-9a-f]+)*(\.[0-9a-f]*(_[0-9a-f]+)*)?([ep][+-]?\d+(_\d+)*)?", text.lower()):
        return k, "'_' must separate successive digits"
    return k, None


def _litname(prefix: str) -> str:
    return {"x": "hexadecimal literal", "o": "octal literal", "0": "octal literal", "b": "binary literal"}.get(prefix, "decimal literal")


# -------------------------------------------------------------------- parser

class _Node:
    """What the parser builds: just enough of Loki's tree to validate it.
    ``kind``: ``log`` (a stream selector with its pipeline), ``literal``,
    ``vector``, ``range`` (range aggregation), ``vecagg``, ``binop``,
    ``label_replace``; ``err``: a problem Loki keeps in the node and reports
    when it validates the tree; ``matchers``: a selector's (op, value, opaque)."""

    __slots__ = ("err", "kind", "left", "matchers", "pos", "right", "value")

    def __init__(
        self,
        kind: str,
        pos: int,
        err: LogQLProblem | None = None,
        matchers: list[tuple[str, str, bool]] | None = None,
        left: _Node | None = None,
        right: _Node | None = None,
        value: float = 0.0,
    ) -> None:
        self.kind = kind
        self.pos = pos
        self.err = err
        self.matchers = matchers if matchers is not None else []
        self.left = left
        self.right = right
        self.value = value


_PRECEDENCE = {"OR": 1, "AND": 2, "UNLESS": 2, "CMP_EQ": 3, "NEQ": 3, "LT": 3, "LTE": 3, "GT": 3, "GTE": 3,
               "ADD": 4, "SUB": 4, "MUL": 5, "DIV": 5, "MOD": 5, "POW": 6}  # fmt: skip
_FILTERS = frozenset({"PIPE_EXACT", "PIPE_MATCH", "NEQ", "NRE"})
_FILTERS_3 = _FILTERS | {"PIPE_PATTERN", "NPA"}
_MATCH_OPS = {"EQ": "=", "NEQ": "!=", "RE": "=~", "NRE": "!~"}
_CMP_OPS = frozenset({"GT", "GTE", "LT", "LTE", "NEQ", "EQ", "CMP_EQ"})
#: Range aggregations that take ``by``/``without``, that need ``| unwrap``, that may have one.
_GROUPED_RANGE = frozenset({"avg_over_time", "stddev_over_time", "stdvar_over_time", "quantile_over_time",
                            "max_over_time", "min_over_time", "first_over_time", "last_over_time"})  # fmt: skip
_UNWRAPPED = frozenset({"avg_over_time", "sum_over_time", "max_over_time", "min_over_time", "stddev_over_time",
                        "stdvar_over_time", "quantile_over_time", "rate", "rate_counter", "absent_over_time",
                        "first_over_time", "last_over_time"})  # fmt: skip
_NOT_UNWRAPPED = frozenset({"bytes_over_time", "bytes_rate", "count_over_time", "rate", "absent_over_time"})
_VARIABLE = re.compile(r"\$\{?\w+|\[\[\w+")
_NAMED_GROUP = re.compile(r"\(\?P<([^>]*)>")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_PATTERN_CAPTURE = re.compile(r"<([A-Za-z_][A-Za-z0-9_]*)>")

_NAMES = {
    "STRING": "string", "NUMBER": "number", "DURATION": "duration", "BYTES": "size", "RANGE": "range",
    "IDENTIFIER": "name", "PARSER_FLAG": "parser flag",
}  # fmt: skip


def _describe(tok: _Tok) -> str:
    if tok.kind == "EOF":
        return "end of the query"
    if tok.kind in _NAMES:
        return f"{_NAMES[tok.kind]} {tok.text}"
    return repr(tok.text)


class _Parser:
    def __init__(self, toks: list[_Tok], opaque: bool, grammar_only: bool = False, version: tuple[int, int] = LOKI_2_9) -> None:
        self.toks = toks
        self.k = 0
        #: Loki 3's grammar and checks (else 2.9's).
        self.v3 = version[0] >= 3
        self.filters = _FILTERS_3 if self.v3 else _FILTERS
        #: Whether a value holding a Grafana variable is left unjudged (its
        #: regex, pattern, whether it matches the empty string).
        self.opaque = opaque
        #: Whether only the grammar is judged (expr.y's, without the checks
        #: Loki's actions make on values): what the tests compare with Loki's
        #: parse tables.
        self.grammar_only = grammar_only
        #: The line_format and label_format templates read, in pipeline order: their
        #: string, and the label a label_format template writes (None for
        #: line_format's); or, for a label_format stage Loki's validate() refuses,
        #: the offending name and what Loki says (the stage's templates unread).
        self.templates: list[tuple[_Tok, str | None] | tuple[_Tok, LogQLProblem]] = []
        #: The ip("...") patterns Loki reads when it builds the pipeline: the line
        #: filter's operator (None in a label filter, which takes = and != only)
        #: and the string.
        self.ips: list[tuple[_Tok | None, _Tok]] = []

    # -- helpers
    @property
    def tok(self) -> _Tok:
        return self.toks[self.k]

    def ahead(self, n: int = 1) -> _Tok:
        return self.toks[min(self.k + n, len(self.toks) - 1)]

    def error(self, expecting: str = "", tok: _Tok | None = None) -> _Fail:
        tok = tok or self.tok
        if tok.kind == "ERROR":
            return _Fail(LogQLProblem(tok.error, tok.pos))
        said = f"unexpected {_describe(tok)}"
        return _Fail(LogQLProblem(f"{said}, expecting {expecting}" if expecting else said, tok.pos))

    def expect(self, kind: str, what: str) -> _Tok:
        tok = self.tok
        if tok.kind != kind:
            raise self.error(what)
        self.k += 1
        return tok

    def accept(self, kind: str) -> bool:
        if self.tok.kind == kind:
            self.k += 1
            return True
        return False

    def is_opaque(self, value: str) -> bool:
        return self.grammar_only or (self.opaque and _VARIABLE.search(value) is not None)

    # -- expressions
    def parse(self) -> _Node:
        node = self.expr(0)
        if self.tok.kind != "EOF":
            raise self.error()
        return node

    def expr(self, min_prec: int) -> _Node:
        left = self.primary()
        while True:
            op = self.tok
            prec = _PRECEDENCE.get(op.kind)
            if prec is None or prec < min_prec:
                return left
            self.k += 1
            self.bin_modifier()
            right = self.expr(prec if op.kind == "POW" else prec + 1)
            left = _binop(op, left, right)

    def bin_modifier(self) -> None:
        self.accept("BOOL")
        if self.tok.kind in ("ON", "IGNORING"):
            self.k += 1
            self.label_list(allow_empty=True)
            if self.tok.kind in ("GROUP_LEFT", "GROUP_RIGHT"):
                self.k += 1
                if self.tok.kind == "OPEN_PARENTHESIS":
                    self.label_list(allow_empty=True)

    def label_list(self, allow_empty: bool) -> None:
        self.expect("OPEN_PARENTHESIS", "(")
        if self.accept("CLOSE_PARENTHESIS"):
            return
        while True:
            self.expect("IDENTIFIER", "a label name or )" if allow_empty else "a label name")
            if self.accept("CLOSE_PARENTHESIS"):
                return
            self.expect("COMMA", ", or )")

    def grouping(self) -> None:
        self.k += 1  # by / without
        self.label_list(allow_empty=True)

    def primary(self) -> _Node:
        tok = self.tok
        kind = tok.kind
        if kind == "NUMBER":
            self.k += 1
            return _literal(tok.text, tok.pos, False)
        if kind in ("ADD", "SUB"):
            self.k += 1
            num = self.expect("NUMBER", "a number")
            return _literal(num.text, tok.pos, kind == "SUB")
        if kind == "OPEN_BRACE":
            return self.log_expr()
        if kind == "OPEN_PARENTHESIS":
            self.k += 1
            inner = self.expr(0)
            if inner.kind == "variants":
                raise self.error()  # ( logExpr ) and ( metricExpr ) only
            self.expect("CLOSE_PARENTHESIS", ")")
            return inner
        if kind == "VARIANTS":
            return self.variants()
        if kind == "VECTOR_OP":
            return self.vector_aggregation()
        if kind == "RANGE_OP":
            return self.range_aggregation()
        if kind == "LABEL_REPLACE":
            return self.label_replace()
        if kind == "VECTOR":
            self.k += 1
            self.expect("OPEN_PARENTHESIS", "(")
            num = self.expect("NUMBER", "a number")
            self.expect("CLOSE_PARENTHESIS", ")")
            value = go_float(num.text)
            err = None if value is not None else LogQLProblem(f"unable to parse vectorExpr as a float: {num.text}", num.pos)
            return _Node("vector", tok.pos, err)
        raise self.error("a stream selector {...}, a number or a function")

    def variants(self) -> _Node:
        """Loki 3.5's ``variants(metric, ...) of (logRangeExpr)``: Loki validates
        only its log range's selector (it is a sample expression whose
        Selector() is the log range's)."""
        op = self.tok
        self.k += 1
        self.expect("OPEN_PARENTHESIS", "(")
        self.metric()
        while self.accept("COMMA"):
            self.metric()
        self.expect("CLOSE_PARENTHESIS", ", or )")
        self.expect("OF", "of")
        self.expect("OPEN_PARENTHESIS", "(")
        if self.tok.kind not in ("OPEN_BRACE", "OPEN_PARENTHESIS"):
            raise self.error("{ or (")
        matchers, _unwrapped = self.log_range()
        self.expect("CLOSE_PARENTHESIS", ")")
        return _Node("variants", op.pos, matchers=matchers)

    def metric(self) -> _Node:
        """A metric expression (a log query is refused here)."""
        start = self.tok
        node = self.expr(0)
        if node.kind == "variants":
            raise self.error()  # a variants expression is no metricExpr
        if node.kind == "log":
            raise _Fail(LogQLProblem("a log query where a metric query is expected: wrap it in a range aggregation "
                                     "such as count_over_time(...[5m])", start.pos))
        return node

    def vector_aggregation(self) -> _Node:
        op = self.tok
        self.k += 1
        labels = -1  # the labels of its by/without; -1: none
        if self.tok.kind in ("BY", "WITHOUT"):
            labels = self.grouping_labels()
        self.expect("OPEN_PARENTHESIS", "(")
        param: _Tok | None = None
        if self.tok.kind == "NUMBER" and self.ahead().kind == "COMMA":
            param = self.tok
            self.k += 2
        inner = self.metric()
        self.expect("CLOSE_PARENTHESIS", ")")
        if self.tok.kind in ("BY", "WITHOUT") and labels < 0:
            labels = self.grouping_labels()
        node = _Node("vecagg", op.pos, left=inner)
        name = op.text.lower() if self.v3 else op.text
        if name in ("topk", "bottomk", "approx_topk"):
            if param is None:
                node.err = LogQLProblem(f"parameter required for operation {name}", op.pos)
            elif not re.fullmatch(r"[+-]?\d+", param.text):
                node.err = LogQLProblem(f"invalid parameter {name}({param.text},", param.pos)
            elif int(param.text) <= 0:
                node.err = LogQLProblem(f"invalid parameter (must be greater than 0) {name}({param.text}", param.pos)
            elif name == "approx_topk" and labels >= 0:
                node.err = LogQLProblem(f"grouping not allowed for {name} aggregation", op.pos)
        elif param is not None:
            node.err = LogQLProblem(f"unsupported parameter for operation {name}({param.text},", param.pos)
        if node.err is None and name in ("sort", "sort_desc") and labels > 0:
            node.err = LogQLProblem("sort and sort_desc doesn't allow grouping by ", op.pos)
        return node

    def grouping_labels(self) -> int:
        """A ``by (...)``/``without (...)``: how many labels it names."""
        self.k += 1
        self.expect("OPEN_PARENTHESIS", "(")
        count = 0
        if self.accept("CLOSE_PARENTHESIS"):
            return count
        while True:
            self.expect("IDENTIFIER", "a label name or )")
            count += 1
            if self.accept("CLOSE_PARENTHESIS"):
                return count
            self.expect("COMMA", ", or )")

    def label_replace(self) -> _Node:
        op = self.tok
        self.k += 1
        self.expect("OPEN_PARENTHESIS", "(")
        inner = self.metric()
        strings: list[_Tok] = []
        for _ in range(4):
            self.expect("COMMA", ",")
            strings.append(self.expect("STRING", "a string"))
        self.expect("CLOSE_PARENTHESIS", ")")
        node = _Node("label_replace", op.pos, left=inner)
        regex = strings[3]
        if not self.is_opaque(regex.value):
            problem = go_regex_problem(f"^(?:{regex.value})$")
            if problem is not None:
                node.err = LogQLProblem(f"invalid regex in label_replace: error parsing regexp: {problem}", regex.pos)
        return node

    def range_aggregation(self) -> _Node:
        op = self.tok
        self.k += 1
        self.expect("OPEN_PARENTHESIS", "(")
        param: _Tok | None = None
        if self.tok.kind == "NUMBER":
            param = self.tok
            self.k += 1
            self.expect("COMMA", ",")
        elif self.tok.kind not in ("OPEN_BRACE", "OPEN_PARENTHESIS"):
            raise self.error("a number, { or (")
        matchers, unwrapped = self.log_range()
        self.expect("CLOSE_PARENTHESIS", ")")
        grouped = False
        if self.tok.kind in ("BY", "WITHOUT"):
            self.grouping()
            grouped = True
        node = _Node("range", op.pos, matchers=matchers)
        name = op.text.lower() if self.v3 else op.text
        if param is not None:
            if name != "quantile_over_time":
                node.err = LogQLProblem(f"parameter {param.text} not supported for operation {name}", param.pos)
            elif go_float(param.text) is None:
                node.err = LogQLProblem(f"invalid parameter for operation {name}: {param.text}", param.pos)
        elif name == "quantile_over_time":
            node.err = LogQLProblem(f"parameter required for operation {name}", op.pos)
        if node.err is None:
            if grouped and name not in _GROUPED_RANGE:
                node.err = LogQLProblem(f"grouping not allowed for {name} aggregation", op.pos)
            elif unwrapped and name not in _UNWRAPPED:
                node.err = LogQLProblem(f"invalid aggregation {name} with unwrap", op.pos)
            elif not unwrapped and name not in _NOT_UNWRAPPED:
                node.err = LogQLProblem(f"invalid aggregation {name} without unwrap: add | unwrap <label>", op.pos)
        return node

    def log_range(self) -> tuple[list[tuple[str, str, bool]], bool]:
        """A logRangeExpr: its selector's matchers and whether it unwraps."""
        if self.tok.kind == "OPEN_PARENTHESIS":
            self.k += 1
            if self.tok.kind != "OPEN_BRACE":
                found = self.log_range()
                self.expect("CLOSE_PARENTHESIS", ")")
                return found
            matchers = self.selector()
            piped = self.pipeline_start() and self.pipeline()
            unwrapped = self.unwrap_start() and self.unwrap()
            if self.tok.kind == "RANGE":
                # ( selector ... [range] ... ): a parenthesized logRangeExpr.
                found = self.after_range(matchers, piped, unwrapped)
                self.expect("CLOSE_PARENTHESIS", ")")
                return found
            self.expect("CLOSE_PARENTHESIS", "a range [...]" if (piped or unwrapped) else ")")
            self.expect("RANGE", "a range [...]")
            if self.tok.kind == "OFFSET":
                self.offset()
            if not piped and not unwrapped and self.unwrap_start():
                unwrapped = self.unwrap()
            return matchers, unwrapped
        if self.tok.kind != "OPEN_BRACE":
            raise self.error("{ or (")
        matchers = self.selector()
        piped = self.pipeline_start() and self.pipeline()
        unwrapped = self.unwrap_start() and self.unwrap()
        if self.tok.kind != "RANGE":
            raise self.error("a range [...]")
        return self.after_range(matchers, piped, unwrapped)

    def after_range(self, matchers: list[tuple[str, str, bool]], piped: bool, unwrapped: bool) -> tuple[list[tuple[str, str, bool]], bool]:
        self.expect("RANGE", "a range [...]")
        if self.tok.kind == "OFFSET":
            self.offset()
        if not piped and not unwrapped:
            if self.pipeline_start():
                self.pipeline()
            if self.unwrap_start():
                unwrapped = self.unwrap()
        return matchers, unwrapped

    def offset(self) -> None:
        self.k += 1
        self.expect("DURATION", "a duration")

    def unwrap_start(self) -> bool:
        return self.tok.kind == "PIPE" and self.ahead().kind == "UNWRAP"

    def unwrap(self) -> bool:
        self.k += 2
        if self.tok.kind == "CONV":
            self.k += 1
            self.expect("OPEN_PARENTHESIS", "(")
            self.expect("IDENTIFIER", "a label name")
            self.expect("CLOSE_PARENTHESIS", ")")
        else:
            self.expect("IDENTIFIER", "a label name or a conversion (bytes, duration, duration_seconds)")
        while self.tok.kind == "PIPE":
            self.k += 1
            self.label_filter()
        return True

    # -- log queries
    def log_expr(self) -> _Node:
        pos = self.tok.pos
        matchers = self.selector()
        if self.pipeline_start():
            self.pipeline()
        return _Node("log", pos, matchers=matchers)

    def selector(self) -> list[tuple[str, str, bool]]:
        self.expect("OPEN_BRACE", "{")
        out: list[tuple[str, str, bool]] = []
        if self.accept("CLOSE_BRACE"):
            return out
        while True:
            out.append(self.matcher())
            if self.accept("CLOSE_BRACE"):
                return out
            self.expect("COMMA", "} or ,")

    def matcher(self) -> tuple[str, str, bool]:
        self.expect("IDENTIFIER", "a label name")
        op = self.tok
        if op.kind not in _MATCH_OPS:
            raise self.error("=, !=, =~ or !~")
        self.k += 1
        value = self.expect("STRING", "a string")
        return self.new_matcher(_MATCH_OPS[op.kind], value)

    def new_matcher(self, op: str, value: _Tok) -> tuple[str, str, bool]:
        """mustNewMatcher: a regex matcher's regex must compile (as Prometheus's)."""
        opaque = self.is_opaque(value.value)
        if op in ("=~", "!~") and not opaque:
            problem = promql_regex_problem(value.value)
            if problem is not None:
                raise _Fail(LogQLProblem(f"error parsing regexp: {problem}", value.pos, "regex"))
        return op, value.value, opaque

    def pipeline_start(self) -> bool:
        kind = self.tok.kind
        return kind in self.filters or (kind == "PIPE" and self.ahead().kind != "UNWRAP")

    def pipeline(self) -> bool:
        while self.pipeline_start():
            if self.tok.kind in self.filters:
                self.line_filter()
            else:
                self.k += 1
                self.stage()
        return True

    def line_filter(self) -> None:
        op = self.tok
        self.k += 1
        ip = self.line_filter_value()
        # Loki 3: lineFilter OR orFilter, orFilter a string (or more with or) or ip(...).
        chained = False
        while self.v3 and self.accept("OR"):
            chained = True
            self.line_filter_value()
        if ip is not None and not chained:
            # Loki 3 builds an or-chain of plain filters, an ip() in it read as text.
            self.ips.append((op, ip))

    def line_filter_value(self) -> _Tok | None:
        """A line filter's string or ip("..."): the ip pattern's string token."""
        if self.tok.kind == "IP":
            self.k += 1
            self.expect("OPEN_PARENTHESIS", "(")
            pattern = self.expect("STRING", "a string")
            self.expect("CLOSE_PARENTHESIS", ")")
            return pattern
        # Loki compiles a line filter's regex (and a |> pattern) when it runs the
        # query, not when it parses it (OAC320 reads the regex).
        self.expect("STRING", "a string or ip(...)")
        return None

    def stage(self) -> None:
        tok = self.tok
        kind = tok.kind
        if kind == "LOGFMT":
            self.k += 1
            while self.accept("PARSER_FLAG"):
                pass
            if self.tok.kind == "IDENTIFIER":
                self.extractions()
        elif kind == "JSON":
            self.k += 1
            if self.tok.kind == "IDENTIFIER":
                self.extractions()
        elif kind in ("UNPACK", "DECOLORIZE"):
            self.k += 1
        elif kind == "REGEXP":
            self.k += 1
            value = self.expect("STRING", "a string")
            if not self.is_opaque(value.value):
                self.regexp_stage(value)
        elif kind == "PATTERN":
            self.k += 1
            value = self.expect("STRING", "a string")
            if not self.is_opaque(value.value):
                self.pattern_stage(value)
        elif kind == "LINE_FMT":
            self.k += 1
            self.templates.append((self.expect("STRING", "a string"), None))
        elif kind == "LABEL_FMT":
            self.k += 1
            stage: list[tuple[_Tok, str | None] | tuple[_Tok, LogQLProblem]] = []
            refused: tuple[_Tok, LogQLProblem] | None = None
            written: set[str] = set()
            while True:
                name = self.expect("IDENTIFIER", "a label name")
                if refused is None and name.text == "__error__":
                    refused = (name, LogQLProblem("__error__ cannot be formatted", name.pos, "template"))
                elif refused is None and name.text in written:
                    message = f"multiple label name '{name.text}' not allowed in a single format operation"
                    refused = (name, LogQLProblem(message, name.pos, "template"))
                written.add(name.text)
                self.expect("EQ", "=")
                if self.tok.kind not in ("IDENTIFIER", "STRING"):
                    raise self.error("a label name or a string")
                if self.tok.kind == "STRING":
                    stage.append((self.tok, name.text))
                self.k += 1
                if not self.accept("COMMA"):
                    break
            # NewLabelsFormatter validates the stage's names before it parses a template.
            self.templates.extend([refused] if refused is not None else stage)
        elif kind in ("DROP", "KEEP"):
            self.k += 1
            while True:
                self.expect("IDENTIFIER", "a label name")
                if self.tok.kind in _MATCH_OPS:
                    op = self.tok
                    self.k += 1
                    self.new_matcher(_MATCH_OPS[op.kind], self.expect("STRING", "a string"))
                if not self.accept("COMMA"):
                    break
        elif kind in ("IDENTIFIER", "OPEN_PARENTHESIS"):
            self.label_filter()
        else:
            raise self.error("a parser (json, logfmt, regexp, pattern, unpack), a label filter, line_format, "
                             "label_format, drop, keep or decolorize")

    def extractions(self) -> None:
        while True:
            self.expect("IDENTIFIER", "a label name")
            if self.accept("EQ"):
                self.expect("STRING", "a string")
            if not self.accept("COMMA"):
                return

    def label_filter(self) -> None:
        """labelFilter: atoms joined by and, or, a comma or nothing."""
        self.label_filter_atom()
        while True:
            kind = self.tok.kind
            if kind in ("AND", "OR", "COMMA"):
                self.k += 1
                self.label_filter_atom()
            elif kind in ("IDENTIFIER", "OPEN_PARENTHESIS"):
                self.label_filter_atom()
            else:
                return

    def label_filter_atom(self) -> None:
        if self.accept("OPEN_PARENTHESIS"):
            self.label_filter()
            self.expect("CLOSE_PARENTHESIS", ")")
            return
        self.expect("IDENTIFIER", "a label name or (")
        op = self.tok
        if op.kind not in _CMP_OPS and op.kind not in _MATCH_OPS:
            raise self.error("a comparison (=, !=, =~, !~, >, >=, <, <=, ==)")
        self.k += 1
        value = self.tok
        if value.kind == "STRING" and op.kind in _MATCH_OPS:
            self.k += 1
            self.new_matcher(_MATCH_OPS[op.kind], value)
        elif value.kind == "IP" and op.kind in ("EQ", "NEQ"):
            self.k += 1
            self.expect("OPEN_PARENTHESIS", "(")
            self.ips.append((None, self.expect("STRING", "a string")))
            self.expect("CLOSE_PARENTHESIS", ")")
        elif value.kind in ("DURATION", "BYTES", "NUMBER") and op.kind in _CMP_OPS:
            self.k += 1
            # Loki 3 reads the number as a literal and drops its error.
            if value.kind == "NUMBER" and not self.grammar_only and not self.v3 and go_float(value.text) is None:
                raise _Fail(LogQLProblem(f"unable to parse float: {value.text}", value.pos))
        elif self.v3 and value.kind in ("ADD", "SUB") and op.kind in _CMP_OPS:
            self.k += 1  # Loki 3's literalExpr: a signed number
            self.expect("NUMBER", "a number")
        elif op.kind in _MATCH_OPS and op.kind in ("EQ", "NEQ"):
            raise self.error("a string, a number, a duration, a size or ip(...)")
        elif op.kind in _MATCH_OPS:
            raise self.error("a string")
        else:
            raise self.error("a number, a duration or a size (a string compares with = != =~ !~ only)")

    def regexp_stage(self, value: _Tok) -> None:
        problem = go_regex_problem(value.value)
        if problem is not None:
            raise _Fail(LogQLProblem(f"invalid regexp parser: error parsing regexp: {problem}", value.pos, "regex"))
        names = _NAMED_GROUP.findall(value.value)
        seen: set[str] = set()
        for name in names:
            if _LABEL_NAME.fullmatch(name) is None:
                raise _Fail(LogQLProblem(f"invalid regexp parser: invalid extracted label name '{name}'", value.pos))
            if name in seen:
                raise _Fail(LogQLProblem(f"invalid regexp parser: duplicate extracted label name '{name}'", value.pos))
            seen.add(name)
        if not names:
            raise _Fail(LogQLProblem("invalid regexp parser: at least one named capture must be supplied", value.pos, "regex"))

    def pattern_stage(self, value: _Tok) -> None:
        text = value.value
        if not text:
            raise _Fail(LogQLProblem("invalid pattern parser: syntax error: the pattern is empty", value.pos))
        parts: list[str] = []  # captures as their name, literals as ""
        i = 0
        for m in _PATTERN_CAPTURE.finditer(text):
            if m.start() > i:
                parts.append("")
            parts.append(m.group(1))
            i = m.end()
        if i < len(text):
            parts.append("")
        named = [p for p in parts if p and p != "_"]
        if not named:
            raise _Fail(LogQLProblem("invalid pattern parser: at least one capture is required", value.pos))
        for a, b in pairwise(parts):
            if a and b:
                raise _Fail(LogQLProblem(f"invalid pattern parser: found consecutive capture '<{a}><{b}>': invalid expression", value.pos))
        if len(set(named)) != len(named):
            dup = next(p for k, p in enumerate(named) if p in named[:k])
            raise _Fail(LogQLProblem(f"invalid pattern parser: duplicate capture name ({dup}): invalid expression", value.pos))


def _literal(text: str, pos: int, negative: bool) -> _Node:
    value = go_float(text)
    if value is None:
        return _Node("literal", pos, LogQLProblem(f"unable to parse literal as a float: {text}", pos))
    return _Node("literal", pos, value=-value if negative else value)


_LOGICAL = frozenset({"OR", "AND", "UNLESS"})


def _binop(op: _Tok, left: _Node, right: _Node) -> _Node:
    """mustNewBinOpExpr: both legs metric queries, no literal leg in and/or/unless;
    two literals make one."""
    if left.kind == "log":
        return _Node("binop", op.pos, LogQLProblem(
            f"a log query on the left of {op.text}: a binary operation takes metric queries", left.pos))
    if right.kind == "log":
        return _Node("binop", op.pos, LogQLProblem(
            f"a log query on the right of {op.text}: a binary operation takes metric queries", right.pos))
    for leg in (left, right):
        if leg.kind == "literal" and leg.err is not None:
            return _Node("binop", op.pos, leg.err)
    if op.kind in _LOGICAL:
        for leg, side in ((left, "left"), (right, "right")):
            if leg.kind == "literal":
                return _Node("binop", op.pos, LogQLProblem(
                    f"unexpected literal for {side} leg of logical/set binary operation ({op.text}): {leg.value:f}", leg.pos))
    if left.kind == "literal" and right.kind == "literal":
        return _Node("literal", left.pos)
    return _Node("binop", op.pos, left=left, right=right)


def _validate(node: _Node, v3: bool = False) -> LogQLProblem | None:
    """parser.go's validateExpr."""
    if node.kind == "log":
        return _validate_matchers(node)
    return _validate_sample(node, v3)


def _validate_sample(node: _Node, v3: bool = False) -> LogQLProblem | None:
    if node.err is not None:
        return node.err
    if node.kind == "binop":
        assert node.left is not None and node.right is not None
        return _validate_sample(node.left, v3) or _validate_sample(node.right, v3)
    if node.kind in ("literal", "vector"):
        return None
    if node.kind == "vecagg" or (v3 and node.kind == "label_replace"):
        # Loki 3 validates label_replace's inner expression as any other
        # (label_replace(vector(1), ...) is valid), 2.9 its selector.
        assert node.left is not None
        return _validate_sample(node.left, v3)
    # A range aggregation or label_replace: Loki validates its selector
    # (Selector(): through label_replace and the left leg of a binary operation).
    sel: _Node | None = node
    while sel is not None and sel.kind in ("label_replace", "vecagg", "binop"):
        if sel.err is not None:
            return sel.err
        sel = sel.left
    if sel is None or sel.kind == "vector":
        return None
    if sel.err is not None:
        return sel.err
    return _validate_matchers(sel)


def _validate_matchers(node: _Node) -> LogQLProblem | None:
    for op, value, opaque in node.matchers:
        if opaque or matcher_matches_empty(op, value) is not True:
            return None
    return LogQLProblem(
        "queries require at least one regexp or equality matcher that does not have an empty-compatible value. "
        'For instance, app=~".*" does not meet this requirement, but app=~".+" will', node.pos, "selector")


def tokens(query: str, version: tuple[int, int] = LOKI_2_9) -> list[_Tok]:
    """The tokens Loki's lexer reads in ``query`` (an ``ERROR`` one last when it
    cannot read it all)."""
    return _Lexer(query, version).run()


def grammar_problem(toks: list[_Tok], version: tuple[int, int] = LOKI_2_9) -> LogQLProblem | None:
    """The first error of expr.y's grammar (syntax.y's for Loki 3) in ``toks``
    (values, parameters and the validation not judged), None when the grammar
    takes them."""
    try:
        _Parser(toks, False, grammar_only=True, version=version).parse()
    except _Fail as exc:
        return exc.problem
    except RecursionError:
        return None
    return None


@lru_cache(maxsize=4096)
def logql_problem(query: str, opaque_variables: bool = False, version: tuple[int, int] = LOKI_2_9) -> LogQLProblem | None:
    """What Loki ``version`` (``(2, 9)``: 2.9.8; ``(3, N)``: Loki 3 as v3.7.6
    reads it) says of ``query`` when it refuses it, None when it parses.
    ``opaque_variables``: a string value holding a Grafana variable reference
    (``$job``, ``${job}``, ``[[job]]``) is not judged (its regex, its pattern,
    whether it matches the empty string): the value is Grafana's to write in."""
    limit = MAX_INPUT_3 if version[0] >= 3 else MAX_INPUT
    if len(query.encode("utf-8", "surrogateescape")) >= limit:
        return LogQLProblem(f"input size too long ({len(query.encode('utf-8', 'surrogateescape'))} > {limit})", -1)
    toks = _Lexer(query, version).run()
    parser = _Parser(toks, opaque_variables, version=version)
    try:
        node = parser.parse()
        return _validate(node, parser.v3) or _pipeline_problem(parser)
    except _Fail as exc:
        return exc.problem
    except RecursionError:
        return None  # hundreds of nested parentheses: Loki's parser has no such limit; not judged


def template_problem(template: str, label: str | None = None, version: tuple[int, int] = LOKI_2_9) -> tuple[int, str] | None:
    """What Loki ``version`` says of a ``line_format`` template (``label``
    None) or of the template of ``label_format label=...`` when Go's
    text/template refuses it: ``(offset in template, message)``, the message as
    Loki words it (``invalid line template: template: line:1: function
    "tolower" not defined``); None when it parses. Loki 3.7 is built with Go
    1.26, which takes ``{{else with ...}}`` (Go 1.23); Loki 2.9.8 with Go 1.21."""
    found = go_template_error(template, "line" if label is None else "label", LOKI_TEMPLATE_FUNCTIONS,
                              else_with=version[0] >= 3)
    if found is None:
        return None
    offset, message = found
    if label is None:
        return offset, f"invalid line template: {message}"
    return offset, f"invalid template for label '{label}': {message}"


def _pipeline_problem(parser: _Parser) -> LogQLProblem | None:
    """The first problem Loki finds building the query's pipeline (a template
    Go refuses, an ip() pattern or operation ip.go refuses), in query order."""
    found = [p for p in (_templates_problem(parser), _ips_problem(parser)) if p is not None]
    return min(found, key=lambda p: p.offset) if found else None


def _ips_problem(parser: _Parser) -> LogQLProblem | None:
    """The first ip("...") Loki refuses (``pkg/logql/log/ip.go``): in a line
    filter other than ``|=`` and ``!=`` (``ip: invalid operation``), or a
    pattern that is no address, CIDR prefix or range (:mod:`obs_as_code.gonetip`)."""
    for op, tok in parser.ips:
        if op is not None and op.kind not in ("PIPE_EXACT", "NEQ"):
            return LogQLProblem("ip: invalid operation", op.pos, "ip")
        value = tok.value
        if parser.is_opaque(value) or ip_pattern_ok(value) is not False:
            continue
        inside = tok.text[1:-1] == value
        return LogQLProblem(f"ip: invalid pattern: {go_quote(value)}", tok.pos + 1 if inside else tok.pos, "ip")
    return None


def _templates_problem(parser: _Parser) -> LogQLProblem | None:
    """The first template of ``parser``'s query Go refuses (a template holding
    a Grafana variable not judged when the parser leaves them opaque)."""
    for tok, label in parser.templates:
        if isinstance(label, LogQLProblem):
            return label  # a label_format stage Loki refuses before its templates
        value = tok.value
        if "{{" not in value or parser.is_opaque(value):
            continue  # no action: plain text, which always parses
        found = template_problem(value, label, (3, 0) if parser.v3 else LOKI_2_9)
        if found is not None:
            offset, message = found
            # Inside the string when its text is the template (backquotes, or no escape).
            inside = tok.text[1:-1] == value
            return LogQLProblem(message, tok.pos + 1 + offset if inside else tok.pos, "template")
    return None
