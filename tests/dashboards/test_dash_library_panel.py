"""A library panel reference whose model the export does not carry (no
``__elements`` entry): a provisioned Grafana cannot resolve it, and the build
says so at the panel's line (OAC313) instead of the schema's "'type' is a
required property" (OAC903)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from dash_support import write_project

from obs_as_code.pipeline import Compiled
from tests.oac_testing import run_oac

BOARD = '''board = {
    "title": "Shared",
    "schemaVersion": 41,
    "__elements": {ELEMENTS},
    "panels": [
        {"id": 1, "type": "stat", "title": "Up", "gridPos": {"h": 4, "w": 6, "x": 0, "y": 0},
         "datasource": {"type": "prometheus", "uid": "prometheus"}, "targets": [{"refId": "A", "expr": "sum(up)"}]},
        {"id": 2, "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0},
         "libraryPanel": {"uid": "lib-errors", "name": "Errors"}},
    ],
}
'''
MODEL = '''{"lib-errors": {"uid": "lib-errors", "name": "Errors", "kind": 1, "model": {
        "type": "stat", "title": "Errors", "datasource": {"type": "prometheus", "uid": "prometheus"},
        "targets": [{"refId": "A", "expr": "sum(up == 0)"}]}}}'''


def test_a_library_panel_without_its_model_is_reported_at_its_line(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/shared.py": BOARD.replace("{ELEMENTS}", "{}")})
    found = [d for d in compiled.diagnostics if d.severity.value == "error"]
    assert [(d.code, d.location.line) for d in found] == [("OAC313", 8)]
    message = found[0].message
    assert "library panel 'Errors' (uid 'lib-errors')" in message and "__elements" in message
    assert found[0].hint is not None and "inline" in found[0].hint


def test_a_library_panel_with_its_model_is_inlined_and_clean(project: Callable[..., Compiled]) -> None:
    compiled = project({"dashboards/shared.py": BOARD.replace("{ELEMENTS}", MODEL)})
    assert compiled.ok, compiled.diagnostics
    assert not [d for d in compiled.diagnostics if d.code == "OAC313"]
    board = next(a.data for a in compiled.artifacts if a.path.endswith("shared.json"))
    assert board["panels"][1]["type"] == "stat" and "libraryPanel" not in board["panels"][1]


def test_oac_build_stops_with_oac313_not_a_schema_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"dashboards/shared.py": BOARD.replace("{ELEMENTS}", "{}")})
    result = run_oac("build", "-C", str(root), "--format", "json")
    assert result.exit_code == 1, result.output
    codes = {(d["code"], d["line"]) for d in json.loads(result.stdout)}
    assert ("OAC313", 8) in codes and not any(code == "OAC903" for code, _line in codes), codes


def test_oac_validate_names_the_library_panel_instead_of_the_schema_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "proj", {"dashboards/shared.py": BOARD.replace("{ELEMENTS}", "{}")})
    # validate reads the compiled dashboard where build/ has none (the build refused it).
    board = {"title": "Shared", "schemaVersion": 41, "panels": [
        {"id": 2, "gridPos": {"h": 4, "w": 6, "x": 6, "y": 0}, "libraryPanel": {"uid": "lib-errors", "name": "Errors"}}]}
    from obs_as_code.validate.schema import dashboard_errors

    # The schema alone faults the reference for its missing type ...
    assert any("'type' is a required property" in m for _p, m in dashboard_errors(board))
    result = run_oac("validate", "-C", str(root), "--format", "json")
    codes = [d["code"] for d in json.loads(result.stdout)]
    # ... and validate reports what the build does: the library panel, not the schema's message.
    assert "OAC313" in codes and "OAC903" not in codes, result.output
