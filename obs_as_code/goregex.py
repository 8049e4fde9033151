"""Whether Go's ``regexp.Compile`` (RE2 syntax, Perl flags) refuses a pattern.

Alertmanager 0.25 compiles a matcher's regex as ``^(?:VALUE)$`` with Go's
regexp package (built with Go 1.19 in Debian's 0.25: no ``(?<name>...)``).
Python's ``re`` reads another dialect (lookarounds and backreferences, no
``\\pL``, ``\\z`` or ``\\Q...\\E``), so this walks the pattern as Go's
regexp/syntax parser does and returns the first error it would report,
worded as Go words it (without the ``error parsing regexp:`` prefix). Only
syntax is judged; the size limits of a compiled program are not.
"""

from __future__ import annotations

import re
from functools import lru_cache

_POSIX = frozenset({"alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space",
                    "upper", "word", "xdigit"})
#: Unicode general categories Go's unicode tables know (\p{...}).
_CATEGORIES = frozenset({"C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
                         "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm", "So",
                         "Z", "Zl", "Zp", "Zs", "Any"})
#: The scripts of Go 1.19's unicode tables (Unicode 13), as \\p{Name} takes them (checked against amtool 0.25).
_SCRIPTS = frozenset({
    "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese", "Bamum", "Bassa_Vah",
    "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid", "Canadian_Aboriginal",
    "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform",
    "Cypriot", "Cyrillic", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan", "Egyptian_Hieroglyphs",
    "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati",
    "Gunjala_Gondi", "Gurmukhi", "Han", "Hangul", "Hanifi_Rohingya", "Hanunoo", "Hatran", "Hebrew", "Hiragana",
    "Imperial_Aramaic", "Inherited", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi",
    "Kannada", "Katakana", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki", "Khudawadi", "Lao",
    "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani", "Makasar",
    "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi", "Medefaidrin", "Meetei_Mayek", "Mende_Kikakui",
    "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian", "Mro", "Multani", "Myanmar",
    "Nabataean", "Nandinagari", "New_Tai_Lue", "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham", "Ol_Chiki",
    "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic", "Old_Persian", "Old_Sogdian",
    "Old_South_Arabian", "Old_Turkic", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau",
    "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian",
    "Siddham", "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo", "Sundanese", "Syloti_Nagri", "Syriac",
    "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil", "Tangut", "Telugu", "Thaana", "Thai",
    "Tibetan", "Tifinagh", "Tirhuta", "Ugaritic", "Vai", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square",
})
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_NAME = re.compile(r"[A-Za-z0-9_]+")
_MAX_REPEAT = 1000


class GoRegexError(ValueError):
    """The message Go's regexp/syntax gives for a pattern it refuses."""


@lru_cache(maxsize=4096)
def go_regex_problem(pattern: str) -> str | None:
    """Go's error for ``regexp.Compile(pattern)``, None when it compiles (remembered:
    a rule set repeats its few regexes, ``code=~"5.."``, thousands of times)."""
    try:
        _Parser(pattern).parse()
    except GoRegexError as exc:
        return str(exc)
    return None


def anchored_regex_problem(value: str) -> str | None:
    """Go's error for a label matcher's or relabel config's regex ``value``, which
    Prometheus and Alertmanager compile anchored, as ``^(?:value)$``; None when it
    compiles."""
    return go_regex_problem(f"^(?:{value})$")


def promql_regex_problem(value: str) -> str | None:
    """Go's error for the regex ``value`` of a PromQL label matcher, None when
    Prometheus takes it. Prometheus 2.42's ``labels.NewFastRegexMatcher`` (Loki 2.9
    vendors the same) compiles ``^(?:value)$`` and then parses ``value`` alone for
    its fast paths, so it refuses what either refuses: ``a)|(b`` compiles anchored
    (``^(?:a)|(b)$``) yet promtool says "unexpected ): `a)|(b`". Alertmanager and
    relabel configs compile the anchored form only (:func:`anchored_regex_problem`)."""
    return anchored_regex_problem(value) or go_regex_problem(value)


