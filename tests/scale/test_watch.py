"""``oac watch``: rebuild on change, report only the diagnostics that changed."""

from __future__ import annotations

from pathlib import Path

import pytest
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


def test_watch_collects_the_garbage_of_each_build_before_the_next(tmp_path: Path) -> None:
    import gc
    import shutil

    from obs_as_code.pipeline import build

    writer = Writer(tmp_path)
    writer.write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}, dashboards={"d0": (0, "ok")}, slo=2))
    gc.collect()
    # An incremental build leaves cyclic garbage (syntax trees, types, the
    # definitions of a project it compiled: the collector is paused while it runs) ...
    build(tmp_path, tmp_path / "plain", incremental=True)
    left = gc.collect()
    assert left > 1000
    # ... which watch collects after each cycle, not during a later rebuild.
    shutil.rmtree(tmp_path / ".oac-cache")  # the same cold build again
    found: list[int] = []

    def sleep(_seconds: float) -> None:  # between the cycles
        found.append(gc.collect())
        writer.write(Spec(modules={"m0": (0, "ok"), "m1": (2, "ok")}, dashboards={"d0": (0, "ok")}, slo=2))

    # Only watch's own collection (on a large project the automatic ones found
    # it in gen 1 or 2, with everything the build keeps alive: 1.4-1.8 s).
    thresholds = gc.get_threshold()
    gc.set_threshold(10**9)
    try:
        watch(tmp_path, tmp_path / "out", interval=0.01, max_cycles=2, sleep=sleep)
    finally:
        gc.set_threshold(*thresholds)
    assert len(found) == 1 and found[0] < left / 10, (found, left)


def test_watch_cli_prints_diagnostics_once(tmp_path: Path) -> None:
    writer = Writer(tmp_path)
    writer.write(Spec(modules={"m0": (0, "raises")}))
    result = CliRunner().invoke(cli, ["watch", "-C", str(tmp_path), "--max-cycles", "1"])
    assert result.exit_code == 0, result.output
    assert "alerts/m0.py" in result.output and "OAC101" in result.output
    assert "build #1" in result.output and "1 error(s)" in result.output



def test_file_memos_keep_one_entry_per_file(tmp_path: Path) -> None:
    from obs_as_code.source import latest_per_file

    calls: list[tuple[str, int]] = []

    @latest_per_file
    def read(path: str, mtime_ns: int) -> str:
        calls.append((path, mtime_ns))
        if mtime_ns < 0:
            raise OSError("gone")
        return f"{path}@{mtime_ns}"

    assert read("a", 1) == read("a", 1) == "a@1" and calls == [("a", 1)]
    assert read("a", 2) == "a@2" and read("b", 1) == "b@1" and sorted(read) == ["a", "b"]  # a@1 replaced
    assert read("a", 2) == "a@2" and len(calls) == 3
    for _ in range(2):  # a call that raises stores nothing
        with pytest.raises(OSError):
            read("c", -1)
    assert len(calls) == 5 and len(read) == 2
    read.cache_clear()
    assert len(read) == 0


def test_rebuilds_in_one_process_keep_one_syntax_tree_per_module(tmp_path: Path) -> None:
    # `oac watch` rebuilds in one process: an edited module's old syntax trees
    # and lines were kept, one per save.
    from obs_as_code import incremental, pipeline, source

    writer = Writer(tmp_path)
    spec = Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")})
    writer.write(spec)
    memory = incremental.Memory()
    pipeline.build(tmp_path, incremental=True, memory=memory)
    sizes = []
    for seed in range(2, 6):
        spec.modules["m0"] = (seed, "bad_promql")  # reported at its expression: positions read from its tree
        writer.write(spec)
        assert not pipeline.build(tmp_path, incremental=True, memory=memory).ok
        held = [*source.module_tree, *source.file_lines]  # trees; lines read for ignore comments
        sizes.append(sum(1 for path in held if path.startswith(str(tmp_path))))
    assert sizes == [2, 2, 2, 2], sizes  # the edited module once, not once per save (the project's own files)
