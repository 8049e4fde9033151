"""A rebuild links unchanged files into the new build/ instead of rewriting them."""

from __future__ import annotations

from pathlib import Path

from obs_as_code import pipeline
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