def _unicode_class(name: str) -> bool:
    name = name.removeprefix("^")
    return name in _CATEGORIES or name in _SCRIPTS


class _Parser:
    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0

    def fail(self, what: str, arg: str) -> GoRegexError:
        return GoRegexError(f"{what}: `{arg}`")

    def _repeatable(self, repeat: str, last_repeat: str, operand: bool) -> None:
        """Go's checks of a repetition operator (``*``, ``+``, ``?``, ``{n,m}``, lazy
        or not): not right after another one, and after something to repeat."""
        if last_repeat:
            raise self.fail("invalid nested repetition operator", last_repeat + repeat)
        if not operand:
            raise self.fail("missing argument to repetition operator", repeat)

    def parse(self) -> None:
        t = self.t
        # One frame per open group: the weights of its items, where an item's
        # weight is the largest product of the counts of the x{n,m} nested in it
        # (Go refuses a repetition whose nested counts multiply beyond 1000).
        frames: list[list[int]] = [[]]
        # Whether the last item can take a repetition, and the text of the last repetition.
        operand = False
        last_repeat = ""
        while self.i < len(t):
            start = self.i
            c = t[self.i]
            repeat_here = ""
            items = frames[-1]
            if c == "(":
                if t.startswith("(?", self.i):
                    if self._perl_group():
                        frames.append([])
                        operand = False
                    # (?flags) sets flags: nothing to repeat afterwards either way.
                else:
                    self.i += 1
                    frames.append([])
                    operand = False
            elif c == "|":
                self.i += 1
                items.append(1)  # alternatives: the group's weight is their largest
                operand = False
            elif c == ")":
                if len(frames) == 1:
                    raise self.fail("unexpected )", t)
                frames.pop()
                frames[-1].append(max(items, default=1))
                self.i += 1
                operand = True
            elif c in "*+?":
                self.i += 1
                if t.startswith("?", self.i):
                    self.i += 1
                repeat_here = t[start:self.i]
                self._repeatable(repeat_here, last_repeat, operand)
            elif c == "{":
                match = _REPEAT.match(t, self.i)
                if match is None:
                    self.i += 1  # a literal {
                    items.append(1)
                    operand = True
                else:
                    low = int(match.group(1))
                    high = low if match.group(2) is None else (int(match.group(3)) if match.group(3) else -1)
                    self.i = match.end()
                    if t.startswith("?", self.i):
                        self.i += 1
                    repeat_here = t[start:self.i]
                    self._repeatable(repeat_here, last_repeat, operand)
                    if low > _MAX_REPEAT or high > _MAX_REPEAT or (high >= 0 and high < low):
                        raise self.fail("invalid repeat count", match.group(0))
                    count = high if high >= 0 else low
                    inner = items[-1] if items else 1
                    if (low >= 2 or high >= 2) and count * inner > _MAX_REPEAT:
                        raise self.fail("invalid repeat count", match.group(0))
                    if items:
                        items[-1] = count * inner if count > 0 else 1
            elif c == "[":
                self._class()
                items.append(1)
                operand = True
            elif c == "\\":
                if t.startswith("\\Q", self.i):
                    end = t.find("\\E", self.i + 2)
                    self.i = len(t) if end < 0 else end + 2
                else:
                    self._escape(in_class=False)
                items.append(1)
                operand = True
            else:
                self.i += 1
                items.append(1)
                operand = True
            last_repeat = repeat_here
        if len(frames) > 1:
            raise self.fail("missing closing )", t)

    def _perl_group(self) -> bool:
        """``(?`` at self.i: a named group, a non-capturing group or flags.
        True when it opened a group."""
        t = self.t
        rest = t[self.i:]
        if rest.startswith("(?P<"):
            end = t.find(">", self.i)
            if end < 0:
                raise self.fail("invalid named capture", rest)
            name = t[self.i + 4:end]
            if not _NAME.fullmatch(name):
                raise self.fail("invalid named capture", t[self.i:end + 1])
            self.i = end + 1
            return True
        j = self.i + 2
        sign = 1
        saw_flag = False
        while j < len(t):
            c = t[j]
            if c in "imsU":
                saw_flag = True
            elif c == "-":
                if sign < 0:
                    break
                sign = -1
                saw_flag = False
            elif c in ":)":
                if sign < 0 and not saw_flag:
                    break
                self.i = j + 1
                return c == ":"
            else:
                break
            j += 1
        raise self.fail("invalid or unsupported Perl syntax", t[self.i:j + 1] if j < len(t) else t[self.i:])

    def _escape(self, *, in_class: bool) -> None:
        t = self.t
        start = self.i
        if self.i + 1 >= len(t):
            raise GoRegexError("trailing backslash at end of expression: ``")
        c = t[self.i + 1]
        self.i += 2
        if c in "1234567":
            # Go reads \1 as a backreference (refused) unless an octal number follows.
            if self.i >= len(t) or not ("0" <= t[self.i] <= "7"):
                raise self.fail("invalid escape sequence", t[start:self.i])
            c = "0"
        if c == "0":
            for _ in range(2):
                if self.i < len(t) and "0" <= t[self.i] <= "7":
                    self.i += 1
            return
        if c == "x":
            if t.startswith("{", self.i):
                end = t.find("}", self.i)
                digits = t[self.i + 1:end] if end >= 0 else ""
                if end < 0 or not digits or not re.fullmatch(r"[0-9A-Fa-f]+", digits) or int(digits, 16) > 0x10FFFF:
                    raise self.fail("invalid escape sequence", t[start:end + 1 if end >= 0 else len(t)])
                self.i = end + 1
                return
            digits = t[self.i:self.i + 2]
            if len(digits) < 2 or not re.fullmatch(r"[0-9A-Fa-f]{2}", digits):
                raise self.fail("invalid escape sequence", t[start:self.i + len(digits)])
            self.i += 2
            return
        if c in "pP":
            if self.i >= len(t):
                raise self.fail("invalid character class range", t[start:])
            if t[self.i] == "{":
                end = t.find("}", self.i)
                if end < 0:
                    raise self.fail("invalid character class range", t[start:])
                name = t[self.i + 1:end]
                self.i = end + 1
            else:
                name = t[self.i]
                self.i += 1
            if not _unicode_class(name):
                raise self.fail("invalid character class range", t[start:self.i])
            return
        if c in "afnrtvdDsSwW":
            return
        if c in "AzbB" and not in_class:
            return
        if ord(c) < 0x80 and not c.isalnum():
            return  # an escaped punctuation character is itself
        raise self.fail("invalid escape sequence", t[start:self.i])

    def _class(self) -> None:
        t = self.t
        start = self.i
        self.i += 1
        if t.startswith("^", self.i):
            self.i += 1
        first = True
        while self.i < len(t) and (t[self.i] != "]" or first):
            first = False
            if t.startswith("[:", self.i):
                end = t.find(":]", self.i + 2)
                if end >= 0:
                    name = t[self.i + 2:end].removeprefix("^")
                    if name not in _POSIX:
                        raise self.fail("invalid character class range", t[self.i:end + 2])
                    self.i = end + 2
                    continue
            low_start = self.i
            low = self._class_char()
            if low is None:
                continue  # \d, \pL ...: no range
            if t.startswith("-", self.i) and self.i + 1 < len(t) and t[self.i + 1] != "]":
                self.i += 1
                high = self._class_char()
                if high is None or high < low:
                    raise self.fail("invalid character class range", t[low_start:self.i])
        if self.i >= len(t):
            raise self.fail("missing closing ]", t[start:])
        self.i += 1

    def _class_char(self) -> int | None:
        """One character of a class (its code), None for a class escape."""
        t = self.t
        if t[self.i] != "\\":
            self.i += 1
            return ord(t[self.i - 1])
        start = self.i
        self._escape(in_class=True)
        text = t[start:self.i]
        if text[1] in "dDsSwWpP":
            return None
        if text[1] == "x":
            return int(text[3:-1] if text[2] == "{" else text[2:], 16)
        if text[1] in "01234567":
            return int(text[1:], 8)
        return {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}.get(text[1], ord(text[1]))


