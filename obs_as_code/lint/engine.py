"""Run the registered checks.

Every check lives in its own module under :mod:`obs_as_code.lint.rules`
(``oac108_promql_syntax.py``) and exposes ``CHECK``, a :class:`Check`; its docs
page is ``docs/lint/<CODE>.md``. The engine imports them all, runs those selected
and returns their diagnostics; it never stops at the first.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.lint.catalog import CatalogIndex
from obs_as_code.lint.promql3 import v3_syntax
from obs_as_code.lint.promql242 import later_syntax, reparse
from obs_as_code.lint.sites import Site, node_span, python_site
from obs_as_code.lint.types import (
    STRING_LITERAL,
    TARGET_LABELS,
    UNKNOWN,
    Inferer,
    MetricInfo,
    VType,
    info_from_name,
)
from obs_as_code.load import Project
from obs_as_code.model.base import Definition
from obs_as_code.model.catalog import MetricsCatalog
from obs_as_code.model.prometheus import PrometheusConfig, ScrapeJob
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.source import SourceLocation, at_project_root, file_lines
from obs_as_code.target import PrometheusTarget, current_target


@dataclass(frozen=True)
class Check:
    """A check: a stable ``code``, a short ``name``, a one-line ``summary`` and the
    function that yields diagnostics for a project."""

    code: str
    name: str
    summary: str
    run: Callable[[LintContext], Iterable[Diagnostic]]
    severity: Severity = Severity.ERROR
    #: Style and policy checks (``for``, severity label, runbook ...) that only
    #: ``oac lint`` runs; a build checks correctness.
    lint_only: bool = False
    #: False for the checks that stop a secret from reaching ``build/``: an
    #: ``# oac: ignore`` comment silencing one would let the build write the secret,
    #: so their findings stand whatever the comments say.
    suppressible: bool = True


@dataclass
class Query:
    """A PromQL expression to check: a rule's ``expr`` or a dashboard target."""

    expr: str
    #: "alert", "record" or "panel".
    origin: str
    #: Where the expression is written, or a function finding it: locating an
    #: expression in Python source costs an AST walk, paid only for diagnostics.
    _site: Site | Callable[[], Site | None] | None
    fallback: SourceLocation
    rule: AlertRule | RecordingRule | None = None
    group: RuleGroup | None = None
    #: Panel title (dashboards) for messages.
    title: str = ""
    #: Dashboard file or definition the panel belongs to.
    dashboard: str = ""
    #: The panel belongs to one of the project's own dashboards.
    in_project: bool = False
    #: The dashboard a panel query was read from.
    source: DashboardSource | None = None
    #: A panel query's data path in ``source.data``, to its ``expr``:
    #: ``(*panel path, "targets", k, "expr")``.
    path: tuple[str | int, ...] = ()

    @property
    def site(self) -> Site | None:
        """Where the expression is written (located on first use)."""
        found = self._site
        if callable(found):
            found = self._site = found()
        return found

    @property
    def what(self) -> str:
        """How messages name this query."""
        if self.rule is not None:
            slo = self.rule.labels.get("sloth_id") if self.origin == "record" and "sloth_window" in self.rule.labels else None
            if slo is not None and self.rule.location.file.endswith(".py"):
                # One SLI query, recorded over every window of an SLO (slo:sli_error:ratio_rate5m ...
                # 3d): a mistake in it is one finding, not one per window.
                return f"the SLI recording rules of SLO {slo!r}"
            return f"{'alert' if self.origin == 'alert' else 'recording rule'} {self.rule.name!r}"
        return f"panel {self.title!r}" if self.title else "panel query"

    def at(self, span: tuple[int, int] | None) -> SourceLocation:
        """The file position of ``expr[span[0]:span[1]]`` (the value's start when unknown)."""
        if self.site is None:
            return self.fallback
        return self.site.locate_in_expr(self.expr, span)


@dataclass
class DashboardSource:
    """A dashboard's JSON and where its targets are written."""

    name: str
    data: dict[str, Any]
    #: data path of a target -> its site; ``default`` for the rest.
    sites: dict[tuple[str | int, ...], Site] = field(default_factory=dict)
    default: Site | None = None
    fallback: SourceLocation = field(default_factory=lambda: SourceLocation("<unknown>"))
    #: True for the project's own dashboards (checked by the OAC3xx dashboard checks too).
    in_project: bool = False
    #: When set, where a target is written is found by this function on first use
    #: (``sites`` stays empty): positions that cost a parse, needed by diagnostics only.
    locate: Callable[[tuple[str | int, ...]], Site | None] | None = None
    #: The build's rendering ``data`` comes from (a ``RenderedDashboard``), when it
    #: does: its PromQL targets are listed once there, for every lint context.
    board: Any = None


def recording_rules(groups: Iterable[RuleGroup]) -> dict[str, list[tuple[RuleGroup, RecordingRule]]]:
    """The recording rules of ``groups`` by the name they record, in order."""
    out: dict[str, list[tuple[RuleGroup, RecordingRule]]] = {}
    for group in groups:
        for rule in group.rules:
            if isinstance(rule, RecordingRule):
                out.setdefault(rule.name, []).append((group, rule))
    return out


