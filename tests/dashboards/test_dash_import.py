"""``oac import dashboard``: JSON -> Python with builders, and back to the same dashboard."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from dash_support import FIXTURES, REPO, load_fixture, rebuild, write_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obs_as_code.cli import cli
from obs_as_code.dashboards import normalize
from obs_as_code.importers.dashboard import differences, semantic_view, to_python, unwrap
from obs_as_code.model.datasource import Datasource
from obs_as_code.pipeline import compile_project

FIXTURE_NAMES = ["legacy_rows.json", "exported_inputs.json", "large_modern.json"]
DATASOURCES = [
    Datasource("Prometheus", "prometheus", "http://p:9090", uid="prometheus"),
    Datasource("Loki", "loki", "http://l:3100", uid="loki"),
]


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_round_trip(name: str) -> None:
    original = load_fixture(name)
    source = to_python(original, datasources=DATASOURCES, source=name)
    compile(source, name, "exec")
    assert differences(normalize(original, DATASOURCES), rebuild(source)) == []


def test_an_imported_module_imports_only_what_it_uses(tmp_path: Path) -> None:
    # ruff (F401) flagged loki, QueryEditorMode ... in every imported module that
    # had no Loki query: a project linting its modules failed on each import.
    import sys

    sources = {name: to_python(load_fixture(name), datasources=DATASOURCES) for name in FIXTURE_NAMES}
    for name, source in sources.items():
        path = tmp_path / name.replace(".json", ".py")
        path.write_text(source, encoding="utf-8")
    lint = subprocess.run([sys.executable, "-m", "ruff", "check", "--isolated", "--select", "F", "--output-format",
                           "concise", str(tmp_path)], capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # What a dashboard without Loki queries does not import; the kit always.
    assert all("from obs_as_code.dashboards import kit as k" in s for s in sources.values())
    for name in ("large_modern.json", "legacy_rows.json"):  # no Loki query in either
        assert "import loki" not in sources[name] and "LokiEditorMode" not in sources[name], name
    # A Loki query keeps what it needs.
    board = {"title": "L", "uid": "l", "schemaVersion": 39, "panels": [
        {"id": 1, "type": "logs", "title": "Logs", "gridPos": {"h": 8, "w": 24, "x": 0, "y": 0},
         "datasource": {"type": "loki", "uid": "loki"},
         "targets": [{"refId": "A", "expr": '{app="x"}', "editorMode": "code", "datasource": {"type": "loki", "uid": "loki"}}]}]}
    source = to_python(board, datasources=DATASOURCES)
    assert "loki" in source.split("from obs_as_code.dashboards import kit as k")[0]
    assert differences(normalize(board, DATASOURCES), rebuild(source)) == []


def test_round_trip_detects_a_change() -> None:
    original = load_fixture("exported_inputs.json")
    source = to_python(original, datasources=DATASOURCES).replace("rate_interval", "interval", 1)
    assert any("expr" in d for d in differences(normalize(original, DATASOURCES), rebuild(source)))


def test_import_uses_builders_where_the_sdk_can() -> None:
    source = to_python(load_fixture("exported_inputs.json"), datasources=DATASOURCES)
    assert "sdk.Panel()" in source and "prometheus.Dataquery()" in source and "loki.Dataquery()" in source
    assert "sdk.QueryVariable('model')" in source
    assert "DS_PROMETHEUS" not in source and "k.ds('prometheus', 'prometheus')" in source
    legacy = to_python(load_fixture("legacy_rows.json"), datasources=DATASOURCES)
    # Old graph panels carry keys the SDK does not model: kept as JSON, not lost.
    assert "k.Raw({" in legacy and "'yaxes'" in legacy
    assert "k.collapsed_row(" in legacy


def test_legacy_import_maps_datasource_names() -> None:
    rebuilt = rebuild(to_python(load_fixture("legacy_rows.json"), datasources=DATASOURCES))
    panels = [p for p in rebuilt["panels"] if p["type"] != "row"]
    assert {json.dumps(p["datasource"]) for p in panels} == {'{"type": "prometheus", "uid": "prometheus"}'}


def test_shipped_dashboards_round_trip() -> None:
    compiled = compile_project(REPO, lint_checks=False)
    boards = [a.data for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")]
    assert len(boards) >= 7
    for board in boards:
        assert differences(board, rebuild(to_python(board))) == [], board["title"]


def test_unwrap_api_response() -> None:
    assert unwrap({"dashboard": {"title": "x", "panels": []}, "meta": {}})["title"] == "x"
    with pytest.raises(ValueError):
        unwrap({"panels": []})


def test_cli_writes_a_module_that_builds(tmp_path: Path) -> None:
    write_project(tmp_path, {"datasources/main.py": (REPO / "datasources" / "opencode.py").read_text()}, datasources=False)
    runner = CliRunner()
    out = tmp_path / "dashboards" / "imported" / "llm.py"
    result = runner.invoke(
        cli, ["import", "dashboard", "-C", str(tmp_path), str(FIXTURES / "exported_inputs.json"), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.is_file()
    compiled = compile_project(tmp_path)
    assert compiled.ok, compiled.diagnostics
    built = next(a for a in compiled.artifacts if a.path.startswith("grafana/dashboards/imported/"))
    assert built.data["uid"] == "llm-exported"
    assert semantic_view(built.data) == semantic_view(normalize(load_fixture("exported_inputs.json"), DATASOURCES))


def test_cli_checks_the_round_trip_of_every_import(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Every import runs the module it writes and compares the dashboard it builds
    # with the input (importers.dashboard.differences, as the round-trip tests do):
    # there is no --verify to ask for it. A lossy step is reported, exit 1.
    import obs_as_code.importers.dashboard as importer

    write_project(tmp_path, {})
    runner = CliRunner()
    args = ["import", "dashboard", "-C", str(tmp_path), str(FIXTURES / "exported_inputs.json")]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0 and "round-trip differs" not in result.stderr, result.output
    exact = importer.to_python
    monkeypatch.setattr(importer, "to_python", lambda *a, **kw: exact(*a, **kw).replace("rate_interval", "interval", 1))
    result = runner.invoke(cli, args)
    assert result.exit_code == 1, result.output
    differs = [line for line in result.stderr.splitlines() if "round-trip differs" in line]
    assert len(differs) == 1 and "$__rate_interval" in differs[0] and "$__interval" in differs[0], result.stderr


def test_cli_prints_to_stdout_and_rejects_non_dashboards(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["import", "dashboard", "-C", str(tmp_path), str(FIXTURES / "legacy_rows.json")])
    assert result.exit_code == 0 and result.output.startswith('"""Legacy API (rows)')
    bad = tmp_path / "bad.json"
    bad.write_text('{"panels": []}')
    result = runner.invoke(cli, ["import", "dashboard", "-C", str(tmp_path), str(bad)])
    assert result.exit_code == 2 and "not a Grafana dashboard" in result.output


