"""Legacy rows migration against Grafana's DashboardMigrator.ts (updateSchema,
upgradeToGridLayout, RowArea; grafana/grafana 01e3d94c, schema 39): hand-derived
cases, and a property test against a plain reference RowArea written here."""

from __future__ import annotations

import copy
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.dashboards import normalize
from obs_as_code.dashboards.migrate import (
    grid_height,
    migrate_rows,
    upgrade_panel_v30,
    upgrade_value_mappings,
)

VARIABLES = [
    {
        "name": "env",
        "type": "custom",
        "query": "prod,staging",
        "current": {"text": "staging", "value": "staging"},
        "refresh": 0,
        "hideVariable": True,
        "options": [],
    },
    {
        "name": "instance",
        "type": "query",
        "datasource": "Prometheus",
        "query": 'label_values(up{env="$env"}, instance)',
        "refresh": True,
        "hideLabel": True,
        "multi": True,
        "includeAll": True,
        "current": {},
        "options": [],
    },
]


def test_schema_12_gets_the_v14_step() -> None:
    out = migrate_rows(
        {
            "title": "t",
            "schemaVersion": 12,
            "sharedCrosshair": True,
            "graphTooltip": 0,
            "templating": {"list": copy.deepcopy(VARIABLES)},
            "rows": [],
        }
    )
    # oldVersion 12 < 14: graphTooltip = sharedCrosshair ? 1 : 0.
    assert out["schemaVersion"] == 16 and out["graphTooltip"] == 1 and "sharedCrosshair" not in out
    # oldVersion 12 is not < 12: Grafana leaves the variables alone (its v29 step,
    # run on load of our schema 16, turns refresh true into 1 itself).
    assert out["templating"]["list"] == VARIABLES


def test_schema_11_gets_the_v12_variable_step() -> None:
    variables = [*copy.deepcopy(VARIABLES), {"name": "c", "type": "constant", "query": "x"}]
    out = migrate_rows(
        {"title": "t", "schemaVersion": 11, "templating": {"list": variables}, "rows": []}
    )
    got = [
        (v["name"], v.get("hide"), v["refresh"], "hideVariable" in v or "hideLabel" in v)
        for v in out["templating"]["list"]
    ]
    # refresh truthy -> 1 else 0 (also when missing); hideVariable -> hide 2, else hideLabel -> hide 1.
    assert got == [("env", 2, 0, False), ("instance", 1, 1, False), ("c", None, 0, False)]
    assert out["graphTooltip"] == 0  # no sharedCrosshair: 0


