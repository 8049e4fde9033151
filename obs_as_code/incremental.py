"""Incremental compilation: reload and re-render only what a change can affect.

The result is the same :class:`~obs_as_code.pipeline.Compiled` a clean
:func:`~obs_as_code.pipeline.compile_project` gives, built from three kinds of
work:

1. **Load, per module.** A module is imported again only when its source, the
   source of a project module it imports (transitively, as recorded while it last
   loaded), or obs-as-code itself changed. Otherwise its definitions come back
   from the cache (see :mod:`obs_as_code.cache`), unpickled only if a stage that
   must run again reads them.
2. **Generate, per module.** Generators listed in :data:`GENERATOR_INPUTS` (the
   SLO generator) run on one module's definitions, cached by its load key.
3. **Module-local stages, per module.** Checks listed in :data:`MODULE_CHECKS`
   and :data:`SCOPED_CHECKS` and the local halves of renderers in
   :data:`LOCAL_RENDERERS` see one module's definitions, so their results are
   cached per module, keyed by those definitions and the module's source.
   :data:`RECORDED_CHECKS` run per module too, against the set of names the
   project's recording rules record.
4. **Project-wide stages, when what they read changed.** Every other check and
   renderer is cached by the load keys of the modules holding the definition
   classes it reads (:data:`STAGE_INPUTS`; undeclared: every module), plus a
   stamp of the repository's other files for :data:`FILE_STAGES`.

A no-op build therefore unpickles no definition: it hashes (or stats) the
sources, reads the cache and reuses every stage.

Whenever the cache cannot reproduce a clean build exactly (a module exposes a
definition declared in another module, a local renderer raised, two modules'
local artifacts share a path) the build falls back to a clean compile.

Known limit: a module is assumed to depend only on its source and the project
modules it imports. A module reading a data file, an environment variable, or
state another module left in a shared helper at import time needs
``oac build --no-cache``.
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import functools
import hashlib
import importlib
import importlib.util
import marshal
import os
import pickle
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obs_as_code import _native, names
from obs_as_code import cache as cache_mod
from obs_as_code.artifacts import Artifact, SourceMap, with_manifest
from obs_as_code.cache import (
    BuildCache,
    CachedArtifact,
    GeneratedEntry,
    LocalEntry,
    ModuleEntry,
    StageEntry,
)
from obs_as_code.diagnostics import Diagnostic, has_errors, ordered
from obs_as_code.discover import PROJECT_DIRS, ModuleRef, discover
from obs_as_code.load import (
    ADAPTERS,
    Project,
    _forget_project_modules,
    collect,
    declares_nothing,
    exception_diagnostic,
    import_project_module,
)
from obs_as_code.model.base import Definition
from obs_as_code.model.rules import AlertRule, RuleGroup
from obs_as_code.source import forget_callers, loading_file, project_root
from obs_as_code.target import current as current_target
from obs_as_code.target import read_target

#: Checks whose findings for a module depend on that module's definitions only.
#: Checks not listed run over the whole project on every build (always correct,
#: just not cached): list a check here only when that holds.
MODULE_CHECKS: frozenset[str] = frozenset({"OAC103", "OAC104", "OAC105", "OAC108", "OAC109", "OAC111", "OAC210", "OAC501"})

#: Checks whose findings for a module depend on that module's rules and dashboards
#: plus project-wide context only: the metrics catalog, the names the recording
#: rules record and, for each name, the first rule recording it (expression and
#: labels: what type inference reads) and the scrape configuration (see
#: :func:`context_hash`). They run per module on a
#: :class:`~obs_as_code.lint.engine.LintContext` scoped to the module, cached by a
#: hash of the module's definitions and of that context. A check reading anything
#: else of other modules (duplicates, datasources, SLOs) must not be listed.
SCOPED_CHECKS: frozenset[str] = frozenset(
    {
        "OAC201", "OAC202", "OAC203", "OAC204", "OAC205", "OAC206", "OAC207", "OAC208", "OAC209", "OAC211",
        "OAC215", "OAC217", "OAC218", "OAC220", "OAC311", "OAC315", "OAC316",
    }
)  # fmt: skip

#: Checks whose findings for a module depend only on that module's definitions
#: (generated ones included), on every definition of the listed classes (the
#: catalog, scrape jobs) and on the *set of names* the project's recording rules
#: record. They run per module on the module's definitions and the listed
#: classes' definitions of the whole project, with ``LintContext.recorded()``
#: naming every recorded name (:class:`_RecordedElsewhere`), so a one-module edit
#: that records the same names reruns them on that module only. Such a check reads
#: other modules' recording rules only through ``recorded()``'s names. It must
#: also be declared in :data:`STAGE_INPUTS` (which modules it reads).
RECORDED_CHECKS: dict[str, frozenset[str]] = {
    "OAC505": frozenset({"MetricsCatalog", "ScrapeJob"}),
    # The dashboards rendered with the project's datasources, as in a clean build.
    "OAC506": frozenset({"Datasource", "MetricsCatalog"}),
    "OAC507": frozenset(),
    # The query variables of the dashboards rendered with the project's datasources.
    "OAC221": frozenset({"Datasource", "MetricsCatalog"}),
}

#: Checks whose findings for a module depend only on that module's definitions
#: and every definition of the listed classes: they run per module like
#: :data:`RECORDED_CHECKS`, without the recorded names; those of
#: :data:`RECORDER_CHECKS` with which modules record each name
#: (``LintContext.recorded_modules``).
SHARED_CHECKS: dict[str, frozenset[str]] = {
    # The routes, and what the catalog's series carry (target labels, external labels).
    "OAC502": frozenset({"AlertmanagerConfig", "MetricsCatalog", "ScrapeJob", "PrometheusConfig"}),
    # Each SLO on its own: its objective, its latency bucket against the catalog,
    # its ratio queries.
    "OAC401": frozenset(),
    "OAC402": frozenset({"MetricsCatalog"}),
    "OAC403": frozenset(),
    # Each SLO's windows against the scrape intervals of the jobs it reads.
    "OAC404": frozenset({"PrometheusConfig", "ScrapeJob", "MetricsCatalog"}),
}

#: :data:`SHARED_CHECKS` that read which modules record each name (OAC502: the
#: label values of an alert's module's recording rules count when no other module
#: records the name).
RECORDER_CHECKS: frozenset[str] = frozenset({"OAC502"})

#: Dashboards, per module: the checks reading the project's rendered dashboards
#: and the Grafana renderer's dashboard files run on one module's definitions
#: plus every datasource, cached by the module's load key and the datasource
#: modules' keys; the provisioning files are rendered from the datasources and the
#: dashboard files' modules. Valid while no dashboard UID is used by two modules
#: (which dashboard keeps a shared UID is decided project-wide): otherwise these
#: stages run over the whole project, as :data:`STAGE_INPUTS` declares them.
_RENDERED_CHECKS = (
    "OAC301", "OAC302", "OAC303", "OAC304", "OAC305", "OAC306", "OAC307", "OAC314", "OAC317", "OAC318", "OAC319", "OAC320",
    "OAC321",
)  # fmt: skip
DASHBOARD_CHECKS: frozenset[str] = frozenset({"OAC219", *_RENDERED_CHECKS})
DASHBOARD_RENDERER = "obs_as_code.render.grafana:render"
#: The renderer's (per-module part, project-wide part(project, dashboard file sources)).
DASHBOARD_PARTS = ("obs_as_code.render.grafana:render_dashboards", "obs_as_code.render.grafana:render_provisioning")

#: Project-wide checks and renderers (by code, or renderer target; for a split
#: renderer its project-wide part) -> the names of the definition classes they read
#: (a definition counts under its class and every base class). A stage's result is
#: cached by the load keys of the modules holding such definitions (generated ones
#: included), so an edit elsewhere does not rerun it. A stage not listed reads
#: every module. Declare a stage only when it reads nothing else of the project.
STAGE_INPUTS: dict[str, frozenset[str]] = {
    "OAC106": frozenset({"RuleGroup"}),
    "OAC116": frozenset({"RuleGroup"}),
    "OAC107": frozenset({"ScrapeJob", "PrometheusConfig"}),
    # The config promtool reads: the global block, the jobs, the Alertmanagers.
    "OAC115": frozenset({"ScrapeJob", "PrometheusConfig"}),
    # file_diagnostics only: filled by `oac lint` from files, never by a build.
    "OAC219": frozenset({"DashboardDef", "Datasource"}),
    # Dashboard checks: the project's dashboards rendered with its datasources and UIDs.
    **{
        code: frozenset({"DashboardDef", "Datasource"})
        for code in _RENDERED_CHECKS
    },
    "OAC401": frozenset({"SLO"}),
    "OAC402": frozenset({"SLO", "MetricsCatalog"}),
    "OAC403": frozenset({"SLO"}),
    # Jobs come from the SLO's own matchers or from the catalog's entry for its metric.
    "OAC404": frozenset({"SLO", "PrometheusConfig", "ScrapeJob", "MetricsCatalog"}),
    "OAC502": frozenset({"AlertmanagerConfig", "RuleGroup", "MetricsCatalog", "ScrapeJob", "PrometheusConfig"}),
    "OAC503": frozenset({"AlertmanagerConfig"}),
    # The labels every alert may carry, as OAC510 reads them (one context for both).
    "OAC504": frozenset({"AlertmanagerConfig", "RuleGroup", "MetricsCatalog", "ScrapeJob", "PrometheusConfig"}),
    "OAC505": frozenset({"RuleGroup", "MetricsCatalog", "ScrapeJob"}),
    # The labels every alert may carry, from the rules, the catalog and the scrape configuration.
    "OAC510": frozenset({"AlertmanagerConfig", "RuleGroup", "MetricsCatalog", "ScrapeJob", "PrometheusConfig"}),
    "OAC506": frozenset({"RuleGroup", "DashboardDef", "Datasource", "SLO", "MetricsCatalog"}),
    "OAC221": frozenset({"RuleGroup", "DashboardDef", "Datasource", "SLO", "MetricsCatalog"}),
    "OAC507": frozenset({"RuleGroup"}),
    "OAC508": frozenset({"AlertmanagerConfig"}),
    "OAC511": frozenset({"AlertmanagerConfig", "RoutingTest"}),
    # The SLOs too: the tests of an SLO declared twice (OAC406) are not checked again.
    "OAC509": frozenset({"RuleGroup", "RuleTest", "SLO"}),
    "obs_as_code.render.prometheus:render_config": frozenset({"PrometheusConfig", "RuleGroup", "ScrapeJob"}),
    "obs_as_code.render.alertmanager:render": frozenset({"AlertmanagerConfig"}),
    "obs_as_code.render.tests:render": frozenset({"RuleTest"}),
    "obs_as_code.render.grafana:render": frozenset({"DashboardDef", "Datasource", "DeletedDatasource"}),
    "obs_as_code.render.preview:render": frozenset({"PrometheusConfig", "ScrapeJob", "RuleGroup", "AlertmanagerConfig"}),
}

#: Project-wide stages that read the rule groups only through what these
#: functions return for a module's groups: their keys use each module's summary
#: (:func:`rule_summaries`) instead of its load key, so an edit that changes no
#: summary (an expression, an interval, an annotation) reuses them. A function
#: must return everything its stage reads of the groups.
RULE_SUMMARIES: dict[str, Callable[[Sequence[RuleGroup]], Any]] = {
    # Duplicate group names: name, file and position of every group.
    "OAC106": lambda groups: [(g.name, g.module, g.location) for g in groups],
    # Tests naming unknown alerts: which file declares which alert names.
    "OAC509": lambda groups: [(g.module or g.location.file, [r.name for r in g.rules if isinstance(r, AlertRule)]) for g in groups],
    # prometheus.yml: the rule files.
    "obs_as_code.render.prometheus:render_config": lambda groups: sorted({g.module or g.location.file for g in groups}),
    # The preview stack: whether there are rule groups at all.
    "obs_as_code.render.preview:render": lambda groups: bool(groups),
}


#: What the project-wide context of :data:`SCOPED_CHECKS` reads (recording rules,
#: catalog, scrape configuration): see :func:`context_hash`.
BASE_INPUTS: frozenset[str] = frozenset({"RuleGroup", "MetricsCatalog", "ScrapeJob", "PrometheusConfig"})
RULE_GROUPS: frozenset[str] = frozenset({"RuleGroup"})
#: The kinds of a module holding dashboards (and datasources) and nothing else.
_DASHBOARDS_ONLY: frozenset[str] = frozenset({"DashboardDef", "Datasource", "DeletedDatasource", "Definition"})
#: What the provisioning file is rendered from (and dashboards with): the
#: datasources and the deletions (``deleteDatasources``).
_DATASOURCES: frozenset[str] = frozenset({"Datasource", "DeletedDatasource"})

#: Stages (and generators) that also read files of the repository that are not
#: project modules (runbook pages, SLO windows tables): their keys include
#: :func:`_tree_stamp`.
FILE_STAGES: frozenset[str] = frozenset({"OAC404", "OAC507", "obs_as_code.slo.generate:generate"})

#: Generators whose output for a module depends only on that module's definitions
#: of the listed classes (and, for those in :data:`FILE_STAGES`, repository files):
#: they run per module and are cached per module. A registered generator not
#: listed here makes the build fall back to a clean compile.
GENERATOR_INPUTS: dict[str, frozenset[str]] = {
    "obs_as_code.slo.generate:generate": frozenset({"SLO"}),
}

def _slo_ids(definitions: Sequence[Definition]) -> tuple[str, ...]:
    from obs_as_code.slo.model import SLO

    return tuple(
        sorted({d.id for d in definitions if isinstance(d, SLO) and isinstance(d.service, str) and isinstance(d.name, str)})
    )


#: Generator -> what of a module's definitions must be unique project-wide (an
#: SLO's id: its rule groups, series and dashboard UID). Generating per module
#: cannot see two modules declaring one id, which the clean generator reports
#: once (OAC406) instead of the clash of every group and UID of the copy
#: (OAC106, OAC308): the build falls back to a clean compile then.
GENERATOR_CLAIMS: dict[str, Callable[[Sequence[Definition]], tuple[str, ...]]] = {
    "obs_as_code.slo.generate:generate": _slo_ids,
}

#: Registered renderer -> (module-local part, project-wide part). The local part,
#: run on one module's definitions, must give exactly the artifacts the full
#: renderer gives for that module; the full renderer's output is the local
#: artifacts of every module sorted by path, then the project-wide part.
#: Renderers not listed run whole on every build.
LOCAL_RENDERERS: dict[str, tuple[str, str]] = {
    "obs_as_code.render.prometheus:render": (
        "obs_as_code.render.prometheus:render_rules",
        "obs_as_code.render.prometheus:render_config",
    ),
}


@dataclass
class RunStats:
    """What the last incremental compile in this process did (for ``oac watch`` and tests)."""

    #: Modules imported again (the rest came from the cache).
    loaded: list[str] = field(default_factory=list)
    #: Modules whose module-local stages ran again.
    rechecked: list[str] = field(default_factory=list)
    #: Project-wide stages that ran again: check codes, renderer targets,
    #: ``CODE@module`` for :data:`RECORDED_CHECKS`, ``target@module`` for generators.
    ran: list[str] = field(default_factory=list)
    #: Why the cache could not be used, when it could not.
    fallback: str | None = None


#: Replaced by every :func:`compile_incremental`.
last_run = RunStats()


@dataclass
class Memory:
    """State a long-running process (``oac watch``) keeps between builds: the cache
    without re-reading it, and the live definitions of unchanged modules without
    unpickling them. Live objects are reused only while no generator is registered
    (generators may change definitions in place)."""

    fingerprint: str | None = None
    cache: BuildCache | None = None
    #: module path -> (hash of its pickled definitions, the objects).
    live: dict[str, tuple[str, list[Definition]]] = field(default_factory=dict)


def settle(memory: Memory) -> int:
    """Take the :data:`LAZY_RULE_SUMMARIES` the last build left untaken, for every
    module holding rule groups, into ``memory``'s cache: what a long-running process
    (``oac watch``) does while it waits, so that its next rule edit finds them
    there instead of unpickling every module for them. Returns how many entries
    it completed; a module whose definitions do not unpickle here is left as it is
    (the build takes its summaries when it needs them)."""
    cache = memory.cache
    if cache is None:
        return 0
    wanted = len(LAZY_RULE_SUMMARIES)
    done = 0
    for path, entry in list(cache.modules.items()):
        if "RuleGroup" not in entry.kinds or entry.definitions is None or len(entry.lazy) >= wanted:
            continue
        live = memory.live.get(path)
        try:
            defs = list(live[1]) if live is not None and live[0] == entry.definitions_hash else pickle.loads(entry.definitions)
        except Exception:  # a class of the project's own modules, not importable here
            continue
        cache.modules[path] = dataclasses.replace(entry, lazy=_completed(entry.lazy, defs))
        done += 1
    for path, gen in list(cache.generated.items()):
        if "RuleGroup" not in gen.kinds or len(gen.lazy) >= wanted:
            continue
        try:
            defs = [pickle.loads(blob)[0] for kinds, blob in gen.parts if "RuleGroup" in kinds]
        except Exception:
            continue
        cache.generated[path] = dataclasses.replace(gen, lazy=_completed(gen.lazy, defs))
        done += 1
    return done


def _completed(lazy: tuple[tuple[str, Any], ...], definitions: Sequence[Definition]) -> tuple[tuple[str, Any], ...]:
    """``lazy`` with the summaries of :data:`LAZY_RULE_SUMMARIES` it lacks, taken
    from the rule groups among ``definitions`` (as :meth:`_Compile.lazy_summary` does)."""
    groups = [d for d in definitions if isinstance(d, RuleGroup)]
    have = {name for name, _value in lazy}
    out = list(lazy)
    for name, summarize in LAZY_RULE_SUMMARIES.items():
        if name in have:
            continue
        try:
            value = summarize(groups)
        except Exception:  # a malformed definition: the stage reads the module as it is
            value = None
        out.append((name, value))
    return tuple(out)


class _Fallback(Exception):
    """The cache cannot reproduce a clean build here: compile from scratch."""


#: ``"module:function"`` -> the function, for the compile running now (each
#: starts afresh): the per-module stages ask for the same renderers once per module.
_RESOLVED: dict[str, Callable[..., Any]] = {}


def _resolve(target: str) -> Callable[..., Any]:
    """The pipeline's :func:`~obs_as_code.pipeline._resolve`, remembered in :data:`_RESOLVED`."""
    fn = _RESOLVED.get(target)
    if fn is None:
        from obs_as_code.pipeline import _resolve as resolve

        fn = _RESOLVED[target] = resolve(target)
    return fn


