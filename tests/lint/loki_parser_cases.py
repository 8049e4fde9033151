"""The test cases of Loki's own LogQL parser tests (``pkg/logql/syntax/parser_test.go``
``ast_test.go``, ``prettier_test.go``, ``walk_test.go`` at a tag), read from a local snapshot of the Loki repository: each case's query
and whether Loki expects an error. Nothing of Loki is committed here: the file
is read at test time, and the tests skip when no snapshot is present."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

#: Where a snapshot of github.com/grafana/loki may be (a git directory).
LOKI_REPO = Path(os.environ.get("OAC_LOKI_REPO", "/work/.mirror/grafana+loki/repo"))
LOKI_TAG = "v2.9.8"
#: The Loki 3 release modelled for ``[tool.oac] loki-version = "3.N"``.
LOKI3_TAG = "v3.7.6"

_ESCAPES = {"a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92, "'": 39, '"': 34}


@dataclass(frozen=True)
class LokiCase:
    function: str
    line: int
    query: str
    error: bool


def loki_source(path: str, tag: str = LOKI_TAG) -> str | None:
    """``path`` at ``tag`` in the snapshot, None without one."""
    if not LOKI_REPO.exists():
        return None
    done = subprocess.run(["git", "-C", str(LOKI_REPO), "show", f"{tag}:{path}"], capture_output=True, check=False)
    if done.returncode != 0:
        return None
    return done.stdout.decode("utf-8", "surrogateescape")


def go_string(text: str, i: int) -> tuple[str, int]:
    """The Go string literal at ``text[i]`` (backquoted or double-quoted, and
    concatenations with ``+``): its value (bytes that are no UTF-8 kept as
    surrogate escapes) and the index after it."""
    out = bytearray()
    while True:
        q = text[i]
        if q == "`":
            end = text.index("`", i + 1)
            out += text[i + 1 : end].replace("\r", "").encode("utf-8", "surrogateescape")
            i = end + 1
        elif q == '"':
            i += 1
            while text[i] != '"':
                c = text[i]
                if c != "\\":
                    out += c.encode("utf-8", "surrogateescape")
                    i += 1
                    continue
                e = text[i + 1]
                if e in _ESCAPES:
                    out.append(_ESCAPES[e])
                    i += 2
                elif e == "x":
                    out.append(int(text[i + 2 : i + 4], 16))
                    i += 4
                elif e in "uU":
                    width = 4 if e == "u" else 8
                    out += chr(int(text[i + 2 : i + 2 + width], 16)).encode()
                    i += 2 + width
                else:
                    out.append(int(text[i + 1 : i + 4], 8))
                    i += 4
            i += 1
        else:
            raise ValueError(f"no Go string at {text[i:i + 20]!r}")
        m = re.compile(r"\s*\+\s*").match(text, i)
        if m is None or text[m.end()] not in "`\"":
            return out.decode("utf-8", "surrogateescape"), i
        i = m.end()


_FUNC = re.compile(r"^(?:func (\w+)\(|var (\w+) = \[\]struct)", re.M)
_IN = re.compile(r"^([ \t]+)in:\s*", re.M)
_SKIP = re.compile(r"(?:\s|,|//[^\n]*)*")


def _functions(text: str) -> dict[str, tuple[int, str]]:
    """Each test function (and table variable): its offset and its text."""
    funcs = list(_FUNC.finditer(text))
    return {f.group(1) or f.group(2): (f.start(), text[f.start() : funcs[k + 1].start() if k + 1 < len(funcs) else len(text)])
            for k, f in enumerate(funcs)}


def _line(text: str, start: int, at: int) -> int:
    return text.count("\n", 0, start + at) + 1


def _in_cases(text: str, name: str, start: int, body: str) -> list[LokiCase]:
    """The ``in:`` cases of a table test, errors where the case's own ``err:`` is set."""
    cases: list[LokiCase] = []
    found = list(_IN.finditer(body))
    for j, m in enumerate(found):
        query, after = go_string(body, m.end())
        end = found[j + 1].start() if j + 1 < len(found) else len(body)
        # The case's own err field (at the indentation of its in:), not a nested one.
        err = re.search(rf"^{re.escape(m.group(1))}err:\s*(\S.*)$", body[after:end], re.M)
        error = err is not None and not err.group(1).startswith("nil")
        cases.append(LokiCase(name, _line(text, start, m.end()), query, error))
    return cases


def _list_cases(text: str, name: str, start: int, body: str, error: bool) -> list[LokiCase]:
    """The strings of a test's ``[]string{...}`` list, or the first string of
    each element of its ``[]struct{...}{...}`` list, all with one verdict."""
    cases: list[LokiCase] = []
    m = re.search(r"range \[\]string\{|\}\{\n", body)
    if m is None:
        return cases
    i = m.end()
    while True:
        i = _SKIP.match(body, i).end()  # type: ignore[union-attr]
        if body[i] == "}":
            return cases
        tuple_ = body[i] == "{"
        at = _SKIP.match(body, i + 1).end() if tuple_ else i  # type: ignore[union-attr]
        query, i = go_string(body, at)
        cases.append(LokiCase(name, _line(text, start, at), query, error))
        if tuple_:
            i = body.index("}", i) + 1


