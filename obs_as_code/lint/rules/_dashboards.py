"""What the OAC3xx dashboard checks share: the rendered dashboards, their panels,
targets with their query language, template variables and panel queries parsed
once per build (Grafana variables replaced by values the parser accepts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from obs_as_code.dashboards.project import render_project
from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.lint.engine import LintContext, grafana_expr
from obs_as_code.lint.files import board_panels, panels_only, promql_query, target_list
from obs_as_code.source import SourceLocation

#: ``$name``, ``${name}``, ``${name:format}``, ``${name.field.path}`` (a field of
#: the variable's value, Grafana 10+; with a format too), ``[[name]]``,
#: ``[[name:format]]``.
VARIABLE = re.compile(r"\$\{(\w+)(?:\.[^:}]+)?(?::[^}]*)?\}|\[\[(\w+)(?::[^\]]*)?\]\]|\$(\w+)")


def rendered(ctx: LintContext) -> list[RenderedDashboard]:
    """The project's dashboards, rendered once per project (those the build does
    not write for an invalid or repeated UID included), then the dashboard files
    ``oac lint`` was given, rendered as the build would."""
    boards = render_project(ctx.project).checked
    files: list[RenderedDashboard] = ctx.file_boards
    return boards + files if files else boards


def variable_names(text: str) -> list[str]:
    """Names of the Grafana variables referenced in ``text``."""
    return [next(g for g in m.groups() if g) for m in VARIABLE.finditer(text)]


def is_builtin(name: str) -> bool:
    """Grafana's global variables (``$__rate_interval``, ``${__url_time_range}`` ...)."""
    return name.startswith("__") or name == "timeFilter"


def variables(board: RenderedDashboard) -> list[dict[str, Any]]:
    """The dashboard's template variables."""
    templating = board.json.get("templating")
    items = templating.get("list") if isinstance(templating, dict) else None
    return [v for v in items or [] if isinstance(v, dict)]


def prepare_promql(expr: str) -> str:
    """``expr`` made parseable: the same preparation the PromQL checks use
    (:func:`obs_as_code.lint.engine.grafana_expr`), so OAC301/302 and OAC2xx agree
    on which panel queries parse."""
    return grafana_expr(expr)


def query_tree(ctx: LintContext, expr: str) -> tuple[Any, str | None]:
    """``(tree, None)`` or ``(None, error message)`` for a panel query: prepared
    and parsed once per build through the lint context, shared with every other
    check that reads the same query (:meth:`LintContext.panel_tree`)."""
    return ctx.panel_tree(expr)


@dataclass(slots=True)  # not frozen: a frozen init cost 3x as much, for 20,000 targets
class Target:
    """One panel query: its language (``promql``, ``logql`` or ``other``). Read-only
    by convention (kept per dashboard and shared by several checks)."""

    board: RenderedDashboard
    panel_path: DataPath
    panel: dict[str, Any]
    path: DataPath
    data: dict[str, Any]
    language: str
    #: ``data["expr"]`` when it is a string, else ``""`` (read once: three checks
    #: read it for each of a large project's 20,000 targets).
    expr: str = ""
    #: The datasource plugin type the target queries (``prometheus``, ``postgres``
    #: ...), as found for :attr:`language`; ``""`` when none is said.
    kind: str = ""

    @property
    def location(self) -> SourceLocation:
        return self.board.locate(self.path)


#: How a target names Grafana's server-side expressions ("Math", "Reduce" ...).
EXPRESSION = "__expr__"


def is_expression(target: Any) -> bool:
    """Whether ``target`` is a Grafana server-side expression (Math, Reduce ...):
    its datasource reference names ``__expr__`` by uid, by type or as a plain
    string (older JSON)."""
    if not isinstance(target, dict):
        return False
    ref = target.get("datasource")
    if isinstance(ref, dict):
        return ref.get("type") == EXPRESSION or ref.get("uid") == EXPRESSION
    return ref == EXPRESSION


def runs(t: Target) -> bool:
    """Whether Grafana runs the query of ``t``. A hidden target (``hide``) is
    dropped by its datasource (``filterQuery`` of the Prometheus and Loki
    plugins) unless a server-side expression of its panel may read it: then it
    runs and only its result is hidden."""
    if t.data.get("hide") is not True:
        return True
    found = t.panel.get("targets")
    return isinstance(found, list) and any(is_expression(other) for other in found)


def datasource_variables(board: RenderedDashboard) -> dict[str, str]:
    """The dashboard's datasource variables: name -> plugin type they pick."""
    return {str(v.get("name")): str(v.get("query") or "") for v in variables(board) if v.get("type") == "datasource"}


def _datasource_type(ref: Any, ds_vars: dict[str, str]) -> str | None:
    if not isinstance(ref, dict):
        return None
    kind = ref.get("type")
    if isinstance(kind, str) and kind not in ("datasource", ""):
        return kind
    uid = ref.get("uid")
    if isinstance(uid, str) and "$" in uid:
        names = variable_names(uid)
        if names and ds_vars.get(names[0]):
            return ds_vars[names[0]]
    return None


def datasource_var_call(name: str, plugin: Any) -> str:
    """The kit call defining datasource variable ``name`` for a reference of plugin
    type ``plugin`` (the default, Prometheus, and the default name need no argument):
    the advice of OAC306 and OAC307 for a ``${name}`` the dashboard lacks."""
    args = [] if name == "datasource" else [repr(name)]
    if isinstance(plugin, str) and plugin and plugin != "prometheus":
        args = [repr(name), repr(plugin)]
    return f"kit.datasource_var({', '.join(args)})"


