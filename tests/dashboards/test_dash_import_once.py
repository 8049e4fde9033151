"""``oac import dashboard`` loads the project once and runs the module it writes once.

The project's modules record each import of theirs in a file (a module-level side
effect); the generated module is counted by the one ``sdk.Dashboard(title)`` call
each run of it makes. One command must show one of each, whatever it then does
with them: the round-trip check, the review's checks and the UID check.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from dash_support import REPO, write_project
from grafana_foundation_sdk.builders import dashboard as sdk

from obs_as_code.cli import cli

TITLE = "Counted import"


def _recording(name: str, log: Path) -> str:
    """A module-level line appending ``name`` to ``log`` each time the module runs."""
    return f"\nimport pathlib as _pathlib\n\nwith _pathlib.Path({str(log)!r}).open('a') as _f:\n    _f.write({name!r} + '\\n')\n"


def _project(tmp_path: Path) -> tuple[Path, Path]:
    """A project whose datasources and dashboards modules log their imports."""
    root, log = tmp_path / "project", tmp_path / "imports.log"
    datasources = (REPO / "datasources" / "opencode.py").read_text(encoding="utf-8")
    existing = 'existing = {"title": "Existing", "uid": "existing", "schemaVersion": 39, "panels": []}\n'
    write_project(
        root,
        {
            "datasources/main.py": datasources + _recording("datasources/main.py", log),
            "dashboards/existing.py": existing + _recording("dashboards/existing.py", log),
        },
        datasources=False,
    )
    return root, log


def _board(tmp_path: Path, uid: str) -> Path:
    """A dashboard export with one finding (an unaggregated rate: OAC301) and a
    ``${DS_...}`` placeholder, so that every step has something to do."""
    board = {
        "__inputs": [{"name": "DS_PROM", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"}],
        "title": TITLE,
        "uid": uid,
        "schemaVersion": 39,
        "panels": [
            {"type": "timeseries", "title": "raw", "id": 1, "gridPos": {"h": 4, "w": 12, "x": 0, "y": 0},
             "datasource": {"type": "prometheus", "uid": "${DS_PROM}"},
             "targets": [{"refId": "A", "expr": 'rate(up{job="a"}[5m])'}]},
        ],
    }
    path = tmp_path / "board.json"
    path.write_text(json.dumps(board), encoding="utf-8")
    return path


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Titles of the ``sdk.Dashboard`` builders made while the test runs."""
    titles: list[str] = []
    init = sdk.Dashboard.__init__

    def counting(self: Any, title: str, *args: Any, **kwargs: Any) -> None:
        titles.append(title)
        init(self, title, *args, **kwargs)

    monkeypatch.setattr(sdk.Dashboard, "__init__", counting)
    return titles


@pytest.mark.parametrize(
    ("uid", "to_dashboards", "status", "loaded"),
    [
        ("counted", True, 0, ["dashboards/existing.py", "datasources/main.py"]),
        ("existing", True, 1, ["dashboards/existing.py", "datasources/main.py"]),  # the UID check refuses it
        ("counted", False, 0, ["datasources/main.py"]),  # to stdout: no UID check, dashboards not read
    ],
)
def test_one_command_loads_the_project_and_runs_the_module_once(
    tmp_path: Path, built: list[str], uid: str, to_dashboards: bool, status: int, loaded: list[str]
) -> None:
    root, log = _project(tmp_path)
    out = root / "dashboards" / "counted.py"
    args = ["import", "dashboard", "-C", str(root), str(_board(tmp_path, uid))]
    result = CliRunner().invoke(cli, [*args, "-o", str(out)] if to_dashboards else args)
    assert result.exit_code == status, result.output
    # Each step ran: the placeholder was mapped, the finding reported and, when
    # refused, the other dashboard named.
    assert "OAC301" in result.output or status == 1
    if status == 1:
        assert "already used by dashboards/existing.py" in result.output and not out.exists()
    else:
        written = out.read_text(encoding="utf-8") if to_dashboards else result.stdout
        # OAC301 is a warning: named, not silenced (only errors get a comment).
        assert "k.ds('prometheus', 'prometheus')" in written and "# oac: ignore" not in written
    # Both counts in one assertion, so that a failure shows them together.
    assert (sorted(log.read_text(encoding="utf-8").splitlines()), built.count(TITLE)) == (loaded, 1)