# --- matching as Go matches ---------------------------------------------------

#: Go's Perl classes: ASCII only (Python's \d, \w, \s and \b are Unicode).
_PERL = {"d": [(0x30, 0x39)], "s": [(0x9, 0xA), (0xC, 0xD), (0x20, 0x20)],
         "w": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]}
#: Go's POSIX classes ([[:alpha:]]), ASCII only.
_POSIX_RANGES = {
    "alnum": [(0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A)], "alpha": [(0x41, 0x5A), (0x61, 0x7A)], "ascii": [(0, 0x7F)],
    "blank": [(0x9, 0x9), (0x20, 0x20)], "cntrl": [(0, 0x1F), (0x7F, 0x7F)], "digit": [(0x30, 0x39)],
    "graph": [(0x21, 0x7E)], "lower": [(0x61, 0x7A)], "print": [(0x20, 0x7E)],
    "punct": [(0x21, 0x2F), (0x3A, 0x40), (0x5B, 0x60), (0x7B, 0x7E)], "space": [(0x9, 0xD), (0x20, 0x20)],
    "upper": [(0x41, 0x5A)], "word": [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)],
    "xdigit": [(0x30, 0x39), (0x41, 0x46), (0x61, 0x66)],
}
_WORD = "[0-9A-Za-z_]"
_BOUNDARY = f"(?:(?<={_WORD})(?!{_WORD})|(?<!{_WORD})(?={_WORD}))"
_NON_BOUNDARY = f"(?:(?<={_WORD})(?={_WORD})|(?<!{_WORD})(?!{_WORD}))"
_ESCAPES = {"a": 7, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11}
_Ranges = list[tuple[int, int]]