@dataclass
class LintContext:
    """What checks see: the project, an optional metrics catalog, parsed PromQL,
    inferred types, and where every expression and annotation is written."""

    project: Project
    catalog: Any = None
    #: When set, the definitions whose rules and dashboards are checked (one
    #: module's, for incremental builds); the catalog, recording rules and scrape
    #: configuration still come from the whole ``project``.
    scope: list[Definition] | None = None
    #: The Prometheus release the PromQL and names are judged for (the project's
    #: ``[tool.oac] prometheus-version``; by default the build's running, else 2.42).
    target: PrometheusTarget = field(default_factory=current_target)
    _parsed: dict[str, tuple[Any, str | None]] = field(default_factory=dict)
    _trees: dict[str, tuple[Any, str | None]] = field(default_factory=dict)
    #: (id(rule), "expr" | "annotations.<key>" | "labels") -> site, for rules read from
    #: YAML files; project rules are located through their Python source.
    sites: dict[tuple[int, str], Site] = field(default_factory=dict)
    #: Dashboards read from files (project dashboards are added on first use).
    dashboards: list[DashboardSource] = field(default_factory=list)
    #: The renderings (``RenderedDashboard``) of the dashboards read from files,
    #: which the dashboard checks read after the project's own.
    file_boards: list[Any] = field(default_factory=list)
    #: Default scrape interval in seconds when the project declares none (``--scrape-interval``).
    scrape_interval_default: float | None = None
    _index: CatalogIndex | None = None
    _indexed: bool = False
    _inferer: Inferer | None = None
    _queries: list[Query] | None = None
    _recorded: Mapping[str, list[tuple[RuleGroup, RecordingRule]]] | None = None
    _resolving: set[str] = field(default_factory=set)
    #: The modules whose rules record each name, when :meth:`recorded` holds some
    #: modules' rules only (an incremental build's per-module run of OAC502); else
    #: read from :meth:`recorded`'s groups.
    recorded_modules: Mapping[str, frozenset[str]] | None = None
    _project_dashboards: bool = False
    _intervals: dict[str | None, float | None] | None = None
    _scrape_labels: tuple[frozenset[str], frozenset[str]] | None = None
    _parsed_queries: list[tuple[Query, Any]] | None = None
    _trees_by_origin: dict[int, tuple[Any, frozenset[str]]] | None = None
    #: (check's function, id(tree)) -> what it found in the tree
    #: (:func:`~obs_as_code.lint.rules._promql.per_tree`). Like ``_trees``, shared
    #: by the scoped copies of one context an incremental build makes per module
    #: (their project-wide parts, which the findings depend on, are the same).
    _tree_findings: dict[tuple[Any, int], Any] = field(default_factory=dict)
    _jobs: frozenset[str] | None = None
    _definitions: list[Definition] | None = None
    #: Problems found while reading external files (reported by OAC219).
    file_diagnostics: list[Diagnostic] = field(default_factory=list)
    #: A panel query's text (before Grafana's variables are replaced) -> its tree,
    #: like ``_trees`` a function of the text alone, so shared by scoped copies.
    _panel_trees: dict[str, tuple[Any, str | None]] = field(default_factory=dict)
    #: :func:`reversed_blind` of a panel query -> its tree (as ``_panel_trees``).
    _blind_trees: dict[str, tuple[Any, str | None]] = field(default_factory=dict)
    #: What :meth:`queries` is made of, kept apart so that a build need not make a
    #: :class:`Query` per dashboard target (20,000 of them for 1,000 dashboards)
    #: when no check reports one: see :meth:`_query_parts`.
    _parts: _QueryParts | None = None

    def __post_init__(self) -> None:
        # A copy for another scope (``dataclasses.replace`` with ``_queries`` and
        # ``_parsed_queries`` reset, as incremental builds make) must not keep the
        # parts of the queries of the scope it was copied from.
        if self._queries is None and self._parsed_queries is None:
            self._parts = None

    def release(self) -> None:
        """Drop everything the checks computed and cached (trees, queries, sites,
        dashboards): once the checks have run. Those objects refer back to this
        context (queries hold its bound methods), so without this they wait for
        the cyclic collector, which then walks every one of them; dropped here,
        reference counting frees them at once. Not to be used afterwards."""
        keep = {"project", "catalog", "scope", "target", "scrape_interval_default", "file_diagnostics"}
        fresh = type(self)(self.project)
        for f in fields(self):
            if f.name not in keep:
                setattr(self, f.name, getattr(fresh, f.name))

    def parse(self, expr: str) -> tuple[Any, str | None]:
        """``(ast, None)`` or ``(None, error message)``: promql-parser's own AST of
        exactly ``expr``, parsed once per expression (for checks that need it as
        promql-parser gives it, e.g. ``promql_parser.walk``)."""
        hit = self._parsed.get(expr)
        if hit is None:
            hit = parse_promql(expr, self.target)
            self._parsed[expr] = hit
        return hit

    def tree(self, expr: str) -> tuple[Any, str | None]:
        """``(tree, None)`` or ``(None, error message)``: the AST wrapped in
        :class:`~obs_as_code.lint.types.Node`, which the type inference and the
        OAC2xx checks use.

        Built once per *shape*: expressions that differ only in equality-matcher
        values no check reads (``{path="/a"}`` and ``{path="/b"}``) share one
        tree, and so its inferred types. Large rule sets are mostly such
        variations. Regex values and values with escapes are kept, so a shape
        parses exactly when the expression does.
        """
        hit = self._trees.get(expr)
        if hit is None:
            key = shape(expr, self.known_jobs())
            hit = self._trees.get(key)
            if hit is None:
                hit = parse_tree(key, self.target)
                self._trees[key] = hit
            if hit[1] is not None and key != expr:
                # Report the user's own text: an error's line:column counts in it
                # (expressions of one shape differ in the length of their values).
                hit = parse_tree(expr, self.target)
            self._trees[expr] = hit
        return hit

    def known_jobs(self) -> frozenset[str]:
        """Names of the project's scrape jobs (their ``job=`` matchers matter)."""
        if self._jobs is None:
            self._jobs = frozenset(j.name for j in self.project.all(ScrapeJob))
        return self._jobs

    def definitions(self) -> list[Definition]:
        """Every definition reachable from the project's top-level ones, in walk
        order (:func:`obs_as_code.lint.rules._walk.definitions`). Walked once per
        lint: five checks read it, and each walk of a large project cost ~0.2 s."""
        if self._definitions is None:
            from obs_as_code.lint.rules._walk import definitions

            self._definitions = list(definitions(self.project))
        return self._definitions

    def rules(self) -> Iterator[tuple[RuleGroup, AlertRule | RecordingRule]]:
        """Every rule of every group (of the scope, when set), in declaration order."""
        groups = self.project.all(RuleGroup) if self.scope is None else [d for d in self.scope if isinstance(d, RuleGroup)]
        for group in groups:
            for rule in group.rules:
                yield group, rule

    # --- catalog and types -------------------------------------------------------
    @property
    def index(self) -> CatalogIndex | None:
        """The catalog given to the lint merged with the project's, or None."""
        if not self._indexed:
            sources: list[Any] = []
            given = self.catalog
            if isinstance(given, (list, tuple)):
                sources.extend(given)
            elif isinstance(given, CatalogIndex):
                sources.extend(given.metrics.values())
            elif given is not None:
                sources.append(given)
            sources.extend(self.project.all(MetricsCatalog))
            index = CatalogIndex.build(sources)
            if isinstance(given, CatalogIndex):
                index.open_labels |= given.open_labels
            self._index = index if len(index) else None
            self._indexed = True
        return self._index

    def recorded(self) -> Mapping[str, list[tuple[RuleGroup, RecordingRule]]]:
        """Recording rules by the name they record (in project order)."""
        if self._recorded is None:
            # The whole project's, whatever the scope: types come from every rule.
            self._recorded = recording_rules(self.project.all(RuleGroup))
        return self._recorded

    def known_metric(self, name: str) -> bool:
        """Listed by the catalog or recorded by a rule we lint."""
        index = self.index
        return (index is not None and index.family(name) is not None) or name in self.recorded()

    def _resolve(self, name: str) -> MetricInfo | None:
        index = self.index
        if index is not None:
            info = index.info(name)
            if info is not None:
                return self._scraped(name, info)
        recorded = self.recorded().get(name)
        if not recorded or name in self._resolving:
            return None
        self._resolving.add(name)
        try:
            group, rule = recorded[0]
            ast, problem = self.tree(rule.expr)
            if problem is not None:
                return None
            t = self.types.infer(ast)
        finally:
            self._resolving.discard(name)
        labels = t.labels
        if labels is not None:
            labels = labels | frozenset(rule.labels) | frozenset(group.labels)
        # A recorded series is whatever the expression computed (a recorded rate is
        # no longer a counter); its name fills in what the expression cannot tell
        # (node_disk_io_time_seconds_total recorded as node_disk_io_time_ms / 1000).
        named = info_from_name(name)
        kind = t.kind if t.kind != UNKNOWN else named.kind
        unit = t.unit or named.unit
        return MetricInfo(kind, unit, labels, t.bucket, t.certain, t.summed_counter)

    def _scraped(self, name: str, info: MetricInfo) -> MetricInfo:
        """``info`` as Prometheus stores it: a metric label that a target label of
        the exposing job also sets is overwritten, and the metric's own value is
        kept as ``exported_<label>`` (unless the job honours labels)."""
        index = self.index
        found = index.family(name) if index is not None else None
        open_jobs = self.open_jobs()
        if open_jobs and info.labels is not None and (found is None or not found[0].jobs or open_jobs & set(found[0].jobs)):
            # Scraped (or maybe scraped) by a job that may write any label.
            return replace(info, labels=None)
        if info.labels is None or found is None:
            return info
        renamed: set[str] = set()
        for job in self.project.all(ScrapeJob):
            if job.name not in found[0].jobs or job.honor_labels:
                continue
            renamed |= info.labels & _target_labels(job)
        if not renamed:
            return info
        exported = frozenset(f"exported_{label}" for label in renamed)
        return MetricInfo(info.kind, info.unit, info.labels | exported, info.bucket, info.certain, info.summed_counter, frozenset(renamed))

    @property
    def types(self) -> Inferer:
        """The type inferer (catalog, then recording rules, then naming conventions)."""
        if self._inferer is None:
            self._inferer = Inferer(self._resolve, TARGET_LABELS | self.scrape_labels())
        return self._inferer

    def type_of(self, node: Any) -> VType:
        """The inferred type of an AST node."""
        return self.types.infer(node)

    # --- scrape configuration ---------------------------------------------------
    def scrape_labels(self) -> frozenset[str]:
        """Labels scrape configs add to every series (target labels, the target
        labels of relabel and metric relabel configs), computed once: OAC220 asks
        for each tree it judges."""
        return self._scrape_parts()[0]

    def open_jobs(self) -> frozenset[str]:
        """Jobs whose series may carry any label: a ``labelmap``
        (``__meta_kubernetes_pod_label_(.+)`` -> any pod label) or a target label
        written from the regex's groups (``target_label: ${1}``). The labels of
        their metrics are unknown (:meth:`_scraped`)."""
        return self._scrape_parts()[1]

    def _scrape_parts(self) -> tuple[frozenset[str], frozenset[str]]:
        if self._scrape_labels is None:
            self._scrape_labels = _scrape_labels(self.project.all(ScrapeJob))
        return self._scrape_labels

    def scrape_interval(self, job: str | None) -> float | None:
        """Seconds between scrapes of ``job`` (the global interval when ``job`` is
        None or unknown), or None when the project declares no Prometheus config."""
        if self._intervals is None:
            configs = self.project.all(PrometheusConfig)
            default = self.scrape_interval_default
            if configs:
                default = _seconds(configs[0].scrape_interval) or default
            jobs: dict[str | None, float | None] = {None: default}
            for sj in self.project.all(ScrapeJob):
                jobs.setdefault(sj.name, (_seconds(sj.scrape_interval) if sj.scrape_interval is not None else None) or default)
            self._intervals = jobs
        return self._intervals.get(job, self._intervals[None])

    # --- where things are written -----------------------------------------------
    def site(self, rule: AlertRule | RecordingRule, key: str) -> Site | None:
        """Where ``expr`` or ``annotations.<key>`` of a rule is written."""
        hit = self.sites.get((id(rule), key))
        if hit is not None:
            return hit
        if rule.location.line <= 0 or not rule.location.file.endswith(".py"):
            return None
        if key.startswith("annotations."):
            base = python_site(self.project.root, rule.location, "annotations")
            inner = base.locate(f'"{key.split(".", 1)[1]}"')
            site = Site(base.file, base.path, inner.line, inner.col, base.end_line, base.end_col)
        else:
            site = python_site(self.project.root, rule.location, key)
        self.sites[(id(rule), key)] = site
        return site

    def annotation_location(self, rule: AlertRule | RecordingRule, key: str, token: str = "") -> SourceLocation:
        """Where annotation ``key`` (or ``token`` inside it) is written."""
        site = self.site(rule, f"annotations.{key}")
        if site is None:
            return rule.location
        return site.locate(token) if token else site.start

    def locate(self, query: Query, node: Any) -> SourceLocation:
        """The file position of ``node``'s token in ``query``."""
        ast, _problem = self.parse_query(query)
        return query.at(node_span(query.expr, ast, node) if ast is not None else None)

    def parse_query(self, query: Query) -> tuple[Any, str | None]:
        """The wrapped tree of a query; dashboard template variables are replaced first."""
        return self.panel_tree(query.expr) if query.origin == "panel" else self.tree(query.expr)

    def panel_tree(self, expr: str) -> tuple[Any, str | None]:
        """:meth:`tree` of a panel query with its Grafana variables replaced
        (:func:`grafana_expr`), found by the query's own text: the OAC2xx and
        OAC30x checks all ask for the same 20,000 queries of a large project.

        Queries that differ only in the values :func:`value_blind` leaves out
        have the same shape once prepared (``shape(grafana_expr(q))``), so the
        same tree: the second is not prepared at all (a large project's panels
        are mostly such variations, and preparing a query cost more than the
        rest of finding its tree)."""
        hit = self._panel_trees.get(expr)
        if hit is None:
            blind = reversed_blind(expr)
            if blind is not None:
                hit = self._blind_trees.get(blind)
            if hit is None or hit[1] is not None:  # an error's position is in its own text
                hit = self.tree(grafana_expr(expr))
                if blind is not None:
                    self._blind_trees[blind] = hit
            self._panel_trees[expr] = hit
        return hit

    # --- what to check ----------------------------------------------------------
    def _query_parts(self) -> _QueryParts:
        """The rule queries (as :class:`Query`), parsed, and each dashboard with its
        PromQL targets as plain ``(path, title, expr)``, computed once."""
        if self._parts is None:
            rules: list[Query] = []
            for group, rule in self.rules():
                origin = "alert" if isinstance(rule, AlertRule) else "record"
                rules.append(Query(rule.expr, origin, partial(self.site, rule, "expr"), rule.location, rule, group))
            parsed = []
            for q in rules:
                ast, problem = self.tree(q.expr)
                if problem is None:
                    parsed.append((q, ast))
            panels = [(dash, lint_targets(dash)) for dash in self.all_dashboards()]
            self._parts = _QueryParts(rules, parsed, panels)
        return self._parts

    def queries(self) -> list[Query]:
        """Every rule expression and every dashboard query, rules first."""
        if self._queries is None:
            parts = self._query_parts()
            out: list[Query] = list(parts.rules)
            for dash, found in parts.panels:
                out.extend(panel_queries(dash, found))
            self._queries = out
        return self._queries

    def parsed_queries(self) -> list[tuple[Query, Any]]:
        """``(query, ast)`` of every query that parses (computed once)."""
        if self._parsed_queries is None:
            parts = self._query_parts()
            out = list(parts.parsed)
            for q in self.queries()[len(parts.rules) :]:
                ast, problem = self.panel_tree(q.expr)
                if problem is None:
                    out.append((q, ast))
            self._parsed_queries = out
        return self._parsed_queries

    def parsed_rule_queries(self) -> list[tuple[Query, Any]]:
        """``(query, ast)`` of every rule query that parses: the head of
        :meth:`parsed_queries`, without making the dashboards' queries."""
        return self._query_parts().parsed

    def dashboard_targets(self) -> list[tuple[DashboardSource, list[tuple[tuple[str | int, ...], str, str]]]]:
        """Every dashboard with its PromQL targets as ``(data path to the expr,
        panel title, expr)`` (computed once): what :meth:`queries` makes a
        :class:`Query` of, for checks that make one only for a finding."""
        return self._query_parts().panels

    def parsed_trees(self) -> dict[int, tuple[Any, frozenset[str]]]:
        """``id(tree) -> (tree, origins of its queries)`` for every distinct tree of
        :meth:`parsed_queries`, in first-seen order (computed once): checks that
        judge a tree once for all its queries find them here. Read from the
        targets' texts: no :class:`Query` is made for a dashboard target."""
        if self._trees_by_origin is None:
            parts = self._query_parts()
            seen: dict[int, tuple[Any, set[str]]] = {}
            for q, ast in parts.parsed:
                hit = seen.get(id(ast))
                if hit is None:
                    seen[id(ast)] = (ast, {q.origin})
                else:
                    hit[1].add(q.origin)
            panel_tree = self.panel_tree
            for _dash, found in parts.panels:
                for _path, _title, expr in found:
                    ast, problem = panel_tree(expr)
                    if problem is None:
                        hit = seen.get(id(ast))
                        if hit is None:
                            seen[id(ast)] = (ast, {"panel"})
                        else:
                            hit[1].add("panel")
            self._trees_by_origin = {k: (ast, frozenset(origins)) for k, (ast, origins) in seen.items()}
        return self._trees_by_origin

    def all_dashboards(self) -> list[DashboardSource]:
        """Dashboards read from files, then the project's own."""
        if not self._project_dashboards:
            self._project_dashboards = True
            from obs_as_code.lint.files import project_dashboards
            from obs_as_code.model.dashboard import DashboardDef

            # The scope's dashboards as the whole project's build renders them
            # (rendered once per build, whatever the scope).
            scoped = None if self.scope is None else [d for d in self.scope if isinstance(d, DashboardDef)]
            self.dashboards.extend(project_dashboards(self.project, scoped))
        return self.dashboards


