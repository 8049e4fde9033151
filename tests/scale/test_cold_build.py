"""The first (cold-cache) incremental build's shortcuts give what the long way gives."""

from __future__ import annotations

import sys
import types
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code import incremental
from obs_as_code.lint.engine import LintContext
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup
from obs_as_code.pipeline import load
from obs_as_code.source import SourceLocation
from tests.scale.project import Spec, Writer
from tests.scale.test_incremental_build import cached, clean


def _old_tokens(ctx: Any) -> tuple[str, ...]:
    """What ``_local_stage`` computed before :func:`incremental.query_tokens`."""
    return tuple(sorted({t for q in ctx.queries() for t in incremental.tokens(q.expr)}))


def _spec() -> Spec:
    return Spec(
        modules={"m0": (0, "ok"), "m1": (1, "two_groups"), "m3": (0, "uses_other")},
        dashboards={"d0": (0, "ok"), "d1": (1, "unaggregated"), "d2": (2, "bad_query")},
        slo=3,
        datasources=1,
    )


def test_query_tokens_are_those_of_every_query_without_making_them(tmp_path: Path) -> None:
    Writer(tmp_path).write(_spec())
    project, _diagnostics = load(tmp_path)
    ctx = LintContext(project)
    found = incremental.query_tokens(ctx)
    assert ctx._queries is None  # read from the parts: no Query per target
    assert "http_requests_total" in found or len(found) > 10
    assert found == _old_tokens(ctx)


def test_cold_build_scoped_contexts_get_the_tokens_of_their_queries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Writer(tmp_path).write(_spec())
    seen: list[tuple[str, ...]] = []
    real = incremental.query_tokens

    def checked(ctx: Any) -> tuple[str, ...]:
        found = real(ctx)
        assert found == _old_tokens(ctx)
        seen.append(found)
        return found

    monkeypatch.setattr(incremental, "query_tokens", checked)
    assert cached(tmp_path) == clean(tmp_path)
    assert len(seen) >= 5 and any(seen)  # every rule and dashboard module


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet="ab_:{}()[]\"=~ 0123456789\n$.,", max_size=30), max_size=6))
def test_query_tokens_merge_like_tokens(exprs: list[str]) -> None:
    # Joining the texts with a newline never makes or splits an identifier.
    location = SourceLocation("alerts/x.py", 1, 1)
    rules: list[AlertRule | RecordingRule] = [AlertRule(name=f"A{i}", expr=e, location=location) for i, e in enumerate(exprs)]
    group = RuleGroup(name="g", rules=rules, location=location)
    from obs_as_code.load import Project

    ctx = LintContext(Project(root=Path("."), modules=[], definitions=[group]))
    assert incremental.query_tokens(ctx) == tuple(sorted({t for e in exprs for t in incremental.tokens(e)}))


# --- per-module work that does not grow with the modules --------------------------------


def _dashboards(root: Path, count: int) -> None:
    folder = root / "dashboards"
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"d{i}.py").write_text(
            "from obs_as_code.dashboards import kit as k\n\n"
            f'board = k.dashboard("Board {i}", [\n'
            f"    k.timeseries(\"Raw\", k.prom('rate(http_requests_total{{service=\"s{i}\"}}[5m])'), unit=k.REQPS),\n"
            "], variables=[k.datasource_var()])\n"
        )


def test_check_modules_are_looked_up_once_per_build_whatever_the_module_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    real = importlib.import_module
    counts: list[int] = []
    # The first build of the process imports the checks' modules (more lookups):
    # counted apart, so that the test does not depend on which tests ran before.
    for count in (1, 2, 5):
        root = tmp_path / str(count)
        _dashboards(root, count)
        looked_up: list[str] = []

        def counting(name: str, package: str | None = None, looked_up: list[str] = looked_up) -> types.ModuleType:
            looked_up.append(name)
            return real(name, package)

        monkeypatch.setattr(importlib, "import_module", counting)
        assert cached(root) == clean(root)
        monkeypatch.setattr(importlib, "import_module", real)
        counts.append(sum(1 for name in looked_up if name.startswith(("obs_as_code.lint.rules.", "obs_as_code.render."))))
    assert counts[0] >= counts[1] == counts[2] > 0


