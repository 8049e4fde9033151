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
