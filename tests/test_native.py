"""The mypyc-compiled modules: never stale, listed once, the same output as Python."""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import subprocess
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from obs_as_code import _native

REPO = Path(__file__).resolve().parents[1]
RENDER = "obs_as_code.dashboards.render"


def _package(tmp_path: Path, name: str, body: str) -> Path:
    """A package ``name`` under ``tmp_path`` (put on ``sys.path`` by the caller)
    whose module ``mod`` holds ``body``, with a file where its compiled module
    would be (not a real extension: the guard must never let it load)."""
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    source = package / "mod.py"
    source.write_text(body)
    source.with_suffix(importlib.machinery.EXTENSION_SUFFIXES[0]).write_bytes(b"not an extension")
    return source


@pytest.fixture
def guarded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., Path]]:
    """A factory of guarded packages: the module ``<name>.mod`` (and ``others``
    compiled with it) under a guard of their own, importable from ``tmp_path``;
    everything it imported is forgotten after."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(_native.PURE_ENV, raising=False)
    names: list[str] = []

    def make(name: str, body: str = "WHERE = 'source'\n", others: dict[str, Path] | None = None) -> Path:
        names.append(name)
        source = _package(tmp_path, name, body)
        finder = _native.CurrentSourceFinder({f"{name}.mod": source, **(others or {})})
        monkeypatch.setattr(sys, "meta_path", [finder, *sys.meta_path])
        return source

    yield make
    for name in names:
        for module in (name, f"{name}.mod"):
            sys.modules.pop(module, None)


def _stamp(source: Path, digest: str | None = None) -> None:
    _native.stamp_path(source).write_text((digest or _native.source_digest(source)) + "\n")


def test_a_stale_extension_is_passed_over_for_the_source(guarded: Callable[..., Path]) -> None:
    source = guarded("oac_probe_stale")
    _stamp(source, "0" * 64)  # compiled from other bytes
    assert _native.choose_all([source]) == "stale"
    with pytest.warns(RuntimeWarning, match=r"^mod\.py changed since compiled; running the 1 compiled modules as Python"):
        module = importlib.import_module("oac_probe_stale.mod")
    assert module.WHERE == "source"
    assert module.__file__ == str(source)


def test_no_stamp_counts_as_stale(guarded: Callable[..., Path]) -> None:
    source = guarded("oac_probe_nostamp")
    assert _native.choose_all([source]) == "stale"
    with pytest.warns(RuntimeWarning):
        assert importlib.import_module("oac_probe_nostamp.mod").WHERE == "source"


def test_a_current_extension_is_left_to_the_usual_import(guarded: Callable[..., Path]) -> None:
    source = guarded("oac_probe_current")
    _stamp(source)
    assert _native.choose_all([source]) == "compiled"
    # The guard steps aside, so the usual finder takes the (fake) extension.
    with pytest.raises(ImportError):
        importlib.import_module("oac_probe_current.mod")
    # One byte more in the source, and the same stamp no longer vouches for it.
    source.write_text("WHERE = 'source!'\n")
    assert _native.choose_all([source]) == "stale"


def test_one_stale_module_sends_all_compiled_with_it_to_python(tmp_path: Path, guarded: Callable[..., Path]) -> None:
    # Compiled together, the modules call each other in C: the current one must
    # not run compiled beside the stale one's source.
    edited = _package(tmp_path, "oac_probe_edited", "WHERE = 'edited'\n")
    _stamp(edited, "0" * 64)
    source = guarded("oac_probe_group", others={"oac_probe_edited.mod": edited})
    _stamp(source)
    assert _native.choose_all([source]) == "compiled"
    assert _native.choose_all([source, edited]) == "stale"
    with pytest.warns(RuntimeWarning, match=r"^mod\.py changed since compiled; running the 2 compiled"):
        assert importlib.import_module("oac_probe_group.mod").WHERE == "source"
    # One warning, at the first import: the verdict is kept for the rest.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert importlib.import_module("oac_probe_edited.mod").WHERE == "edited"
    sys.modules.pop("oac_probe_edited", None)
    sys.modules.pop("oac_probe_edited.mod", None)


def test_a_missing_extension_in_a_group_counts_as_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_native.PURE_ENV, raising=False)
    first = _package(tmp_path, "oac_probe_a", "")
    second = tmp_path / "b.py"
    second.write_text("")
    _stamp(first)
    _stamp(second)
    assert _native.choose_all([first, second]) == "stale"  # b.py was never compiled
    assert _native.choose_all([second]) == "python"


def test_pure_python_is_asked_for_with_an_environment_variable(
    guarded: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    source = guarded("oac_probe_pure")
    _stamp(source)
    monkeypatch.setenv(_native.PURE_ENV, "1")
    assert _native.choose_all([source]) == "pure"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # asked for: no warning
        assert importlib.import_module("oac_probe_pure.mod").WHERE == "source"
    monkeypatch.setenv(_native.PURE_ENV, "0")
    assert _native.choose_all([source]) == "compiled"


def test_a_module_without_extension_is_not_the_guards(tmp_path: Path) -> None:
    source = tmp_path / "plain.py"
    source.write_text("WHERE = 'source'\n")
    assert _native.choose_all([source]) == "python"
    finder = _native.CurrentSourceFinder({"pkg.plain": source})
    assert finder.find_spec("pkg.plain", [str(tmp_path)]) is None
    assert finder.find_spec("pkg.other", [str(tmp_path)]) is None  # not one of its modules


def test_importing_the_package_installs_the_guard_once() -> None:
    import obs_as_code

    obs_as_code._native.install()
    guards = [f for f in sys.meta_path if isinstance(f, _native.CurrentSourceFinder)]
    assert len(guards) == 1
    assert guards[0].sources == _native.compiled_sources()
    assert all(path.is_file() for path in guards[0].sources.values())


def test_the_makefile_compiles_the_modules_the_package_lists() -> None:
    makefile = (REPO / "Makefile").read_text()
    found = re.search(r"^NATIVE_SRC := ((?:.*\\\n)*.*)$", makefile, re.MULTILINE)
    assert found is not None
    assert tuple(found.group(1).replace("\\\n", " ").split()) == _native.COMPILED
    for rel in _native.COMPILED:
        assert (REPO / rel).is_file()


@pytest.mark.skipif(not os.environ.get("CI"), reason="CI compiles them (make setup); a checkout may not have")
def test_ci_runs_the_compiled_modules() -> None:
    import obs_as_code.dashboards.render as render

    assert _native.state() == "compiled"
    assert render.__file__ is not None and render.__file__.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))


_BUILD = """
import sys
from pathlib import Path
from typing import Any
from obs_as_code.pipeline import build
from obs_as_code import _native
result = build(Path(sys.argv[1]), out_dir=Path(sys.argv[2]))
assert result.ok, result.diagnostics[:3]
import {render} as module
print(_native.state(), module.__file__.rsplit(".", 1)[-1])
"""


def _build_in(out: Path, pure: bool) -> str:
    env = {k: v for k, v in os.environ.items() if k != _native.PURE_ENV}
    if pure:
        env[_native.PURE_ENV] = "1"
    done = subprocess.run(
        [sys.executable, "-c", _BUILD.format(render=RENDER), str(REPO), str(out)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_compiled_and_python_build_the_same_bytes(tmp_path: Path) -> None:
    # The shipped project, built by the compiled module and by render.py in two
    # processes: byte for byte the same (and both as committed in build/).
    compiled = _build_in(tmp_path / "compiled", pure=False)
    pure = _build_in(tmp_path / "python", pure=True)
    if compiled != "compiled so":
        pytest.skip("render is not compiled here (make setup compiles it)")
    assert pure == "pure py"
    assert _files(tmp_path / "compiled") == _files(tmp_path / "python") == _files(REPO / "build")


def _setup_module() -> object:
    import importlib.util

    spec = importlib.util.spec_from_file_location("oac_setup_py", REPO / "setup.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_build_stamps_what_the_guard_checks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    setup_py: object = _setup_module()
    monkeypatch.delenv("OAC_NATIVE", raising=False)
    assert setup_py.compiled_sources() == []  # type: ignore[attr-defined]  # compiling is asked for
    monkeypatch.setenv("OAC_NATIVE", "1")
    sources = setup_py.compiled_sources()  # type: ignore[attr-defined]
    assert tuple(sources) == _native.COMPILED
    written = setup_py.write_stamps(sources, tmp_path)  # type: ignore[attr-defined]
    assert written == [tmp_path / (rel + _native.STAMP_SUFFIX) for rel in sources]
    for rel in sources:
        # The stamp the build writes is the one the guard accepts for that source.
        assert _native.stamp_path(tmp_path / rel).read_text().strip() == _native.source_digest(REPO / rel)


def test_a_refused_compilation_leaves_no_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When mypyc refuses the sources (``native_extensions`` returns none), the
    build must not stamp them: the extensions left from an older source would
    then pass the guard as current (found after a merge left conflict markers in
    a module the compiled ones import)."""
    from setuptools import Distribution

    setup_py: Any = _setup_module()
    monkeypatch.setenv("OAC_NATIVE", "1")
    sources = setup_py.compiled_sources()
    setup_py.write_stamps(sources, tmp_path)
    cmd = setup_py.BuildNative(Distribution({"ext_modules": []}))
    cmd.initialize_options()
    cmd.build_lib = str(tmp_path)
    cmd.build_temp = str(tmp_path / "temp")
    cmd.inplace = False
    cmd.extensions = []
    cmd.run()
    assert [rel for rel in sources if _native.stamp_path(tmp_path / rel).exists()] == []