class GoRegexUnsupported(re.error):
    """A pattern Go compiles that :func:`go_fullmatch` cannot match as Go does
    (``\\p{Greek}``: Python's unicodedata has no scripts)."""


@lru_cache(maxsize=64)
def _category(name: str) -> tuple[tuple[int, int], ...]:
    """The code point ranges of a Unicode general category (``L``, ``Lu``, ``Any``)."""
    import unicodedata

    if name == "Any":
        return ((0, 0x10FFFF),)
    if name not in _CATEGORIES:
        raise GoRegexUnsupported(f"Unicode script \\p{{{name}}} is not supported offline")
    out: _Ranges = []
    for code in range(0x110000):
        cat = unicodedata.category(chr(code))
        if cat == name or cat[0] == name:
            if out and out[-1][1] == code - 1:
                out[-1] = (out[-1][0], code)
            else:
                out.append((code, code))
    return tuple(out)


def _negate(ranges: _Ranges) -> _Ranges:
    out: _Ranges = []
    nxt = 0
    for lo, hi in sorted(ranges):
        if lo > nxt:
            out.append((nxt, lo - 1))
        nxt = max(nxt, hi + 1)
    if nxt <= 0x10FFFF:
        out.append((nxt, 0x10FFFF))
    return out


def _set(ranges: _Ranges) -> str:
    """A Python character set of exactly ``ranges`` (every character escaped)."""
    if not ranges:
        return "(?!)"
    return "[" + "".join(f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges) + "]"


_CASED_BELOW = 0x20000


@lru_cache(maxsize=1)
def _fold_orbits() -> dict[int, tuple[int, ...]]:
    """Each character that has others equal to it under Go's ``(?i)`` (its
    unicode.SimpleFold orbit: ``k K \u212a``), mapped to all of them. Python's
    IGNORECASE folds more (``(?i)i`` takes ``\u0130``): it is not used."""
    groups: dict[str, list[int]] = {}
    # Every character with a case mapping lies below U+20000 (the last, in
    # Unicode 15, is U+1E943): the other 1.0 M code points fold to themselves,
    # and reading them took 1.2 s of the first (?i) match in a process, 0.13 s now.
    for code in range(_CASED_BELOW):
        char = chr(code)
        key = char.casefold()
        if len(key) != 1:
            lower = char.lower()
            key = lower if len(lower) == 1 else char
        groups.setdefault(key, []).append(code)
    return {c: tuple(g) for g in groups.values() if len(g) > 1 for c in g}