def test_old_panel_steps() -> None:
    graph = {
        "id": 1,
        "type": "graphite",
        "span": 12,
        "legend": False,
        "y_format": "bytes",
        "y2_format": "short",
        "grid": {
            "min": 1,
            "max": 9,
            "threshold1": 5,
            "threshold2": 10,
            "threshold1Color": "red",
            "thresholdLine": True,
        },
        "aliasYAxis": {"errors": 2},
        "y-axis": True,
        "x-axis": False,
        "targets": [
            {
                "fields": [{"name": "v", "func": "mean", "asExpr": "m"}],
                "tags": [],
                "fill": "null",
                "groupBy": [{"type": "time", "interval": "1m"}, {"type": "tag", "key": "host"}],
            }
        ],
    }
    stat = {"id": 2, "type": "singlestat", "span": 6, "thresholds": "0,50,80"}
    table = {
        "id": 3,
        "type": "table",
        "span": 6,
        "styles": [{"thresholds": ["0", "50", "80"]}, {"thresholds": ["1", "2"]}],
    }
    out = migrate_rows(
        {
            "title": "t",
            "schemaVersion": 1,
            "nav": [{"refresh_intervals": ["1m"]}],
            "pulldowns": [
                {"type": "filtering"},
                {"type": "annotations", "annotations": [{"name": "deploys"}]},
            ],
            "services": {
                "filter": {"time": {"from": "now-1h", "to": "now"}, "list": [{"name": "v"}]}
            },
            "rows": [{"panels": [graph, stat]}, {"panels": [table]}],
        }
    )
    assert out["time"] == {"from": "now-1h", "to": "now"}  # v2
    assert out["templating"]["list"] == [
        {"name": "v", "type": "query", "refresh": 0}
    ]  # v2, v6 (no type: query), v12
    assert out["annotations"] == {"list": [{"name": "deploys"}]} and out["timepicker"] == {
        "refresh_intervals": ["1m"]
    }  # v6, v7
    assert not {"nav", "pulldowns", "services", "rows"} & set(out)
    g, s, t = out["panels"]
    assert g["type"] == "graph" and g["legend"] == {"show": False}  # v2
    assert g["seriesOverrides"] == [{"alias": "errors", "yaxis": 2}] and "aliasYAxis" not in g  # v4
    assert g["targets"][0]["select"] == [
        [
            {"type": "field", "params": ["v"]},
            {"type": "mean", "params": []},
            {"type": "alias", "params": ["m"]},
        ]
    ]  # v8
    assert g["targets"][0]["groupBy"] == [
        {"type": "time", "params": ["1m"]},
        {"type": "tag", "params": ["host"]},
        {"type": "fill", "params": ["null"]},
    ]
    # v2 moved grid.min/max to leftMin/leftMax and y_format/y2_format to y_formats; v12 builds yaxes from them.
    assert g["yaxes"] == [
        {"show": True, "min": 1, "max": 9, "format": "bytes"},
        {"show": True, "format": "short"},
    ]
    assert g["xaxis"] == {"show": False} and not {"y_formats", "y-axis", "x-axis"} & set(g)
    # v13: 5 < 10 -> both 'gt', line style, threshold2Color missing.
    assert g["thresholds"] == [
        {"value": 5, "line": True, "lineColor": "red", "colorMode": "custom", "op": "gt"},
        {"value": 10, "line": True, "colorMode": "custom", "op": "gt"},
    ]
    assert g["grid"] == {}
    assert s["thresholds"] == "50,80"  # v9 drops the first of three
    assert t["styles"] == [{"thresholds": ["50", "80"]}, {"thresholds": ["1", "2"]}]  # v10


def test_rows_pack_like_grafana_row_area() -> None:
    out = migrate_rows(
        {
            "title": "t",
            "schemaVersion": 14,
            "rows": [
                {
                    "title": "Overview",
                    "showTitle": True,
                    "collapse": False,
                    "height": "300px",
                    "panels": [
                        {"id": 1, "type": "graph", "title": "A tall", "span": 6},
                        {
                            "id": 2,
                            "type": "singlestat",
                            "title": "B short",
                            "span": 6,
                            "height": "150px",
                        },
                        {
                            "id": 3,
                            "type": "singlestat",
                            "title": "C short",
                            "span": 6,
                            "height": "150px",
                        },
                    ],
                },
                {
                    "title": "Details",
                    "showTitle": True,
                    "collapse": True,
                    "height": "250px",
                    "panels": [
                        {"id": 4, "type": "graph", "title": "D", "span": 12, "minSpan": 3},
                    ],
                },
            ],
        }
    )
    # By hand, from upgradeToGridLayout / RowArea (PANEL_HEIGHT_STEP = 30 + 8 = 38):
    # showRows (a title shows): row panel at y 0, yPos 1. Row height ceil(300/38) = 8.
    # A: w 6*2 = 12, h 8; area all 0 -> free run 0..23, x 0, y 0 -> (0, 1); area[0..11] = 8.
    # B: h ceil(150/38) = 4; scan from 23: columns 23..12 have room and area[i] <= area[i+1];
    #    column 11 is full (8 - 8 = 0) -> run 12..23, y = max(area[12:]) = 0 -> (12, 1); area[12..23] = 4.
    # C: same run 12..23 (4 < 8), y = max(area[12:]) = 4 -> (12, 1 + 4) = (12, 5): under B, beside A.
    # Row end: yPos = 1 + 8 = 9 -> Details row panel at y 9, collapsed, yPos 10;
    # D: w 24, h ceil(250/38) = 7 -> (0, 10), nested; minSpan 3 -> min(24, 2 * 3) = 6.
    assert [(p["title"], p["gridPos"]) for p in out["panels"]] == [
        ("Overview", {"x": 0, "y": 0, "w": 24, "h": 1}),
        ("A tall", {"x": 0, "y": 1, "w": 12, "h": 8}),
        ("B short", {"x": 12, "y": 1, "w": 12, "h": 4}),
        ("C short", {"x": 12, "y": 5, "w": 12, "h": 4}),
        ("Details", {"x": 0, "y": 9, "w": 24, "h": 1}),
    ]
    details = out["panels"][-1]
    # Grafana numbers the row panels after the highest id (5, 6); normalize derives
    # theirs from their titles instead (test_row_panels_get_derived_ids).
    assert details["collapsed"] is True and [
        p.get("id") for p in out["panels"] if p["type"] == "row"
    ] == [None, None]
    assert [(p["title"], p["gridPos"], p["minSpan"]) for p in details["panels"]] == [
        ("D", {"x": 0, "y": 10, "w": 24, "h": 7}, 6)
    ]


