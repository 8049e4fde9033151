"""Where and what Prometheus 2.42 reports of a PromQL expression it cannot parse.

promql-parser says of most syntax errors only "invalid promql query", with no
position; Prometheus (and ``promtool check rules``) says where and what:
``1:8: parse error: unexpected <op:>>``. This module reads an expression as
Prometheus 2.42 does, to find its first parse error: a lexer written after
promql/parser/lex.go (the same item kinds, the same lexer errors, at the same
positions) and a recursive-descent recognizer of promql/parser/generated_parser.y
that stops at the first item the grammar cannot take, and says it in the words
of the grammar's error rules ("unexpected <item> in <context>, expected ...").

Prometheus reports the first error it records, and some are recorded by the
grammar's actions before a later syntax error (an unknown function, an
aggregation's argument count, a range after what is no selector ...): those
known are reported as Prometheus words them; where another one might come
first (a number or a regex Go refuses, a duration out of range) nothing is
said (:func:`syntax_problem` returns None) and the caller keeps
promql-parser's message.

Used only once promql-parser has refused an expression: the valid path costs
nothing. Compared with promtool 2.42 on generated invalid expressions by
tests/lint/test_promql_errors.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

#: The functions of Prometheus 2.42 (promql/parser/functions.go).
FUNCTIONS_242 = frozenset(
    ["abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg_over_time", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count_over_time", "days_in_month", "day_of_month", "day_of_week", "day_of_year", "deg", "delta", "deriv", "exp", "floor", "histogram_count", "histogram_sum", "histogram_fraction", "histogram_quantile", "holt_winters", "hour", "idelta", "increase", "irate", "label_replace", "label_join", "last_over_time", "ln", "log10", "log2", "max_over_time", "min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time", "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt", "stddev_over_time", "stdvar_over_time", "sum_over_time", "tan", "tanh", "time", "timestamp", "vector", "year"]
)

_OPERATORS = {
    "and": "LAND", "or": "LOR", "unless": "LUNLESS", "atan2": "ATAN2",
}  # fmt: skip
_AGGREGATORS = frozenset(["sum", "avg", "count", "min", "max", "group", "stddev", "stdvar", "topk", "bottomk", "count_values", "quantile"])
_KEYWORDS = frozenset(["offset", "by", "without", "on", "ignoring", "group_left", "group_right", "bool"])
_PREPROCESSORS = frozenset(("start", "end"))
_WITH_PARAM = frozenset(("topk", "bottomk", "count_values", "quantile"))

#: Item kinds shown as ``<op:...>``.
_OP_KINDS = frozenset(
    ["ADD", "DIV", "EQLC", "EQL_REGEX", "GTE", "GTR", "LAND", "LOR", "LSS", "LTE", "LUNLESS", "MOD", "MUL", "NEQ", "NEQ_REGEX", "POW", "SUB", "AT", "ATAN2"]
)
#: Item kinds with a string of their own in ``ItemTypeStr`` (shown by value).
_PLAIN_KINDS = frozenset(
    ["LEFT_PAREN", "RIGHT_PAREN", "LEFT_BRACE", "RIGHT_BRACE", "LEFT_BRACKET", "RIGHT_BRACKET", "COMMA", "EQL", "COLON", "START", "END"]
)
_BINARY = frozenset(
    ["ADD", "ATAN2", "DIV", "EQLC", "GTE", "GTR", "LAND", "LOR", "LSS", "LTE", "LUNLESS", "MOD", "MUL", "NEQ", "POW", "SUB"]
)
#: What ``metric_identifier`` takes besides identifiers and aggregators (which
#: are names unless "(", ``by`` or ``without`` follows).
_METRIC_KINDS = frozenset(["METRIC_IDENTIFIER", "BY", "LAND", "LOR", "LUNLESS", "OFFSET", "WITHOUT", "START", "END"])
#: What ``maybe_label`` takes (a label in ``by (...)``; not ``without``).
_LABEL_KINDS = frozenset(
    ["IDENTIFIER", "METRIC_IDENTIFIER", "AGGR", "BOOL", "BY", "GROUP_LEFT", "GROUP_RIGHT", "IGNORING", "LAND", "LOR", "LUNLESS", "OFFSET", "ON", "START", "END", "ATAN2"]
)
_DURATION = re.compile(r"(?:([0-9]+)y)?(?:([0-9]+)w)?(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?(?:([0-9]+)ms)?")


@dataclass(frozen=True)
class SyntaxProblem:
    """Prometheus's first parse error of an expression: ``offset`` (in
    characters) of the item it is about, ``line``/``col`` as Prometheus counts
    them (1-based; the column in bytes of UTF-8), and what it says."""

    offset: int
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.line}:{self.col}: parse error: {self.message}"


@dataclass(frozen=True)
class _Item:
    kind: str
    pos: int  # offset in characters
    val: str


class _Stop(Exception):
    def __init__(self, pos: int, message: str | None) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


#: A number token as Prometheus's lexer scans one that Go's strconv parses.
_DECIMAL = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_HEX = re.compile(r"0[xX][0-9a-fA-F]+")


def _number(val: str) -> tuple[float, str | None]:
    """What Prometheus 2.42's ``number`` makes of a NUMBER item: ParseInt with
    base 0, else ParseFloat; ``(value, None)`` or ``(0, what ParseFloat says)``."""
    low = val.lower()
    if low in ("inf", "nan"):
        return float(low), None
    if _HEX.fullmatch(val):
        n = int(val, 16)
        return (float(n), None) if n < 2**63 else (0.0, "invalid syntax")  # ParseFloat wants a p exponent
    if _DECIMAL.fullmatch(val):
        f = float(val)
        return (f, None) if f != float("inf") else (0.0, "value out of range")
    return 0.0, "invalid syntax"


def _go_f(x: float) -> str:
    """Go's ``%f``."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "+Inf" if x > 0 else "-Inf"
    return f"{x:f}"


