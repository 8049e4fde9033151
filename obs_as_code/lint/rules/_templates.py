"""What the value checks need of a Go text/template, as Prometheus uses it in
annotations: the ``$labels.x`` (``.Labels.x``) and ``$value`` (``.Value``) uses,
with each ``$value`` action's pipeline functions.

It reads actions, not syntax: whether Prometheus accepts a template is
:mod:`obs_as_code.lint.rules._gotemplate`'s (OAC210), a port of Go's own parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from obs_as_code.lint.rules import _gotemplate

#: The words of a ``$value`` pipeline read as functions: those promtool 2.42
#: knows (:data:`~obs_as_code.lint.rules._gotemplate.FUNCTIONS`) and three later
#: or expansion-only ones (OAC210 reports them; OAC209 still reads the pipeline).
FUNCTIONS = _gotemplate.FUNCTIONS | {"tmpl", "now", "toDuration"}
_KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block", "break", "continue"}

_TOKEN = re.compile(
    r'\s+|"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\]|\\.)*\'|:=|=|\||\(|\)|,'
    r"|\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*|(?:\.[A-Za-z0-9_]+)+|\.|[-+]?\d[\w.+-]*|[A-Za-z_][A-Za-z0-9_]*|."
)


@dataclass
class Template:
    """The labels a template reads and how it shows $value."""

    labels: list[tuple[int, str]] = field(default_factory=list)
    #: (offset, pipeline functions, text right after the action) for each ``$value`` use.
    values: list[tuple[int, list[str], str]] = field(default_factory=list)


@lru_cache(maxsize=65536)
def read(text: str) -> Template:
    """Read ``text``; offsets in the result are offsets into ``text`` (cached: treat
    the result as read-only). An action left open ends the reading."""
    out = Template()
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
            break
        body_end = end - 1 if text[end - 1 : end] == "-" and end - 1 >= body_start else end
        _action(text[body_start:body_end], body_start, text[end + 2 : end + 3], out)
        pos = end + 2
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


def _action(body: str, base: int, after: str, out: Template) -> None:
    if body.strip().startswith("/*"):
        return
    tokens = [(m.group(), base + m.start()) for m in _TOKEN.finditer(body) if not m.group().isspace()]
    if not tokens:
        return
    funcs: list[str] = []
    uses_value = False
    for tok, off in tokens:
        if tok.startswith("$"):
            var = tok.split(".", 1)[0]
            if var == "$labels" and "." in tok:
                out.labels.append((off, tok.split(".")[1]))
            if var == "$value":
                uses_value = True
        elif tok.startswith(".Labels."):
            out.labels.append((off, tok.split(".")[2]))
        elif tok == ".Value":
            uses_value = True
        elif tok in FUNCTIONS:
            funcs.append(tok)
    if uses_value and tokens[0][0] not in _KEYWORDS:
        out.values.append((base, funcs, after))
