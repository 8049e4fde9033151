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


def _project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_job_matcher_picks_that_jobs_scrape_interval(tmp_path: Path) -> None:
    # OAC205 reads the interval of the job a `job="..."` matcher names; another
    # label, another job or `job!=` leaves the global 15s (for which [1m] is enough).
    root = _project(tmp_path, {
        "scrape/prometheus.py": (
            "from obs_as_code import PrometheusConfig, ScrapeJob\n\n"
            'config = PrometheusConfig(scrape_interval="15s")\n'
            'jobs = [ScrapeJob(name="app", targets=["app:8080"]),'
            ' ScrapeJob(name="slow", targets=["slow:8080"], scrape_interval="25s")]\n'
        ),
        "rules.yaml": (
            "groups:\n"
            "  - name: g\n"
            "    rules:\n"
            "      - record: job:x:rate1m\n"
            '        expr: sum(rate(x_total{job="slow"}[1m]))\n'
            "      - record: app:x:rate1m\n"
            '        expr: sum(rate(x_total{job="app"}[1m]))\n'
            "      - record: instance:x:rate1m\n"
            '        expr: sum(rate(x_total{instance="slow"}[1m]))\n'
            "      - record: other:x:rate1m\n"
            '        expr: sum(rate(x_total{job!="slow"}[1m]))\n'
        ),
    })
    found = lint(root, [root / "rules.yaml"], project=True, select=["OAC205"])
    assert [(d.location.file, d.location.line, d.severity.value, d.message, d.hint) for d in found] == [
        (
            "rules.yaml", 5, "warning",
            "rate() window [1m] in recording rule 'job:x:rate1m' is shorter than 4x the 25s scrape interval (job 'slow'):"
            " one missed scrape leaves too few samples",
            "use at least [100s]",
        ),
    ]


def test_an_explicit_zero_for_is_reported_at_its_keyword(tmp_path: Path) -> None:
    root = _project(tmp_path, {
        "alerts/a.py": (
            "from obs_as_code import AlertRule, RuleGroup\n\n"
            "g = RuleGroup(name=\"g\", rules=[\n"
            "    AlertRule(\n"
            "        name=\"Zero\",\n"
            "        expr=\"up == 0\",\n"
            "        for_=\"0s\",\n"
            "    ),\n"
            "    AlertRule(name=\"NoFor\", expr=\"up == 0\"),\n"
            "])\n"
        ),
    })
    found = lint(root, select=["OAC212"])
    assert [(d.location.file, d.location.line, d.location.col, d.message) for d in found] == [
        ("alerts/a.py", 7, 14, "alert 'Zero' has no 'for': it fires on the first evaluation that matches"),
        ("alerts/a.py", 9, 5, "alert 'NoFor' has no 'for': it fires on the first evaluation that matches"),
    ]