def variable_language(board: RenderedDashboard, var: dict[str, Any]) -> str:
    """The query language of the template variable ``var`` (``promql``, ``logql``
    or ``other``), from the datasource it queries (:func:`variable_type`)."""
    return _LANGUAGES.get(variable_type(board, var) or "", "other")


def variable_type(board: RenderedDashboard, var: dict[str, Any]) -> str | None:
    """The plugin type of the datasource the template variable ``var`` queries:
    a reference's plugin type, a datasource variable's (``$datasource``,
    ``{"uid": "${ds}"}``), else the dashboard's default datasource's (a variable
    that names none, or one whose reference says no type, as a target's). A
    datasource named by its name alone (``"datasource": "Elastic"``, old
    dashboards) is not known here: None."""
    ref = var.get("datasource")
    if isinstance(ref, str) and ref:
        names = variable_names(ref)
        if not names:
            return None
        return datasource_variables(board).get(names[0]) or board.default_type
    if isinstance(ref, dict):
        return _datasource_type(ref, datasource_variables(board)) or board.default_type
    return board.default_type


def panels(board: RenderedDashboard) -> list[tuple[DataPath, dict[str, Any]]]:
    """Every panel of the dashboard with its data path, rows' panels included
    (:func:`~obs_as_code.dashboards.render.iter_panels`), listed once per
    dashboard: several checks walk them."""
    return board_panels(board)


def targets(board: RenderedDashboard) -> list[Target]:
    """Every target of every panel, with its query language (found once per
    dashboard: several checks read them). A row's targets are left out: Grafana
    runs no query for a row (exports keep a ``targets`` list on rows, e.g. one
    target without ``expr``). The same walk lists the dashboard's
    PromQL targets as the OAC2xx checks see them (``derived["lint_targets"]``,
    :func:`obs_as_code.lint.engine.lint_targets`)."""
    found: list[Target] | None = board.derived.get("targets")
    if found is None:
        found, lint = _targets(board)
        board.derived["targets"] = found
        # iter_targets' shapes this walk does not cover (legacy rows, an API
        # export): its general walk.
        board.derived["lint_targets"] = lint if lint is not None else target_list(board.json)
    return found


def promql_targets(board: RenderedDashboard) -> list[Target]:
    """The targets of :func:`targets` in PromQL (listed once per dashboard)."""
    found: list[Target] | None = board.derived.get("promql_targets")
    if found is None:
        found = board.derived["promql_targets"] = [t for t in targets(board) if t.language == "promql"]
    return found


_LANGUAGES = {"prometheus": "promql", "loki": "logql"}

LintTarget = tuple[DataPath, str, str]


def _targets(board: RenderedDashboard) -> tuple[list[Target], list[LintTarget] | None]:
    """The targets, and ``list(iter_targets(board.json))`` (None when ``json``
    has a shape beyond its panels: see :func:`~obs_as_code.lint.files.target_list`)."""
    covered = panels_only(board.json)
    lint: list[LintTarget] = []
    ds_vars: dict[str, str] | None = None  # read when a reference needs it
    out: list[Target] = []
    default = board.default_type
    for path, panel in panels(board):
        found = panel.get("targets")
        if not found:
            continue
        listed = covered and isinstance(found, list)  # iter_targets reads lists only
        runs = panel.get("type") != "row"  # a row runs no query: its saved targets are no Target
        title: str | None = None
        panel_kind: str | None = None
        panel_resolved = False  # the panel's datasource is looked up once, when needed
        for k, t in enumerate(found):
            if not isinstance(t, dict):
                continue
            ref = t.get("datasource")
            kind = ref.get("type") if type(ref) is dict else None
            if not isinstance(kind, str) or kind in ("datasource", ""):
                # Not a plain type (most targets name one): _datasource_type decides.
                if ds_vars is None:
                    ds_vars = datasource_variables(board)
                kind = _datasource_type(ref, ds_vars)
                if kind is None:
                    if not panel_resolved:
                        panel_kind = _datasource_type(panel.get("datasource"), ds_vars)
                        panel_resolved = True
                    kind = panel_kind
                if kind is None:
                    # No datasource said: Grafana uses the project's default one
                    # (Prometheus when none is declared).
                    kind = default if "expr" in t else None
            expr = t.get("expr")
            text = expr if isinstance(expr, str) else ""
            target_path = (*path, "targets", k)
            language = _LANGUAGES.get(kind or "", "other")
            if runs:
                out.append(Target(board, path, panel, target_path, t, language, text, kind or ""))
            # What iter_targets yields (its test, in its order).
            if listed and promql_query(t, panel, default) is not None:
                if title is None:
                    title = str(panel.get("title") or "")
                lint.append(((*target_path, "expr"), title, text))
    return out, lint if covered else None


def panel_title(panel: dict[str, Any]) -> str:
    title = panel.get("title")
    return title if isinstance(title, str) else ""


def query_token(ctx: LintContext, board: RenderedDashboard, path: DataPath, expr: str, span: tuple[int, int]) -> SourceLocation:
    """Where ``expr[span[0]:span[1]]`` is written, for the query ``expr`` of the
    target at ``path`` of ``board``: inside the query's string literal when the
    PromQL checks find it there (a literal of the target's own call, at or after
    the target's line), else the target's line. The query is the one read at
    ``path``: a board that repeats a query text in several panels has one per
    panel, and the first one's place is not the others'."""
    loc = board.locate(path)
    expr_path = (*path, "expr")
    for q in ctx.queries():
        if q.origin == "panel" and q.source is not None and q.source.board is board and q.expr == expr and q.path == expr_path and q.site is not None:
            found = q.at(span)
            return found if found.file == loc.file and found >= loc else loc
    return loc
