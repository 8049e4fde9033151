"""The direct YAML writer behind :func:`obs_as_code.serialize.dump_yaml`, compiled
with mypyc (see :mod:`obs_as_code._native`).

PyYAML's representer is pure Python even in front of libyaml's emitter, and it
dominated the build's serialize time. Output files are plain data (dicts, lists,
str, int, float, bool, None), so most documents can be written directly: this
writer produces exactly the bytes of :mod:`obs_as_code.serialize`'s dumper (a
property test compares the two) and returns None for anything it is not sure of
(unusual characters, keys that are not strings, kept trailing newlines, nesting
deeper than :data:`MAX_DEPTH` ...), which then goes through PyYAML. It lives
apart from :mod:`obs_as_code.serialize` because only this part gains from being
compiled: the JSON path calls orjson and ``bytes.translate``, which mypyc makes
dearer.
"""

from __future__ import annotations

import re
from typing import Any, Final

#: Characters the fast path leaves to PyYAML: controls, BOM, line and paragraph
#: separators, surrogates, non-characters and the astral planes (libyaml escapes them).
_ODD: Final = "\\x00-\\x1f\\x7f-\\x9f\\ufeff\\u2028\\u2029\\ud800-\\udfff\\ufffe\\uffff\\U00010000-\\U0010ffff"
#: A single-line string libyaml may write plain in block context: no leading or
#: trailing space, no indicator first, no ``: `` or `` #`` inside, printable only.
_PLAIN_OK: Final = re.compile(
    rf"""(?!---|\.\.\.)(?![-?:](?:[ ]|$))[^ #,\[\]{{}}&*!|>'"%@`{_ODD}](?:[^:#{_ODD}]|:(?=[^ ])|(?<=[^ ])\#)*(?<![ :])\Z"""
)
#: A single-line string libyaml writes single-quoted when it cannot be plain.
_QUOTE_OK: Final = re.compile(rf"[^{_ODD}]*\Z")
#: :data:`_ODD` less the newline (``\x0a``).
_ODD_BUT_NEWLINE: Final = _ODD.replace("\\x00-\\x1f", "\\x00-\\x09\\x0b-\\x1f")
#: A multi-line string written as a ``|``/``|-`` block: no leading newline (it
#: needs an indicator), nothing :data:`_ODD` but newlines. One character class
#: repeated: an alternation per character took 20 us a rule expression.
_BLOCK_OK: Final = re.compile(rf"[^\n{_ODD}][^{_ODD_BUT_NEWLINE}]*\Z")
#: Characters that make the dumper quote a multi-line string (see :func:`block_style`).
_NO_BLOCK: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x85\u2028\u2029\ufeff]")

#: Nesting the writer follows; deeper data goes through PyYAML. Compiled code
#: recurses on the C stack without Python's recursion check, and real output
#: nests less than ten levels.
MAX_DEPTH: Final = 100

#: How many scalars' texts a writer keeps (see :attr:`Writer.scalars`).
_SCALARS_MAX: Final = 200_000


class _Unsure(Exception):
    """The writer met something it does not write exactly like libyaml."""


def block_style(value: str) -> bool:
    """Whether the dumper writes multi-line ``value`` as a literal block (``|``):
    it keeps templates readable in review. Not with a control character or a
    carriage return (:data:`_NO_BLOCK`), trailing blanks on a line or leading ones."""
    return (
        "\n" in value
        and " \n" not in value
        and "\t\n" not in value
        and _NO_BLOCK.search(value) is None
        and not value.startswith((" ", "\t"))
    )


