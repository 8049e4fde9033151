"""What Go's text/template parser refuses in an alert's annotation or label.

``promtool check rules`` parses each annotation and label of an alerting rule
as a Go template (``testTemplateParsing`` in Prometheus' model/rulefmt, 2.42:
``text/template`` of Go 1.19 with Prometheus' template functions, after
``{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL
:= .ExternalURL}}{{$value := .Value}}``) and refuses the rule file at the first
parse error. This module follows Go's lexer (text/template/parse/lex.go) and
parser (parse.go) closely enough to find the same first error: unclosed actions
and strings, characters and numbers the lexer refuses, unknown functions,
undefined variables, unbalanced ``if``/``range``/``with``/``define``/``end``,
empty pipelines. It builds no tree and checks nothing Go checks only when the
template runs (argument counts, types, missing templates).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from obs_as_code.gostrconv import DIGITS, HEX_DIGITS, go_float, parse_float

#: text/template's built-in functions (Go 1.19).
GO_FUNCTIONS = frozenset(
    ["and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf", "println", "urlquery",
     "eq", "ge", "gt", "le", "lt", "ne"]
)  # fmt: skip
#: Prometheus 2.42's template functions (template/template.go, NewTemplateExpander):
#: ``tmpl`` is added only when a template is expanded, and promtool's parse does
#: not know it; ``toDuration``, ``now`` and ``urlQueryEscape`` came later.
PROMETHEUS_FUNCTIONS = frozenset(
    ["query", "first", "label", "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title", "toUpper",
     "toLower", "graphLink", "tableLink", "sortByLabel", "stripPort", "stripDomain", "humanize", "humanize1024",
     "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime", "pathPrefix", "externalURL",
     "parseDuration"]
)  # fmt: skip
FUNCTIONS = GO_FUNCTIONS | PROMETHEUS_FUNCTIONS

#: The variables promtool defines before the text (model/rulefmt/rulefmt.go puts
#: ``{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$externalURL
#: := .ExternalURL}}{{$value := .Value}}`` in front of it; parsing that prefix
#: changes nothing else).
VARIABLES = ("$", "$labels", "$externalLabels", "$externalURL", "$value")

# Item types (lex.go).
ERROR, BOOL, CHAR, CHAR_CONSTANT, COMPLEX, ASSIGN, DECLARE, EOF, FIELD, IDENTIFIER = range(10)
LEFT_DELIM, LEFT_PAREN, NUMBER, PIPE, RAW_STRING, RIGHT_DELIM, RIGHT_PAREN, SPACE, STRING, TEXT, VARIABLE = range(10, 21)
KEYWORD, BLOCK, BREAK, CONTINUE, DOT, DEFINE, ELSE, END, IF, NIL, RANGE, TEMPLATE, WITH = range(21, 34)

_KEYWORDS = {
    ".": DOT, "block": BLOCK, "break": BREAK, "continue": CONTINUE, "define": DEFINE, "else": ELSE, "end": END,
    "if": IF, "range": RANGE, "nil": NIL, "template": TEMPLATE, "with": WITH,
}
_TERMS = frozenset({BOOL, CHAR_CONSTANT, COMPLEX, DOT, FIELD, IDENTIFIER, NUMBER, NIL, RAW_STRING, STRING, VARIABLE, LEFT_PAREN})


@dataclass(frozen=True)
class Item:
    typ: int
    pos: int
    val: str

    def __str__(self) -> str:
        if self.typ == EOF:
            return "EOF"
        if self.typ == ERROR:
            return self.val
        if self.typ > KEYWORD:
            return f"<{self.val}>"
        if len(self.val) > 10:
            return f"{_quote(self.val[:10])}..."
        return _quote(self.val)


def _quote(text: str) -> str:
    """Go's ``%q`` of ``text`` (for messages)."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c.isprintable():
            out.append(c)
        else:
            out.append(f"\\x{ord(c):02x}" if ord(c) < 0x80 else f"\\u{ord(c):04x}")
    return '"' + "".join(out) + '"'


