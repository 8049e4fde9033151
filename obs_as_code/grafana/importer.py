"""Pull dashboards of one Grafana folder back out, for ``oac import grafana``.

The JSON -> Python conversion belongs to :mod:`obs_as_code.importers.dashboard`
(``to_python(dashboard) -> str``). When that module is not installed, the
dashboards are written as JSON files instead and the report says so.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
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
    hits = client.search([("type", "dash-db"), ("folderUIDs", uid or "general")])
    out: list[dict[str, Any]] = []
    for hit in sorted(hits, key=lambda h: str(h.get("uid"))):
        if (hit.get("folderUid") or None) != uid:
            continue  # defensive: some versions include sub-folders' dashboards
        got = client.get_dashboard(str(hit["uid"]))
        if got is not None and isinstance(got.get("dashboard"), dict):
            out.append(strip_markers(got["dashboard"]))
    return out


@dataclass
class ImportReport:
    """Files written by :func:`write_dashboards`."""

    files: list[Path] = field(default_factory=list)
    as_python: bool = True
    note: str = ""


def _converter() -> Callable[[dict[str, Any]], str] | None:
    try:
        module = importlib.import_module("obs_as_code.importers.dashboard")
    except ImportError:
        return None
    func = getattr(module, "to_python", None)
    return func if callable(func) else None


def write_dashboards(dashboards: list[dict[str, Any]], out_dir: str | Path) -> ImportReport:
    """Write each dashboard as ``<uid>.py`` (via ``to_python``) or ``<uid>.json``."""
    target = Path(out_dir)
    target.mkdir(parents=True, exist_ok=True)
    convert = _converter()
    report = ImportReport(as_python=convert is not None)
    if convert is None:
        report.note = ("obs_as_code.importers.dashboard is not available: "
                       "wrote dashboard JSON files instead of Python")
    for dash in dashboards:
        stem = str(dash.get("uid") or "dashboard")
        if convert is not None:
            path = target / f"{stem.replace('-', '_')}.py"
            path.write_text(convert(dash), encoding="utf-8")
        else:
            path = target / f"{stem}.json"
            path.write_text(json.dumps(dash, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        report.files.append(path)
    return report
