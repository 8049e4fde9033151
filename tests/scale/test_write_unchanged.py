"""A rebuild links unchanged files into the new build/ instead of rewriting them."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from obs_as_code import cache, pipeline
from obs_as_code.artifacts import read_tree, tree_stamps
from tests.scale.project import Spec, Writer


def test_unchanged_files_keep_their_inode(tmp_path: Path) -> None:
    root, out, ref = tmp_path / "p", tmp_path / "out", tmp_path / "ref"
    writer = Writer(root)
    writer.write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}))
    pipeline.build(root, out, incremental=True)
    before = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    writer.write(Spec(modules={"m0": (0, "ok"), "m1": (5, "ok")}))
    result = pipeline.build(root, out, incremental=True)
    assert result.wrote and sorted(result.diff.changed) == ["manifest.json", "prometheus/rules/m1.yaml"]
    after = {p.relative_to(out).as_posix(): p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    kept = sorted(p for p in after if after[p] == before.get(p))
    assert kept == ["preview/alertmanager.yml", "preview/docker-compose.yml", "preview/tempo.yaml", "prometheus/prometheus.yml", "prometheus/rules/m0.yaml"]
    pipeline.build(root, ref)
    assert read_tree(out) == read_tree(ref)


def _spy_reads(out: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Paths under ``out`` read from now on."""
    reads: list[str] = []
    real = Path.read_bytes

    def spy(self: Path) -> bytes:
        if out.resolve() in self.resolve().parents:
            reads.append(self.resolve().relative_to(out.resolve()).as_posix())
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    return reads


def _stamps_written_at(root: Path, out: Path, ns: int) -> None:
    """Set the mtime of the file holding ``out``'s stamps (the racily-clean reference)."""
    os.utime(cache.stamps_path(root, out.resolve()), ns=(ns, ns))


def _newest_change(out: Path) -> int:
    return max(max(p.stat().st_mtime_ns, p.stat().st_ctime_ns) for p in out.rglob("*") if p.is_file())


def test_compare_trusts_settled_stamps_and_reads_nothing_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = tmp_path / "p", tmp_path / "out"
    Writer(root).write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}))
    first = pipeline.build(root, out, incremental=True)
    found = cache.read_stamps(root, out.resolve())
    assert found is not None and set(found[0]) == {a.path for a in first.compiled.artifacts}
    # The stamps were written a tick after the newest file changed (a coarse clock
    # could have put both in one tick; then every file would be read).
    _stamps_written_at(root, out, _newest_change(out) + 1)
    reads = _spy_reads(out, monkeypatch)
    again = pipeline.build(root, out, incremental=True)
    assert again.diff.clean and not again.wrote
    assert reads == [] and again.diff.read == 0
    # Nothing read, nothing written: the stamps stand as they are (not rewritten).
    assert cache.stamps_path(root, out.resolve()).stat().st_mtime_ns == _newest_change(out) + 1


def test_files_changed_in_the_tick_the_stamps_were_written_are_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Racily clean: a write in the same timestamp tick as the stamps could leave a stat unchanged.
    root, out = tmp_path / "p", tmp_path / "out"
    Writer(root).write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}))
    first = pipeline.build(root, out, incremental=True)
    racy = out / "prometheus" / "rules" / "m1.yaml"
    others = _newest_change(out)
    while True:  # change m1.yaml's ctime (not its bytes) in a later tick than every other file
        os.utime(racy)
        changed = racy.stat().st_ctime_ns
        if changed > others:
            break
        time.sleep(0.001)
    cache.write_stamps(root, out.resolve(), tree_stamps(out.resolve(), first.compiled.artifacts))
    _stamps_written_at(root, out, changed)  # ... and the stamps in that same tick
    reads = _spy_reads(out, monkeypatch)
    again = pipeline.build(root, out, incremental=True)
    assert again.diff.clean and not again.wrote
    assert reads == ["prometheus/rules/m1.yaml"]


@pytest.mark.parametrize("check", [True, False])
def test_a_hand_edit_of_build_is_seen_despite_stamps(tmp_path: Path, check: bool) -> None:
    root, out = tmp_path / "p", tmp_path / "out"
    Writer(root).write(Spec(modules={"m0": (0, "ok")}))
    pipeline.build(root, out, incremental=True)
    target = out / "prometheus" / "rules" / "m0.yaml"
    before = target.stat()
    text = target.read_bytes()
    edited = text.replace(b"for:", b"fox:", 1)
    assert len(edited) == len(text) and edited != text
    target.write_bytes(edited)
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size, same mtime: only ctime differs
    result = pipeline.build(root, out, incremental=True, check=check)
    assert result.diff.changed == ["prometheus/rules/m0.yaml"]
    assert (target.read_bytes() == text) is (not check)


