"""Every column a diagnostic reports counts CHARACTERS of the user's line.

Python counts UTF-8 bytes (frames' ``co_positions()``, ``ast`` offsets, a
traceback's ``colno``, a SyntaxError raised by an import): after ``"Coût €"``,
CJK text or an emoji on the same line, a column taken as is points to the right
of the token. One test per source of positions, each with non-ASCII text before
the offending token on its line: accented Latin (2 bytes), the euro sign and CJK
(3 bytes), an emoji (4 bytes, 2 UTF-16 code units)."""

from __future__ import annotations

import os
import tempfile
import textwrap
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.discover import ModuleRef, discover
from obs_as_code.lint.api import lint
from obs_as_code.lint.sites import node_span
from obs_as_code.load import global_location, load_project
from obs_as_code.model.rules import RuleGroup
from obs_as_code.pipeline import compile_project
from obs_as_code.source import SourceLocation, char_col, columns, keyword_location, project_root

#: Text put before the offending token, by what makes it wide.
PREFIXES = {
    "accented": "Coût éléments",
    "euro": "Coût €",
    "cjk": "日本語のタイトル",
    "emoji": "😀 tout va bien 🎉",
}
#: A 15s scrape interval: a [10s] window is under two of them (OAC205, an error).
SCRAPE = 'from obs_as_code import PrometheusConfig\n\nconfig = PrometheusConfig(scrape_interval="15s")\n'


def at(text: str, needle: str, nth: int = 0) -> tuple[int, int]:
    """(line, col), 1-based and in characters, of the ``nth`` ``needle`` in ``text``."""
    found = -1
    for _ in range(nth + 1):
        found = text.index(needle, found + 1)
    line_start = text.rfind("\n", 0, found) + 1
    return text.count("\n", 0, found) + 1, found - line_start + 1


def where(loc: SourceLocation) -> tuple[int, int]:
    return loc.line, loc.col


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def found(diagnostics: list[Diagnostic], code: str) -> list[tuple[str, int, int]]:
    return sorted((d.location.file, d.location.line, d.location.col) for d in diagnostics if d.code == code)


@pytest.fixture(params=sorted(PREFIXES))
def prefix(request: pytest.FixtureRequest) -> str:
    return PREFIXES[request.param]


# --- the conversion itself ----------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "extra_bytes"),
    [("é", 1), ("€", 2), ("日本", 4), ("😀", 3), ("e\u0301", 1)],
)
def test_char_col_converts_byte_offsets_of_non_ascii_lines(tmp_path: Path, prefix: str, extra_bytes: int) -> None:
    line = f'x = "{prefix}"; target = 1'
    path = tmp_path / "m.py"
    path.write_text(f"import os\n{line}\n", encoding="utf-8")
    chars = line.index("target")
    byte_col = len(line[:chars].encode())
    assert byte_col == chars + extra_bytes
    assert char_col(str(path), 2, byte_col) == chars + 1
    assert char_col(str(path), 2, 3) == 4  # before the wide text: unchanged
    assert char_col(str(path), 1, 6) == 7  # an ASCII line: unchanged
    # An end offset (one past the token) converts the same way.
    assert char_col(str(path), 2, byte_col + len("target")) == chars + len("target") + 1


def test_char_col_reads_the_file_as_python_numbers_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    # A byte order mark (Python's offsets start after it), CR LF and CR line
    # ends, a form feed and U+2028 inside a string (not line breaks for Python).
    path.write_bytes('\ufeffa = "é"; b = 1\r\nc = "\u2028"\r\x0cd = "日本"; e = 2\n'.encode())
    assert char_col(str(path), 1, len('a = "é"; '.encode())) == len('a = "é"; ') + 1
    assert char_col(str(path), 3, len('\x0cd = "日本"; '.encode())) == len('\x0cd = "日本"; ') + 1


def test_char_col_follows_the_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text('x = "日本"; y = 1\n', encoding="utf-8")
    assert char_col(str(path), 1, 14) == 11
    path.write_text("x = 'ab'; y = 1\n", encoding="utf-8")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert char_col(str(path), 1, 10) == 11  # read again: now ASCII


def test_char_col_without_a_readable_utf8_file_keeps_bytes(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.py"
    latin1.write_bytes('x = "é"; y = 1\n'.encode("latin-1"))
    assert char_col(str(latin1), 1, 9) == 10
    assert char_col(str(tmp_path / "missing.py"), 1, 9) == 10


@settings(max_examples=200, deadline=None)
@given(title=st.text(st.characters(codec="utf-8"), max_size=12).filter(lambda s: s.isprintable() and not set(s) & set('"\\{}')))
def test_char_col_of_every_node_starts_at_its_source(title: str) -> None:
    # The syntax tree's byte offsets, converted, index the line's characters.
    import ast

    text = f'v = ["{title}", target, f"{{target}}{title}", (target)]\n'
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.py"
        path.write_text(text, encoding="utf-8")
        names = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name) and n.id == "target"]
        cols = columns(str(path))
        assert len(names) == 3
        for node in names:
            start = cols.char_col(node.lineno, node.col_offset)
            end = cols.char_col(node.lineno, node.end_col_offset or 0)
            assert text[start - 1 : end - 1] == "target"


