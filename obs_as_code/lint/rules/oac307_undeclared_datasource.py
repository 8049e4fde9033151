"""OAC307: a dashboard references a datasource uid that ``datasources/`` does not
declare (the panel shows "datasource not found" in Grafana). References through a
datasource variable (``${datasource}``) and Grafana's built-in datasources are fine.
Projects that declare no datasource at all leave datasources to Grafana and are
not checked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panels, rendered, variable_names, variables
from obs_as_code.model.datasource import Datasource

BUILTIN_UIDS = frozenset({"grafana", "-- Grafana --", "-- Mixed --", "-- Dashboard --", "__expr__"})
BUILTIN_TYPES = frozenset({"datasource", "grafana", "__expr__"})


def refs(board: RenderedDashboard) -> Iterator[tuple[DataPath, dict[str, Any]]]:
    """Every ``datasource`` reference of a dashboard: panels, their targets, template
    variables and annotations (the places Grafana reads one from)."""
    for path, panel in panels(board):
        if isinstance(panel.get("datasource"), dict):
            yield (*path, "datasource"), panel["datasource"]
        for k, t in enumerate(panel.get("targets") or []):
            if isinstance(t, dict) and isinstance(t.get("datasource"), dict):
                yield (*path, "targets", k, "datasource"), t["datasource"]
    for i, var in enumerate(variables(board)):
        if isinstance(var.get("datasource"), dict):
            yield ("templating", "list", i, "datasource"), var["datasource"]
    annotations = board.json.get("annotations")
    for i, ann in enumerate(annotations.get("list") or [] if isinstance(annotations, dict) else []):
        if isinstance(ann, dict) and isinstance(ann.get("datasource"), dict):
            yield ("annotations", "list", i, "datasource"), ann["datasource"]


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    declared = ctx.project.all(Datasource)
    if not declared:
        return
    uids = {d.uid for d in declared}
    types = {d.type for d in declared}
    for board in rendered(ctx):
        ds_vars = {str(v.get("name")) for v in variables(board) if v.get("type") == "datasource"}
        for path, ref in refs(board):
            uid = ref.get("uid")
            kind = ref.get("type")
            if kind in BUILTIN_TYPES or uid in BUILTIN_UIDS:
                continue
            if isinstance(uid, str) and uid:
                # Only a "$" or "[[" can start a variable reference (most uids have neither).
                names = variable_names(uid) if "$" in uid or "[[" in uid else []
                if names:
                    if names[0] in ds_vars:
                        continue
                    message = f"datasource variable ${names[0]} is not a datasource variable of the dashboard"
                elif uid in uids:
                    continue
                else:
                    message = f"datasource uid {uid!r} is not declared"
            elif isinstance(kind, str) and kind in types:
                continue  # type only: Grafana takes the declared one of that type
            else:
                message = f"datasource {ref!r} matches no declared datasource"
            yield error(
                board.locate(path[:-1]),
                "OAC307",
                f"{message} (dashboard {board.title!r}, {'.'.join(map(str, path))})",
                hint=f"declared: {', '.join(sorted(uids))}; declare it in datasources/ or use one of these",
            )


CHECK = Check("OAC307", "undeclared-datasource", "dashboards may only reference declared datasources", run)
