"""Every diagnostic code the package spells is known: a check's, or a row of the
stage table (obs_as_code.codes), so that ``oac lint --select/--ignore`` accepts it
and ``oac lint --explain`` has a page for it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from click.testing import CliRunner

from obs_as_code.cli import cli
from obs_as_code.codes import STAGE_CODES, stage_codes
from obs_as_code.lint.engine import all_checks, docs_page
from tests.oac_testing import REPO

PACKAGE = REPO / "obs_as_code"
CODE = re.compile(r"OAC\d{3}")
#: The files of the stages that report codes of their own, by stage.
STAGE_FILES = {
    "load": ["obs_as_code/load.py"],
    "generate": ["obs_as_code/slo/generate.py"],
    "dashboards": ["obs_as_code/dashboards/project.py"],
    "build": ["obs_as_code/pipeline.py", "obs_as_code/previous_build.py"],
    "validate": sorted(str(p.relative_to(REPO)) for p in (PACKAGE / "validate").glob("*.py")),
}


def _spelled(path: Path) -> set[str]:
    """The codes ``path`` spells as a string of their own (what it reports,
    selects or keys a table by; docstrings and comments mention codes in prose)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str) and CODE.fullmatch(n.value)}


def _all_spelled() -> dict[str, set[str]]:
    return {str(p.relative_to(REPO)): found for p in sorted(PACKAGE.rglob("*.py")) if (found := _spelled(p))}


def test_the_scan_sees_what_the_stages_report() -> None:
    spelled = _all_spelled()
    assert {"OAC308", "OAC309", "OAC310", "OAC312", "OAC313"} <= spelled["obs_as_code/dashboards/project.py"]
    assert "OAC902" in spelled["obs_as_code/validate/amtool.py"]


def test_every_spelled_code_is_a_check_or_a_stage_code_with_a_docs_page() -> None:
    known = {c.code for c in all_checks()} | stage_codes()
    for where, codes in _all_spelled().items():
        for code in sorted(codes):
            assert code in known, f"{where} spells {code}: no check has it and obs_as_code.codes.STAGE_CODES lacks it"
            page = docs_page(code)
            assert page is not None, f"{code} ({where}) has no docs/lint/{code}.md"
            assert page.startswith(f"# {code}") and "## Bad" in page and "## Good" in page, code


def test_each_stage_code_is_reported_by_its_stage() -> None:
    spelled = _all_spelled()
    checks = {c.code for c in all_checks()}
    for stage, files in STAGE_FILES.items():
        reported = set().union(*(spelled.get(f, set()) for f in files)) - checks
        assert reported == stage_codes(stage), stage


def test_stage_codes_are_no_checks_and_unique() -> None:
    codes = [c.code for c in STAGE_CODES]
    assert len(codes) == len(set(codes))
    assert not set(codes) & {c.code for c in all_checks()}
    assert all(c.summary for c in STAGE_CODES)


def test_oac_lint_select_and_ignore_accept_every_code_they_filter(tmp_path: Path) -> None:
    unfiltered = stage_codes() - stage_codes("dashboards")
    codes = sorted(set().union(*_all_spelled().values()) - unfiltered)
    runner = CliRunner()
    for option in ("--select", "--ignore"):
        result = runner.invoke(cli, ["lint", "-C", str(tmp_path), option, ",".join(codes)])
        assert result.exit_code == 0, result.stderr
    # The codes oac lint reports whatever --select/--ignore say, or never reports,
    # are usage errors that say why, not options accepted and then without effect.
    for code in sorted(unfiltered):
        for option in ("--select", "--ignore"):
            result = runner.invoke(cli, ["lint", "-C", str(tmp_path), option, code])
            assert result.exit_code == 2, (code, option)
            why = "always reported" if code in stage_codes("load") | stage_codes("generate") else "not by `oac lint`"
            assert f"oac lint: {code} (" in result.stderr and why in result.stderr, result.stderr
    # An unknown code is still a usage error.
    assert runner.invoke(cli, ["lint", "-C", str(tmp_path), "--ignore", "OAC999"]).exit_code == 2
