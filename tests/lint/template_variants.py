"""Seeded random Go templates from text/template's grammar (Go 1.19, with
Prometheus 2.42's functions and variables, or Alertmanager 0.25's), valid ones
and ones a mutation breaks: for the differential tests of OAC210 against
``promtool check rules`` (tests/lint/test_gotemplate.py) and of OAC508 against
``amtool check-config`` (tests/am_templates.py)."""

from __future__ import annotations

import random
from dataclasses import dataclass

FUNCTIONS = [
    "humanize", "humanize1024", "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "title", "toUpper",
    "toLower", "match", "reReplaceAll", "query", "first", "label", "value", "sortByLabel", "args", "safeHtml",
    "pathPrefix", "externalURL", "tableLink", "graphLink", "strvalue", "stripPort", "stripDomain", "toTime",
    "parseDuration", "printf", "print", "println", "len", "index", "slice", "and", "or", "not", "eq", "ne", "lt", "le",
    "gt", "ge", "html", "js", "urlquery", "call",
]  # fmt: skip
#: Names promtool 2.42 does not know: misspellings, later releases' functions, other engines'.
UNKNOWN = ["humanise", "tmpl", "now", "toDuration", "urlQueryEscape", "upper", "default", "date", "x", "Title", "_", "if_"]
VARIABLES = ["$labels", "$value", "$externalLabels", "$externalURL", "$"]
FIELDS = [".Labels", ".Value", ".ExternalLabels", ".ExternalURL", ".job", ".x_1", ".Labels.job", ".\u00fcber"]
LITERALS = [
    '"a"', '"%.2f"', '"job"', '"\\n"', '"\\x41"', '"\\u00e9"', "``", "`raw`", "`a\\q`", "'a'", "'\\n'", "'\\''", "1", "-1",
    "+2", "0", "1.5", ".5", "5.", "1e3", "1E-3", "0x1F", "0o17", "0b11", "017", "1_000", "0x1p-2", "1i", "1+2i", "nil",
    "true", "false",
]  # fmt: skip
#: Pieces a mutation inserts: delimiters, keywords, characters the lexer or parser refuses.
JUNK = [
    "{{", "}}", "{{-", "-}}", "{{- ", " -}}", "(", ")", "|", ":=", "=", ",", '"', "'", "`", "$", ".", "..", "-", "+",
    "/*", "*/", "end", "else", "if", "range", "with", "define", "block", "template", "break", "continue", "nil", "$x",
    "$1", "1a", "08", "0x", "1e", "1+i", "0x1+2i", "'ab'", "''", '"\\q"', "#", "@", "!", "~", "{", "}", ";", "\n", "\t", "\u00e9", "\u202e",
    "\x00", "\r", " ", "  ",
]  # fmt: skip


@dataclass(frozen=True)
class Vocabulary:
    """The names a template uses: known functions, unknown ones, variables
    defined at the top level, undeclared ones, fields."""

    functions: list[str]
    unknown: list[str]
    variables: list[str]
    undeclared: list[str]
    fields: list[str]
    #: Names of {{define}}, {{block}} and {{template}}.
    names: tuple[str, ...] = ('"a"', '"b"', "`a`")


PROMETHEUS = Vocabulary(FUNCTIONS, UNKNOWN, VARIABLES, ["$v", "$foo", "$Labels", "$lables"], FIELDS)
#: Alertmanager 0.25's notification templates (template/template.go's DefaultFuncs and Go's
#: own functions; only ``$`` at the top level; its data's fields and methods).
ALERTMANAGER = Vocabulary(
    ["toUpper", "toLower", "title", "join", "match", "safeHtml", "reReplaceAll", "stringSlice", "printf", "print",
     "println", "len", "index", "slice", "and", "or", "not", "eq", "ne", "lt", "le", "gt", "ge", "html", "js", "urlquery",
     "call"],
    # Prometheus's, later Alertmanagers' (trimSpace, date, tz, since, humanizeDuration), misspellings.
    ["humanize", "humanizeDuration", "trimSpace", "date", "tz", "since", "query", "label", "first", "tmpl", "externalURL",
     "toTime", "upper", "Title", "x", "_", "if_", "safeHTML", "stringslice"],
    ["$"],
    ["$v", "$labels", "$value", "$x1"],
    [".Alerts", ".Alerts.Firing", ".Alerts.Resolved", ".CommonLabels", ".CommonLabels.SortedPairs", ".Status",
     ".Receiver", ".GroupLabels.Names", ".CommonAnnotations.Values", ".ExternalURL", ".Labels.Remove", ".x_1", ".\u00fcber"],
    # t.tmpl: the name ParseFiles gives the top level of tests/am_templates.py's file.
    ('"a"', '"t.tmpl"', "`a`"),
)  # fmt: skip


