"""``oac watch``: rebuild on change, report only the diagnostics that changed."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from obs_as_code.cli import cli
from obs_as_code.diagnostics import error
from obs_as_code.source import SourceLocation
from obs_as_code.watch import changed_paths, diff_diagnostics, snapshot, watch
from tests.scale.project import Spec, Writer


def test_snapshot_sees_edit_add_delete(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}))
    before = snapshot(tmp_path)
    writer.write(Spec(modules={"m0": (5, "ok"), "m2": (2, "ok")}))
    assert changed_paths(before, snapshot(tmp_path)) == ["alerts/m0.py", "alerts/m1.py", "alerts/m2.py"]


def test_diff_diagnostics() -> None:
    a = error(SourceLocation("alerts/a.py", 1, 1), "OAC108", "bad")
    b = error(SourceLocation("alerts/b.py", 2, 1), "OAC108", "bad")
    c = error(SourceLocation("alerts/c.py", 3, 1), "OAC101", "raised")
    assert diff_diagnostics([a, b], [b, c]) == ([c], [a])


def test_watch_rebuilds_on_save_and_reports_changes(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}))
    edits = [
        Spec(modules={"m0": (0, "ok"), "m1": (1, "bad_promql")}),  # breaks m1
        Spec(modules={"m0": (0, "ok"), "m1": (1, "bad_promql")}),  # nothing changes: no build
        Spec(modules={"m0": (4, "ok"), "m1": (1, "ok")}),  # fixes m1, edits m0
    ]

    def sleep(_seconds: float) -> None:
        writer.write(edits.pop(0))

    cycles = watch(tmp_path, tmp_path / "out", interval=0.01, max_cycles=3, sleep=sleep)
    assert [c.number for c in cycles] == [1, 2, 3]
    first, broken, fixed = cycles
    assert first.added == [] and first.wrote
    assert broken.changed == ["alerts/m1.py"]
    assert [d.code for d in broken.added] == ["OAC108"] and broken.fixed == []
    assert not broken.wrote
    assert fixed.changed == ["alerts/m0.py", "alerts/m1.py"]
    assert fixed.added == [] and [d.code for d in fixed.fixed] == ["OAC108"]
    assert fixed.wrote and edits == []


def test_watch_cli_prints_diagnostics_once(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write(Spec(modules={"m0": (0, "raises")}))
    result = CliRunner().invoke(cli, ["watch", "-C", str(tmp_path), "--max-cycles", "1"])
    assert result.exit_code == 0, result.output
    assert "alerts/m0.py" in result.output and "OAC101" in result.output
    assert "build #1" in result.output and "1 error(s)" in result.output