def test_grid_height_parses_like_parse_int() -> None:
    # parseInt("266.5") = 266 -> ceil(266/38) = 7 (a float parse would give 8); numbers are used as they are.
    assert [grid_height(h) for h in ("266.5px", " 300px", 266.5, "0")] == [7, 8, 8, 3]


def test_overlaps_are_pushed_down_as_grafana_grid_does() -> None:
    out = migrate_rows(
        {
            "title": "t",
            "schemaVersion": 14,
            "rows": [
                {
                    "title": "R",
                    "showTitle": True,
                    "height": "250px",
                    "panels": [
                        {"id": 1, "type": "graph", "title": "Tall", "span": 6, "height": "500px"},
                        {"id": 4, "type": "singlestat", "title": "B", "span": 6, "height": "100px"},
                        {"id": 5, "type": "singlestat", "title": "C", "span": 6, "height": "100px"},
                        {"id": 2, "type": "graph", "title": "Next", "span": 12},
                    ],
                },
                {
                    "title": "S",
                    "showTitle": True,
                    "height": "250px",
                    "panels": [{"id": 3, "type": "graph", "title": "Last", "span": 12}],
                },
            ],
        }
    )
    # RowArea: row height 7, Tall h ceil(500/38) = 14 at (0, 1); B h ceil(100/38) = 3 at (12, 1);
    # C stacks under B at (12, 1 + 3). Next (w 24) has no run that wide (column 11 is full) ->
    # wraps to y 1 + 7 = 8: overlaps Tall (1..15). Row S at 8 + 7 = 15, Last at 16.
    # Grafana's grid pushes Next below Tall (y 15), then S below Next (22), then Last (23).
    got = [(p["title"], p["gridPos"]["x"], p["gridPos"]["y"]) for p in out["panels"]]
    assert got == [
        ("R", 0, 0),
        ("Tall", 0, 1),
        ("B", 12, 1),
        ("C", 12, 4),
        ("Next", 0, 15),
        ("S", 0, 22),
        ("Last", 0, 23),
    ]


# ---------------------------------------------------------------------------
# Property: a plain reference of Grafana's algorithm


def ref_height(px: int | None) -> int:
    return math.ceil(max(px or 250, 90) / 38)


def ref_row_area_layout(rows: list[dict[str, Any]]) -> list[tuple[str, int, int, int, int, int]]:
    """(title, row index, x, y, w, h) of every panel and row panel, straight from
    DashboardMigrator.ts: RowArea.getPanelPosition / addPanel as written there."""
    show = any(r.get("collapse") or r.get("showTitle") for r in rows)
    out: list[tuple[str, int, int, int, int, int]] = []
    y_pos = 0
    for n, row in enumerate(rows):
        height = ref_height(row.get("height"))
        if show:
            out.append((f"row{n}", n, 0, y_pos, 24, 1))
            y_pos += 1
        area = [0] * 24
        area_y = y_pos
        for p in row["panels"]:
            w = math.floor(p.get("span") or 4) * 2
            h = ref_height(p["height"]) if p.get("height") else height
            for call_once in (False, True):
                start = end = None
                i = 23
                while i >= 0 and height - area[i] > 0:
                    if end is None:
                        end = i
                    elif area[i] <= area[i + 1]:
                        start = i
                    else:
                        break
                    i -= 1
                if start is not None and end is not None and end - start >= w - 1:
                    px, py = start, max(area[start:])
                    break
                assert not call_once
                area_y += height
                area = [0] * 24
            y_pos = area_y
            gy = y_pos + py
            for c in range(px, px + w):
                if not area[c] or gy + h - area_y > area[c]:
                    area[c] = gy + h - area_y
            out.append((p["title"], n, px, gy, w, h))
        if not (show and row.get("collapse")):
            y_pos += height
    return out


def overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