def _seconds(value: Any) -> float | None:
    try:
        return parse_ms(value) / 1000.0
    except DurationError:
        return None


#: A Grafana template variable: ``$name``, ``${name}``, ``${name:format}``,
#: ``[[name]]``, ``[[name:format]]`` (``$__rate_interval`` and friends included).
_GRAFANA_VAR = re.compile(r"\$\{[^}]*\}|\[\[\w+(?::[^\]]*)?\]\]|\$\w+")
_VAR = _GRAFANA_VAR.pattern
GRAFANA_VAR = _GRAFANA_VAR
_LABEL_LIST = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_STRING_LITERAL = re.compile(r""""[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'|`[^`]*`""")
#: One pass over a query finds, leftmost first: string literals (kept as they are),
#: by/on/... label lists (variables become a label name), range and subquery
#: brackets holding a variable (it becomes a duration), ``offset $var`` (a duration)
#: and any other variable (a number).
_GRAFANA_TOKEN = re.compile(
    rf"(?P<quoted>{_STRING_LITERAL.pattern})"
    rf"|(?P<labels>{_LABEL_LIST.pattern})"
    rf"|(?P<range>\[\s*(?:{_VAR}|[\w.]+)?\s*(?::\s*(?:{_VAR}|[\w.]+)?\s*)?\])"
    rf"|(?P<offset>\boffset\s+-?\s*)(?:{_VAR})"
    rf"|(?P<var>{_VAR})"
)