def _is_project_module(name: str) -> bool:
    return name.split(".", 1)[0] in PROJECT_DIRS


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


class _ImportRecorder:
    """Records which project modules each project module imports.

    Wraps ``builtins.__import__`` while user code loads: every ``import`` and
    ``from ... import`` statement calls it, even when the target was imported
    before, which a ``sys.modules`` diff alone would miss.
    """

    def __init__(self) -> None:
        self.edges: dict[str, set[str]] = {}
        self._original = builtins.__import__
        #: importer name -> whether it is a project module: every import statement
        #: run while the project loads comes here (the kit's own, mostly), and
        #: this is the whole of what most of them cost on top of the import.
        self._judged: dict[str, bool] = {}

    def _hook(
        self,
        name: str,
        globals: Mapping[str, Any] | None = None,
        locals: Mapping[str, Any] | None = None,
        fromlist: Sequence[str] | None = (),
        level: int = 0,
    ) -> Any:
        importer = globals.get("__name__") if globals else None
        if not isinstance(importer, str):
            return self._original(name, globals, locals, fromlist or (), level)
        judged = self._judged.get(importer)
        if judged is None:
            judged = self._judged[importer] = _is_project_module(importer)
        if judged:
            target = name
            if level:
                package = (globals or {}).get("__package__") or importer.rpartition(".")[0]
                try:
                    target = importlib.util.resolve_name("." * level + name, package)
                except (ImportError, ValueError):
                    target = ""
            if target and _is_project_module(target):
                found = self.edges.setdefault(importer, set())
                found.add(target)
                # `from alerts import _lib` imports a submodule through the package.
                found.update(f"{target}.{item}" for item in fromlist or () if item != "*")
        return self._original(name, globals, locals, fromlist or (), level)

    @contextmanager
    def active(self) -> Iterator[None]:
        builtins.__import__ = self._hook
        try:
            yield
        finally:
            builtins.__import__ = self._original


@contextmanager
def _parse_each_expression_once() -> Iterator[None]:
    """Share PromQL parses between the per-module lint runs of one compile.

    A clean build lints the whole project in one context, which parses each
    distinct expression once; per-module contexts would parse shared expressions
    once per module. ``promql_parser.parse`` is a pure function of its text.
    """
    try:
        import promql_parser
    except ImportError:  # pragma: no cover - a dependency; nothing to share without it
        yield
        return
    original = promql_parser.parse
    done: dict[str, Any] = {}

    def parse(expr: str) -> Any:
        hit = done.get(expr)
        if hit is None:
            try:
                hit = (original(expr), None)
            except Exception as exc:  # replayed to every caller, like the parser would
                hit = (None, exc)
            done[expr] = hit
        if hit[1] is not None:
            raise type(hit[1])(*hit[1].args)  # a fresh one: re-raising grows the traceback
        return hit[0]

    promql_parser.parse = parse  # type: ignore[assignment]
    try:
        yield
    finally:
        promql_parser.parse = original