def test_import_group_lists_dashboard() -> None:
    result = CliRunner().invoke(cli, ["import", "--help"])
    assert result.exit_code == 0 and "dashboard" in result.output


# ---------------------------------------------------------------------------
# Real published dashboards, when a mirror of their repository is on this machine
# (the `fetch` tool puts them under /work/.mirror/<owner>+<repo>/repo). They are
# read in place, never copied into this repository.

MIRRORS = {
    "rfmoz/grafana-dashboards": "prometheus/",
    "dotdc/grafana-dashboards-kubernetes": "dashboards/",
}
MIRROR_ROOT = Path("/work/.mirror")


def _real_dashboards() -> list[tuple[str, Path, str]]:
    found: list[tuple[str, Path, str]] = []
    for repo, folder in MIRRORS.items():
        git_dir = MIRROR_ROOT / repo.replace("/", "+") / "repo"
        if not git_dir.is_dir():
            continue
        listing = subprocess.run(
            ["git", "-C", str(git_dir), "ls-tree", "-r", "--name-only", "HEAD", folder],
            capture_output=True, text=True, check=False,
        ).stdout.split()
        found.extend((repo, git_dir, path) for path in listing if path.endswith(".json"))
    return found


REAL = _real_dashboards()


@pytest.mark.skipif(not REAL, reason=f"no mirror of {', '.join(MIRRORS)} under {MIRROR_ROOT} (fetch one to run this)")
@pytest.mark.parametrize("repo,git_dir,path", REAL, ids=[f"{r}:{p}" for r, _g, p in REAL])
def test_real_dashboard_round_trip(repo: str, git_dir: Path, path: str) -> None:
    text = subprocess.run(["git", "-C", str(git_dir), "show", f"HEAD:{path}"], capture_output=True, text=True, check=True).stdout
    original = unwrap(json.loads(text))
    source = to_python(original, datasources=DATASOURCES, source=f"{repo}/{path}")
    assert differences(normalize(original, DATASOURCES), rebuild(source)) == []


