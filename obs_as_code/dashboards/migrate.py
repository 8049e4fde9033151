"""Legacy ``rows`` dashboards (schemaVersion < 16) moved onto the grid, as Grafana does;
and Grafana's step 30 (value mappings), which the schema's mapping types need (see
:func:`upgrade_panel_v30`).

Ported (not copied) from Grafana's ``DashboardMigrator.updateSchema`` and
``upgradeToGridLayout`` / ``RowArea`` in
``public/app/features/dashboard/state/DashboardMigrator.ts`` (read at grafana/grafana
commit 01e3d94c, DASHBOARD_SCHEMA_VERSION 39), checked against the backend port
``apps/dashboard/pkg/migration/schemaversion/v12.go``, ``v14.go`` and ``v16.go``.

We write schemaVersion 16, so Grafana never runs its steps below 16 on what we
build: every one of them that changes a dashboard is run here, in Grafana's order.
Dashboard steps: v2 (``services.filter``), v6 (``pulldowns`` annotations, variable
types), v7 (``nav`` -> ``timepicker``), v12 (variable ``refresh`` / ``hide``), v14
(``sharedCrosshair`` -> ``graphTooltip``), v16 (the grid). Panel steps, run after the
grid on every panel, nested ones too: v2 (graph renames), v4 (``aliasYAxis``), v8
(InfluxDB queries), v9 (singlestat thresholds), v10 (table style thresholds), v12
(graph ``yaxes`` / ``xaxis``), v13 (graph thresholds) and v16's ``minSpan`` scaling.

Left to others, on purpose: v3 (panel ids) and v7's query ``refId``s are filled by
:func:`obs_as_code.dashboards.render.normalize` (Grafana's ``PanelModel`` fills refIds
at every load). That includes the ids of the row panels v16 makes, which Grafana
numbers after the highest panel id: normalize derives them from the row's title
(:func:`obs_as_code.dashboards.render.stable_panel_ids`), so that a panel added to
a row moves no row's id (no link addresses a row; the build's diff would);
v6's ``datasource = null`` on variables is what a missing key already means (nulls are
dropped before this runs). Grafana has no step 5, 11 or 15.

Where Grafana's code differs from what it shows, or fails:

* A ``row`` panel gets ``h: 1`` (the migrator writes the row's height, but the grid
  always lays rows out 1 high and saves that).
* Grafana's RowArea can place panels that overlap (a panel taller than its row, or
  stacked past the row's bottom); its grid then pushes them down on load. The same
  push (react-grid-layout's collision step, in gridPos order, without its upward
  compaction) is done here on the migrated panels, so they never overlap; a layout
  without overlaps is exactly RowArea's. Unlike the grid, a pushed row panel takes
  its row's panels along, so that they stay under their title.
* Widths are kept within 1..24 (a span over 12 makes Grafana's RowArea return no place
  and the load fail); an unreadable height counts as the 250px default (Grafana's
  ``parseInt`` gives NaN and the row never fits); a row without ``panels`` is empty.
* ``hideVariable`` / ``hideLabel`` are removed once turned into ``hide`` (Grafana keeps
  them, unread, on the variable), and ``sharedCrosshair``, ``nav``, ``pulldowns`` and
  ``services`` once used (Grafana's model does not save them).
"""

from __future__ import annotations

import copy
import math
import re
from decimal import Decimal
from typing import Any, Final

from obs_as_code.gostrconv import go_float, parse_float

#: Columns of Grafana's dashboard grid: the one definition (the kit's layout and
#: OAC304 import it; Final, so that mypyc inlines it in the compiled check).
GRID_COLUMNS: Final = 24
GRID_CELL_HEIGHT = 30
GRID_CELL_VMARGIN = 8
PANEL_HEIGHT_STEP = GRID_CELL_HEIGHT + GRID_CELL_VMARGIN
DEFAULT_ROW_HEIGHT = 250
DEFAULT_PANEL_SPAN = 4
MIN_PANEL_HEIGHT = GRID_CELL_HEIGHT * 3

_LEADING_INT = re.compile(r"\s*([+-]?\d+)")


