"""JavaScript regular expressions (as Grafana's frontend runs them) on Python's ``re``.

A query variable's ``regex`` is a JavaScript ``RegExp`` (``stringToJsRegex``:
``/body/flags`` or a bare text anchored ``^text$``), compiled without the ``u``
flag, so with the web-compatibility (Annex B) grammar. :func:`translate` rewrites
the body into a Python pattern that matches the same strings:

- ``\\d``, ``\\w``, ``\\b`` and their negations are ASCII-only (``[0-9]``,
  ``[A-Za-z0-9_]``), ``\\s`` is JavaScript's whitespace set (with U+FEFF, without
  the separators U+001C-U+001F Python counts);
- ``.`` stops at every JavaScript line terminator (``\\n``, ``\\r``, U+2028,
  U+2029) unless the ``s`` flag is set; ``$`` is the end of the text (Python's
  ``$`` also matches before a final newline); with the ``m`` flag ``^``/``$``
  match around every line terminator;
- ``(?<name>...)`` is Python's ``(?P<name>...)``; a back reference (``\\1``,
  ``\\k<name>``) to a group that has not matched (yet) matches the empty text,
  as in JavaScript (Python's fails: ``(?(1)\\1)`` here);
- ``[]`` matches nothing, ``[^]`` any character, ``[\\D]``-style classes hold
  the negated sets; ``{`` that starts no quantifier is a literal (Python reads
  ``a{,3}`` as a quantifier); identity escapes (``\\a``, ``\\e``, ``\\A``, ``\\Z``,
  ``\\p``, ``\\8``) are the letter or digit itself; ``\\cX`` is a control
  character; ``\\N`` past the number of groups is an octal escape.

Python constructs JavaScript rejects (``(?P<n>``, ``(?i)``, ``(?>``, ``a*+``,
``(?(1)...)``) raise :class:`JsRegexError`, as do the forms this module does not
translate (regex modifiers ``(?i:...)``, UTF-16 surrogate escapes, a
lookbehind of variable width, which Python cannot run). Not translated and left
as Python does it: case-insensitive matching of a few non-ASCII letters (Python
folds ``ſ``, ``K`` (Kelvin), ``ı``, ``İ`` onto ASCII letters, JavaScript does not),
characters outside the BMP (one character here, two UTF-16 units to ``.``
in JavaScript), and the captures of a repeated group's earlier iterations
(JavaScript resets them at each iteration: ``/(?:(a)|b)+/`` on ``ab`` leaves
group 1 unset, Python keeps ``a``).
"""

from __future__ import annotations

import re

#: JavaScript's line terminators (``.``, ``^``/``$`` with ``m``).
_LINE_TERMINATORS = "\\n\\r\\u2028\\u2029"

#: JavaScript's ``\s``: WhiteSpace and LineTerminator of ECMA-262 (Unicode Zs included).
_JS_SPACE = "\\t\\n\\x0b\\x0c\\r \\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff"

_WORD = "A-Za-z0-9_"

_CLASS_SETS = {"d": "0-9", "w": _WORD, "s": _JS_SPACE}

_WORD_BOUNDARY = f"(?:(?<=[{_WORD}])(?![{_WORD}])|(?<![{_WORD}])(?=[{_WORD}]))"
_NOT_WORD_BOUNDARY = f"(?:(?<=[{_WORD}])(?=[{_WORD}])|(?<![{_WORD}])(?![{_WORD}]))"

_QUANTIFIER_RE = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")

_FLAGS_RE = re.compile(r"g?i?m?y?s?")


class JsRegexError(ValueError):
    """A JavaScript regular expression this check cannot run as Grafana would."""


def _group_names(body: str) -> list[str | None]:
    """Capturing groups of the whole pattern, in order: the group's name or None."""
    names: list[str | None] = []
    i, in_class = 0, False
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            # "]" right after "[" or "[^" closes the class: "[]" is JavaScript's empty class.
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            if not body.startswith("(?", i):
                names.append(None)
            elif m := re.match(r"\(\?<([^=!>][^>]*)>", body[i:]):
                names.append(m[1])
        i += 1
    return names


