"""The diagnostic renderers: the source line and its caret, SARIF's column unit,
GitHub's workflow-command escaping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from obs_as_code.diagnostics import error, render_github, render_sarif, render_text
from obs_as_code.source import SourceLocation


def _caret(root: Path, line: str, token: str) -> list[str]:
    """The source line and caret ``render_text`` prints for a finding at ``token``."""
    (root / "m.py").write_text(f"x = 1\n{line}\n", encoding="utf-8")
    d = error(SourceLocation("m.py", 2, line.index(token) + 1), "OAC999", "here")
    return render_text([d], root).split("\n")[1:3]


@pytest.mark.parametrize(
    ("line", "token", "caret"),
    [
        ('t = "Coût €"; bad', "bad", "    " + " " * 14 + "^"),  # one cell per character
        ('t = "日本"; bad', "bad", "    " + " " * 12 + "^"),  # CJK: two cells each
        ('t = "😀"; bad', "bad", "    " + " " * 10 + "^"),  # emoji: two cells (two UTF-16 units too)
        ('t = "e\u0301"; bad', "bad", "    " + " " * 9 + "^"),  # a combining accent takes no cell
        ('\tt = "x"; bad', "bad", "    \t" + " " * 9 + "^"),  # a tab stays a tab: same stop as the line's
    ],
)
def test_the_caret_sits_under_the_character(tmp_path: Path, line: str, token: str, caret: str) -> None:
    assert _caret(tmp_path, line, token) == [f"    {line}", caret]


def test_the_source_line_is_numbered_as_python_numbers_lines(tmp_path: Path) -> None:
    # U+2028 in a string, a form feed, U+0085: str.splitlines() breaks lines
    # there, Python (and every position we report) does not.
    (tmp_path / "m.py").write_text('a = "x\u2028y"\n\x0c\nb = "\x85"; bad\n', encoding="utf-8")
    d = error(SourceLocation("m.py", 3, 12), "OAC999", "here")
    assert render_text([d], tmp_path).split("\n")[1] == '    b = "\x85"; bad'


def test_a_line_after_crlf_and_cr_line_ends(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_bytes(b"a = 1\r\nb = 2\rc = 3\n")
    d = error(SourceLocation("m.py", 3, 1), "OAC999", "here")
    assert render_text([d], tmp_path).split("\n")[1] == "    c = 3"


def test_sarif_states_its_column_unit() -> None:
    # SARIF 2.1.0, 3.14.27: a run with results SHALL hold columnKind.
    doc = json.loads(render_sarif([error(SourceLocation("a.py", 1, 7), "OAC999", "x")]))
    assert doc["runs"][0]["columnKind"] == "unicodeCodePoints"
    assert doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 7}


def test_github_escapes_properties_and_message() -> None:
    # In a workflow command's properties "," and ":" separate fields: a file
    # name holding them is escaped as @actions/core escapes it.
    d = error(SourceLocation("dash,boards/a:b%.py", 3, 4), "OAC999", "50% of\nthe lines")
    assert render_github([d]) == "::error file=dash%2Cboards/a%3Ab%25.py,line=3,col=4,title=OAC999::50%25 of%0Athe lines\n"


def test_github_annotation_carries_the_hint() -> None:
    # The annotation is all a reviewer sees of a finding; text and SARIF show the hint.
    d = error(SourceLocation("a.py", 3, 4), "OAC999", "bad", hint="write it so")
    assert render_github([d]) == "::error file=a.py,line=3,col=4,title=OAC999::bad%0Ahint: write it so\n"