def _truthy(value: Any) -> bool:
    """JavaScript truthiness (empty lists and objects are true there)."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)):
        return value == value and value != 0  # NaN is false
    if isinstance(value, str):
        return value != ""
    return True


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def grid_height(height: Any) -> int:
    """Pixel height (``"250px"``, ``250``) -> grid units, as Grafana's ``getGridHeight``."""
    px: float = DEFAULT_ROW_HEIGHT
    if isinstance(height, str):
        # parseInt(height.replace('px', ''), 10)
        m = _LEADING_INT.match(height.replace("px", "", 1))
        if m:
            px = int(m.group(1))
    elif _is_number(height) and height == height:
        px = float(height)
    if px < MIN_PANEL_HEIGHT:
        px = MIN_PANEL_HEIGHT
    return math.ceil(px / PANEL_HEIGHT_STEP)


def needs_migration(dashboard: dict[str, Any]) -> bool:
    """True for a dashboard still in the ``rows`` layout."""
    rows = dashboard.get("rows")
    return isinstance(rows, list) and (
        _schema_version(dashboard) < 16 or not dashboard.get("panels")
    )


def _schema_version(dashboard: dict[str, Any]) -> int:
    version = dashboard.get("schemaVersion")
    try:
        return int(version or 0)
    except (TypeError, ValueError):
        return 0