def _printable(c: str) -> bool:
    return c.isprintable() or c == " "


def _go_escape(c: str, quote: str) -> str:
    if c == quote or c == "\\":
        return "\\" + c
    if _printable(c):
        return c
    special = {"\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v"}
    if c in special:
        return special[c]
    n = ord(c)
    if n < 0x80:
        return f"\\x{n:02x}"
    return f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def go_quote(s: str) -> str:
    """Go's ``%q`` of a string (``strconv.Quote``)."""
    return '"' + "".join(_go_escape(c, '"') for c in s) + '"'


def _go_quote_rune(c: str | None) -> str:
    """Go's ``%q`` of a rune (the end of input is Go's -1: the replacement character)."""
    return "'" + _go_escape("\ufffd" if c is None else c, "'") + "'"


def _go_u(c: str | None) -> str:
    """Go's ``%#U`` of a rune."""
    c = "\ufffd" if c is None else c
    return f"U+{ord(c):04X} '{c}'" if _printable(c) else f"U+{ord(c):04X}"


def _is_space(c: str | None) -> bool:
    return c is not None and c in " \t\n\r"


def _is_alpha(c: str | None) -> bool:
    return c is not None and (c == "_" or "a" <= c <= "z" or "A" <= c <= "Z")


def _is_digit(c: str | None) -> bool:
    return c is not None and "0" <= c <= "9"


def _is_alnum(c: str | None) -> bool:
    return _is_alpha(c) or _is_digit(c)


