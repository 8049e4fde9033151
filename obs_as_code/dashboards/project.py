"""Every dashboard of a project rendered once, with the errors that concern them all
(UID collisions, invalid UIDs, sources that cannot be rendered, library panels
without their model)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from obs_as_code import names
from obs_as_code.dashboards.render import RenderedDashboard, render_dashboard
from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.load import Project
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.datasource import Datasource
from obs_as_code.source import at_project_root, keyword_location

_CACHE_ATTR = "_oac_rendered_dashboards"


@dataclass
class ProjectDashboards:
    """The rendered dashboards of a project and the diagnostics rendering found."""

    #: What the build writes: every dashboard that rendered with a valid UID of its own.
    dashboards: list[RenderedDashboard] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    #: What the checks read: every dashboard that rendered, those not written for an
    #: invalid or repeated UID included, so one run reports their other mistakes too.
    checked: list[RenderedDashboard] = field(default_factory=list)
    #: ``id(definition)`` -> its rendering, for every definition that rendered
    #: (those dropped for an invalid or repeated UID included): what the other
    #: readers of dashboard JSON (OAC2xx panel queries, OAC506) look up instead
    #: of rendering again.
    by_definition: dict[int, RenderedDashboard] = field(default_factory=dict)

    def of(self, d: DashboardDef) -> RenderedDashboard | None:
        """``d`` as this build rendered it, or None when it could not be rendered."""
        return self.by_definition.get(id(d))


def _module(d: DashboardDef) -> str:
    return d.module or d.location.file


def _nested_folder(d: DashboardDef, folder: str) -> Diagnostic:
    """Grafana's file provider (``foldersFromFilesStructure``) makes only the last
    directory of a dashboard file's path its folder (grafana/grafana#107158): a
    dashboard of ``team/llm`` shows in a top-level folder ``llm``, shared with
    every other folder whose last part is ``llm``."""
    shown = names.provisioned_folder(folder)
    return warning(
        d.location,
        "OAC310",
        f"dashboard folder {folder!r} is not nested in a Grafana provisioned from build/grafana/provisioning: "
        f"its file provider makes only the last directory a folder, so the dashboard shows in a top-level "
        f"folder {shown!r}, with those of every other folder named {shown!r}",
        hint="use one level of folders under dashboards/ (or folder=); oac publish creates nested folders",
    )


def unresolved_library_panels(rendered: RenderedDashboard) -> list[Diagnostic]:
    """OAC313: each library panel reference normalization could not replace by
    its model (the export's ``__elements`` lacks it). Grafana creates library
    panels from ``__elements`` only when it imports a dashboard; provisioning
    loads the file as it is, so the reference alone shows "library panel not
    found" (and is no panel to the schema: no ``type``)."""
    from obs_as_code.lint.files import board_panels  # shared: the checks walk the same list

    out: list[Diagnostic] = []
    for path, panel in board_panels(rendered):
        ref = panel.get("libraryPanel")
        if not isinstance(ref, dict):
            continue
        name, uid = ref.get("name"), ref.get("uid")
        what = f"library panel {name!r}" if isinstance(name, str) and name else "library panel"
        out.append(
            error(
                rendered.locate(path),
                "OAC313",
                f"{what} (uid {uid!r}) in dashboard {rendered.title!r} has no model in the dashboard's "
                "__elements: a provisioned Grafana cannot resolve it (only an import creates library panels)",
                hint="export the dashboard again with its library panels (Share > Export > "
                "'Export for sharing externally' puts their models in __elements), or inline "
                "the panel: put its JSON (type, targets ...) in place of the libraryPanel reference",
            )
        )
    return out


def render_project(project: Project) -> ProjectDashboards:
    """Render every :class:`DashboardDef` of ``project`` (once: the result is cached
    on the project, so the renderer and the OAC3xx checks share it)."""
    datasources = project.all(Datasource)
    defs = project.all(DashboardDef)
    # Keyed by the definitions' identities: a generator adding a dashboard later
    # invalidates it.
    key = tuple(map(id, [*defs, *datasources]))
    cached = getattr(project, _CACHE_ATTR, None)
    if isinstance(cached, tuple) and cached[0] == key:
        hit: ProjectDashboards = cached[1]
        return hit
    result = ProjectDashboards()
    per_module = Counter(_module(d) for d in defs)
    for d in defs:
        # A module declaring several dashboards gets the variable name in each UID.
        default = names.dashboard_uid(_module(d), d.name if per_module[_module(d)] > 1 else None)
        try:
            rendered = render_dashboard(d, datasources=datasources, default_uid=default, root=project.root)
        except Exception as exc:  # a user's builder may raise anything
            result.diagnostics.append(
                error(d.location, "OAC309", f"dashboard {d.name or '?'} cannot be rendered: {type(exc).__name__}: {exc}")
            )
            continue
        result.by_definition[id(d)] = rendered
        result.checked.append(rendered)
        result.diagnostics.extend(unresolved_library_panels(rendered))
        bad_folder = names.folder_problem(rendered.folder)
        if bad_folder is not None:
            result.diagnostics.append(
                error(
                    d.location,
                    "OAC310",
                    f"dashboard folder {rendered.folder!r} is invalid: {bad_folder}",
                    hint="a folder is a relative path of names under dashboards/, such as 'team/llm'",
                )
            )
            continue
        if not names.valid_uid(rendered.uid):
            with at_project_root(project.root):
                # At the uid= argument when the call has one (k.dashboard, DashboardDef).
                where = keyword_location(d.location, "uid")
            result.diagnostics.append(
                error(
                    where,
                    "OAC308",
                    f"dashboard UID {rendered.uid!r} is invalid: Grafana takes at most "
                    f"{names.UID_MAX} characters of [A-Za-z0-9_-]",
                )
            )
            continue
        if "/" in rendered.folder:
            result.diagnostics.append(_nested_folder(d, rendered.folder))
        result.dashboards.append(rendered)
    by_uid: dict[str, RenderedDashboard] = {}
    for r in result.dashboards:
        first = by_uid.get(r.uid)
        if first is None:
            by_uid[r.uid] = r
            continue
        first_loc = first.source_map[()]
        result.diagnostics.append(
            error(
                r.source_map[()],
                "OAC308",
                f"dashboard UID {r.uid!r} is used twice: by {first_loc.file} "
                f"({first.title!r}, line {first_loc.line}) and by {r.source_map[()].file} ({r.title!r})",
                hint="set uid= on one of them (DashboardDef(uid=...) or .uid(...) on the builder)",
            )
        )
    result.dashboards = [r for r in result.dashboards if by_uid[r.uid] is r]
    result.diagnostics.extend(_title_problems(result.dashboards))
    setattr(project, _CACHE_ATTR, (key, result))
    return result


def _title_problems(dashboards: list[RenderedDashboard]) -> list[Diagnostic]:
    """OAC312: an empty title, or two dashboards whose titles are the same in one
    folder. Grafana refuses both (400 empty-name; 412 name-exists, comparing the
    titles' slugs), and so does `oac publish` before writing: the build says so at
    the user's line rather than the deploy."""
    out: list[Diagnostic] = []
    by_title: dict[str, RenderedDashboard] = {}
    for r in dashboards:
        title = r.title
        shown = names.provisioned_folder(r.folder)
        where = f"folder {shown!r}" if shown else "the General folder"
        if not isinstance(title, str) or not title.strip():
            out.append(
                error(
                    r.source_map[()],
                    "OAC312",
                    f"dashboard {r.uid!r} has an empty title: Grafana refuses it",
                    hint="give the dashboard a title (the first argument of kit.dashboard / sdk.Dashboard, or \"title\")",
                )
            )
            continue
        key = names.provisioned_title_key(r.folder, title)
        first = by_title.get(key)
        if first is None:
            by_title[key] = r
            continue
        first_loc = first.source_map[()]
        out.append(
            error(
                r.source_map[()],
                "OAC312",
                f"dashboard title {title!r} is used twice in {where}: by {first_loc.file} "
                f"({first.uid!r}, line {first_loc.line}) and by {r.source_map[()].file} ({r.uid!r}); "
                "Grafana refuses the second",
                hint="rename one of them, or move one into another folder (a subfolder of dashboards/)",
            )
        )
    return out


def forget_rendered(project: Project) -> None:
    """Drop the rendering :func:`render_project` cached on ``project``, once the
    stages that share it have run: the artifacts keep the dashboards' JSON, and the
    rest (the checks' views of each dashboard) need not outlive the build. The
    views refer back to their dashboard: cleared here, reference counting frees
    them, instead of the cyclic collector walking them all later."""
    cached = vars(project).pop(_CACHE_ATTR, None)
    if isinstance(cached, tuple):
        for r in cached[1].by_definition.values():
            r.derived.clear()


def share_rendering(source: Project, target: Project) -> None:
    """Let ``target`` reuse the rendering :func:`render_project` cached on
    ``source``: used only if ``target`` holds the same dashboard definitions and
    datasources (the cache's key says so; otherwise ``target`` renders its own)."""
    cached = vars(source).get(_CACHE_ATTR)
    if cached is not None and _CACHE_ATTR not in vars(target):
        setattr(target, _CACHE_ATTR, cached)