class _Sources:
    """sha256 of project module sources by import name, read once per build.

    A file whose stat (mtime, ctime, size, inode) matches the previous build's is
    not read again, unless it was modified less than :data:`~obs_as_code.cache.RACY_NS` before it was
    hashed: a write in the same timestamp tick could then leave the stat unchanged
    (git's "racily clean" rule).
    """

    def __init__(self, root: Path, refs: Sequence[ModuleRef], known: Mapping[str, cache_mod.FileStat]) -> None:
        self.root = root
        self.by_name: dict[str, str | None] = {r.name: r.path for r in refs}
        self.known = known
        self.stats: dict[str, cache_mod.FileStat] = {}
        self._hashes: dict[str, str] = {}

    def path_of(self, name: str) -> str | None:
        if name in self.by_name:
            return self.by_name[name]
        # Not a discovered module (a package folder without __init__.py, mostly):
        # asked for by every module under it, so looked up once.
        found: str | None = None
        base = name.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if (self.root / candidate).is_file():
                found = candidate
                break
        self.by_name[name] = found
        return found

    def hash_of(self, name: str) -> str:
        path = self.path_of(name)
        if path is None:
            return "<none>"  # a namespace package, or a module that does not exist (yet)
        found = self._hashes.get(path)
        if found is None:
            found = self._hash(path)
            self._hashes[path] = found
        return found

    def _hash(self, path: str) -> str:
        now = time.time_ns()
        try:
            st = os.stat(self.root / path)
        except OSError:
            return "<unreadable>"
        key = (st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino)
        old = self.known.get(path)
        if old is not None and old[:4] == key and cache_mod.settled(key[0], key[1], old[5]):
            self.stats[path] = old
            return old[4]
        try:
            digest = cache_mod.sha256((self.root / path).read_bytes())
        except OSError:
            return "<unreadable>"
        self.stats[path] = (*key, digest, now)
        return digest


def _closure(name: str, imports: Mapping[str, Sequence[str]]) -> set[str]:
    """Every project module ``name`` depends on, following recorded imports."""
    seen: set[str] = set()
    stack = [*_parents(name), *imports.get(name, ())]
    while stack:
        dep = stack.pop()
        if dep in seen or dep == name:
            continue
        seen.add(dep)
        stack.extend(_parents(dep))
        stack.extend(imports.get(dep, ()))
    seen.discard(name)
    return seen


def _key(fingerprint: str, ref: ModuleRef, sources: _Sources, imports: Mapping[str, Sequence[str]]) -> str:
    deps = {dep: sources.hash_of(dep) for dep in _closure(ref.name, imports)}
    return cache_mod.module_key(fingerprint, ref.path, sources.hash_of(ref.name), deps)


def _drop_stale_bytecode(root: Path, refs: Sequence[ModuleRef], sources: _Sources, old: Mapping[str, ModuleEntry]) -> None:
    """Delete the ``__pycache__`` entry of every module whose source changed.

    Python trusts a ``.pyc`` whose recorded source mtime (whole seconds) and size
    match: an edit saved within the second of the previous one, at the same size
    (``for_="5m"`` -> ``"6m"``), would run the old code. We know from the content
    hash which sources changed, so their bytecode is compiled afresh.
    """
    for ref in refs:
        entry = old.get(ref.path)
        if entry is None or entry.source == sources.hash_of(ref.name):
            continue  # unchanged, or no record to tell (a cold cache must not recompile everything)
        with suppress(OSError, NotImplementedError, ValueError):
            os.unlink(importlib.util.cache_from_source(str(root / ref.path)))


def _added(before: list[str]) -> Iterable[str]:
    """The names in ``sys.modules`` now that are not in ``before`` (its keys then).

    A dict keeps insertion order: while no name of ``before`` was removed, they
    are still its first keys, in the same order, and the rest are the new ones
    (comparing the lists is a fraction of making two sets of every module's name,
    twice per module loaded). Otherwise, the set difference."""
    after = list(sys.modules)
    if after[: len(before)] == before:
        return after[len(before) :]
    return set(after).difference(before)


def _load_dirty(root: Path, dirty: Sequence[ModuleRef], sources: _Sources) -> tuple[dict[str, list[Definition]], dict[str, ModuleEntry]]:
    """Import ``dirty`` modules (in order) and make their cache entries."""
    definitions: dict[str, list[Definition]] = {}
    entries: dict[str, ModuleEntry] = {}
    recorder = _ImportRecorder()
    token = project_root.set(str(root))
    sys.path.insert(0, str(root))
    _forget_project_modules()
    try:
        with recorder.active():
            for ref in dirty:
                before = list(sys.modules)
                file_token = loading_file.set(str(root / ref.path))
                failed: Diagnostic | None = None
                module: Any = None
                try:
                    module = import_project_module(root, ref)
                except (Exception, SystemExit) as exc:  # user code may raise anything
                    failed = exception_diagnostic(exc, ref, root)
                finally:
                    loading_file.reset(file_token)
                # Import statements come from the hook (even of modules imported
                # before); the sys.modules diff adds what only importlib loaded.
                new = {m for m in _added(before) if _is_project_module(m) and m != ref.name}
                imports = tuple(sorted(recorder.edges.get(ref.name, set()) | new))
                held: list[Definition] = []
                if module is not None:
                    seen: set[int] = set()
                    for _name, definition in collect(module, ref, root):
                        if definition.location.file != ref.path:
                            # Declared elsewhere: ownership needs the whole project.
                            raise _Fallback(f"{ref.path} exposes a definition declared in {definition.location.file}")
                        if id(definition) not in seen:
                            seen.add(id(definition))
                            definition.module = ref.path
                            held.append(definition)
                diagnostics: tuple[Diagnostic, ...] = ()
                if failed is not None:
                    diagnostics = (failed,)
                elif not held and not ref.helper:
                    diagnostics = (declares_nothing(ref),)
                blob = cache_mod.pickle_definitions(held)
                definitions[ref.path] = held
                entries[ref.path] = ModuleEntry(
                    source=sources.hash_of(ref.name),
                    key="",  # set below, once every dirty module's imports are known
                    imports=imports,
                    definitions=blob,
                    definitions_hash=cache_mod.sha256(blob) if blob is not None else "",
                    diagnostics=diagnostics,
                    failed=failed is not None,
                    kinds=kinds_of(held),
                    context=context_hash(held),
                    recorded=recorded_names(held),
                    recording=recording_summary(held),
                    summaries=rule_summaries(held, root / ref.path),
                )
    finally:
        _forget_project_modules()
        # As the clean load does: capture()'s remembered frames hold the last
        # modules loaded, and through their package every module and definition.
        forget_callers()
        with suppress(ValueError):
            sys.path.remove(str(root))
        project_root.reset(token)
    return definitions, entries


class _LazyArtifact(Artifact):
    """An artifact restored from the cache: ``data`` and ``source_map`` are
    unpickled on first read (a build only needs the serialized content)."""

    _blobs: dict[str, cache_mod.Blob]

    @property
    def content(self) -> bytes:
        """The serialized bytes, copied out of the cache on first read (a build
        reads only the files it writes or cannot vouch for by their stamps)."""
        packed = self.__dict__.pop("_packed", None)
        if packed is not None:
            self._content = bytes(packed)
        return super().content

    def _lazy(self, name: str) -> Any:
        blob = self.__dict__.get("_blobs", {}).pop(name, None)
        if blob is not None:
            self.__dict__["_" + name] = pickle.loads(blob)
        return self.__dict__.get("_" + name)

    @property
    def data(self) -> Any:
        return self._lazy("data")

    @data.setter
    def data(self, value: Any) -> None:
        self.__dict__["_data"] = value

    @property
    def source_map(self) -> SourceMap:
        found: SourceMap = self._lazy("source_map")
        return found

    @source_map.setter
    def source_map(self, value: SourceMap) -> None:
        self.__dict__["_source_map"] = value

    @property
    def sha256(self) -> str:
        """The content's sha256, as cached with it (the manifest lists every file)."""
        found: str | None = self.__dict__.get("_sha256")
        return found if found else super().sha256


class _LazyProject(Project):
    """The project an incremental compile returns: its full definitions are
    unpickled only if someone reads them (every stage may have come from the cache)."""

    _materialize: Callable[[], list[Definition]] | None = None

    @property
    def definitions(self) -> list[Definition]:
        if self._materialize is not None:
            self.__dict__["_definitions"] = self._materialize()
            self._materialize = None
        found: list[Definition] = self.__dict__.get("_definitions", [])
        return found

    @definitions.setter
    def definitions(self, value: list[Definition]) -> None:
        self.__dict__["_definitions"] = value


def recorded_names(definitions: Sequence[Definition]) -> tuple[str, ...]:
    """The names the recording rules of ``definitions`` record, sorted."""
    from obs_as_code.model.rules import RecordingRule

    names = {r.name for d in definitions if isinstance(d, RuleGroup) for r in d.rules if isinstance(r, RecordingRule)}
    return tuple(sorted(names))


#: The summary standing for a module's datasources in every stage reading nothing
#: else of it (all dashboard stages are keyed by the project's datasources): their
#: values and positions, so an edit that changes no datasource (a comment, an
#: import, a docstring) re-renders and re-checks no dashboard.
DATASOURCE_SUMMARY = "datasources"


def rule_summaries(definitions: Sequence[Definition], file: Path | None = None) -> tuple[tuple[str, str], ...]:
    """``(stage, hash of its summary)`` of the rule groups among ``definitions``
    for each stage of :data:`RULE_SUMMARIES` (a stage whose summary cannot be
    taken is left out: its key then uses the module's load key), and
    ``(DATASOURCE_SUMMARY, hash)`` of its datasources. ``file``: the module's
    source, whose ``# oac: ignore`` comments are part of every summary."""
    from obs_as_code.model.datasource import Datasource, DeletedDatasource

    groups = [d for d in definitions if isinstance(d, RuleGroup)]
    datasources = [d for d in definitions if isinstance(d, (Datasource, DeletedDatasource))]
    if not groups and not datasources:
        return ()
    marks = ignore_marks(file) if file is not None else ()
    out: list[tuple[str, str]] = []
    if datasources:
        with suppress(_NotPlain, RecursionError):
            key = cache_mod.data_key("summary", _plain([datasources, marks]))
            if key is not None:
                out.append((DATASOURCE_SUMMARY, key))
    if not groups:
        return tuple(out)
    for stage, summarize in RULE_SUMMARIES.items():
        try:
            key = cache_mod.data_key("summary", _plain([summarize(groups), marks]))
        except Exception:  # a malformed definition: the stage reports it, keyed by load key
            continue
        if key is not None:
            out.append((stage, key))
    return tuple(out)


def rule_identities(groups: Sequence[RuleGroup]) -> cache_mod.RuleIdentities | None:
    """Each named rule group of ``groups`` with the identity of each of its rules
    (OAC116's :func:`~obs_as_code.lint.rules.oac116_duplicate_across_groups.identity`),
    or None when a malformed group has none (OAC116 then runs)."""
    from obs_as_code.lint.rules.oac116_duplicate_across_groups import identity

    named = [g for g in groups if g.name]
    try:
        if not all(isinstance(g.name, str) for g in named):
            return None
        return tuple((g.name, tuple(identity(g, r) for r in g.rules)) for g in named)
    except Exception:  # labels that are no mapping, names that cannot be sorted: OAC103/OAC104's
        return None


