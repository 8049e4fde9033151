"""``oac test``: alert unit tests (promtool) and routing tests (amtool)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from obs_as_code.cli._common import emit, format_option, project_option


@click.command()
@project_option
@format_option
@click.option("-k", "name_filter", default=None, help="Only tests whose name contains this text.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="promtool and amtool processes at a time: one per test file and per routing test (default 0: one per core).",
)
def test(project: Path, fmt: str, name_filter: str | None, jobs: int) -> None:
    """Run the project's alert unit tests and routing tests.

    Exit status: 0 every test passed; 1 a test failed; 2 usage error (promtool or
    amtool missing, or -k selecting no test)."""
    from obs_as_code.validate import ToolMissing
    from obs_as_code.validate.unit_tests import run_tests

    try:
        run = run_tests(project, name_filter=name_filter, jobs=jobs)
    except ToolMissing as exc:
        click.echo(f"oac test: {exc}", err=True)
        sys.exit(2)
    emit(run.failures, fmt, project)
    if name_filter is not None and run.ok and not run.rule_tests and not run.routing_tests:
        # As a typo in -k would otherwise pass CI with nothing run.
        raise click.UsageError(f"-k {name_filter!r}: no rule test or routing test name contains it")
    summary = f"{run.rule_tests} rule test(s), {run.routing_tests} routing test(s)"
    if not run.ok:
        click.echo(f"oac test: FAILED ({len(run.failures)} failure(s)); {summary}", err=True)
        sys.exit(1)
    click.echo(f"oac test: ok; {summary}", err=True)