def _unicode(c: str) -> str:
    """Go's ``%#U`` of a character."""
    return f"U+{ord(c):04X} '{c}'" if c.isprintable() else f"U+{ord(c):04X}"


def _is_space(c: str) -> bool:
    return c != "" and c in " \t\r\n"


def _is_alnum(c: str) -> bool:
    return c == "_" or c.isalpha() or c.isdecimal()


_ASCII_ALNUM = re.compile(r"[A-Za-z0-9_]*")
_SPACES = re.compile(r"[ \t\r\n]*")


class _Lexer:
    """Go's lexer (lex.go, default delimiters), run to the end: the items it
    gives, the last one EOF or ERROR."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0
        self.paren_depth = 0
        self.items: list[Item] = []

    def peek(self, at: int = 0) -> str:
        i = self.pos + at
        return self.text[i] if i < len(self.text) else ""

    def emit(self, typ: int) -> None:
        self.items.append(Item(typ, self.start, self.text[self.start : self.pos]))
        self.start = self.pos

    def error(self, message: str) -> None:
        self.items.append(Item(ERROR, self.start, message))

    def at_right_delim(self) -> tuple[bool, bool]:
        rest = self.text[self.pos : self.pos + 4]
        if len(rest) >= 2 and _is_space(rest[0]) and rest[1] == "-" and rest[2:4] == "}}":
            return True, True
        return rest.startswith("}}"), False

    def at_terminator(self) -> bool:
        c = self.peek()
        # A right delimiter ends a word, one "}" does not (Go 1.19's lex.go).
        return c == "" or _is_space(c) or c in ".,|:)(" or self.text.startswith("}}", self.pos)

    def run(self) -> list[Item]:
        inside = False
        while True:
            ok = self.inside_action() if inside else self.lex_text()
            if ok is None:
                return self.items
            inside = ok

    def lex_text(self) -> bool | None:
        i = self.text.find("{{", self.pos)
        if i < 0:
            self.pos = len(self.text)
            if self.pos > self.start:
                self.emit(TEXT)
            self.emit(EOF)
            return None
        self.pos = i
        if self.pos > self.start:
            self.emit(TEXT)
        # lexLeftDelim
        self.pos += 2
        trim = self.peek() == "-" and _is_space(self.peek(1))
        after = 2 if trim else 0
        if self.text.startswith("/*", self.pos + after):
            self.pos += after
            self.start = self.pos
            return self.comment()
        self.emit(LEFT_DELIM)
        self.pos += after
        self.start = self.pos
        self.paren_depth = 0
        return True

    def comment(self) -> bool | None:
        self.pos += 2
        end = self.text.find("*/", self.pos)
        if end < 0:
            self.error("unclosed comment")
            return None
        self.pos = end + 2
        delim, trim = self.at_right_delim()
        if not delim:
            self.error("comment ends before closing delimiter")
            return None
        self.pos += 4 if trim else 2
        self.start = self.pos
        return False

    def inside_action(self) -> bool | None:
        delim, trim = self.at_right_delim()
        if delim:
            if self.paren_depth == 0:
                if trim:  # the item is "}}", without " -"
                    self.pos += 2
                    self.start = self.pos
                self.pos += 2
                self.emit(RIGHT_DELIM)
                return False
            self.error("unclosed left paren")
            return None
        c = self.peek()
        if c == "":
            self.error("unclosed action")
            return None
        self.pos += 1
        if _is_space(c):
            self.pos -= 1
            return self.space()
        if c == "=":
            self.emit(ASSIGN)
        elif c == ":":
            if self.peek() != "=":
                self.error("expected :=")
                return None
            self.pos += 1
            self.emit(DECLARE)
        elif c == "|":
            self.emit(PIPE)
        elif c == '"':
            return self.quote('"', STRING, "unterminated quoted string")
        elif c == "`":
            end = self.text.find("`", self.pos)
            if end < 0:
                self.error("unterminated raw quoted string")
                return None
            self.pos = end + 1
            self.emit(RAW_STRING)
        elif c == "$":
            return self.field_or_variable(VARIABLE)
        elif c == "'":
            return self.quote("'", CHAR_CONSTANT, "unterminated character constant")
        elif c == "." and not ("0" <= self.peek() <= "9") and self.peek() != "":
            return self.field_or_variable(FIELD)
        elif c in "+-." or "0" <= c <= "9":
            self.pos -= 1
            return self.number()
        elif _is_alnum(c):
            self.pos -= 1
            return self.identifier()
        elif c == "(":
            self.emit(LEFT_PAREN)
            self.paren_depth += 1
        elif c == ")":
            self.emit(RIGHT_PAREN)
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self.error(f"unexpected right paren {_unicode(c)}")
                return None
        elif " " <= c <= "~":
            self.emit(CHAR)
        else:
            self.error(f"unrecognized character in action: {_unicode(c)}")
            return None
        return True

    def alnum_run(self) -> None:
        """Past the letters, digits and underscores at ``pos`` (Go's isAlphaNumeric)."""
        self.pos = _ASCII_ALNUM.match(self.text, self.pos).end()  # type: ignore[union-attr]
        while _is_alnum(self.peek()):
            self.pos = _ASCII_ALNUM.match(self.text, self.pos + 1).end()  # type: ignore[union-attr]

    def space(self) -> bool:
        end = _SPACES.match(self.text, self.pos).end()  # type: ignore[union-attr]
        spaces = end - self.pos
        self.pos = end
        # A trim-marked right delimiter: its space is no separator.
        if self.text.startswith("-}}", self.pos):
            self.pos -= 1
            if spaces == 1:
                return True
        self.emit(SPACE)
        return True

    def quote(self, mark: str, typ: int, unterminated: str) -> bool | None:
        while True:
            c = self.peek()
            self.pos += 1
            if c == "\\":
                c = self.peek()
                self.pos += 1
                if c not in ("", "\n"):
                    continue
            if c in ("", "\n"):
                self.error(unterminated)
                return None
            if c == mark:
                break
        self.emit(typ)
        return True

    def identifier(self) -> bool | None:
        self.alnum_run()
        word = self.text[self.start : self.pos]
        if not self.at_terminator():
            self.error(f"bad character {_unicode(self.peek())}")
            return None
        if word in _KEYWORDS and word != ".":
            self.emit(_KEYWORDS[word])
        elif word in ("true", "false"):
            self.emit(BOOL)
        else:
            self.emit(IDENTIFIER)
        return True

    def field_or_variable(self, typ: int) -> bool | None:
        if self.at_terminator():  # "." or "$" alone
            self.emit(VARIABLE if typ == VARIABLE else DOT)
            return True
        self.alnum_run()
        if not self.at_terminator():
            self.error(f"bad character {_unicode(self.peek())}")
            return None
        self.emit(typ)
        return True

    def number(self) -> bool | None:
        if not self.scan_number():
            self.error(f"bad number syntax: {_quote(self.text[self.start : self.pos])}")
            return None
        if self.peek() in ("+", "-") and self.peek() != "":
            # A complex number (1+2i): no spaces, ends in i.
            if not self.scan_number() or self.text[self.pos - 1] != "i":
                self.error(f"bad number syntax: {_quote(self.text[self.start : self.pos])}")
                return None
            self.emit(COMPLEX)
        else:
            self.emit(NUMBER)
        return True

    def accept(self, valid: str) -> bool:
        c = self.peek()
        if c != "" and c in valid:
            self.pos += 1
            return True
        return False

    def accept_run(self, valid: str) -> None:
        while self.accept(valid):
            pass

    def scan_number(self) -> bool:
        self.accept("+-")
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if len(digits) == 11 and self.accept("eE"):
            self.accept("+-")
            self.accept_run("0123456789_")
        if len(digits) == 23 and self.accept("pP"):
            self.accept("+-")
            self.accept_run("0123456789_")
        self.accept("i")
        if _is_alnum(self.peek()):
            self.pos += 1
            return False
        return True


# --- numbers and quoted text as Go's strconv reads them -------------------------

_D, _H = DIGITS, HEX_DIGITS
_INT = re.compile(rf"[+-]?(?:0[xX]_?{_H}|0[oO]_?[0-7](?:_?[0-7])*|0[bB]_?[01](?:_?[01])*|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)")


def _go_int(text: str) -> int | None:
    if not _INT.fullmatch(text):
        return None
    body = text.lstrip("+-").replace("_", "")
    negative = text.startswith("-")
    if len(body) > 1 and body[0] == "0" and body[1] not in "xXoObB":
        value = int(body, 8)
    else:
        value = int(body, 0)
    return -value if negative else value


def number_problem(text: str, typ: int) -> str | None:
    """What ``newNumber`` (node.go) says of a number the lexer gave, None when it reads."""
    if typ == CHAR_CONSTANT:
        char = _unquote_char(text[1:], "'")
        if char is None:
            return "invalid syntax"
        if char[1] != "'":
            return f"malformed character constant: {text}"
        return None
    if typ == COMPLEX:
        return _complex_problem(text)
    if text.endswith("i") and go_float(text[:-1]) is not None:
        return None
    value = _go_int(text)
    if value is not None and -(2**63) <= value < 2**64:
        return None
    if go_float(text) is not None:
        if not any(c in text for c in ".eEpP"):
            return f"integer overflow: {_quote(text)}"
        return None
    return f"illegal number syntax: {_quote(text)}"


def _parse_float_problem(text: str) -> str | None:
    """What ``strconv.ParseFloat(text, 64)`` says of ``text``, None when it reads."""
    _value, problem = parse_float(text)
    return None if problem is None else f"strconv.ParseFloat: parsing {_quote(text)}: {problem}"


def _complex_problem(text: str) -> str | None:
    """What ``fmt.Sscan`` into a complex128 (newNumber) says of a complex number
    the lexer gave (``1+2i``): fmt's complexTokens and floatToken, then
    ParseFloat of each part; None when it reads."""
    pos = 0
    buf: list[str] = []

    def accept(valid: str) -> bool:
        nonlocal pos
        if pos < len(text) and text[pos] in valid:
            buf.append(text[pos])
            pos += 1
            return True
        return False

    def float_token() -> str:
        buf.clear()
        if accept("nN") and accept("aA") and accept("nN"):
            return "".join(buf)
        accept("+-")
        if accept("iI") and accept("nN") and accept("fF"):
            return "".join(buf)
        digits, exponent = "0123456789_", "eEpP"
        if accept("0") and accept("xX"):
            digits, exponent = "0123456789aAbBcCdDeEfF_", "pP"
        while accept(digits):
            pass
        if accept("."):
            while accept(digits):
                pass
        if accept(exponent):
            accept("+-")
            while accept("0123456789_"):
                pass
        return "".join(buf)

    real = float_token()
    buf.clear()
    if not accept("+-"):
        return "syntax error scanning complex number"
    sign = buf[0]
    imag = sign + float_token()
    if not accept("i"):
        return "syntax error scanning complex number"
    return _parse_float_problem(real) or _parse_float_problem(imag)


_SIMPLE = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\"}


def _unquote_char(s: str, quote: str) -> tuple[str, str] | None:
    """Go's ``strconv.UnquoteChar``: (the character, the rest), None for ErrSyntax."""
    if not s:
        return None
    c = s[0]
    if c == quote and quote in "'\"":
        return None
    if c != "\\":
        return c, s[1:]
    if len(s) <= 1:
        return None
    c, s = s[1], s[2:]
    if c in _SIMPLE:
        return _SIMPLE[c], s
    if c in "'\"":
        return (c, s) if c == quote else None
    if c in "xuU":
        n = {"x": 2, "u": 4, "U": 8}[c]
        digits = s[:n]
        if len(digits) < n or not all(d in "0123456789abcdefABCDEF" for d in digits):
            return None
        value = int(digits, 16)
        if c != "x" and (value > 0x10FFFF or 0xD800 <= value <= 0xDFFF):
            return None
        return chr(value), s[n:]
    if "0" <= c <= "7":
        digits = c + s[:2]
        if len(digits) < 3 or not all("0" <= d <= "7" for d in digits) or int(digits, 8) > 255:
            return None
        return chr(int(digits, 8)), s[2:]
    return None


def _unquoted(text: str) -> str:
    """The value of a quoted string :func:`unquote_problem` accepts."""
    if text.startswith("`"):
        return text[1:-1].replace("\r", "")
    body, out = text[1:-1], []
    while body:
        step = _unquote_char(body, '"')
        if step is None:
            break
        out.append(step[0])
        body = step[1]
    return "".join(out)


def unquote_problem(text: str) -> str | None:
    """What ``strconv.Unquote`` says of a quoted string the lexer gave, None when it reads."""
    if text.startswith("`"):
        return None
    body = text[1:-1]
    while body:
        step = _unquote_char(body, '"')
        if step is None:
            return "invalid syntax"
        body = step[1]
    return None


# --- the parser ---------------------------------------------------------------


class TemplateError(Exception):
    """The first parse error: ``offset`` into the parsed text, Go's message."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


# Node kinds a pipeline's later commands may not start with (checkPipeline).
_NOT_EXECUTABLE = frozenset({"bool", "dot", "nil", "number", "string"})


class _Parser:
    """parse.go's recursive descent over the items, with its variable scopes,
    ``{{define}}``/``{{block}}`` trees and ``{{break}}``/``{{continue}}`` depth."""

    def __init__(self, items: list[Item], functions: frozenset[str], variables: tuple[str, ...],
                 else_with: bool = False) -> None:
        self.items = items
        #: Whether ``{{else with ...}}`` is taken (Go 1.23 and later).
        self.else_with = else_with
        self.count = len(items)
        self.i = 0
        self.functions = functions
        self.vars: list[str] = list(variables)
        self.range_depth = 0
        self.last = items[0]
        #: The {{define}}d and {{block}} templates: whether each has content.
        self.trees: dict[str, bool] = {}
        #: The index of the left delimiter of the last action begun.
        self.action_start = 0
        #: The left delimiters of the if/range/with/define/block not ended yet:
        #: an "unexpected EOF" is reported at the innermost.
        self.opened: list[Item] = []

    # Token access (Go's next/backup/peek over its lookahead are an index here).
    def next(self) -> Item:
        i = self.i
        item = self.items[i if i < self.count else -1]  # EOF or ERROR, the last, repeats
        self.i = i + 1
        self.last = item
        return item

    def backup(self, n: int = 1) -> None:
        self.i -= n

    def peek(self) -> Item:
        item = self.next()
        self.backup()
        return item

    def next_non_space(self) -> Item:
        item = self.next()
        while item.typ == SPACE:
            item = self.next()
        return item

    def peek_non_space(self) -> Item:
        # As Go's: the spaces before the item are consumed, the item is not.
        item = self.next_non_space()
        self.backup()
        return item

    def fail(self, message: str, at: Item | None = None) -> TemplateError:
        return TemplateError((at or self.last).pos, message)

    def unexpected(self, item: Item, context: str) -> TemplateError:
        if item.typ == ERROR:
            return TemplateError(item.pos, item.val)
        return TemplateError(item.pos, f"unexpected {item} in {context}")

    def expect(self, typ: int, context: str) -> Item:
        item = self.next_non_space()
        if item.typ != typ:
            raise self.unexpected(item, context)
        return item

    # parse.go
    def parse(self, name: str | None = None) -> None:
        """Parse the whole text; ``name``, when given, is the top-level
        template's (a file's base name for ``ParseFiles``), which Go's
        ``Tree.add`` adds last: a {{define}} or {{block}} of that name with
        content and a top level with content are two definitions."""
        content = False
        while self.peek().typ != EOF:
            if self.peek().typ == LEFT_DELIM:
                mark = self.i
                self.next()
                if self.next_non_space().typ == DEFINE:
                    self.action_start = mark
                    self.subtree(self.definition)
                    continue
                self.i = mark
            start = self.i
            kind = self.text_or_action()
            if kind in ("end", "else"):
                raise self.fail(f"unexpected {{{{{kind}}}}}")
            # parse.IsEmptyTree: only text of white space (comments leave no item) is empty.
            content = content or any(item.typ != TEXT or item.val.strip() for item in self.items[start : self.i])
        if name is not None and content and self.trees.get(name):
            raise self.fail(f"template: multiple definition of template {_quote(name)}", self.peek())

    def opening(self) -> Item:
        return self.items[self.action_start]

    def subtree(self, body: object) -> None:
        """Parse a {{define}} or {{block}} body as Go does: a new tree, whose
        variables are only ``$``."""
        saved_vars, saved_depth = self.vars, self.range_depth
        self.vars, self.range_depth = ["$"], 0
        try:
            body()  # type: ignore[operator]
        finally:
            self.vars, self.range_depth = saved_vars, saved_depth

    def definition(self) -> None:
        context = "define clause"
        name = self.next_non_space()
        if name.typ not in (STRING, RAW_STRING):
            raise self.unexpected(name, context)
        problem = unquote_problem(name.val)
        if problem is not None:
            raise self.fail(problem, name)
        self.expect(RIGHT_DELIM, context)
        start = self.i
        self.opened.append(self.opening())
        end = self.item_list()
        self.opened.pop()
        if end != "end":
            raise self.fail(f"unexpected {{{{{end}}}}} in {context}")
        self.add(_unquoted(name.val), start, name)

    def add(self, name: str, start: int, at: Item) -> None:
        """Go's ``Tree.add``: a second template of one name, both with content, is an error."""
        body = self.items[start : self.action_start]
        content = any(item.typ != TEXT or item.val.strip() for item in body)
        if self.trees.get(name) and content:
            raise self.fail(f"template: multiple definition of template {_quote(name)}", at)
        if not self.trees.get(name):
            self.trees[name] = content

    def item_list(self) -> str:
        """Parse to the {{end}} or {{else}} that ends the list: which one."""
        while self.peek_non_space().typ != EOF:
            kind = self.text_or_action()
            if kind in ("end", "else"):
                return kind
        raise self.fail("unexpected EOF", self.opened[-1] if self.opened else None)

    def text_or_action(self) -> str:
        item = self.next_non_space()
        if item.typ == TEXT:
            return "text"
        if item.typ == LEFT_DELIM:
            self.action_start = self.i - 1
            return self.action()
        raise self.unexpected(item, "input")

    def action(self) -> str:
        item = self.next_non_space()
        typ = item.typ
        if typ == BLOCK:
            self.block()
            return "block"
        if typ in (BREAK, CONTINUE):
            after = self.next_non_space()
            if after.typ != RIGHT_DELIM:
                raise self.unexpected(after, f"{{{{{item.val}}}}}")
            if self.range_depth == 0:
                raise self.fail(f"{{{{{item.val}}}}} outside {{{{range}}}}", item)
            return item.val
        if typ == ELSE:
            if self.peek_non_space().typ not in ((IF, WITH) if self.else_with else (IF,)):
                self.expect(RIGHT_DELIM, "else")
            return "else"
        if typ == END:
            self.expect(RIGHT_DELIM, "end")
            return "end"
        if typ in (IF, RANGE, WITH):
            self.control(item.val)
            return item.val
        if typ == TEMPLATE:
            context = "template clause"
            self.template_name(self.next_non_space(), context)
            if self.next_non_space().typ != RIGHT_DELIM:
                self.backup()
                self.pipeline(context, RIGHT_DELIM)
            return "template"
        self.backup()
        self.pipeline("command", RIGHT_DELIM)
        return "action"

    def template_name(self, item: Item, context: str) -> str:
        if item.typ not in (STRING, RAW_STRING):
            raise self.unexpected(item, context)
        problem = unquote_problem(item.val)
        if problem is not None:
            raise self.fail(problem, item)
        return _unquoted(item.val)

    def block(self) -> None:
        context = "block clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        self.pipeline(context, RIGHT_DELIM)
        start = self.i
        ends: list[str] = []
        self.opened.append(self.opening())
        self.subtree(lambda: ends.append(self.item_list()))
        self.opened.pop()
        if ends[0] != "end":
            raise self.fail(f"unexpected {{{{{ends[0]}}}}} in {context}")
        self.add(name, start, token)

    def control(self, context: str) -> None:
        depth = len(self.vars)
        self.opened.append(self.opening())
        try:
            self.pipeline(context, RIGHT_DELIM)
            if context == "range":
                self.range_depth += 1
            end = self.item_list()
            if context == "range":
                self.range_depth -= 1
            if end == "else":
                if context == "if" and self.peek().typ == IF:
                    # {{else if ...}}: the if is parsed as the else branch, and
                    # its {{end}} ends both.
                    self.next()
                    self.control("if")
                    return
                if self.else_with and context == "with" and self.peek().typ == WITH:
                    self.next()  # {{else with ...}} (Go 1.23): as {{else if}}
                    self.control("with")
                    return
                end = self.item_list()
                if end != "end":
                    raise self.fail(f"expected end; found {{{{{end}}}}}")
        finally:
            del self.vars[depth:]
            self.opened.pop()

    def pipeline(self, context: str, end: int) -> None:
        declarations = 0
        while True:  # the declarations: $x :=, $x =, $i, $v := (range)
            v = self.peek_non_space()
            if v.typ != VARIABLE:
                break
            self.next_non_space()
            mark = self.i
            following = self.peek_non_space()
            if following.typ in (ASSIGN, DECLARE):
                self.next_non_space()
                self.vars.append(v.val)
                break
            if following.typ == CHAR and following.val == ",":
                self.next_non_space()
                self.vars.append(v.val)
                declarations += 1
                if context == "range" and declarations < 2:
                    if self.peek_non_space().typ in (VARIABLE, RIGHT_DELIM, RIGHT_PAREN):
                        continue
                    raise self.fail("range can only initialize variables")
                raise self.fail(f"too many declarations in {context}")
            self.i = mark - 1  # not a declaration: $x is an operand
            break
        starts: list[str] = []
        while True:
            item = self.next_non_space()
            if item.typ == end:
                if not starts:
                    raise self.fail(f"missing value for {context}", item)
                for stage, kind in enumerate(starts[1:], 2):
                    if kind in _NOT_EXECUTABLE:
                        raise self.fail(f"non executable command in pipeline stage {stage}", item)
                return
            if item.typ in _TERMS:
                self.backup()
                starts.append(self.command())
            else:
                raise self.unexpected(item, context)

    def command(self) -> str:
        """Parse a command; the kind of its first operand."""
        first = ""
        while True:
            self.peek_non_space()
            kind = self.operand()
            if kind is not None and not first:
                first = kind
            item = self.next()
            if item.typ == SPACE:
                continue
            if item.typ in (RIGHT_DELIM, RIGHT_PAREN):
                self.backup()
            elif item.typ != PIPE:
                raise self.unexpected(item, "operand")
            break
        if not first:
            raise self.fail("empty command")
        return first

    def operand(self) -> str | None:
        start = self.peek_non_space()
        kind = self.term()
        if kind is None:
            return None
        if self.peek().typ == FIELD:
            while self.peek().typ == FIELD:
                self.next()
            if kind in ("bool", "string", "number", "nil", "dot"):
                raise self.fail(f"unexpected . after term {_quote(start.val)}", start)
            if kind not in ("field", "variable"):
                kind = "chain"
        return kind

    def term(self) -> str | None:
        item = self.next_non_space()
        typ = item.typ
        if typ == IDENTIFIER:
            if item.val not in self.functions:
                raise self.fail(f"function {_quote(item.val)} not defined", item)
            return "identifier"
        if typ == DOT:
            return "dot"
        if typ == NIL:
            return "nil"
        if typ == VARIABLE:
            name = item.val.split(".", 1)[0]
            if name not in self.vars:
                raise self.fail(f"undefined variable {_quote(name)}", item)
            return "variable"
        if typ == FIELD:
            return "field"
        if typ == BOOL:
            return "bool"
        if typ in (CHAR_CONSTANT, COMPLEX, NUMBER):
            problem = number_problem(item.val, typ)
            if problem is not None:
                raise self.fail(problem, item)
            return "number"
        if typ == LEFT_PAREN:
            self.pipeline("parenthesized pipeline", RIGHT_PAREN)
            return "pipe"
        if typ in (STRING, RAW_STRING):
            problem = unquote_problem(item.val)
            if problem is not None:
                raise self.fail(problem, item)
            return "string"
        self.backup()
        return None