# ---------------------------------------------------------------------------
# Generated dashboards: whatever the JSON holds, the module rebuilds it.

_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
_json = st.recursive(
    st.one_of(st.booleans(), st.integers(-100, 100), _text),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text("abcxyz", min_size=1, max_size=4), inner, max_size=3)),
    max_leaves=6,
)
_grid = st.fixed_dictionaries({"h": st.integers(1, 20), "w": st.integers(1, 24), "x": st.integers(0, 23), "y": st.integers(0, 99)})
_prom_target = st.fixed_dictionaries(
    {"expr": _text, "refId": st.sampled_from(["A", "B", "C"])},
    optional={"legendFormat": _text, "hide": st.booleans(), "interval": st.sampled_from(["1m", "30s"]),
              "datasource": st.just({"type": "prometheus", "uid": "prometheus"}), "instant": st.booleans()},
)
_panel = st.fixed_dictionaries(
    {"type": st.sampled_from(["timeseries", "stat", "table", "graph"]), "title": _text, "gridPos": _grid,
     "id": st.integers(1, 10_000)},
    optional={"targets": st.lists(_prom_target, max_size=3), "options": st.dictionaries(st.text("ab", min_size=1, max_size=3), _json, max_size=2),
              "description": _text, "repeat": st.just("job"), "legend": _json},
)
_variable = st.fixed_dictionaries(
    {"name": st.sampled_from(["job", "instance", "env"]), "type": st.sampled_from(["query", "custom", "interval", "constant", "textbox"]),
     "query": _text},
    optional={"multi": st.booleans(), "includeAll": st.booleans(), "label": _text, "regex": _text},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=_text.filter(str.strip), panels=st.lists(_panel, max_size=5), variables=st.lists(_variable, max_size=3, unique_by=lambda v: v["name"]))
def test_generated_dashboards_round_trip(title: str, panels: list[dict[str, object]], variables: list[dict[str, object]]) -> None:
    ids = set()
    for p in panels:  # ids must be unique for the comparison to be meaningful
        while p["id"] in ids:
            p["id"] = int(str(p["id"])) + 1
        ids.add(p["id"])
    original = {"title": title, "schemaVersion": 39, "panels": panels, "templating": {"list": variables}}
    source = to_python(original)
    assert differences(normalize(original), rebuild(source)) == []


# ---------------------------------------------------------------------------
# Reviewed defects: each repro, and what the import does now.

_VARS = [
    {"name": "interval", "type": "interval", "query": "1m,5m,10m", "auto": True, "auto_count": 30, "auto_min": "10s",
     "current": {"text": "auto", "value": "$__auto_interval_interval"}},
    {"name": "env", "type": "custom", "query": "prod,staging,dev", "current": {"text": "staging", "value": "staging"}},
    {"name": "pod", "type": "query", "datasource": {"type": "prometheus", "uid": "prometheus"},
     "query": "label_values(kube_pod_info, pod)", "hide": 2, "refresh": 1},
    {"name": "ns", "type": "query", "datasource": {"type": "prometheus", "uid": "prometheus"},
     "query": "label_values(kube_pod_info, namespace)", "hide": 1, "refresh": 1},
]


