"""The cache file: what may be pickled, data keys, fingerprints."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from obs_as_code import cache
from obs_as_code.model.rules import AlertRule, RuleGroup
from obs_as_code.source import SourceLocation


def test_fingerprint_follows_installed_distributions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", [str(tmp_path)])
    (tmp_path / "promql_parser-0.12.0.dist-info").mkdir()
    before = cache.package_fingerprint(["r"])
    (tmp_path / "promql_parser-0.12.0.dist-info").rename(tmp_path / "promql_parser-0.13.0.dist-info")
    assert cache.package_fingerprint(["r"]) != before
    assert cache.package_fingerprint(["other registration"]) != cache.package_fingerprint(["r"])


def test_definitions_pickle_unless_they_hold_project_classes() -> None:
    group = RuleGroup(name="g", rules=[AlertRule(name="A", expr="up == 0", location=SourceLocation("alerts/a.py", 3, 5))])
    blob = cache.pickle_definitions([group])
    assert blob is not None

    class Local:  # stands for a class declared in a user module
        pass

    Local.__module__ = "alerts._lib"
    assert cache.pickle_definitions([RuleGroup(name="g", rules=[], extra={"x": Local()})]) is None
    assert cache.pickle_definitions([RuleGroup(name="g", rules=[], extra={"f": lambda: 1})]) is None


def test_data_key_is_exact_and_refuses_objects() -> None:
    assert cache.data_key("yaml", {"a": [1, "x"]}) == cache.data_key("yaml", {"a": [1, "x"]})
    assert cache.data_key("yaml", {"a": 1, "b": 2}) != cache.data_key("yaml", {"b": 2, "a": 1})  # order is output
    assert cache.data_key("yaml", {"a": 1}) != cache.data_key("json", {"a": 1})
    assert cache.data_key("yaml", {"a": object()}) is None


def test_unreadable_or_stale_cache_reads_empty(tmp_path: Path) -> None:
    built = cache.BuildCache(fingerprint="f1", stages={"k": cache.StageEntry("key", ())})
    cache.write(tmp_path, built)
    assert cache.read(tmp_path, "f1").stages == {"k": cache.StageEntry("key", ())}
    assert cache.read(tmp_path, "f2").stages == {}
    cache.cache_path(tmp_path).write_bytes(b"\x80\x05garbage")
    assert cache.read(tmp_path, "f1") == cache.BuildCache(fingerprint="f1")