def test_stale_or_broken_stamps_only_cost_a_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = tmp_path / "p", tmp_path / "out"
    Writer(root).write(Spec(modules={"m0": (0, "ok")}))
    pipeline.build(root, out, incremental=True)
    cache.stamps_path(root, out.resolve()).write_bytes(b"not a pickle")
    assert pipeline.build(root, out, incremental=True).diff.clean
    found = cache.read_stamps(root, out.resolve())
    assert found is not None
    wrong = {path: (stamp, "0" * 64) for path, (stamp, _sha) in found[0].items()}
    cache.write_stamps(root, out.resolve(), wrong)  # right stamps, wrong hashes: trusted, so the build rewrites
    _stamps_written_at(root, out, _newest_change(out) + 1)
    result = pipeline.build(root, out, incremental=True)
    assert result.wrote and read_tree(out) == read_tree(_clean(root, tmp_path / "ref"))


def _clean(root: Path, ref: Path) -> Path:
    pipeline.build(root, ref)
    return ref


def test_stamps_of_an_older_format_are_ignored(tmp_path: Path) -> None:
    import pickle

    root, out = tmp_path / "p", tmp_path / "out"
    Writer(root).write(Spec(modules={"m0": (0, "ok")}))
    first = pipeline.build(root, out, incremental=True)
    # What format 2 wrote: (2, {out_dir: {path: (stamp, sha256, when)}}).
    old = (2, {str(out.resolve()): {a.path: ((0, 0, 0, 0), a.sha256, 0) for a in first.compiled.artifacts}})
    cache.stamps_path(root, out.resolve()).write_bytes(pickle.dumps(old))
    assert cache.read_stamps(root, out.resolve()) is None
    assert pipeline.build(root, out, incremental=True).diff.clean


def _dirs(tree: Path) -> list[str]:
    return sorted(p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_dir())


def test_rebuilds_patch_the_spare_tree_and_match_a_clean_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = tmp_path / "p", tmp_path / "out"
    writer = Writer(root)
    swaps: list[int] = []
    real = pipeline.swap_in

    def spy(*args: object, **kwargs: object) -> None:
        swaps.append(1)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "swap_in", spy)
    specs = [
        Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}),
        Spec(modules={"m0": (0, "ok"), "m1": (5, "ok")}),
        Spec(modules={"m0": (0, "ok"), "m1": (5, "ok"), "m2": (2, "two_groups")}),
        Spec(modules={"m0": (3, "ok")}),  # m1 and m2 go: their files (and no empty folder) stay behind
        Spec(modules={"m0": (3, "ok"), "m1": (1, "ok")}),
        Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}),  # back to the first: the spare held it two builds ago
    ]
    for i, spec in enumerate(specs):
        writer.write(spec)
        result = pipeline.build(root, out, incremental=True)
        assert result.wrote
        ref = tmp_path / f"ref{i}"
        pipeline.build(root, ref)
        assert read_tree(out) == read_tree(ref), i
        assert _dirs(out) == _dirs(ref), i
    assert len(swaps) >= 3  # from the third build on, the spare is patched


def test_a_hand_edit_of_the_spare_tree_is_repaired(tmp_path: Path) -> None:
    root, out = tmp_path / "p", tmp_path / "out"
    writer = Writer(root)
    for seed in (0, 1, 2):
        writer.write(Spec(modules={"m0": (seed, "ok"), "m9": (9, "ok")}))
        pipeline.build(root, out, incremental=True)
    spare = cache.spare_path(root.resolve(), out.resolve())
    assert spare is not None and spare.is_dir()
    target = spare / "prometheus" / "rules" / "m9.yaml"
    before = target.stat()
    text = target.read_bytes()
    target.write_bytes(text.replace(b"for:", b"fox:", 1))
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # only ctime tells
    (spare / "stray.txt").write_text("left here by hand")
    writer.write(Spec(modules={"m0": (3, "ok"), "m9": (9, "ok")}))
    pipeline.build(root, out, incremental=True)
    ref = tmp_path / "ref"
    pipeline.build(root, ref)
    assert read_tree(out) == read_tree(ref)


def test_without_a_spare_location_the_tree_is_rebuilt_with_links(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cache, "spare_path", lambda root, out_dir: None)  # e.g. .oac-cache on another file system
    root, out = tmp_path / "p", tmp_path / "out"
    writer = Writer(root)
    for seed in (0, 1, 2):
        writer.write(Spec(modules={"m0": (seed, "ok")}))
        pipeline.build(root, out, incremental=True)
        ref = tmp_path / f"ref{seed}"
        pipeline.build(root, ref)
        assert read_tree(out) == read_tree(ref)
    assert not list((root / cache.CACHE_DIR).glob("spare-*"))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("out.")] == []  # no tree left aside


def test_build_deleted_by_hand_is_made_again_from_the_spare(tmp_path: Path) -> None:
    root, out = tmp_path / "p", tmp_path / "out"
    writer = Writer(root)
    for seed in (0, 1):
        writer.write(Spec(modules={"m0": (seed, "ok")}))
        pipeline.build(root, out, incremental=True)
    shutil.rmtree(out)
    result = pipeline.build(root, out, incremental=True)
    assert result.wrote
    ref = tmp_path / "ref"
    pipeline.build(root, ref)
    assert read_tree(out) == read_tree(ref)
    writer.write(Spec(modules={"m0": (2, "ok")}))  # and the build after it has no spare to patch
    pipeline.build(root, out, incremental=True)
    pipeline.build(root, ref)
    assert read_tree(out) == read_tree(ref)
