"""Helpers shared by the test suite: the repo root, the CLI, real binaries.

A module with a unique name (not ``conftest``): several test folders have their
own conftest.py, and ``from conftest import`` would pick whichever came first."""

from __future__ import annotations

import importlib.util
import os
import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner, Result

from obs_as_code.cli import cli

REPO = Path(__file__).resolve().parent.parent

ProjectFactory = Callable[[dict[str, str]], Path]


def run_oac(*args: str) -> Result:
    """Invoke ``oac`` in-process; stdout and stderr are kept apart."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def tree_snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (for 'left untouched' assertions)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def setting_refused(root: Path, command: str, message: str) -> None:
    """``oac COMMAND -C root`` refuses the project's pyproject.toml settings as a
    usage error (exit 2) naming the file and saying ``message``, without a traceback."""
    result = run_oac(command, "-C", str(root))
    assert result.exit_code == 2
    assert "pyproject.toml" in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.output


def build_fails(root: Path, files: dict[str, str]) -> str:
    """Write ``files`` (path relative to ``root`` -> text) into the built project
    ``root`` and build it: the build fails (exit 1, no traceback) and leaves
    build/ as it was. Its stderr."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    before = tree_snapshot(root / "build")
    result = run_oac("build", "-C", str(root))
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "build/ left unchanged" in result.stderr
    assert tree_snapshot(root / "build") == before
    return result.stderr


def need_binary(name: str) -> str:
    """Path of a real binary; skip on a developer machine without it, fail in CI."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is required in CI (.ci/run installs it)")
        pytest.skip(f"{name} not installed (apt-get install prometheus prometheus-alertmanager)")
    return found


#: A module declaring one valid alert: a project that builds.
GOOD_ALERT = """
from obs_as_code import AlertRule, RuleGroup

g = RuleGroup(name="good", rules=[AlertRule(name="Up", expr="up == 0", for_="5m")])
"""


#: A build's files and diagnostics: ``({path: bytes}, [repr(diagnostic)])``.
BuildResult = tuple[dict[str, bytes], list[str]]


def incremental_and_clean(root: Path) -> tuple[BuildResult, BuildResult]:
    """The incremental build of ``root`` (which must not fall back to a clean one)
    and a clean build, as comparable data: equal when the cache was right."""
    from obs_as_code import incremental, pipeline

    cached = incremental.compile_incremental(root)
    assert incremental.last_run.fallback is None, incremental.last_run.fallback
    clean = pipeline.compile_project(root)
    made = [({a.path: a.content for a in c.artifacts}, [repr(d) for d in c.diagnostics]) for c in (cached, clean)]
    return made[0], made[1]



def write_files(root: Path, files: dict[str, str]) -> Path:
    """Write each ``path: text`` under ``root`` (the text dedented), creating folders."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def load_file_module(name: str, path: Path) -> ModuleType:
    """The Python file at ``path`` (a tool, a benchmark) imported as module ``name``."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