# --- capture(): positions of frames ---------------------------------------------


def test_definitions_are_located_at_their_call_in_characters(tmp_path: Path, prefix: str) -> None:
    text = (
        "from obs_as_code import AlertRule, RuleGroup\n"
        f'groups = ["{prefix}", RuleGroup(name="{prefix}", rules=[AlertRule(name="{prefix}", expr="up")])]\n'
    )
    root = write(tmp_path, {"alerts/a.py": text})
    project, diagnostics = load_project(root, discover(root))
    assert diagnostics == []
    (group,) = project.all(RuleGroup)
    assert where(group.location) == at(text, "RuleGroup(name")
    assert where(group.rules[0].location) == at(text, "AlertRule(name")


# --- keyword_location(): positions of the syntax tree ------------------------------


def test_a_keyword_argument_is_located_in_characters(tmp_path: Path, prefix: str) -> None:
    text = (
        "from obs_as_code import AlertRule, RuleGroup\n"
        f'g = RuleGroup(name="g", rules=[AlertRule(name="{prefix}", expr="up", for_="5m")])\n'
    )
    root = write(tmp_path, {"alerts/a.py": text})
    project, _ = load_project(root, discover(root))
    rule = project.all(RuleGroup)[0].rules[0]
    token = project_root.set(str(root))
    try:
        assert where(keyword_location(rule.location, "expr")) == at(text, '"up"')
        assert where(keyword_location(rule.location, "for_")) == at(text, '"5m"')
    finally:
        project_root.reset(token)


# --- OAC101: a module that raises, or does not compile ----------------------------


def _oac101(root: Path) -> tuple[int, int]:
    _project, diagnostics = load_project(root, discover(root))
    (d,) = [d for d in diagnostics if d.code == "OAC101"]
    return where(d.location)


def test_a_module_raising_is_reported_at_the_character(tmp_path: Path, prefix: str) -> None:
    text = f'TITLE = "{prefix}"; LIMIT = int("x")\n'
    write(tmp_path, {"alerts/a.py": text})
    assert _oac101(tmp_path) == at(text, 'int("x")')


def test_a_syntax_error_is_reported_at_the_character(tmp_path: Path, prefix: str) -> None:
    # The import system compiles the file's bytes: the parser's offset counts bytes.
    text = f'TITLE = "{prefix}" +* 2\n'
    write(tmp_path, {"alerts/a.py": text})
    assert _oac101(tmp_path) == at(text, "* 2")


def test_a_compiler_error_is_reported_at_the_character(tmp_path: Path, prefix: str) -> None:
    # Raised after parsing, from the syntax tree's offset (bytes, whatever the input).
    text = f'TITLE = "{prefix}"; return 1\n'
    write(tmp_path, {"alerts/a.py": text})
    assert _oac101(tmp_path) == at(text, "return 1")


# --- global_location(): module-level assignments -------------------------------------


def test_a_chained_assignment_is_located_in_characters(tmp_path: Path) -> None:
    text = 'données_日本 = board = {"title": "x"}\n'
    write(tmp_path, {"dashboards/d.py": text})
    ref = ModuleRef("dashboards/d.py", "dashboards.d")
    assert where(global_location(tmp_path, ref, "board")) == at(text, "board")
    assert where(global_location(tmp_path, ref, "données_日本")) == (1, 1)


# --- a token inside a PromQL string ------------------------------------------------


def _decoy(root: Path, name: str) -> tuple[list[tuple[str, int, int]], tuple[str, int, int]]:
    """OAC205's position for a rule named ``name``, and where its token is.

    The same text is in a comment above: were the literal searched from a wrong
    column (or none), the search would fall back to the first occurrence in the
    file, the comment."""
    text = (
        "from obs_as_code import AlertRule, RuleGroup\n"
        "# sum(rate(a_total[10s])) > 1 was the first try\n"
        f'g = RuleGroup(name="g", rules=[AlertRule(name="{name}", expr="sum(rate(a_total[10s])) > 1")])\n'
    )
    write(root, {"alerts/a.py": text, "scrape/prometheus.py": SCRAPE})
    return found(lint(root, select=["OAC205"]), "OAC205"), ("alerts/a.py", *at(text, "[10s]", 1))