def _write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _import(tmp_path: Path, *args: str) -> object:
    write_project(tmp_path, {"datasources/main.py": (REPO / "datasources" / "opencode.py").read_text()}, datasources=False)
    return CliRunner().invoke(cli, ["import", "dashboard", "-C", str(tmp_path), *args])


def test_variable_hide_current_and_auto_are_kept() -> None:
    original = {"title": "Vars", "schemaVersion": 39, "panels": [], "templating": {"list": _VARS}}
    source = to_python(original)
    assert ".hide(m.VariableHide(2))" in source and ".hide(m.VariableHide(1))" in source
    assert ".auto(True)" in source and "text='staging'" in source
    rebuilt = {v["name"]: v for v in rebuild(source)["templating"]["list"]}
    assert rebuilt["interval"]["auto"] is True and rebuilt["interval"]["current"]["value"] == "$__auto_interval_interval"
    assert rebuilt["env"]["current"] == {"text": "staging", "value": "staging"}
    assert rebuilt["pod"]["hide"] == 2 and rebuilt["ns"]["hide"] == 1
    assert differences(normalize(original), rebuild(source)) == []


def test_semantic_view_sees_what_grafana_shows() -> None:
    base = {"title": "V", "schemaVersion": 39, "graphTooltip": 1, "templating": {"list": [dict(v) for v in _VARS]},
            "panels": [{"type": "stat", "title": "s", "id": 1, "gridPos": {"h": 1, "w": 1, "x": 0, "y": 0},
                        "fieldConfig": {"defaults": {"unit": "s", "min": 0}, "overrides": []},
                        "transformations": [{"id": "reduce", "options": {}}], "links": [{"title": "l", "url": "u"}]}]}
    for change in (
        lambda d: d["templating"]["list"][2].pop("hide"),
        lambda d: d["templating"]["list"][1].pop("current"),
        lambda d: d["templating"]["list"][0].update(auto=False),
        lambda d: d.update(graphTooltip=0),
        lambda d: d.update(timezone="utc"),
        lambda d: d["panels"][0]["fieldConfig"]["defaults"].update(min=1),
        lambda d: d["panels"][0].update(transformations=[]),
        lambda d: d["panels"][0].update(links=[]),
    ):
        other = json.loads(json.dumps(base))
        change(other)
        assert differences(base, other), change
    # What Grafana itself normalises is not a difference.
    same = json.loads(json.dumps(base))
    same["panels"][0]["fieldConfig"]["defaults"]["decimals"] = None
    same["templating"]["list"][0]["current"]["selected"] = False
    assert differences(base, same) == []


def test_the_round_trip_check_compares_panel_ids() -> None:
    # Links name panels by id (?viewPanel=, a Grafana alert's __panelId__): an
    # import that changed one would break them.
    board = {"title": "D", "panels": [{"id": 7, "type": "stat", "title": "Up"}]}
    assert differences(board, {"title": "D", "panels": [{"id": 8, "type": "stat", "title": "Up"}]}) == [
        "panel ('panels', 0) id: 7 != 8"
    ]


_var_state = st.fixed_dictionaries(
    {"name": st.sampled_from(["a", "b", "c"]), "type": st.sampled_from(["query", "custom", "interval", "textbox", "constant"]),
     "query": st.sampled_from(["x,y", "1m,5m"])},
    optional={"hide": st.sampled_from([0, 1, 2]), "current": st.fixed_dictionaries({"text": _text, "value": _text}),
              "auto": st.booleans(), "auto_count": st.integers(1, 100), "auto_min": st.sampled_from(["10s", "1m"]),
              "refresh": st.sampled_from([0, 1, 2])},
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variables=st.lists(_var_state, max_size=4, unique_by=lambda v: v["name"]))
def test_variable_state_round_trips(variables: list[dict[str, object]]) -> None:
    for v in variables:
        if v["type"] != "interval":
            for key in ("auto", "auto_count", "auto_min"):
                v.pop(key, None)
        if v["type"] != "query":
            v.pop("refresh", None)
    original = {"title": "t", "schemaVersion": 39, "panels": [], "templating": {"list": variables}}
    assert differences(normalize(original), rebuild(to_python(original))) == []


