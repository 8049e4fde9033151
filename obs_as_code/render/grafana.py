"""Grafana output: one JSON file per dashboard and the provisioning files.

``build/grafana/dashboards/<folder>/<uid>.json`` (plain dashboard JSON),
``build/grafana/provisioning/dashboards/obs-as-code.yaml`` (a file provider with
``foldersFromFilesStructure``, so subdirectories become folders) and
``build/grafana/provisioning/datasources/datasources.yaml``. A stock Grafana with
``build/grafana/provisioning`` as its provisioning directory and
``build/grafana/dashboards`` mounted at ``/var/lib/grafana/dashboards`` shows
every dashboard in its folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from obs_as_code import names
from obs_as_code.artifacts import Artifact
from obs_as_code.dashboards.project import render_project
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.load import Project
from obs_as_code.model.datasource import Datasource, DeletedDatasource, literal
from obs_as_code.source import keyword_location


def provider_config() -> dict[str, Any]:
    """The dashboard provider: read-only in the UI, folders from directories."""
    return {
        "apiVersion": 1,
        "providers": [
            {
                "name": "obs-as-code",
                "orgId": 1,
                "type": "file",
                "disableDeletion": False,
                "allowUiUpdates": False,
                "updateIntervalSeconds": 30,
                "options": {
                    "path": names.GRAFANA_DASHBOARDS_MOUNT,
                    "foldersFromFilesStructure": True,
                },
            }
        ],
    }


def datasource_entry(d: Datasource) -> dict[str, Any]:
    """One datasource as Grafana's provisioning file spells it."""
    entry: dict[str, Any] = {
        "name": literal(d.name),
        "type": d.type,
        "uid": d.uid,
        "url": literal(d.url),
        "access": d.access,
        "isDefault": d.is_default,
        "editable": d.editable,
    }
    if d.basic_auth_user is not None:
        entry["basicAuth"] = True
        entry["basicAuthUser"] = literal(d.basic_auth_user)
    if d.json_data:
        entry["jsonData"] = literal(d.json_data)
    if d.secure_json_data:
        # References only (``${ENV}``, ``$__file{/path}``: check OAC111), which Grafana
        # resolves when it reads the file; the secret itself is never read here.
        entry["secureJsonData"] = dict(d.secure_json_data)
    return entry