def _literal(ch: str) -> str:
    """One literal character of a Python pattern, in or out of a class."""
    return re.escape(ch)


class _Translator:
    """One pass over a JavaScript pattern (see :func:`translate`)."""

    def __init__(self, body: str, flags: str) -> None:
        self.body = body
        self.dotall = "s" in flags
        self.multiline = "m" in flags
        self.names = _group_names(body)
        self.named = any(n is not None for n in self.names)
        self.seen = 0  # capturing groups opened so far
        #: Per open "(": its capture number (0: none), and whether it is a lookbehind.
        self.open: list[tuple[int, bool]] = []

    def error(self, what: str) -> JsRegexError:
        return JsRegexError(f"Invalid regular expression: /{self.body}/: {what}")

    def run(self) -> str:
        body, i = self.body, 0
        out: list[str] = []
        # What the last token was: a quantifier (a second one is an error), an assertion
        # JavaScript cannot repeat (Python would, or would fail differently).
        last = ""
        while i < len(body):
            c = body[i]
            previous, last = last, ""
            if c in "*+?" or (c == "{" and _QUANTIFIER_RE.match(body, i)):
                if previous in ("quantifier", "assertion") or not out:
                    raise self.error("Nothing to repeat")
                m = _QUANTIFIER_RE.match(body, i) if c == "{" else None
                token = m[0] if m else c
                i += len(token)
                if body.startswith("?", i):  # lazy
                    token += "?"
                    i += 1
                out.append(token)
                last = "quantifier"
                continue
            if c == "\\":
                if i + 1 >= len(body):
                    raise self.error("\\ at end of pattern")
                last = "assertion" if body[i + 1] in "bB" else ""
                token, i = self.escape(i)
                out.append(token)
                continue
            if c == "[":
                token, i = self.char_class(i)
                out.append(token)
                continue
            if c == "(":
                token, i = self.group_open(i)
                out.append(token)
                continue
            if c == ")":
                if self.open and self.open.pop()[1]:
                    last = "assertion"  # a lookbehind: never quantifiable in JavaScript
                out.append(")")
            elif c in "{}":
                out.append("\\" + c)  # Annex B: a brace starting no quantifier is itself
            elif c == ".":
                out.append("(?s:.)" if self.dotall else f"[^{_LINE_TERMINATORS}]")
            elif c == "^":
                out.append(f"(?<![^{_LINE_TERMINATORS}])" if self.multiline else "^")
                last = "assertion"
            elif c == "$":
                out.append(f"(?=[{_LINE_TERMINATORS}]|\\Z)" if self.multiline else "\\Z")
                last = "assertion"
            else:
                out.append(c)
            i += 1
        return "".join(out)

    def group_open(self, i: int) -> tuple[str, int]:
        """The Python spelling of the group opening at ``body[i]``; the index after it."""
        rest = self.body[i:]
        if not rest.startswith("(?"):
            self.seen += 1
            self.open.append((self.seen, False))
            return "(", i + 1
        for js in ("(?:", "(?=", "(?!", "(?<=", "(?<!"):
            if rest.startswith(js):
                self.open.append((0, js.startswith("(?<")))
                return js, i + len(js)
        if m := re.match(r"\(\?<([^>]*)>", rest):
            name = m[1]
            if not name.replace("$", "_").isidentifier():
                raise self.error("Invalid capture group name")
            if "$" in name:
                raise self.error(f"a group name with '$' ({name!r}) is not translated by this check")
            self.seen += 1
            self.open.append((self.seen, False))
            return f"(?P<{name}>", i + m.end()
        if re.match(r"\(\?[imsx]*(?:-[imsx]*)?:", rest):
            raise self.error("regex modifiers (?ims:...) are not translated by this check")
        raise self.error(f"Invalid group {rest[:4]!r} (a Python form, not JavaScript)")

    def backref(self, number: int) -> str:
        # A group not closed before this point has not matched: JavaScript matches "".
        if number > self.seen or any(number == n for n, _ in self.open):
            return "(?:)"
        return f"(?({number})\\{number})"

    def escape(self, i: int) -> tuple[str, int]:
        """The escape at ``body[i]`` (a backslash) outside a class; the index after it."""
        body = self.body
        c = body[i + 1]
        if c in "dws":
            return f"[{_CLASS_SETS[c]}]", i + 2
        if c in "DWS":
            return f"[^{_CLASS_SETS[c.lower()]}]", i + 2
        if c == "b":
            return _WORD_BOUNDARY, i + 2
        if c == "B":
            return _NOT_WORD_BOUNDARY, i + 2
        if c in "123456789":
            digits = re.match(r"[0-9]+", body[i + 1:])
            assert digits is not None
            if int(digits[0]) <= len(self.names):
                return self.backref(int(digits[0])), i + 1 + len(digits[0])
            # Annex B: no such group, so an octal escape (\8, \9: the digit itself).
            return self.octal(i)
        if c == "k" and self.named:
            m = re.match(r"k<([^>]*)>", body[i + 1:])
            if m is None or m[1] not in self.names:
                raise self.error("Invalid named capture referenced")
            return self.backref(self.names.index(m[1]) + 1), i + 1 + m.end()
        return self.char_escape(i)

    def octal(self, i: int) -> tuple[str, int]:
        """LegacyOctalEscapeSequence at ``body[i]``: up to three octal digits, at most \\377."""
        m = re.match(r"[0-3][0-7]{0,2}|[4-7][0-7]?", self.body[i + 1:])
        if m is None:  # \8 or \9
            return self.body[i + 1], i + 2
        return f"\\x{int(m[0], 8):02x}", i + 1 + len(m[0])

    def char_escape(self, i: int) -> tuple[str, int]:
        """A character escape at ``body[i]`` (one literal character), in or out of a class."""
        body = self.body
        c = body[i + 1]
        if c in "fnrtv":
            return "\\" + c, i + 2
        if c == "0":
            return ("\\x00", i + 2) if not body[i + 2:i + 3].isdigit() else self.octal(i)
        if c == "c":
            letter = body[i + 2:i + 3]
            if letter.isascii() and letter.isalpha():
                return f"\\x{ord(letter) % 32:02x}", i + 3
            return "\\\\", i + 1  # Annex B: "\c" not before a letter is a backslash
        if c == "x" and re.fullmatch(r"[0-9A-Fa-f]{2}", body[i + 2:i + 4]):
            return "\\x" + body[i + 2:i + 4], i + 4
        if c == "u" and re.fullmatch(r"[0-9A-Fa-f]{4}", body[i + 2:i + 6]):
            code = int(body[i + 2:i + 6], 16)
            if 0xD800 <= code <= 0xDFFF:
                raise self.error("UTF-16 surrogate escapes are not translated by this check")
            return f"\\u{code:04x}", i + 6
        # An identity escape: the character itself (\/, \., \a is "a", \Z is "Z" ...).
        return _literal(c), i + 2

    def char_class(self, i: int) -> tuple[str, int]:
        """The class opening at ``body[i]`` (``[``); the index after its ``]``."""
        body = self.body
        j = i + 1
        negated = body.startswith("^", j)
        j += negated
        items: list[str] = []  # Python class items; "-" between the ends of a range
        ranged: list[bool] = []  # per item: may it start a range (a single character)?
        sets: list[str] = []  # negated shorthands (\D \W \S): kept outside the class
        while True:
            if j >= len(body):
                raise self.error("Unterminated character class")
            c = body[j]
            if c == "]":
                j += 1
                break
            single = True
            if c == "\\":
                if j + 1 >= len(body):
                    raise self.error("\\ at end of pattern")
                e = body[j + 1]
                if e in "dws":
                    token, j, single = _CLASS_SETS[e], j + 2, False
                elif e in "DWS":
                    sets.append(f"[^{_CLASS_SETS[e.lower()]}]")
                    j += 2
                    continue
                elif e == "b":
                    token, j = "\\x08", j + 2
                elif e == "k" and self.named:
                    raise self.error("Invalid escape")
                elif e in "123456789":
                    # No back references in a class: an octal escape, or \8 \9 themselves.
                    token, j = self.octal(j)
                    token = token if token.startswith("\\") else _literal(token)
                elif e == "c" and re.fullmatch(r"[0-9_]", body[j + 2:j + 3]):
                    # Annex B: in a class, \c before a digit or _ is a control character too.
                    token, j = f"\\x{ord(body[j + 2]) % 32:02x}", j + 3
                else:
                    token, j = self.char_escape(j)
            elif (c == "-" and items and ranged[-1] and body[j + 1:j + 2] not in ("]", "")
                  and not re.match(r"\\[dwsDWS]", body[j + 1:j + 3])):
                # A range (Annex B: "-" next to a set is itself).
                items.append("-")
                ranged.append(False)
                j += 1
                continue
            else:
                token, j = _literal(c), j + 1
            # The end of a range starts none ("[a-c-e]": "-" and "e" are themselves).
            items.append(token)
            ranged.append(single and not (len(items) > 1 and items[-2] == "-"))
        inner = "".join(items)
        if not sets:
            if not inner:
                return ("(?s:.)" if negated else "(?!)"), j
            return f"[{'^' if negated else ''}{inner}]", j
        alternatives = "|".join(([f"[{inner}]"] if inner else []) + sets)
        if negated:
            return f"(?:(?!{alternatives})(?s:.))", j
        return f"(?:{alternatives})", j