def test_constant_inputs_are_substituted(tmp_path: Path) -> None:
    board = {
        "__inputs": [{"name": "VAR_JOB", "type": "constant", "label": "job", "value": "node"}],
        "title": "Const", "uid": "const", "schemaVersion": 39,
        "panels": [{"type": "stat", "title": "up", "id": 1, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
                    "datasource": {"type": "prometheus", "uid": "prometheus"},
                    "targets": [{"refId": "A", "expr": 'sum(up{job="$job"})'}]}],
        "templating": {"list": [{"name": "job", "type": "constant", "query": "${VAR_JOB}",
                                 "current": {"text": "${VAR_JOB}", "value": "${VAR_JOB}"}, "hide": 2}]},
    }
    out = tmp_path / "dashboards" / "const.py"
    result = _import(tmp_path, str(_write(tmp_path, "c.json", board)), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert ".value('node')" in out.read_text() and "VAR_JOB" not in out.read_text()
    compiled = compile_project(tmp_path)
    assert compiled.ok, compiled.diagnostics


def test_undeclared_input_datasource_is_reported(tmp_path: Path) -> None:
    board = {"__inputs": [{"name": "DS_INFLUXDB", "label": "InfluxDB", "type": "datasource", "pluginId": "influxdb"}],
             "title": "Influx", "schemaVersion": 39,
             "panels": [{"type": "timeseries", "title": "cpu", "id": 1, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
                         "datasource": {"type": "influxdb", "uid": "${DS_INFLUXDB}"}, "targets": [{"refId": "A", "query": "SELECT 1"}]}]}
    out = tmp_path / "dashboards" / "influx.py"
    result = _import(tmp_path, str(_write(tmp_path, "i.json", board)), "-o", str(out))
    assert result.exit_code == 1 and not out.exists()
    assert "DS_INFLUXDB" in result.output and "'influxdb'" in result.output and "Prometheus (prometheus, uid prometheus)" in result.output


@pytest.mark.parametrize("data,reason", [
    ({"type": "timeseries", "title": "CPU", "id": 3, "gridPos": {"h": 8, "w": 12, "x": 0, "y": 0},
      "targets": [{"refId": "A", "expr": "up"}]}, "single panel"),
    ({"uid": "abc", "title": "High CPU", "condition": "C", "data": [], "for": "5m", "folderUID": "f", "ruleGroup": "g"}, "alert rule"),
    ({"title": "only a title"}, "none of panels"),
])
def test_non_dashboards_are_rejected(tmp_path: Path, data: dict[str, object], reason: str) -> None:
    result = _import(tmp_path, str(_write(tmp_path, "x.json", data)))
    assert result.exit_code == 2 and "not a Grafana dashboard" in result.output and reason in result.output
    assert unwrap({"dashboard": {"title": "x", "schemaVersion": 39}, "meta": {}})["title"] == "x"


def test_output_errors_are_usage_errors(tmp_path: Path) -> None:
    fixture = str(FIXTURES / "legacy_rows.json")
    result = _import(tmp_path, fixture, "-o", "/proc/nope/x.py")
    assert result.exit_code == 2 and "cannot write /proc/nope/x.py" in result.output and "Traceback" not in result.output
    existing = tmp_path / "dashboards" / "exists.py"
    existing.parent.mkdir(parents=True, exist_ok=True)
    existing.write_text("keep = 1\n")
    result = _import(tmp_path, fixture, "-o", str(existing))
    assert result.exit_code == 2 and "--force" in result.output and existing.read_text() == "keep = 1\n"
    result = _import(tmp_path, fixture, "-o", str(existing), "--force")
    assert result.exit_code == 0 and "k.placed(" in existing.read_text()


def test_findings_are_warned_and_suppressed_per_panel(tmp_path: Path) -> None:
    # An error (OAC305: a latency without a time unit) is silenced at its query so
    # the module builds; a warning (OAC301: an unaggregated rate) is only named.
    quantile = 'histogram_quantile(0.9, sum by (le) (rate(x_seconds_bucket{job="a"}[5m])))'

    def panel(pid: int, title: str, expr: str, unit: str | None = None) -> dict[str, object]:
        return {"type": "timeseries", "title": title, "id": pid, "gridPos": {"h": 4, "w": 12, "x": 12 * (pid % 2), "y": 4 * (pid // 2)},
                "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": expr}],
                **({"fieldConfig": {"defaults": {"unit": unit}, "overrides": []}} if unit else {})}

    board = {"title": "Rates", "uid": "rates", "schemaVersion": 39,
             "panels": [panel(1, "raw", quantile), panel(2, "timed", quantile, "s"), panel(3, "rates", 'rate(up{job="a"}[5m])')]}
    out = tmp_path / "dashboards" / "rates.py"
    result = _import(tmp_path, str(_write(tmp_path, "r.json", board)), "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = out.read_text().splitlines()
    comments = [n for n, line in enumerate(lines, 1) if "# oac: ignore[" in line]
    assert [lines[n - 1].strip() for n in comments] == ["# oac: ignore[OAC305] imported as is; review"]  # the raw panel only
    assert "x_seconds_bucket" in out.read_text()  # the query is not rewritten
    # path:LINE:COL: CODE, as every diagnostic (OAC305 at the query of the target).
    assert re.search(rf"warning: {re.escape(str(out))}:{comments[0] + 1}:\d+: OAC305", result.output), result.output
    assert re.search(rf"warning: {re.escape(str(out))}:\d+:\d+: OAC301", result.output), result.output
    # Above the raw panel's query (its title above, the next panel's below).
    assert "x_seconds_bucket" in lines[comments[0]]
    assert any("'raw'" in line for line in lines[comments[0] - 8:comments[0]])
    assert not any("'timed'" in line for line in lines[comments[0] - 8:comments[0]])
    compiled = compile_project(tmp_path)
    assert compiled.ok, compiled.diagnostics
    assert [d.code for d in compiled.diagnostics if d.code.startswith("OAC3")] == ["OAC301"]


def test_field_config_transformations_links_and_annotations_use_builders() -> None:
    panel = {
        "type": "timeseries", "title": "t", "id": 1, "gridPos": {"h": 4, "w": 12, "x": 0, "y": 0},
        "fieldConfig": {
            "defaults": {"unit": "bytes", "min": 0, "max": 100, "decimals": 2, "color": {"mode": "palette-classic"},
                         "thresholds": {"mode": "absolute", "steps": [{"color": "green", "value": None}, {"color": "red", "value": 80}]},
                         "mappings": [{"type": "value", "options": {"1": {"text": "up"}}}], "custom": {"lineWidth": 1}, "links": []},
            "overrides": [{"matcher": {"id": "byName", "options": "rx"}, "properties": [{"id": "unit", "value": "s"}]}],
        },
        "transformations": [{"id": "reduce", "options": {"reducers": ["last"]}}],
    }
    board = {
        "title": "B", "schemaVersion": 39, "panels": [panel],
        "links": [{"title": "Docs", "type": "link", "url": "https://example.com", "targetBlank": True}],
        "annotations": {"list": [{"name": "Deploys", "datasource": {"type": "prometheus", "uid": "prometheus"}, "enable": True,
                                  "iconColor": "blue", "expr": "changes(up[5m]) > 0"}]},
    }
    source = to_python(board, datasources=DATASOURCES)
    for call in (".unit('bytes')", ".min(0)", ".max(100)", ".decimals(2)", "sdk.FieldColor().mode(m.FieldColorModeId('palette-classic'))",
                 "sdk.ThresholdsConfig().mode(m.ThresholdsMode('absolute'))", "m.Threshold(value=80, color='red')",
                 ".with_override(", "m.MatcherConfig(id_val='byName'", "m.DynamicConfigValue(id_val='unit', value='s')",
                 ".with_transformation(m.DataTransformerConfig(id_val='reduce'", "sdk.DashboardLink('Docs')",
                 "sdk.AnnotationQuery()", "timeseries.Panel()", ".line_width(1)"):
        assert call in source, call
    assert ".field_config(k.Raw(" not in source and ".defaults(k.Raw(" not in source
    assert source.count("k.Raw({") == 1  # the value mapping (a model, not a builder)
    assert differences(normalize(board, DATASOURCES), rebuild(source)) == []


def test_panel_kind_builders_set_options_and_custom_fields() -> None:
    stat_panel = {
        "type": "stat", "title": "s", "id": 1, "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
        "options": {"colorMode": "value", "graphMode": "area", "justifyMode": "auto", "orientation": "auto",
                    "percentChangeColorMode": "standard", "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                    "showPercentChange": False, "textMode": "auto", "wideLayout": True},
        "fieldConfig": {"defaults": {"unit": "s"}, "overrides": []},
    }
    series = {
        "type": "timeseries", "title": "t", "id": 2, "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
        "options": {"legend": {"calcs": [], "displayMode": "list", "placement": "bottom", "showLegend": True},
                    "tooltip": {"mode": "single", "sort": "none"}},
        "fieldConfig": {"defaults": {"custom": {"lineWidth": 1, "fillOpacity": 10, "drawStyle": "line"}}, "overrides": []},
    }
    partial = {**series, "id": 3, "gridPos": {"h": 4, "w": 6, "x": 12, "y": 0}, "options": {"legend": {"showLegend": False}}}
    board = {"title": "K", "schemaVersion": 39, "panels": [stat_panel, series, partial]}
    source = to_python(board)
    assert "stat.Panel()" in source and "timeseries.Panel()" in source and "\nk = k.placed" not in source
    assert ".graph_mode(common_m.BigValueGraphMode('area'))" in source and ".line_width(1)" in source
    assert "common.VizLegendOptions()" in source and "from grafana_foundation_sdk.builders import timeseries" in source
    # The kind builder would add its default tooltip and legend fields: kept on sdk.Panel.
    assert source.count("sdk.Panel()") == 1 and ".options({'legend': {'showLegend': False}})" in source
    assert differences(normalize(board), rebuild(source)) == []


def test_a_title_another_dashboard_has_in_the_folder_is_refused(tmp_path: Path) -> None:
    # Grafana refuses a second dashboard of one title (its slug) in a folder: the
    # next build would say OAC312 and the import wrote the module anyway.
    board = {"title": "Twin", "uid": "twin", "schemaVersion": 39, "panels": []}
    source = str(_write(tmp_path, "t.json", board))
    assert _import(tmp_path, source, "-o", str(tmp_path / "dashboards" / "team" / "twin.py")).exit_code == 0
    copy = tmp_path / "dashboards" / "team" / "copy.py"
    result = _import(tmp_path, source, "-o", str(copy), "--uid", "twin-copy")
    assert result.exit_code == 1 and not copy.exists()
    assert ("dashboard title 'Twin' is already used in folder 'team' by dashboards/team/twin.py ('twin'), "
            "and Grafana refuses a second (OAC312 at the next build)") in result.output
    renamed = _write(tmp_path, "t2.json", {**board, "title": "twin"})  # one slug: the same to Grafana
    assert _import(tmp_path, str(renamed), "-o", str(copy), "--uid", "twin-copy").exit_code == 1
    # Another folder, or another title: written.
    assert _import(tmp_path, source, "-o", str(tmp_path / "dashboards" / "ops" / "copy.py"), "--uid", "twin-ops").exit_code == 0
    other = _write(tmp_path, "t3.json", {**board, "title": "Twin copy"})
    assert _import(tmp_path, str(other), "-o", str(copy), "--uid", "twin-copy").exit_code == 0
    assert not [d for d in compile_project(tmp_path).diagnostics if d.code == "OAC312"]


def test_a_uid_another_dashboard_has_is_refused_unless_given_one(tmp_path: Path) -> None:
    board = {"title": "Twin", "uid": "twin", "schemaVersion": 39, "panels": []}
    source = str(_write(tmp_path, "t.json", board))
    first = tmp_path / "dashboards" / "team" / "twin.py"
    assert _import(tmp_path, source, "-o", str(first)).exit_code == 0
    copy = tmp_path / "dashboards" / "copy.py"
    result = _import(tmp_path, source, "-o", str(copy))
    assert result.exit_code == 1 and not copy.exists()
    assert "dashboard UID 'twin' is already used by dashboards/team/twin.py ('Twin')" in result.output
    assert "--uid" in result.output
    # Re-importing over the module that has it is not a collision; --uid gives its own.
    assert _import(tmp_path, source, "-o", str(first), "--force").exit_code == 0
    assert _import(tmp_path, source, "-o", str(copy), "--uid", "twin-copy").exit_code == 0
    assert _import(tmp_path, source, "-o", str(tmp_path / "dashboards" / "x.py"), "--uid", "bad uid!").exit_code == 2
    compiled = compile_project(tmp_path)
    assert compiled.ok, compiled.diagnostics
    assert sorted(a.data["uid"] for a in compiled.artifacts if a.path.startswith("grafana/dashboards/")) == ["twin", "twin-copy"]


def test_an_empty_title_is_not_a_dashboard(tmp_path: Path) -> None:
    out = tmp_path / "dashboards" / "e.py"
    for title in ("", "   "):
        board = {"title": title, "uid": "u", "schemaVersion": 39, "panels": []}
        result = _import(tmp_path, str(_write(tmp_path, "e.json", board)), "-o", str(out))
        assert result.exit_code == 2 and "an empty title" in result.output and not out.exists()


def test_warnings_are_reported_but_not_suppressed(tmp_path: Path) -> None:
    # An error ratio reading "No data" before the first 5xx is OAC311, a warning:
    # it stops no build, so the import leaves it to show in every build.
    expr = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))'
    board = {"title": "Errors", "uid": "errors", "schemaVersion": 39, "panels": [
        {"type": "timeseries", "title": "error ratio", "id": 1, "gridPos": {"h": 4, "w": 12, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": expr}]}]}
    out = tmp_path / "dashboards" / "errors.py"
    result = _import(tmp_path, str(_write(tmp_path, "e.json", board)), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "oac: ignore" not in out.read_text()
    assert re.search(rf"warning: {re.escape(str(out))}:\d+:\d+: OAC311 .*not suppressed", result.output), result.output
    compiled = compile_project(tmp_path)
    assert compiled.ok and [d.code for d in compiled.diagnostics] == ["OAC311"], compiled.diagnostics


@pytest.mark.parametrize("timezone", [None, "", "browser", "utc"])
def test_timezone_round_trips(timezone: str | None) -> None:
    """A dashboard without a timezone shows the viewer's preference; the import
    rebuilt it with the SDK's default, "browser"."""
    original: dict[str, object] = {"title": "T", "schemaVersion": 41, "panels": []}
    if timezone is not None:
        original["timezone"] = timezone
    rebuilt = rebuild(to_python(original))
    assert (rebuilt.get("timezone") or "") == (timezone or "")
    assert differences(normalize(original), rebuilt) == []


def test_each_setter_the_import_writes_is_a_method_of_its_builder() -> None:
    # The setter tables name each setter by its JSON key (importers.dashboard._snake,
    # as the SDK names them); a name the SDK lacks would be a module that raises.
    from grafana_foundation_sdk.builders import dashboard as sdk
    from grafana_foundation_sdk.builders import loki, prometheus

    from obs_as_code.importers import dashboard as importer

    for builder, setters in (
        (prometheus.Dataquery, importer._PROM_SETTERS),
        (loki.Dataquery, importer._LOKI_SETTERS),
        (sdk.QueryVariable, importer._VARIABLE_SETTERS),  # the variable with every setter
    ):
        assert setters and all(callable(getattr(builder, m, None)) for m in setters.values()), builder
    assert importer._PROM_SETTERS["refId"] == "ref_id" and importer._VARIABLE_SETTERS["includeAll"] == "include_all"
