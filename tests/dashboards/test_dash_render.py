"""Any source -> normalized JSON: SDK builders and models, grafanalib, dicts, legacy rows."""

from __future__ import annotations

import copy
import json
from typing import Any

import grafanalib.core as gl
import pytest
from dash_support import load_fixture
from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import prometheus, timeseries
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.dashboards import normalize, render_dashboard
from obs_as_code.dashboards.migrate import grid_height, migrate_rows
from obs_as_code.model.dashboard import DashboardDef
from obs_as_code.model.datasource import Datasource
from obs_as_code.serialize import dump_json

PROM = Datasource("Prometheus", "prometheus", "http://p:9090", uid="prometheus")
LOKI = Datasource("Loki", "loki", "http://l:3100", uid="loki")


def _sdk_board() -> sdk.Dashboard:
    return (
        sdk.Dashboard("Plain SDK")
        .version(7)
        .id(3)
        .with_panel(timeseries.Panel().title("t").with_target(prometheus.Dataquery().expr("sum(up)")))
        .with_panel(timeseries.Panel().title("u").with_target(prometheus.Dataquery().expr("sum(up)")).with_target(prometheus.Dataquery().expr("1")))
    )


def test_sdk_builder_is_normalized() -> None:
    r = render_dashboard(DashboardDef(_sdk_board(), name="plain"))
    data = r.json
    assert "id" not in data and "version" not in data
    assert data["uid"] == r.uid
    # Derived from the titles (see test_dash_panel_ids.py), the same in every process.
    assert [p["id"] for p in data["panels"]] == [70297, 55087]
    assert [t["refId"] for t in data["panels"][1]["targets"]] == ["A", "B"]
    assert all("repeatDirection" not in p for p in data["panels"])
    assert "null" not in dump_json(data)
    assert data["annotations"] == {"list": []}


def test_sdk_model_and_builder_give_the_same_json() -> None:
    a = render_dashboard(DashboardDef(_sdk_board(), uid="same")).json
    b = render_dashboard(DashboardDef(_sdk_board().build(), uid="same")).json
    assert a == b


def test_render_is_deterministic_and_idempotent() -> None:
    d = DashboardDef(load_fixture("large_modern.json"), name="x")
    first = dump_json(render_dashboard(d).json)
    assert first == dump_json(render_dashboard(d).json)
    again = normalize(json.loads(first))
    assert dump_json(again) == first


def test_grafanalib_rows_dashboard_is_migrated() -> None:
    board = gl.Dashboard(
        title="From grafanalib",
        rows=[
            gl.Row(panels=[
                gl.Graph(title="Requests", dataSource="Prometheus", targets=[gl.Target(expr="sum(rate(x_total[5m]))")], span=6),
                gl.Graph(title="Errors", dataSource="Prometheus", targets=[gl.Target(expr="sum(rate(y_total[5m]))")], span=6),
            ]),
        ],
    ).auto_panel_ids()
    data = render_dashboard(DashboardDef(board, uid="gl"), datasources=[PROM]).json
    assert "rows" not in data and data["schemaVersion"] >= 16
    assert [(p["title"], p["gridPos"]["x"], p["gridPos"]["w"]) for p in data["panels"]] == [("Requests", 0, 12), ("Errors", 12, 12)]
    assert data["panels"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}