#: The whole expression as plain characters and string literals none of which holds
#: a ``$`` (not even escaped): then no literal that :data:`_STRING_LITERAL` finds
#: holds one. Stricter, never looser (an unterminated quote fails it), and one C
#: call instead of a generator over the literals.
_NO_VAR_IN_LITERALS = re.compile(r"""(?:[^"'`]++|"[^"\\$]*(?:\\[^$\n][^"\\$]*)*"|'[^'\\$]*(?:\\[^$\n][^'\\$]*)*'|`[^`$]*`)*+""")
_LABEL_KEYWORDS = ("by", "without", "on", "ignoring", "group_left", "group_right")


def _var_in_label_list(expr: str) -> bool:
    """True wherever a :data:`_LABEL_LIST` match would hold a ``$`` (and maybe
    elsewhere): the nearest parenthesis before some ``$`` opens, after one of the
    keywords. A few ``find`` s: searching for the keywords at every position of
    the text cost more than the rest of the fast path."""
    at = expr.find("$")
    while at >= 0:
        opening = expr.rfind("(", 0, at)
        if opening > expr.rfind(")", 0, at):
            # expr[:opening].rstrip().endswith(...), without copying the text
            end = opening
            while end > 0 and expr[end - 1].isspace():
                end -= 1
            if expr.endswith(_LABEL_KEYWORDS, 0, end):
                return True
        at = expr.find("$", at + 1)
    return False