class _Gen:
    def __init__(self, rng: random.Random, vocab: Vocabulary = PROMETHEUS) -> None:
        self.rng = rng
        self.vocab = vocab
        self.scopes: list[list[str]] = [[]]
        self.in_range = 0

    def pick(self, items: list[str]) -> str:
        return self.rng.choice(items)

    def variable(self) -> str:
        declared = [v for scope in self.scopes for v in scope]
        if self.rng.random() < 0.04:
            return self.pick(self.vocab.undeclared)
        return self.pick(self.vocab.variables + declared)

    def term(self, depth: int) -> str:
        r = self.rng.random()
        if r < 0.2:
            return self.variable() + (self.pick(["", "", ".job", ".a.b"]))
        if r < 0.35:
            return self.pick(self.vocab.fields)
        if r < 0.42:
            return "."
        if r < 0.65:
            return self.pick(LITERALS)
        if r < 0.75 and depth < 3:
            return "(" + self.pipeline(depth + 1, declare=False) + ")" + self.pick(["", "", "", ".Labels", ".x"])
        if r < 0.78:
            return self.pick(self.vocab.unknown)
        return self.pick(self.vocab.functions)

    def command(self, depth: int) -> str:
        if self.rng.random() < 0.5:
            name = self.pick(self.vocab.functions) if self.rng.random() < 0.95 else self.pick(self.vocab.unknown)
            args = [self.term(depth) for _ in range(self.rng.randint(0, 3))]
            return " ".join([name, *args])
        return " ".join(self.term(depth) for _ in range(self.rng.randint(1, 2)))

    def pipeline(self, depth: int = 0, declare: bool = True) -> str:
        head = ""
        if declare and self.rng.random() < 0.15:
            name = self.pick(["$x", "$y", "$n", "$\u00e9"])
            op = " := " if self.rng.random() < 0.8 else " = "
            head = name + op
            if op == " := ":
                self.scopes[-1].append(name)
        cmds = [self.command(depth)]
        while self.rng.random() < 0.3:
            cmds.append(self.pick(self.vocab.functions) + "".join(" " + self.term(depth) for _ in range(self.rng.randint(0, 1))))
        return head + " | ".join(cmds)

    def left(self) -> str:
        return self.pick(["{{", "{{", "{{ ", "{{- ", "{{\n"])

    def right(self) -> str:
        return self.pick(["}}", " }}", " }}", " -}}", "\n}}"])

    def action(self) -> str:
        return self.left() + self.pipeline() + self.right()

    def control(self, depth: int) -> str:
        kind = self.pick(["if", "range", "with"])
        head = ""
        self.scopes.append([])
        if kind == "range" and self.rng.random() < 0.4:
            names = ["$k", "$v"] if self.rng.random() < 0.6 else ["$v"]
            head = ", ".join(names) + " := "
            self.scopes[-1].extend(names)
        opening = self.left() + kind + " " + head + self.pipeline(declare=head == "") + self.right()
        self.in_range += kind == "range"
        body = self.body(depth + 1)
        self.in_range -= kind == "range"
        out = opening + body
        while kind == "if" and self.rng.random() < 0.3:
            out += self.left() + "else if " + self.pipeline() + self.right() + self.body(depth + 1)
        if self.rng.random() < 0.3:
            out += self.left() + "else" + self.right() + self.body(depth + 1)
        self.scopes.pop()
        return out + self.left() + "end" + self.right()

    def piece(self, depth: int) -> str:
        r = self.rng.random()
        if r < 0.25:
            return self.pick(["a", " ", "\n", "x: ", "}}", "$", "%", "{", " is ", "\u00e9"])
        if r < 0.65 or depth >= 3:
            return self.action()
        if r < 0.8:
            return self.control(depth)
        if r < 0.85:
            return self.left() + "/* " + self.pick(["c", "", "}}", "{{"]) + " */" + self.right().strip(" \n")
        if r < 0.88 and self.in_range:
            return self.left() + self.pick(["break", "continue"]) + self.right()
        if r < 0.92 and depth == 0:
            saved, self.scopes = self.scopes, [[]]
            name = self.pick(list(self.vocab.names))
            if self.rng.random() < 0.5:
                out = self.left() + "define " + name + self.right() + self.body(1) + "{{ end }}"
            else:
                out = self.left() + "block " + name + " " + self.pipeline(declare=False) + self.right() + self.body(1) + "{{ end }}"
            self.scopes = saved
            return out
        return self.left() + "template " + self.pick(list(self.vocab.names)) + self.pick(["", " .", " " + self.vocab.variables[0]]) + self.right()

    def body(self, depth: int) -> str:
        return "".join(self.piece(depth) for _ in range(self.rng.randint(0, 3)))


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 2)):
        i = rng.randint(0, len(text))
        r = rng.random()
        if r < 0.35 and text:  # delete a character or a few
            text = text[:i] + text[i + rng.randint(1, 3) :]
        elif r < 0.75:
            text = text[:i] + rng.choice(JUNK) + text[i:]
        elif r < 0.9:
            text = text[:i]  # truncate
        else:  # swap two characters
            if 0 < i < len(text):
                text = text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
    return text


def generate(seed: int, count: int, vocab: Vocabulary = PROMETHEUS) -> list[str]:
    """``count`` distinct templates (about half of them mutated), seeded."""
    rng = random.Random(seed)
    out: dict[str, None] = {}
    while len(out) < count:
        gen = _Gen(rng, vocab)
        text = "".join(gen.piece(0) for _ in range(rng.randint(1, 3)))
        if rng.random() < 0.5:
            text = _mutate(rng, text)
        if "{{" in text:
            out[text] = None
    return list(out)