def _rules_but_schedule(groups: Sequence[RuleGroup]) -> str | None:
    """A hash of ``groups`` but what says when rules run and what they annotate
    (intervals, ``for``, annotations): names, labels and expressions."""
    summary = [
        (g.name, sorted(g.labels.items()), [(type(r).__name__, r.name, r.expr, sorted(r.labels.items())) for r in g.rules])
        for g in groups
    ]
    # repr of strings, tuples and lists is the same in every run (no hash seed):
    # 2.4 times faster than data_key's walk over 19,500 rules. A value the model
    # would not let through with a changing repr (an object's address) only makes
    # the stage run again.
    return hashlib.blake2b(repr(summary).encode(), digest_size=16).hexdigest()


#: Project-wide stages reading a module's rule groups through what these functions
#: return for them. A value is taken the first time an incremental build needs it,
#: and kept in the module's cache entry (:meth:`_Compile.lazy_summary`): not in a
#: cold build, which would pay for every module what one edit at a time costs once
#: per module (as :data:`RULE_SUMMARIES` do, taken when a module is loaded).
LAZY_RULE_SUMMARIES: dict[str, Callable[[Sequence[RuleGroup]], Any]] = {
    # OAC116 runs only when two groups of different names share a rule identity
    # (:meth:`_Compile.no_rule_in_two_groups`).
    "identities": rule_identities,
    # What OAC504 and OAC510 read: an edit of an interval, a ``for`` or an
    # annotation reuses their results (:data:`LAZY_KEYED`).
    "rules": _rules_but_schedule,
}
#: Stage -> the summary of :data:`LAZY_RULE_SUMMARIES` its key uses (a string, or
#: None when one cannot be taken: then the module's load key).
LAZY_KEYED: dict[str, str] = {"OAC504": "rules", "OAC510": "rules"}