def _datasource_uid_refs(value: Any, path: tuple[str | int, ...]) -> list[tuple[tuple[str | int, ...], str]]:
    """``(path, uid)`` of every ``datasourceUid`` in a datasource's ``json_data``:
    where Grafana links one datasource to another (Tempo's ``tracesToLogsV2`` and
    ``serviceMap``, Loki's derived fields, Prometheus's exemplar destinations)."""
    found: list[tuple[tuple[str | int, ...], str]] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "datasourceUid" and isinstance(v, str) and v:
                found.append(((*path, k), v))
            else:
                found.extend(_datasource_uid_refs(v, (*path, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            found.extend(_datasource_uid_refs(v, (*path, i)))
    return found


def render_datasources(project: Project) -> tuple[dict[str, Any], list[Diagnostic]]:
    """``datasources.yaml`` data, with a ``deleteDatasources`` entry per previous
    name (``previous_names``) and per :class:`DeletedDatasource` when there is one;
    duplicate uids or names, several defaults, a ``datasourceUid`` in ``json_data``
    that no datasource has, or a previous or deleted name that a datasource has
    now are errors."""
    diagnostics: list[Diagnostic] = []
    seen_uid: dict[str, Datasource] = {}
    seen_name: dict[str, Datasource] = {}
    entries = []
    for d in project.all(Datasource):
        for key, seen, what in ((d.uid, seen_uid, "uid"), (d.name, seen_name, "name")):
            if key in seen:
                diagnostics.append(
                    error(d.location, "OAC307", f"datasource {what} {key!r} is declared twice "
                          f"(first at {seen[key].location})")
                )
            seen[key] = d
        if not names.valid_uid(d.uid):
            diagnostics.append(error(d.location, "OAC307", f"datasource uid {d.uid!r} is not a valid Grafana uid"))
        entries.append(datasource_entry(d))
    for d in project.all(Datasource):
        for path, uid in _datasource_uid_refs(d.json_data, ()):
            if uid not in seen_uid:
                diagnostics.append(
                    error(
                        d.location,
                        "OAC307",
                        f"datasource {d.uid!r} refers to datasource uid {uid!r} in json_data["
                        f"{'.'.join(map(str, path))}], which datasources/ does not declare",
                        hint=f"declared: {', '.join(sorted(seen_uid))}",
                    )
                )
    defaults = [d for d in project.all(Datasource) if d.is_default]
    if len(defaults) > 1:
        diagnostics.append(error(defaults[1].location, "OAC307", "more than one datasource has is_default=True"))
    deleted, found = _deleted_datasources(project.all(Datasource), seen_name, project.all(DeletedDatasource))
    diagnostics.extend(found)
    doc: dict[str, Any] = {"apiVersion": 1}
    if deleted:
        # Grafana applies a file's deleteDatasources before its datasources: listed
        # first, the file reads in the order Grafana acts.
        doc["deleteDatasources"] = deleted
    doc["datasources"] = entries
    return doc, diagnostics


#: The organisation every datasource of the project belongs to (no ``orgId`` is
#: rendered for them: Grafana's default, 1); ``deleteDatasources`` spells it.
ORG_ID = 1


def org_of(entry: Mapping[str, Any]) -> int:
    """The ``orgId`` of a provisioning file's entry as Grafana's config reader
    takes it: organisation 1 (:data:`ORG_ID`) when it has none (or no positive
    integer)."""
    value = entry.get("orgId")
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else ORG_ID


def _deleted_datasources(
    declared: Sequence[Datasource], by_name: dict[str, Datasource], gone: Sequence[DeletedDatasource] = ()
) -> tuple[list[dict[str, Any]], list[Diagnostic]]:
    """``deleteDatasources`` entries for every ``previous_names`` of ``declared``
    and every name of ``gone`` (sorted by name, each once), and an error for such
    a name that is a name declared now (``by_name``; OAC113 for a previous name,
    OAC114 for a deleted one): Grafana would delete that datasource and insert it
    again at every start, under a new id."""
    diagnostics: list[Diagnostic] = []
    freed: set[str] = set()
    for d in declared:
        for old in d.previous_names:
            current = by_name.get(old)
            if current is not None:
                if current is d:
                    whose, hint = "its own name", f"remove {old!r} from previous_names"
                else:
                    whose = f"the name of datasource {current.uid!r} (at {current.location})"
                    hint = (f"remove {old!r} from previous_names once the rename that freed it has reached "
                            "every Grafana (docs/lint/OAC113.md: reusing or swapping names)")
                diagnostics.append(
                    error(
                        keyword_location(d.location, "previous_names"),
                        "OAC113",
                        f"datasource {d.uid!r} lists previous name {old!r}, which is {whose}: Grafana "
                        "would delete that datasource and insert it again at every start",
                        hint=hint,
                    )
                )
                continue
            freed.add(old)
    for g in gone:
        current = by_name.get(g.name)
        if current is not None:
            diagnostics.append(
                error(
                    keyword_location(g.location, "name"),
                    "OAC114",
                    f"deleted datasource {g.name!r} is the name of datasource {current.uid!r} (at {current.location}): "
                    "Grafana would delete that datasource and insert it again at every start",
                    hint=f"remove DeletedDatasource({g.name!r}) once every Grafana has started with the deletion "
                    "(docs/lint/OAC114.md: reusing a name)",
                )
            )
            continue
        freed.add(g.name)
    return [{"name": literal(n), "orgId": ORG_ID} for n in sorted(freed)], diagnostics


def render_dashboards(project: Project) -> tuple[list[Artifact], list[Diagnostic]]:
    """The dashboard files of ``project`` (and what rendering them found): the part
    of :func:`render` an incremental build runs per module."""
    rendered = render_project(project)
    artifacts: list[Artifact] = []
    for r in rendered.dashboards:
        made = r.made_text  # serialized already when a check read the text
        artifacts.append(
            Artifact(
                r.path,
                r.json,
                "json",
                sources=[r.source_map[()].file],
                source_map=r.source_map,
                _content=made.encode("utf-8") if made is not None else None,
            )
        )
    return artifacts, list(rendered.diagnostics)


def render_provisioning(project: Project, dashboard_sources: Sequence[str]) -> tuple[list[Artifact], list[Diagnostic]]:
    """The provisioning files: the dashboard provider (its sources are the modules of
    the dashboard files, ``dashboard_sources``) and ``datasources.yaml``. Nothing
    when there is no dashboard file, no datasource and no deleted datasource."""
    artifacts: list[Artifact] = []
    diagnostics: list[Diagnostic] = []
    gone = project.all(DeletedDatasource)
    if dashboard_sources or project.all(Datasource) or gone:
        modules = sorted(set(dashboard_sources))
        artifacts.append(Artifact(names.DASHBOARD_PROVIDER_FILE, provider_config(), "yaml", sources=modules))
        data, diagnostics = render_datasources(project)
        artifacts.append(
            Artifact(
                names.DATASOURCES_FILE,
                data,
                "yaml",
                sources=sorted({d.location.file for d in [*project.all(Datasource), *gone]}),
            )
        )
    return artifacts, diagnostics


def render(project: Project) -> tuple[list[Artifact], list[Diagnostic]]:
    """Every dashboard and the provisioning files (nothing when the project declares
    neither dashboards nor datasources)."""
    artifacts, diagnostics = render_dashboards(project)
    rest, found = render_provisioning(project, [s for a in artifacts for s in a.sources])
    return [*artifacts, *rest], [*diagnostics, *found]