class Writer:
    """The writer for one dumper's resolver table (``yaml_implicit_resolvers``:
    first character, or None -> ``(tag, pattern)`` pairs): a plain scalar that
    one of them matches is not a string to a reader, so it is quoted."""

    def __init__(self, resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]]) -> None:
        self.resolvers = resolvers
        #: str -> its text as a plain or quoted single-line scalar ("" when the
        #: writer cannot write it): rule files repeat the same keys and values
        #: thousands of times.
        self.scalars: dict[str, str] = {}

    def dump(self, data: Any) -> str | None:
        """YAML text of ``data``, or None when unsure."""
        if not data or type(data) not in (dict, list):
            return None
        out: list[str] = []
        seen = {id(data)}
        try:
            if type(data) is dict:
                self._mapping(data, 0, out, False, seen, 0)
            else:
                self._sequence(data, 0, out, False, seen, 0)
        except (_Unsure, RecursionError):
            return None
        return "".join(out)

    def _implicit_str(self, value: str) -> bool:
        for _tag, regexp in [*self.resolvers.get(value[:1], ()), *self.resolvers.get(None, ())]:
            if regexp.match(value):
                return False
        return True

    def _scalar_text(self, value: str) -> str:
        scalars = self.scalars
        text = scalars.get(value)
        if text is None:
            if _PLAIN_OK.match(value) and self._implicit_str(value):
                text = value
            elif _QUOTE_OK.match(value):
                text = "'" + value.replace("'", "''") + "'"
            else:
                text = ""
            if len(scalars) >= _SCALARS_MAX:
                scalars.clear()
            scalars[value] = text
        if not text:
            raise _Unsure
        return text

    def _inline(self, value: Any, col: int, out: list[str], seen: set[int]) -> bool:
        """Append what follows ``key:`` or ``- `` for a scalar or an empty collection
        (leading space included); False when ``value`` is a non-empty collection."""
        kind = type(value)
        if kind is str:
            text: str = value
            if "\n" in text:
                if not _BLOCK_OK.match(text) or text.endswith("\n\n") or not block_style(text):
                    raise _Unsure
                pad = " " * (col + 2)
                body = text[:-1] if text.endswith("\n") else text
                out.append(" |\n" if text.endswith("\n") else " |-\n")
                for line in body.split("\n"):
                    out.append(pad + line + "\n" if line else "\n")
                return True
            out.append(" " + self._scalar_text(text) + "\n")
        elif kind is bool:
            out.append(" true\n" if value else " false\n")
        elif kind is int:
            out.append(f" {value}\n")
        elif kind is float:
            out.append(" " + float_text(value) + "\n")
        elif value is None:
            out.append(" null\n")
        elif kind is dict or kind is list:
            if id(value) in seen:  # PyYAML writes an anchor and an alias
                raise _Unsure
            seen.add(id(value))
            if value:
                return False
            out.append(" {}\n" if kind is dict else " []\n")
        else:
            raise _Unsure
        return True

    def _mapping(self, data: dict[Any, Any], col: int, out: list[str], inline_first: bool, seen: set[int], depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Unsure
        pad = " " * col
        for key, value in data.items():
            if type(key) is not str or len(key) > 128:  # a longer key is written "? key"
                raise _Unsure
            if inline_first:
                inline_first = False
                out.append(self._scalar_text(key) + ":")
            else:
                out.append(pad + self._scalar_text(key) + ":")
            if not self._inline(value, col, out, seen):
                out.append("\n")
                if type(value) is dict:
                    self._mapping(value, col + 2, out, False, seen, depth + 1)
                else:
                    self._sequence(value, col, out, False, seen, depth + 1)  # block sequences in mappings are not indented

    def _sequence(self, data: list[Any], col: int, out: list[str], inline_first: bool, seen: set[int], depth: int) -> None:
        if depth > MAX_DEPTH:
            raise _Unsure
        pad = " " * col
        for item in data:
            if inline_first:
                inline_first = False
                out.append("-")
            else:
                out.append(pad + "-")
            if not self._inline(item, col, out, seen):
                out.append(" ")
                if type(item) is dict:
                    self._mapping(item, col + 2, out, True, seen, depth + 1)
                else:
                    self._sequence(item, col + 2, out, True, seen, depth + 1)


def float_text(value: float) -> str:
    """A float as PyYAML's ``represent_float`` writes it."""
    if value != value:
        return ".nan"
    if value == float("inf"):
        return ".inf"
    if value == float("-inf"):
        return "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text
