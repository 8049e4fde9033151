"""`oac build` on a project whose lines hold non-ASCII text before the mistake:
every ``file:line:col`` names the character where the mistake starts, and the
caret of the text format sits under it (a CJK character or an emoji takes two
cells of a terminal)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.oac_testing import ProjectFactory, run_oac

RAISES = 'TITLE = "Coût €"; LIMIT = int("x")\n'
BAD = """\
from obs_as_code import AlertRule, RuleGroup
g = RuleGroup(name="g", rules=[
    AlertRule(name="Débit — 日本 😀", expr="sum(rate(x[5m])"),
    AlertRule(name="Coût €", expr="up", for_="5 min"),
    AlertRule(name="Ünïcode 😀", expr="up"), AlertRule(name="Ünïcode 😀", expr="up"),
])
"""


@pytest.fixture
def project(make_project: ProjectFactory) -> Path:
    return make_project({"alerts/raises.py": RAISES, "alerts/bad.py": BAD})


def test_text_names_the_character_and_puts_the_caret_under_it(project: Path) -> None:
    result = run_oac("build", "-C", str(project))
    assert result.exit_code == 1
    bad = BAD.split("\n")
    # Columns counted by hand: 1-based characters of the line.
    expected = [
        "alerts/bad.py:3:57: OAC108 invalid PromQL in alert 'Débit — 日本 😀' (group 'g'): "
        "1:16: parse error: unclosed left parenthesis",
        f"    {bad[2]}",
        # 56 characters before the token (just after the expression), three of
        # them (日, 本, 😀) two cells wide.
        "    " + " " * 59 + "^",
        "alerts/bad.py:4:46: OAC103 for: invalid duration '5 min': use units y w d h m s ms in that order, e.g. \"1h30m\"; did you mean '5m'?",
        f"    {bad[3]}",
        "    " + " " * 45 + "^",  # "€" and "û" are one cell each
        "alerts/bad.py:5:45: OAC105 duplicate alert 'Ünïcode 😀' in group 'g' (first declared at alerts/bad.py:5:5)",
        f"    {bad[4]}",
        "    " + " " * 45 + "^",  # 44 characters, the emoji two cells
        "    hint: rules may share a name only when their labels differ (e.g. severity)",
        "alerts/raises.py:1:27: OAC101 module alerts/raises.py raised ValueError: invalid literal for int() with base 10: 'x'",
        f"    {RAISES.rstrip()}",
        "    " + " " * 26 + "^",
    ]
    text = result.stderr
    start = text.index(expected[0])
    assert text[start:].split("\n")[: len(expected)] == expected, text
    # What the hand counts say, from the lines themselves.
    assert bad[2][40:].startswith('"sum(rate(x[5m])"') and bad[2][56:].startswith('"),')
    assert bad[3][45:].startswith('"5 min"')
    assert bad[4][44:].startswith('AlertRule(name="Ünïcode 😀", expr="up")')
    assert RAISES[26:].startswith('int("x")')


def test_json_and_github_use_the_same_columns(project: Path) -> None:
    found = json.loads(run_oac("build", "-C", str(project), "--format", "json").stdout)
    assert sorted((d["file"], d["line"], d["column"], d["code"]) for d in found) == [
        ("alerts/bad.py", 3, 57, "OAC108"),
        ("alerts/bad.py", 4, 46, "OAC103"),
        ("alerts/bad.py", 5, 45, "OAC105"),
        ("alerts/raises.py", 1, 27, "OAC101"),
    ]
    github = run_oac("build", "-C", str(project), "--format", "github").stdout
    assert "::error file=alerts/bad.py,line=3,col=57,title=OAC108::" in github


def test_sarif_says_columns_count_code_points(project: Path) -> None:
    # SARIF 2.1.0 (3.14.27): a run with results SHALL say in which unit its
    # columns are; we count code points (an emoji is one, not two UTF-16 units).
    doc = json.loads(run_oac("build", "-C", str(project), "--format", "sarif").stdout)
    (run,) = doc["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    regions = {r["ruleId"]: r["locations"][0]["physicalLocation"]["region"] for r in run["results"]}
    assert regions["OAC105"] == {"startLine": 5, "startColumn": 45}
