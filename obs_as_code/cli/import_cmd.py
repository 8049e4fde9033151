"""``oac import``: turn existing files into Python modules. Subcommands are added
here (``dashboard``) and by other parts of the package with ``import_group.add_command``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from obs_as_code.cli._common import project_option
from obs_as_code.cli.grafana_cmds import import_grafana
from obs_as_code.cli.import_slo_cmd import import_openslo, import_sloth


@click.group("import")
def import_group() -> None:
    """Turn existing dashboards, rules and SLO specs into Python modules."""


@import_group.command("dashboard")
@project_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the module here (e.g. dashboards/NAME.py); default: stdout.")
def import_dashboard(project: Path, file: Path, output: Path | None) -> None:
    """Turn Grafana dashboard JSON (an export, an API response or a legacy rows
    dashboard) into a Python module using foundation-sdk builders."""
    from obs_as_code.importers.dashboard import import_file

    try:
        source, problems = import_file(file, project)
    except (ValueError, json.JSONDecodeError) as exc:
        click.echo(f"oac import dashboard: {file}: {exc}", err=True)
        sys.exit(2)
    if output is None:
        click.echo(source, nl=False)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(source, encoding="utf-8")
        click.echo(f"oac import dashboard: wrote {output}", err=True)
    for line in problems:
        click.echo(f"oac import dashboard: round-trip differs: {line}", err=True)
    if problems:
        sys.exit(1)


import_group.add_command(import_sloth)
import_group.add_command(import_openslo)
import_group.add_command(import_grafana)
