"""``oac watch``: rebuild on save, print only the diagnostics that changed."""

from __future__ import annotations

from pathlib import Path

import click

from obs_as_code.cli._common import emit, format_option, project_option


@click.command()
@project_option
@format_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Output directory (default: PROJECT/build).")
@click.option("--interval", type=click.FloatRange(min=0.05), default=0.5, show_default=True, help="Seconds between checks for changed modules.")
@click.option("--max-cycles", type=click.IntRange(min=1), default=None, help="Stop after this many builds (default: run until interrupted).")
def watch(project: Path, fmt: str, out_dir: Path | None, interval: float, max_cycles: int | None) -> None:
    """Rebuild whenever a module changes; print only new and fixed diagnostics."""
    from obs_as_code.watch import Cycle
    from obs_as_code.watch import watch as run_watch

    def report(cycle: Cycle) -> None:
        what = ", ".join(cycle.changed[:3]) + (f" and {len(cycle.changed) - 3} more" if len(cycle.changed) > 3 else "")
        if cycle.failure is not None:
            click.echo(f"oac watch: build #{cycle.number} ({what}) crashed: {cycle.failure}", err=True)
            return
        emit(cycle.added, fmt, project)
        for d in cycle.fixed:
            click.echo(f"fixed: {d}", err=True)
        errors = sum(d.severity.value == "error" for d in cycle.diagnostics)
        if errors:
            state = f"{errors} error(s), build/ left unchanged"
        else:
            state = f"{cycle.files_changed} file(s) changed" if cycle.wrote else "build/ unchanged"
        click.echo(
            f"oac watch: build #{cycle.number} ({what}) in {cycle.seconds * 1000:.0f} ms: {state}; "
            f"{len(cycle.added)} new, {len(cycle.fixed)} fixed diagnostic(s)",
            err=True,
        )

    try:
        run_watch(project, out_dir, interval=interval, max_cycles=max_cycles, on_cycle=report)
    except KeyboardInterrupt:
        click.echo("oac watch: stopped", err=True)
