"""Build hooks: ship the check docs (docs/lint/*.md) inside the package, and
compile the modules of ``obs_as_code._native.COMPILED`` with mypyc.

``oac lint --explain CODE`` reads ``obs_as_code/data/lint/CODE.md`` when
installed and ``docs/lint/CODE.md`` in a source checkout; the pages live once,
in docs/, and are copied into the wheel here.

Compiling is asked for with ``OAC_NATIVE=1`` (``make setup`` runs
``setup.py build_ext --inplace`` so in the project's venv, whose mypy and
dependencies mypyc needs: it type-checks the module with them, which pip's
isolated build environment cannot). The compiled modules are an accelerator,
never a requirement: without it, without mypyc or a C compiler, the package is
pure Python, and a failed compilation falls back to it with a message. Beside
each extension the build records its source's sha256 (see
obs_as_code/_native.py: a stale extension is never used). Everything else is
in pyproject.toml.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

from setuptools import setup  # type: ignore[import-untyped]
from setuptools.command.build_ext import build_ext  # type: ignore[import-untyped]
from setuptools.command.build_py import build_py  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent


def _load_native() -> Any:
    """obs_as_code/_native.py on its own (it imports only the standard library),
    not through the package, whose dependencies need not be installed while it
    builds: the list of modules to compile and the stamp the guard checks."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_oac_native_for_setup", HERE / "obs_as_code" / "_native.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_native = _load_native()


def copy_lint_docs(build_lib: str | Path) -> list[Path]:
    """Copy docs/lint/*.md into ``build_lib``/obs_as_code/data/lint/."""
    target = Path(build_lib) / "obs_as_code" / "data" / "lint"
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for page in sorted((HERE / "docs" / "lint").glob("*.md")):
        shutil.copy2(page, target / page.name)
        copied.append(target / page.name)
    return copied


class BuildWithLintDocs(build_py):  # type: ignore[misc]
    """``build_py`` that also copies the check docs."""

    def run(self) -> None:
        super().run()
        copy_lint_docs(self.build_lib)


def compiled_sources() -> list[str]:
    """The sources to compile, relative to this directory (none unless
    ``OAC_NATIVE=1``)."""
    if os.environ.get("OAC_NATIVE") != "1":
        return []
    return list(_native.COMPILED)


def remove_stamps(sources: list[str], *roots: Path) -> None:
    """Remove the stamps :func:`write_stamps` made: the guard then counts the
    extensions stale and imports the sources."""
    for rel in sources:
        for root in roots:
            _native.stamp_path(root / rel).unlink(missing_ok=True)


def write_stamps(sources: list[str], *roots: Path) -> list[Path]:
    """Record each source's sha256 beside it under every root (the source tree
    for an in-place or editable build, the build directory for a wheel), as the
    guard reads it (``_native.stamp_path``, ``_native.source_digest``)."""
    written = []
    for rel in sources:
        digest = _native.source_digest(HERE / rel)
        for root in roots:
            stamp = _native.stamp_path(root / rel)
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(digest + "\n", encoding="ascii")
            written.append(stamp)
    return written


class BuildNative(build_ext):  # type: ignore[misc]
    """``build_ext`` that records what it compiled, and falls back to pure Python
    when compiling fails (no compiler, no Python headers)."""

    def run(self) -> None:
        roots = [Path(self.build_lib)]
        if self.inplace or getattr(self, "editable_mode", False):
            roots.append(HERE)
        if compiled_sources() and not self.extensions:
            # mypyc refused the sources (a type or syntax error): the extensions
            # beside them, if any, are an older source's. Stamping the new source
            # would make the guard load them (a merge's conflict markers once did);
            # without a stamp it runs the .py files.
            remove_stamps(compiled_sources(), *roots)
            return
        try:
            super().run()
        except Exception as exc:  # any failure (no compiler, no headers): pure Python
            print(f"obs-as-code: compiling {', '.join(compiled_sources())} failed ({exc}); installing pure Python", file=sys.stderr)
            remove_stamps(compiled_sources(), *roots)
            return
        write_stamps(compiled_sources(), *roots)


def native_extensions() -> list[Any]:
    """mypyc's extensions for :func:`compiled_sources`; none when mypyc is missing."""
    sources = compiled_sources()
    if not sources:
        return []
    try:
        from mypyc.build import mypycify
    except ImportError:
        print("obs-as-code: mypyc is not installed; installing pure Python", file=sys.stderr)
        return []
    # C sources go to .mypyc-build/, not mypyc's default build/ (the project's output).
    try:
        # The modules share one runtime library, named into the package (by default
        # mypyc makes it a top-level module, which only the repository root can import).
        return list(mypycify(sources, target_dir=".mypyc-build", opt_level="3", group_name="obs_as_code._compiled"))
    except (Exception, SystemExit) as exc:  # mypyc exits on a type error: pure Python then
        print(f"obs-as-code: mypyc could not compile {', '.join(sources)} ({exc}); installing pure Python", file=sys.stderr)
        return []


if __name__ == "__main__":
    setup(cmdclass={"build_py": BuildWithLintDocs, "build_ext": BuildNative}, ext_modules=native_extensions())