def test_grafanalib_panels_dashboard() -> None:
    board = gl.Dashboard(
        title="Modern grafanalib",
        panels=[gl.TimeSeries(title="Rate", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")], gridPos=gl.GridPos(h=8, w=12, x=0, y=0))],
    ).auto_panel_ids()
    data = render_dashboard(DashboardDef(board, uid="gl2"), datasources=[PROM]).json
    assert data["panels"][0]["type"] == "timeseries"
    assert data["panels"][0]["targets"][0]["expr"] == "sum(up)"


def test_export_placeholders_map_to_declared_datasources() -> None:
    data = normalize(load_fixture("exported_inputs.json"), [PROM, LOKI])
    text = json.dumps(data)
    assert "DS_PROMETHEUS" not in text and "DS_LOKI" not in text
    assert not {"__inputs", "__requires", "__elements", "id", "version"} & set(data)
    assert data["panels"][2]["datasource"] == {"type": "loki", "uid": "loki"}
    assert data["templating"]["list"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}


def test_legacy_rows_fixture_matches_grafana_migration() -> None:
    data = migrate_rows(load_fixture("legacy_rows.json"))
    got = [(p["type"], p["title"], p["gridPos"]) for p in data["panels"]]
    assert got == [
        ("row", "Traffic", {"x": 0, "y": 0, "w": 24, "h": 1}),
        ("graph", "Requests", {"x": 0, "y": 1, "w": 12, "h": 7}),
        ("singlestat", "Error ratio", {"x": 12, "y": 1, "w": 6, "h": 7}),
        ("singlestat", "Connections", {"x": 18, "y": 1, "w": 6, "h": 7}),
        ("graph", "Latency p95", {"x": 0, "y": 8, "w": 24, "h": 8}),
        ("row", "Details", {"x": 0, "y": 16, "w": 24, "h": 1}),
    ]
    details = data["panels"][-1]
    assert details["collapsed"] is True
    assert [(c["title"], c["gridPos"]) for c in details["panels"]] == [
        ("Top paths", {"x": 0, "y": 17, "w": 16, "h": 6}),
        ("Notes", {"x": 16, "y": 17, "w": 8, "h": 6}),
    ]
    # The row panels get their ids in normalize (derived from their titles), not here.
    assert [p.get("id") for p in data["panels"] if p["type"] == "row"] == [None, None]
    assert data["schemaVersion"] == 16


def test_grid_height_like_grafana() -> None:
    assert [grid_height(h) for h in ("250px", 250, "300px", 200, None, "bogus", 10)] == [7, 7, 8, 6, 7, 7, 3]


def test_rows_without_titles_become_plain_panels() -> None:
    data = migrate_rows({"title": "t", "schemaVersion": 12, "rows": [
        {"panels": [{"id": 1, "type": "graph", "span": 12}]},
        {"panels": [{"id": 2, "type": "graph", "span": 4}, {"id": 3, "type": "graph"}]},
    ]})
    assert [(p["id"], p["gridPos"]) for p in data["panels"]] == [
        (1, {"x": 0, "y": 0, "w": 24, "h": 7}),
        (2, {"x": 0, "y": 7, "w": 8, "h": 7}),
        (3, {"x": 8, "y": 7, "w": 8, "h": 7}),
    ]


json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text(max_size=4))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.fixed_dictionaries(
            {"type": st.sampled_from(["timeseries", "stat", "row"]), "title": st.text(max_size=5)},
            optional={
                "id": st.one_of(st.none(), st.integers(0, 4)),
                "options": json_scalars,
                "targets": st.lists(st.fixed_dictionaries({"expr": st.text(max_size=5)}, optional={"refId": st.sampled_from(["", "A", "B"])}), max_size=3),
            },
        ),
        max_size=6,
    )
)
def test_normalize_is_idempotent_and_fills_ids(panels: list[dict[str, Any]]) -> None:
    source = {"title": "h", "schemaVersion": 41, "panels": copy.deepcopy(panels)}
    once = normalize(source)
    assert normalize(copy.deepcopy(once)) == once
    for p in once["panels"]:
        assert p.get("id")
        refs = [t["refId"] for t in p.get("targets", [])]
        assert all(refs)
    assert source["panels"] == panels  # the input is not modified


def _library_export(elements: Any) -> dict[str, Any]:
    """An export (as Grafana's "Export for sharing externally" writes it) with one
    library panel, its model in ``__elements``."""
    return {
        "__inputs": [{"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus"}],
        "title": "Lib", "uid": "lib", "schemaVersion": 39,
        "panels": [
            {"id": 7, "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0}, "title": "Shared",
             "libraryPanel": {"uid": "abc", "name": "Shared requests"}},
            {"id": 8, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 8}, "title": "Elsewhere",
             "libraryPanel": {"uid": "not-exported", "name": "Elsewhere"}},
        ],
        "__elements": elements,
    }


_LIBRARY_MODEL = {
    "id": 1, "gridPos": {"h": 3, "w": 3, "x": 0, "y": 0}, "type": "timeseries", "title": "Shared requests",
    "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"},
    "targets": [{"refId": "A", "expr": "sum(rate(x_total[$__rate_interval]))"}],
    "libraryPanel": {"uid": "abc"},
}


@pytest.mark.parametrize("form", ["by uid (Grafana 9+)", "list (Grafana 8)"])
def test_library_panels_of_an_export_are_inlined(form: str) -> None:
    # Provisioning cannot create library panels: the reference alone was written
    # as is (no type: schema error; "library panel not found" in Grafana).
    element = {"name": "Shared requests", "uid": "abc", "kind": 1, "model": _LIBRARY_MODEL}
    data = normalize(_library_export({"abc": element} if form.startswith("by uid") else [element]), [PROM])
    shared, elsewhere = data["panels"]
    assert shared == {
        "id": 7, "gridPos": {"h": 8, "w": 12, "x": 12, "y": 0}, "type": "timeseries", "title": "Shared requests",
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "targets": [{"refId": "A", "expr": "sum(rate(x_total[$__rate_interval]))"}],
    }
    # One the export does not carry stays a reference: nothing to put there.
    assert elsewhere["libraryPanel"] == {"uid": "not-exported", "name": "Elsewhere"}
    assert "__elements" not in data
    assert normalize(data, [PROM]) == data


