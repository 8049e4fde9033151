"""The build pipeline: discover -> load -> generate -> lint -> render -> serialize ->
write -> validate. Each stage is its own module; this one only wires them.

Stages contributed by other parts of the package are listed here as
``"module:function"`` strings and imported when a build needs them, so start-up
stays fast and adding a kind of definition is one line.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obs_as_code import cache
from obs_as_code.artifacts import (
    MANIFEST,
    Artifact,
    Stamps,
    TreeDiff,
    compare,
    release_data,
    swap_in,
    tree_stamps,
    with_manifest,
    write_atomic,
)
from obs_as_code.diagnostics import Diagnostic, Severity, error, has_errors, ordered
from obs_as_code.discover import PROJECT_DIRS, discover
from obs_as_code.gcpause import paused_gc
from obs_as_code.load import Project, load_project
from obs_as_code.redact import redact_line
from obs_as_code.source import SourceLocation, at_project_root
from obs_as_code.target import read_target, targeting

#: (Project) -> diagnostics. Generators add definitions derived from others
#: (an SLO becomes rule groups and a dashboard) before checks and rendering.
GENERATORS: list[str] = [
    "obs_as_code.slo.generate:generate",
]

#: (Project) -> list[Artifact] | (list[Artifact], list[Diagnostic]).
RENDERERS: list[str] = [
    "obs_as_code.render.prometheus:render",
    "obs_as_code.render.alertmanager:render",
    "obs_as_code.render.tests:render",
    "obs_as_code.render.grafana:render",
    "obs_as_code.render.preview:render",
]

#: (Project, artifacts, out_dir) -> diagnostics. Run by :func:`build` (``oac build``
#: and ``--check``) before anything is written: what the new output cannot do to
#: a Grafana that read the build in ``out_dir`` (a datasource renamed without its
#: previous name, OAC113). They read the previous build and never change the output.
AGAINST_PREVIOUS: list[str] = [
    "obs_as_code.previous_build:check",
]

#: (build_dir, artifacts) -> diagnostics. Run by ``oac validate``.
VALIDATORS: list[str] = [
    "obs_as_code.validate.promtool:check",
    "obs_as_code.validate.amtool:check",
    "obs_as_code.validate.schema:check",
]


def _resolve(target: str) -> Callable[..., Any]:
    module_name, attr = target.split(":")
    fn: Callable[..., Any] = getattr(importlib.import_module(module_name), attr)
    return fn


@dataclass
class Compiled:
    """A project compiled in memory: what it declares, its output and its findings."""

    project: Project
    artifacts: list[Artifact] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not has_errors(self.diagnostics)


def load(root: Path, dirs: Sequence[str] = PROJECT_DIRS) -> tuple[Project, list[Diagnostic]]:
    """Discover and load the project at ``root``."""
    return load_project(root, discover(root, tuple(dirs)))


def generate(project: Project) -> list[Diagnostic]:
    """Run every generator over the project (they add definitions in place)."""
    out: list[Diagnostic] = []
    for target in GENERATORS:
        out.extend(_resolve(target)(project))
    return out


def lint(project: Project, *, select: Iterable[str] | None = None, ignore: Iterable[str] | None = None, catalog: Any = None) -> list[Diagnostic]:
    """Run the checks (see :mod:`obs_as_code.lint.engine`)."""
    from obs_as_code.lint.engine import LintContext, run_checks, select_checks

    ctx = LintContext(project, catalog=catalog)
    try:
        return run_checks(ctx, select_checks(select, ignore))
    finally:
        ctx.release()


def render(project: Project, *, tolerant: bool = False) -> tuple[list[Artifact], list[Diagnostic]]:
    """Run every renderer; two renderers claiming one path is an error.

    With ``tolerant`` (earlier stages already found errors) a renderer that trips
    over invalid input is skipped: its cause has been reported already.
    """
    artifacts: list[Artifact] = []
    diagnostics: list[Diagnostic] = []
    for target in RENDERERS:
        try:
            result = _resolve(target)(project)
        except Exception:
            if not tolerant:
                raise
            continue
        if isinstance(result, tuple):
            result, found = result
            diagnostics.extend(found)
        artifacts.extend(result)
    owners: dict[str, Artifact] = {}
    for artifact in artifacts:
        if artifact.path in owners:
            # At the second definition, where its renderer recorded it (a template's
            # Template(...) call); else nowhere in particular.
            where = artifact.source_map.get(()) if artifact.source_map else None
            diagnostics.append(
                error(
                    where,
                    "OAC110",
                    f"two definitions write build/{artifact.path} "
                    f"(from {', '.join(owners[artifact.path].sources) or '?'} and "
                    f"{', '.join(artifact.sources) or '?'})",
                )
            )
        owners[artifact.path] = artifact
    return artifacts, diagnostics


def compile_project(root: Path, *, lint_checks: bool = True, jobs: int = 1) -> Compiled:
    """Discover, load, generate, check and render, without touching the disk.

    Every stage runs even when an earlier one found errors, so one run reports
    every mistake; only :func:`build` decides not to write. ``jobs`` > 1
    serializes in that many processes (:mod:`obs_as_code.parallel`).
    """
    with paused_gc():  # the collector cost a third of the build (see gcpause)
        return _compile_project(root.resolve(), lint_checks=lint_checks, jobs=jobs)


def _compile_project(root: Path, *, lint_checks: bool, jobs: int) -> Compiled:
    # Later stages resolve user files (keyword positions) against the root too,
    # and judge PromQL for the project's Prometheus (pyproject.toml [tool.oac]).
    with at_project_root(root), targeting(read_target(root)):
        project, diagnostics = load(root)
        diagnostics += generate(project)
        if lint_checks and jobs > 1:  # without fork, in_child() just calls lint()
            artifacts, found = _lint_beside_render(project, diagnostics)
        else:
            if lint_checks:
                diagnostics += lint(project)
            artifacts, found = render(project, tolerant=has_errors(diagnostics))
        diagnostics += found
        _forget_rendered(project)
    if jobs > 1:
        from obs_as_code.parallel import serialize_all

        serialize_all(artifacts, jobs)
    return Compiled(project, with_manifest(artifacts), ordered(diagnostics))


def _forget_rendered(project: Project) -> None:
    # Only when the dashboards module was used: importing it costs a rules-only build.
    module = sys.modules.get("obs_as_code.dashboards.project")
    if module is not None:
        module.forget_rendered(project)


def _lint_beside_render(project: Project, diagnostics: list[Diagnostic]) -> tuple[list[Artifact], list[Diagnostic]]:
    """Lint in a forked child while this process renders; the same artifacts and
    findings as :func:`lint` then :func:`render`, appended to ``diagnostics``.

    Rendering cannot wait to learn whether the checks found errors (that decides
    whether a renderer tripping over bad input is tolerated), so a renderer's
    exception is held until the checks are in, then raised or dropped as the
    sequential path would.
    """
    from obs_as_code.parallel import in_child

    pending = in_child(lambda: lint(project))
    try:
        result: tuple[list[Artifact], list[Diagnostic]] | None = render(project)
        failure: Exception | None = None
    except Exception as exc:  # decided below, once the checks are in
        result, failure = None, exc
    diagnostics += pending()
    if result is None:
        if not has_errors(diagnostics):
            assert failure is not None
            raise failure
        result = render(project, tolerant=True)
    return result


@dataclass
class BuildResult:
    """What :func:`build` did."""

    compiled: Compiled
    out_dir: Path
    diff: TreeDiff
    wrote: bool

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.compiled.diagnostics

    @property
    def ok(self) -> bool:
        return self.compiled.ok


def build(
    root: Path = Path("."),
    out_dir: Path | None = None,
    *,
    check: bool = False,
    incremental: bool = False,
    memory: Any = None,
    jobs: int = 1,
) -> BuildResult:
    """Compile the project at ``root`` into ``out_dir`` (default ``root/build``).

    Writes nothing when any error was found, or when ``check`` is true (then the
    returned diff lists what a build would change). ``incremental`` reuses and
    updates ``.oac-cache/`` (:mod:`obs_as_code.incremental`; ``memory``, an
    ``incremental.Memory``, keeps state between builds in one process); the output
    is the same. ``jobs`` > 1 serializes in that many processes.
    """
    root = root.resolve()
    out_dir = (out_dir or root / "build").resolve()
    with paused_gc():  # see gcpause: collection cost a third of a build
        known: tuple[Stamps, int] | None = None
        if incremental:
            from obs_as_code.incremental import compile_incremental

            compiled: Compiled = compile_incremental(root, memory, jobs)
            known = cache.read_stamps(root, out_dir)
        else:
            compiled = compile_project(root, jobs=jobs)
        against_previous(root, compiled, out_dir)
        diff = compare(out_dir, compiled.artifacts, known=known) if compiled.ok or check else TreeDiff()
        wrote = False
        written: dict[str, Any] | None = None  # the new tree's stats, when known
        if compiled.ok and not check and not diff.clean:
            spare = cache.spare_path(root, out_dir) if incremental else None
            unchanged = {a.path for a in compiled.artifacts} - {*diff.added, *diff.changed}
            if spare is None:
                write_atomic(out_dir, compiled.artifacts, unchanged=unchanged)
            else:
                with cache.locked(spare):  # one build at a time patches the spare
                    if spare.is_dir():
                        # The tree before the last one: patch it and swap it in.
                        spare_diff = compare(spare, compiled.artifacts, known=cache.read_stamps(root, out_dir, spare=True))
                        written = swap_in(out_dir, compiled.artifacts, spare, spare_diff)
                    else:
                        write_atomic(out_dir, compiled.artifacts, unchanged=unchanged, keep_old=spare)
                    cache.retire_stamps(root, out_dir)
            wrote = True
        if incremental and compiled.ok and (wrote or (diff.clean and (known is None or diff.read))):
            # build/ holds exactly the artifacts now: remember its files' stamps so
            # that the next incremental build compares without reading them (unless
            # every file was vouched for by the stamps already recorded).
            cache.write_stamps(root, out_dir, tree_stamps(out_dir, compiled.artifacts, written))
        release_data(compiled.artifacts)
    return BuildResult(compiled, out_dir, diff, wrote)


def against_previous(root: Path, compiled: Compiled, out_dir: Path) -> None:
    """Add to ``compiled`` what the :data:`AGAINST_PREVIOUS` checks find against
    the build in ``out_dir`` (its errors then stop :func:`build` from writing)."""
    found: list[Diagnostic] = []
    with at_project_root(root):
        for target in AGAINST_PREVIOUS:
            found.extend(_resolve(target)(compiled.project, compiled.artifacts, out_dir))
    if found:
        compiled.diagnostics = ordered([*compiled.diagnostics, *found])


def validate(root: Path = Path("."), out_dir: Path | None = None) -> tuple[list[Diagnostic], TreeDiff]:
    """Run the validators over ``out_dir``; findings map back to source where they can."""
    root = root.resolve()
    out_dir = (out_dir or root / "build").resolve()
    compiled = compile_project(root, lint_checks=False)
    # A module that raises (OAC101) declares nothing, so build/ may well match
    # what the rest compiles to: without its error, validate said "ok".
    diagnostics: list[Diagnostic] = [d for d in compiled.diagnostics if d.severity is Severity.ERROR]
    with at_project_root(root), targeting(read_target(root)):
        for target in VALIDATORS:
            diagnostics.extend(_resolve(target)(out_dir, compiled.artifacts))
    return ordered(diagnostics), compare(out_dir, compiled.artifacts)


@dataclass(frozen=True)
class StaleFile:
    """One file ``oac build --check`` found out of date, said so a contributor can act:
    ``kind`` is ``new`` (a build would write it), ``stale`` (its bytes differ) or
    ``extra`` (no source makes it any more); ``shown`` is its path as the project
    names it (``build/...``); ``line`` the first line that differs (0: none)."""

    kind: str
    path: str
    shown: str
    sources: tuple[str, ...]
    line: int = 0
    old: str = ""
    new: str = ""

    def describe(self) -> str:
        """``stale: build/x.yaml (from alerts/x.py): line 3 is `a`, the sources make `b```."""
        why = {
            "new": f" (from {', '.join(self.sources)}): missing" if self.sources else ": missing",
            "stale": f" (from {', '.join(self.sources)})" if self.sources else "",
            "extra": ": no source makes it any more",
        }[self.kind]
        if self.path == MANIFEST:
            # Its lines are hashes: which files changed says more than any of them.
            return f"{self.kind}: {self.shown}: the hashes of the files listed"
        text = f"{self.kind}: {self.shown}{why}"
        if self.line:
            text += f": line {self.line} is {_quoted(self.old)}, the sources make {_quoted(self.new)}"
        return text


#: Reported for each file ``oac build --check`` finds out of date.
STALE_CODE = "OAC112"


def _quoted(line: str, limit: int = 100) -> str:
    # A secret written into build/ by hand must not reach the CI log that quotes it.
    line = redact_line(line).strip()
    if not line:
        return "empty"
    return f"`{line[:limit]}{'...' if len(line) > limit else ''}`"


def _first_difference(old: bytes, new: bytes) -> tuple[int, str, str]:
    """1-based number of the first line that differs, with both versions of it."""
    a = old.decode("utf-8", "replace").splitlines()
    b = new.decode("utf-8", "replace").splitlines()
    for i in range(max(len(a), len(b))):
        left = a[i] if i < len(a) else ""
        right = b[i] if i < len(b) else ""
        if left != right:
            return i + 1, left, right
    # Same lines, other bytes (a final newline, line endings): the last line.
    last = max(len(a), 1)
    return last, a[-1] if a else "", b[-1] if b else ""


def stale_files(result: BuildResult, root: Path) -> list[StaleFile]:
    """What ``result.diff`` (a ``check`` build) lists, with each file's sources
    (the manifest's) and, for a changed file, its first differing line."""
    root = root.resolve()
    try:
        prefix = f"{result.out_dir.relative_to(root).as_posix()}/"
    except ValueError:
        prefix = f"{result.out_dir.as_posix()}/"
    made = {a.path: a for a in result.compiled.artifacts}
    out: list[StaleFile] = []
    for kind, paths in (("new", result.diff.added), ("stale", result.diff.changed), ("extra", result.diff.removed)):
        for path in paths:
            artifact = made.get(path)
            sources = tuple(sorted(set(artifact.sources))) if artifact is not None else ()
            line, old, new = 0, "", ""
            if kind == "stale" and artifact is not None:
                # Gone since the comparison: the path says enough.
                with contextlib.suppress(OSError):
                    line, old, new = _first_difference((result.out_dir / path).read_bytes(), artifact.content)
            out.append(StaleFile(kind, path, prefix + path, sources, line, old, new))
    return out


def stale_diagnostics(stale: Sequence[StaleFile], rebuild: str) -> list[Diagnostic]:
    """One error per out-of-date file, at the line that differs in the built file,
    or (a file not written yet) at its first source: as GitHub annotations they
    land on a file of the pull request's diff."""
    out: list[Diagnostic] = []
    for f in stale:
        where = SourceLocation(f.shown, f.line or 1, 1)
        if f.kind == "new" and f.sources:
            where = SourceLocation(f.sources[0], 1, 1)
        out.append(Diagnostic(where, STALE_CODE, f"{f.describe()}; run `{rebuild}` and commit the result",
                              Severity.ERROR, show_source=f.kind == "stale"))
    return out
