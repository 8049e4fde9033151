"""OAC307: a dashboard references a datasource uid that ``datasources/`` does not
declare (the panel shows "datasource not found" in Grafana). References through a
datasource variable (``${datasource}``) and Grafana's built-in datasources are fine.
A project that declares no datasource at all leaves datasources to Grafana and is
not checked (a warning per dashboard there cost a 1,000-dashboard build 8 s of
locating findings and drowned its output; one per project cannot be, as the
incremental build checks a module alone)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    datasource_var_call,
    is_builtin,
    panels,
    rendered,
    variable_names,
    variables,
)
from obs_as_code.model.datasource import Datasource

#: Grafana's own datasources, by uid (or name): a reference naming one resolves.
BUILTIN_UIDS = frozenset({"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --", "__expr__"})
#: The types of Grafana's own datasources. Grafana resolves a reference by its uid
#: (its ``type`` alone decides only for an expression, ``__expr__``): one of these
#: types with any other uid (a typo of ``-- Mixed --``) is looked up as any uid is.
BUILTIN_TYPES = frozenset({"datasource", "grafana", "__expr__"})
#: The type Grafana reads as an expression whatever the uid (``isExpressionReference``).
EXPRESSION_TYPE = "__expr__"


def refs(board: RenderedDashboard) -> Iterator[tuple[DataPath, dict[str, Any]]]:
    """Every ``datasource`` reference of a dashboard: panels, their targets, template
    variables and annotations (the places Grafana reads one from). Rows are left
    out: Grafana runs no query for a row, whatever datasource it names."""
    for path, panel in panels(board):
        if panel.get("type") == "row":
            continue  # a row runs no query: its datasource and targets are never looked up
        if isinstance(panel.get("datasource"), dict):
            yield (*path, "datasource"), panel["datasource"]
        for k, t in enumerate(panel.get("targets") or []):
            if isinstance(t, dict) and isinstance(t.get("datasource"), dict):
                yield (*path, "targets", k, "datasource"), t["datasource"]
    yield from _other_refs(board)


def _other_refs(board: RenderedDashboard) -> Iterator[tuple[DataPath, dict[str, Any]]]:
    """The references of :func:`refs` outside panels: variables, annotations."""
    for i, var in enumerate(variables(board)):
        if isinstance(var.get("datasource"), dict):
            yield ("templating", "list", i, "datasource"), var["datasource"]
    annotations = board.json.get("annotations")
    for i, ann in enumerate(annotations.get("list") or [] if isinstance(annotations, dict) else []):
        if isinstance(ann, dict) and isinstance(ann.get("datasource"), dict):
            yield ("annotations", "list", i, "datasource"), ann["datasource"]


#: Kinds of :class:`Problem`: what the finding's hint says to do depends on it.
#: ``${x}`` is no datasource variable of the dashboard: add the variable.
NOT_A_VARIABLE = "not-a-variable"
#: A datasource variable lists a plugin type no declared datasource has: declare one.
UNDECLARED_PLUGIN = "undeclared-plugin"
#: A uid no datasource declares.
UNDECLARED_UID = "undeclared-uid"
#: A declared uid referenced with another plugin type.
OTHER_TYPE = "other-type"
#: Neither a uid nor a declared type.
NO_MATCH = "no-match"


@dataclass(slots=True)
class Problem:
    """What is wrong with one ``datasource`` reference: its ``kind`` (one of the
    constants above), the finding's ``message``, and for the two kinds about a
    datasource variable its ``variable`` name; ``plugin``: the type a
    :data:`UNDECLARED_PLUGIN` variable lists, or an :data:`OTHER_TYPE` reference names;
    ``uid``: the declared uid an :data:`OTHER_TYPE` reference names."""

    kind: str
    message: str
    variable: str = ""
    plugin: str = ""
    uid: str = ""


def problem(ref: dict[str, Any], uids: Mapping[str, str], types: set[str], ds_vars: Mapping[str, str]) -> Problem | None:
    """What is wrong with one ``datasource`` reference, or None. ``uids``: each
    declared uid (and what else reaches a datasource, :func:`resolvable`) -> its
    plugin type; ``ds_vars``: each datasource variable of the
    dashboard -> the plugin type it lists (its ``query``)."""
    uid = ref.get("uid")
    kind = ref.get("type")
    if kind == EXPRESSION_TYPE or (type(uid) is str and uid in BUILTIN_UIDS):
        return None
    if isinstance(uid, str) and uid:
        # Only a "$" or "[[" can start a variable reference (most uids have neither).
        names = variable_names(uid) if "$" in uid or "[[" in uid else []
        if names:
            if names[0] not in ds_vars:
                message = f"datasource variable ${names[0]} is not a datasource variable of the dashboard"
                return Problem(NOT_A_VARIABLE, message, names[0])
            picked = ds_vars[names[0]]
            # The variable lists the declared datasources of its plugin type: none
            # declared, it is empty and every panel using it shows an error.
            if picked and "$" not in picked and picked not in types:
                message = f"datasource variable ${names[0]} lists {picked} datasources, and none is declared"
                return Problem(UNDECLARED_PLUGIN, message, names[0], picked)
            return None
        declared = uids.get(uid)
        if declared is None:
            return Problem(UNDECLARED_UID, f"datasource uid {uid!r} is not declared")
        # Grafana goes by the uid: the query would be sent to a datasource of another
        # kind. (Under a built-in type, the declared datasource is what it resolves to.)
        if isinstance(kind, str) and kind and kind != declared and kind not in BUILTIN_TYPES:
            return Problem(OTHER_TYPE, f"datasource uid {uid!r} is declared as a {declared} datasource, not {kind}", plugin=kind, uid=uid)
        return None
    if isinstance(kind, str) and (kind in types or kind in BUILTIN_TYPES):
        return None  # type only: Grafana takes the declared one of that type
    return Problem(NO_MATCH, f"datasource {ref!r} matches no declared datasource")


def resolvable(declared: list[Datasource]) -> dict[str, str]:
    """What a reference's ``uid`` may say to reach a declared datasource -> its
    plugin type. Grafana's ``DatasourceSrv.getInstanceSettings`` looks the value
    up as a uid, then as a datasource name (``{"uid": "Prometheus"}`` reaches the
    datasource named Prometheus), and reads ``default`` as the default datasource."""
    found: dict[str, str] = {}
    for d in declared:
        if isinstance(d.name, str) and d.name:
            found[d.name] = d.type
    defaults = [d.type for d in declared if d.is_default]
    if defaults:
        found["default"] = defaults[0]
    for d in declared:
        found[d.uid] = d.type  # a uid first, as Grafana looks it up
    return found


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    declared = ctx.project.all(Datasource)
    if not declared:
        return
    uids = {d.uid: d.type for d in declared}
    types = {d.type for d in declared}
    lookup = resolvable(declared)
    # A reference to one of these with its declared type (or none) is fine
    # whatever the dashboard: what problem() concludes, read with two lookups.
    plain = {u: t for u, t in lookup.items() if isinstance(u, str) and u and "$" not in u and "[[" not in u}
    for board in rendered(ctx):
        found = merged(board, [(p, f) for p, f in problems(board, lookup, types, plain) if not undefined(board, f)])
        for paths, problem_, more in _once_per_variable(found):
            yield _finding(board, paths, problem_, uids, types, more)


def undefined(board: RenderedDashboard, found: Problem) -> bool:
    """Whether ``found`` is about a ``${var}`` the dashboard does not define at all:
    OAC306 reports that one ("variable $x is used ... but not defined", with this
    check's hint), in every project, also one declaring no datasource, where this
    check does not run; two errors for one missing variable were one too many. A
    variable defined with another type (a query variable used as the datasource)
    stays this check's finding. Grafana's own ``$__`` variables and ``$1`` (not
    variables to OAC306) stay here too."""
    if found.kind != NOT_A_VARIABLE:
        return False
    name = found.variable
    if is_builtin(name) or name.isdigit():
        return False
    return all(str(v.get("name")) != name for v in variables(board) if v.get("name"))


def _once_per_variable(found: list[tuple[list[DataPath], Problem]]) -> list[tuple[list[DataPath], Problem, int]]:
    """``found`` with the findings about one datasource variable (a query
    variable used as every panel's datasource makes one per panel) reduced to
    the first, with the number of the others."""
    out: list[tuple[list[DataPath], Problem, int]] = []
    first: dict[str, int] = {}
    for paths, found_ in found:
        if found_.kind in (NOT_A_VARIABLE, UNDECLARED_PLUGIN):
            at = first.get(found_.message)
            if at is not None:
                paths0, found0, more = out[at]
                out[at] = (paths0, found0, more + 1)
                continue
            first[found_.message] = len(out)
        out.append((paths, found_, 0))
    return out


def merged(board: RenderedDashboard, found: list[tuple[DataPath, Problem]]) -> list[tuple[list[DataPath], Problem]]:
    """``found`` with a panel's finding folded into the first of its targets'
    findings about the same reference (the kit gives a panel its targets'
    datasource; a dict often names it twice): one mistake, one diagnostic, at the
    target, where the reference was written; its paths name both places."""
    out: list[tuple[list[DataPath], Problem]] = []
    folded: set[int] = set()
    for i, (path, found_) in enumerate(found):
        if i in folded:
            continue
        paths = [path]
        if path[0] == "panels" and len(path) >= 3 and path[-3] != "targets":  # a panel's own reference
            panel = path[:-1]
            ref = _ref(board.json, path)
            for j in range(i + 1, len(found)):
                other, said = found[j]
                if other[:-3] != panel or other[-3] != "targets":
                    break  # past this panel's targets (problems() lists them after it)
                if said.message == found_.message and _ref(board.json, other) == ref:
                    folded.add(j)
                    paths = [other, path]
                    break
        out.append((paths, found_))
    return out


def problems(
    board: RenderedDashboard, uids: Mapping[str, str], types: set[str], plain: Mapping[str, str]
) -> Iterator[tuple[DataPath, Problem]]:
    """``(path, problem)`` of every reference of :func:`refs` that :func:`problem`
    faults, in its order. ``plain``: declared uids (-> their type) a reference
    with that type (or none) may name whatever the dashboard, judged here with
    two lookups, inline (panels and their targets hold most references, and most
    are fine: a call each cost as much as the rest of the walk). A reference's
    path is made only for a finding."""
    ds_vars = {str(v.get("name")): str(v.get("query") or "") for v in variables(board) if v.get("type") == "datasource"}
    for path, panel in panels(board):
        if panel.get("type") == "row":
            continue  # as in refs(): Grafana runs no query for a row
        # The panel and each of its targets hold a reference under "datasource":
        # the panel first (0), then target k (k + 1), walked without a list of
        # pairs made per panel.
        for at, holder in enumerate((panel, *(panel.get("targets") or ()))):
            ref = holder.get("datasource") if isinstance(holder, dict) else None
            if isinstance(ref, dict):
                uid = ref.get("uid")
                want = plain.get(uid) if type(uid) is str else None
                kind = ref.get("type")
                if not (want is not None and (kind is None or kind == want)):
                    found = problem(ref, uids, types, ds_vars)
                    if found is not None:
                        yield ((*path, "datasource") if at == 0 else (*path, "targets", at - 1, "datasource")), found
    for path, ref in _other_refs(board):
        found = problem(ref, uids, types, ds_vars)
        if found is not None:
            yield path, found


def _ref(data: Any, path: DataPath) -> Any:
    """The value at ``path`` (None when there is none)."""
    try:
        for key in path:
            data = data[key]
    except (KeyError, IndexError, TypeError):
        return None
    return data


def _ref_type(data: Any, path: DataPath) -> Any:
    """The ``type`` of the reference at ``path`` (None when there is none)."""
    data = _ref(data, path)
    return data.get("type") if isinstance(data, dict) else None


def _finding(
    board: RenderedDashboard, paths: list[DataPath], found: Problem, uids: Mapping[str, str], types: set[str], more: int = 0
) -> Diagnostic:
    path = paths[0]
    declared = ", ".join(sorted(uids))
    if found.kind == NOT_A_VARIABLE:
        # The variable is missing from the dashboard, not from datasources/.
        hint = (
            f"add a datasource variable to the dashboard: variables=[{datasource_var_call(found.variable, _ref_type(board.json, path))}], "
            f"or reference a declared datasource: {declared}"
        )
    elif found.kind == UNDECLARED_PLUGIN:
        # The variable exists; what it lists (the declared datasources of its
        # plugin type) is empty.
        hint = (
            f"declare a datasource of type {found.plugin} in datasources/, or make ${found.variable} list a "
            f"declared type: {', '.join(sorted(types))}"
        )
    elif found.kind == OTHER_TYPE:
        # The uid is declared, so "declare it" is no advice: the type is what is wrong.
        same = sorted(u for u, t in uids.items() if t == found.plugin)
        if same:
            hint = f"Grafana sends the query to the datasource of the uid: for a {found.plugin} query use the uid of a declared {found.plugin} datasource: {', '.join(same)}"
        else:
            hint = f"Grafana sends the query to the datasource of the uid: no {found.plugin} datasource is declared; declare one in datasources/ and use its uid"
            if found.uid in types:
                # k.ds("loki-prod", "loki"): the uid written where the plugin type
                # goes, and a plugin type (which uids often repeat) as the uid.
                hint += f"; or were the two swapped? k.ds() takes the plugin type first, then the uid: k.ds({found.uid!r}, {found.plugin!r})"
    else:
        hint = f"declared: {declared}; declare it in datasources/ or use one of these"
    return error(
        board.locate(path[:-1]),
        "OAC307",
        f"{found.message} (dashboard {board.title!r}, {' and '.join('.'.join(map(str, p)) for p in paths)}"
        + (f", and {more} other reference{'s' if more > 1 else ''})" if more else ")"),
        hint=hint,
    )


CHECK = Check("OAC307", "undeclared-datasource", "dashboards may only reference declared datasources", run)