class _Lexer:
    """promql/parser/lex.go of Prometheus 2.42, in characters: ``next_item``
    returns what its ``NextItem`` does, an ``ERROR`` item with the message and
    ``l.start`` of a lexer error."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0
        self.paren_depth = 0
        self.brace_open = False
        self.bracket_open = False
        self.got_colon = False
        self.string_open = ""
        self.done = False
        self.duration_next = False  # lexDuration comes next (after "[")
        self._width = 0

    def _next(self) -> str | None:
        if self.pos >= len(self.text):
            self._width = 0
            return None
        self._width = 1
        self.pos += 1
        return self.text[self.pos - 1]

    def _backup(self) -> None:
        self.pos -= self._width

    def _peek(self) -> str | None:
        return self.text[self.pos] if self.pos < len(self.text) else None

    def _accept(self, valid: str) -> bool:
        c = self._next()
        if c is not None and c in valid:
            return True
        self._backup()
        return False

    def _accept_run(self, valid: str) -> None:
        while self._accept(valid):
            pass

    def _emit(self, kind: str) -> _Item:
        item = _Item(kind, self.start, self.text[self.start : self.pos])
        self.start = self.pos
        return item

    def _error(self, message: str) -> _Item:
        self.done = True
        return _Item("ERROR", self.start, message)

    def next_item(self) -> _Item:
        if self.done:
            return _Item("EOF", self.pos, "")
        if self.duration_next:
            self.duration_next = False
            return self._duration()
        while True:
            item = self._brace() if self.brace_open else self._statement()
            if item is not None:
                if item.kind == "EOF":
                    self.done = True
                return item

    def _comment(self) -> _Item:
        self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] not in "\r\n":
            self.pos += 1
        return self._emit("COMMENT")

    def _space(self) -> None:
        while _is_space(self._peek()):
            self.pos += 1
        self.start = self.pos

    def _statement(self) -> _Item | None:
        if self.text.startswith("#", self.pos):
            return self._comment()
        r = self._next()
        if r is None:
            if self.paren_depth != 0:
                return self._error("unclosed left parenthesis")
            if self.bracket_open:
                return self._error("unclosed left bracket")
            return self._emit("EOF")
        if r == ",":
            return self._emit("COMMA")
        if _is_space(r):
            self._space()
            return None
        single = {"*": "MUL", "/": "DIV", "%": "MOD", "+": "ADD", "-": "SUB", "^": "POW", "@": "AT"}
        if r in single:
            return self._emit(single[r])
        if r == "=":
            t = self._peek()
            if t == "=":
                self.pos += 1
                return self._emit("EQLC")
            if t == "~":
                return self._error(f"unexpected character after '=': {_go_quote_rune(t)}")
            return self._emit("EQL")
        if r == "!":
            t = self._next()
            if t == "=":
                return self._emit("NEQ")
            return self._error(f"unexpected character after '!': {_go_quote_rune(t)}")
        if r in "<>":
            if self._peek() == "=":
                self.pos += 1
                return self._emit("LTE" if r == "<" else "GTE")
            return self._emit("LSS" if r == "<" else "GTR")
        if _is_digit(r) or (r == "." and _is_digit(self._peek())):
            self._backup()
            return self._number_or_duration()
        if r in "\"'`":
            return self._quoted(r)
        if _is_alpha(r) or r == ":":
            if not self.bracket_open:
                self._backup()
                return self._word()
            if self.got_colon:
                return self._error(f"unexpected colon {_go_quote_rune(r)}")
            self.got_colon = True
            return self._emit("COLON")
        if r == "(":
            self.paren_depth += 1
            return self._emit("LEFT_PAREN")
        if r == ")":
            item = self._emit("RIGHT_PAREN")
            self.paren_depth -= 1
            if self.paren_depth < 0:
                return self._error(f"unexpected right parenthesis {_go_quote_rune(r)}")
            return item
        if r == "{":
            self.brace_open = True
            return self._emit("LEFT_BRACE")
        if r == "[":
            if self.bracket_open:
                return self._error(f"unexpected left bracket {_go_quote_rune(r)}")
            self.got_colon = False
            item = self._emit("LEFT_BRACKET")
            self._space()
            self.bracket_open = True
            self.duration_next = True
            return item
        if r == "]":
            if not self.bracket_open:
                return self._error(f"unexpected right bracket {_go_quote_rune(r)}")
            self.bracket_open = False
            return self._emit("RIGHT_BRACKET")
        return self._error(f"unexpected character: {_go_quote_rune(r)}")

    def _brace(self) -> _Item | None:
        if self.text.startswith("#", self.pos):
            return self._comment()
        r = self._next()
        if r is None:
            return self._error("unexpected end of input inside braces")
        if _is_space(r):
            self._space()
            return None
        if _is_alpha(r):
            while _is_alnum(self._peek()):
                self.pos += 1
            return self._emit("IDENTIFIER")
        if r == ",":
            return self._emit("COMMA")
        if r in "\"'`":
            return self._quoted(r)
        if r == "=":
            if self._peek() == "~":
                self.pos += 1
                return self._emit("EQL_REGEX")
            return self._emit("EQL")
        if r == "!":
            nr = self._next()
            if nr == "~":
                return self._emit("NEQ_REGEX")
            if nr == "=":
                return self._emit("NEQ")
            return self._error(f"unexpected character after '!' inside braces: {_go_quote_rune(nr)}")
        if r == "{":
            return self._error(f"unexpected left brace {_go_quote_rune(r)}")
        if r == "}":
            self.brace_open = False
            return self._emit("RIGHT_BRACE")
        return self._error(f"unexpected character inside braces: {_go_quote_rune(r)}")

    def _escape(self) -> str | None:
        """lexEscape: the error it records, or None."""
        ch = self._next()
        if ch is not None and ch in ("abfnrtv\\" + self.string_open):
            return None
        if ch is not None and ch in "01234567":
            n, base, most = 3, 8, 255
        elif ch in ("x", "u", "U"):
            n, base, most = {"x": (2, 16, 255), "u": (4, 16, 0x10FFFF), "U": (8, 16, 0x10FFFF)}[ch]
            ch = self._next()
        elif ch is None:
            return "escape sequence not terminated"
        else:
            return f"unknown escape sequence {_go_u(ch)}"
        x = 0
        while n > 0:
            d = int(ch, 16) if ch is not None and ch in "0123456789abcdefABCDEF" else 16
            if d >= base:
                if ch is None:
                    return "escape sequence not terminated"
                return f"illegal character {_go_u(ch)} in escape sequence"
            x = x * base + d
            n -= 1
            if n > 0:
                ch = self._next()
        if x > most or 0xD800 <= x < 0xE000:
            return "escape sequence is an invalid Unicode code point"
        return None

    def _quoted(self, quote: str) -> _Item:
        """A string opened by ``quote``, in either state that reads one (statements, braces)."""
        self.string_open = quote
        return self._raw_string() if quote == "`" else self._string()

    def _string(self) -> _Item:
        while True:
            c = self._next()
            if c == "\\":
                problem = self._escape()
                if problem is not None:
                    return self._error(problem)
            elif c == "\ufffd":
                return self._error("invalid UTF-8 rune")
            elif c is None or c == "\n":
                return self._error("unterminated quoted string")
            elif c == self.string_open:
                return self._emit("STRING")

    def _raw_string(self) -> _Item:
        while True:
            c = self._next()
            if c == "\ufffd":
                return self._error("invalid UTF-8 rune")
            if c is None:
                return self._error("unterminated raw string")
            if c == self.string_open:
                return self._emit("STRING")

    def _scan_number(self) -> bool:
        digits = "0123456789"
        if self._accept("0") and self._accept("xX"):
            digits = "0123456789abcdefABCDEF"
        self._accept_run(digits)
        if self._accept("."):
            self._accept_run(digits)
        if self._accept("eE"):
            self._accept("+-")
            self._accept_run("0123456789")
        return not _is_alnum(self._peek())

    def _remaining_duration(self) -> bool:
        if not self._accept("smhdwy"):
            return False
        self._accept("s")
        while self._accept("0123456789"):
            while self._accept("0123456789"):
                pass
            if not self._accept("smhdw"):
                return False
            self._accept("s")
        return not _is_alnum(self._next())

    def _number_or_duration(self) -> _Item:
        if self._scan_number():
            return self._emit("NUMBER")
        if self._remaining_duration():
            self._backup()
            return self._emit("DURATION")
        return self._error(f"bad number or duration syntax: {go_quote(self.text[self.start : self.pos])}")

    def _duration(self) -> _Item:
        if self._scan_number():
            return self._error("missing unit character in duration")
        if not self._remaining_duration():
            return self._error(f"bad duration syntax: {go_quote(self.text[self.start : self.pos])}")
        self._backup()
        return self._emit("DURATION")

    def _word(self) -> _Item:
        while True:
            c = self._next()
            if not (_is_alnum(c) or c == ":"):
                break
        self._backup()
        word = self.text[self.start : self.pos]
        low = word.lower()
        if low in ("inf", "nan"):
            return self._emit("NUMBER")
        if low in _OPERATORS:
            return self._emit(_OPERATORS[low])
        if low in _AGGREGATORS:
            return self._emit("AGGR")
        if low in _KEYWORDS or low in _PREPROCESSORS:
            return self._emit(low.upper())
        return self._emit("IDENTIFIER" if ":" not in word else "METRIC_IDENTIFIER")


_KEYWORD_KINDS = frozenset(k.upper() for k in _KEYWORDS)
_DESC = {"IDENTIFIER": "identifier", "METRIC_IDENTIFIER": "metric identifier", "STRING": "string", "NUMBER": "number",
         "DURATION": "duration"}  # fmt: skip


def describe(item: _Item) -> str:
    """How Prometheus names an item in "unexpected ..." (``Item.desc``)."""
    if item.kind == "EOF":
        return "end of input"
    if item.kind in _KEYWORD_KINDS:
        return f"<{item.val}>"
    if item.kind == "AT":  # an operator without a string of its own in ItemTypeStr
        return f'"<Item 57385>" <op:{item.val}>'
    if item.kind in _OP_KINDS:
        return f"<op:{item.val}>"
    if item.kind == "AGGR":
        return f"<aggr:{item.val}>"
    if item.kind in _PLAIN_KINDS:
        return _short_quote(item.val)
    shown = go_quote(item.val) if item.kind in ("IDENTIFIER", "METRIC_IDENTIFIER") else _short_quote(item.val)
    return f"{_DESC.get(item.kind, item.kind)} {shown}"


def _short_quote(val: str) -> str:
    # Go's "%.10q..." when len(val) > 10, in bytes: the first 10 characters, quoted.
    return go_quote(val[:10]) + "..." if len(val.encode("utf-8", "surrogatepass")) > 10 else go_quote(val)


#: The items an expression can start with.
_EXPR_START = frozenset(
    ["AGGR", "IDENTIFIER", "METRIC_IDENTIFIER", "BY", "LAND", "LOR", "LUNLESS", "OFFSET", "WITHOUT", "START", "END", "NUMBER", "STRING", "LEFT_PAREN", "LEFT_BRACE", "ADD", "SUB"]
)

#: What an expression node is, for the checks of the grammar's actions:
#: a vector selector (with an offset, an ``@``), a range or subquery, other.
_VS, _MATRIX, _SUBQUERY, _OTHER = "vs", "matrix", "subquery", "other"


@dataclass
class _Node:
    kind: str
    start: int
    offset: bool = False
    at: bool = False


class _Parser:
    def __init__(self, text: str) -> None:
        self.lexer = _Lexer(text)
        self.text = text
        self.ahead: _Item | None = None
        self.aggregations = 0  # open aggregations (their error rule is the nearest)

    # --- items ---------------------------------------------------------------
    def peek(self) -> _Item:
        if self.ahead is None:
            while True:
                item = self.lexer.next_item()
                if item.kind != "COMMENT":
                    break
            if item.kind == "ERROR":
                raise _Stop(item.pos, item.val)
            self.ahead = item
        return self.ahead

    def take(self) -> _Item:
        item = self.peek()
        self.ahead = None
        return item

    def unexpected(self, context: str = "", expected: str = "") -> _Stop:
        item = self.peek()
        if not context and self.aggregations:
            context = "aggregation"
        message = f"unexpected {describe(item)}"
        if context:
            message += f" in {context}"
        if expected:
            message += f", expected {expected}"
        return _Stop(item.pos, message)

    # --- expressions -----------------------------------------------------------
    def parse(self) -> None:
        if self.peek().kind == "EOF":
            raise _Stop(0, "no expression found in input")
        self.expr()
        if self.peek().kind != "EOF":
            raise self.unexpected()

    def expr(self) -> _Node:
        node = self.unary()
        while self.peek().kind in _BINARY:
            self.take()
            self.bin_modifier()
            node = _Node(_OTHER, node.start)
            self.unary()
        return node

    def bin_modifier(self) -> None:
        if self.peek().kind == "BOOL":
            self.take()
        if self.peek().kind in ("ON", "IGNORING"):
            self.take()
            self.grouping_labels()
            if self.peek().kind in ("GROUP_LEFT", "GROUP_RIGHT"):
                self.take()
                # "(" opens the labels; no default reduction where "error" is shifted
                if self.peek().kind == "LEFT_PAREN" or self.peek().kind not in _EXPR_START:
                    self.grouping_labels()

    def unary(self) -> _Node:
        item = self.peek()
        if item.kind in ("ADD", "SUB"):
            self.take()
            self.unary()
            return _Node(_OTHER, item.pos)
        return self.postfix(self.primary())

    def postfix(self, node: _Node) -> _Node:
        while True:
            item = self.peek()
            if item.kind == "LEFT_BRACKET":
                node = self.brackets(node)
            elif item.kind == "OFFSET":
                node = self.offset(node)
            elif item.kind == "AT":
                node = self.at(node)
            else:
                return node

    def brackets(self, node: _Node) -> _Node:
        bracket = self.take()
        self.duration(self.take_duration("subquery selector", "duration"))
        item = self.peek()
        if item.kind == "RIGHT_BRACKET":
            self.take()
            if node.kind != _VS:
                raise _Stop(bracket.pos, "ranges only allowed for vector selectors")
            if node.offset:
                raise _Stop(bracket.pos, "no offset modifiers allowed before range")
            if node.at:
                raise _Stop(bracket.pos, "no @ modifiers allowed before range")
            return _Node(_MATRIX, node.start)
        if item.kind != "COLON":
            raise self.unexpected("subquery or range", '":" or "]"')
        self.take()
        if self.peek().kind == "DURATION":
            self.duration(self.take())
            if self.peek().kind != "RIGHT_BRACKET":
                raise self.unexpected("subquery selector", '"]"')
        elif self.peek().kind != "RIGHT_BRACKET":
            raise self.unexpected("subquery selector", 'duration or "]"')
        self.take()
        return _Node(_SUBQUERY, node.start)

    def take_duration(self, context: str, expected: str) -> _Item:
        if self.peek().kind != "DURATION":
            raise self.unexpected(context, expected)
        return self.take()

    def duration(self, item: _Item) -> None:
        """The grammar's ``duration`` action: model.ParseDuration, then not 0."""
        m = _DURATION.fullmatch(item.val) if item.val != "0" else None
        if item.val != "0" and (m is None or not item.val):
            raise _Stop(item.pos, f"not a valid duration string: {go_quote(item.val)}")
        total = 0
        if m is not None:
            units = (365 * 86400000, 7 * 86400000, 86400000, 3600000, 60000, 1000, 1)
            total = sum(int(g) * u for g, u in zip(m.groups(), units, strict=True) if g)
            if total >= 2**63 / 1e6:
                raise _Stop(item.pos, None)  # out of range: not modelled
        if total == 0:
            raise _Stop(item.pos, "duration must be greater than 0")

    def offset(self, node: _Node) -> _Node:
        self.take()
        if self.peek().kind == "SUB":
            self.take()
        self.duration(self.take_duration("offset", "duration"))
        if node.kind == _OTHER:
            raise _Stop(node.start, "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        if node.offset:
            raise _Stop(node.start, "offset may not be set multiple times")
        return _Node(node.kind, node.start, True, node.at)

    def at(self, node: _Node) -> _Node:
        self.take()
        item = self.peek()
        if item.kind in ("START", "END"):
            self.take()
            if self.peek().kind != "LEFT_PAREN":
                raise self.unexpected("@", "timestamp")
            self.take()
            if self.peek().kind != "RIGHT_PAREN":
                raise self.unexpected("@", "timestamp")
            self.take()
        else:
            if item.kind in ("ADD", "SUB"):
                self.take()
            if self.peek().kind != "NUMBER":
                raise self.unexpected("@", "timestamp")
            ts = self.number(self.take()) * (-1 if item.kind == "SUB" else 1)
            if ts != ts or ts >= 2.0**63 or ts <= -(2.0**63):
                raise _Stop(node.start, f"timestamp out of bounds for @ modifier: {_go_f(ts)}")
        if node.kind == _OTHER:
            raise _Stop(node.start, "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery")
        if node.at:
            raise _Stop(node.start, "@ <timestamp> may not be set multiple times")
        return _Node(node.kind, node.start, node.offset, True)

    def number(self, item: _Item) -> float:
        """The grammar's ``number`` action (strconv.ParseInt, then ParseFloat): its value."""
        value, problem = _number(item.val)
        if problem is not None:
            raise _Stop(item.pos, f"error parsing number: strconv.ParseFloat: parsing {go_quote(item.val)}: {problem}")
        return value

    def primary(self) -> _Node:
        item = self.peek()
        kind = item.kind
        if kind == "NUMBER":
            self.take()
            self.number(item)
            return _Node(_OTHER, item.pos)
        if kind == "STRING":
            self.take()
            return _Node(_OTHER, item.pos)
        if kind == "LEFT_PAREN":
            self.take()
            self.expr()
            if self.peek().kind != "RIGHT_PAREN":
                raise self.unexpected()
            self.take()
            return _Node(_OTHER, item.pos)
        if kind == "LEFT_BRACE":
            self.label_matchers()
            return _Node(_VS, item.pos)
        if kind == "AGGR":
            self.take()
            if self.peek().kind in ("LEFT_PAREN", "BY", "WITHOUT"):
                return self.aggregation(item)
            return self.selector(item)
        if kind == "IDENTIFIER":
            self.take()
            if self.peek().kind == "LEFT_PAREN":
                return self.call(item)
            return self.selector(item)
        if kind in _METRIC_KINDS:
            self.take()
            return self.selector(item)
        raise self.unexpected()

    def selector(self, name: _Item) -> _Node:
        if self.peek().kind == "LEFT_BRACE":
            self.label_matchers()
        return _Node(_VS, name.pos)

    def call(self, name: _Item) -> _Node:
        self.args()
        if name.val not in FUNCTIONS_242:
            raise _Stop(name.pos, f"unknown function with name {go_quote(name.val)}")
        return _Node(_OTHER, name.pos)

    def args(self) -> int:
        """``function_call_body``: the number of arguments."""
        self.take()  # (
        if self.peek().kind == "RIGHT_PAREN":
            self.take()
            return 0
        count = 0
        while True:
            self.expr()
            count += 1
            if self.peek().kind == "COMMA":
                comma = self.take()
                if self.peek().kind not in _EXPR_START:  # function_call_args COMMA, reduced
                    raise _Stop(comma.pos, "trailing commas not allowed in function call args")
                continue
            if self.peek().kind != "RIGHT_PAREN":
                raise self.unexpected()
            self.take()
            return count

    def aggregation(self, op: _Item) -> _Node:
        self.aggregations += 1
        if self.peek().kind in ("BY", "WITHOUT"):
            self.take()
            self.grouping_labels()
            if self.peek().kind != "LEFT_PAREN":
                raise self.unexpected("aggregation")
            count = self.args()
        else:
            count = self.args()
            if self.peek().kind in ("BY", "WITHOUT"):
                self.take()
                self.grouping_labels()
        self.aggregations -= 1
        if count == 0:
            raise _Stop(op.pos, "no arguments for aggregate expression provided")
        wanted = 2 if op.val.lower() in _WITH_PARAM else 1
        if count != wanted:
            raise _Stop(op.pos, f"wrong number of arguments for aggregate expression provided, expected {wanted}, got {count}")
        return _Node(_OTHER, op.pos)

    def grouping_labels(self) -> None:
        if self.peek().kind != "LEFT_PAREN":
            raise self.unexpected("grouping opts", '"("')
        self.take()
        if self.peek().kind == "RIGHT_PAREN":
            self.take()
            return
        while True:
            item = self.peek()
            if item.kind not in _LABEL_KINDS:
                raise self.unexpected("grouping opts", "label")
            if item.kind == "METRIC_IDENTIFIER":  # not a label (isLabel): the item itself is named
                raise self.unexpected("grouping opts", "label")
            self.take()
            if self.list_closed("RIGHT_PAREN", "grouping opts", '")"'):
                return

    def label_matchers(self) -> None:
        self.take()  # {
        if self.peek().kind == "RIGHT_BRACE":
            self.take()
            return
        while True:
            if self.peek().kind != "IDENTIFIER":
                raise self.unexpected("label matching", 'identifier or "}"')
            self.take()
            op = self.peek()
            if op.kind not in ("EQL", "NEQ", "EQL_REGEX", "NEQ_REGEX"):
                raise self.unexpected("label matching", "label matching operator")
            self.take()
            if self.peek().kind != "STRING":
                raise self.unexpected("label matching", "string")
            value = self.take()
            if op.kind in ("EQL_REGEX", "NEQ_REGEX"):
                self.regex(value)
            if self.list_closed("RIGHT_BRACE", "label matching", '"}"'):
                return

    def list_closed(self, close: str, context: str, closing: str) -> bool:
        """After an item of a comma-separated list (a trailing comma allowed): True
        once ``close`` is taken, False when another item follows the comma."""
        nxt = self.peek().kind
        if nxt == "COMMA":
            self.take()
            if self.peek().kind != close:
                return False
        elif nxt != close:
            raise self.unexpected(context, f'"," or {closing}')
        self.take()
        return True

    def regex(self, value: _Item) -> None:
        """A regex Go refuses is an error of the grammar's action: not modelled."""
        from obs_as_code.goregex import promql_regex_problem
        from obs_as_code.lint.promql242 import _value

        text = _value(value.val)
        if text is None or promql_regex_problem(text) is not None:
            raise _Stop(value.pos, None)


@lru_cache(maxsize=256)
def syntax_problem(expr: str) -> SyntaxProblem | None:
    """Prometheus 2.42's first parse error of ``expr``, None when it is none
    this module knows (the expression is valid to it, or the first error may
    be one it does not model: then keep promql-parser's message)."""
    parser = _Parser(expr)
    try:
        parser.parse()
    except _Stop as stop:
        if stop.message is None:
            return None
        line, col = position(expr, stop.pos)
        return SyntaxProblem(stop.pos, line, col, stop.message)
    except RecursionError:
        return None
    return None


_TOKEN_AT = re.compile(r"[A-Za-z0-9_:.]+|\S")


def token_span(expr: str, offset: int) -> tuple[int, int]:
    """``(start, end)`` in ``expr`` of the item at ``offset`` (a name, a number,
    a character), for finding it in the user's file; at the end of input, the
    last character's."""
    m = _TOKEN_AT.match(expr, offset)
    if m is not None:
        return m.start(), m.end()
    end = len(expr.rstrip())
    return max(end - 1, 0), end


def position(expr: str, offset: int) -> tuple[int, int]:
    """``(line, column)`` of ``expr[offset]`` as Prometheus counts them (the
    column in bytes of UTF-8, both 1-based)."""
    before = expr[:offset]
    line_start = before.rfind("\n") + 1
    return before.count("\n") + 1, len(before[line_start:].encode("utf-8", "surrogatepass")) + 1


def said(expr: str, problem: str | None) -> SyntaxProblem | None:
    """The :class:`SyntaxProblem` of ``expr`` when ``problem`` (what
    :func:`~obs_as_code.lint.engine.parse_promql` said of it) is its text."""
    if problem is None or ": parse error: " not in problem:
        return None
    found = syntax_problem(expr)
    return found if found is not None and str(found) == problem else None