def translate(body: str, flags: str = "") -> str:
    """The Python pattern matching what ``new RegExp(body, flags)`` matches (see the module doc).

    ``flags``: JavaScript's ``g``, ``i``, ``m``, ``y``, ``s``; ``i`` is left to the
    caller (:func:`compile_js` passes ``re.IGNORECASE``), ``g`` and ``y`` to the matching loop.
    Raises :class:`JsRegexError` for what JavaScript rejects or this module cannot translate.
    """
    return _Translator(body, flags).run()


def parse_grafana_regex(text: str) -> tuple[str, str]:
    """``(body, flags)`` of a variable's regex as ``stringToJsRegex`` reads it: ``/body/flags``
    (flags ``g?i?m?y?s?`` in that order; the body cannot hold a line terminator),
    else the whole text anchored as ``^text$``. Raises :class:`JsRegexError` with
    Grafana's message (``'x' is not a valid regular expression.``)."""
    if not text.startswith("/"):
        return f"^{text}$", ""
    m = re.fullmatch(f"/([^{_LINE_TERMINATORS}]*?)/({_FLAGS_RE.pattern})", text)
    if m is None:
        raise JsRegexError(f"'{text}' is not a valid regular expression.")
    return m[1], m[2]


def compile_js(body: str, flags: str = "") -> re.Pattern[str]:
    """``new RegExp(body, flags)`` as a Python pattern (:func:`translate`; ``i`` is
    ``re.IGNORECASE``). Raises :class:`JsRegexError` for what it cannot run as JavaScript would."""
    if not _FLAGS_RE.fullmatch(flags):
        raise JsRegexError(f"Invalid flags supplied to RegExp constructor '{flags}'")
    pattern = translate(body, flags)
    try:
        return re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
    except re.error as exc:
        if "look-behind requires fixed-width pattern" in str(exc):
            raise JsRegexError(
                f"Invalid regular expression: /{body}/: a lookbehind of variable width "
                "(JavaScript runs it, Python cannot)") from exc
        raise JsRegexError(f"Invalid regular expression: /{body}/: {exc}") from exc
