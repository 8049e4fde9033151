"""The cache file: what may be pickled, data keys, fingerprints."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from obs_as_code import cache
from obs_as_code.model.dashboard import DashboardDef
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
    # A dashboard's source holds anything (RuleGroup extra= takes plain data only).
    assert cache.pickle_definitions([DashboardDef(source={"x": Local()})]) is None
    assert cache.pickle_definitions([DashboardDef(source={"f": lambda: 1})]) is None
    # Verdicts are remembered per class: the plain classes pickled above do not
    # let a project class through on a second try, nor its class object.
    assert cache.pickle_definitions([DashboardDef(source={"x": Local()})]) is None
    assert cache.pickle_definitions([DashboardDef(source={"x": Local})]) is None
    assert cache.pickle_definitions([group]) == blob


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


# --- the index and its append-only pack of entries ---------------------------------------


def _artifact(name: str, content: cache.Blob) -> cache.CachedArtifact:
    return cache.CachedArtifact(name, b"d" * 10, "yaml", (), b"{}", content)


def _stage(*artifacts: cache.CachedArtifact) -> cache.StageEntry:
    return cache.StageEntry("k", (), artifacts)


def _pack_size(root: Path) -> int:
    packs = list((root / cache.CACHE_DIR).glob(f"{cache.PACK_PREFIX}*.pack"))
    assert len(packs) == 1, packs
    return packs[0].stat().st_size


def test_entries_round_trip_through_the_pack(tmp_path: Path) -> None:
    big = bytes(range(256)) * 40
    built = cache.BuildCache(fingerprint="f", stages={"s": _stage(_artifact("a.yaml", big), _artifact("b.yaml", b"small"))})
    cache.write(tmp_path, built)
    assert _pack_size(tmp_path) > len(big)
    assert cache.cache_path(tmp_path).stat().st_size < len(big)  # the index does not hold it
    cache._PACKS.clear()  # as a new process would
    assert cache.read(tmp_path, "f") == built


def test_entries_are_frozen() -> None:
    import dataclasses

    entry = _stage(_artifact("a", b"x"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.key = "other"  # type: ignore[misc]


def test_reused_entries_are_not_written_again(tmp_path: Path) -> None:
    one, two = b"1" * 5000, b"2" * 5000
    built = cache.BuildCache(fingerprint="f", stages={"a": _stage(_artifact("a", one)), "b": _stage(_artifact("b", two))})
    cache.write(tmp_path, built)
    size = _pack_size(tmp_path)
    cache._PACKS.clear()
    again = cache.read(tmp_path, "f")
    cache.write(tmp_path, again)  # the entries read are reused: the pack does not grow
    assert _pack_size(tmp_path) == size
    again.stages["b"] = _stage(_artifact("b", b"3" * 5000))
    cache.write(tmp_path, again)  # one new entry: appended, the rest stays
    assert size < _pack_size(tmp_path) < size * 2
    cache._PACKS.clear()
    found = cache.read(tmp_path, "f")
    assert found.stages["b"].artifacts[0].content == b"3" * 5000
    assert found.stages["a"].artifacts[0].content == one


def test_the_pack_is_compacted_when_mostly_garbage(tmp_path: Path) -> None:
    built = cache.BuildCache(fingerprint="f", stages={"s": _stage(_artifact("a", b"0" * 300_000))})
    cache.write(tmp_path, built)
    for i in range(1, 12):
        built.stages["s"] = _stage(_artifact("a", bytes([48 + i]) * 300_000))
        cache.write(tmp_path, built)
    assert _pack_size(tmp_path) <= 2 * 300_200 + (1 << 20)
    cache._PACKS.clear()
    assert cache.read(tmp_path, "f").stages["s"].artifacts[0].content == b";" * 300_000


def test_refs_into_a_pack_that_was_replaced_are_not_trusted(tmp_path: Path) -> None:
    # Another process compacted the pack away and a new one of the same name
    # appeared: this process's offsets into it mean nothing.
    built = cache.BuildCache(fingerprint="f", stages={"s": _stage(_artifact("a", b"x" * 9000))})
    cache.write(tmp_path, built)
    pack = next((tmp_path / cache.CACHE_DIR).glob(f"{cache.PACK_PREFIX}*.pack"))
    pack.write_bytes(b"")
    cache.write(tmp_path, built)
    cache._PACKS.clear()
    assert cache.read(tmp_path, "f") == built


def test_a_damaged_pack_reads_as_an_empty_cache(tmp_path: Path) -> None:
    built = cache.BuildCache(fingerprint="f", stages={"s": _stage(_artifact("a", b"x" * 9000))})
    cache.write(tmp_path, built)
    pack = next((tmp_path / cache.CACHE_DIR).glob(f"{cache.PACK_PREFIX}*.pack"))
    with pack.open("r+b") as fh:
        fh.truncate(100)
    cache._PACKS.clear()
    assert cache.read(tmp_path, "f") == cache.BuildCache(fingerprint="f")
    with pack.open("r+b") as fh:
        fh.truncate(0)
        fh.write(b"\x80\x05" + b"?" * 9000)  # right length, not a pickle
    assert cache.read(tmp_path, "f") == cache.BuildCache(fingerprint="f")
    pack.unlink()
    assert cache.read(tmp_path, "f") == cache.BuildCache(fingerprint="f")


def test_big_byte_strings_are_read_as_views_and_not_written_again(tmp_path: Path) -> None:
    content = b"c" * 50_000
    built = cache.BuildCache(fingerprint="f", stages={"a": _stage(_artifact("a", content))})
    cache.write(tmp_path, built)
    size = _pack_size(tmp_path)
    cache._PACKS.clear()
    again = cache.read(tmp_path, "f")
    (read_back,) = again.stages["a"].artifacts
    assert isinstance(read_back.content, memoryview) and read_back.content == content
    # A new entry holding the same artifact: its pickle is appended, the blob is not.
    again.stages["b"] = cache.StageEntry("other key", (), (read_back,))
    cache.write(tmp_path, again)
    assert size < _pack_size(tmp_path) < size + 1024
    cache._PACKS.clear()
    assert cache.read(tmp_path, "f").stages["b"].artifacts[0].content == content


def test_a_cached_artifact_gives_bytes() -> None:
    from obs_as_code.incremental import _from_cached

    (artifact,) = _from_cached([_artifact("a.yaml", memoryview(b"x: 1\n" * 400))])
    assert type(artifact.content) is bytes and artifact.content == b"x: 1\n" * 400
