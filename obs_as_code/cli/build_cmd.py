"""``oac build`` and ``oac validate``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from obs_as_code.cli._common import emit, format_option, project_option
from obs_as_code.diagnostics import Severity, has_errors, ordered

if TYPE_CHECKING:
    from obs_as_code.pipeline import BuildResult


@click.command()
@project_option
@format_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output directory (default: PROJECT/build).")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and list the files a build would change.")
@click.option(
    "--no-cache",
    is_flag=True,
    help="Ignore .oac-cache/ and load every module (same output; use when modules read files or env).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=None,
    help="Processes: checks in a forked child, output serialized in N (0: one per core; default $OAC_JOBS or 1).",
)
def build(project: Path, fmt: str, out_dir: Path | None, check: bool, no_cache: bool, jobs: int | None) -> None:
    """Compile the project's definitions into build/."""
    import os

    from obs_as_code.parallel import default_jobs
    from obs_as_code.pipeline import build as run_build

    if jobs is None:
        jobs = default_jobs()
    elif jobs == 0:
        jobs = os.cpu_count() or 1
    result = run_build(project, out_dir, check=check, incremental=not no_cache, jobs=jobs)
    errors = sum(d.severity is Severity.ERROR for d in result.diagnostics)
    if check and not errors and not result.diff.clean:
        _report_stale(result, project, out_dir, fmt)
        sys.exit(1)
    emit(result.diagnostics, fmt, project)
    if errors:
        click.echo(f"oac build: {errors} error(s); {result.out_dir.name}/ left unchanged", err=True)
        sys.exit(1)
    if check:
        click.echo(f"oac build --check: {result.out_dir.name}/ is up to date", err=True)
        return
    count = len(result.compiled.artifacts)
    changed = len(result.diff.added) + len(result.diff.changed) + len(result.diff.removed)
    state = f"{changed} changed" if result.wrote else "unchanged"
    click.echo(f"oac build: {count} files in {result.out_dir.name}/ ({state})", err=True)


def _report_stale(result: BuildResult, project: Path, out_dir: Path | None, fmt: str) -> None:
    """What a contributor whose CI gate failed needs: each out-of-date file with the
    sources that make it and its first differing line, and the command that fixes it.
    In ``text`` the files go to stdout, one a line; the machine formats carry them
    as OAC112 errors in their one document (annotations on the built file's line)."""
    from obs_as_code.pipeline import stale_diagnostics, stale_files

    rebuild = "oac build"
    if project != Path("."):
        rebuild += f" -C {project}"
    if out_dir is not None:
        rebuild += f" --out {out_dir}"
    stale = stale_files(result, project)
    shown = _shown_dir(project, result.out_dir)
    summary = f"{shown} is stale ({len(stale)} file(s)); run `{rebuild}` and commit {shown}"
    if fmt == "github" and len(stale) > _GITHUB_SHOWN:
        # GitHub shows a step's first 10 error annotations: this one, first and on
        # no file (the run's summary), still says how many and what to run.
        click.echo(f"::error title=OAC112::{summary}")
    if fmt == "text":
        emit(result.diagnostics, fmt, project)  # warnings: an error stopped before this
        for f in stale:
            click.echo(f.describe())
    else:
        emit(ordered([*result.diagnostics, *stale_diagnostics(stale, rebuild)]), fmt, project)
    click.echo(f"oac build --check: {summary}", err=True)


#: Error annotations GitHub shows per step (more are dropped).
_GITHUB_SHOWN = 10


@click.command()
@project_option
@format_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Build directory (default: PROJECT/build).")
def validate(project: Path, fmt: str, out_dir: Path | None) -> None:
    """Run promtool, amtool and the dashboard schema over build/."""
    from obs_as_code.pipeline import validate as run_validate
    from obs_as_code.validate import ToolMissing

    build_dir = (out_dir or project / "build").resolve()
    shown = _shown_dir(project, build_dir)
    again = "oac build"
    if project != Path("."):
        again += f" -C {project}"
    if out_dir is not None:
        again += f" --out {out_dir}"
    try:
        diagnostics, diff = run_validate(project, out_dir)
    except ToolMissing as exc:
        click.echo(f"oac validate: {exc}", err=True)
        sys.exit(2)
    emit(diagnostics, fmt, project)
    if not diff.clean:
        # The files on disk are what gets published, yet not what the sources make
        # now: passing them would vouch for dashboards nobody validated.
        stale = len(diff.added) + len(diff.changed) + len(diff.removed)
        click.echo(
            f"oac validate: error: {shown} differs from the sources ({stale} file(s): "
            f"{', '.join(diff.lines()[:3])}{', ...' if stale > 3 else ''}); run `{again}`, then validate again",
            err=True,
        )
        sys.exit(1)
    if has_errors(diagnostics):
        sys.exit(1)
    click.echo("oac validate: ok", err=True)


def _shown_dir(project: Path, build_dir: Path) -> str:
    """``build_dir`` as messages name it: relative to the project when inside it."""
    try:
        return f"{build_dir.relative_to(project.resolve())}/"
    except ValueError:
        return f"{build_dir}/"