def _merge(ranges: _Ranges) -> _Ranges:
    out: _Ranges = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _fold(ranges: _Ranges) -> _Ranges:
    """``ranges`` with every character's fold orbit added (Go's appendFoldedClass)."""
    from bisect import bisect_right

    merged = _merge(ranges)
    lows = [lo for lo, _ in merged]
    out = list(merged)
    for code, orbit in _fold_orbits().items():
        at = bisect_right(lows, code) - 1
        if at >= 0 and merged[at][1] >= code:
            out.extend((o, o) for o in orbit)
    return _merge(out)


class _Translator:
    """Rewrites a pattern Go compiles into Python ``re`` syntax matching the same
    strings: every character and class is written as an explicit set (Go's ASCII
    Perl and POSIX classes, ``\\pL``, case folding), ``\\Q...\\E``, ``\\z``, octal
    escapes and literal ``{,n}`` as Go reads them, and the flags ``i m s U`` set
    anywhere applied as Go applies them (to the rest of the group, across ``|``)."""

    def __init__(self, text: str) -> None:
        self.t = text
        self.i = 0

    def escape(self) -> tuple[str | None, _Ranges, bool]:
        """The escape at ``self.i``: Python text for an assertion, or its
        characters and whether they are negated (after folding, as Go does)."""
        t = self.t
        c = t[self.i + 1]
        self.i += 2
        if c in "01234567":
            digits = c
            while len(digits) < 3 and self.i < len(t) and "0" <= t[self.i] <= "7":
                digits += t[self.i]
                self.i += 1
            code = int(digits, 8)
            return None, [(code, code)], False
        if c == "x":
            if t.startswith("{", self.i):
                end = t.index("}", self.i)
                code = int(t[self.i + 1:end], 16)
                self.i = end + 1
            else:
                code = int(t[self.i:self.i + 2], 16)
                self.i += 2
            return None, [(code, code)], False
        if c in "pP":
            if t[self.i] == "{":
                end = t.index("}", self.i)
                name = t[self.i + 1:end]
                self.i = end + 1
            else:
                name = t[self.i]
                self.i += 1
            return None, list(_category(name.removeprefix("^"))), (c == "P") != name.startswith("^")
        if c.lower() in _PERL:
            return None, list(_PERL[c.lower()]), c.isupper()
        if c in _ESCAPES:
            return None, [(_ESCAPES[c], _ESCAPES[c])], False
        assertions = {"A": "\\A", "z": "\\Z", "b": _BOUNDARY, "B": _NON_BOUNDARY}
        if c in assertions:
            return assertions[c], [], False
        return None, [(ord(c), ord(c))], False

    def chars(self, ranges: _Ranges, negated: bool, fold: bool) -> _Ranges:
        folded = _fold(ranges) if fold else ranges
        return _negate(folded) if negated else folded

    def char_class(self, fold: bool) -> _Ranges:
        t = self.t
        self.i += 1
        negated = t.startswith("^", self.i)
        if negated:
            self.i += 1
        ranges: _Ranges = []
        first = True
        while t[self.i] != "]" or first:
            first = False
            if t.startswith("[:", self.i) and t.find(":]", self.i + 2) >= 0:
                end = t.find(":]", self.i + 2)
                name = t[self.i + 2:end]
                ranges.extend(self.chars(_POSIX_RANGES[name.removeprefix("^")], name.startswith("^"), fold))
                self.i = end + 2
                continue
            low = self.class_char(fold)
            if len(low) != 1 or low[0][0] != low[0][1] or not (t.startswith("-", self.i) and t[self.i + 1] != "]"):
                ranges.extend(self.chars(low, False, fold))
                continue
            self.i += 1
            high = self.class_char(fold)
            ranges.extend(self.chars([(low[0][0], high[0][0])], False, fold))
        self.i += 1
        return _negate(ranges) if negated else ranges

    def class_char(self, fold: bool) -> _Ranges:
        """One character of a class (unfolded: it may start a range), or a class escape."""
        if self.t[self.i] == "\\":
            _, ranges, negated = self.escape()
            if len(ranges) == 1 and ranges[0][0] == ranges[0][1] and not negated:
                return ranges
            return self.chars(ranges, negated, fold)
        self.i += 1
        return [(ord(self.t[self.i - 1]),) * 2]

    def translate(self) -> str:
        t = self.t
        out: list[str] = []
        flags = [set[str]()]  # per open group: its flags now
        last_quantifiable = False
        while self.i < len(t):
            c = t[self.i]
            now = flags[-1]
            fold = "i" in now
            if c == "\\" and t.startswith("\\Q", self.i):
                end = t.find("\\E", self.i + 2)
                literal = t[self.i + 2:] if end < 0 else t[self.i + 2:end]
                self.i = len(t) if end < 0 else end + 2
                out.extend(_set(self.chars([(ord(ch), ord(ch))], False, fold)) for ch in literal)
                last_quantifiable = bool(literal)
            elif c == "\\":
                assertion, ranges, negated = self.escape()
                out.append(assertion if assertion is not None else _set(self.chars(ranges, negated, fold)))
                last_quantifiable = True
            elif c == "[":
                ranges = self.char_class(fold)
                out.append(_set(ranges))
                last_quantifiable = True
            elif c == ".":
                self.i += 1
                out.append(_set([(0, 0x10FFFF)] if "s" in now else _negate([(10, 10)])))
                last_quantifiable = True
            elif c in "^$":
                self.i += 1
                out.append(f"(?m:{c})" if "m" in now else "\\A" if c == "^" else "\\Z")
            elif c == "(":
                new = set(now)
                if t.startswith("(?P<", self.i):
                    self.i = t.index(">", self.i) + 1
                elif t.startswith("(?", self.i):
                    close = t.index(")", self.i)
                    colon = t.find(":", self.i, close)
                    end = close if colon < 0 else colon
                    on, _, off = t[self.i + 2:end].partition("-")
                    new = (now | set(on)) - set(off)
                    self.i = end + 1
                    if end == close:  # (?flags): the rest of the group
                        flags[-1] = new
                        continue
                else:
                    self.i += 1
                out.append("(?:")
                flags.append(new)
                last_quantifiable = False
            elif c == ")":
                self.i += 1
                out.append(")")
                flags.pop()
                last_quantifiable = True
            elif c == "|":
                self.i += 1
                out.append("|")
                last_quantifiable = False
            elif c in "*+?" or (c == "{" and _REPEAT.match(t, self.i) and last_quantifiable):
                rep = _REPEAT.match(t, self.i) if c == "{" else None
                out.append(rep.group() if rep is not None else c)
                self.i = rep.end() if rep is not None else self.i + 1
                lazy = t.startswith("?", self.i)
                if lazy:
                    self.i += 1
                if lazy != ("U" in now):
                    out.append("?")
                last_quantifiable = False
            else:
                self.i += 1
                out.append(_set(self.chars([(ord(c), ord(c))], False, fold)))
                last_quantifiable = True
        return "".join(out)


@lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(_Translator(pattern).translate())


def matcher_matches_empty(op: str, value: str) -> bool | None:
    """Whether the label matcher ``op`` (``=``, ``!=``, ``=~``, ``!~``) with
    ``value`` matches the empty string, which is what a missing label is to
    Prometheus, Loki and Alertmanager; None for a regex Go refuses (the tools
    report it) or one that cannot be matched offline (a script class)."""
    if op in ("=", "!="):
        return (value == "") == (op == "=")
    try:
        full = go_fullmatch(value, "")
    except re.error:
        return None
    return full == (op == "=~")


def go_fullmatch(pattern: str, text: str) -> bool:
    """Whether Go's ``regexp.MustCompile("^(?:" + pattern + ")$")`` matches ``text``:
    how Alertmanager and Prometheus match a label matcher's regex. ``pattern``
    must be one Go compiles (see :func:`anchored_regex_problem`); a Unicode
    script class (``\\p{Greek}``) raises :class:`GoRegexUnsupported`, one Go
    refuses ``re.error``."""
    problem = anchored_regex_problem(pattern)
    if problem is not None:
        raise re.error(problem)
    return _compiled(pattern).fullmatch(text) is not None
