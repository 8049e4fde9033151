"""A rebuild links unchanged files into the new build/ instead of rewriting them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from obs_as_code import cache, pipeline
from obs_as_code.artifacts import read_tree
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
    assert kept == ["preview/docker-compose.yml", "preview/tempo.yaml", "prometheus/prometheus.yml", "prometheus/rules/m0.yaml"]
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


def test_compare_trusts_settled_stamps_and_reads_nothing_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, out = tmp_path / "p", tmp_path / "out"
    Writer(root).write(Spec(modules={"m0": (0, "ok"), "m1": (1, "ok")}))
    first = pipeline.build(root, out, incremental=True)
    stamps = cache.read_stamps(root, out.resolve())
    assert stamps is not None and set(stamps) == {a.path for a in first.compiled.artifacts}
    monkeypatch.setattr(cache, "RACY_NS", -(10**18))  # as if the files had settled long ago
    reads = _spy_reads(out, monkeypatch)
    again = pipeline.build(root, out, incremental=True)
    assert again.diff.clean and not again.wrote
    assert reads == []


def test_files_written_just_before_their_stamp_are_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Racily clean: a write in the same timestamp tick as the stamp could leave it unchanged.
    root, out = tmp_path / "p", tmp_path / "out"
    Writer(root).write(Spec(modules={"m0": (0, "ok")}))
    first = pipeline.build(root, out, incremental=True)
    reads = _spy_reads(out, monkeypatch)
    again = pipeline.build(root, out, incremental=True)
    assert again.diff.clean and not again.wrote
    assert sorted(reads) == sorted(a.path for a in first.compiled.artifacts)


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
    (root / cache.CACHE_DIR / cache.STAMPS_FILE).write_bytes(b"not a pickle")
    assert pipeline.build(root, out, incremental=True).diff.clean
    wrong = {path: (stamp, "0" * 64, when) for path, (stamp, _sha, when) in (cache.read_stamps(root, out.resolve()) or {}).items()}
    cache.write_stamps(root, out.resolve(), wrong)  # right stamps, wrong hashes: trusted, so the build rewrites
    monkeypatch.setattr(cache, "RACY_NS", -(10**18))  # as if the files had settled
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
    # What the first release of stamps wrote: {out_dir: {path: (stamp, sha256)}}.
    old = {str(out.resolve()): {a.path: ((0, 0, 0, 0), a.sha256) for a in first.compiled.artifacts}}
    (root / cache.CACHE_DIR / cache.STAMPS_FILE).write_bytes(pickle.dumps(old))
    assert cache.read_stamps(root, out.resolve()) is None
    assert pipeline.build(root, out, incremental=True).diff.clean
