"""Options and output helpers shared by the CLI commands."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from obs_as_code.diagnostics import Diagnostic, render

F = TypeVar("F", bound=Callable[..., Any])


def project_option(fn: F) -> F:
    """``--project DIR`` (default: the current directory)."""
    return click.option(
        "--project",
        "-C",
        "project",
        # exists: a mistyped -C would otherwise build an empty project there (exit 2).
        type=click.Path(exists=True, file_okay=False, path_type=Path),
        default=Path("."),
        show_default=True,
        help="Project root holding alerts/, dashboards/, slos/ ...",
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


def emit(diagnostics: Sequence[Diagnostic], fmt: str, root: Path) -> None:
    """Print diagnostics; text goes to stderr, machine formats to stdout."""
    if fmt == "text":
        if diagnostics:
            click.echo(render(fmt, diagnostics, root.resolve()), err=True, nl=False)
    else:
        click.echo(render(fmt, diagnostics, root.resolve()), nl=False)
