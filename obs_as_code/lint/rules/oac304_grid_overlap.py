"""OAC304: panels whose ``gridPos`` overlap, that stick out of the 24-column grid, or
whose size is not positive (or ``y`` negative).
Grafana pushes overlapping panels down on load, so the saved layout is not what
the JSON says (common in hand-edited or merged dashboard JSON)."""

from __future__ import annotations

import operator
from collections.abc import Iterator
from typing import Any

from obs_as_code.dashboards.migrate import GRID_COLUMNS
from obs_as_code.dashboards.render import DataPath, RenderedDashboard
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, rendered

Box = tuple[int, int, int, int]


def box(panel: dict[str, Any]) -> Box | None:
    """``(x, y, w, h)`` of a panel, None when it has no usable gridPos."""
    pos = panel.get("gridPos")
    if not isinstance(pos, dict):
        return None
    try:
        return int(pos.get("x", 0)), int(pos.get("y", 0)), int(pos.get("w", 0)), int(pos.get("h", 0))
    except (TypeError, ValueError):
        return None


def overlap(a: Box, b: Box) -> bool:
    """True when two boxes share at least one grid cell."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def layers(board: RenderedDashboard) -> Iterator[list[tuple[DataPath, dict[str, Any]]]]:
    """Panels that share the grid: the top level, and each collapsed row's children."""
    top: list[tuple[DataPath, dict[str, Any]]] = []
    for i, p in enumerate(board.json.get("panels") or []):
        if not isinstance(p, dict):
            continue
        top.append((("panels", i), p))
        if p.get("type") == "row" and p.get("collapsed"):
            yield [(("panels", i, "panels", j), c) for j, c in enumerate(p.get("panels") or []) if isinstance(c, dict)]
    yield top


#: A box's ``(y, x)``: the order :func:`tiled` sweeps in (a C key, not a lambda call per box).
_YX = operator.itemgetter(1, 0)


def tiled(boxes: list[Box]) -> bool:
    """True when the boxes lie inside the grid's columns and no two overlap, proven in
    one sweep (no pair compared): sorted by ``y`` then ``x``, boxes of one ``y``
    share a height and each starts at or right of the previous one's end, and each
    new ``y`` starts at or below the bottom of every box above. The kit's layout
    always passes; when this says False, :func:`findings` compares the pairs."""
    floor: int | None = None  # the lowest bottom (y + h) of the rows before
    row_y = row_h = right = 0
    for x, y, w, h in sorted(boxes, key=_YX):
        if x < 0 or x + w > GRID_COLUMNS or w < 1 or h < 1 or y < 0:
            return False
        if floor is not None and y == row_y:
            if h != row_h or x < right:
                return False
        else:
            if floor is not None and y < floor:
                return False
            row_y, row_h = y, h
        right = x + w
        floor = y + h if floor is None else max(floor, y + h)
    return True


_XYWH = operator.itemgetter("x", "y", "w", "h")


def _int_boxes(panels: list[Any]) -> list[Box] | None:
    """The boxes of ``panels`` (a layer's, as in the JSON), when every panel is a
    dict with a gridPos of four ints (what :func:`box` then gives), else None."""
    out: list[Box] = []
    for p in panels:
        pos = p.get("gridPos") if type(p) is dict else None
        if type(pos) is not dict:
            return None
        try:
            b = _XYWH(pos)
        except KeyError:
            return None
        if type(b[0]) is not int or type(b[1]) is not int or type(b[2]) is not int or type(b[3]) is not int:
            return None
        out.append(b)
    return out


def clean(board: RenderedDashboard) -> bool:
    """Whether :func:`findings` has nothing to say about ``board``: every layer
    of plain boxes and :func:`tiled`, read straight from the JSON (no data paths
    made, no pair compared)."""
    top = board.json.get("panels") or []
    if not isinstance(top, list):
        return False
    boxes = _int_boxes(top)
    if boxes is None or not tiled(boxes):
        return False
    for p in top:
        if p.get("type") == "row" and p.get("collapsed"):
            inner = p.get("panels") or []
            if not isinstance(inner, list):
                return False
            boxes = _int_boxes(inner)
            if boxes is None or not tiled(boxes):
                return False
    return True


def findings(board: RenderedDashboard) -> Iterator[Diagnostic]:
    """Panels of ``board`` that leave the grid or overlap an earlier one of their layer."""
    for layer in layers(board):
        placed: list[tuple[DataPath, dict[str, Any], Box]] = []
        for path, panel in layer:
            b = box(panel)
            if b is None:
                continue
            if b[2] < 1 or b[3] < 1 or b[1] < 0:
                # Grafana's grid has no place for it (react-grid-layout sizes are 1 and up).
                yield error(
                    board.locate(path),
                    "OAC304",
                    f"panel {panel_title(panel)!r} in dashboard {board.title!r} has gridPos "
                    f"x={b[0]} y={b[1]} w={b[2]} h={b[3]}: w and h must be at least 1, y at least 0",
                )
                continue
            if b[0] < 0 or b[0] + b[2] > GRID_COLUMNS:
                yield error(
                    board.locate(path),
                    "OAC304",
                    f"panel {panel_title(panel)!r} in dashboard {board.title!r} spans columns "
                    f"{b[0]}..{b[0] + b[2]}: the grid has {GRID_COLUMNS}",
                )
            x, y, x2, y2 = b[0], b[1], b[0] + b[2], b[1] + b[3]
            for _other_path, other, ob in placed:
                # overlap(b, ob), inlined: this loop is quadratic in the panels.
                if x < ob[0] + ob[2] and ob[0] < x2 and y < ob[1] + ob[3] and ob[1] < y2:
                    yield error(
                        board.locate(path),
                        "OAC304",
                        f"panel {panel_title(panel)!r} (gridPos x={b[0]} y={b[1]} w={b[2]} h={b[3]}) "
                        f"overlaps panel {panel_title(other)!r} (x={ob[0]} y={ob[1]} w={ob[2]} h={ob[3]}) "
                        f"in dashboard {board.title!r}",
                        hint="let obs_as_code.dashboards.kit.layout place panels",
                    )
                    break
            placed.append((path, panel, b))


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        if not clean(board):
            yield from findings(board)


CHECK = Check("OAC304", "grid-overlap", "panel gridPos must not overlap or leave the grid", run)
