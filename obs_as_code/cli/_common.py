"""Options and output helpers shared by the CLI commands."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from obs_as_code.diagnostics import Diagnostic, render
from obs_as_code.source import UNKNOWN

F = TypeVar("F", bound=Callable[..., Any])


def _checked_project(_ctx: click.Context, _param: click.Parameter, value: Path) -> Path:
    """The project directory, once its ``pyproject.toml`` ``[tool.oac]`` settings
    read well: a bad ``prometheus-version`` or ``loki-version`` is a usage error (exit 2), before any work."""
    from obs_as_code.target import TargetError, read_target

    try:
        read_target(value)
    except TargetError as exc:
        raise click.UsageError(str(exc)) from None
    return value


def project_option(fn: F) -> F:
    """``--project DIR`` (default: the current directory), whose ``pyproject.toml``
    may set the Prometheus and Loki targets (:mod:`obs_as_code.target`)."""
    return click.option(
        "--project",
        "-C",
        "project",
        # exists: a mistyped -C would otherwise build an empty project there (exit 2).
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        callback=_checked_project,
        help="Project root holding alerts/, dashboards/, slos/ ... (and pyproject.toml's [tool.oac]).",
    )(fn)


def format_option(fn: F) -> F:
    """``--format text|json|github|sarif`` for diagnostics."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json", "github", "sarif"]),
        default="text",
        show_default=True,
        help="How to print diagnostics.",
    )(fn)


def for_checkout(diagnostics: Sequence[Diagnostic], fmt: str, root: Path) -> Sequence[Diagnostic]:
    """``github`` and ``sarif`` findings with paths relative to the checkout, as
    GitHub places annotations and code-scanning results: a project in a folder of
    the repository (``oac build -C infra/obs``) would otherwise annotate
    ``alerts/x.py`` of the repository root, a file that does not exist. The
    checkout is ``$GITHUB_WORKSPACE`` in a workflow, else the current directory;
    a project outside it keeps its own relative paths."""
    if fmt not in ("github", "sarif"):
        return diagnostics
    base = Path(os.environ.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    try:
        prefix = root.resolve().relative_to(base)
    except ValueError:
        return diagnostics
    if prefix == Path("."):
        return diagnostics
    return [
        d if d.location is UNKNOWN or Path(d.location.file).is_absolute()
        else replace(d, location=replace(d.location, file=(prefix / d.location.file).as_posix()))
        for d in diagnostics
    ]


def emit(diagnostics: Sequence[Diagnostic], fmt: str, root: Path) -> None:
    """Print diagnostics; text goes to stderr, machine formats to stdout."""
    diagnostics = for_checkout(diagnostics, fmt, root)
    if fmt == "text":
        if diagnostics:
            click.echo(render(fmt, diagnostics, root.resolve()), err=True, nl=False)
    elif fmt == "sarif":
        from obs_as_code.codes import STAGE_CODES
        from obs_as_code.diagnostics import render_sarif
        from obs_as_code.lint.engine import all_checks

        # Code scanning shows each rule's summary beside its results (not "OAC112").
        found = {d.code for d in diagnostics}
        summaries = {c.code: c.summary for c in STAGE_CODES} | {c.code: c.summary for c in all_checks()}
        click.echo(render_sarif(diagnostics, {c: summaries[c] for c in sorted(found) if c in summaries}), nl=False)
    else:
        click.echo(render(fmt, diagnostics, root.resolve()), nl=False)