def test_a_deferred_check_runs_its_module_s_check_and_looks_it_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib

    from obs_as_code.lint.engine import all_checks, deferred_checks, describe_checks

    checks = deferred_checks(describe_checks())
    assert [c.code for c in checks] == [c.code for c in all_checks() if not c.lint_only]
    ctx = LintContext(load(Path(__file__).resolve().parents[2])[0])
    direct = {c.code: c for c in all_checks()}
    for check in checks:
        assert list(check.run(ctx)) == list(direct[check.code].run(ctx)), check.code
    real = importlib.import_module
    looked_up: list[str] = []

    def counting(name: str, package: str | None = None) -> types.ModuleType:
        looked_up.append(name)
        return real(name, package)

    monkeypatch.setattr(importlib, "import_module", counting)
    for check in checks:
        list(check.run(ctx))
    assert [n for n in looked_up if n.startswith("obs_as_code.lint.rules.")] == []  # each looked up on its first run, above


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["add", "drop", "readd"]), st.integers(0, 9)), max_size=12))
def test_added_modules_are_the_set_difference(ops: list[tuple[str, int]]) -> None:
    modules: dict[str, object] = {f"m{i}": object() for i in range(6)}
    before = list(modules)
    for op, i in ops:
        name = f"m{i}"
        if op == "add":
            modules.setdefault(f"new{i}", object())
        elif op == "drop":
            modules.pop(name, None)
        else:
            modules[name] = modules.pop(name, object())
    original = sys.modules
    try:
        sys.modules = modules  # type: ignore[assignment]
        found = set(incremental._added(before))
    finally:
        sys.modules = original
    assert found == set(modules) - set(before)


def _findings_only() -> dict[str, Any]:
    from obs_as_code import cache
    from obs_as_code.diagnostics import error

    found = (error(SourceLocation("alerts/a.py", 3, 5), "OAC201", "a message " * 200),)
    return {
        "stages": {"OAC506@a": cache.StageEntry("k1", found, keys=("uid",))},
        "local": {"alerts/a.py": cache.LocalEntry("k2", found, {"r": ()}, found, ("up", "rate"))},
    }


def test_entries_without_byte_strings_pickle_as_the_entry_pickler_would(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import pickle

    from obs_as_code import cache

    sections = _findings_only()
    for entries in sections.values():
        for entry in entries.values():
            assert cache._without_blobs(entry)
            buffer = io.BytesIO()
            cache._EntryPickler(buffer, io.BytesIO(), 0, {}).dump(entry)
            assert pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL) == buffer.getvalue()

    def refuse(*_args: Any) -> None:
        raise AssertionError("the entry pickler ran")

    monkeypatch.setattr(cache, "_EntryPickler", refuse)
    built = cache.BuildCache(fingerprint="f", **sections)
    cache.write(tmp_path, built)
    cache._PACKS.clear()
    assert cache.read(tmp_path, "f") == built


def test_entries_with_artifacts_or_definitions_keep_their_blobs_apart() -> None:
    from obs_as_code import cache

    artifact = cache.CachedArtifact("a.yaml", b"d", "yaml", (), b"{}", b"c" * 5000)
    assert not cache._without_blobs(cache.StageEntry("k", (), (artifact,)))
    assert not cache._without_blobs(cache.LocalEntry("k", (), {"r": (artifact,)}))
    assert not cache._without_blobs(cache.ModuleEntry("s", "k", (), b"x" * 5000, "h", ()))


def test_the_import_recorder_records_project_importers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    package, module = types.ModuleType("alerts"), types.ModuleType("alerts.fake")
    package.__path__ = []
    package.fake = module  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "alerts", package)
    monkeypatch.setitem(sys.modules, "alerts.fake", module)
    recorder = incremental._ImportRecorder()
    with recorder.active():
        # Each importer twice: the second verdict comes from the recorder's memo.
        for importer in ("obs_as_code.kit", "alerts.a", "obs_as_code.kit", "alerts.a", "slos.s"):
            exec("from alerts import fake\nimport alerts.fake", {"__name__": importer})
        exec("from . import fake", {"__name__": "alerts.b", "__package__": "alerts"})
        exec("import alerts", {"__name__": 7})  # not a module's name: nothing to record
    assert recorder.edges == {
        "alerts.a": {"alerts", "alerts.fake"},
        "slos.s": {"alerts", "alerts.fake"},
        "alerts.b": {"alerts", "alerts.fake"},
    }


def test_a_cold_build_keeps_no_frame_of_the_modules_it_loaded(tmp_path: Path) -> None:
    # capture() remembers the frames it walked from; a load must let them go
    # (the clean load did, the incremental one did not: the last modules, and
    # through their package every module, stayed alive after the build).
    from obs_as_code import source
    from obs_as_code.pipeline import build

    _dashboards(tmp_path, 3)
    build(tmp_path, incremental=True)  # its dashboards have findings: it loads all the same
    assert source._BY_CALLER == {}
    build(tmp_path)
    assert source._BY_CALLER == {}