#: Range brackets of Grafana's built-in interval variables, as panels write them.
_RANGE_BUILTINS = ("[$__rate_interval]", "[$__interval]", "[$__range]", "[${__rate_interval}]", "[${__interval}]", "[${__range}]")


#: What a variable that is (part of) a metric name becomes: an identifier, so that
#: ``$metric{job="a"}``, ``rate([[metric]][5m])`` and ``x_${kind}_total`` parse
#: (checks that look names up skip the names holding it: :func:`templated_name`).
METRIC_VAR = "grafana_var"
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:")


def templated_name(name: str) -> bool:
    """Whether a metric name of a prepared query comes from a Grafana variable
    (``{__name__="$metric"}`` keeps the ``$``; :data:`METRIC_VAR` elsewhere)."""
    return "$" in name or "[[" in name or METRIC_VAR in name


def _grafana_token(m: re.Match[str]) -> str:
    kind = m.lastgroup
    if kind == "var":
        text, start, end = m.string, m.start(), m.end()
        # A variable that a selector's braces or range follow, or that is part
        # of a longer name, is (part of) a metric name; elsewhere it is a number.
        after = text[end : end + 1]
        if after in ("{", "[") or after in _NAME_CHARS or (start > 0 and text[start - 1] in _NAME_CHARS):
            return METRIC_VAR
        return "1"
    if kind == "offset":
        return m.group("offset") + "5m"
    text = m.group()
    if kind == "labels":
        return _GRAFANA_VAR.sub("grafana_var", text) if "$" in text or "[[" in text else text
    if kind == "range":
        return _GRAFANA_VAR.sub("5m", text[1:-1]).join("[]") if "$" in text or "[[" in text else text
    return text  # a string literal: variables inside are already valid PromQL


@lru_cache(maxsize=1 << 16)
def grafana_expr(expr: str) -> str:
    """A Grafana query with its template variables replaced so that it parses, the
    one preparation every check uses (OAC2xx through :meth:`LintContext.parse_query`,
    OAC301/302 on the rendered dashboards): variables in range and subquery
    brackets or after ``offset`` become ``5m``, in ``by``/``on``/... label lists the
    label ``grafana_var``, inside string literals (label matchers) they stay, as
    (part of) a metric name the identifier :data:`METRIC_VAR`, and elsewhere they
    become ``1``. Cached: dashboards repeat queries, and several
    checks prepare the same one."""
    if "$" not in expr and "[[" not in expr:
        return expr
    if "[$__" in expr and "[[" not in expr:
        # Most panel queries use variables only as ``[$__rate_interval]`` and the
        # like: plain replacements give what the token pass gives, provided no
        # string literal (kept as written) or label list holds a variable.
        fast = expr
        for token in _RANGE_BUILTINS:
            fast = fast.replace(token, "[5m]")
            if "$" not in fast:
                break  # every later token holds a "$": nothing left to replace
        if "$" not in fast and _NO_VAR_IN_LITERALS.fullmatch(expr) and not _var_in_label_list(expr):
            return fast
    return _GRAFANA_TOKEN.sub(_grafana_token, expr)


def _common_length(a: str, b: str) -> int:
    """The length of the longest common prefix of ``a`` and ``b``."""
    n = 0
    while n < len(a) and n < len(b) and a[n] == b[n]:
        n += 1
    return n


def grafana_offset(expr: str, offset: int) -> tuple[int, bool]:
    """The offset in the Grafana query ``expr`` of ``offset`` in
    :func:`grafana_expr` ``(expr)``, and whether it falls in text written for a
    variable (then the offset of where the variable's piece starts). Asked
    for a finding only: it replays the token pass."""
    if "$" not in expr and "[[" not in expr:
        return offset, False
    shift = 0  # prepared offset - original offset, before the current piece
    for m in _GRAFANA_TOKEN.finditer(expr):
        written = _grafana_token(m)
        text = m.group()
        start = m.start() + shift
        if offset < start:
            break
        if offset < start + len(written):
            if written == text:
                return offset - shift, False
            head = _common_length(text, written)
            tail = _common_length(text[::-1], written[::-1])
            inner = offset - start
            if inner < head:
                return m.start() + inner, False
            if inner >= len(written) - tail:
                return m.end() - (len(written) - inner), False
            return m.start() + head, True
        shift += len(written) - len(text)
    return offset - shift, False


