"""Fixtures for the end-to-end tests: binaries (skip or fail), the run configuration."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from obs_as_code.e2e.project import load_scenarios
from obs_as_code.e2e.runner import Binaries, RunConfig, find_binaries
from obs_as_code.e2e.scenario import Scenario
from obs_as_code.validate import ToolMissing

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "e2e"
BUILD = ROOT / "build"


def alertmanager_config() -> Path:
    """The built routing when it exists, else the fixture with the same receivers."""
    built = BUILD / "alertmanager" / "alertmanager.yml"
    return built if built.is_file() else FIXTURES / "alertmanager.yml"


def require_binaries() -> Binaries:
    """The servers; skip on a developer machine without them, fail in CI (.ci/run installs them)."""
    try:
        return find_binaries()
    except ToolMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but the e2e binaries are missing: {exc}")
        pytest.skip(f"e2e needs prometheus and prometheus-alertmanager: {exc}")


def require_tool(name: str) -> str:
    """Path of ``name``; skip when absent on a developer machine, fail in CI."""
    found = shutil.which(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {name} is not installed (.ci/run installs it)")
        pytest.skip(f"{name} not installed (Debian: apt-get install prometheus prometheus-alertmanager)")
    return found


@pytest.fixture(scope="session")
def shipped() -> tuple[list[Scenario], RunConfig]:
    """The repository's scenarios and a run configuration over its build/."""
    scenarios, catalog, diagnostics = load_scenarios(ROOT)
    assert not diagnostics, diagnostics
    assert catalog is not None
    return scenarios, RunConfig(BUILD, alertmanager_config(), catalog, require_binaries())


def shipped_names() -> list[str]:
    """Scenario names for parametrization (loaded at collection time)."""
    scenarios, _, _ = load_scenarios(ROOT)
    return [s.name for s in scenarios]


def once_per_session(tmp_path_factory: pytest.TempPathFactory, name: str, compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``compute()`` once per test session, its JSON shared by every xdist worker:
    the first worker to take the lock runs it and writes ``<name>.json``, the others
    read that (one stack of servers, not one per worker)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return compute()
    # Under xdist the parent of the worker's basetemp is this session's own dir.
    shared: Path = tmp_path_factory.getbasetemp().parent
    path = shared / f"{name}.json"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.is_file():
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return data
        data = compute()
        path.write_text(json.dumps(data), encoding="utf-8")
        return data