def ignore_marks(file: Path) -> tuple[tuple[int, str], ...]:
    """``(line, codes silenced)`` of every ``# oac: ignore`` comment in ``file``.

    A stage keyed by summaries reruns only when a summary changes, and its
    findings are cached after the comments silenced some: a comment added or
    dropped at the end of a line that moves nothing (so no position in a
    summary) would otherwise leave the finding as the last run decided."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # then the module failed to load: keyed by its source
        return ()
    if "oac:" not in text:
        return ()
    from obs_as_code.lint.engine import ignored_codes

    # Numbered as Python numbers lines (as lint.engine.suppressed reads them).
    marks = ((n, ignored_codes(line)) for n, line in enumerate(text.split("\n"), 1))
    return tuple((n, ",".join(sorted(codes))) for n, codes in marks if codes is not None)


class _RecordedElsewhere(Mapping[str, list[tuple[RuleGroup, Any]]]):
    """What a :data:`RECORDED_CHECKS` check run on one module sees as
    ``LintContext.recorded()``: every name the project records (the module's own
    rules as they are; for the others a stand-in rule with an empty expression,
    made when asked for), without a rule per name to walk for every module."""

    def __init__(self, names: frozenset[str], own: Mapping[str, list[tuple[RuleGroup, Any]]]) -> None:
        self._names = names
        self._own = own

    def __getitem__(self, name: str) -> list[tuple[RuleGroup, Any]]:
        found = self._own.get(name)
        if found is not None:
            return found
        if name not in self._names:
            raise KeyError(name)
        from obs_as_code.model.rules import RecordingRule
        from obs_as_code.source import SourceLocation

        where = SourceLocation("<other modules>", 0, 0)
        rule = RecordingRule(name=name, expr="")
        rule.location = where
        group = RuleGroup(name="<recorded elsewhere>", rules=[rule])
        group.location = where
        return [(group, rule)]

    def __contains__(self, name: object) -> bool:
        return name in self._names or name in self._own

    def __iter__(self) -> Iterator[str]:
        yield from self._names
        yield from (name for name in self._own if name not in self._names)

    def __len__(self) -> int:
        return len(self._names) + sum(1 for name in self._own if name not in self._names)


class _Cyclic(Exception):
    """Recording rules read each other in a cycle (see ``context_of``)."""


class _RecordedOnDemand(Mapping[str, list[tuple[RuleGroup, Any]]]):
    """What :meth:`~obs_as_code.lint.engine.LintContext.recorded` gives for the
    whole project, without unpickling every module: the names come from the
    cache's summaries, and the rules recording a name are unpickled when a check
    asks for that name (type inference reads the rules recording the names a
    module's queries use, transitively: a few modules, not all of them).

    ``sources`` maps each recorded name to the modules recording it in project
    order (loaded definitions, then generated ones, as :meth:`_Compile.project`
    orders them); ``groups_of`` gives a module's rule groups.
    """

    def __init__(self, sources: Mapping[str, Sequence[tuple[str, bool]]], groups_of: Callable[[str, bool], list[Any]]) -> None:
        self._sources = sources
        self._groups_of = groups_of
        self._by_module: dict[tuple[str, bool], Mapping[str, list[tuple[RuleGroup, Any]]]] = {}
        self._found: dict[str, list[tuple[RuleGroup, Any]]] = {}

    def _module(self, where: tuple[str, bool]) -> Mapping[str, list[tuple[RuleGroup, Any]]]:
        from obs_as_code.lint.engine import recording_rules

        found = self._by_module.get(where)
        if found is None:
            found = self._by_module[where] = recording_rules(self._groups_of(*where))
        return found

    def __getitem__(self, name: str) -> list[tuple[RuleGroup, Any]]:
        found = self._found.get(name)
        if found is None:
            found = self._found[name] = [pair for where in self._sources[name] for pair in self._module(where).get(name, ())]
        return found

    def __contains__(self, name: object) -> bool:
        return name in self._sources

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


_KINDS: dict[Any, tuple[str, ...]] = {}


def _kinds_of_type(cls: Any) -> tuple[str, ...]:
    """Names of ``cls`` and its base classes, sorted (computed once per class)."""
    found = _KINDS.get(cls)
    if found is None:
        found = _KINDS[cls] = tuple(sorted(c.__name__ for c in cls.__mro__ if c is not object))
    return found


def kinds_of(definitions: Sequence[Definition]) -> tuple[str, ...]:
    """Names of the classes (and base classes) of ``definitions``, sorted."""
    return tuple(sorted({name for d in definitions for name in _kinds_of_type(type(d))}))


def _tree_stamp(root: Path) -> str:
    """A hash of the name, size and times of every repository file that is not a
    project module: what :data:`FILE_STAGES` may read (runbook pages, windows
    tables). Skips hidden directories, ``build``, ``node_modules``, virtualenvs
    and bytecode."""
    h = hashlib.sha256()
    skip_dirs = {"build", "node_modules", "__pycache__"}
    for dirpath, dirnames, filenames in os.walk(root):
        if dirpath != str(root) and "pyvenv.cfg" in filenames:
            dirnames[:] = []  # a virtualenv: thousands of files no stage reads
            continue
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in skip_dirs)
        rel = os.path.relpath(dirpath, root)
        top = rel.split(os.sep, 1)[0]
        for name in sorted(filenames):
            if name.endswith(".pyc") or (top in PROJECT_DIRS and name.endswith(".py")):
                continue  # modules are keyed by their content already
            try:
                st = os.stat(os.path.join(dirpath, name))
            except OSError:
                continue
            h.update(f"{rel}/{name}|{st.st_size}|{st.st_mtime_ns}|{st.st_ctime_ns}|{st.st_ino}\n".encode())
    return h.hexdigest()


def _dumps(value: Any) -> bytes:
    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _source_map_blob(source_map: SourceMap) -> bytes:
    # A dashboard's lazy source map is kept unresolved (resolving it parses the
    # module: seconds over a large project, for positions only diagnostics use).
    if getattr(source_map, "pending", False):
        try:
            return _dumps(source_map)
        except (pickle.PicklingError, TypeError, AttributeError):
            pass
    return _dumps(dict(source_map))


def _to_cached(artifacts: Sequence[Artifact]) -> tuple[CachedArtifact, ...]:
    return tuple(
        CachedArtifact(a.path, _dumps(a.data), a.format, tuple(a.sources), _source_map_blob(a.source_map), a.content, a.sha256)
        for a in artifacts
    )


def _from_cached(artifacts: Sequence[CachedArtifact]) -> list[Artifact]:
    out: list[Artifact] = []
    for c in artifacts:
        artifact = _LazyArtifact(c.path, None, c.format, c.sources)  # type: ignore[arg-type]
        artifact._blobs = {"data": c.data_blob, "source_map": c.source_map_blob}
        artifact.__dict__["_packed"] = c.content
        artifact.__dict__["_sha256"] = c.sha256
        out.append(artifact)
    return out


class _NotPlain(Exception):
    """A value :func:`_plain` cannot represent."""


def _plain(value: Any) -> Any:
    """``value`` as marshal-able data that does not depend on object identity
    (pickle's memo does: a definition unpickled from the cache shares fewer
    objects than a freshly loaded one, and would hash differently)."""
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return value
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, *(_plain(v) for v in value)]
    if isinstance(value, dict):
        return ["dict", *([_plain(k), _plain(v)] for k, v in value.items())]
    if isinstance(value, (set, frozenset)):
        return ["set", *sorted((_plain(v) for v in value), key=repr)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__qualname__, *(_plain(getattr(value, f.name)) for f in dataclasses.fields(value))]
    if isinstance(value, enum.Enum):
        return [type(value).__qualname__, _plain(value.value)]
    raise _NotPlain(type(value).__qualname__)


def context_hash(definitions: Sequence[Definition]) -> str | None:
    """A hash of the catalogs, scrape jobs and Prometheus configs among
    ``definitions`` (in order), or None when they cannot be hashed: what every
    :data:`SCOPED_CHECKS` run reads whole (catalog index, scrape labels and
    intervals). Recording rules are summarized by :func:`recording_summary`."""
    from obs_as_code.model.catalog import MetricsCatalog
    from obs_as_code.model.prometheus import PrometheusConfig, ScrapeJob

    try:
        kept = [_plain(d) for d in definitions if isinstance(d, (MetricsCatalog, ScrapeJob, PrometheusConfig))]
        blob = marshal.dumps(kept, 2)  # version 2: no shared references
    except (_NotPlain, ValueError, RecursionError):
        return None
    return cache_mod.sha256(blob)


#: What may name a series in PromQL (or a Grafana query): an over-approximation
#: (function names, label names and values match too), which is safe here.
_TOKEN = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")


def tokens(expr: str) -> tuple[str, ...]:
    """Every identifier in ``expr``, sorted."""
    return tuple(sorted(set(_TOKEN.findall(expr))))


def query_tokens(ctx: Any) -> tuple[str, ...]:
    """Every identifier of the queries of lint context ``ctx`` (its rules' and
    its dashboards' targets), sorted: ``tokens`` of each of ``ctx.queries()``
    merged. Read from the query parts, as the checks read them: no
    :class:`~obs_as_code.lint.engine.Query` is made per dashboard target, and
    each distinct text is scanned once (no identifier spans the newline joining
    them)."""
    parts = ctx._query_parts()
    texts = {q.expr for q in parts.rules}
    texts.update(expr for _dash, found in parts.panels for _path, _title, expr in found)
    return tokens("\n".join(texts))


#: (recorded name, hash of the rule's expression and labels with its group's
#: labels, the identifiers of its expression) of one recording rule.
Recording = tuple[str, str, tuple[str, ...]]


def recording_summary(definitions: Sequence[Definition]) -> tuple[Recording, ...] | None:
    """Each recording rule of ``definitions`` in order, as :data:`Recording`, or
    None when one cannot be hashed. A scoped check on a module reads the rules
    recording the names its queries use (types are inferred through them,
    transitively) and the set of every recorded name (OAC206 suggestions)."""
    from obs_as_code.model.rules import RecordingRule

    out: list[Recording] = []
    try:
        for d in definitions:
            if isinstance(d, RuleGroup):
                group_labels = _plain(d.labels)
                for r in d.rules:
                    if isinstance(r, RecordingRule):
                        detail = cache_mod.sha256(marshal.dumps([group_labels, r.expr, _plain(r.labels)], 2))
                        out.append((r.name, detail, tokens(r.expr)))
    except (_NotPlain, ValueError, RecursionError):
        return None
    return tuple(out)


def _run_renderer(fn: Callable[..., Any], project: Project) -> tuple[list[Artifact], list[Diagnostic]]:
    result = fn(project)
    if isinstance(result, tuple):
        artifacts, found = result
        return list(artifacts), list(found)
    return list(result), []


def _local_stage(
    root: Path,
    ref_path: str,
    definitions: list[Definition],
    checks: Sequence[Any],
    base: Any = None,
    scoped: Sequence[Any] = (),
    dashboards: Sequence[Any] | None = None,
) -> tuple[list[Diagnostic], dict[str, list[Artifact]], list[Diagnostic], tuple[str, ...]]:
    """Module-scope checks, scoped checks (on the project's lint context ``base``
    restricted to this module's definitions) and local renderers over one
    module's definitions. ``dashboards``: the module's dashboards as the scoped
    checks read them (``DashboardSource`` s, rendered with the project's
    datasources as in a clean build), when it holds any.

    Returns (check diagnostics, artifacts per renderer, renderer diagnostics, the
    identifiers of the module's queries: which recording rules the scoped checks read).
    """
    from obs_as_code.lint.engine import LintContext, run_checks

    sub = Project(root=root, modules=[], definitions=definitions)
    # The context pipeline.lint gives them in a clean build.
    found = run_checks(LintContext(sub), checks) if checks else []
    if scoped and base is not None:
        # The project-wide parts (catalog index, recording rules, inferred types,
        # parses) are shared with ``base``; what depends on the scope starts afresh.
        ctx = dataclasses.replace(
            base,
            scope=definitions,
            dashboards=list(dashboards or ()),
            file_diagnostics=[],
            _queries=None,
            _parsed_queries=None,
            _project_dashboards=dashboards is not None,
            _definitions=None,
        )
        found += run_checks(ctx, scoped)
        used = query_tokens(ctx)
    else:
        used = ()
    artifacts: dict[str, list[Artifact]] = {}
    render_diagnostics: list[Diagnostic] = []
    for target, (local, _project_part) in LOCAL_RENDERERS.items():
        try:
            made, diags = _run_renderer(_resolve(local), sub)
        except Exception as exc:
            raise _Fallback(f"{local} raised on {ref_path}") from exc
        artifacts[target] = made
        render_diagnostics.extend(diags)
    return found, artifacts, render_diagnostics, used


def fingerprint() -> str:
    """The package fingerprint including every registration list."""
    from obs_as_code import pipeline

    return cache_mod.package_fingerprint(
        [
            *pipeline.GENERATORS,
            "|",
            *pipeline.RENDERERS,
            "|",
            *ADAPTERS,
            "|",
            *sorted(MODULE_CHECKS),
            "|",
            *sorted(SCOPED_CHECKS),
            "|",
            *(f"{k}={v}" for k, v in sorted(LOCAL_RENDERERS.items())),
            "|",
            *(f"{k}={sorted(v)}" for k, v in sorted(STAGE_INPUTS.items())),
            "|",
            *sorted(FILE_STAGES),
            *sorted(BASE_INPUTS),
            "|",
            *(f"{k}={sorted(v)}" for k, v in sorted(GENERATOR_INPUTS.items())),
            "|",
            *(f"{k}={sorted(v)}" for k, v in sorted(RECORDED_CHECKS.items())),
            "|",
            *sorted(RECORDER_CHECKS),
            "|",
            *sorted(DASHBOARD_CHECKS),
            DASHBOARD_RENDERER,
            *DASHBOARD_PARTS,
            # Compiled or not (obs_as_code/_native.py): the same source pickles its
            # objects differently in each, so their caches are kept apart.
            f"native={_native.state()}",
        ]
    )


def compile_incremental(root: Path, memory: Memory | None = None, jobs: int = 1) -> Any:
    """Like :func:`obs_as_code.pipeline.compile_project`, reusing ``.oac-cache/``.

    Returns a ``pipeline.Compiled`` identical to a clean compile's (same
    artifacts byte for byte, same diagnostics) and updates the cache.
    """
    from obs_as_code import pipeline

    global last_run
    root = root.resolve()
    last_run = RunStats()
    _RESOLVED.clear()
    # Checks resolve user files (keyword positions) against the root, as in a clean compile.
    token = project_root.set(str(root))
    target = current_target.set(read_target(root))  # the project's Prometheus (a key of the cache)
    try:
        compiled, new_cache, changed = _compile(root, memory, jobs)
    except Exception as exc:  # _Fallback, or a stage failing on cached input: a clean compile decides
        last_run = RunStats(fallback=str(exc) if isinstance(exc, _Fallback) else f"{type(exc).__name__}: {exc}")
        compiled = pipeline.compile_project(root, jobs=jobs)
        new_cache, changed = BuildCache(fingerprint=_with_target(fingerprint())), True  # start afresh next time
        if memory is not None:
            memory.cache, memory.live = new_cache, {}
    finally:
        current_target.reset(target)
        project_root.reset(token)
    if changed and not any(not d.show_source for d in compiled.diagnostics):
        # A finding that may hold a secret (OAC109, OAC111, OAC501) keeps the cache as
        # it was: its entries (definitions, rendered files) would hold the secret.
        cache_mod.write(root, new_cache)
    return compiled


def _with_target(fp: str) -> str:
    """``fp`` with the project's Prometheus target: findings (PromQL and names
    judged as 2.42 or 3.x) depend on it, so a cache of another target is not used."""
    return f"{fp}|{current_target.get().key}"


def _compile(root: Path, memory: Memory | None, jobs: int) -> tuple[Any, BuildCache, bool]:
    return _Compile(root, memory, jobs).run()


def _title_keys(made: Sequence[Artifact]) -> tuple[str, ...]:
    """:func:`names.provisioned_title_key` of each dashboard file in ``made``: two
    modules with the same key hold dashboards Grafana sees as one title in one
    folder (OAC312, found by the project-wide rendering)."""
    return tuple(
        names.provisioned_title_key(names.dashboard_file_folder(a.path), str(a.data.get("title") or ""))
        for a in made
        if isinstance(a.data, dict) and a.path.startswith(_DASHBOARD_DIR)
    )


_DASHBOARD_DIR = "grafana/dashboards/"


class _Compile:
    """One incremental compile, stage by stage as a clean build runs them: load the
    changed modules, generate, module-local checks and renderers, dashboards per
    module, project-wide checks, checks per module, renderers. Each stage reuses
    the old cache's entry when its key (what it reads) is unchanged; the state the
    stages share is this object's."""

    def __init__(self, root: Path, memory: Memory | None, jobs: int) -> None:
        from obs_as_code import pipeline
        from obs_as_code.lint.engine import deferred_checks, describe_checks

        self.root, self.memory, self.jobs = root, memory, jobs
        if memory is not None and memory.fingerprint is None:
            memory.fingerprint = fingerprint()  # the running process's code cannot change
        fp = self.fp = _with_target(memory.fingerprint if memory is not None and memory.fingerprint else fingerprint())
        if memory is not None and memory.cache is not None and memory.cache.fingerprint == fp:
            self.old = memory.cache
        else:
            self.old = cache_mod.read(root, fp)
        unknown = [g for g in pipeline.GENERATORS if g not in GENERATOR_INPUTS]
        if unknown or len(pipeline.GENERATORS) > 1:
            # A generator may read the whole project, or another generator's output.
            raise _Fallback(f"generators {', '.join(pipeline.GENERATORS)} are not all module-local (GENERATOR_INPUTS), or more than one")
        self.reuse_live = memory is not None and not pipeline.GENERATORS
        self.live: dict[str, tuple[str, list[Definition]]] = {}
        self.refs = discover(root)
        self.sources = _Sources(root, self.refs, self.old.stats)
        self._stamp: str | None = None
        #: Whether anything was computed afresh (the cache then needs writing).
        self.touched = False
        # Described once per fingerprint; a check's module is imported when it runs.
        self.described = self.old.checks or describe_checks()
        all_checks = deferred_checks(self.described)
        self.module_checks = [c for c in all_checks if c.code in MODULE_CHECKS]
        self.scoped_checks = [c for c in all_checks if c.code in SCOPED_CHECKS]
        self.per_module = {**RECORDED_CHECKS, **SHARED_CHECKS}
        self.recorded_checks = [c for c in all_checks if c.code in self.per_module]
        self.project_checks = [
            c for c in all_checks if c.code not in MODULE_CHECKS and c.code not in SCOPED_CHECKS and c.code not in self.per_module
        ]
        self.modules: dict[str, ModuleEntry] = {}
        #: module path -> its full definitions, or a function unpickling them on demand.
        self.full: dict[str, list[Definition] | Callable[[], list[Definition]]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.generated: dict[str, GeneratedEntry] = {}
        #: module path -> its generated definitions, None where not unpickled yet.
        self.gen_defs: dict[str, list[Definition | None]] = {}
        self.materialized: dict[frozenset[str] | None, Project] = {}
        self.context: str | None = None
        #: recorded name -> (detail hash, identifiers) of each rule recording it, in project order.
        self.recording: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
        #: recorded name -> (digest of its first rule, recorded names that rule reads); per build.
        self.per_name: dict[str, tuple[str, frozenset[str]]] = {}
        #: recorded name -> a digest of its rules and, recursively, of the rules
        #: recording what they read (a Merkle hash: each name's closure once per build).
        self.digests: dict[str, str] = {}
        #: recorded name -> the modules recording it, in project order (loaded
        #: definitions, then generated ones): (module path, generated?).
        self.recorders: dict[str, list[tuple[str, bool]]] = {}
        self._base: Any = None
        #: known scrape jobs -> the parse caches of every lint context of this build
        #: with those jobs (see :meth:`parse_caches`).
        self._parse_caches: dict[frozenset[str], dict[str, dict[str, Any]]] = {}
        self.local: dict[str, LocalEntry] = {}
        self.local_artifacts: dict[str, list[CachedArtifact]] = {t: [] for t in LOCAL_RENDERERS}
        self.render_diagnostics: list[Diagnostic] = []
        self.stages: dict[str, StageEntry] = {}
        # Dashboards per module (DASHBOARD_CHECKS): module -> (check findings, rendered files).
        self.by_dashboard_module: dict[str, tuple[StageEntry, StageEntry]] = {}
        #: module path -> the project its dashboards were rendered in this build.
        self.dashboard_projects: dict[str, Project] = {}
        self.partitioned = DASHBOARD_RENDERER in pipeline.RENDERERS
        self.ds_key = ""
        #: module path -> its index in project order.
        self.position = {ref.path: i for i, ref in enumerate(self.refs)}
        self._holding: dict[tuple[frozenset[str], bool], list[str]] = {}
        self._filtered: dict[tuple[frozenset[str], str, bool], list[Definition]] = {}
        self._kinds: dict[str, frozenset[str]] = {}  # see kinds(), once generation is done

    def run(self) -> tuple[Any, BuildCache, bool]:
        """The compiled project, the new cache and whether it differs from the old."""
        self.load()
        self.generate()
        # Every stage's per-module contexts share the parses (a clean build's one
        # context parses each distinct expression, or shape, once).
        with _parse_each_expression_once():
            # Dashboards first: their renderings serve the module's scoped checks.
            # (Stage order does not show: diagnostics are sorted at the end.)
            self.check_dashboards()
            self.check_modules()
            self.check_project()
            self.check_per_module()
            artifacts = self.render()
        return self.finish(artifacts)

    # --- shared lookups ---------------------------------------------------------
    def tree_stamp(self) -> str:
        if self._stamp is None:
            self._stamp = _tree_stamp(self.root)
        return self._stamp

    def definitions_of(self, path: str) -> list[Definition]:
        found = self.full[path]
        if not isinstance(found, list):
            found = self.full[path] = found()
        if self.reuse_live and self.modules[path].definitions_hash:
            self.live[path] = (self.modules[path].definitions_hash, list(found))
        return found

    def generated_of(self, path: str, reads: frozenset[str] | None = None) -> list[Definition]:
        """The definitions generated for module ``path`` (of the classes ``reads`` only)."""
        found = self.gen_defs.get(path)
        if found is None:
            return []
        parts = self.generated[path].parts
        out: list[Definition] = []
        for i, (kinds, blob) in enumerate(parts):
            if reads is not None and not reads.intersection(kinds):
                continue
            definition = found[i]
            if definition is None:
                definition = found[i] = pickle.loads(blob)[0]
            out.append(definition)
        return out

    def project(self, reads: frozenset[str] | None = None) -> Project:
        """The project as a clean build sees it, unpickled on first use; with
        ``reads``, only its definitions of those classes (what a stage declared in
        :data:`STAGE_INPUTS` may read): other modules stay pickled."""
        hit = self.materialized.get(reads)
        if hit is None:
            refs = self.refs
            if reads is None:
                defs = [d for ref in refs for d in self.definitions_of(ref.path)]
            else:
                defs = [
                    d
                    for ref in refs
                    if reads.intersection(self.modules[ref.path].kinds)
                    for d in self.definitions_of(ref.path)
                    if reads.intersection(_kinds_of_type(type(d)))
                ]
            defs += [d for ref in refs if ref.path in self.generated for d in self.generated_of(ref.path, reads)]
            hit = self.materialized[reads] = Project(root=self.root, modules=list(refs), definitions=defs)
        return hit

    def with_shared(self, kinds: frozenset[str], module: str) -> list[Definition]:
        """Module ``module``'s definitions and every other module's definitions of
        ``kinds``, in project order (loaded, then generated: the first catalog
        listing a metric wins, as in a clean build)."""
        out: list[Definition] = []
        own = self.position.get(module)
        for made in (False, True):
            source = self.generated_of if made else self.definitions_of
            placed = own is None
            for path in self._holders(kinds, made):
                if own is not None and not placed and self.position[path] >= own:
                    out.extend(source(module))
                    placed = True
                    if path == module:
                        continue
                out.extend(self._shared(kinds, path, made))
            if not placed:
                out.extend(source(module))
        return out

    def _holders(self, kinds: frozenset[str], made: bool) -> list[str]:
        """The modules whose loaded (or generated) definitions include ``kinds``, in
        project order: found once per build (every dashboard module asks)."""
        found = self._holding.get((kinds, made))
        if found is None:
            found = self._holding[(kinds, made)] = [
                ref.path
                for ref in self.refs
                if kinds.intersection(
                    (self.generated[ref.path].kinds if ref.path in self.generated else ()) if made else self.modules[ref.path].kinds
                )
            ]
        return found

    def _shared(self, kinds: frozenset[str], path: str, made: bool) -> list[Definition]:
        """Module ``path``'s definitions of ``kinds`` (made once per build)."""
        found = self._filtered.get((kinds, path, made))
        if found is None:
            source = self.generated_of if made else self.definitions_of
            found = self._filtered[(kinds, path, made)] = [d for d in source(path) if kinds.intersection(_kinds_of_type(type(d)))]
        return found

    def stage_key(self, name: str, extra: str = "", kinds: frozenset[str] | None = None, *, lazy: bool = False) -> str:
        """Hash of the load keys of the modules holding what ``name`` reads
        (``kinds``, by default its :data:`STAGE_INPUTS`); with ``lazy``, of their
        :data:`LAZY_RULE_SUMMARIES` for a module giving it only rule groups."""
        reads = STAGE_INPUTS.get(name) if kinds is None else kinds
        summarized = name in RULE_SUMMARIES and reads is not None
        lazy = lazy and name in LAZY_KEYED and reads is not None

        def token(path: str, made: bool, entry: ModuleEntry | GeneratedEntry) -> str:
            # A module that gives the stage only rule groups (or only datasources):
            # their summary stands for them.
            key = entry.key
            if reads is None:
                return key
            given = reads.intersection(entry.kinds)
            if lazy and given <= RULE_GROUPS:
                value = self.lazy_summary(path, made, LAZY_KEYED[name])
                return f"~{value}" if isinstance(value, str) else key
            if summarized and given <= RULE_GROUPS:
                return dict(entry.summaries).get(name, key)
            if given and given <= _DATASOURCES:
                return dict(entry.summaries).get(DATASOURCE_SUMMARY, key)
            return key

        h = hashlib.sha256(f"{self.fp}|{name}|{extra}".encode())
        for ref in self.refs:
            entry = self.modules[ref.path]
            if reads is None or reads.intersection(entry.kinds):
                h.update(f"|{ref.path}={token(ref.path, False, entry)}".encode())
        for ref in self.refs:
            gen = self.generated.get(ref.path)
            if gen is not None and (reads is None or reads.intersection(gen.kinds)):
                h.update(f"|+{ref.path}={token(ref.path, True, gen)}".encode())
        if name in FILE_STAGES:
            h.update(f"|files={self.tree_stamp()}".encode())
        return h.hexdigest()

    # --- stages -----------------------------------------------------------------
    def load(self) -> None:
        """Import the modules whose key changed; the others' entries are reused."""
        fp, old, refs, sources = self.fp, self.old, self.refs, self.sources
        old_imports = {r.name: old.modules[r.path].imports for r in refs if r.path in old.modules}
        dirty: list[ModuleRef] = []
        for ref in refs:
            entry = old.modules.get(ref.path)
            if entry is None or entry.definitions is None or entry.key != _key(fp, ref, sources, old_imports):
                dirty.append(ref)
        _drop_stale_bytecode(self.root, dirty, sources, old.modules)
        loaded, fresh = _load_dirty(self.root, dirty, sources) if dirty else ({}, {})
        last_run.loaded = [r.path for r in dirty]
        self.touched = bool(dirty)
        imports = {**old_imports, **{r.name: fresh[r.path].imports for r in dirty}}
        memory = self.memory
        for ref in refs:
            if ref.path in fresh:
                entry = dataclasses.replace(fresh[ref.path], key=_key(fp, ref, sources, imports))
                self.full[ref.path] = loaded[ref.path]
            else:
                entry = old.modules[ref.path]
                assert entry.definitions is not None
                kept = memory.live.get(ref.path) if memory is not None and self.reuse_live else None
                if kept is not None and kept[0] == entry.definitions_hash:
                    self.full[ref.path] = list(kept[1])
                else:
                    self.full[ref.path] = functools.partial(pickle.loads, entry.definitions)
            self.modules[ref.path] = entry
            self.diagnostics.extend(entry.diagnostics)

    def generate(self) -> None:
        """Generators, per module holding what they read (module order, like the
        clean generator walking ``project.all(...)``)."""
        from obs_as_code import pipeline

        fp, old = self.fp, self.old
        for target in pipeline.GENERATORS:
            reads = GENERATOR_INPUTS[target]
            for ref in self.refs:
                entry = self.modules[ref.path]
                if not reads.intersection(entry.kinds):
                    continue
                extra = f"|{self.tree_stamp()}" if target in FILE_STAGES else ""
                gkey = cache_mod.sha256(f"{fp}|{target}|{ref.path}|{entry.key}{extra}".encode())
                hit_gen = old.generated.get(ref.path)
                if hit_gen is not None and hit_gen.key == gkey:
                    self.generated[ref.path] = hit_gen
                    self.gen_defs[ref.path] = [None] * len(hit_gen.parts)
                    continue
                self.touched = True
                last_run.ran.append(f"{target}@{ref.path}")
                own = self.definitions_of(ref.path)
                sub = Project(root=self.root, modules=[ref], definitions=list(own))
                found = list(_resolve(target)(sub))
                added = sub.definitions[len(own):]
                # One pickle per definition: a stage reading rule groups need not
                # unpickle the generated dashboards.
                parts: list[tuple[tuple[str, ...], bytes]] = []
                for definition in added:
                    blob = cache_mod.pickle_definitions([definition])
                    if blob is None:
                        raise _Fallback(f"{target} made definitions for {ref.path} that cannot be cached")
                    parts.append((_kinds_of_type(type(definition)), blob))
                self.generated[ref.path] = GeneratedEntry(
                    gkey,
                    tuple(parts),
                    cache_mod.sha256(b"".join(blob for _k, blob in parts)),
                    kinds_of(added),
                    context_hash(added),
                    tuple(found),
                    recorded_names(added),
                    recording_summary(added),
                    rule_summaries(added, self.root / ref.path),
                    (),
                    GENERATOR_CLAIMS[target](own) if target in GENERATOR_CLAIMS else (),
                )
                self.gen_defs[ref.path] = list(added)
        claimed: dict[str, str] = {}
        for path, made in self.generated.items():
            for claim in made.claims:
                other = claimed.setdefault(claim, path)
                if other != path:
                    raise _Fallback(f"{other} and {path} both declare {claim!r}: the clean generator reports it")
        for made_gen in self.generated.values():
            self.diagnostics.extend(made_gen.diagnostics)
        for ref in self.refs:
            for name in self.modules[ref.path].recorded:
                self.recorders.setdefault(name, []).append((ref.path, False))
        for ref in self.refs:
            if ref.path in self.generated:
                for name in self.generated[ref.path].recorded:
                    self.recorders.setdefault(name, []).append((ref.path, True))

    def about(self, name: str) -> tuple[str, frozenset[str]]:
        # Scoped checks read of a recorded name only whether it is recorded and
        # the first rule recording it, in project order (type inference, see
        # LintContext._resolve): many SLOs record the same names, and a change to
        # one SLO's rules must not re-check every module using those names.
        found = self.per_name.get(name)
        if found is None:
            detail, used = self.recording[name][0]
            found = self.per_name[name] = (detail, frozenset(t for t in used if t in self.recording))
        return found

    def digest_of(self, name: str, open_: set[str]) -> str:
        found = self.digests.get(name)
        if found is None:
            if name in open_:
                raise _Cyclic(name)
            open_.add(name)
            detail, reads = self.about(name)
            below = "".join(f"|{r}>{self.digest_of(r, open_)}" for r in sorted(reads))
            open_.discard(name)
            found = self.digests[name] = cache_mod.sha256(f"{name}={detail}{below}".encode())
        return found

    def context_of(self, used: Sequence[str]) -> str:
        """The project-wide context of a module whose queries use ``used``: the
        static part and the rules recording those names, transitively."""
        names = sorted({name for name in used if name in self.recording})
        try:
            return cache_mod.sha256(f"{self.context}{''.join(f'|{n}>{self.digest_of(n, set())}' for n in names)}".encode())
        except (_Cyclic, RecursionError):
            pass
        # Recording rules that read each other in a cycle: hash the closure as a set.
        seen: set[str] = set()
        stack = list(names)
        while stack:
            name = stack.pop()
            if name not in seen:
                seen.add(name)
                stack.extend(self.about(name)[1] - seen)
        return cache_mod.sha256(f"{self.context}~{''.join(f'|{name}={self.about(name)[0]}' for name in sorted(seen))}".encode())

    def base(self) -> Any:
        """The lint context every module's scoped checks start from (built once)."""
        if self._base is None:
            from obs_as_code.lint.engine import LintContext

            # The recording rules are read on demand (_RecordedOnDemand): the
            # context holds the other classes it reads.
            ctx = LintContext(self.project(BASE_INPUTS - {"RuleGroup"}))

            def groups_of(path: str, made: bool) -> list[Any]:
                found = self.generated_of(path, RULE_GROUPS) if made else self.definitions_of(path)
                return [d for d in found if isinstance(d, RuleGroup)]

            ctx._recorded = _RecordedOnDemand(self.recorders, groups_of)
            # Computed once here, shared by every module's scoped context.
            for name, memo in self.parse_caches(ctx.known_jobs()).items():
                setattr(ctx, name, memo)
            ctx.scrape_interval(None)
            _ = ctx.index, ctx.types
            self._base = ctx
        return self._base

    def parse_caches(self, jobs: frozenset[str]) -> dict[str, dict[str, Any]]:
        """The parse caches (texts to promql-parser ASTs and to trees, panel
        queries and their value-blind keys to trees) of this build's lint
        contexts whose project knows the scrape jobs ``jobs``: what they hold is
        a function of the text and those jobs alone (:meth:`LintContext.tree`),
        and a tree holds no finding or type (those are cached per context). So
        the dashboards-only contexts and the scoped contexts of a project
        without jobs parse each query once between them: with one cache each,
        a first build of 1,000 dashboards made every panel's tree twice.
        """
        found = self._parse_caches.get(jobs)
        if found is None:
            found = self._parse_caches[jobs] = {"_trees": {}, "_parsed": {}, "_panel_trees": {}, "_blind_trees": {}}
        return found

    def check_modules(self) -> None:
        """Module-local stages, cached by a hash of each module's definitions and,
        for scoped checks, of what they read of the whole project."""
        refs, modules, generated, scoped_checks = self.refs, self.modules, self.generated, self.scoped_checks
        contexts = [modules[r.path].context for r in refs] + [generated[r.path].context for r in refs if r.path in generated]
        summaries = [modules[r.path].recording for r in refs] + [generated[r.path].recording for r in refs if r.path in generated]
        if scoped_checks and all(c is not None for c in contexts) and all(r is not None for r in summaries):
            for summary in summaries:
                for name, detail, used in summary or ():
                    self.recording.setdefault(name, []).append((detail, used))
            every_name = "\n".join(sorted(self.recording))
            self.context = cache_mod.sha256(("|".join(c or "" for c in contexts) + "|" + every_name).encode())
        pending: dict[str, tuple[str | None, list[Diagnostic], dict[str, list[Artifact]], list[Diagnostic], tuple[str, ...]]] = {}
        for ref in refs:
            module_path = ref.path
            entry = modules[module_path]
            if entry.failed or not (entry.kinds or module_path in generated):
                continue  # nothing to check or render (the clean build sees no definition of it)
            # The module's source too: findings point at keyword arguments in it.
            defs_hash = cache_mod.sha256(f"{entry.definitions_hash}|{entry.source}".encode()) if entry.definitions_hash else None
            if defs_hash and module_path in generated:
                defs_hash = cache_mod.sha256(f"{defs_hash}|{generated[module_path].definitions_hash}".encode())
            with_dashboards = "DashboardDef" in self.kinds(module_path)
            if defs_hash and with_dashboards:
                # Its dashboards are rendered with the project's datasources.
                defs_hash = cache_mod.sha256(f"{defs_hash}|{self.ds_key}".encode())
            keyable = bool(defs_hash) and (self.context is not None or not scoped_checks)

            def key_of(used: Sequence[str], module_path: str = module_path, defs_hash: str | None = defs_hash) -> str:
                return cache_mod.sha256(f"{self.fp}|{module_path}|{defs_hash}|{self.context_of(used)}".encode())

            hit = self.old.local.get(module_path)
            # Same definitions, same identifiers: the old entry's tells which rules count.
            if keyable and hit is not None and hit.key == key_of(hit.tokens):
                self.local[module_path] = hit
                continue
            defs = self.definitions_of(module_path) + self.generated_of(module_path)
            dashboards = None
            if scoped_checks and with_dashboards:
                from obs_as_code.lint.files import project_dashboards
                from obs_as_code.model.dashboard import DashboardDef

                boards = [d for d in defs if isinstance(d, DashboardDef)]
                dashboards = project_dashboards(self.dashboard_project(ref), boards)
            found_diags, made_local, render_found, used = _local_stage(
                self.root, module_path, defs, self.module_checks, self.base() if scoped_checks else None, scoped_checks, dashboards
            )
            pending[module_path] = (key_of(used) if keyable else None, found_diags, made_local, render_found, used)
            last_run.rechecked.append(module_path)
        if pending:
            self.touched = True
            # Serialize every re-rendered module at once, so --jobs can spread it.
            from obs_as_code.parallel import serialize_all

            serialize_all([a for p in pending.values() for made in p[2].values() for a in made], self.jobs)
        for ref in refs:
            module_path = ref.path
            if module_path in pending:
                key, found_diags, made_local, render_found, used = pending[module_path]
                entry_local = LocalEntry(
                    key or "", tuple(found_diags), {t: _to_cached(m) for t, m in made_local.items()}, tuple(render_found), used
                )
                if key is not None:
                    self.local[module_path] = entry_local
            elif module_path in self.local:
                entry_local = self.local[module_path]
            else:
                continue
            self.diagnostics.extend(entry_local.diagnostics)
            self.render_diagnostics.extend(entry_local.render_diagnostics)
            for target, cached_made in entry_local.artifacts.items():
                self.local_artifacts[target].extend(cached_made)

    def kinds(self, path: str) -> frozenset[str]:
        """The classes module ``path`` holds definitions of, generated ones included."""
        found = self._kinds.get(path)
        if found is None:
            gen = self.generated.get(path)
            found = self._kinds[path] = frozenset(self.modules[path].kinds).union(gen.kinds if gen is not None else ())
        return found

    def dashboard_project(self, ref: ModuleRef) -> Project:
        """Module ``ref`` with the project's datasources: where its dashboards are
        rendered, once per build, for the dashboard checks, the scoped checks and
        OAC506 (made on first use)."""
        found = self.dashboard_projects.get(ref.path)
        if found is None:
            found = self.dashboard_projects[ref.path] = Project(
                root=self.root, modules=[ref], definitions=self.with_shared(_DATASOURCES, ref.path)
            )
        return found

    def check_dashboards(self) -> None:
        """Dashboard checks and files per module holding dashboards (unless two
        modules claim one UID: then the project-wide stages decide, as in a clean build)."""
        from obs_as_code.lint.engine import LintContext, run_checks

        self.ds_key = self.stage_key("dashboards:datasources", kinds=_DATASOURCES)
        if not self.partitioned:
            return
        fp, old, modules, generated = self.fp, self.old, self.modules, self.generated
        dash_checks = [c for c in self.project_checks if c.code in DASHBOARD_CHECKS]
        owners: dict[str, str] = {}
        # The modules holding only dashboards (and datasources): their contexts read
        # the same project-wide parts (none: no catalog, rules or jobs), so what a
        # check found in a tree serves them all, and their trees are those of any
        # context without jobs.
        shared: dict[str, Any] = {**self.parse_caches(frozenset()), "_tree_findings": {}}
        for ref in self.refs:
            gen = generated.get(ref.path)
            holds = self.kinds(ref.path)
            if "DashboardDef" not in holds:
                continue
            key = cache_mod.sha256(
                f"{fp}|dashboards|{ref.path}|{modules[ref.path].key}|{gen.key if gen else ''}|{self.ds_key}".encode()
            )
            found_checks = old.stages.get(f"dashboard-checks@{ref.path}")
            found_files = old.stages.get(f"dashboard-files@{ref.path}")
            if found_checks is None or found_files is None or found_checks.key != key or found_files.key != key:
                self.touched = True
                last_run.ran.append(f"dashboards@{ref.path}")
                sub = self.dashboard_project(ref)
                ctx = LintContext(sub, **shared) if holds <= _DASHBOARDS_ONLY else LintContext(sub)
                found_checks = StageEntry(key, tuple(run_checks(ctx, dash_checks)))
                try:
                    made, found = _run_renderer(_resolve(DASHBOARD_PARTS[0]), sub)
                except Exception as exc:
                    raise _Fallback(f"{DASHBOARD_PARTS[0]} raised on {ref.path}") from exc
                uids = tuple(str(a.data.get("uid")) for a in made if isinstance(a.data, dict))
                found_files = StageEntry(key, tuple(found), _to_cached(made), keys=uids + _title_keys(made))
            self.stages[f"dashboard-checks@{ref.path}"] = found_checks
            self.stages[f"dashboard-files@{ref.path}"] = found_files
            self.by_dashboard_module[ref.path] = (found_checks, found_files)
            for uid in set(found_files.keys):
                if owners.setdefault(uid, ref.path) != ref.path:
                    # A UID in two modules (the first declared keeps it), or a title
                    # in two modules' dashboards of one folder (OAC312): decided
                    # project-wide, as in a clean build.
                    self.partitioned = False
        if self.partitioned:
            for found_checks, _files in self.by_dashboard_module.values():
                self.diagnostics.extend(found_checks.diagnostics)
            self.project_checks = [c for c in self.project_checks if c.code not in DASHBOARD_CHECKS]

    def check_project(self) -> None:
        """Project-wide checks: reused when nothing they read changed; the rest run
        together on one context of the whole project (it shares parses and types)."""
        from obs_as_code.lint.engine import LintContext, run_checks

        to_run: list[tuple[Any, str]] = []
        for check in self.project_checks:
            key = self.stage_key(check.code)
            hit_stage = self.old.stages.get(check.code)
            if hit_stage is not None and hit_stage.key == key:
                self.stages[check.code] = hit_stage
                continue
            if check.code in LAZY_KEYED and hit_stage is not None:
                # Keyed by the modules' summaries from its second run on (a cold
                # build does not take them): the load keys above served a no-op.
                key = self.stage_key(check.code, lazy=True)
                if hit_stage.key == key:
                    self.stages[check.code] = hit_stage
                    continue
            if check.code == "OAC116" and hit_stage is not None and self.no_rule_in_two_groups():
                # No two rules it could report, found without unpickling every rule
                # group (once the modules' identities are known: not in a cold build).
                self.stages[check.code] = StageEntry(key, ())
            else:
                to_run.append((check, key))
        if to_run:
            self.touched = True
            # One context per set of inputs: checks reading the same classes share it.
            contexts_by_reads: dict[frozenset[str] | None, Any] = {}
            for check, key in to_run:
                last_run.ran.append(check.code)
                inputs = STAGE_INPUTS.get(check.code)
                ctx = contexts_by_reads.get(inputs)
                if ctx is None:
                    ctx = contexts_by_reads[inputs] = LintContext(self.project(inputs))
                self.stages[check.code] = StageEntry(key, tuple(run_checks(ctx, [check])))
        for check in self.project_checks:
            self.diagnostics.extend(self.stages[check.code].diagnostics)

    def lazy_summary(self, path: str, made: bool, summary: str) -> Any:
        """Module ``path``'s value of :data:`LAZY_RULE_SUMMARIES` ``summary`` (of its
        generated definitions with ``made``): from its cache entry, else taken now
        and kept there."""
        held: ModuleEntry | GeneratedEntry = self.generated[path] if made else self.modules[path]
        for name, value in held.lazy:
            if name == summary:
                return value
        defs = self.generated_of(path, RULE_GROUPS) if made else self.definitions_of(path)
        lazy = _completed(held.lazy, defs)
        value = dict(lazy)[summary]
        kept = dataclasses.replace(held, lazy=lazy)
        if isinstance(kept, GeneratedEntry):
            self.generated[path] = kept
        else:
            self.modules[path] = kept
        return value

    def no_rule_in_two_groups(self) -> bool:
        """Whether no rule identity (:func:`rule_identities`) of the project, loaded
        or generated, is in two rule groups of different names."""
        seen: dict[bytes, str] = {}
        for ref in self.refs:
            path = ref.path
            gen = self.generated.get(path)
            for made, held in ((False, self.modules[path]), (True, gen)):
                if held is None or "RuleGroup" not in held.kinds:
                    continue
                found = self.lazy_summary(path, made, "identities")
                if found is None:
                    return False
                for name, identities in found:
                    for ident in identities:
                        if seen.setdefault(ident, name) != name:
                            return False
        return True

    def check_per_module(self) -> None:
        """Checks run per module, against the names recorded elsewhere
        (:data:`RECORDED_CHECKS`) or the shared classes only (:data:`SHARED_CHECKS`)."""
        from obs_as_code.lint.engine import LintContext, run_checks

        if not self.recorded_checks:
            return
        elsewhere = frozenset(self.recorders)
        everything_hash = cache_mod.sha256("\n".join(sorted(elsewhere)).encode())
        # Which modules record each name (OAC502 takes label values from the
        # recording rules of an alert's module only when no other module records
        # the name: LintContext.recorded_modules).
        recorded_modules = {name: frozenset(path for path, _made in sources) for name, sources in self.recorders.items()}
        modules_hash = cache_mod.sha256(
            "\n".join(f"{name}={sorted(paths)}" for name, paths in sorted(recorded_modules.items())).encode()
        )
        for check in self.recorded_checks:
            code = check.code
            wanted = STAGE_INPUTS.get(code)  # None: every module with definitions
            shared = self.per_module[code]
            names_hash = everything_hash if code in RECORDED_CHECKS else modules_hash if code in RECORDER_CHECKS else ""
            shared_key = self.stage_key(f"{code}:shared", kinds=shared)
            for ref in self.refs:
                entry = self.modules[ref.path]
                gen = self.generated.get(ref.path)
                holds = self.kinds(ref.path)
                if not holds or (wanted is not None and not wanted.intersection(holds)):
                    continue
                name = f"{code}@{ref.path}"
                extra = f"|files={self.tree_stamp()}" if code in FILE_STAGES else ""
                key = cache_mod.sha256(
                    f"{self.fp}|{name}|{entry.key}|{gen.key if gen else ''}|{names_hash}|{shared_key}{extra}".encode()
                )
                hit_stage = self.old.stages.get(name)
                if hit_stage is None or hit_stage.key != key:
                    self.touched = True
                    last_run.ran.append(name)
                    sub = Project(root=self.root, modules=[ref], definitions=self.with_shared(shared, ref.path))
                    rendered = self.dashboard_projects.get(ref.path)
                    if rendered is not None:
                        from obs_as_code.dashboards.project import share_rendering

                        share_rendering(rendered, sub)
                    ctx = LintContext(sub)
                    if code in RECORDER_CHECKS:
                        ctx.recorded_modules = recorded_modules
                    if code in RECORDED_CHECKS:
                        # The names recorded anywhere (a name also recorded by the module changes nothing).
                        ctx._recorded = _RecordedElsewhere(elsewhere, ctx.recorded())
                    hit_stage = StageEntry(key, tuple(run_checks(ctx, [check])))
                self.stages[name] = hit_stage
                self.diagnostics.extend(hit_stage.diagnostics)

    def render(self) -> list[Artifact]:
        """Every renderer's artifacts, in the clean build's order."""
        from obs_as_code import pipeline

        fp, old, stages = self.fp, self.old, self.stages
        artifacts: list[Artifact] = []
        tolerant = has_errors(self.diagnostics)
        for target in pipeline.RENDERERS:
            if target == DASHBOARD_RENDERER and self.partitioned:
                files = [f for _checks, f in self.by_dashboard_module.values()]
                made_files = _from_cached([a for f in files for a in f.artifacts])
                dashboard_sources = [src for f in files for a in f.artifacts for src in a.sources]
                key = cache_mod.sha256(f"{fp}|provisioning|{self.ds_key}|{sorted(set(dashboard_sources))}".encode())
                rest = old.stages.get("dashboards:provisioning")
                if rest is None or rest.key != key:
                    self.touched = True
                    last_run.ran.append(DASHBOARD_PARTS[1])
                    datasource_only = Project(root=self.root, modules=list(self.refs), definitions=self.with_shared(_DATASOURCES, ""))
                    made, found = _run_renderer(
                        functools.partial(_resolve(DASHBOARD_PARTS[1]), dashboard_sources=dashboard_sources), datasource_only
                    )
                    rest = StageEntry(key, tuple(found), _to_cached(made))
                stages["dashboards:provisioning"] = rest
                artifacts.extend([*made_files, *_from_cached(rest.artifacts)])
                self.render_diagnostics.extend([d for f in files for d in f.diagnostics])
                self.render_diagnostics.extend(rest.diagnostics)
                continue
            split = LOCAL_RENDERERS.get(target)
            part = split[1] if split else target
            key = self.stage_key(part)
            hit_stage = old.stages.get(part)
            # A renderer that raised was skipped because earlier stages found errors;
            # without errors it must run again (and raise, as in a clean build).
            if hit_stage is not None and hit_stage.key == key and (tolerant or not hit_stage.failed):
                stage = stages[part] = hit_stage
            else:
                self.touched = True
                last_run.ran.append(part)
                failed = False
                try:
                    made, found = _run_renderer(_resolve(part), self.project(STAGE_INPUTS.get(part)))
                except Exception:
                    if not tolerant:
                        raise
                    made, found, failed = [], [], True  # skipped, as the clean build skips it
                stage = stages[part] = StageEntry(key, tuple(found), _to_cached(made), failed)
            if split:
                artifacts.extend(_from_cached(sorted(self.local_artifacts[target], key=lambda a: a.path)))
            artifacts.extend(_from_cached(stage.artifacts))
            self.render_diagnostics.extend(stage.diagnostics)
        paths = [a.path for a in artifacts]
        if len(set(paths)) != len(paths):
            raise _Fallback("two artifacts share a path: the clean build reports or merges them")
        return artifacts

    def finish(self, artifacts: list[Artifact]) -> tuple[Any, BuildCache, bool]:
        """The compiled project (its definitions unpickled only if read), the new
        cache and whether it differs from the old one."""
        from obs_as_code import pipeline

        old = self.old
        self.diagnostics += self.render_diagnostics
        lazy = _LazyProject(root=self.root, modules=list(self.refs))
        lazy._materialize = lambda: self.project().definitions
        compiled = pipeline.Compiled(lazy, with_manifest(artifacts), ordered(self.diagnostics))
        new = BuildCache(
            fingerprint=self.fp,
            modules=self.modules,
            local=self.local,
            generated=self.generated,
            stages=self.stages,
            stats=self.sources.stats,
            checks=self.described,
        )
        changed = (
            self.touched
            or self.sources.stats != old.stats
            or self.described != old.checks
            or self.modules.keys() != old.modules.keys()
            or self.local.keys() != old.local.keys()
            or self.generated.keys() != old.generated.keys()
            or self.stages.keys() != old.stages.keys()
        )
        if self.memory is not None:
            self.memory.cache, self.memory.live = new, self.live
        return compiled, new, changed
