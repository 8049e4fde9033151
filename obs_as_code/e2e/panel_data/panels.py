"""Panel walking: every panel of a dashboard, rows' panels and repeated copies included."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from obs_as_code.dashboards.migrate import GRID_COLUMNS
from obs_as_code.dashboards.render import panel_list
from obs_as_code.e2e.panel_data.formats import Variable


@dataclass
class _Group:
    """A row (None: the top level) and the panels Grafana shows in it."""

    row: Mapping[str, Any] | None
    panels: list[Mapping[str, Any]]

    @property
    def collapsed(self) -> bool:
        """The row is collapsed: its panels query only once a user expands it."""
        return self.row is not None and bool(self.row.get("collapsed") or self.row.get("collapse"))


def _row_groups(dashboard: Mapping[str, Any]) -> tuple[list[_Group], list[Mapping[str, Any]]]:
    """The rows in order, and the panels Grafana never shows.

    As scenes' ``createSceneObjectsForPanels``: a collapsed row holds its nested
    ``panels``, and the top-level panels after it are outside any row; an expanded
    row holds the top-level panels after it, up to the next row, and its nested
    ``panels`` (second list) are dropped. Schema < 16 dashboards keep ``rows``.

    The walk is the dashboards' own (:func:`~obs_as_code.dashboards.render.panel_list`:
    each top-level panel, then a row's nested panels); only the grouping is done here."""
    groups = [_Group(None, [])]
    dropped: list[Mapping[str, Any]] = []
    parent: Mapping[str, Any] | None = None  # the top-level panel being walked
    for path, panel in panel_list(dashboard.get("panels")):
        if len(path) == 2:  # ("panels", i): a top-level panel or row
            parent = panel
            if panel.get("type") == "row":
                groups.append(_Group(panel, []))
            elif groups[-1].collapsed:
                groups.append(_Group(None, [panel]))
            else:
                groups[-1].panels.append(panel)
        elif len(path) == 4 and parent is not None and groups[-1].row is parent:
            # ("panels", i, "panels", j): shown only inside a collapsed row.
            (groups[-1].panels if groups[-1].collapsed else dropped).append(panel)
    rows = dashboard.get("rows")
    for row in rows if isinstance(rows, list) else []:
        if isinstance(row, dict):
            groups.append(_Group(row, [p for path, p in panel_list(row.get("panels")) if len(path) == 2]))
    return [g for g in groups if g.row is not None or g.panels], dropped


def dropped_panels(dashboard: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Panels nested in an expanded row: Grafana shows (and queries) none of them."""
    return _row_groups(dashboard)[1]


def iter_panels(dashboard: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(row title, panel)`` for every panel that is not a row, rows' panels included
    (as saved: repeats not expanded, see :func:`panel_copies`)."""
    for group in _row_groups(dashboard)[0]:
        for panel in group.panels:
            yield str((group.row or {}).get("title") or ""), panel


@dataclass(frozen=True)
class PanelCopy:
    """One panel as Grafana shows it: a repeated row's or panel's copy, or the panel itself."""

    row: str
    panel: Mapping[str, Any]
    title: str
    #: The variables this copy sees (a repeat's variable set to one value).
    variables: Mapping[str, Variable]
    #: The variables a repeat set for this copy.
    pinned: frozenset[str] = frozenset()
    #: In a collapsed row: Grafana runs its queries only once the row is expanded.
    collapsed: bool = False


def _repeat_values(var: Variable) -> tuple[str, ...]:
    # getMultiVariableValues: every option for All, else the selected values; a
    # variable without value still gives one copy (value "", scenes' placeholder).
    return var.values or ("",)


def panel_copies(dashboard: Mapping[str, Any], variables: Mapping[str, Variable]) -> Iterator[PanelCopy]:
    """Every panel (rows' panels included) once per copy Grafana shows of it.

    A row with ``repeat`` is shown once per value of its variable (scenes'
    ``RowRepeaterBehavior``), its panels with the variable set to that one value
    (a ``LocalValueVariable``); a panel with ``repeat`` likewise (``DashboardGridItem``),
    inside each row copy. A horizontal repeat (``repeatDirection`` ``h``, the
    default) spans the full grid width split into ``min(copies, maxPerRow)``
    columns (``maxPerRow`` 4 by default), which sets each copy's width, hence its
    data points; a vertical one keeps the panel's width. A repeat over an
    unknown variable is not expanded. Copies are titled ``title (var=value)``
    when there is more than one. A copy in a collapsed row is marked
    :attr:`PanelCopy.collapsed` (checked all the same: a user expanding the row
    sees it); panels nested in an expanded row are not shown by Grafana
    (:func:`dropped_panels`).
    """
    for group in _row_groups(dashboard)[0]:
        row = group.row
        row_title = str((row or {}).get("title") or "")
        row_repeat = str((row or {}).get("repeat") or "")
        row_copies: list[tuple[str, Mapping[str, Variable], frozenset[str]]] = [(row_title, variables, frozenset())]
        if row_repeat in variables:
            values = _repeat_values(variables[row_repeat])
            row_copies = [
                (f"{row_title} ({row_repeat}={v})" if len(values) > 1 else row_title,
                 {**variables, row_repeat: variables[row_repeat].single(v)}, frozenset({row_repeat}))
                for v in values
            ]
        for title_of_row, scoped, pinned in row_copies:
            for panel in group.panels:
                yield from _panel_repeat(title_of_row, panel, scoped, pinned, group.collapsed)


def _panel_repeat(
    row: str, panel: Mapping[str, Any], variables: Mapping[str, Variable], pinned: frozenset[str],
    collapsed: bool,
) -> Iterator[PanelCopy]:
    title = str(panel.get("title") or f"panel {panel.get('id', '?')}")
    repeat = str(panel.get("repeat") or "")
    if repeat not in variables:
        yield PanelCopy(row, panel, title, variables, pinned, collapsed)
        return
    values = _repeat_values(variables[repeat])
    if panel.get("repeatDirection") != "v":
        # The repeat spans the grid; each copy gets one column of min(n, maxPerRow).
        columns = min(len(values), int(panel.get("maxPerRow") or 4))
        panel = {**panel, "gridPos": {**(panel.get("gridPos") or {}), "w": GRID_COLUMNS / columns}}
    for v in values:
        copy_title = f"{title} ({repeat}={v})" if len(values) > 1 else title
        yield PanelCopy(row, panel, copy_title, {**variables, repeat: variables[repeat].single(v)},
                        pinned | {repeat}, collapsed)
