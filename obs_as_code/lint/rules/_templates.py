"""A small reader of Go text/template, as Prometheus uses it in annotations.

It finds what Prometheus would reject when it loads or expands the template
(unclosed actions, unbalanced ``if``/``end``, unknown functions, undefined
variables, unterminated strings) and lists the ``$labels.x`` and ``$value``
uses the value checks need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_GO_FUNCTIONS = "and call html index slice js len not or print printf println urlquery eq ne lt le gt ge"
_PROMETHEUS_FUNCTIONS = (
    "query first label value strvalue args reReplaceAll safeHtml match title toUpper toLower "
    "graphLink tableLink sortByLabel humanize humanize1024 humanizeDuration humanizePercentage "
    "humanizeTimestamp toTime toDuration pathPrefix externalURL parseDuration stripPort stripDomain tmpl now"
)
#: text/template built-ins and Prometheus' template functions.
FUNCTIONS = frozenset(_GO_FUNCTIONS.split()) | frozenset(_PROMETHEUS_FUNCTIONS.split())
_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}
_OPENERS = {"if", "range", "with", "define", "block"}
_BUILTIN_VARS = {"$", "$labels", "$value", "$externalLabels", "$externalURL"}

_TOKEN = re.compile(
    r'\s+|"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\'|:=|=|\||\(|\)|,'
    r"|\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*|(?:\.[A-Za-z0-9_]+)+|\.|[-+]?\d[\w.+-]*|[A-Za-z_][A-Za-z0-9_]*|."
)


@dataclass
class Template:
    """What a template says: its errors, the labels it reads, and how it shows $value."""

    errors: list[tuple[int, str]] = field(default_factory=list)
    labels: list[tuple[int, str]] = field(default_factory=list)
    #: (offset, pipeline functions, text right after the action) for each ``$value`` use.
    values: list[tuple[int, list[str], str]] = field(default_factory=list)


@lru_cache(maxsize=65536)
def read(text: str) -> Template:
    """Read ``text``; offsets in the result are offsets into ``text`` (cached: treat
    the result as read-only)."""
    out = Template()
    stack: list[tuple[str, int]] = []
    variables = set(_BUILTIN_VARS)
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        body_start = start + 2
        if text.startswith("-", body_start):
            body_start += 1
        end = _close(text, body_start)
        if end < 0:
            out.errors.append((start, "unclosed action: '{{' without '}}'"))
            break
        body_end = end - 1 if text[end - 1 : end] == "-" and end - 1 >= body_start else end
        body = text[body_start:body_end]
        after = text[end + 2 : end + 3]
        _action(body, body_start, after, out, stack, variables)
        pos = end + 2
    stray = text.find("}}", 0)
    if stray >= 0 and "{{" not in text[:stray]:
        out.errors.append((stray, "'}}' without '{{'"))
    for word, offset in stack:
        out.errors.append((offset, f"{{{{ {word} }}}} is never closed by {{{{ end }}}}"))
    return out


def _close(text: str, pos: int) -> int:
    # The '}}' ending an action, skipping quoted strings.
    i = pos
    while i < len(text):
        c = text[i]
        if c in "\"'`":
            j = i + 1
            while j < len(text) and text[j] != c:
                j += 2 if text[j] == "\\" and c != "`" else 1
            i = j + 1
            continue
        if text.startswith("}}", i):
            return i
        i += 1
    return -1


def _action(body: str, base: int, after: str, out: Template, stack: list[tuple[str, int]], variables: set[str]) -> None:
    stripped = body.strip()
    if stripped.startswith("/*"):
        if not stripped.endswith("*/"):
            out.errors.append((base, "unclosed comment"))
        return
    tokens = [(m.group(), base + m.start()) for m in _TOKEN.finditer(body) if not m.group().isspace()]
    if not tokens:
        out.errors.append((base, "empty action {{ }}"))
        return
    first = tokens[0][0]
    if first in _OPENERS:
        stack.append((first, tokens[0][1]))
    elif first == "end":
        if not stack:
            out.errors.append((tokens[0][1], "{{ end }} without an opening if/range/with"))
        else:
            stack.pop()
    elif first == "else" and not stack:
        out.errors.append((tokens[0][1], "{{ else }} outside if/range/with"))
    depth = 0
    funcs: list[str] = []
    uses_value = False
    prev = ""
    for i, (tok, off) in enumerate(tokens):
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else ""
        if tok[0] in "\"`'":
            if tok[0] == '"' and (len(tok) < 2 or not tok.endswith('"')):
                out.errors.append((off, "unterminated string"))
        elif tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
            if depth < 0:
                out.errors.append((off, "unexpected ')'"))
                depth = 0
        elif tok == "|":
            if prev in ("", "|", "(") or nxt in ("", "|", ")"):
                out.errors.append((off, "missing command around '|'"))
        elif tok.startswith("$"):
            var = tok.split(".", 1)[0]
            if nxt in (":=", "="):
                variables.add(var)
            elif var not in variables:
                out.errors.append((off, f"undefined variable {var!r}"))
            if var == "$labels" and "." in tok:
                out.labels.append((off, tok.split(".")[1]))
            if var == "$value":
                uses_value = True
        elif tok.startswith(".Labels."):
            out.labels.append((off, tok.split(".")[2]))
        elif tok == ".Value":
            uses_value = True
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tok):
            if tok in FUNCTIONS:
                funcs.append(tok)
            elif tok not in _KEYWORDS and tok not in ("true", "false", "nil") and not (i > 0 and tokens[i - 1][0] in ("template", "define", "block")):
                out.errors.append((off, f"function {tok!r} not defined"))
        elif tok not in (":=", "=", ",", ".") and not re.fullmatch(r"[-+]?\d[\w.+-]*", tok):
            out.errors.append((off, f"unexpected {tok!r} in action"))
        prev = tok
    if depth > 0:
        out.errors.append((base, "unclosed '(' in action"))
    if uses_value and first not in _KEYWORDS:
        out.values.append((base, funcs, after))