heights = st.one_of(st.none(), st.sampled_from([60, 100, 150, 200, 250, 300, 400, 600]))
legacy_rows = st.lists(
    st.fixed_dictionaries(
        {
            "panels": st.lists(
                st.fixed_dictionaries({}, optional={"span": st.integers(1, 12), "height": heights}),
                max_size=7,
            )
        },
        optional={"height": heights, "showTitle": st.booleans(), "collapse": st.booleans()},
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(legacy_rows)
def test_random_rows_match_reference_row_area(rows: list[dict[str, Any]]) -> None:
    for n, row in enumerate(rows):
        for m, p in enumerate(row["panels"]):
            p.update(title=f"p{n}.{m}", type="graph")
    out = migrate_rows({"title": "t", "schemaVersion": 14, "rows": copy.deepcopy(rows)})
    ref = ref_row_area_layout(rows)
    row_of = {title: n for title, n, *_ in ref}
    layers: list[list[dict[str, Any]]] = [out["panels"]] + [
        p["panels"] for p in out["panels"] if p.get("panels")
    ]
    # Row panels have no title here: name them by their order.
    row_panels = [p for p in out["panels"] if p["type"] == "row"]
    got = {
        (p["title"] if p["type"] != "row" else f"row{row_panels.index(p)}"): p["gridPos"]
        for layer in layers
        for p in layer
    }
    show = any(r.get("collapse") or r.get("showTitle") for r in rows)
    nested = {
        r[0] for r in ref if show and rows[r[1]].get("collapse") and not r[0].startswith("row")
    }
    ref_layers = [[r for r in ref if r[0] not in nested]] + [
        [r for r in ref if r[0] in nested and r[1] == n] for n in range(len(rows))
    ]
    pushed = any(
        overlaps(a[2:], b[2:])
        for layer in ref_layers
        for i, a in enumerate(layer)
        for b in layer[:i]
    )
    for title, _n, x, y, w, h in ref:
        pos = got[title]
        assert (pos["x"], pos["w"], pos["h"]) == (x, w, h)
        if not pushed:  # no overlap in Grafana's own result: exactly RowArea's
            assert pos["y"] == y, title
    for layer in layers:
        boxes = [
            (p["gridPos"]["x"], p["gridPos"]["y"], p["gridPos"]["w"], p["gridPos"]["h"])
            for p in layer
        ]
        assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[:i])
        ys = [
            (row_of[t], p["gridPos"]["y"])
            for p in layer
            for t in [p["title"] if p["type"] != "row" else f"row{row_panels.index(p)}"]
        ]
        # rows keep their order: every panel of a later row starts no higher than any of an
        # earlier row (without row panels a push can break that, in Grafana's grid too)
        for ra, ya in ys if show or not pushed else []:
            for rb, yb in ys:
                if ra < rb:
                    assert ya <= yb
        # a row panel comes before, and lies above, the panels of its row
        for rp in row_panels:
            if rp in layer:
                k = row_panels.index(rp)
                assert all(
                    yb > rp["gridPos"]["y"]
                    for (rb, yb) in ys
                    if rb == k and yb != rp["gridPos"]["y"]
                )


def test_row_panels_get_derived_ids() -> None:
    # Grafana's upgradeToGridLayout numbers row panels after the highest panel id;
    # the build derives them from the row's title (as every panel without an id),
    # so that a panel added to a legacy row moves no row's id. They stay clear of
    # the panels' own ids, the top-level panels' too (the row panel once took
    # id 2, the id of the panel beside the rows: OAC303 at build).
    from obs_as_code.dashboards.render import home_id, normalize, panel_key

    legacy = {
        "schemaVersion": 14,
        "panels": [{"id": 2, "type": "text", "title": "Top", "gridPos": {"h": 2, "w": 24, "x": 0, "y": 0}}],
        "rows": [{"title": "R", "showTitle": True, "panels": [{"id": 1, "type": "graph", "title": "G", "span": 6}]}],
    }
    data = normalize(legacy)
    assert [(p["title"], p["id"]) for p in data["panels"]] == [("Top", 2), ("R", home_id(panel_key(None, "R", "row"), 0)), ("G", 1)]
    legacy["rows"][0]["panels"].append({"id": 3, "type": "graph", "title": "H", "span": 6})
    assert [p["id"] for p in normalize(legacy)["panels"]] == [2, data["panels"][1]["id"], 1, 3]


# -- step 30: value mappings (schemaversion/v30.go, grafana/grafana 02d0e5b1) ----------


_THRESHOLDS = {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}


def test_v30_turns_the_numeric_mapping_types_into_the_typed_ones() -> None:
    # The example of Grafana's step: two value-to-text mappings merged into one
    # value mapping (first), a range kept after it.
    old = [{"id": 0, "text": "Up", "type": 1, "value": "1"}, {"id": 1, "text": "Down", "type": 1, "value": "0"},
           {"from": "10", "to": "20", "text": "Medium", "type": 2}]
    assert upgrade_value_mappings(old) == [
        {"type": "value", "options": {"1": {"text": "Up"}, "0": {"text": "Down"}}},
        {"type": "range", "options": {"from": 10, "to": 20, "result": {"text": "Medium"}}},
    ]
    # "null" is a special mapping; a numeric text takes the color of its threshold
    # step (the base step's null read as 0); numbers and booleans become keys as Go
    # writes them; a null value, an unknown type and a non-dict are dropped; typed
    # mappings stay in order, value ones merged into the first.
    old = [{"id": 0, "op": "=", "text": "N/A", "type": 1, "value": "null"},
           {"text": "90", "type": 1, "value": 1.0}, {"text": "-5", "type": 1, "value": True},
           {"text": "x", "type": 1, "value": None}, {"text": "y", "type": 3, "value": "1"}, "junk",
           {"type": "regex", "options": {"pattern": "a.*", "result": {"text": "A"}}},
           {"type": "value", "options": {"7": {"text": "seven"}}},
           {"from": None, "to": "1e3", "text": "low", "type": 2}]
    assert upgrade_value_mappings(old, _THRESHOLDS) == [
        {"type": "value", "options": {"1": {"text": "90", "color": "red"}, "true": {"text": "-5", "color": "green"},
                                      "7": {"text": "seven"}}},
        {"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}},
        {"type": "regex", "options": {"pattern": "a.*", "result": {"text": "A"}}},
        {"type": "range", "options": {"from": 0, "to": 1000, "result": {"text": "low"}}},
    ]
    # No steps: Grafana's fallback color; an empty list stays empty.
    assert upgrade_value_mappings([{"text": "1", "type": 1, "value": "a"}], {"steps": []}) == [
        {"type": "value", "options": {"a": {"text": "1", "color": "#808080"}}}]
    assert upgrade_value_mappings([]) == []


def test_v30_reads_numbers_as_go_s_parse_float() -> None:
    # Range bounds: "from, _ := strconv.ParseFloat(...)": hexadecimal and
    # underscored numbers read, anything else 0, too large ±Inf (which JSON cannot
    # hold: left as it was, for the schema to report).
    ranges = [{"from": "0x1p4", "to": "1_000", "text": "a", "type": 2}, {"from": "ten", "to": "5", "text": "b", "type": 2}]
    assert upgrade_value_mappings(ranges) == [
        {"type": "range", "options": {"from": 16, "to": 1000, "result": {"text": "a"}}},
        {"type": "range", "options": {"from": 0, "to": 5, "result": {"text": "b"}}},
    ]
    huge = {"from": "1", "to": "1e999", "text": "c", "type": 2}
    assert upgrade_value_mappings([huge]) == [huge]
    # A text's color: only when ParseFloat reads it without an error (not "1e999",
    # which is +Inf with ErrRange); a step value given as "80px" is 80 (ConvertToFloat
    # drops the "px").
    steps = {"steps": [{"color": "green", "value": None}, {"color": "red", "value": "80px"}]}
    assert upgrade_value_mappings([{"text": "1e999", "type": 1, "value": "a"}, {"text": "0x1.4p6", "type": 1, "value": "b"},
                                   {"text": "79", "type": 1, "value": "c"}], steps) == [
        {"type": "value", "options": {"a": {"text": "1e999"}, "b": {"text": "0x1.4p6", "color": "red"},
                                      "c": {"text": "79", "color": "green"}}}]


def test_v30_runs_on_overrides_and_renames_the_tooltip_option_of_time_series_only() -> None:
    panel: dict[str, Any] = {
        "type": "timeseries", "options": {"tooltipOptions": {"mode": "multi"}},
        "fieldConfig": {"defaults": {"mappings": [{"text": "Up", "type": 1, "value": "1"}]},
                        "overrides": [{"matcher": {"id": "byName", "options": "a"},
                                       "properties": [{"id": "mappings", "value": [{"text": "N", "type": 1, "value": "null"}]},
                                                      {"id": "unit", "value": "s"}]}]},
    }
    upgrade_panel_v30(panel)
    assert panel["options"] == {"tooltip": {"mode": "multi"}}
    assert panel["fieldConfig"]["defaults"]["mappings"] == [{"type": "value", "options": {"1": {"text": "Up"}}}]
    assert panel["fieldConfig"]["overrides"][0]["properties"] == [
        {"id": "mappings", "value": [{"type": "special", "options": {"match": "null", "result": {"text": "N"}}}]},
        {"id": "unit", "value": "s"}]
    table = {"type": "table", "options": {"tooltipOptions": {"mode": "single"}}}
    upgrade_panel_v30(table)
    assert table["options"] == {"tooltipOptions": {"mode": "single"}}


def _stat(mappings: list[Any]) -> dict[str, Any]:
    return {"id": 1, "type": "stat", "title": "S", "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},
            "fieldConfig": {"defaults": {"mappings": mappings, "thresholds": _THRESHOLDS}, "overrides": []}}


@given(st.lists(st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from([1, 2, 1.0, 3]), "text": st.sampled_from(["N/A", "1", "95", "-2"]),
                           "value": st.one_of(st.none(), st.sampled_from(["null", "1", "a"]), st.integers(-3, 3),
                                              st.floats(-1e3, 1e3, allow_nan=False), st.booleans())}),
    st.fixed_dictionaries({"type": st.just(2), "text": st.just("r"),
                           "from": st.one_of(st.none(), st.sampled_from(["1", "x", "2.5"]), st.integers(-5, 5)),
                           "to": st.one_of(st.none(), st.sampled_from(["10", "1e2"]), st.floats(0, 100, allow_nan=False))}),
    st.sampled_from([{"type": "value", "options": {"k": {"text": "t"}}},
                     {"type": "special", "options": {"match": "null", "result": {"text": "none"}}},
                     {"type": "range", "options": {"from": 1, "to": 2, "result": {"text": "low"}}}]),
), max_size=6))
@settings(max_examples=200, deadline=None)
def test_a_dashboard_below_30_is_normalised_as_grafana_loads_it(mappings: list[Any]) -> None:
    from obs_as_code.validate.schema import dashboard_errors

    # Below 30, what normalize writes has typed mappings only and passes the
    # schema's mapping types; Grafana running step 30 again on load changes
    # nothing; at 30 and above the mappings are left as written.
    old = normalize({"title": "M", "schemaVersion": 27, "panels": [_stat(copy.deepcopy(mappings))]})
    written = old["panels"][0]["fieldConfig"]["defaults"].get("mappings", [])
    assert all(isinstance(m, dict) and m["type"] in ("value", "range", "special", "regex") for m in written)
    assert not [path for path, _message in dashboard_errors(old) if "mappings" in path]
    again = copy.deepcopy(old["panels"][0])
    upgrade_panel_v30(again)
    assert again == old["panels"][0]
    assert normalize(copy.deepcopy(old)) == old
    new = normalize({"title": "M", "schemaVersion": 39, "panels": [_stat(copy.deepcopy(mappings))]})
    # (as written, but for the nulls normalize drops: all but a "value")
    assert new["panels"][0]["fieldConfig"]["defaults"].get("mappings", []) == [
        {k: v for k, v in m.items() if v is not None or k == "value"} for m in mappings]


def test_a_legacy_rows_dashboard_gets_step_30_after_the_grid() -> None:
    from obs_as_code.validate.schema import dashboard_errors

    legacy = {"title": "L", "schemaVersion": 14, "rows": [{"title": "R", "height": 250, "panels": [
        {"id": 1, "type": "stat", "title": "S", "span": 6,
         "fieldConfig": {"defaults": {"mappings": [{"id": 0, "text": "N/A", "type": 1, "value": "null"}]}}}]}]}
    data = normalize(legacy)
    (panel,) = [p for p in data["panels"] if p["type"] == "stat"]
    assert panel["fieldConfig"]["defaults"]["mappings"] == [
        {"type": "special", "options": {"match": "null", "result": {"text": "N/A"}}}]
    assert list(dashboard_errors(data)) == []
