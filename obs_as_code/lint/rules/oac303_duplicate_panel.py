"""OAC303: two panels of a dashboard with the same id, two panels of one row with
the same title and type (links, repeat and the panel editor address panels by id;
two same titles in a row usually mean a copy-paste that was not edited; a graph
and a gauge of one title are one quantity drawn two ways, on purpose, as
node-mixin's "Memory Usage"), or two targets of
one panel with the same refId (Grafana's backend answers a panel's queries in a
map keyed by refId: one of the two results is lost)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, panels, rendered


def sections(board: RenderedDashboard) -> Iterator[tuple[str, list[tuple[DataPath, dict[str, Any]]]]]:
    """Panels grouped by the row they sit in (``""`` before the first row)."""
    current = ""
    group: list[tuple[DataPath, dict[str, Any]]] = []
    for i, p in enumerate(board.json.get("panels") or []):
        if not isinstance(p, dict):
            continue
        if p.get("type") == "row":
            yield current, group
            current, group = panel_title(p), []
            nested = [(("panels", i, "panels", j), c) for j, c in enumerate(p.get("panels") or []) if isinstance(c, dict)]
            group.extend(nested)
            continue
        group.append((("panels", i), p))
    yield current, group


def clean(board: RenderedDashboard) -> bool:
    """Whether :func:`findings` has nothing to say about ``board``: its panel ids
    all differ, and so do the non-blank (title, type) of each section, compared as sets
    (no data path made, no location looked up). An id that cannot be compared so
    (unhashable) leaves the judgement to :func:`findings`."""
    try:
        ids = [p.get("id") for _path, p in panels(board)]
        if len(set(ids)) != len(ids):
            return False
    except TypeError:
        return False
    # Not "p": compiled with mypyc, a name keeps the type of its first binding
    # (a dict here), and the loop below binds it to raw entries ("x") too.
    for _path, panel in panels(board):
        if _repeated_ref_ids(panel):
            return False
    titles: list[tuple[str, str]] = []  # the section's, as sections() groups the panels
    for p in board.json.get("panels") or []:
        if not isinstance(p, dict):
            continue
        if p.get("type") == "row":
            if len(set(titles)) != len(titles):
                return False
            titles = [(t, _kind(c)) for c in p.get("panels") or [] if isinstance(c, dict) and (t := panel_title(c).strip())]
            continue
        title = p.get("title")
        if isinstance(title, str) and (title := title.strip()):
            titles.append((title, _kind(p)))
    return len(set(titles)) == len(titles)


def _kind(panel: dict[str, Any]) -> str:
    """The panel's type, as a string (compared with the title)."""
    kind = panel.get("type")
    return kind if isinstance(kind, str) else ""


def _repeated_ref_ids(panel: dict[str, Any]) -> bool:
    """Whether two targets of ``panel`` have the same refId."""
    targets = panel.get("targets")
    if not isinstance(targets, list) or len(targets) < 2:
        return False
    refs = [t.get("refId") for t in targets if isinstance(t, dict) and isinstance(t.get("refId"), str) and t.get("refId")]
    return len(set(refs)) != len(refs)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        if not clean(board):
            yield from findings(board)


def findings(board: RenderedDashboard) -> Iterator[Diagnostic]:
    """Panels of ``board`` whose id an earlier panel has, or whose title an
    earlier panel of their section has."""
    ids: dict[Any, DataPath] = {}
    for path, panel in panels(board):
        pid = panel.get("id")
        if pid in ids:
            yield error(
                board.locate(path),
                "OAC303",
                f"panel id {pid} is used twice in dashboard {board.title!r} "
                f"({panel_title(panel)!r} and the panel at {board.locate(ids[pid])})",
            )
        else:
            ids[pid] = path
    for path, panel in panels(board):
        if not _repeated_ref_ids(panel):
            continue
        seen: set[str] = set()
        for k, t in enumerate(panel.get("targets") or []):
            ref = t.get("refId") if isinstance(t, dict) else None
            if not isinstance(ref, str) or not ref:
                continue
            if ref in seen:
                yield error(
                    board.locate((*path, "targets", k)),
                    "OAC303",
                    f"refId {ref!r} is used by two targets of panel {panel_title(panel)!r} in dashboard "
                    f"{board.title!r}: Grafana keeps one of their results",
                    hint="give each target its own ref_id (or leave it out: the build numbers them A, B, ...)",
                )
            seen.add(ref)
    for row, group in sections(board):
        titles: dict[tuple[str, str], DataPath] = {}
        for path, panel in group:
            title = panel_title(panel).strip()
            if not title:
                continue
            key = (title, _kind(panel))  # another type under one title is deliberate
            if key in titles:
                where = f"row {row!r}" if row else "the panels above the first row"
                yield error(
                    board.locate(path),
                    "OAC303",
                    f"panel title {title!r} appears twice in {where} of dashboard {board.title!r}",
                    hint=f"first one at {board.locate(titles[key])}",
                )
            else:
                titles[key] = path


CHECK = Check("OAC303", "duplicate-panel", "panel ids unique per dashboard, titles unique per row and type, refIds per panel", run)
