"""``oac import``: turn existing files into Python modules. Subcommands are added
here (``dashboard``) and by other parts of the package with ``import_group.add_command``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import NoReturn

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
@click.option("--force", is_flag=True, help="Overwrite the -o file if it exists.")
@click.option("--uid", default=None, help="The dashboard's UID (default: the file's own, else one derived from -o).")
def import_dashboard(project: Path, file: Path, output: Path | None, force: bool, uid: str | None) -> None:
    """Turn Grafana dashboard JSON (an export, an API response or a legacy rows
    dashboard) into a Python module using foundation-sdk builders.

    Exit status: 0 written, 1 findings (an export needing a datasource the project
    does not declare, a UID another dashboard of the project has, or a title
    another has in the folder: nothing written; the rebuilt dashboard differs), 2 usage error
    (not a dashboard, bad JSON, an -o path that exists without --force or cannot be
    written). The project's dashboard checks run on the module: each finding is
    printed as a warning, and each error finding silenced in the module by an
    ``# oac: ignore[CODE] imported as is; review`` comment above its line (exit
    status 0); a warning finding stops no build and is left to show."""
    from obs_as_code.importers.dashboard import (
        UnresolvedInputs,
        import_dashboard,
        load_for_import,
        project_conflict,
        project_module,
        read_dashboard,
    )
    from obs_as_code.names import valid_uid

    def fail(message: str, status: int) -> NoReturn:
        click.echo(f"oac import dashboard: {message}", err=True)
        sys.exit(status)

    if output is not None and output.exists() and not force:
        fail(f"{output} exists; not overwritten (pass --force to replace it)", 2)
    if uid is not None and not valid_uid(uid):
        fail(f"--uid {uid!r}: Grafana takes at most 40 characters of [A-Za-z0-9_-]", 2)
    module = project_module(project, output)
    try:
        document = read_dashboard(file, uid)
        # Loaded once for the whole command: the datasources, and the dashboards
        # when the module joins them (their UIDs, for the conflict check).
        loaded = load_for_import(project, dashboards=module is not None)
        imported = import_dashboard(document, loaded, str(output or "<stdout>"), source=file.name)
    except (ValueError, json.JSONDecodeError) as exc:
        fail(f"{file}: {exc}", 2)
    except UnresolvedInputs as exc:
        fail(f"{file}: {exc}; nothing written", 1)
    source, problems, warnings = imported.source, imported.problems, imported.warnings
    if module is not None:
        conflict = project_conflict(imported, loaded, module)
        if conflict is not None:
            fail(f"{file}: {conflict}; nothing written", 1)
    if output is None:
        click.echo(source, nl=False)
    else:
        try:
            output.parent.mkdir(parents=True, exist_ok=True)
            output.write_text(source, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}", 2)
        click.echo(f"oac import dashboard: wrote {output}", err=True)
    for line in warnings:
        click.echo(f"oac import dashboard: warning: {line}", err=True)
    for line in problems:
        click.echo(f"oac import dashboard: round-trip differs: {line}", err=True)
    if problems:
        sys.exit(1)


import_group.add_command(import_sloth)
import_group.add_command(import_openslo)
import_group.add_command(import_grafana)
