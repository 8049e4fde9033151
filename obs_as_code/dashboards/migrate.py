"""Legacy ``rows`` dashboards (schemaVersion < 16) moved onto the grid, as Grafana does.

Grafana 5 replaced rows of 12-span panels with a 24-column grid of ``gridPos``.
Its migration (schema 16) turns each row into a ``row`` panel when any row is
collapsed, repeated or shows its title, converts pixel heights into grid units
(``ceil(px / (30 + 8))``), doubles spans into widths, and packs the panels of a
row left to right, wrapping lines. Grafana's own code packs with a height map per
column; for the rows it writes (panels in reading order) a line-wrapping flow
gives the same positions, which is what this module does.
"""

from __future__ import annotations

import copy
import math
from typing import Any

GRID_COLUMNS = 24
GRID_CELL_HEIGHT = 30
GRID_CELL_VMARGIN = 8
DEFAULT_ROW_HEIGHT = 250
DEFAULT_PANEL_SPAN = 4
MIN_PANEL_HEIGHT = GRID_CELL_HEIGHT * 3


def grid_height(height: Any) -> int:
    """Pixel height (``"250px"``, ``250``) -> grid units, as Grafana's migration computes it."""
    if isinstance(height, str):
        digits = height.strip().removesuffix("px")
        try:
            px = float(digits)
        except ValueError:
            px = DEFAULT_ROW_HEIGHT
    elif isinstance(height, (int, float)):
        px = float(height)
    else:
        px = DEFAULT_ROW_HEIGHT
    if px < MIN_PANEL_HEIGHT:
        px = MIN_PANEL_HEIGHT
    return math.ceil(px / (GRID_CELL_HEIGHT + GRID_CELL_VMARGIN))


def needs_migration(dashboard: dict[str, Any]) -> bool:
    """True for a dashboard still in the ``rows`` layout."""
    rows = dashboard.get("rows")
    return isinstance(rows, list) and (
        int(dashboard.get("schemaVersion") or 0) < 16 or not dashboard.get("panels")
    )


def migrate_rows(dashboard: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``dashboard`` with ``rows`` replaced by grid ``panels``."""
    out = copy.deepcopy(dashboard)
    rows: list[dict[str, Any]] = out.pop("rows", None) or []
    panels: list[dict[str, Any]] = list(out.get("panels") or [])
    ids = [p.get("id") for r in rows for p in r.get("panels") or [] if isinstance(p.get("id"), int)]
    next_id = max(ids, default=0) + 1
    show_rows = any(r.get("collapse") or r.get("showTitle") or r.get("repeat") for r in rows)
    y = 0
    for r in rows:
        if r.get("repeatIteration"):
            continue  # a copy Grafana made while repeating: the original row stays
        row_height = grid_height(r.get("height") or DEFAULT_ROW_HEIGHT)
        row_panel: dict[str, Any] | None = None
        if show_rows:
            row_panel = {
                "id": next_id,
                "type": "row",
                "title": r.get("title") or "",
                "collapsed": bool(r.get("collapse")),
                "panels": [],
                "gridPos": {"x": 0, "y": y, "w": GRID_COLUMNS, "h": 1},
            }
            if r.get("repeat"):
                row_panel["repeat"] = r["repeat"]
            next_id += 1
            panels.append(row_panel)
            y += 1
        x = 0
        line = 0
        for p in r.get("panels") or []:
            p = dict(p)
            span = p.pop("span", None) or DEFAULT_PANEL_SPAN
            w = min(GRID_COLUMNS, math.floor(float(span)) * (GRID_COLUMNS // 12))
            h = grid_height(p["height"]) if p.get("height") else row_height
            p.pop("height", None)
            if x + w > GRID_COLUMNS:
                y += line
                x, line = 0, 0
            p["gridPos"] = {"x": x, "y": y, "w": w, "h": h}
            x += w
            line = max(line, h)
            if row_panel is not None and row_panel["collapsed"]:
                row_panel["panels"].append(p)
            else:
                panels.append(p)
        if row_panel is not None and row_panel["collapsed"]:
            # Collapsed rows take no room; the next row starts right below.
            y = row_panel["gridPos"]["y"] + 1
        else:
            y += line if line else (row_height if not r.get("panels") and not show_rows else 0)
    out["panels"] = panels
    out["schemaVersion"] = max(16, int(out.get("schemaVersion") or 0))
    return out
