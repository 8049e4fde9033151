"""``oac lint``: semantic checks of PromQL in rules, SLOs and dashboards."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from obs_as_code.cli._common import emit, for_checkout, format_option, project_option
from obs_as_code.diagnostics import Severity


def _codes(values: tuple[str, ...]) -> list[str]:
    return [c.strip().upper() for v in values for c in v.split(",") if c.strip()]


_PROJECT_LINT = "`oac lint` without a PATH lints the project's modules (-C DIR for a project elsewhere)"


def _refuse_python_paths(paths: tuple[Path, ...]) -> None:
    """PATHs are rule YAML and dashboard JSON; a project's Python modules are
    linted by ``oac lint`` without one. A module given as a PATH was read as
    YAML (a baffling "invalid YAML"), and a folder of modules was walked for
    YAML and JSON and passed with nothing read: both are usage errors (exit 2).
    A folder holding both is linted for its files, with a note that its
    modules are not."""
    from obs_as_code.lint.files import lintable_files

    for p in paths:
        if p.is_file() and p.suffix == ".py":
            click.echo(f"oac lint: {p} is a Python module: PATHs are rule YAML and dashboard JSON; {_PROJECT_LINT}", err=True)
            sys.exit(2)
        if p.is_dir() and any(f.is_file() for f in p.rglob("*.py")):
            if not lintable_files(p):
                click.echo(f"oac lint: {p} holds Python modules and no rule YAML or dashboard JSON; {_PROJECT_LINT}", err=True)
                sys.exit(2)
            click.echo(f"oac lint: note: the Python modules under {p} are not linted as a PATH; {_PROJECT_LINT}, and --with-project lints it beside the PATHs", err=True)


@click.command()
@project_option
@format_option
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--catalog", "catalog_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None, help="Metrics catalog: exposition text, /api/v1/metadata JSON or a Python module.")
@click.option("--select", multiple=True, help="Only these codes (prefixes, comma separated): OAC2, OAC201.")
@click.option("--ignore", multiple=True, help="Skip these codes (prefixes, comma separated).")
@click.option("--explain", "explain", metavar="CODE", default=None, help="Show the documentation of a check and exit.")
@click.option("--with-project", is_flag=True, help="With PATHs, lint the project too.")
@click.option("--scrape-interval", default=None, help="Scrape interval assumed when no Prometheus config is declared (e.g. 30s).")
def lint(project: Path, fmt: str, paths: tuple[Path, ...], catalog_file: Path | None, select: tuple[str, ...], ignore: tuple[str, ...], explain: str | None, with_project: bool, scrape_interval: str | None) -> None:
    """Check the meaning of PromQL in the project's rules and dashboards, and in
    Prometheus rule files (YAML) and Grafana dashboards (JSON) given as PATHS: a
    dashboard file gets every check the build runs on a dashboard, with the
    project's datasources (docs/dashboards.md, "Linting a dashboard file")."""
    from obs_as_code.lint.engine import all_checks, docs_page

    if explain is not None:
        # "201" for OAC201, as the codes are often said.
        page = docs_page(f"OAC{explain}" if explain.isdigit() else explain)
        if page is None:
            from obs_as_code.codes import stage_codes

            # Every code with a page: the checks' and the stages' (OAC101, OAC406, OAC901 ...).
            codes = ", ".join(sorted({c.code for c in all_checks()} | stage_codes()))
            click.echo(f"oac lint: no check {explain!r}; known: {codes}", err=True)
            sys.exit(2)
        click.echo(page, nl=not page.endswith("\n"))
        return
    from obs_as_code.codes import STAGE_CODES, stage_codes

    # What --select/--ignore can filter: the checks and the findings of rendering
    # the project's dashboards. A load or generator finding is reported whatever
    # they say (the project did not load as written), and the build's and the
    # validators' codes come from other commands: naming one is a mistake to say,
    # not an option to accept and then ignore.
    filterable = {c.code for c in all_checks()} | stage_codes("dashboards")
    for code in _codes(select) + _codes(ignore):
        if any(k.startswith(code) for k in filterable):
            continue
        stage = next((c for c in STAGE_CODES if c.code.startswith(code)), None)
        if stage is None:
            click.echo(f"oac lint: {code!r} matches no check", err=True)
        elif stage.stage in ("load", "generate"):
            click.echo(f"oac lint: {stage.code} ({stage.summary}) is always reported: the project does not load as written; fix it instead", err=True)
        else:
            command = "oac build" if stage.stage == "build" else "oac validate"
            click.echo(f"oac lint: {stage.code} ({stage.summary}) is reported by `{command}`, not by `oac lint`", err=True)
        sys.exit(2)
    interval: float | None = None
    if scrape_interval is not None:
        from obs_as_code.durations import DurationError, parse_ms

        try:
            interval = parse_ms(scrape_interval) / 1000.0
        except DurationError as exc:
            click.echo(f"oac lint: --scrape-interval: {exc}", err=True)
            sys.exit(2)
    catalog = None
    if catalog_file is not None:
        from obs_as_code.lint.catalog import CatalogError, load_catalog

        try:
            catalog = load_catalog(catalog_file)
        except CatalogError as exc:
            click.echo(f"oac lint: --catalog: {exc}", err=True)
            sys.exit(2)
    _refuse_python_paths(paths)
    from obs_as_code.lint.api import lint as run_lint

    diagnostics = run_lint(
        project,
        list(paths),
        project=True if with_project else None,
        catalog=catalog,
        select=_codes(select) or None,
        ignore=_codes(ignore),
        scrape_interval=interval,
    )
    if fmt == "sarif":
        from obs_as_code.diagnostics import render_sarif

        # Code scanning shows each rule's summary next to its findings.
        click.echo(render_sarif(for_checkout(diagnostics, fmt, project), {c.code: c.summary for c in all_checks()}), nl=False)
    else:
        emit(diagnostics, fmt, project)
    errors = sum(d.severity is Severity.ERROR for d in diagnostics)
    warnings = sum(d.severity is Severity.WARNING for d in diagnostics)
    if fmt == "text":
        click.echo(f"oac lint: {errors} error(s), {warnings} warning(s)", err=True)
    if errors:
        sys.exit(1)
