"""Linting a Python project: positions inside Python strings, ignores, per-job scrape
intervals, the project's own catalog and its dashboards."""

from __future__ import annotations

from pathlib import Path

from obs_as_code.diagnostics import render_text
from obs_as_code.lint.api import lint
from tests.lint.golden import check_golden

HERE = Path(__file__).parent
PROJECT = HERE / "cases" / "project"
REPO = HERE.parent.parent


def test_project_findings_point_into_the_python_source() -> None:
    diagnostics = lint(PROJECT, select=["OAC2"])
    check_golden(HERE / "snapshots" / "project.txt", render_text(diagnostics, PROJECT))
    found = {(d.code, d.location.file, d.location.line) for d in diagnostics}
    # A multi-line string built from a module constant and an f-string: the
    # findings sit on the annotation's own line.
    assert ("OAC209", "alerts/app.py", 21) in found
    assert ("OAC208", "alerts/app.py", 21) in found
    # The offending token inside an implicitly concatenated string.
    assert ("OAC201", "alerts/app.py", 28) in found
    # The worker job is scraped every minute: [2m] is too short for it.
    assert ("OAC205", "alerts/app.py", 38) in found
    assert ("OAC218", "dashboards/overview.py", 18) in found


def test_ignore_comments_on_the_line_or_the_line_above() -> None:
    diagnostics = lint(PROJECT)
    lines = {(d.code, d.location.line) for d in diagnostics}
    assert ("OAC202", 47) not in lines  # comment on the line above
    assert not any(d.code == "OAC206" for d in diagnostics)  # comment on the same line
    assert ("OAC202", 38) in lines  # not silenced


def test_select_and_ignore() -> None:
    assert {d.code for d in lint(PROJECT, select=["OAC20"])} <= {f"OAC20{i}" for i in range(10)}
    assert not any(d.code == "OAC209" for d in lint(PROJECT, ignore=["OAC209"]))
    assert {d.code for d in lint(PROJECT, select=["OAC218"])} == {"OAC218"}


def test_shipped_definitions_have_no_findings() -> None:
    # Warnings too: the shipped platform is the example users copy, and a warning
    # left standing there teaches them to read past the lint's output.
    diagnostics = lint(REPO)
    assert [str(d) for d in diagnostics] == []


def test_a_label_the_scrape_job_also_sets_is_the_targets() -> None:
    # Job "app" sets team=core on every series: the metric's own team label is
    # stored as exported_team (the mistake a real Prometheus run revealed in
    # alerts/cost.py). `by (team)` is warned about, `by (exported_team)` is fine.
    found = [d for d in lint(PROJECT, select=["OAC207"])]
    assert [(d.location.line, d.severity.value) for d in found] == [(60, "warning")]
    assert "exported_team" in found[0].message


def test_style_checks_run_in_lint_not_in_build() -> None:
    from obs_as_code.lint.engine import all_checks, select_checks

    lint_only = {c.code for c in all_checks() if c.lint_only}
    assert lint_only == {"OAC203", "OAC212", "OAC213", "OAC214", "OAC216", "OAC217", "OAC315"}
    assert not lint_only & {c.code for c in select_checks()}
    assert lint_only <= {c.code for c in select_checks(lint_only=True)}


def test_the_lint_reports_what_rendering_the_dashboards_finds(tmp_path: Path) -> None:
    # The build refuses a repeated UID or a folder outside the tree: the lint of the
    # same project must not pass it (and --select/--ignore apply as to checks).
    (tmp_path / "dashboards").mkdir()
    (tmp_path / "dashboards" / "a.py").write_text(
        "from obs_as_code import DashboardDef\n"
        'one = DashboardDef({"title": "One", "schemaVersion": 41, "panels": []}, uid="same")\n'
        'two = DashboardDef({"title": "Two", "schemaVersion": 41, "panels": []}, uid="same")\n'
        'out = DashboardDef({"title": "Out", "schemaVersion": 41, "panels": []}, uid="out", folder="../x")\n'
    )
    found = [(d.code, d.location.line) for d in lint(tmp_path)]
    assert ("OAC308", 3) in found and ("OAC310", 4) in found
    assert [d.code for d in lint(tmp_path, select=["OAC31"])] == ["OAC310"]
    assert not [d for d in lint(tmp_path, ignore=["OAC308", "OAC310"]) if d.code in ("OAC308", "OAC310")]