def test_compiled_and_python_keep_separate_caches(monkeypatch: pytest.MonkeyPatch) -> None:
    # The same source pickles its objects differently compiled and not: a cache
    # written by one is never read by the other.
    from obs_as_code import incremental

    monkeypatch.setattr(_native, "state", lambda: "compiled")
    compiled = incremental.fingerprint()
    monkeypatch.setattr(_native, "state", lambda: "pure")
    assert incremental.fingerprint() != compiled


def test_state_is_the_guards_verdict(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # What the cache's key and the benchmarks record is what the guard decided
    # for this process, decided once: the sources are not hashed again.
    source = _package(tmp_path, "oac_probe_state", "")
    guard = _native.CurrentSourceFinder({"oac_probe_state.mod": source})
    monkeypatch.setattr(sys, "meta_path", [guard, *[f for f in sys.meta_path if not isinstance(f, _native.CurrentSourceFinder)]])
    monkeypatch.delenv(_native.PURE_ENV, raising=False)
    with pytest.warns(RuntimeWarning):  # no stamp: stale
        assert _native.state() == "stale"
    _stamp(source)  # now current, but the verdict was made
    assert _native.state() == "stale" and guard.verdict == "stale"
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if f is not guard])
    assert _native.state() == _native.choose_all(list(_native.compiled_sources().values()))
