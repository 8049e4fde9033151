"""Dashboards through the whole pipeline: inputs, output layout, UIDs, datasources."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from obs_as_code import names, serialize
from obs_as_code.pipeline import Compiled, build

SDK_MODULE = '''
from grafana_foundation_sdk.builders import dashboard as sdk, prometheus, timeseries

board = sdk.Dashboard("Plain SDK").with_panel(
    timeseries.Panel().title("Up").unit("short").with_target(prometheus.Dataquery().expr("sum(up)"))
)
'''
GRAFANALIB_MODULE = '''
import grafanalib.core as gl

board = gl.Dashboard(
    title="grafanalib board",
    panels=[gl.TimeSeries(title="Up", dataSource="prometheus", targets=[gl.Target(expr="sum(up)")],
                          gridPos=gl.GridPos(h=8, w=12, x=0, y=0))],
).auto_panel_ids()
'''
DICT_MODULE = '''
board = {
    "title": "dict board",
    "schemaVersion": 41,
    "panels": [
        {"type": "timeseries", "title": "Up", "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "sum(up)", "refId": "A"}]},
        {"type": "stat", "title": "Broken", "gridPos": {"h": 8, "w": "wide", "x": 12, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"},
         "targets": [{"expr": "sum(up)", "refId": "A"}]},
    ],
}
'''


def _paths(c: Compiled) -> list[str]:
    return sorted(a.path for a in c.artifacts)


def test_every_input_kind_is_written(project: Callable[..., Compiled]) -> None:
    c = project({
        "dashboards/team/sdk_board.py": SDK_MODULE,
        "dashboards/gl.py": GRAFANALIB_MODULE,
        "dashboards/raw.py": DICT_MODULE.replace('"wide"', "12"),
        "dashboards/slo/_gen.py": "",
        "slos/api.py": '''
            from grafana_foundation_sdk.builders import dashboard as sdk
            from obs_as_code import DashboardDef
            generated = DashboardDef(sdk.Dashboard("SLO api"), uid="slo-api", folder="slo")
        ''',
    })
    assert c.ok, c.diagnostics
    assert _paths(c) == [
        "grafana/dashboards/gl.json",
        "grafana/dashboards/raw.json",
        "grafana/dashboards/slo/slo-api.json",
        "grafana/dashboards/team/team-sdk-board.json",
        names.DASHBOARD_PROVIDER_FILE,
        names.DATASOURCES_FILE,
        "manifest.json",
    ]
    by_path = {a.path: a for a in c.artifacts}
    assert by_path["grafana/dashboards/team/team-sdk-board.json"].data["uid"] == "team-sdk-board"
    provider = serialize.load_yaml(by_path[names.DASHBOARD_PROVIDER_FILE].content.decode())["providers"][0]
    assert provider["type"] == "file" and provider["allowUiUpdates"] is False
    assert provider["options"]["foldersFromFilesStructure"] is True
    ds = serialize.load_yaml(by_path[names.DATASOURCES_FILE].content.decode())
    assert [(d["uid"], d["type"]) for d in ds["datasources"]] == [("prometheus", "prometheus"), ("loki", "loki")]


def test_dicts_outside_dashboards_are_not_dashboards(project: Callable[..., Compiled]) -> None:
    c = project({"dashboards/a.py": SDK_MODULE, "alerts/_data.py": DICT_MODULE})
    assert c.ok and sum(a.path.endswith(".json") and "dashboards" in a.path for a in c.artifacts) == 1


def test_uid_collision_names_both_modules(project: Callable[..., Compiled]) -> None:
    c = project({
        "dashboards/a.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("A").uid("same")'),
        "dashboards/b.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("B").uid("same")'),
    })
    errors = [d for d in c.diagnostics if d.code == "OAC308"]
    assert len(errors) == 1 and not c.ok
    assert errors[0].location.file == "dashboards/b.py"
    assert "dashboards/a.py" in errors[0].message and "dashboards/b.py" in errors[0].message


def test_invalid_uid_is_an_error(project: Callable[..., Compiled]) -> None:
    c = project({"dashboards/a.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("A").uid("not valid!")')})
    assert [d.code for d in c.diagnostics if d.severity.value == "error"] == ["OAC308"]


def test_several_dashboards_in_one_module_get_distinct_uids(project: Callable[..., Compiled]) -> None:
    c = project({"dashboards/pair.py": SDK_MODULE + "\nsecond = sdk.Dashboard('Second')\n"})
    assert c.ok, c.diagnostics
    assert sorted(a.data["uid"] for a in c.artifacts if a.path.startswith("grafana/dashboards/")) == ["pair-board", "pair-second"]


def test_a_dashboard_not_written_for_its_uid_is_still_checked(project: Callable[..., Compiled]) -> None:
    # One run reports every mistake: the repeated and the invalid UID, and the
    # broken queries of those two dashboards too.
    broken = SDK_MODULE.replace('expr("sum(up)")', 'expr("sum(up")')
    c = project({
        "dashboards/a.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("A").uid("same")'),
        "dashboards/b.py": broken.replace('Dashboard("Plain SDK")', 'Dashboard("B").uid("same")'),
        "dashboards/c.py": broken.replace('Dashboard("Plain SDK")', 'Dashboard("C").uid("not valid!")'),
    })
    found = sorted((d.location.file, d.code) for d in c.diagnostics if d.severity.value == "error")
    assert found == [
        ("dashboards/b.py", "OAC302"),
        ("dashboards/b.py", "OAC308"),
        ("dashboards/c.py", "OAC302"),
        ("dashboards/c.py", "OAC308"),
    ]


def test_dashboard_defs_in_one_module_get_their_variable_names(project: Callable[..., Compiled]) -> None:
    c = project({
        "dashboards/dd.py": """
            from obs_as_code import DashboardDef
            one = DashboardDef({"title": "One", "schemaVersion": 41, "panels": []})
            two = DashboardDef({"title": "Two", "schemaVersion": 41, "panels": []}, name="second")
            boards = [DashboardDef({"title": "Three", "schemaVersion": 41, "panels": []}, uid="three")]
        """,
    })
    assert c.ok, c.diagnostics
    uids = sorted(a.data["uid"] for a in c.artifacts if a.path.startswith("grafana/dashboards/"))
    assert uids == ["dd-one", "dd-second", "three"]


def test_a_folder_outside_the_dashboards_tree_is_an_error(project: Callable[..., Compiled]) -> None:
    bad = ["../../../pwned", "/tmp/abs", "a//b", "team/", "./x", "a\\b", "new\nline"]
    lines = ["from obs_as_code import DashboardDef"]
    for i, folder in enumerate(bad):
        lines.append(f'd{i} = DashboardDef({{"title": "T{i}", "schemaVersion": 41, "panels": []}}, uid="u{i}", folder={folder!r})')
    lines.append('fine = DashboardDef({"title": "Fine", "schemaVersion": 41, "panels": []}, uid="fine", folder="team/llm")')
    c = project({"dashboards/dd.py": "\n".join(lines) + "\n"})
    errors = [d for d in c.diagnostics if d.code == "OAC310" and d.severity.value == "error"]
    assert [(d.location.file, d.location.line) for d in errors] == [("dashboards/dd.py", i + 2) for i in range(len(bad))]
    assert not c.ok
    # The valid one is rendered where it belongs; the rest nowhere.
    dash = sorted(a.path for a in c.artifacts if a.path.startswith("grafana/dashboards/"))
    assert dash == ["grafana/dashboards/team/llm/fine.json"]


def test_an_artifact_path_cannot_leave_build() -> None:
    import pytest

    from obs_as_code.artifacts import Artifact

    for path in ("../x.json", "/etc/x", "a//b.json", "a/./b.json", "a\\b.json", "grafana/dashboards/../../x.json"):
        with pytest.raises(ValueError, match="plain relative path"):
            Artifact(path, {}, "json")
    assert Artifact("grafana/dashboards/team/x.json", {}, "json").path == "grafana/dashboards/team/x.json"


def test_undeclared_datasource_is_a_build_error(project: Callable[..., Compiled]) -> None:
    module = SDK_MODULE.replace('prometheus.Dataquery().expr("sum(up)")',
                                'prometheus.Dataquery().expr("sum(up)").datasource(m.DataSourceRef(type_val="prometheus", uid="thanos"))')
    module = "from grafana_foundation_sdk.models import dashboard as m\n" + module
    c = project({"dashboards/a.py": module})
    found = [d for d in c.diagnostics if d.code == "OAC307"]
    assert len(found) == 1 and not c.ok
    assert "'thanos' is not declared" in found[0].message
    assert found[0].location.file == "dashboards/a.py"


def test_duplicate_datasource_uid_is_an_error(project: Callable[..., Compiled]) -> None:
    c = project({"datasources/more.py": 'from obs_as_code import Datasource\nx = Datasource("P2", "prometheus", "http://x", uid="prometheus")\n'})
    assert any(d.code == "OAC307" and "declared twice" in d.message for d in c.diagnostics)


def test_unsupported_source_is_reported(project: Callable[..., Compiled]) -> None:
    c = project({"slos/x.py": "from obs_as_code import DashboardDef\nd = DashboardDef(source=42, uid='x')\n"})
    assert [d.code for d in c.diagnostics] == ["OAC309"]


def test_definition_fields_that_are_not_strings_are_reported_at_their_line(project: Callable[..., Compiled]) -> None:
    # A uid=123 crashed the build with a traceback (names.valid_uid on an int),
    # and compiled modules would reject it with their own TypeError: now the
    # module that built it fails at that line (OAC101), in the same words either way.
    c = project({
        "dashboards/odd.py": "from obs_as_code import DashboardDef\n\na = DashboardDef({'title': 'A', 'panels': []}, uid=123)\n",
        "dashboards/odd2.py": "from obs_as_code import DashboardDef\n\nb = DashboardDef({'title': 'B', 'panels': []}, folder=3)\n",
        "datasources/odd.py": "from obs_as_code import Datasource\n\nx = Datasource('Q', 'prometheus', 'http://q', uid=7)\n",
    })
    found = sorted((d.code, d.location.file, d.location.line, d.message.split("raised ", 1)[1]) for d in c.diagnostics)
    assert found == [
        ("OAC101", "dashboards/odd.py", 3, "TypeError: DashboardDef uid must be a string or None, not int (123)"),
        ("OAC101", "dashboards/odd2.py", 3, "TypeError: DashboardDef folder must be a string or None, not int (3)"),
        ("OAC101", "datasources/odd.py", 3, "TypeError: Datasource uid must be a string, not int (7)"),
    ]
    assert not c.ok


def test_build_writes_plain_dashboard_json_deterministically(tmp_path: Path) -> None:
    from dash_support import write_project

    write_project(tmp_path, {"dashboards/ops/a.py": SDK_MODULE})
    first = build(tmp_path)
    assert first.ok and first.wrote
    written = tmp_path / "build" / "grafana" / "dashboards" / "ops" / "ops-a.json"
    data = json.loads(written.read_text())
    assert data["title"] == "Plain SDK" and "dashboard" not in data and "id" not in data and "version" not in data
    before = written.read_bytes()
    second = build(tmp_path)
    assert second.ok and not second.wrote and written.read_bytes() == before


def test_a_build_lets_go_of_written_json_data_and_reads_it_back_on_demand(tmp_path: Path) -> None:
    from dash_support import write_project

    from obs_as_code import artifacts
    from obs_as_code.pipeline import compile_project

    write_project(tmp_path, {"dashboards/ops/a.py": SDK_MODULE, "dashboards/ops/b.py": DICT_MODULE.replace('"wide"', "12")})
    fresh = {a.path: a for a in compile_project(tmp_path).artifacts}
    result = build(tmp_path)
    assert result.ok and result.wrote
    released = [a for a in result.compiled.artifacts if a.format == "json"]
    assert {a.path for a in released} >= {"grafana/dashboards/ops/ops-a.json", "grafana/dashboards/ops/ops-b.json", "manifest.json"}
    for a in released:
        # Not held after the build: nothing but the bytes until someone asks.
        assert type(a) is artifacts._Written and a.__dict__["_data"] is artifacts._UNREAD
        assert a.content == fresh[a.path].content == (result.out_dir / a.path).read_bytes()
        assert a.data == fresh[a.path].data  # decoded from the bytes: what was rendered
        assert a.__dict__["_data"] is a.data  # decoded once
    # Other formats keep their data (YAML round trips are not exact).
    kept = [a for a in result.compiled.artifacts if a.format != "json"]
    assert kept and all(type(a) is artifacts.Artifact and a.data == fresh[a.path].data for a in kept)
    # A caller can still set it.
    released[0].data = {"set": True}
    assert released[0].data == {"set": True}


def test_a_nested_folder_is_written_with_a_warning_that_grafana_shows_its_last_part(project: Callable[..., Compiled]) -> None:
    # Grafana's file provider makes only the last directory a folder
    # (grafana/grafana#107158): team/llm and ops/llm both show as one folder
    # "llm". The build said nothing of it.
    c = project({
        "dashboards/team/llm/cost.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("Cost")'),
        "dashboards/ops/llm/usage.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("Usage")'),
        "dashboards/flat/api.py": SDK_MODULE,
    })
    assert c.ok, c.diagnostics
    found = sorted((d.location.file, d.severity.value, d.message) for d in c.diagnostics if d.code == "OAC310")
    assert [(f, s) for f, s, _m in found] == [("dashboards/ops/llm/usage.py", "warning"), ("dashboards/team/llm/cost.py", "warning")]
    assert "shows in a top-level folder 'llm'" in found[0][2]
    assert "grafana/dashboards/team/llm/team-llm-cost.json" in _paths(c)


def test_an_override_colliding_with_a_derived_uid_names_both_modules(project: Callable[..., Compiled]) -> None:
    # dashboards/team/api.py derives "team-api"; another module sets that UID itself.
    c = project({
        "dashboards/team/api.py": SDK_MODULE,
        "dashboards/other.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("Other").uid("team-api")'),
    })
    errors = [d for d in c.diagnostics if d.code == "OAC308"]
    assert len(errors) == 1 and not c.ok
    assert "dashboards/other.py" in errors[0].message and "dashboards/team/api.py" in errors[0].message


def test_a_title_used_twice_in_a_folder_is_an_error(project: Callable[..., Compiled]) -> None:
    # Grafana's file provider takes it for a duplicate and stops saving the
    # provider's dashboards (grafana/grafana#43530): the build said nothing.
    # Folders are compared as Grafana shows them (the last part of the path).
    c = project({
        "dashboards/team/a.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("API")'),
        "dashboards/team/b.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("API")'),
        "dashboards/ops/team/c.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("API")'),
        "dashboards/other/d.py": SDK_MODULE.replace('Dashboard("Plain SDK")', 'Dashboard("API")'),
    })
    found = sorted((d.location.file, d.message) for d in c.diagnostics if d.code == "OAC312")
    assert [f for f, _m in found] == ["dashboards/team/a.py", "dashboards/team/b.py"]
    assert "dashboard title 'API' is used twice in folder 'team': by dashboards/ops/team/c.py (" in found[0][1]
    assert not c.ok


def test_a_datasource_linking_to_an_undeclared_uid_is_an_error(project: Callable[..., Compiled]) -> None:
    # Tempo's trace-to-logs and Loki's derived fields name datasources by uid: an
    # undeclared one was written as is (a dead link in Grafana's trace view).
    c = project({"datasources/more.py": """
        from obs_as_code import Datasource
        tempo = Datasource("Tempo", "tempo", "http://tempo:3200", uid="tempo",
                           json_data={"tracesToLogsV2": {"datasourceUid": "loki"}, "serviceMap": {"datasourceUid": "mimir"}})
        logs = Datasource("Logs", "loki", "http://l", uid="logs",
                          json_data={"derivedFields": [{"name": "trace", "datasourceUid": "jaeger"}]})
    """})
    found = [(d.location.line, d.message) for d in c.diagnostics if d.code == "OAC307"]
    assert found == [
        (2, "datasource 'tempo' refers to datasource uid 'mimir' in json_data[serviceMap.datasourceUid], "
            "which datasources/ does not declare"),
        (4, "datasource 'logs' refers to datasource uid 'jaeger' in json_data[derivedFields.0.datasourceUid], "
            "which datasources/ does not declare"),
    ]
    assert not c.ok
