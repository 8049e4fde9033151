"""Every OAC2xx check against its bad and good cases (tests/lint/cases/<CODE>/).

Bad fixtures mark each line the check must flag with ``# <- CODE`` (a YAML or
PromQL comment); the exact diagnostics are kept in tests/lint/snapshots/<CODE>.txt.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from obs_as_code.diagnostics import Diagnostic, Severity, render_text
from obs_as_code.lint.api import lint
from obs_as_code.lint.catalog import load_catalog
from obs_as_code.lint.engine import all_checks, docs_page
from tests.lint.golden import check_golden

HERE = Path(__file__).parent
CASES = HERE / "cases"
SNAPSHOTS = HERE / "snapshots"
CODES = sorted(p.name for p in CASES.iterdir() if p.is_dir() and re.fullmatch(r"OAC2\d\d", p.name))
MARK = re.compile(r"#\s*<-\s*(OAC\d{3})")
CATALOG = load_catalog(CASES / "catalog.prom")


def _files(code: str, prefix: str) -> list[Path]:
    return sorted(p for p in (CASES / code).iterdir() if p.name.startswith(prefix))


def _lint(files: list[Path], code: str, *, catalog: object = CATALOG) -> list[Diagnostic]:
    return lint(CASES, files, catalog=catalog, select=[code], scrape_interval=15.0)


def test_every_check_has_cases_and_docs() -> None:
    codes = [c.code for c in all_checks() if c.code.startswith("OAC2")]
    assert codes == CODES
    for code in codes:
        page = docs_page(code)
        assert page is not None, code
        assert "## Bad" in page and "## Good" in page, code


@pytest.mark.parametrize("code", CODES)
def test_bad_cases_are_flagged_on_the_marked_lines(code: str) -> None:
    files = _files(code, "bad")
    assert files
    diagnostics = _lint(files, code)
    expected = {
        (f"{code}/{f.name}", n)
        for f in files
        for n, line in enumerate(f.read_text(encoding="utf-8").splitlines(), 1)
        if (m := MARK.search(line)) and m.group(1) == code
    }
    assert {(d.location.file, d.location.line) for d in diagnostics} == expected
    assert {d.code for d in diagnostics} == {code}
    check_golden(SNAPSHOTS / f"{code}.txt", render_text(diagnostics, CASES))


@pytest.mark.parametrize("code", CODES)
def test_good_cases_are_left_alone(code: str) -> None:
    files = _files(code, "good")
    assert files
    assert _lint(files, code) == []


@pytest.mark.parametrize("code", ["OAC206", "OAC207", "OAC218", "OAC221"])
def test_catalog_only_checks_are_silent_without_a_catalog(code: str) -> None:
    assert _lint(_files(code, "bad"), code, catalog=None) == []


def test_without_a_catalog_naming_alone_never_gives_errors_it_cannot_know() -> None:
    # opencode_active_connections is a gauge only by the catalog: without one,
    # rate() over it is not an error.
    diagnostics = _lint(_files("OAC202", "bad"), "OAC202", catalog=None)
    flagged = {d.location.line: d.severity for d in diagnostics}
    assert 5 not in flagged
    # A recorded rate is known from the rules themselves.
    assert 10 in flagged


def test_histogram_quantile_without_catalog_still_catches_the_classic_mistakes() -> None:
    diagnostics = _lint(_files("OAC201", "bad"), "OAC201", catalog=None)
    assert sorted(d.location.line for d in diagnostics if d.severity is Severity.ERROR) == [5, 8, 14, 17, 19, 21, 23, 30, 33]
    # foo_seconds may be a native histogram: a warning, with or without a catalog.
    assert [d.location.line for d in diagnostics if d.severity is Severity.WARNING] == [27]


@pytest.mark.integration
def test_docs_are_shipped_inside_the_package(tmp_path: Path) -> None:
    # `oac lint --explain` reads obs_as_code/data/lint/ once installed: the
    # build hook in setup.py copies docs/lint/ there when the package is built.
    repo = HERE.parent.parent
    proc = subprocess.run(
        [sys.executable, "setup.py", "-q", "build_py", "--build-lib", str(tmp_path)],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    shipped = {p.name for p in (tmp_path / "obs_as_code" / "data" / "lint").glob("*.md")}
    assert {f"{c}.md" for c in CODES} <= shipped


#: Cases whose mistakes are about meaning: promtool accepts the files.
SEMANTIC = [c for c in CODES if c not in ("OAC210", "OAC217", "OAC218", "OAC219", "OAC221")]


@pytest.mark.integration
@pytest.mark.parametrize("code", SEMANTIC)
def test_promtool_accepts_what_the_lint_rejects(code: str) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool not installed (apt-get install prometheus)")
    # Rule files only: a dashboard's queries (OAC203/bad-panels.json) are no rules.
    for bad in (f for f in _files(code, "bad") if f.suffix == ".yaml"):
        proc = subprocess.run([promtool, "check", "rules", str(bad)], capture_output=True, text=True, check=False)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_oac205_without_any_scrape_interval_judges_no_window(tmp_path: Path) -> None:
    # No Prometheus config and no --scrape-interval: a job's interval is unknown
    # too, and a window has nothing to be compared with.
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "groups:\n  - name: g\n    rules:\n      - record: a:x:rate\n"
        '        expr: sum(rate(x_total{job="a"}[1s]))\n',
        encoding="utf-8",
    )
    assert lint(tmp_path, [rules], select=["OAC205"]) == []
    # The same file with an interval: the window is judged.
    assert [(d.location.line, d.code) for d in lint(tmp_path, [rules], select=["OAC205"], scrape_interval=15.0)] == [(5, "OAC205")]