@dataclass
class _QueryParts:
    """What :meth:`LintContext.queries` is made of (see ``_query_parts``)."""

    #: The rules' queries, in declaration order.
    rules: list[Query]
    #: ``(query, tree)`` of those that parse.
    parsed: list[tuple[Query, Any]]
    #: Every dashboard with its PromQL targets ``(data path, panel title, expr)``.
    panels: list[tuple[DashboardSource, list[tuple[tuple[str | int, ...], str, str]]]]


def lint_targets(dash: DashboardSource) -> list[tuple[tuple[str | int, ...], str, str]]:
    """``list(iter_targets(dash.data))`` (:func:`obs_as_code.lint.files.iter_targets`),
    listed once per rendering for a project dashboard."""
    from obs_as_code.lint.files import target_list

    board = dash.board
    if board is None:
        return target_list(dash.data)
    found: list[tuple[tuple[str | int, ...], str, str]] | None = board.derived.get("lint_targets")
    if found is None:
        # The walk that lists the targets the OAC3xx checks read lists these too.
        from obs_as_code.lint.rules._dashboards import targets

        targets(board)
        found = board.derived["lint_targets"]
    return found


def panel_queries(dash: DashboardSource, found: Iterable[tuple[tuple[str | int, ...], str, str]]) -> Iterator[Query]:
    """A :class:`Query` for each ``(data path of the expr, panel title, expr)`` of
    ``dash`` (what :meth:`LintContext.dashboard_targets` lists), located in it."""
    for path, title, expr in found:
        site: Site | Callable[[], Site | None] | None
        site = partial(dash.locate, path) if dash.locate is not None else dash.sites.get(path) or dash.default
        yield Query(expr, "panel", site, dash.fallback, title=title, dashboard=dash.name, in_project=dash.in_project, source=dash, path=path)


def dashboard_queries(dash: DashboardSource) -> Iterator[Query]:
    """The PromQL targets of a dashboard (Loki and other datasources skipped)."""
    from obs_as_code.lint.files import iter_targets

    return panel_queries(dash, iter_targets(dash.data))


_MATCHER_VALUE = re.compile(
    # Strings as "unrolled loops" ("[^"\\]*(?:\\.[^"\\]*)*"): much faster than an
    # alternation per character on long expressions. A label starts where no letter
    # or underscore precedes it and takes its whole run (possessive): without that
    # every long metric name was retried from each of its characters, each try
    # backtracking through the rest (a matcher can only follow the whole run, so
    # the matches are the same).
    r"""(?<![A-Za-z_])([A-Za-z_][A-Za-z0-9_]*+)(\s*(?:=~|!~|!=|=)\s*)("[^"\\]*(?:\\.[^"\\]*)*"|'[^'\\]*(?:\\.[^'\\]*)*'|`[^`]*`)"""
)


#: Every character ``\s`` matches in a str pattern: those for which
#: ``str.isspace`` holds (the same Unicode test; a test checks the list).
WHITESPACE = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
#: What a matcher's label and the whitespace after it can hold: ``[A-Za-z0-9_]``
#: and :data:`WHITESPACE`.
_LABEL_RUN = string.ascii_letters + string.digits + "_" + WHITESPACE


def shape(expr: str, keep_jobs: frozenset[str] = frozenset()) -> str:
    """``expr`` with equality-matcher values no check reads replaced by a placeholder.

    Kept: ``__name__`` values, empty values (``{x=""}`` tests absence), regex
    values and values with escapes (they can make the expression invalid), and
    ``job`` values naming a scrape job of the project (its interval matters).
    """

    def sub(m: re.Match[str]) -> str:
        label, op, value = m.groups()
        keep = (
            label == "__name__"
            or len(value) == 2  # {x=""} tests absence
            or "~" in op  # a regex can be invalid: keep it so errors are the same
            or "\\" in value  # so can an escape
            or (label == "job" and value[1:-1] in keep_jobs)
        )
        if keep:
            return m.group()
        return f'{label}{op}"v"'

    first = expr.find("=")
    if first < 0:
        return expr
    bang = expr.find("!", 0, first)
    if bang >= 0:
        first = bang
    # Every operator of a matcher starts with "=" or "!", and a match runs from
    # its label (letters, digits, "_", then whitespace: no operator in between)
    # to past its operator: none starts before the run of such characters that
    # ends at the first operator. The character before that run is none of them,
    # so _MATCHER_VALUE's look-behind succeeds there as at the start of a string:
    # the substitution of the rest is the substitution of the whole, without
    # scanning the head (most of a panel query, e.g. "sum by (x) (rate(metric").
    start = len(expr[:first].rstrip(_LABEL_RUN))
    if start == 0:
        return _MATCHER_VALUE.sub(sub, expr)
    return expr[:start] + _MATCHER_VALUE.sub(sub, expr[start:])


#: Characters of a value :func:`value_blind` may leave out: printable ASCII but
#: for quotes, backslash, ``$`` and brackets (none of the replacements of
#: grafana_expr or shape can start, end or look inside such a value).
_BLIND_VALUE = "".join(c for c in map(chr, range(0x20, 0x7F)) if c not in "\"\\$()[]{}'`")
#: The expressions :func:`value_blind` reads, once backslashes, other quotes and
#: NUL are ruled out: plain characters and '"' pairs, the text of none of which
#: ends with "=" or "~" before trailing whitespace (``\s`` is :data:`WHITESPACE`).
_BLIND_FORM = re.compile(r'[^"]*+(?:"(?:[^"]*[^"=~\s])?\s*"[^"]*+)*+')
#: In the *reversed* expression, a value :func:`value_blind` leaves out: a
#: non-empty string of :data:`_BLIND_VALUE` characters, then (read backwards)
#: ``=`` or ``!=`` and the whole run of label characters, which starts with a
#: letter or "_", is neither ``__name__`` nor ``job`` (``__eman__``, ``boj``) and
#: does not follow a ``$``.
#: Reversed so that the pattern starts with a quote (the regex engine skips to
#: each one in C) and the label, in a look-ahead, is not consumed: a split then
#: leaves the rest as it was.
_BLIND_MATCHER_REVERSED = re.compile(
    rf'"[{re.escape(_BLIND_VALUE)}]+"'
    r"(?=\s*+=!?\s*+(?!(?:__eman__|boj)(?![A-Za-z0-9_]))[A-Za-z0-9_]++(?<=[A-Za-z_])(?!\$))"
)