def _variables(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    templating = dashboard.get("templating")
    items = templating.get("list") if isinstance(templating, dict) else None
    return [v for v in items if isinstance(v, dict)] if isinstance(items, list) else []


# ---------------------------------------------------------------------------
# Dashboard steps below 16


def _upgrade_dashboard(out: dict[str, Any], old: int) -> None:
    if old < 2:
        services = out.pop("services", None)
        filt = services.get("filter") if isinstance(services, dict) else None
        if isinstance(filt, dict) and filt:
            if filt.get("time") is not None:
                out["time"] = filt["time"]
            else:
                out.pop("time", None)
            templating = out.get("templating")
            templating = dict(templating) if isinstance(templating, dict) else {}
            templating["list"] = filt.get("list") or []
            out["templating"] = templating
    if old < 6:
        pulldowns = out.pop("pulldowns", None)
        found = (
            [p for p in pulldowns if isinstance(p, dict) and p.get("type") == "annotations"]
            if isinstance(pulldowns, list)
            else []
        )
        if found:
            out["annotations"] = {"list": found[0].get("annotations") or []}
        for variable in _variables(out):
            if variable.get("type") in (None, "filter"):
                variable["type"] = "query"
    if old < 7:
        nav = out.pop("nav", None)
        if isinstance(nav, list) and nav:
            out["timepicker"] = nav[0]
    if old < 12:
        for variable in _variables(out):
            variable["refresh"] = 1 if _truthy(variable.get("refresh")) else 0
            if _truthy(variable.get("hideVariable")):
                variable["hide"] = 2
            elif _truthy(variable.get("hideLabel")):
                variable["hide"] = 1
            variable.pop("hideVariable", None)
            variable.pop("hideLabel", None)
    if old < 14:
        out["graphTooltip"] = 1 if _truthy(out.pop("sharedCrosshair", None)) else 0


# ---------------------------------------------------------------------------
# Panel steps below 16 (Grafana runs them after the grid, on every panel)


def _upgrade_panel(panel: dict[str, Any], old: int) -> None:
    if old < 2:
        _v2_graph(panel)
    if old < 4 and panel.get("type") == "graph":
        alias = panel.pop("aliasYAxis", None)
        if isinstance(alias, dict):
            for key, value in alias.items():
                panel["seriesOverrides"] = [
                    {"alias": key, "yaxis": value}
                ]  # the last one wins, as in Grafana
    if old < 8:
        for target in panel.get("targets") or []:
            if isinstance(target, dict):
                _v8_influx(target)
    if old < 9 and (panel.get("type") == "singlestat" or panel.get("thresholds") == ""):
        thresholds = panel.get("thresholds")
        if isinstance(thresholds, str) and thresholds:
            parts = thresholds.split(",")
            if len(parts) >= 3:
                panel["thresholds"] = ",".join(parts[1:])
    if old < 10 and panel.get("type") == "table":
        styles = panel.get("styles")
        for style in styles if isinstance(styles, list) else []:
            if (
                isinstance(style, dict)
                and isinstance(style.get("thresholds"), list)
                and len(style["thresholds"]) >= 3
            ):
                style["thresholds"] = style["thresholds"][1:]
    if old < 12 and panel.get("type") == "graph" and isinstance(panel.get("grid"), dict):
        _v12_axes(panel)
    if old < 13 and panel.get("type") == "graph" and isinstance(panel.get("grid"), dict):
        _v13_thresholds(panel)


def _v2_graph(panel: dict[str, Any]) -> None:
    if panel.get("type") == "graphite":
        panel["type"] = "graph"
    if panel.get("type") != "graph":
        return
    if isinstance(panel.get("legend"), bool):
        panel["legend"] = {"show": panel["legend"]}
    grid = panel.get("grid")
    if isinstance(grid, dict):
        for old_key, new_key in (("min", "leftMin"), ("max", "leftMax")):
            if _truthy(grid.get(old_key)):
                grid[new_key] = grid.pop(old_key)
    for index, key in enumerate(("y_format", "y2_format")):
        if _truthy(panel.get(key)):
            formats = panel.get("y_formats")
            formats = list(formats) if isinstance(formats, list) else []
            while len(formats) <= index:
                formats.append(None)
            formats[index] = panel.pop(key)
            panel["y_formats"] = formats


def _v8_influx(target: dict[str, Any]) -> None:
    if not (
        _truthy(target.get("fields"))
        and _truthy(target.get("tags"))
        and _truthy(target.get("groupBy"))
    ):
        return
    if _truthy(target.get("rawQuery")):
        target.pop("fields", None)
        target.pop("fill", None)
        return
    select = []
    for field in target.get("fields") or []:
        field = field if isinstance(field, dict) else {}
        parts: list[dict[str, Any]] = [
            {"type": "field", "params": [field.get("name")]},
            {"type": field.get("func"), "params": []},
        ]
        if _truthy(field.get("mathExpr")):
            parts.append({"type": "math", "params": [field["mathExpr"]]})
        if _truthy(field.get("asExpr")):
            parts.append({"type": "alias", "params": [field["asExpr"]]})
        select.append(parts)
    target["select"] = select
    del target["fields"]
    group_by = target["groupBy"]
    for part in group_by if isinstance(group_by, list) else []:
        if not isinstance(part, dict):
            continue
        if part.get("type") == "time" and _truthy(part.get("interval")):
            part["params"] = [part.pop("interval")]
        if part.get("type") == "tag" and _truthy(part.get("key")):
            part["params"] = [part.pop("key")]
    if _truthy(target.get("fill")):
        if isinstance(group_by, list):
            group_by.append({"type": "fill", "params": [target["fill"]]})
        del target["fill"]


def _defined(**items: Any) -> dict[str, Any]:
    """An object literal as JSON.stringify writes it: undefined members left out."""
    return {k: v for k, v in items.items() if v is not None}


def _v12_axes(panel: dict[str, Any]) -> None:
    if _truthy(panel.get("yaxes")):
        return
    grid: dict[str, Any] = panel["grid"]
    formats = panel.get("y_formats")
    formats = formats if isinstance(formats, list) else []
    show = panel.get("y-axis")
    panel["yaxes"] = [
        _defined(
            show=show,
            min=grid.get(f"{side}Min"),
            max=grid.get(f"{side}Max"),
            logBase=grid.get(f"{side}LogBase"),
            format=formats[i] if i < len(formats) else None,
            label=panel.get(f"{side}YAxisLabel"),
        )
        for i, side in enumerate(("left", "right"))
    ]
    panel["xaxis"] = _defined(show=panel.get("x-axis"))
    for key in ("leftMin", "leftMax", "leftLogBase", "rightMin", "rightMax", "rightLogBase"):
        grid.pop(key, None)
    for key in ("y_formats", "leftYAxisLabel", "rightYAxisLabel", "y-axis", "x-axis"):
        panel.pop(key, None)


def _v13_thresholds(panel: dict[str, Any]) -> None:
    grid: dict[str, Any] = panel["grid"]
    if not _truthy(panel.get("thresholds")) or not isinstance(panel.get("thresholds"), list):
        panel["thresholds"] = []
    found: list[dict[str, Any]] = []
    for n in ("1", "2"):
        value = grid.get(f"threshold{n}")  # null and missing alike: no threshold
        t: dict[str, Any] = {"value": value}
        if _truthy(grid.get("thresholdLine")):
            t.update(line=True, lineColor=grid.get(f"threshold{n}Color"), colorMode="custom")
        else:
            t.update(fill=True, fillColor=grid.get(f"threshold{n}Color"), colorMode="custom")
        found.append({k: v for k, v in t.items() if v is not None})
    t1, t2 = found
    if _is_number(t1.get("value")):
        if _is_number(t2.get("value")):
            t1["op"] = t2["op"] = "lt" if t1["value"] > t2["value"] else "gt"
            panel["thresholds"] += [t1, t2]
        else:
            t1["op"] = "gt"
            panel["thresholds"].append(t1)
    for key in ("threshold1", "threshold1Color", "threshold2", "threshold2Color", "thresholdLine"):
        grid.pop(key, None)


# ---------------------------------------------------------------------------
# v16: rows -> grid


class RowArea:
    """Grafana's ``RowArea``: ``area[i]`` is how far column ``i`` is filled, counted
    from the top of the current line of the row; a line is the row's height high."""

    def __init__(self, height: int, y: int) -> None:
        self.area = [0] * GRID_COLUMNS
        self.y = y
        self.height = height

    def add(self, x: int, y: int, w: int, h: int) -> None:
        bottom = y + h - self.y
        for i in range(x, min(x + w, GRID_COLUMNS)):
            if bottom > self.area[i]:
                self.area[i] = bottom

    def place(self, w: int) -> tuple[int, int]:
        """Free ``(x, y)`` (y within the line) for a panel ``w`` wide: the run of
        columns at the right end that still have room and fill no less from left to
        right; when it is too narrow the row wraps to a new line."""
        for _attempt in range(2):
            start = -1
            end = -1
            for i in range(GRID_COLUMNS - 1, -1, -1):
                if self.height - self.area[i] <= 0:
                    break
                if end < 0:
                    end = i
                elif self.area[i] <= self.area[i + 1]:
                    start = i
                else:
                    break
            if start >= 0 and end - start >= w - 1:
                return start, max(self.area[start:])
            self.y += self.height
            self.area = [0] * GRID_COLUMNS
        raise AssertionError("a panel at most 24 wide always fits an empty line")


def _panel_width(span: Any) -> int:
    if not _truthy(span):
        span = DEFAULT_PANEL_SPAN
    try:
        w = math.floor(float(span)) * (GRID_COLUMNS // 12)
    except (TypeError, ValueError, OverflowError):
        w = DEFAULT_PANEL_SPAN * (GRID_COLUMNS // 12)
    return max(1, min(GRID_COLUMNS, w))


def _grid_layout(rows: list[Any], panels: list[dict[str, Any]]) -> None:
    """Append the panels of ``rows`` to ``panels``, as ``upgradeToGridLayout`` (the
    ``row`` panel first: Grafana appends it last, then sorts by gridPos on load).
    The row panels get no id here (see the module docstring)."""
    rows = [r for r in rows if isinstance(r, dict)]
    show_rows = any(
        _truthy(r.get("collapse")) or _truthy(r.get("showTitle")) or _truthy(r.get("repeat"))
        for r in rows
    )
    y = 0
    for r in rows:
        if _truthy(r.get("repeatIteration")):
            continue  # a copy Grafana made while repeating: the original row stays
        row_height = grid_height(
            r.get("height") if _truthy(r.get("height")) else DEFAULT_ROW_HEIGHT
        )
        collapsed = _truthy(r.get("collapse"))
        row_panel: dict[str, Any] | None = None
        if show_rows:
            row_panel = {
                "type": "row",
                "title": r.get("title") or "",
                "collapsed": collapsed,
                "panels": [],
                "gridPos": {"x": 0, "y": y, "w": GRID_COLUMNS, "h": 1},
            }
            if _truthy(r.get("repeat")):
                row_panel["repeat"] = r["repeat"]
            panels.append(row_panel)
            y += 1
        area = RowArea(row_height, y)
        row_panels = r.get("panels")
        for p in row_panels if isinstance(row_panels, list) else []:
            if not isinstance(p, dict):
                continue
            p = dict(p)
            w = _panel_width(p.pop("span", None))
            min_span: Any = p.get("minSpan")
            if _truthy(min_span) and _is_number(min_span):
                p["minSpan"] = min(GRID_COLUMNS, (GRID_COLUMNS // 12) * min_span)
            height = p.pop("height", None)
            h = grid_height(height) if _truthy(height) else row_height
            x, dy = area.place(w)
            y = area.y
            p["gridPos"] = {"x": x, "y": y + dy, "w": w, "h": h}
            area.add(x, y + dy, w, h)
            if row_panel is not None and collapsed:
                row_panel["panels"].append(p)
            else:
                panels.append(p)
        if not (row_panel is not None and collapsed):
            y += row_height


def _push_down(panels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``panels`` (all from :func:`_grid_layout`) in gridPos order (Grafana's
    ``sortPanelsByGridPos``), each pushed below the earlier ones it overlaps, as
    Grafana's grid does on load. A pushed ``row`` panel takes the panels of its row
    along (those that follow it in that order), nested ones too, so that they stay
    under it."""
    panels = sorted(panels, key=lambda p: (p["gridPos"]["y"], p["gridPos"]["x"]))
    placed: list[dict[str, int]] = []
    shift = 0
    for p in panels:
        pos = p["gridPos"]
        pos["y"] += shift
        start = pos["y"]
        moved = True
        while moved:
            moved = False
            for q in placed:
                if (
                    pos["x"] < q["x"] + q["w"]
                    and q["x"] < pos["x"] + pos["w"]
                    and pos["y"] < q["y"] + q["h"]
                    and q["y"] < pos["y"] + pos["h"]
                ):
                    pos["y"] = q["y"] + q["h"]
                    moved = True
                    break
        placed.append(pos)
        if p.get("type") == "row":
            shift += pos["y"] - start
            if p["panels"]:
                p["panels"] = _push_down(p["panels"])
                for child in p["panels"]:
                    child["gridPos"]["y"] += shift
    return panels


def migrate_rows(dashboard: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``dashboard`` with ``rows`` replaced by grid ``panels`` and Grafana's
    other steps below schemaVersion 16 applied (see the module docstring)."""
    out = copy.deepcopy(dashboard)
    old = _schema_version(out)
    rows = out.pop("rows", None)
    _upgrade_dashboard(out, old)
    migrated: list[dict[str, Any]] = []
    _grid_layout(rows if isinstance(rows, list) else [], migrated)
    panels = list(out.get("panels") or []) + _push_down(migrated)
    for p in panels:
        if not isinstance(p, dict):
            continue
        _upgrade_panel(p, old)
        if p.get("type") == "row" and isinstance(p.get("panels"), list):
            for child in p["panels"]:
                if isinstance(child, dict):
                    _upgrade_panel(child, old)
    out["panels"] = panels
    out["schemaVersion"] = max(16, old)
    return out


# ---------------------------------------------------------------------------
# Step 30: value mappings (and the tooltip option's name)
#
# Grafana runs it on load for a dashboard below schemaVersion 30 (the frontend's
# DashboardMigrator; the backend port is schemaversion/v30.go, read at
# grafana/grafana 02d0e5b1): value mappings of the old numeric types (1: value to
# text, 2: range to text), which the schema refuses and Grafana 8.1+ reads as
# nothing, become the typed ones. Run here on every dashboard below 30 (rows
# migrated to 16 included), before the schema sees it; the schemaVersion is left
# as it is: the step is idempotent, and Grafana runs it again on load.

#: Grafana's FALLBACK_COLOR, for a field whose thresholds have no steps.
_FALLBACK_COLOR = "#808080"


def needs_v30(dashboard: dict[str, Any]) -> bool:
    """True for a dashboard Grafana runs step 30 on (schemaVersion below 30)."""
    return _schema_version(dashboard) < 30


def _stringify(value: Any) -> str:
    """A mapping's value as the step writes it as a key (Go's ``stringifyValue``:
    numbers without a needless ``.0``, booleans as ``true``/``false``, anything
    else empty)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")  # Go's FormatFloat(v, 'f', -1)
    return value if isinstance(value, str) else ""


def _step_value(raw: Any) -> float | None:
    """A threshold step's value as a number (null read as 0), None when it is none."""
    if raw is None:
        return 0.0
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return float(raw)
    # Grafana's ConvertToFloat: a string without its "px", read by ParseFloat.
    return go_float(raw.removesuffix("px")) if isinstance(raw, str) else None


def _threshold_color(text: Any, thresholds: Any) -> Any:
    """The color of the threshold step a numeric mapping text falls in (the base
    step's value read as 0, as JavaScript's coercion of null does), None when the
    text is no number or there are no thresholds."""
    if not isinstance(thresholds, dict) or not isinstance(text, str):
        return None
    number = go_float(text)
    if number is None:
        return None
    steps = thresholds.get("steps")
    if not isinstance(steps, list) or not steps:
        return _FALLBACK_COLOR
    active = steps[0] if isinstance(steps[0], dict) else None
    for step in steps:
        if not isinstance(step, dict):
            continue
        if "value" not in step:
            break
        bound = _step_value(step["value"])
        if bound is None:
            break
        if number >= bound:
            active = step
        else:
            break
    return active.get("color") if active is not None else None


def _number(value: float) -> float | int:
    """``value`` as Go's JSON writes a float64: ``10``, not ``10.0``."""
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def _result(mapping: dict[str, Any], color: Any) -> dict[str, Any]:
    result: dict[str, Any] = {"text": mapping.get("text")}
    if color is not None:
        result["color"] = color
    return result


def upgrade_value_mappings(mappings: list[Any], thresholds: Any = None) -> list[Any]:
    """``mappings`` as step 30 writes them: the value-to-text ones (old and typed)
    merged into one ``value`` mapping, first; ``"null"`` as a ``special`` mapping;
    ranges as ``range`` mappings; typed ones kept in order; anything else dropped.
    ``thresholds``: the field's, for the colors of numeric texts (defaults only)."""
    if not mappings:
        return mappings
    values: dict[str, Any] = {}
    merged = False
    out: list[Any] = []
    for m in mappings:
        if not isinstance(m, dict):
            continue
        kind = m.get("type")
        if isinstance(kind, str) and kind:
            if kind != "value":
                out.append(m)
            elif isinstance(m.get("options"), dict):
                values.update(m["options"])
                merged = True
            continue
        if not isinstance(kind, (int, float)) or isinstance(kind, bool):
            continue
        color = _threshold_color(m.get("text"), thresholds)
        if int(kind) == 1 and "value" in m and m["value"] is not None:
            if m["value"] == "null":
                out.append({"type": "special", "options": {"match": "null", "result": _result(m, color)}})
            else:
                values[_stringify(m["value"])] = _result(m, color)
                merged = True
        elif int(kind) == 2:
            # "from, _ := strconv.ParseFloat(...)": 0 when it is no number, ±Inf when too large.
            low, high = (parse_float(_stringify(m.get(k)))[0] for k in ("from", "to"))
            if not (math.isfinite(low) and math.isfinite(high)):
                out.append(m)  # JSON cannot hold an infinite bound: left for the schema to report
                continue
            out.append({"type": "range", "options": {"from": _number(low), "to": _number(high), "result": _result(m, color)}})
    return [{"type": "value", "options": values}, *out] if merged else out


def override_properties(field_config: dict[str, Any], prop_id: str) -> list[dict[str, Any]]:
    """The properties of ``field_config``'s overrides whose ``id`` is ``prop_id``
    (``thresholds``, ``mappings`` ...), in order: what Grafana applies over the
    field defaults, and fills or migrates as it does the defaults."""
    overrides = field_config.get("overrides")
    found: list[dict[str, Any]] = []
    for override in overrides if isinstance(overrides, list) else []:
        props = override.get("properties") if isinstance(override, dict) else None
        for prop in props if isinstance(props, list) else []:
            if isinstance(prop, dict) and prop.get("id") == prop_id:
                found.append(prop)
    return found


def upgrade_panel_v30(panel: dict[str, Any]) -> None:
    """Step 30 on one panel: its field value mappings (defaults and overrides) and
    ``options.tooltipOptions`` -> ``options.tooltip`` (time series and XY charts)."""
    fc = panel.get("fieldConfig")
    if isinstance(fc, dict):
        defaults = fc.get("defaults")
        if isinstance(defaults, dict) and isinstance(defaults.get("mappings"), list):
            defaults["mappings"] = upgrade_value_mappings(defaults["mappings"], defaults.get("thresholds"))
        for prop in override_properties(fc, "mappings"):
            if isinstance(prop.get("value"), list):
                prop["value"] = upgrade_value_mappings(prop["value"])
    options = panel.get("options")
    if panel.get("type") in ("timeseries", "xychart", "xychart2") and isinstance(options, dict) and "tooltipOptions" in options:
        options["tooltip"] = options.pop("tooltipOptions")