def test_a_token_inside_the_expression_from_another_folder(tmp_path: Path) -> None:
    # The tests run from the repository, not the project: the keyword's position
    # is read from the file under the project's root, not the working directory.
    reported, token = _decoy(tmp_path, "ascii")
    assert reported == [token]


def test_a_token_inside_the_expression_after_wide_text(tmp_path: Path, prefix: str) -> None:
    # Counted in bytes, the literal's column would start the search past the token.
    reported, token = _decoy(tmp_path, prefix * 3)
    assert reported == [token]


def test_non_ascii_inside_the_expression_is_counted_in_characters(tmp_path: Path, prefix: str) -> None:
    # promql-parser gives no positions: a token is found in the query's text, so
    # its offset is in characters already; the label value before it is wide.
    expr = f'sum(rate(a_total{{path="/{prefix}"}}[10s]))'
    text = f"from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name=\"g\", rules=[AlertRule(name=\"A\", expr='{expr}')])\n"
    root = write(tmp_path, {"alerts/a.py": text, "scrape/prometheus.py": SCRAPE})
    assert found(lint(root, select=["OAC205"]), "OAC205") == [("alerts/a.py", *at(text, "[10s]"))]


def test_node_span_is_a_character_offset_into_the_query(prefix: str) -> None:
    import promql_parser as pp

    expr = f'sum by (job) (rate(a_total{{path="{prefix}"}}[5m])) / on(job) up{{x="{prefix}"}}'
    tree: Any = pp.parse(expr)
    start, stop = node_span(expr, tree, tree.rhs) or (-1, -1)
    assert expr[start:stop] == "up"
    assert expr.index('up{x="') == start


# --- YAML rule files -------------------------------------------------------------------


def test_a_yaml_rule_file_counts_characters(tmp_path: Path, prefix: str) -> None:
    # PyYAML's marks (the C loader's too) count characters.
    text = f'groups:\n- name: g\n  rules:\n  - {{alert: "{prefix}", expr: "sum(rate(a_total[10s])) > 1"}}\n'
    write(tmp_path, {"rules.yaml": text})
    diagnostics = lint(tmp_path, [tmp_path / "rules.yaml"], select=["OAC205"], scrape_interval=15.0)
    assert found(diagnostics, "OAC205") == [("rules.yaml", *at(text, "[10s]"))]


def test_invalid_yaml_is_reported_at_the_character(tmp_path: Path, prefix: str) -> None:
    text = f'groups:\n- name: "{prefix}" ] oops\n'
    write(tmp_path, {"rules.yaml": text})
    diagnostics = lint(tmp_path, [tmp_path / "rules.yaml"])
    assert [where(d.location) for d in diagnostics if d.code == "OAC219"] == [at(text, "]")]


def test_a_dashboard_json_file_counts_characters(tmp_path: Path, prefix: str) -> None:
    # JSON read as YAML for its marks (characters); json's own colno too.
    target = '{"refId": "A", "expr": "sum(rate(a_total[10s]))"}'
    text = f'{{"title": "{prefix}", "panels": [{{"type": "stat", "title": "{prefix}", "targets": [{target}]}}]}}\n'
    write(tmp_path, {"board.json": text, "broken.json": f'{{"title": "{prefix}" "panels": []}}\n'})
    diagnostics = lint(tmp_path, [tmp_path / "board.json", tmp_path / "broken.json"], scrape_interval=15.0)
    assert found(diagnostics, "OAC205") == [("board.json", *at(text, "[10s]"))]
    assert found(diagnostics, "OAC219") == [("broken.json", *at(f'{{"title": "{prefix}" "panels": []}}', '"panels"'))]


# --- dashboards: the panels of a dict, the items of kit.placed ---------------------------


def test_dict_panels_are_located_at_their_own_character(tmp_path: Path, prefix: str) -> None:
    grid = '"gridPos": {"h": 4, "w": 6, "x": 0, "y": 0}'
    text = (
        f'board = {{"title": "B", "uid": "b", "schemaVersion": 41, "panels": ['
        f'{{"id": 1, "type": "stat", "title": "{prefix}", {grid}}}, '
        f'{{"id": 2, "type": "stat", "title": "{prefix}", {grid.replace("0}", "6}")}}}]}}\n'
    )
    write(tmp_path, {"dashboards/d.py": text})
    compiled = compile_project(tmp_path)
    duplicates = [d for d in compiled.diagnostics if d.code == "OAC303"]
    assert [where(d.location) for d in duplicates] == [at(text, '{"id": 2')], compiled.diagnostics
    first_line, first_col = at(text, '{"id": 1')
    assert f"first one at dashboards/d.py:{first_line}:{first_col}" in (duplicates[0].hint or "")


