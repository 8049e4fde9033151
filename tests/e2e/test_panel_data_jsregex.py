"""A variable's regex runs as JavaScript's RegExp runs it (Grafana's frontend), not as Python's ``re``.

The table tests state what JavaScript does; :func:`test_translations_agree_with_node`
checks every pattern of the table against node's own RegExp on many texts.
Before :mod:`obs_as_code.e2e.panel_data.jsregex`, the regex ran on Python's
engine: the cases marked "python:" below failed (seen failing on the old
``templating.js_regex``).
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code.e2e import panel_data as pd
from obs_as_code.e2e.panel_data import TimeRange, templating
from obs_as_code.e2e.panel_data.jsregex import (
    JsRegexError,
    compile_js,
    parse_grafana_regex,
    translate,
)

DATASOURCES = [pd.Datasource("Prometheus", "prometheus", "prometheus", is_default=True, time_interval="15s")]


def _first(body: str, flags: str, text: str) -> str | None:
    m = compile_js(body, flags).search(text)
    return None if m is None else m[0]


#: ``(body, flags, text, first match)`` as JavaScript's RegExp finds it.
SEMANTICS: list[tuple[str, str, str, str | None]] = [
    # python: \d takes any script's digits; JavaScript's is [0-9].
    (r"\d+", "", "\u0663\u0664", None),
    (r"\d+", "", "x42", "42"),
    # python: \w and \b know non-ASCII letters; JavaScript's (without u) do not.
    (r"\w+", "", "\u00e9t\u00e9", "t"),
    (r"\bt", "", "\u00e9t", "t"),
    (r"\Bt", "", "at", "t"),
    # python: \s misses U+FEFF and counts U+001C as a space.
    (r"\s", "", "a\ufeff", "\ufeff"),
    (r"\s", "", "a\x1c", None),
    (r"\S+", "", "\x1c\x1d", "\x1c\x1d"),
    # python: "." crosses \r, U+2028 and U+2029; JavaScript stops at every line terminator ...
    (r"a.b", "", "a\rb", None),
    (r"a.b", "", "a\u2028b", None),
    (r"a.b", "", "a-b", "a-b"),
    # ... unless s is set.
    (r"a.b", "s", "a\nb", "a\nb"),
    # python: "$" also matches before a final newline.
    (r"^a$", "", "a\n", None),
    (r"^a$", "", "a", "a"),
    # m: ^ and $ around every line terminator (python: only \n).
    (r"^b$", "m", "a\rb\rc", "b"),
    (r"^b$", "m", "a\u2028b", "b"),
    (r"^b", "", "a\nb", None),
    # python: a back reference to a group that did not match fails; JavaScript matches "".
    (r"(a)?\1b", "", "b", "b"),
    (r"\1(a)", "", "a", "a"),
    (r"(a\1)", "", "a", "a"),
    (r"(?<x>a)\k<x>", "", "aa", "aa"),
    # python: \k without named groups is an error; for JavaScript the letter k.
    (r"\k", "", "k", "k"),
    # python: "[]" and "[^]" are errors; JavaScript's empty class and any character.
    (r"[]a", "", "a", None),
    (r"a[^]", "", "a\n", "a\n"),
    # Negated shorthands in a class.
    (r"[\D]+", "", "ab1", "ab"),
    (r"[^\d\s]+", "", "1 ab2", "ab"),
    (r"[a\W]+", "", "b-a-", "-a-"),
    (r"[^a\S]", "", "ab c", " "),
    # "-" next to a set is itself; after a range it starts none.
    (r"[\d-z]+", "", "a1-z", "1-z"),
    (r"[a-c-e]+", "", "d-b", "-b"),
    (r"[\b]", "", "a\x08", "\x08"),
    (r"[[]", "", "a[", "["),
    # python: a{,2} is a quantifier; for JavaScript the text "a{,2}".
    (r"a{,2}", "", "aa", None),
    (r"a{,2}", "", "a{,2}", "a{,2}"),
    (r"a{2}", "", "aaa", "aa"),
    (r"{x}", "", "{x}", "{x}"),
    (r"]", "", "]", "]"),
    # python: \a is a bell, \Z and \A anchors, \e an error; for JavaScript the letters.
    (r"\a\e\A\Z\p", "", "aeAZp", "aeAZp"),
    # Control characters, octal escapes (Annex B) and \8.
    (r"\cJ", "", "a\nb", "\n"),
    (r"\c1", "", "\\c1", "\\c1"),
    (r"[\c1]", "", "\x11", "\x11"),
    (r"\101", "", "A", "A"),
    (r"(a)\2", "", "a\x02", "a\x02"),
    (r"\8", "", "8", "8"),
    (r"\0", "", "a\x00", "\x00"),
    (r"\x41\u0062", "", "Ab", "Ab"),
    (r"\/", "", "a/b", "/"),
    # Case-insensitive.
    (r"[a-z]+", "i", "AbC", "AbC"),
    (r"(?<=a)b", "", "ab", "b"),
    (r"(?<!a)b", "", "ab cb", "b"),
]


@pytest.mark.parametrize(("body", "flags", "text", "expected"), SEMANTICS)
def test_javascript_semantics(body: str, flags: str, text: str, expected: str | None) -> None:
    assert _first(body, flags, text) == expected


def test_named_groups_become_pythons() -> None:
    m = compile_js(r"(?<text>[a-z]+)-(?<value>[0-9]+)").search("host-42")
    assert m is not None and m.groupdict() == {"text": "host", "value": "42"}


#: ``(body, why)``: what JavaScript rejects, then what this check does not translate.
REJECTED: list[tuple[str, str]] = [
    # What JavaScript itself rejects (Python would accept it, or differently).
    ("a**", "Nothing to repeat"),
    ("a*+", "Nothing to repeat"),
    ("a{2}{3}", "Nothing to repeat"),
    (r"\b*", "Nothing to repeat"),
    ("^*", "Nothing to repeat"),
    ("(?<=a)*", "Nothing to repeat"),
    ("*a", "Nothing to repeat"),
    ("(?P<x>a)", "Invalid group '(?P<' (a Python form, not JavaScript)"),
    ("(?i)a", "Invalid group '(?i)' (a Python form, not JavaScript)"),
    ("(?>a)", "Invalid group '(?>a' (a Python form, not JavaScript)"),
    ("(?(1)a)", "Invalid group '(?(1' (a Python form, not JavaScript)"),
    ("(?#c)", "Invalid group '(?#c' (a Python form, not JavaScript)"),
    ("(?<1x>a)", "Invalid capture group name"),
    (r"(?<x>a)\k<y>", "Invalid named capture referenced"),
    (r"(?<x>a)[\k]", "Invalid escape"),
    ("[a", "Unterminated character class"),
    ("a\\", "\\ at end of pattern"),
    # What JavaScript runs but this check does not translate: said so, not a traceback.
    ("(?<=a+)b", "a lookbehind of variable width (JavaScript runs it, Python cannot)"),
    (r"\uD83D", "UTF-16 surrogate escapes are not translated by this check"),
    ("(?i:a)", "regex modifiers (?ims:...) are not translated by this check"),
    ("(?<a$>x)", "a group name with '$' ('a$') is not translated by this check"),
]


@pytest.mark.parametrize(("body", "message"), REJECTED)
def test_rejected_patterns_say_why(body: str, message: str) -> None:
    with pytest.raises(JsRegexError) as info:
        compile_js(body)
    assert str(info.value) == f"Invalid regular expression: /{body}/: {message}"


def test_pythons_own_errors_are_findings_too() -> None:
    with pytest.raises(JsRegexError, match=r"^Invalid regular expression: /\(\?<a>x\)\(\?<a>y\)/: redefinition"):
        compile_js("(?<a>x)(?<a>y)")
    with pytest.raises(JsRegexError, match="Invalid flags supplied to RegExp constructor 'u'"):
        compile_js("a", "u")


def test_grafanas_slashes() -> None:
    assert parse_grafana_regex("/a.b/gi") == ("a.b", "gi")
    # The last "/" followed by flags ends the body.
    assert parse_grafana_regex("/a/b/") == ("a/b", "")
    assert parse_grafana_regex("api") == ("^api$", "")
    # python: the old parse let "." cross a newline; stringToJsRegex's does not.
    with pytest.raises(JsRegexError, match="is not a valid regular expression"):
        parse_grafana_regex("/a\nb/")
    with pytest.raises(JsRegexError, match="is not a valid regular expression"):
        parse_grafana_regex("/a/gu")


def test_translate_keeps_plain_patterns_readable() -> None:
    assert translate("(?<value>[a-z]+)") == "(?P<value>[a-z]+)"
    assert translate(r"^api-\d+$") == r"^api-[0-9]+\Z"


def _resolve(values: Sequence[str], **var: Any) -> pd.Variable:
    class Fake(pd.PrometheusClient):
        def __init__(self) -> None:
            super().__init__("http://127.0.0.1:1")

        def label_values(self, label: str, match: str | None, time_range: TimeRange) -> list[str]:
            return list(values)

    dashboard = {"title": "d", "templating": {"list": [
        {"type": "query", "name": "v", "query": "label_values(v)", **var}]}}
    return pd.resolve_variables(dashboard, Fake(), TimeRange(0, 1), DATASOURCES)["v"]


def test_a_variable_regex_runs_as_javascript() -> None:
    # python: "\d" took the Arabic-Indic digits, "$" the value with a final newline.
    assert _resolve(["a1", "a\u0661", "a2\n"], regex=r"/^a\d$/").options == ("a1",)
    # A named group with JavaScript's syntax gives the option's value.
    assert _resolve(["pod-1", "pod-2"], regex="/pod-(?<value>[0-9])/").options == ("1", "2")


def test_a_regex_this_check_cannot_run_is_a_variable_problem_not_a_traceback() -> None:
    var = _resolve(["ab"], regex="/(?<=a+)b/")
    assert var.values == ()
    assert var.problem == ("Invalid regular expression: /(?<=a+)b/: a lookbehind of variable width "
                           "(JavaScript runs it, Python cannot)")
    # A Python-only form JavaScript rejects: the variable errors in Grafana too.
    assert "a Python form" in _resolve(["ab"], regex="/(?P<value>a)/").problem


def test_metrics_filter_is_a_javascript_search() -> None:
    class Names(pd.PrometheusClient):
        def __init__(self) -> None:
            super().__init__("http://127.0.0.1:1")

        def label_values(self, label: str, match: str | None, time_range: TimeRange) -> list[str]:
            return ["up", "http_requests_total", "x\u0661"]

    assert templating.variable_options(Names(), r"metrics(_\w+_)", TimeRange(0, 1)) == ["http_requests_total"]
    assert templating.variable_options(Names(), r"metrics(x\d)", TimeRange(0, 1)) == []
    # python: a bad pattern there raised re.error out of the check.
    dashboard = {"title": "d", "templating": {"list": [{"type": "query", "name": "m", "query": "metrics((?P<x>a))"}]}}
    var = pd.resolve_variables(dashboard, Names(), TimeRange(0, 1), DATASOURCES)["m"]
    assert "a Python form" in var.problem


def test_numerical_sort_reads_ascii_digits_only() -> None:
    # sortByNumeric's /.*?(\d+).*/: "\u0669" (Arabic-Indic 9) is no number to JavaScript.
    var = _resolve(["b\u0669", "a5", "c2"], sort=3)
    assert var.options == ("b\u0669", "c2", "a5")


# --- the same patterns, against node's RegExp ------------------------------------------

#: Characters where JavaScript and Python differ (kept inside the BMP: one UTF-16 unit each).
ALPHABET = ["a", "b", "A", "k", "1", "8", "\u0663", "_", " ", "\u00a0", "\ufeff", "\x1c", "\n", "\r", "\u2028",
            "\t", "-", ".", "/", "{", "}", ",", "[", "]", "\u00e9", "\u00c9", "\x00", "\x02", "\x08", "\x11"]

_NODE = r"""
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = cases.map(([body, flags, texts]) => {
  let rx;
  try { rx = new RegExp(body, flags); } catch (e) { return {error: e.message}; }
  return {results: texts.map((t) => {
    rx.lastIndex = 0;
    const m = rx.exec(t);
    return m === null ? null : [m.index, Array.from(m, (g) => (g === undefined ? null : g))];
  })};
});
process.stdout.write(JSON.stringify(out));
"""


def _texts(seed: int, fixed: Sequence[str]) -> list[str]:
    rng = random.Random(seed)
    return [*fixed, *("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 6))) for _ in range(150))]


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_translations_agree_with_node() -> None:
    cases = [(body, flags, _texts(i, [text])) for i, (body, flags, text, _) in enumerate(SEMANTICS)]
    done = subprocess.run(["node", "-e", _NODE], input=json.dumps(cases), capture_output=True, text=True,
                          check=True, timeout=60)
    answers = json.loads(done.stdout)
    disagreements = []
    for (body, flags, texts), answer in zip(cases, answers, strict=True):
        assert "error" not in answer, (body, answer)
        rx = compile_js(body, flags)
        for text, js in zip(texts, answer["results"], strict=True):
            m = rx.search(text)
            py = None if m is None else [m.start(), [m[0], *m.groups()]]
            if py != js:
                disagreements.append((body, flags, text, js, py))
    assert disagreements == []


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_what_is_rejected_as_javascripts_error_is_an_error_in_node() -> None:
    rejected = [body for body, message in REJECTED if not _UNTRANSLATED.search(message)]
    done = subprocess.run(["node", "-e", _NODE], input=json.dumps([[b, "", []] for b in rejected]),
                          capture_output=True, text=True, check=True, timeout=60)
    assert [("error" in a) for a in json.loads(done.stdout)] == [True] * len(rejected)


#: Pieces of patterns: every construct :mod:`jsregex` rewrites, valid or not in order.
_PIECES = ["a", "b", "k", "1", ".", "^", "$", "\\d", "\\D", "\\w", "\\W", "\\s", "\\S", "\\b", "\\B", "\\1", "\\2",
           "\\0", "\\8", "\\12", "(", ")", "(?:", "(?=", "(?!", "(?<=", "(?<!", "(?<n>", "\\k<n>", "[", "]", "[^", "-",
           "*", "+", "?", "{2}", "{1,}", "{,2}", "{", "}", "|", "\\c", "\\cA", "\\x4", "\\x41", "\\u00e9", "\\/",
           "\\-", "\\.", "\\a", "\\Z", "\\e", "\\t", "\\n", "\u00e9", "_", " "]


#: What :mod:`jsregex` says of a pattern JavaScript runs but it does not translate.
_UNTRANSLATED = re.compile(r"not translated by this check|Python cannot")


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.data_too_large, HealthCheck.too_slow])
@given(st.lists(st.tuples(st.lists(st.sampled_from(_PIECES), min_size=1, max_size=7).map("".join),
                          st.sampled_from(["", "i", "m", "s", "ms"])), min_size=150, max_size=150))
def test_random_patterns_agree_with_node(patterns: list[tuple[str, str]]) -> None:
    # Either both reject the pattern (or this check says it cannot translate it), or both
    # find the same first match in every text.
    cases = [(body, flags, _texts(i, [])[:30]) for i, (body, flags) in enumerate(patterns)]
    done = subprocess.run(["node", "-e", _NODE], input=json.dumps(cases), capture_output=True, text=True,
                          check=True, timeout=60)
    for (body, flags, texts), answer in zip(cases, json.loads(done.stdout), strict=True):
        try:
            rx = compile_js(body, flags)
        except JsRegexError as exc:
            assert "error" in answer or _UNTRANSLATED.search(str(exc)), (body, flags)
            continue
        assert "error" not in answer, (body, flags, answer)
        for text, js in zip(texts, answer["results"], strict=True):
            m = rx.search(text)
            assert (None if m is None else [m.start(), [m[0], *m.groups()]]) == js, (body, flags, text)


def test_alphabetical_sort_compares_utf16_code_units_as_javascript() -> None:
    # ["B", "b", "\U0001F600", "\uff21"].sort() in JavaScript: the emoji's first UTF-16
    # unit (U+D83D) is below U+FF21; Python's code points put it after.
    assert _resolve(["\uff21", "\U0001F600", "b", "B"], sort=1).options == ("B", "b", "\U0001F600", "\uff21")
    assert _resolve(["\uff21", "\U0001F600", "b"], sort=6).options == ("\uff21", "\U0001F600", "b")


def test_a_variable_name_is_ascii_as_grafanas_variable_regex() -> None:
    # variableRegex's \w is JavaScript's: "$hostÅ" is $host then "Å" (python: an unknown $hostÅ).
    host = pd.Variable("host", "custom", ("a",), options=("a",))
    assert pd.interpolate('up{instance="$host\u00c5"}', {"host": host}, {}) == 'up{instance="a\u00c5"}'
    assert pd.interpolate("${host}\u00e9[[host]]", {"host": host}, {}) == "a\u00e9a"


@pytest.mark.parametrize("text", ["\u0661m", "\u0661", "1\u0661s"])
def test_an_interval_with_non_ascii_digits_is_grafanas_error(text: str) -> None:
    # rangeUtil.describeInterval: Number("١") is NaN and /^(-?\d+...)/ has ASCII digits
    # (node: Number("1١s") is NaN, the regex finds no match).
    with pytest.raises(ValueError, match="Invalid interval string"):
        pd.frontend_interval_ms(text)