def value_blind(expr: str) -> str | None:
    """``expr`` with the value of every equality matcher no check reads (``=`` or
    ``!=`` on a label but ``__name__`` or ``job``, a non-empty value of plain
    characters) replaced by NUL; None when there is none, or when ``expr`` holds
    something the argument below does not cover.

    Two queries with the same result give the same ``shape(grafana_expr(q))``,
    for every set of jobs: the quotes pair up (no other quotes, no escapes), no
    value ends with an operator (so every value the matcher pattern of
    :func:`shape` reads starts at an opening quote, and the scan reaches each
    matcher's label), and a value left out holds nothing :func:`grafana_expr`
    replaces or that ends its patterns (so it comes out of it as it went in,
    with the same label and operator before it, the label not after a ``$``).
    :func:`shape` then replaces that value with ``"v"`` whatever it was.

    Called for each of a large project's 20,000 panel queries, so two regex
    scans and no Python per matcher: :data:`_BLIND_FORM` declines what the
    argument does not cover, :data:`_BLIND_MATCHER_REVERSED` finds the values.
    Each value it finds is a string's text, not the text between two strings:
    the label and operator it reads would then end the string before, which the
    form declines.
    """
    blind = reversed_blind(expr)
    return blind[::-1] if blind is not None else None


def reversed_blind(expr: str) -> str | None:
    """:func:`value_blind` of ``expr``, reversed: as good a key for the queries
    alike but for those values (reversing is one-to-one), without reversing back
    (a copy character by character, for each of a large project's queries)."""
    # Declined: escapes and other quotes (string literals are then the consecutive
    # pairs of '"'), [[var]] and ${var} (Grafana variables that can span a quote),
    # and the NUL that marks a value left out.
    if "\\" in expr or "'" in expr or "`" in expr or "[[" in expr or "${" in expr or "\x00" in expr or _BLIND_FORM.fullmatch(expr) is None:
        return None
    pieces = _BLIND_MATCHER_REVERSED.split(expr[::-1])
    return '"\x00"'.join(pieces) if len(pieces) > 1 else None


#: How deep an expression may nest (binary operators and brackets, an upper bound
#: of its syntax tree's depth) for the parser and the checks, which walk trees
#: recursively: past about 600 levels a check ran out of Python's recursion limit
#: (a traceback), past about 4,000 the parser itself overflowed its stack (a
#: segmentation fault, no message at all). Expressions people write nest a few
#: dozen levels at most.
MAX_NESTING = 200

_NESTING_TOKENS = re.compile(
    STRING_LITERAL  # strings: skipped
    + r"""|[(\[{]|[)\]}]"""  # brackets
    r"""|==|!=|>=|<=|=~|!~|[-+*/%^<>]"""  # operators (and matchers: see below)
    r"""|\b(?:and|or|unless|atan2)\b""",
)


def nesting(expr: str) -> int:
    """An upper bound of the depth of ``expr``'s syntax tree: the deepest bracket
    plus every binary (or unary) operator outside label matchers, without parsing."""
    depth = deepest = operators = 0
    braces = 0  # inside {...}: = != =~ !~ are matchers, not operators
    for m in _NESTING_TOKENS.finditer(expr):
        token = m.group()
        if token[0] in "\"'`":
            continue
        if token in "([{":
            depth += 1
            braces += token == "{"
            deepest = max(deepest, depth)
        elif token in ")]}":
            depth -= 1
            braces -= token == "}" and braces > 0
        elif not braces:
            operators += 1
    return deepest + operators


def _target_labels(job: ScrapeJob) -> set[str]:
    """The labels a job gives its targets: its own and its static configs'."""
    out: set[str] = set(job.labels or {})
    for sc in job.static_configs or ():
        out.update(sc.labels or {})
    return out


def _scrape_labels(jobs: Iterable[ScrapeJob]) -> tuple[frozenset[str], frozenset[str]]:
    """``(labels, open jobs)``: see :meth:`LintContext.scrape_labels` and
    :meth:`LintContext.open_jobs`."""
    out: set[str] = set()
    open_jobs: set[str] = set()
    for job in jobs:
        written = _target_labels(job)
        for rc in [*(getattr(job, "relabel_configs", ()) or ()), *(getattr(job, "metric_relabel_configs", ()) or ())]:
            if (rc.action or "").lower() == "labelmap" or (rc.target_label and "$" in rc.target_label):
                open_jobs.add(str(job.name))
            elif rc.target_label:
                written.add(rc.target_label)
        out |= written
    return frozenset(out), frozenset(open_jobs)


def parse_promql(expr: str, target: PrometheusTarget | None = None) -> tuple[Any, str | None]:
    """Parse as Prometheus ``target`` parses (default: the target of the build
    running, :func:`obs_as_code.target.current_target`, 2.42 outside one):
    promql-parser, with :mod:`obs_as_code.lint.promql242` (2.42) or
    :mod:`obs_as_code.lint.promql3` (3.x) around it; returns ``(ast, None)`` or
    ``(None, message)``."""
    import promql_parser

    if not isinstance(expr, str) or not expr.strip():
        return None, "empty expression"
    if len(expr) > MAX_NESTING:  # shorter ones cannot nest that deep
        levels = nesting(expr)
        if levels > MAX_NESTING:
            return None, (
                f"expression nests about {levels} levels deep (operators and brackets); "
                f"at most {MAX_NESTING} are checked: split it into recording rules"
            )
    if target is None:
        target = current_target()
    try:
        ast = promql_parser.parse(expr)
    except (ValueError, TypeError) as exc:  # the parser raises ValueError with a message
        message = str(exc) or "invalid PromQL"
        # What Prometheus takes and promql-parser does not (holt_winters in 2.42,
        # raw strings with backslashes, \Q...\E in regexes): read as Prometheus reads it.
        found = reparse(expr, message, target)
        if found is not None:
            return found
        if not target.v3:
            # promql-parser says mostly "invalid promql query": where and what 2.42 says.
            from obs_as_code.lint.promql_errors import syntax_problem

            said = syntax_problem(expr)
            if said is not None:
                message = str(said)
        return None, message
    # What promql-parser takes and the target refuses: for 2.42, what came in later
    # releases (functions, quoted label names, durations without unit); for 3.x,
    # experimental functions not enabled and holt_winters.
    problem = v3_syntax(expr, ast, target) if target.v3 else later_syntax(expr, ast)
    return (ast, None) if problem is None else (None, problem)


