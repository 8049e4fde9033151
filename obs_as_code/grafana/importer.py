"""Pull dashboards of one Grafana folder back out, for ``oac import grafana``.

Each dashboard becomes a module as ``oac import dashboard`` makes one
(:func:`obs_as_code.importers.dashboard.import_dashboard`): the same datasource
mapping, round-trip check, checks and UID check, for a whole folder at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obs_as_code.grafana.client import GrafanaClient, GrafanaError
from obs_as_code.grafana.managed import strip_markers


class FolderNotFound(GrafanaError):
    """No folder (or more than one) matches the requested title."""


def find_folder(client: GrafanaClient, folder_title: str) -> str | None:
    """UID of the folder titled ``folder_title``; ``None`` for General.

    A path such as ``team/llm`` is resolved level by level (nested folders).
    Raises :class:`FolderNotFound` when missing or ambiguous.
    """
    if folder_title.strip() in ("", "General"):
        return None
    parent: str | None = None
    for title in folder_title.strip("/").split("/"):
        params: list[tuple[str, Any]] = [("limit", 1000)]
        if parent is not None:
            params.append(("parentUid", parent))
        resp = client.get("/api/folders", params)
        if not resp.ok or not isinstance(resp.body, list):
            raise GrafanaError(f"GET /api/folders failed: {resp.message()}")
        matches = [f for f in resp.body if isinstance(f, dict) and f.get("title") == title]
        if not matches and parent is None and "/" not in folder_title:
            # Not at the top level: look anywhere (nested folders) by title.
            hits = client.search([("type", "dash-folder"), ("query", title)])
            matches = [h for h in hits if h.get("title") == title]
        if len(matches) != 1:
            what = "no folder" if not matches else f"{len(matches)} folders"
            raise FolderNotFound(f"{what} titled {title!r} in Grafana")
        parent = str(matches[0]["uid"])
    return parent


def pull_folder(client: GrafanaClient, folder_title: str) -> list[dict[str, Any]]:
    """The dashboards directly in folder ``folder_title``, as plain dashboard JSON.

    Grafana-owned keys (``id``, ``version``) and obs-as-code marker tags are removed,
    so the result looks like a build file.
    """
    uid = find_folder(client, folder_title)
    # General has no folder UID to search in: every dashboard is listed and those
    # with a folder are left out below (the filter other folders need anyway).
    hits = client.search([("type", "dash-db"), *([("folderUIDs", uid)] if uid is not None else [])])
    out: list[dict[str, Any]] = []
    for hit in sorted(hits, key=lambda h: str(h.get("uid"))):
        if (hit.get("folderUid") or None) != uid:
            continue  # defensive: some versions include sub-folders' dashboards
        got = client.get_dashboard(str(hit["uid"]))
        if got is not None and isinstance(got.get("dashboard"), dict):
            out.append(strip_markers(got["dashboard"]))
    return out


@dataclass
class FolderImport:
    """What :func:`import_folder` made of a folder's dashboards: the modules to
    write, or why none may be written."""

    #: ``(path, module source)`` of each dashboard, in UID order.
    modules: list[tuple[Path, str]] = field(default_factory=list)
    #: The project's checks' findings on the modules, each at its line (see
    #: :func:`obs_as_code.importers.dashboard.review`).
    warnings: list[str] = field(default_factory=list)
    #: Where a rebuilt dashboard differs from Grafana's.
    problems: list[str] = field(default_factory=list)
    #: Why nothing is written: a dashboard that needs a datasource the project
    #: lacks, a UID another module of the project has, two dashboards for one file.
    refused: list[str] = field(default_factory=list)
    #: Modules that exist already (without ``force``): a usage error, nothing written.
    existing: list[Path] = field(default_factory=list)

    @property
    def writable(self) -> bool:
        """Whether :func:`write_modules` may write the modules."""
        return not self.refused and not self.existing


def folder_dir(project: Path, folder_title: str) -> Path:
    """Where ``oac import grafana`` writes a folder's modules by default: the
    project's ``dashboards/<folder path>``, which the build reads and ``oac
    publish`` puts back in a folder of the same title (General: ``dashboards/``)."""
    path = folder_title.strip().strip("/")
    if path in ("", "General"):
        return project / "dashboards"
    parts = path.split("/")
    if any(part.strip() in ("", ".", "..") for part in parts):
        # A folder title is free text; as a path it must stay under dashboards/.
        raise ValueError(f"folder {folder_title!r} is no folder path under dashboards/: pass -o DIR")
    return project.joinpath("dashboards", *parts)


#: What a module's file name keeps of a dashboard UID (Grafana 11 takes
#: ``[A-Za-z0-9_-]``, but a dashboard saved by an older release may hold anything).
_NOT_IN_NAME = re.compile(r"[^A-Za-z0-9_]")


def module_name(uid: str) -> str:
    """The file name (without ``.py``) of the module written for dashboard ``uid``:
    never a path (``../x``, ``a/b``), never empty."""
    return _NOT_IN_NAME.sub("_", uid) or "dashboard"


def import_folder(
    dashboards: list[dict[str, Any]], project: Path, out_dir: Path, *, force: bool = False, origin: str = ""
) -> FolderImport:
    """Turn each of ``dashboards`` (from :func:`pull_folder`) into a module under
    ``out_dir`` as ``oac import dashboard`` does one: placeholders mapped to the
    datasources of the project at ``project``, the module run once to check that it
    rebuilds the same dashboard, the project's checks run on it (errors suppressed
    at their line, for review), and, for a module the build reads, its UID checked
    against the project's other dashboards. Nothing is written here (see
    :func:`write_modules`). ``origin`` (where the dashboards come from) goes in
    each module's docstring."""
    from obs_as_code.importers.dashboard import (
        UnresolvedInputs,
        import_dashboard,
        load_for_import,
        project_conflict,
        project_module,
    )

    plan = FolderImport()
    targets: dict[Path, tuple[str, dict[str, Any]]] = {}
    for dash in dashboards:
        uid = str(dash.get("uid") or "dashboard")
        path = out_dir / f"{module_name(uid)}.py"
        if path in targets:
            plan.refused.append(f"dashboards {targets[path][0]!r} and {uid!r} would both be written to {path}")
            continue
        targets[path] = (uid, dash)
        if path.exists() and not force:
            plan.existing.append(path)
    module_of = {path: project_module(project, path) for path in targets}
    # Loaded once for the whole folder: the datasources, and the project's
    # dashboards when a module joins them (their UIDs).
    loaded = load_for_import(project, dashboards=any(m is not None for m in module_of.values()))
    for path, (uid, dash) in targets.items():
        module = module_of[path]
        shown = module or str(path)
        try:
            done = import_dashboard(dash, loaded, shown, source=origin or None, command="oac import grafana")
        except (UnresolvedInputs, ValueError) as exc:
            plan.refused.append(f"{shown}: dashboard {uid!r}: {exc}")
            continue
        if module is not None:
            conflict = project_conflict(done, loaded, module)
            if conflict is not None:
                plan.refused.append(f"{shown}: {conflict}")
                continue
        plan.modules.append((path, done.source))
        plan.warnings.extend(done.warnings)
        plan.problems.extend(f"{shown}: {line}" for line in done.problems)
    return plan


def write_modules(plan: FolderImport) -> list[Path]:
    """Write the modules of ``plan`` (when :attr:`FolderImport.writable`); the
    paths written."""
    if not plan.writable:
        return []
    for path, source in plan.modules:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return [path for path, _source in plan.modules]
