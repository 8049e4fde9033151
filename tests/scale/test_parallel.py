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
    assert len(two.artifacts) == 10  # 5 rule files, prometheus.yml, the preview stack (3), manifest
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


def _findings(compiled: pipeline.Compiled) -> list[str]:
    return [str(d) for d in compiled.diagnostics]


def test_checks_in_a_child_find_what_they_find_here(tmp_path: Path) -> None:
    # Lint runs in a forked child beside rendering: same findings at the same lines.
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "bad.py").write_text(
        "from obs_as_code import AlertRule, RuleGroup\n"
        "\n"
        "g = RuleGroup(\n"
        '    name="g",\n'
        "    rules=[\n"
        '        AlertRule(name="A", expr="sum(rate(x[5m]) > ", for_="5m"),\n'
        '        AlertRule(name="B", expr="up == 0", for_="5x"),\n'
        "    ],\n"
        ")\n"
    )
    one = pipeline.compile_project(tmp_path)
    two = pipeline.compile_project(tmp_path, jobs=2)
    assert not one.ok
    assert _findings(two) == _findings(one)
    assert any(":6:" in f for f in _findings(two)) and any(":7:" in f for f in _findings(two))


def test_checks_in_a_child_shipped_repo_same_output() -> None:
    root = Path(__file__).resolve().parents[2]
    one = pipeline.compile_project(root)
    two = pipeline.compile_project(root, jobs=2)
    assert _findings(two) == _findings(one)
    assert [(a.path, a.content) for a in two.artifacts] == [(a.path, a.content) for a in one.artifacts]


def test_in_child_returns_the_childs_value() -> None:
    import os

    parent = os.getpid()
    wait = parallel.in_child(lambda: os.getpid())
    child = wait()
    assert child != parent or not parallel.can_fork()


def test_in_child_failure_reruns_here_and_raises_the_same() -> None:
    calls: list[int] = []

    def boom() -> int:
        calls.append(1)  # only this process's list is seen here
        raise ValueError("bad input")

    wait = parallel.in_child(boom)
    with pytest.raises(ValueError, match="bad input"):
        wait()
    assert calls == [1]


def test_renderer_failure_is_raised_when_checks_find_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Writer(tmp_path).write(Spec(modules={"m0": (0, "ok")}))

    def broken(project: object) -> list[object]:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(pipeline, "_resolve", lambda target: broken if target.endswith("tests:render") else _real_resolve(target))
    with pytest.raises(RuntimeError, match="renderer bug"):
        pipeline.compile_project(tmp_path, jobs=2)


def test_renderer_failure_is_dropped_when_checks_found_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "alerts").mkdir()
    (tmp_path / "alerts" / "bad.py").write_text(
        'from obs_as_code import AlertRule, RuleGroup\n\ng = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up ==", for_="5m")])\n'
    )

    def broken(project: object) -> list[object]:
        raise RuntimeError("renderer bug")

    monkeypatch.setattr(pipeline, "_resolve", lambda target: broken if target.endswith("tests:render") else _real_resolve(target))
    one = pipeline.compile_project(tmp_path)
    two = pipeline.compile_project(tmp_path, jobs=2)
    assert not two.ok
    assert _findings(two) == _findings(one)


_real_resolve = pipeline._resolve
