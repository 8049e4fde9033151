"""``oac lint`` as a function: the project, files from anywhere, or both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from obs_as_code.diagnostics import Diagnostic, ordered
from obs_as_code.gcpause import paused_gc
from obs_as_code.lint.engine import LintContext, code_matches, run_checks, select_checks, suppressed
from obs_as_code.lint.files import load_paths
from obs_as_code.load import Project
from obs_as_code.model.datasource import Datasource
from obs_as_code.source import at_project_root
from obs_as_code.target import read_target, targeting


def lint(
    root: Path,
    paths: Sequence[Path] = (),
    *,
    project: bool | None = None,
    catalog: Any = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    scrape_interval: float | None = None,
) -> list[Diagnostic]:
    """Lint the project at ``root`` and/or the rule files and dashboards in ``paths``.

    ``project`` None means: the project when no ``paths`` are given, else only
    the paths. ``catalog`` is a ``MetricsCatalog``, a ``LoadedCatalog`` or a list
    of them; the project's own catalogs are always added.
    """
    # The cyclic collector only re-walks what the lint keeps alive (see gcpause).
    root = root.resolve()
    with paused_gc(), targeting(read_target(root)):
        return _lint(root, paths, project, catalog, select, ignore, scrape_interval)


def lint_project(
    proj: Project,
    *,
    catalog: Any = None,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    scrape_interval: float | None = None,
) -> list[Diagnostic]:
    """:func:`lint` of a project loaded already: what ``lint(proj.root,
    project=True)`` reports, without importing its modules again (their load
    diagnostics are the caller's). ``oac import dashboard`` checks the module it
    writes this way, beside the datasources it loaded once."""
    with paused_gc(), targeting(read_target(proj.root)):
        found = _check(proj, (), True, catalog, select, ignore, scrape_interval)
        return ordered(d for d in found if not suppressed(d, proj.root))


def _lint(
    root: Path,
    paths: Sequence[Path],
    project: bool | None,
    catalog: Any,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    scrape_interval: float | None,
) -> list[Diagnostic]:
    with_project = project if project is not None else not paths
    diagnostics: list[Diagnostic] = []
    if with_project:
        from obs_as_code.pipeline import load

        proj, found = load(root)
        diagnostics += found
    else:
        proj = _context(root, paths)
    found = _check(proj, paths, with_project, catalog, select, ignore, scrape_interval)
    if not with_project and proj.modules:
        # The project's datasources were loaded for context only (OAC307, the
        # mapping of an export's placeholders): what the checks say about them
        # is the project's lint's to say.
        context = {m.path for m in proj.modules}
        found = [d for d in found if d.location.file not in context]
    diagnostics += found
    return ordered(d for d in diagnostics if not suppressed(d, root))


def _context(root: Path, paths: Sequence[Path]) -> Project:
    """What of the project at ``root`` linting ``paths`` alone reads: for
    dashboards (a JSON file or a directory among ``paths``), the datasources its
    ``datasources/`` modules declare, as ``oac import dashboard`` reads them
    (their load errors are the build's to report); nothing else."""
    from obs_as_code.lint.files import is_dashboard

    if not any(p.is_dir() or is_dashboard(p) for p in paths):
        return Project(root=root)
    from obs_as_code.importers.dashboard import load_for_import

    return load_for_import(root)


def _check(
    proj: Project,
    paths: Sequence[Path],
    with_project: bool,
    catalog: Any,
    select: Iterable[str] | None,
    ignore: Iterable[str] | None,
    scrape_interval: float | None,
) -> list[Diagnostic]:
    """What :func:`lint` finds once ``proj`` is loaded (unsuppressed, unordered):
    with the project, the generators' findings, then the checks' on the project
    and ``paths``, then the dashboards' rendering errors. Run at the project's
    root: from elsewhere (`oac lint -C DIR`) the user's files were looked up from
    the current directory, and findings pointed at the call, not the argument."""
    with at_project_root(proj.root):
        diagnostics: list[Diagnostic] = []
        if with_project:
            from obs_as_code.pipeline import generate

            diagnostics += generate(proj)
        groups, sites, dashboards, file_diags = load_paths(list(paths), proj.root, proj.all(Datasource))
        proj.definitions.extend(groups)
        ctx = LintContext(proj, catalog=catalog, sites=sites, dashboards=dashboards, file_diagnostics=file_diags)
        ctx.file_boards = [d.board for d in dashboards if d.board is not None]
        ctx.scrape_interval_default = scrape_interval
        checks = select_checks(select, ignore, lint_only=True)
        external = {g.location.file for g in groups}
        # Prometheus keys groups by (file, name): across rule files a shared name is
        # legal (same-file repeats are OAC219). The project's stricter rule (OAC106)
        # is for the project's own groups.
        try:
            found_checks = run_checks(ctx, checks)
        finally:
            ctx.release()  # its caches refer back to it: freed now, not by the collector
        diagnostics += [d for d in found_checks if not (d.code == "OAC106" and d.location.file in external)]
        if with_project:
            diagnostics += _dashboard_errors(proj, select, ignore)
        # What rendering the dashboard files found (as _dashboard_errors: the
        # dashboards stage's codes, filtered alike); OAC219 is a check's.
        diagnostics += _selected([d for d in file_diags if d.code != "OAC219"], select, ignore)
        return diagnostics


def _selected(found: list[Diagnostic], select: Iterable[str] | None, ignore: Iterable[str] | None) -> list[Diagnostic]:
    """``found`` without what ``--select`` / ``--ignore`` (code prefixes) leave out."""
    sel, ign = list(select or []), list(ignore or [])
    return [d for d in found if (not sel or code_matches(d.code, sel)) and not code_matches(d.code, ign)]


def _dashboard_errors(proj: Project, select: Iterable[str] | None, ignore: Iterable[str] | None) -> list[Diagnostic]:
    """What rendering the project's dashboards found (the ``dashboards`` stage's
    codes of :data:`obs_as_code.codes.STAGE_CODES`: UIDs, sources, folders,
    titles, library panels): errors ``oac build`` reports that are no check's, so
    that the lint does not pass a project the build refuses; ``--select`` /
    ``--ignore`` filter them as they do the checks'. (Load and generator findings
    are reported whatever is selected: the project did not load as written.)
    Rendered once: the dashboard checks shared it."""
    from obs_as_code.dashboards.project import render_project
    from obs_as_code.model.dashboard import DashboardDef

    if not proj.all(DashboardDef):
        return []
    return _selected(render_project(proj).diagnostics, select, ignore)
