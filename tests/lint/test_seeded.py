"""The lint's exact findings on a project seeded with dashboard mistakes (kit,
dict, legacy rows and grafanalib dashboards, an external dashboard file, rules
and a catalog): every diagnostic's code, severity, position, message and hint,
in the order the checks give them, for ``oac lint`` (all checks, project and a
path), the build's checks, and the build as a whole. A changed finding shows up
as a diff of golden/lint/seeded_*.txt (``OAC_UPDATE_GOLDEN=1`` to accept).

Speed work on the checks must leave these files unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.incremental import compile_incremental
from obs_as_code.lint.api import lint
from obs_as_code.lint.engine import LintContext, run_checks, select_checks
from obs_as_code.pipeline import compile_project, load
from obs_as_code.source import project_root
from tests.golden import assert_golden
from tests.lint.seeded.project import write


def _text(found: list[Diagnostic], root: Path) -> str:
    lines = []
    for d in found:
        loc = d.location
        file = loc.file.replace(str(root), "<root>") if loc is not None else "-"
        where = f"{file}:{loc.line}:{loc.col}" if loc is not None else "-"
        lines.append(f"{d.code} {d.severity.value} {where} {d.message}" + (f"  [hint: {d.hint}]" if d.hint else ""))
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write(tmp_path_factory.mktemp("seeded")).resolve()


def test_every_check_in_check_order(root: Path) -> None:
    token = project_root.set(str(root))
    try:
        project, _ = load(root)
        found = run_checks(LintContext(project), select_checks(lint_only=True))
    finally:
        project_root.reset(token)
    codes = {d.code for d in found}
    # The project exercises every dashboard check and the PromQL checks on panels
    # (its catalog makes a missing recording rule OAC206/OAC218, not OAC506 too:
    # tests/routing/test_crossref_checks.py has OAC506).
    assert {"OAC201", "OAC202", "OAC205", "OAC206", "OAC207", "OAC218", "OAC301", "OAC302", "OAC303", "OAC304", "OAC305", "OAC306", "OAC307"} <= codes
    assert_golden("lint/seeded_checks.txt", _text(found, root))


def test_lint_with_a_dashboard_file(root: Path) -> None:
    found = lint(root, [root / "external" / "board.json"], project=True)
    assert any(d.location.file == "external/board.json" for d in found)
    assert_golden("lint/seeded_lint.txt", _text(found, root))


def test_build_findings(root: Path) -> None:
    compiled = compile_project(root)
    assert not compiled.ok
    assert_golden("lint/seeded_build.txt", _text(compiled.diagnostics, root))


def test_incremental_build_finds_the_same(tmp_path: Path) -> None:
    # Its own copy: an incremental build keeps a cache beside the project.
    root = write(tmp_path).resolve()
    clean = compile_project(root)
    first = compile_incremental(root, None, 1)
    again = compile_incremental(root, None, 1)  # every stage from the cache
    expected = _text(clean.diagnostics, root)
    # OAC301 finds a plain dashboard's own line for a query written the same way
    # in another dashboard too (grafanalib, legacy rows): the same in a build of
    # the module alone.
    assert "dashboards/gl_bad.py:6:85 rate() in panel 'Up'" in expected
    assert _text(first.diagnostics, root) == expected
    assert _text(again.diagnostics, root) == expected