def parse_tree(expr: str, target: PrometheusTarget | None = None) -> tuple[Any, str | None]:
    """Like :func:`parse_promql`, with the AST wrapped in :class:`Node` so that every
    attribute read returns the same object (checks and inference cache per node)."""
    from obs_as_code.lint.types import wrap_tree

    ast, problem = parse_promql(expr, target)
    return (wrap_tree(ast), None) if ast is not None else (None, problem)


def all_checks() -> tuple[Check, ...]:
    """Every registered check, sorted by code."""
    return tuple(check for _module, check in _registered())


@cache
def _registered() -> tuple[tuple[str, Check], ...]:
    """``(module name, check)`` of every registered check, sorted by code (found once)."""
    import obs_as_code.lint.rules as package

    found: list[tuple[str, Check]] = []
    for info in pkgutil.iter_modules(package.__path__):
        name = f"{package.__name__}.{info.name}"
        check = getattr(importlib.import_module(name), "CHECK", None)
        if isinstance(check, Check):
            found.append((name, check))
    return tuple(sorted(found, key=lambda pair: pair[1].code))


#: A check described without its module: (code, name, summary, severity, lint_only, module).
CheckInfo = tuple[str, str, str, str, bool, str]


def describe_checks() -> tuple[CheckInfo, ...]:
    """Every registered check as plain data, for :func:`deferred_checks`."""
    return tuple((c.code, c.name, c.summary, c.severity.value, c.lint_only, module) for module, c in _registered())


class _Deferred:
    """A check's ``run`` that imports the check's module on first use, then calls
    its function directly: an incremental build runs the per-module checks once
    per module, thousands of calls, and looking the module up through
    ``importlib.import_module`` each time was 2% of a cold build."""

    __slots__ = ("_run", "module")

    def __init__(self, module: str) -> None:
        self.module = module
        self._run: Callable[[LintContext], Iterable[Diagnostic]] | None = None

    def __call__(self, ctx: LintContext) -> Iterable[Diagnostic]:
        run = self._run
        if run is None:
            check: Check = importlib.import_module(self.module).CHECK
            run = self._run = check.run
        return run(ctx)


def deferred_checks(described: Iterable[CheckInfo], *, lint_only: bool = False) -> list[Check]:
    """The checks ``described`` (by :func:`describe_checks` in a process running
    the same code), importing each check's module only when it runs: a build that
    reruns a few checks need not import sixty modules (~40 ms)."""
    return [
        Check(code, name, summary, _Deferred(module), Severity(severity), only)
        for code, name, summary, severity, only, module in described
        if lint_only or not only
    ]


def code_matches(code: str, patterns: Iterable[str]) -> bool:
    return any(code.startswith(p) for p in patterns)


def select_checks(
    select: Iterable[str] | None = None, ignore: Iterable[str] | None = None, *, lint_only: bool = False
) -> list[Check]:
    """Checks whose code starts with one of ``select`` (all when None), minus
    ``ignore``; checks marked ``lint_only`` are included only with ``lint_only``."""
    sel = list(select or [])
    ign = list(ignore or [])
    return [
        c
        for c in all_checks()
        if (not sel or code_matches(c.code, sel)) and not code_matches(c.code, ign) and (lint_only or not c.lint_only)
    ]


def run_checks(ctx: LintContext, checks: Iterable[Check] | None = None) -> list[Diagnostic]:
    """Run ``checks`` (default: all) and return every diagnostic not silenced by an
    ``# oac: ignore[CODE]`` comment on its line or the line above."""
    out: list[Diagnostic] = []
    # Checks read the user's files (keyword and literal positions) relative to
    # the project root, whatever the current directory (`oac lint -C DIR`).
    with at_project_root(ctx.project.root):
        for check in checks if checks is not None else all_checks():
            out.extend(check.run(ctx))
    return [d for d in out if not suppressed(d, ctx.project.root)]


_IGNORE = re.compile(r"#\s*oac:\s*ignore(?:\[([A-Za-z0-9_,\s]*)\])?")


def ignored_codes(line: str) -> set[str] | None:
    """Codes an ``# oac: ignore[...]`` comment on ``line`` silences (empty set: all), or None."""
    m = _IGNORE.search(line)
    if m is None:
        return None
    return {c.strip().upper() for c in (m.group(1) or "").split(",") if c.strip()}


@cache
def unsuppressible_codes() -> frozenset[str]:
    """Codes of the checks no comment can silence (:attr:`Check.suppressible`)."""
    return frozenset(c.code for c in all_checks() if not c.suppressible)


def suppressed(d: Diagnostic, root: Path) -> bool:
    """Whether ``d`` is silenced by a comment on its line or the line above
    (never when its check is not :attr:`~Check.suppressible`)."""
    loc = d.location
    if loc.line <= 0 or d.code in unsuppressible_codes():
        return False
    path = Path(loc.file)
    if not path.is_absolute():
        path = root / path
    try:
        lines = file_lines(str(path), path.stat().st_mtime_ns)
    except OSError:
        return False
    for n in (loc.line, loc.line - 1):
        if 1 <= n <= len(lines):
            codes = ignored_codes(lines[n - 1])
            if codes is not None and (not codes or any(d.code.startswith(c) for c in codes)):
                return True
    return False


def docs_page(code: str) -> str | None:
    """The docs page of a check (``docs/lint/<CODE>.md``), from the installed package
    data or, in a source checkout, from the repository's docs/."""
    code = code.upper()
    if not re.fullmatch(r"OAC\d{3}", code):
        return None
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "data" / "lint" / f"{code}.md", here.parent / "docs" / "lint" / f"{code}.md"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    return None
