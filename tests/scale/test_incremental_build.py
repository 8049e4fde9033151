"""Incremental builds give exactly what a clean build gives, and reload only what changed."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from obs_as_code import cache, incremental, pipeline
from obs_as_code.artifacts import read_tree
from obs_as_code.cache import cache_path
from obs_as_code.model.rules import RuleGroup
from tests.scale.project import DASHBOARD_VARIANTS, VARIANTS, Spec, Writer


def clean(root: Path) -> tuple[dict[str, bytes], list[str]]:
    compiled = pipeline.compile_project(root)
    return {a.path: a.content for a in compiled.artifacts}, [repr(d) for d in compiled.diagnostics]


def cached(root: Path, memory: incremental.Memory | None = None, *, may_fall_back: bool = False) -> tuple[dict[str, bytes], list[str]]:
    compiled = incremental.compile_incremental(root, memory)
    if not may_fall_back:
        assert incremental.last_run.fallback is None, incremental.last_run.fallback
    return {a.path: a.content for a in compiled.artifacts}, [repr(d) for d in compiled.diagnostics]


def base_spec() -> Spec:
    return Spec(modules={"m0": (0, "ok"), "m1": (1, "ok"), "m2": (2, "two_groups")})


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Writer]:
    writer = Writer(tmp_path)
    writer.write(base_spec())
    return tmp_path, writer


def test_cold_then_warm_equals_clean(project: tuple[Path, Writer]) -> None:
    root, _writer = project
    assert cached(root) == clean(root)
    assert cache_path(root).is_file()
    assert cached(root) == clean(root)
    assert incremental.last_run.loaded == []
    assert incremental.last_run.rechecked == []


def test_returned_project_holds_full_definitions(project: tuple[Path, Writer]) -> None:
    root, writer = project
    cached(root)
    spec = base_spec()
    spec.modules["m0"] = (8, "ok")
    writer.write(spec)
    compiled = incremental.compile_incremental(root)
    expected = pipeline.compile_project(root).project.all(RuleGroup)
    got = compiled.project.all(RuleGroup)
    assert [(g.name, g.module, len(g.rules)) for g in got] == [(g.name, g.module, len(g.rules)) for g in expected]
    assert all(g.rules for g in got)
    assert got == expected


def test_one_module_edit_reloads_only_it(project: tuple[Path, Writer]) -> None:
    root, writer = project
    cached(root)
    spec = base_spec()
    spec.modules["m1"] = (7, "ok")
    writer.write(spec)
    assert cached(root) == clean(root)
    assert incremental.last_run.loaded == ["alerts/m1.py"]
    # m1's recording rule changed name: the scoped checks of every module may read it.
    assert set(incremental.last_run.rechecked) == {"scrape/jobs.py", "alerts/m0.py", "alerts/m1.py", "alerts/m2.py"}


def test_edit_keeping_recording_rules_rechecks_only_it(project: tuple[Path, Writer]) -> None:
    root, _writer = project
    cached(root)
    path = root / "alerts" / "m1.py"
    text = path.read_text()
    assert 'interval="2m"' in text
    path.write_text(text.replace('interval="2m"', 'interval="4m"'))
    mtime = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(mtime, mtime))
    assert cached(root) == clean(root)
    assert incremental.last_run.loaded == ["alerts/m1.py"]
    assert incremental.last_run.rechecked == ["alerts/m1.py"]


def test_scoped_checks_cached_per_module(project: tuple[Path, Writer]) -> None:
    root, _writer = project
    cached(root)
    path = root / "alerts" / "m0.py"
    # A rate of a sum: a finding of a scoped check (OAC204).
    path.write_text(path.read_text().replace("sum(rate(x_0_total[5m]))", "x_0_total + rate(sum(x_0_total)[5m:])"))
    mtime = path.stat().st_mtime_ns + 10**9
    os.utime(path, ns=(mtime, mtime))
    first = cached(root)
    assert first == clean(root)
    assert any("OAC204" in d for d in first[1])
    assert cached(root) == first
    assert incremental.last_run.rechecked == []


def test_helper_edit_reloads_its_dependents(project: tuple[Path, Writer]) -> None:
    root, writer = project
    cached(root)
    spec = base_spec()
    spec.lib_version = 1
    writer.write(spec)
    assert cached(root) == clean(root)
    assert sorted(incremental.last_run.loaded) == ["alerts/_lib.py", "alerts/m0.py", "alerts/m1.py", "alerts/m2.py"]


def test_new_package_version_invalidates(project: tuple[Path, Writer], monkeypatch: pytest.MonkeyPatch) -> None:
    root, _writer = project
    cached(root)
    monkeypatch.setattr(incremental, "fingerprint", lambda: "another obs-as-code")
    assert cached(root) == clean(root)
    assert len(incremental.last_run.loaded) == 5


def test_corrupt_cache_is_ignored(project: tuple[Path, Writer]) -> None:
    root, _writer = project
    cached(root)
    cache_path(root).write_bytes(b"not a pickle")
    assert cached(root) == clean(root)
    assert len(incremental.last_run.loaded) == 5


def test_definition_exposed_by_another_module_falls_back(project: tuple[Path, Writer]) -> None:
    root, _writer = project
    (root / "alerts" / "reexport.py").write_text("from alerts.m0 import group as again\n")
    assert cached(root, may_fall_back=True) == clean(root)
    assert incremental.last_run.fallback is not None and "alerts/m0.py" in incremental.last_run.fallback


def test_build_writes_the_same_tree(project: tuple[Path, Writer], tmp_path: Path) -> None:
    root, writer = project
    a, b = tmp_path / "out-inc", tmp_path / "out-clean"
    pipeline.build(root, a, incremental=True)
    spec = base_spec()
    spec.modules["m3"] = (3, "lib_constant")
    writer.write(spec)
    assert pipeline.build(root, a, incremental=True).wrote
    pipeline.build(root, b)
    assert sorted(p.relative_to(a).as_posix() for p in a.rglob("*")) == sorted(
        p.relative_to(b).as_posix() for p in b.rglob("*")
    )
    for path in b.rglob("*"):
        if path.is_file():
            assert (a / path.relative_to(b)).read_bytes() == path.read_bytes(), path


names = st.sampled_from(["m0", "m1", "m2", "m3", "m4"])
ops = st.one_of(
    st.tuples(st.just("edit"), names, st.integers(0, 50), st.sampled_from(VARIANTS)),
    st.tuples(st.just("add"), names, st.integers(0, 50), st.sampled_from(VARIANTS)),
    st.tuples(st.just("delete"), names),
    st.tuples(st.just("rename"), names, names),
    st.tuples(st.just("helper"), st.integers(1, 5)),
    st.tuples(st.just("jobs"), st.integers(0, 4)),
    st.tuples(st.just("dashboard"), st.sampled_from(["d0", "d1", "d2"]), st.integers(0, 50), st.sampled_from(DASHBOARD_VARIANTS)),
    st.tuples(st.just("undashboard"), st.sampled_from(["d0", "d1", "d2"])),
    st.tuples(st.just("slo"), st.one_of(st.none(), st.integers(0, 50))),
    st.tuples(st.just("runbooks"), st.lists(st.integers(0, 50), max_size=3)),
    st.tuples(st.just("datasources"), st.integers(0, 2)),
)


def apply(spec: Spec, op: tuple[object, ...]) -> None:
    kind = op[0]
    if kind in ("edit", "add"):
        name, seed, variant = op[1], op[2], op[3]
        assert isinstance(name, str) and isinstance(seed, int) and isinstance(variant, str)
        if kind == "edit" and name not in spec.modules:
            return
        spec.modules[name] = (seed, variant)
    elif kind == "delete":
        spec.modules.pop(str(op[1]), None)
    elif kind == "rename":
        old, new = str(op[1]), str(op[2])
        if old in spec.modules and new not in spec.modules:
            spec.modules[new] = spec.modules.pop(old)
    elif kind == "helper":
        assert isinstance(op[1], int)
        spec.lib_version += op[1]
    elif kind == "jobs":
        assert isinstance(op[1], int)
        spec.jobs = op[1]
    elif kind == "dashboard":
        seed, variant = op[2], op[3]
        assert isinstance(seed, int) and isinstance(variant, str)
        spec.dashboards[str(op[1])] = (seed, variant)
    elif kind == "undashboard":
        spec.dashboards.pop(str(op[1]), None)
    elif kind == "slo":
        assert op[1] is None or isinstance(op[1], int)
        spec.slo = op[1]
    elif kind == "datasources":
        assert isinstance(op[1], int)
        spec.datasources = op[1]
    elif kind == "runbooks":
        assert isinstance(op[1], list)
        spec.runbook_headings = tuple(op[1])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(ops, min_size=1, max_size=6), in_memory=st.booleans(), declared=st.booleans())
# An ignore comment added and removed on a line that moves nothing (a stage keyed
# by rule summaries once kept what it silences).
@example(
    steps=[("add", "m5", 1, "dup_group"), ("add", "m6", 2, "dup_group"), ("edit", "m6", 2, "dup_group_ignored"), ("edit", "m6", 2, "dup_group")],
    in_memory=False,
    declared=True,
)
def test_incremental_equals_clean_after_random_edits(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[object, ...]], in_memory: bool, declared: bool
) -> None:
    root = tmp_path_factory.mktemp("random")
    memory = incremental.Memory() if in_memory else None  # as `oac watch` runs it
    # Without declared inputs every project-wide stage reads every module (reruns
    # on any edit); with them, a stage is reused when its kinds did not change.
    patch = mock.patch.object(incremental, "STAGE_INPUTS", incremental.STAGE_INPUTS if declared else {})
    try:
        patch.start()
        writer = Writer(root)
        spec = base_spec()
        writer.write(spec)
        assert cached(root, memory) == clean(root)
        for op in steps:
            apply(spec, op)
            writer.write(spec)
            assert cached(root, memory) == clean(root), op
    finally:
        patch.stop()
        shutil.rmtree(root, ignore_errors=True)


def test_unchanged_stat_skips_reading_but_edits_are_seen(project: tuple[Path, Writer], monkeypatch: pytest.MonkeyPatch) -> None:
    root, writer = project
    monkeypatch.setattr(cache, "RACY_NS", -(10**18))  # trust every matching stat
    cached(root)
    reads: list[str] = []
    original = Path.read_bytes

    def spy(self: Path) -> bytes:
        reads.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", spy)
    assert cached(root) == clean(root)
    assert "m0.py" not in reads
    spec = base_spec()
    spec.modules["m0"] = (9, "ok")
    writer.write(spec)
    reads.clear()
    assert cached(root) == clean(root)
    assert "m0.py" in reads and incremental.last_run.loaded == ["alerts/m0.py"]


def test_relative_imports_and_packages_are_dependencies(tmp_path: Path) -> None:
    pkg = tmp_path / "alerts" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("PREFIX = 'a'\n")
    (pkg / "_shared.py").write_text("SEVERITY = 'warning'\n")
    (pkg / "rules.py").write_text(
        "from . import _shared\n"
        "from obs_as_code import AlertRule, RuleGroup\n"
        "group = RuleGroup(name='g', rules=[AlertRule(name='A', expr='up == 0', labels={'severity': _shared.SEVERITY})])\n"
    )
    (tmp_path / "alerts" / "other.py").write_text(
        "from obs_as_code import RecordingRule, RuleGroup\n"
        "group = RuleGroup(name='o', rules=[RecordingRule(name='job:x:sum', expr='sum(x)')])\n"
    )
    assert cached(tmp_path) == clean(tmp_path)
    (pkg / "_shared.py").write_text("SEVERITY = 'critical'  # changed\n")
    assert cached(tmp_path) == clean(tmp_path)
    assert sorted(incremental.last_run.loaded) == ["alerts/pkg/_shared.py", "alerts/pkg/rules.py"]
    (pkg / "__init__.py").write_text("PREFIX = 'b'  # a package's __init__ runs before its modules\n")
    assert cached(tmp_path) == clean(tmp_path)
    assert sorted(incremental.last_run.loaded) == ["alerts/pkg/__init__.py", "alerts/pkg/_shared.py", "alerts/pkg/rules.py"]


def test_internal_failure_falls_back_to_clean(project: tuple[Path, Writer], monkeypatch: pytest.MonkeyPatch) -> None:
    root, _writer = project

    def broken(*_args: object) -> None:
        raise RuntimeError("stage failed on cached input")

    monkeypatch.setattr(incremental, "_local_stage", broken)
    assert cached(root, may_fall_back=True) == clean(root)
    assert incremental.last_run.fallback == "RuntimeError: stage failed on cached input"


def test_dependencies_of_a_package_init_and_dynamic_imports(tmp_path: Path) -> None:
    pkg = tmp_path / "alerts" / "pkg"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("from alerts.pkg._consts import TEAM\n")
    (pkg / "_consts.py").write_text("TEAM = 'a'\n")
    (tmp_path / "alerts" / "_dyn.py").write_text("SEVERITY = 'info'\n")
    (pkg / "rules.py").write_text(
        "import importlib\n"
        "from alerts.pkg import TEAM\n"
        "from obs_as_code import AlertRule, RuleGroup\n"
        "_dyn = importlib.import_module('alerts._dyn')\n"
        "group = RuleGroup(name='g', rules=[AlertRule(name='A', expr='up == 0', labels={'team': TEAM, 'severity': _dyn.SEVERITY})])\n"
    )
    assert cached(tmp_path) == clean(tmp_path)
    (pkg / "_consts.py").write_text("TEAM = 'b'  # reached only through the package __init__\n")
    assert cached(tmp_path) == clean(tmp_path)
    assert "alerts/pkg/rules.py" in incremental.last_run.loaded
    (tmp_path / "alerts" / "_dyn.py").write_text("SEVERITY = 'warning'  # imported with importlib\n")
    assert cached(tmp_path) == clean(tmp_path)
    assert "alerts/pkg/rules.py" in incremental.last_run.loaded


def test_same_second_same_size_edit_is_not_hidden_by_bytecode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    module = tmp_path / "alerts" / "a.py"
    module.parent.mkdir()
    source = "from obs_as_code import AlertRule, RuleGroup\ngroup = RuleGroup(name='g', interval='{}m', rules=[AlertRule(name='A', expr='up == 0')])\n"
    module.write_text(source.format(5))
    stamp = module.stat().st_mtime_ns
    first, _ = cached(tmp_path)
    assert Path(importlib.util.cache_from_source(str(module))).is_file()  # bytecode was written
    module.write_text(source.format(6))  # same size ...
    os.utime(module, ns=(stamp, stamp))  # ... and the same mtime: the .pyc looks valid
    second, _ = cached(tmp_path)
    assert b"interval: 6m" in second["prometheus/rules/a.yaml"]
    assert first["prometheus/rules/a.yaml"].replace(b"5m", b"6m") == second["prometheus/rules/a.yaml"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(ops, min_size=2, max_size=6), in_memory=st.booleans())
def test_written_tree_equals_a_clean_build_after_random_edits(
    tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[object, ...]], in_memory: bool
) -> None:
    """What ends up in build/ (patched spare trees swapped in, stamps trusted) is
    exactly what a clean build writes, files and folders."""
    root = tmp_path_factory.mktemp("written")
    out, ref = root.parent / f"{root.name}-out", root.parent / f"{root.name}-ref"
    memory = incremental.Memory() if in_memory else None
    try:
        writer = Writer(root)
        spec = base_spec()
        writer.write(spec)
        for op in [("edit", "m0", 0, "ok"), *steps]:
            apply(spec, op)
            writer.write(spec)
            built = pipeline.build(root, out, incremental=True, memory=memory)
            pipeline.build(root, ref)
            if built.compiled.ok:
                assert read_tree(out) == read_tree(ref), op
                dirs = [sorted(p.relative_to(t).as_posix() for p in t.rglob("*") if p.is_dir()) for t in (out, ref)]
                assert dirs[0] == dirs[1], op
    finally:
        for tree in (root, out, ref):
            shutil.rmtree(tree, ignore_errors=True)
