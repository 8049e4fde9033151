"""``oac diff``, ``oac publish`` and ``oac import grafana``: thin click commands over
:mod:`obs_as_code.grafana`.

Exit codes: 0 ok; 1 changes found (``diff --exit-code``) or an apply that failed or
was partial; 2 usage error (missing or non-http(s) URL, missing credentials, bad option).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import click

from obs_as_code.cli._common import project_option
from obs_as_code.grafana.client import (
    Auth,
    AuthError,
    GrafanaClient,
    GrafanaError,
    NoGrafanaApi,
    TransientError,
    split_url_credentials,
)
from obs_as_code.grafana.diff import render
from obs_as_code.grafana.importer import folder_dir, import_folder, pull_folder, write_modules
from obs_as_code.grafana.plan import DASHBOARDS_DIR, compute_plan, read_build
from obs_as_code.grafana.progress import ProgressBar, wants_progress
from obs_as_code.grafana.publish import apply_plan, current_git_sha
from obs_as_code.redact import scrub

_URL = click.option("--grafana-url", envvar="GRAFANA_URL", metavar="URL",
                    help="Grafana base URL (or GRAFANA_URL).")
_TOKEN_FILE = click.option(
    "--token-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="File holding a service-account token (else GRAFANA_TOKEN, else "
         "GRAFANA_USER/GRAFANA_PASSWORD).")
_BUILD_DIR = click.option("--build-dir", default=None,
                          type=click.Path(file_okay=False, path_type=Path),
                          help="Build output directory (default: PROJECT/build).")
_TIMEOUT = click.option("--timeout", default=10.0, show_default=True,
                        help="Seconds per HTTP request before it is retried.")


def make_client(url: str | None, token_file: Path | None, timeout: float) -> GrafanaClient:
    """A client from the options and environment; usage errors (exit 2) when the
    URL or credentials are missing."""
    if not url:
        raise click.UsageError("missing --grafana-url (or GRAFANA_URL)")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        # Quotes none of the URL: it may hold a password.
        raise click.UsageError(
            "--grafana-url (or GRAFANA_URL) must be an http:// or https:// URL with a host, "
            "such as https://grafana.example.com")
    try:
        clean, url_auth = split_url_credentials(url)
        auth = Auth.from_env(token_file) or url_auth
    except (OSError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    if auth is None:
        raise click.UsageError(
            "no Grafana credentials: set GRAFANA_TOKEN, pass --token-file, "
            "or set GRAFANA_USER and GRAFANA_PASSWORD")
    return GrafanaClient(clean, auth, timeout=timeout)


def _redact(text: str, client: GrafanaClient) -> str:
    """Defence in depth: no message reaches the terminal with a secret in it."""
    return scrub(text, client.auth.secrets() if client.auth else [])


def _hint(client: GrafanaClient, status: int | None, exc: Exception | None = None) -> None:
    """What the operator can do about an auth error (``status`` 401/403) or a
    Grafana that never answered, on stderr."""
    source = client.auth.source if client.auth is not None else ""
    if status == 401:
        text = (f"Grafana at {client.url} did not accept the credentials from {source}: "
                "check them, and that they are this Grafana's")
    elif status == 403:
        text = (f"the credentials from {source} lack a role: dashboards and folders need "
                "Editor, --datasources needs Admin")
    elif isinstance(exc, TransientError) and exc.last.startswith("connection error"):
        text = (f"nothing answered at {client.url}: check --grafana-url (or GRAFANA_URL) "
                "and that Grafana is running and reachable from here")
    elif isinstance(exc, NoGrafanaApi):
        text = (f"no Grafana HTTP API at {client.url}: --grafana-url (or GRAFANA_URL) is "
                "Grafana's base URL, with its sub-path when Grafana is served under one")
    elif isinstance(exc, TransientError) and exc.last.startswith("timed out"):
        text = (f"Grafana at {client.url} did not answer within --timeout "
                f"{client.timeout:g}s: check that it is up, or raise --timeout")
    else:
        return
    click.echo(f"hint: {_redact(text, client)}", err=True)


def _fail(client: GrafanaClient, exc: Exception, fmt: str = "text") -> None:
    message = _redact(str(exc), client)
    if fmt == "json":
        # A CI step parsing stdout gets a report saying what failed, not nothing.
        click.echo(json.dumps({"error": message, "ok": False}, sort_keys=True))
    click.echo(f"error: {message}", err=True)
    _hint(client, exc.status if isinstance(exc, AuthError) else None, exc)
    raise SystemExit(1)


def _build_dir(project: Path, build_dir: Path | None) -> Path:
    """The build to read: ``--build-dir`` as given, else ``PROJECT/build``; a usage
    error (exit 2) when it holds no dashboards."""
    build = project / "build" if build_dir is None else build_dir
    if not (build / DASHBOARDS_DIR).is_dir():
        rebuild = "oac build" if project == Path(".") else f"oac build -C {project}"
        raise click.UsageError(f"{build / DASHBOARDS_DIR} does not exist; run `{rebuild}`")
    return build


@click.command()
@project_option
@_URL
@_TOKEN_FILE
@_BUILD_DIR
@_TIMEOUT
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]),
              default="text", show_default=True)
@click.option("--exit-code", is_flag=True, help="Exit 1 when there are changes.")
@click.option("--prune", is_flag=True, help="Show managed dashboards missing from the build "
              "as deletions.")
@click.option("--deep", is_flag=True, help="Fetch every managed dashboard to find hand edits "
              "even where the build did not change (one GET each).")
@click.option("--datasources", is_flag=True, help="Include datasources.")
def diff(project: Path, grafana_url: str | None, token_file: Path | None, build_dir: Path | None,
         timeout: float, fmt: str, exit_code: bool, prune: bool, deep: bool, datasources: bool) -> None:
    """Show what `oac publish` would change in Grafana, per folder, dashboard and panel."""
    build = _build_dir(project, build_dir)
    client = make_client(grafana_url, token_file, timeout)
    with client:
        try:
            plan = compute_plan(client, read_build(build, datasources=datasources),
                                prune=prune, deep=deep)
        except GrafanaError as exc:
            _fail(client, exc, fmt)
            return
    click.echo(_redact(render(plan, fmt), client))
    if plan.errors or (exit_code and plan.has_changes):
        raise SystemExit(1)


@click.command()
@project_option
@_URL
@_TOKEN_FILE
@_BUILD_DIR
@_TIMEOUT
@click.option("--prune", is_flag=True, help="Delete managed dashboards missing from the build.")
@click.option("--force", is_flag=True, help="Overwrite hand-edited dashboards and unmanaged "
              "dashboards in the way.")
@click.option("--dry-run", is_flag=True, help="Plan and report; send no writes.")
@click.option("--datasources", is_flag=True, help="Also create/update datasources by uid.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def publish(project: Path, grafana_url: str | None, token_file: Path | None, build_dir: Path | None,
            timeout: float, prune: bool, force: bool, dry_run: bool, datasources: bool, fmt: str) -> None:
    """Publish build/ to Grafana: folders, dashboards (and datasources), idempotently."""
    build = _build_dir(project, build_dir)
    client = make_client(grafana_url, token_file, timeout)
    bar = ProgressBar(sys.stderr) if wants_progress(sys.stderr, fmt) else None
    with client:
        try:
            plan = compute_plan(client, read_build(build, datasources=datasources),
                                prune=prune, force=force)
            result = apply_plan(client, plan, dry_run=dry_run, git_sha=current_git_sha(project),
                                progress=bar)
        except GrafanaError as exc:
            _fail(client, exc, fmt)
            return
        finally:
            if bar is not None:
                bar.close()
        result.requests, result.writes = client.requests_sent, client.writes_sent
    if dry_run and fmt == "text":
        click.echo(_redact(render(plan, "text"), client))
    click.echo(_redact(result.render(fmt), client))
    if result.abort_status is not None:
        _hint(client, result.abort_status)
    if not result.ok:
        raise SystemExit(1)


@click.command("grafana")
@project_option
@_URL
@_TOKEN_FILE
@_TIMEOUT
@click.option("--folder", required=True, help="Folder title (or path such as team/llm).")
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Directory to write into (default: DIR/dashboards/<folder path>, which the "
                   "build reads and publish puts back in the same folder).")
@click.option("--force", is_flag=True, help="Overwrite modules that exist.")
def import_grafana(project: Path, grafana_url: str | None, token_file: Path | None, timeout: float,
                   folder: str, output: Path | None, force: bool) -> None:
    """Import the dashboards of a Grafana folder as Python modules.

    Each is made as `oac import dashboard` makes one: datasource placeholders
    mapped to the project's datasources, the module rebuilt and compared, the
    project's checks run on it (errors suppressed at their line for review).
    Exit status: 0 written; 1 Grafana failed, a dashboard needs a datasource the
    project lacks or has another module's UID (nothing written), or a rebuilt
    dashboard differs; 2 usage error, including modules that exist without
    --force (nothing written)."""
    try:
        out_dir = folder_dir(project, folder) if output is None else output
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    client = make_client(grafana_url, token_file, timeout)
    with client:
        try:
            dashboards = pull_folder(client, folder)
        except GrafanaError as exc:
            _fail(client, exc)
            return
    plan = import_folder(dashboards, project, out_dir, force=force, origin=f"Grafana folder {folder!r}")
    say = "oac import grafana:"
    for path in plan.existing:
        click.echo(f"{say} {path} exists; not overwritten (pass --force to replace it)", err=True)
    for line in plan.refused:
        click.echo(f"{say} {line}", err=True)
    if not plan.writable:
        click.echo(f"{say} nothing written", err=True)
        raise SystemExit(2 if plan.existing else 1)
    for path in write_modules(plan):
        click.echo(str(path))
    for line in plan.warnings:
        click.echo(f"{say} warning: {line}", err=True)
    for line in plan.problems:
        click.echo(f"{say} round-trip differs: {line}", err=True)
    click.echo(f"imported {len(plan.modules)} dashboards from {folder!r} into {out_dir}", err=True)
    if plan.problems:
        raise SystemExit(1)