def parse_error(text: str, functions: frozenset[str] = FUNCTIONS, variables: tuple[str, ...] = VARIABLES,
                name: str | None = None, else_with: bool = False) -> tuple[int, str] | None:
    """The first error Go's parser reports for ``text`` with ``variables``
    defined at its top level: ``(offset into text, message)`` (the offset of the
    action for an unclosed one), or None when it parses. ``name`` is the
    top-level template's, when a {{define}} may clash with it (a file's).
    ``else_with``: ``{{else with ...}}`` is taken, as Go 1.23 and later take it."""
    found = _parse_error(text, functions, variables, name, else_with)
    return None if found is None else (found[0], found[1])


def go_template_error(text: str, name: str, functions: frozenset[str], else_with: bool = False) -> tuple[int, str] | None:
    """What ``template.New(name).Funcs(functions).Parse(text)`` returns:
    ``(offset into text, Go's error as it prints)`` (``template: NAME:LINE:
    MESSAGE``, LINE the one Go counts: the end of the text for an unexpected
    EOF), the offset as :func:`parse_error` gives it; None when it parses."""
    found = _parse_error(text, functions, ("$",), name, else_with)
    if found is None:
        return None
    offset, message, raw = found
    line = text.count("\n", 0, len(text) if message == "unexpected EOF" else raw) + 1
    if message in ("unclosed action", "unclosed left paren"):
        started = text.count("\n", 0, offset) + 1
        if started != line:  # parse.go's unexpected(): where the action began
            message += f" started at {name}:{started}"
    return offset, f"template: {name}:{line}: {message}"


@lru_cache(maxsize=65536)
def _parse_error(text: str, functions: frozenset[str], variables: tuple[str, ...], name: str | None,
                 else_with: bool) -> tuple[int, str, int] | None:
    """``(offset as parse_error gives it, message, offset Go's error is at)``."""
    items = _Lexer(text).run()
    try:
        _Parser(items, functions, variables, else_with).parse(name)
    except TemplateError as exc:
        offset = exc.offset
        if exc.message in ("unclosed action", "unclosed left paren"):
            # At the end of the text: point at the action it leaves open.
            opened = [i.pos for i in items if i.typ == LEFT_DELIM and i.pos <= offset]
            offset = opened[-1] if opened else offset
        return max(0, min(len(text), offset)), exc.message, max(0, min(len(text), exc.offset))
    return None
