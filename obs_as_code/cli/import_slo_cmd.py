"""``oac import sloth`` and ``oac import openslo``: SLO specs -> ``slos/`` modules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

_OUTPUT = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the module here (e.g. slos/NAME.py); default: stdout.",
)
_PERIOD = click.option("--period", default="30d", show_default=True, help="SLO period when the spec has none.")


def _warn(command: str, warnings: list[str]) -> None:
    # What the import ignored or changed: on stderr, and as a comment in the module.
    for message in warnings:
        click.echo(f"oac import {command}: warning: {message}", err=True)


def _emit(command: str, source: str, output: Path | None) -> None:
    # The generated module must at least be valid Python before it is written.
    compile(source, str(output or "<import>"), "exec")
    if output is None:
        click.echo(source, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(source, encoding="utf-8")
    click.echo(f"oac import {command}: wrote {output}", err=True)


@click.command("sloth")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_OUTPUT
@_PERIOD
def import_sloth(file: Path, output: Path | None, period: str) -> None:
    """Turn a Sloth prometheus/v1 spec into a Python SLO module."""
    from obs_as_code.importers._slo_source import SpecError
    from obs_as_code.importers.sloth import import_file

    warnings: list[str] = []
    try:
        source = import_file(file, period, warnings)
    except SpecError as exc:
        click.echo(f"oac import sloth: {exc}", err=True)
        sys.exit(2)
    _warn("sloth", warnings)
    _emit("sloth", source, output)


@click.command("openslo")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_OUTPUT
@_PERIOD
@click.option("--no-alerts", is_flag=True, help="Declare the SLOs without burn-rate alerts (as Sloth does for OpenSLO).")
def import_openslo(file: Path, output: Path | None, period: str, no_alerts: bool) -> None:
    """Turn OpenSLO (v1 SLO + SLI, or v1alpha) documents into a Python SLO module."""
    from obs_as_code.importers._slo_source import SpecError
    from obs_as_code.importers.openslo import import_file

    warnings: list[str] = []
    try:
        source = import_file(file, period, alerts=not no_alerts, warnings=warnings)
    except SpecError as exc:
        click.echo(f"oac import openslo: {exc}", err=True)
        sys.exit(2)
    _warn("openslo", warnings)
    _emit("openslo", source, output)