def _field_cases(text: str, name: str, start: int, body: str, field: str) -> list[LokiCase]:
    """The ``field`` fields (``query:``, or a ``line :=`` variable) of a test whose queries all parse."""
    found = re.finditer(rf"^[ \t]+{re.escape(field)}\s*", body, re.M)
    return [LokiCase(name, _line(text, start, m.end()), go_string(body, m.end())[0], False) for m in found]


#: Per file: the test functions read, and how: ``in`` (table cases with
#: ``err:``), ``ok``/``error`` (a list of queries Loki parses / refuses, as the
#: test asserts), ``field FIELD`` (the queries after ``FIELD``, all parsed).
SOURCES: dict[str, dict[str, str]] = {
    "pkg/logql/syntax/parser_test.go": {
        "TestParse": "in",
        "TestParseSampleExpr_equalityMatcher": "in",
        "TestParseLogSelectorExpr_equalityMatcher": "in",
    },
    "pkg/logql/syntax/ast_test.go": {
        "Test_logSelectorExpr_String": "ok",
        "Test_SampleExpr_String": "ok",
        "Test_SampleExpr_String_Fail": "error",
        "Test_SampleExpr_Sort_Fail": "error",
        "Test_NilFilterDoesntPanic": "ok",
        "TestStringer": "in",
        "TestMatcherGroups": "field query:",
        "TestParseLargeQuery": "field line :=",
    },
    "pkg/logql/syntax/prettier_test.go": {
        "TestFormat": "in",
        "TestFormat_VectorAggregation": "in",
        "TestFormat_LabelReplace": "in",
        "TestFormat_BinOp": "in",
    },
    "pkg/logql/syntax/walk_test.go": {
        "Test_Walkable": "field expr:",
        "Test_AppendMatchers": "field expr:",
    },
}


#: Loki 3's: TestParse's table became the variable ParseTestCases; the
#: variants and line filter tests are added.
SOURCES_3: dict[str, dict[str, str]] = {
    **SOURCES,
    "pkg/logql/syntax/parser_test.go": {
        "ParseTestCases": "in",
        "TestParseSampleExpr_equalityMatcher": "in",
        "TestParseLogSelectorExpr_equalityMatcher": "in",
    },
    "pkg/logql/syntax/ast_test.go": {
        **SOURCES["pkg/logql/syntax/ast_test.go"],
        "Test_VariantsExpr_String": "ok",
    },
}


def parser_cases(tag: str = LOKI_TAG) -> list[LokiCase] | None:
    """Every case of :data:`SOURCES` (:data:`SOURCES_3` for Loki 3) at ``tag``,
    None without a snapshot."""
    cases: list[LokiCase] = []
    for path, functions in (SOURCES_3 if tag.startswith("v3.") else SOURCES).items():
        text = loki_source(path, tag)
        if text is None:
            return None
        found = _functions(text)
        for name, how in functions.items():
            start, body = found[name]
            if how == "in":
                cases += _in_cases(text, name, start, body)
            elif how.startswith("field "):
                cases += _field_cases(text, name, start, body, how.removeprefix("field "))
            else:
                cases += _list_cases(text, name, start, body, how == "error")
    return cases


def lexer_cases(tag: str = LOKI_TAG) -> list[tuple[int, str, list[str]]] | None:
    """lex_test.go's TestLex cases: (line, input, the token names Loki's lexer
    returns until it stops), None without a snapshot."""
    text = loki_source("pkg/logql/syntax/lex_test.go", tag)
    if text is None:
        return None
    start, body = _functions(text)["TestLex"]
    out: list[tuple[int, str, list[str]]] = []
    m = re.search(r"\}\{\n", body)
    assert m is not None
    i = m.end()
    while True:
        i = _SKIP.match(body, i).end()  # type: ignore[union-attr]
        if body[i] == "}":
            return out
        at = _SKIP.match(body, i + 1).end()  # type: ignore[union-attr]
        query, i = go_string(body, at)
        names = re.compile(r",\s*\[\]int\{([^}]*)\}\s*,?\s*\}").match(body, i)
        assert names is not None, body[i : i + 80]
        out.append((_line(text, start, at), query, re.findall(r"\w+", names.group(1))))
        i = names.end()


def is_function_cases(tag: str = LOKI_TAG) -> list[tuple[str, bool]] | None:
    """lex_test.go's Test_isFunction cases: (the text after a name, whether Loki
    reads the name as a function), None without a snapshot."""
    text = loki_source("pkg/logql/syntax/lex_test.go", tag)
    if text is None:
        return None
    _start, body = _functions(text)["Test_isFunction"]
    out: list[tuple[str, bool]] = []
    for m in re.finditer(r"^\s*\{(?=[`\"])", body, re.M):
        value, i = go_string(body, m.end())
        verdict = re.compile(r",\s*(true|false)\}").match(body, i)
        assert verdict is not None
        out.append((value, verdict.group(1) == "true"))
    return out
