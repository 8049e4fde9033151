"""Which modules run compiled, and a guard that a compiled module is never stale.

The modules in :data:`COMPILED` are compiled with mypyc by ``make setup``
(``setup.py build_ext --inplace`` with ``OAC_NATIVE=1``), which puts each
extension beside its source; Python's import prefers an extension to a ``.py``
of the same name. They are the hot part of a large dashboard build (compiled, a
build of 200 dashboards takes 16% fewer instructions, docs/scale.md) and the
writer of the rule files' YAML.

A compiled module is used only while it was built from the source now on disk:
the build writes the source's sha256 beside the extension (``render.py`` ->
``render.py.mypyc-sha256``), and the import hook :func:`install` puts first on
``sys.meta_path`` (``import obs_as_code`` does) loads the ``.py`` instead when
the two differ (an edit since the last ``make setup``), with a warning naming
the command that compiles again. ``OAC_PURE_PYTHON=1`` always loads the ``.py``
(Python's tracebacks and debuggers; comparing both).
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

#: Source files compiled with mypyc, relative to the repository root (the
#: Makefile's NATIVE_SRC lists the same; a test keeps them equal).
COMPILED: tuple[str, ...] = (
    "obs_as_code/_yaml_fast.py",
    "obs_as_code/dashboards/render.py",
    "obs_as_code/lint/files.py",
    "obs_as_code/lint/rules/_dashboards.py",
    "obs_as_code/lint/rules/oac301_panel_rate_unaggregated.py",
    "obs_as_code/lint/rules/oac303_duplicate_panel.py",
    "obs_as_code/lint/rules/oac304_grid_overlap.py",
    "obs_as_code/lint/rules/oac306_template_variables.py",
    "obs_as_code/lint/rules/oac307_undeclared_datasource.py",
    "obs_as_code/lint/rules/oac506_undefined_recording_rule.py",
)
#: Suffix of the file beside a compiled module holding its source's sha256.
STAMP_SUFFIX = ".mypyc-sha256"
#: Environment variable that makes every compiled module load from its ``.py``.
PURE_ENV = "OAC_PURE_PYTHON"


def module_name(rel: str) -> str:
    """``obs_as_code/dashboards/render.py`` -> ``obs_as_code.dashboards.render``."""
    return rel.removesuffix(".py").replace("/", ".")


def source_digest(source: Path) -> str:
    """sha256 of a module's source bytes, as the build records it."""
    import hashlib  # here: `oac --help` imports this module and needs no hashing

    return hashlib.sha256(source.read_bytes()).hexdigest()


def stamp_path(source: Path) -> Path:
    """Where the build records the sha256 of ``source`` it compiled."""
    return source.with_name(source.name + STAMP_SUFFIX)


def compiled_file(source: Path) -> Path | None:
    """The extension module beside ``source`` (``render.cpython-311-...so``), if any."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        candidate = source.with_suffix(suffix)
        if candidate.exists():
            return candidate
    return None


def is_current(source: Path) -> bool:
    """Whether the extension beside ``source`` was built from its present bytes."""
    try:
        recorded = stamp_path(source).read_text(encoding="ascii").strip()
    except OSError:
        return False
    return recorded == source_digest(source)


def choose_all(sources: Sequence[Path]) -> str:
    """What importing the modules of ``sources``, compiled together, should load:
    ``"compiled"`` (their extensions) only when every one has an extension
    built from its present source, ``"python"`` when none has one, ``"pure"``
    when ``$OAC_PURE_PYTHON`` asks, else ``"stale"``. All or none, because mypyc
    calls between the modules it compiled together in C: one module loaded from
    its ``.py`` would not be called by the others, which would still run its
    compiled (stale) code."""
    present = [compiled_file(s) is not None for s in sources]
    if not any(present):
        return "python"
    if os.environ.get(PURE_ENV, "") not in ("", "0"):
        return "pure"
    return "compiled" if all(present) and all(map(is_current, sources)) else "stale"


class CurrentSourceFinder:
    """Import hook (a ``sys.meta_path`` finder) for the modules of ``sources``
    (module name -> its ``.py``), compiled together: when :func:`choose_all`
    says their extensions must not be used, the spec of each one's ``.py``;
    else nothing (the usual finders then find the extension first). Decided at
    the first import of one of them, with one warning for all. Not an
    ``importlib.abc.MetaPathFinder``: importing that module would add 15 ms to
    every ``oac`` command, ``--help`` included."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources
        self.verdict: str | None = None

    def decide(self) -> str:
        """:func:`choose_all` of the sources, made once (warning when stale)."""
        if self.verdict is None:
            self.verdict = choose_all(list(self.sources.values()))
            if self.verdict == "stale":
                import warnings

                changed = [s.name for s in self.sources.values() if compiled_file(s) is None or not is_current(s)]
                warnings.warn(
                    f"{', '.join(changed)} changed since compiled; running the {len(self.sources)} "
                    "compiled modules as Python (`make setup` compiles them again)",
                    RuntimeWarning,
                    stacklevel=3,
                )
        return self.verdict

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        source = self.sources.get(fullname)
        if source is None:
            return None
        if self.decide() in ("stale", "pure"):
            import importlib.util

            return importlib.util.spec_from_file_location(fullname, source)
        return None


#: The directory :data:`COMPILED` paths are relative to (holding ``obs_as_code/``).
ROOT = Path(__file__).resolve().parents[1]


def compiled_sources() -> dict[str, Path]:
    """Module name -> source file of every module of :data:`COMPILED`."""
    return {module_name(rel): ROOT / rel for rel in COMPILED}


def install() -> None:
    """Put the guard for :data:`COMPILED` first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, CurrentSourceFinder) for f in sys.meta_path):
        sys.meta_path.insert(0, CurrentSourceFinder(compiled_sources()))


def state() -> str:
    """What an import of the compiled modules loads: the installed guard's
    verdict (made now if no import has asked yet), so that the cache's key and
    a benchmark's record say what this process runs; :func:`choose_all` when
    no guard is installed."""
    guard = next((f for f in sys.meta_path if isinstance(f, CurrentSourceFinder)), None)
    return guard.decide() if guard is not None else choose_all(list(compiled_sources().values()))
