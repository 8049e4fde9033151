"""``oac lint FILE.json``: a Grafana dashboard file gets every check the build runs
on a dashboard (OAC3xx as well as the PromQL checks), on the JSON the build would
render from it (legacy rows migrated, an export's placeholders mapped), with each
finding at its line and column in the file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.dashboards.render import panel_list
from obs_as_code.lint.api import lint
from tests.oac_testing import REPO, run_oac

FIXTURES = REPO / "tests" / "dashboards" / "fixtures"


def _at(text: str, needle: str, nth: int = 0, offset: int = 0) -> tuple[int, int]:
    """1-based (line, column) of the ``nth`` occurrence of ``needle`` in ``text``
    (plus ``offset`` characters)."""
    pos = -1
    for _ in range(nth + 1):
        pos = text.index(needle, pos + 1)
    pos += offset
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _lint(*args: str) -> tuple[int, list[tuple[str, int, int]], Any]:
    """Exit code, ``(code, line, column)`` of every finding, and the whole result."""
    result = run_oac("lint", "--format", "json", *args)
    found = json.loads(result.stdout) if result.stdout.strip() else []
    return result.exit_code, sorted((d["code"], d["line"], d["column"]) for d in found), result


def _panel(pid: int, title: str, expr: str, *, x: int = 0, y: int = 0, **more: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "type": "timeseries",
        "title": title,
        "gridPos": {"x": x, "y": y, "w": 12, "h": 8},
        "targets": [{"refId": "A", "expr": expr}],
        **more,
    }


#: One mistake of each dashboard check a lone dashboard can make.
BAD: dict[str, Any] = {
    "title": "Bad board",
    "uid": "bad-board",
    "schemaVersion": 39,
    "templating": {
        "list": [
            {"name": "instance", "type": "query", "query": "label_values(up, instance)", "multi": True},
            {"name": "service", "type": "custom", "query": "api,web", "includeAll": True, "allValue": ".*"},
            {"name": "unused", "type": "custom", "query": "a,b"},
        ]
    },
    "panels": [
        _panel(1, "Requests", 'sum(rate(http_requests_total{instance="$instance"}[5m]))'),  # OAC314
        _panel(2, "Errors", "sum(rate(http_errors_total[$__interval]))", x=12),  # OAC317
        _panel(3, "Request latency", "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))", y=8),  # OAC305
        _panel(3, "Saturation", "sum(rate(cpu_seconds_total[5m])", x=12, y=8),  # OAC303 (id 3 again), OAC302
        _panel(5, "Per pod", "rate(http_requests_total{job=~\"$job\"}[5m])", y=12),  # OAC304 (overlaps), OAC301, OAC306 ($job)
        {
            "id": 6,
            "type": "logs",
            "title": "Logs",
            "gridPos": {"x": 0, "y": 24, "w": 24, "h": 8},
            "datasource": {"type": "loki", "uid": "loki"},
            "targets": [{"refId": "A", "expr": '{service=~"$service"} |= "error"'}],  # OAC318
        },
    ],
}


def _write(tmp_path: Path, name: str, data: Any) -> tuple[Path, str]:
    path = tmp_path / name
    text = json.dumps(data, indent=2) + "\n"
    path.write_text(text, encoding="utf-8")
    return path, text


def test_every_dashboard_check_runs_on_a_file_at_its_json_position(tmp_path: Path) -> None:
    path, text = _write(tmp_path, "bad.json", BAD)
    code, found, result = _lint("-C", str(tmp_path), str(path))
    assert code == 1, result.output
    expected = sorted(
        [
            # Tokens of a query: inside the JSON string.
            ("OAC314", *_at(text, 'instance=\\"$instance\\"')),
            ("OAC317", *_at(text, "$__interval")),
            ("OAC306", *_at(text, "$job")),
            # A query as a whole: its first character.
            ("OAC301", *_at(text, '"rate(http_requests_total{job', offset=1)),
            # An unclosed parenthesis: just after the query, where Prometheus says it.
            ("OAC302", *_at(text, '"sum(rate(cpu_seconds_total[5m])"', offset=32)),
            ("OAC318", *_at(text, '"{service=~', offset=1)),
            ("OAC305", *_at(text, '"histogram_quantile(0.9', offset=1)),
            # A panel: its title.
            ("OAC303", *_at(text, '"title": "Saturation"')),
            ("OAC304", *_at(text, '"title": "Per pod"')),
            # A variable: its name.
            ("OAC306", *_at(text, '"name": "unused"')),
        ]
    )
    assert found == expected
    # The text format names the file and points at the same place.
    text_out = run_oac("lint", "-C", str(tmp_path), str(path)).output
    line, col = _at(text, '"title": "Saturation"')
    assert f"bad.json:{line}:{col}: OAC303 " in text_out


def test_a_clean_dashboard_exits_0(tmp_path: Path) -> None:
    clean = {
        "title": "Clean board",
        "uid": "clean-board",
        "schemaVersion": 39,
        "templating": {"list": [{"name": "job", "type": "query", "query": "label_values(up, job)", "multi": True}]},
        "panels": [
            _panel(1, "Requests", 'sum by (status) (rate(http_requests_total{job=~"$job"}[$__rate_interval]))'),
            _panel(
                2,
                "Request latency",
                'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{job=~"$job"}[$__rate_interval])))',
                x=12,
                fieldConfig={"defaults": {"unit": "s"}, "overrides": []},
            ),
        ],
    }
    path, _text = _write(tmp_path, "clean.json", clean)
    result = run_oac("lint", "-C", str(tmp_path), str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "oac lint: 0 error(s), 0 warning(s)" in result.stderr


def test_select_and_ignore_filter_the_dashboard_checks(tmp_path: Path) -> None:
    path, text = _write(tmp_path, "bad.json", BAD)
    code, found, _ = _lint("-C", str(tmp_path), str(path), "--select", "OAC303")
    assert (code, found) == (1, [("OAC303", *_at(text, '"title": "Saturation"'))])
    # Warnings alone do not fail the lint.
    code, found, _ = _lint("-C", str(tmp_path), str(path), "--select", "OAC301,OAC317")
    assert code == 0
    assert [c for c, _l, _c in found] == ["OAC301", "OAC317"]
    code, found, _ = _lint("-C", str(tmp_path), str(path), "--ignore", "OAC3")
    assert code == 0 and found == []


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run_oac("lint", "-C", str(tmp_path), str(tmp_path / "missing.json")).exit_code == 2
    path, _text = _write(tmp_path, "bad.json", BAD)
    result = run_oac("lint", "-C", str(tmp_path), str(path), "--select", "OAC399")
    assert result.exit_code == 2 and "matches no check" in result.stderr


def test_malformed_json_is_an_error_at_its_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{\n  "title": "Broken",\n  "panels": [\n    {"id": 1,}\n  ]\n}\n', encoding="utf-8")
    code, found, result = _lint("-C", str(tmp_path), str(path))
    assert code == 1
    assert found == [("OAC219", 4, 14)]
    assert "invalid JSON: Expecting property name enclosed in double quotes" in result.stdout
    assert "Traceback" not in result.output


def test_json_that_is_no_dashboard(tmp_path: Path) -> None:
    panel = tmp_path / "panel.json"
    panel.write_text(json.dumps(BAD["panels"][0]), encoding="utf-8")
    code, found, result = _lint("-C", str(tmp_path), str(panel))
    assert (code, found) == (1, [("OAC219", 1, 1)])
    assert "not a Grafana dashboard (a single panel's JSON" in result.stdout
    # Found in a directory, JSON that is no dashboard is not the lint's business.
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "package.json").write_text('{"name": "x", "version": "1.0.0"}', encoding="utf-8")
    code, found, _ = _lint("-C", str(tmp_path), str(tmp_path / "dir"))
    assert (code, found) == (0, [])


def test_legacy_rows_are_migrated_as_the_build_does(tmp_path: Path) -> None:
    legacy = {
        "title": "Legacy",
        "schemaVersion": 14,
        "rows": [
            {
                "title": "Traffic",
                "showTitle": True,
                "panels": [
                    {"id": 1, "type": "graph", "title": "Requests", "span": 6, "targets": [{"refId": "A", "expr": 'sum(rate(http_requests_total{instance="$host"}[5m]))'}]},
                    {"id": 1, "type": "graph", "title": "Errors", "span": 6, "targets": [{"refId": "A", "expr": "sum(rate(http_errors_total[5m]))"}]},
                ],
            },
            {
                "title": "Latency",
                "panels": [
                    {"id": 3, "type": "graph", "title": "Request latency", "span": 12, "targets": [{"refId": "A", "expr": "histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))"}]},
                ],
            },
        ],
    }
    path, text = _write(tmp_path, "legacy.json", legacy)
    code, found, result = _lint("-C", str(tmp_path), str(path))
    assert code == 1, result.output
    assert found == sorted(
        [
            ("OAC306", *_at(text, "$host")),  # no variable $host: the query matches nothing
            ("OAC303", *_at(text, '"title": "Errors"')),  # panel id 1 twice, once moved onto the grid
            ("OAC305", *_at(text, '"histogram_quantile(0.9', offset=1)),  # in the second legacy row: its query
        ]
    )


def test_an_export_is_read_as_the_import_reads_it(tmp_path: Path) -> None:
    """``__inputs``: ``${DS_...}`` map to the project's declared datasource of the
    plugin, ``${VAR_...}`` constants are replaced. OAC307 (declared datasources)
    runs with the project's datasources, and is skipped, as the build skips it,
    where none are declared."""
    project = tmp_path / "project"
    (project / "datasources").mkdir(parents=True)
    (project / "datasources" / "main.py").write_text(
        'from obs_as_code import Datasource\nprom = Datasource("Prom", "prometheus", "http://prometheus:9090", uid="prom-main", is_default=True)\n',
        encoding="utf-8",
    )
    export = {
        "__inputs": [
            {"name": "DS_PROMETHEUS", "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"},
            {"name": "VAR_JOB", "type": "constant", "value": "api"},
        ],
        "title": "Exported",
        "uid": "exported",
        "schemaVersion": 39,
        "panels": [
            {
                "id": 1,
                "type": "timeseries",
                "title": "Requests",
                "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8},
                "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"},
                "targets": [{"refId": "A", "datasource": {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}, "expr": 'sum(rate(http_requests_total{job="${VAR_JOB}"}[5m]))'}],
            },
            {
                "id": 2,
                "type": "timeseries",
                "title": "Elsewhere",
                "gridPos": {"x": 12, "y": 0, "w": 12, "h": 8},
                "datasource": {"type": "prometheus", "uid": "grafanacloud-prom"},
                "targets": [{"refId": "A", "datasource": {"type": "prometheus", "uid": "grafanacloud-prom"}, "expr": "sum(up)"}],
            },
        ],
    }
    path, text = _write(tmp_path, "export.json", export)
    code, found, result = _lint("-C", str(project), str(path))
    assert code == 1, result.output
    # Only the uid no datasource declares (at the target, where the panel's
    # reference is repeated: one finding for both); the placeholders map to
    # prom-main, and ${VAR_JOB} is no undefined variable.
    assert found == [("OAC307", *_at(text, '"sum(up)"', offset=1))]
    assert "datasource uid 'grafanacloud-prom' is not declared" in result.stdout
    code, found, _ = _lint("-C", str(tmp_path), str(path))
    assert (code, found) == (0, [])


def test_an_api_export_is_unwrapped(tmp_path: Path) -> None:
    wrapped = {"meta": {"slug": "x"}, "dashboard": {"title": "Wrapped", "uid": "wrapped", "panels": [_panel(1, "A", "sum(up)"), _panel(1, "B", "sum(up)", x=12)]}}
    path, text = _write(tmp_path, "api.json", wrapped)
    code, found, _ = _lint("-C", str(tmp_path), str(path))
    assert (code, found) == (1, [("OAC303", *_at(text, '"title": "B"'))])


def test_the_builds_dashboard_errors_are_reported_for_a_file(tmp_path: Path) -> None:
    board = {"title": " ", "uid": "a" * 41, "panels": [{"id": 1, "type": "timeseries", "gridPos": {"x": 0, "y": 0, "w": 12, "h": 8}, "libraryPanel": {"uid": "lib", "name": "Shared"}}]}
    path, text = _write(tmp_path, "errors.json", board)
    code, found, _ = _lint("-C", str(tmp_path), str(path))
    assert code == 1
    assert found == sorted([("OAC308", *_at(text, '"uid"')), ("OAC312", 1, 1), ("OAC313", *_at(text, "{", nth=1))])
    code, found, _ = _lint("-C", str(tmp_path), str(path), "--select", "OAC312")
    assert (code, found) == (1, [("OAC312", 1, 1)])


def test_a_file_the_build_cannot_render_still_gets_the_promql_checks(tmp_path: Path) -> None:
    board = {"title": "T", "annotations": {"list": 5}, "panels": [_panel(1, "P", "rate(x_total[5m])")]}
    path, text = _write(tmp_path, "unrendered.json", board)
    code, found, _ = _lint("-C", str(tmp_path), str(path))
    assert code == 1
    assert found == [("OAC217", *_at(text, '"rate(x_total', offset=1)), ("OAC309", 1, 1)]


def test_the_api_reports_the_file_only(tmp_path: Path) -> None:
    """Linting a file inside a project loads its datasources for context, not to
    lint them: a datasource module's own mistakes are the project lint's."""
    project = tmp_path / "project"
    (project / "datasources").mkdir(parents=True)
    (project / "datasources" / "main.py").write_text(
        'from obs_as_code import Datasource\nprom = Datasource("Prom", "prometheus", "http://prometheus:9090", uid="prom", basic_auth_password="hunter2")\n',
        encoding="utf-8",
    )
    assert any(d.location.file.startswith("datasources/") for d in lint(project))
    path, _text = _write(project, "board.json", {"title": "B", "panels": [_panel(1, "A", "sum(up)")]})
    assert lint(project, [path]) == []


@pytest.mark.parametrize("name", ["large_modern.json", "legacy_rows.json", "exported_inputs.json"])
def test_the_fixtures_lint_without_errors_or_tracebacks(name: str) -> None:
    result = run_oac("lint", "-C", str(REPO), str(FIXTURES / name))
    assert result.exit_code == 0, result.output


def test_legacy_row_panels_are_located_at_their_rows(tmp_path: Path) -> None:
    """The grid migration makes a row panel of each legacy row (and sorts the
    panels by position): each is located at its row's title, each panel at its own."""
    from obs_as_code.lint.dashboard_file import render

    legacy = {
        "title": "Legacy",
        "schemaVersion": 14,
        "rows": [
            {"title": "First", "showTitle": True, "panels": [{"id": 1, "type": "graph", "title": "A", "span": 12}]},
            {"title": "Second", "collapse": True, "panels": [{"id": 2, "type": "graph", "title": "B", "span": 12}]},
        ],
    }
    path, text = _write(tmp_path, "legacy.json", legacy)
    board = render(legacy, "legacy.json", str(path), text).board
    shown = {p.get("title"): board.locate(path_) for path_, p in panel_list(board.json.get("panels"))}
    assert {title: (loc.line, loc.col) for title, loc in shown.items()} == {
        "First": _at(text, '"title": "First"'),
        "A": _at(text, '"title": "A"'),
        "Second": _at(text, '"title": "Second"'),
        "B": _at(text, '"title": "B"'),  # inside the collapsed row panel
    }


def test_positions_allow_for_escapes_beyond_the_bmp(tmp_path: Path) -> None:
    """``json.dumps`` writes an emoji as a surrogate pair of escapes, which libyaml
    (the positions' parser) refuses; and a query token after escapes is found
    character by character."""
    board = {
        "title": "Emoji \U0001f600",
        "templating": {"list": [{"name": "pod", "type": "query", "query": "label_values(up, pod)", "multi": True}]},
        "panels": [_panel(1, "\U0001f600 rate", 'sum(rate(x_total{path="/\u00e9\U0001f600", pod="$pod"}[5m]))')],
    }
    path, text = _write(tmp_path, "emoji.json", board)
    assert "\\ud83d\\ude00" in text
    code, found, _ = _lint("-C", str(tmp_path), str(path))
    assert (code, found) == (1, [("OAC314", *_at(text, 'pod=\\"$pod'))])