def test_kit_placed_items_are_located_at_their_own_character(tmp_path: Path, prefix: str) -> None:
    from obs_as_code.dashboards.kit import _locate_items
    from obs_as_code.source import LOCATION_ATTR

    text = f'board = placed(b, [Panel("{prefix}"), Panel("{prefix}")])\n'
    path = write(tmp_path, {"d.py": text}) / "d.py"
    built = [SimpleNamespace(), SimpleNamespace()]
    _locate_items(str(path), SourceLocation("d.py", 1, 9), built)
    assert [where(getattr(b, LOCATION_ATTR)) for b in built] == [at(text, "Panel("), at(text, "Panel(", 1)]


# --- the property: any non-ASCII text before the token --------------------------------

#: Characters of every UTF-8 length, combining marks and wide (East Asian) ones.
WIDE_TEXT = st.text(
    st.sampled_from(list("aZ é€ßñ日本語한글😀🎉\u0301\u00a0ﬁ")) | st.characters(min_codepoint=0x80, max_codepoint=0x2FFFF, exclude_categories=("Cs", "Cc", "Zl", "Zp")),
    min_size=1,
    max_size=12,
).filter(lambda s: '"' not in s and "\\" not in s and not s.isascii())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=WIDE_TEXT)
def test_the_column_points_at_the_offending_token_whatever_comes_before(title: str) -> None:
    text = (
        "from obs_as_code import AlertRule, RuleGroup\n"
        "# sum(rate(a_total[10s])) > 1, for_='5 min'\n"
        f'g = RuleGroup(name="g", rules=[AlertRule(name="{title}", expr="sum(rate(a_total[10s])) > 1", for_="5 min"),\n'
        f'    AlertRule(name="{title}", expr="sum(up")])\n'
    )
    with tempfile.TemporaryDirectory() as tmp:  # a new file each time: positions are cached by file and mtime
        root = write(Path(tmp), {"alerts/a.py": text, "scrape/prometheus.py": SCRAPE})
        diagnostics = compile_project(root).diagnostics
    lines = text.split("\n")
    tokens = {"OAC205": "[10s]", "OAC103": '"5 min"', "OAC108": '")])'}  # OAC108: just after "sum(up", unclosed
    reported = {d.code: d.location for d in diagnostics if d.code in tokens}
    assert set(reported) == set(tokens), diagnostics
    for code, token in tokens.items():
        loc = reported[code]
        assert loc.file == "alerts/a.py" and loc.line in (3, 4)
        assert lines[loc.line - 1][loc.col - 1 :].startswith(token), (code, loc)



# --- a file starting with a byte order mark ----------------------------------------------

BOM = b"\xef\xbb\xbf"


def test_a_module_with_a_byte_order_mark_is_read_as_python_reads_it(tmp_path: Path) -> None:
    # Python runs it and counts columns after the mark; its syntax tree could
    # not be read at all (so no keyword's position: the call's was reported).
    text = 'from obs_as_code import AlertRule, RuleGroup\ng = RuleGroup(name="g", rules=[AlertRule(name="Coût", expr="up", for_="5 min")])\n'
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "a.py").write_bytes(BOM + text.encode())
    assert found(compile_project(tmp_path).diagnostics, "OAC103") == [("alerts/a.py", *at(text, '"5 min"'))]


def test_a_yaml_file_with_a_byte_order_mark_counts_columns_after_it(tmp_path: Path) -> None:
    text = '{groups: [{name: g, rules: [{alert: "Coût", expr: "sum(rate(a_total[10s])) > 1"}]}]}\n'
    (tmp_path / "rules.yaml").write_bytes(BOM + text.encode())
    diagnostics = lint(tmp_path, [tmp_path / "rules.yaml"], select=["OAC205"], scrape_interval=15.0)
    assert found(diagnostics, "OAC205") == [("rules.yaml", *at(text, "[10s]"))]


# --- line numbers ---------------------------------------------------------------------------


def test_an_ignore_comment_after_a_form_feed_is_read_on_its_own_line(tmp_path: Path) -> None:
    # A page break (a line holding a form feed) or U+2028 in a string is no line
    # break for Python; str.splitlines() made one, and shifted the comments after it.
    text = (
        "from obs_as_code import AlertRule, RuleGroup\n"
        '\x0c\nNOTE = "a\u2028b"\n'
        'h = RuleGroup(name="h", rules=[AlertRule(name="B", expr="up")])\n'
        'g = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up")])  # oac: ignore[OAC212]\n'
    )
    write(tmp_path, {"alerts/a.py": text})
    assert [d.location.line for d in lint(tmp_path, select=["OAC212"])] == [at(text, 'name="B"')[0]]