def test_panel_links_get_the_fields_the_schema_requires() -> None:
    from obs_as_code.validate.schema import dashboard_errors

    # As Grafana writes a panel link; the schema's Panel.links are DashboardLinks.
    link = {"title": "Runbook", "url": "https://runbooks/x", "targetBlank": True}
    data = normalize({"title": "L", "schemaVersion": 39, "panels": [
        {"id": 1, "type": "stat", "title": "S", "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0}, "links": [link]},
    ]})
    assert data["panels"][0]["links"][0]["targetBlank"] is True
    assert list(dashboard_errors(data)) == []


def test_thresholds_and_transformations_get_what_grafana_reads_in_their_absence() -> None:
    from obs_as_code.validate.schema import dashboard_errors

    # As kube-prometheus's node-mixin dashboards write them: thresholds without a
    # mode, a transformation without options. Grafana reads the first as absolute
    # (PanelModel's fixThresholds) and the second with its default options
    # (transformDataFrame); the schema requires both fields.
    panel = {
        "id": 1, "type": "timeseries", "title": "T", "gridPos": {"h": 4, "w": 4, "x": 0, "y": 0},
        "fieldConfig": {
            "defaults": {"thresholds": {"steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}},
            "overrides": [{"matcher": {"id": "byName", "options": "a"},
                           "properties": [{"id": "thresholds", "value": {"steps": [{"color": "blue", "value": "null"}]}},
                                          {"id": "thresholds", "value": {"mode": "percentage"}}]}],
        },
        "transformations": [{"id": "merge"}, {"id": "organize", "options": {"renameByName": {"a": "b"}}}],
    }
    source = {"title": "N", "schemaVersion": 39, "panels": [panel]}
    before = list(dashboard_errors(json.loads(json.dumps(source))))
    assert any("'mode' is a required property" in message for _path, message in before)
    assert any("'options' is a required property" in message for _path, message in before)
    data = normalize(source)
    fc = data["panels"][0]["fieldConfig"]
    assert fc["defaults"]["thresholds"] == {
        "mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]}
    assert [p["value"] for p in fc["overrides"][0]["properties"]] == [
        {"mode": "absolute", "steps": [{"color": "blue", "value": None}]}, {"mode": "percentage", "steps": []}]
    assert data["panels"][0]["transformations"] == [
        {"id": "merge", "options": {}}, {"id": "organize", "options": {"renameByName": {"a": "b"}}}]
    assert list(dashboard_errors(data)) == []
    assert normalize(copy.deepcopy(data)) == data


def test_an_export_input_maps_to_the_default_datasource_of_its_plugin() -> None:
    # The first declared one was taken: a Thanos declared before the default
    # Prometheus (datasources/a_thanos.py sorts first) got every panel.
    thanos = Datasource("Thanos", "prometheus", "http://t:9090", uid="thanos")
    default = Datasource("Prometheus", "prometheus", "http://p:9090", uid="prometheus", is_default=True)
    data = normalize(load_fixture("exported_inputs.json"), [thanos, default, LOKI])
    assert data["templating"]["list"][0]["datasource"] == {"type": "prometheus", "uid": "prometheus"}
    # No default among them: the first.
    data = normalize(load_fixture("exported_inputs.json"), [thanos, PROM, LOKI])
    assert data["templating"]["list"][0]["datasource"] == {"type": "prometheus", "uid": "thanos"}


def test_copies_of_repeated_panels_an_old_save_kept_are_dropped() -> None:
    # Grafana removes them on load (schema step 27) and repeats the original
    # again; written, each copy was one more panel (and its title twice: OAC303).
    data = normalize({"title": "R", "schemaVersion": 26, "panels": [
        {"id": 1, "type": "stat", "title": "$host", "repeat": "host", "gridPos": {"h": 4, "w": 8, "x": 0, "y": 0}},
        {"id": 2, "type": "stat", "title": "$host", "repeatPanelId": 1, "repeatIteration": 1615390940811,
         "gridPos": {"h": 4, "w": 8, "x": 8, "y": 0}},
        {"id": 3, "type": "row", "title": "More", "collapsed": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 4}, "panels": [
            {"id": 4, "type": "stat", "title": "$host", "repeat": "host", "gridPos": {"h": 4, "w": 8, "x": 0, "y": 5}},
            {"id": 5, "type": "stat", "title": "$host", "repeatPanelId": 4, "gridPos": {"h": 4, "w": 8, "x": 8, "y": 5}},
        ]},
        {"id": 6, "type": "row", "title": "Copy of a row", "repeatByRow": True, "gridPos": {"h": 1, "w": 24, "x": 0, "y": 9}},
    ]})
    assert [(p["id"], [c["id"] for c in p.get("panels", [])]) for p in data["panels"]] == [(1, []), (3, [4])]
    assert normalize(data) == data


def test_a_placeholder_without_its_input_maps_by_the_plugin_its_reference_names() -> None:
    # __inputs cut from the export: ${DS_PROMETHEUS} stayed, a datasource
    # Grafana does not have (OAC307, which the import then suppressed).
    data = load_fixture("exported_inputs.json")
    del data["__inputs"]
    out = normalize(data, [PROM, LOKI])
    assert "DS_PROMETHEUS" not in json.dumps(out) and "DS_LOKI" not in json.dumps(out)
    assert out["panels"][2]["datasource"] == {"type": "loki", "uid": "loki"}
    # No datasource of that plugin declared: left for OAC307 to report.
    assert normalize(data, [LOKI])["templating"]["list"][0]["datasource"]["uid"] == "${DS_PROMETHEUS}"
