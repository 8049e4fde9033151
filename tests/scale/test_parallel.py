"""Serializing in several processes gives the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from obs_as_code import incremental, parallel, pipeline
from tests.scale.project import Spec, Writer


def test_two_jobs_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ARTIFACTS", 2)
    Writer(tmp_path).write(Spec(modules={f"m{i}": (i, "ok") for i in range(5)}))
    one = pipeline.compile_project(tmp_path)
    two = pipeline.compile_project(tmp_path, jobs=2)
    assert len(two.artifacts) == 9  # 5 rule files, prometheus.yml, the preview stack (2), manifest
    assert [(a.path, a.content) for a in two.artifacts] == [(a.path, a.content) for a in one.artifacts]


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("3", 3), ("junk", 1), ("0", None)])
def test_jobs_from_environment(monkeypatch: pytest.MonkeyPatch, raw: str, expected: int | None) -> None:
    monkeypatch.setenv("OAC_JOBS", raw)
    monkeypatch.setattr("os.cpu_count", lambda: 7)
    assert parallel.default_jobs() == (expected if expected is not None else 7)


def test_incremental_two_jobs_same_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "MIN_ARTIFACTS", 2)
    writer = Writer(tmp_path)
    writer.write(Spec(modules={f"m{i}": (i, "ok") for i in range(5)}))
    clean = pipeline.compile_project(tmp_path)
    cold = incremental.compile_incremental(tmp_path, jobs=2)
    # Cold cache: every module holding definitions (five rule modules, the jobs);
    # the helper holds none and is only imported.
    assert len(incremental.last_run.rechecked) == 6
    assert [(a.path, a.content) for a in cold.artifacts] == [(a.path, a.content) for a in clean.artifacts]
