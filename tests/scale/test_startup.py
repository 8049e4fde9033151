"""``oac --help`` imports only what it needs (the speed itself is a benchmark)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

#: Heavy modules that no command needs to show help.
HEAVY = ("yaml", "promql_parser", "grafanalib", "grafana_foundation_sdk", "jsonschema", "requests", "obs_as_code.model", "obs_as_code.pipeline")


def imported_by(code: str) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    return set(out.stdout.split())


def test_help_imports_nothing_heavy() -> None:
    loaded = imported_by(
        "from obs_as_code.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert "click" in loaded  # the probe ran
    assert sorted(m for m in loaded if m.split(".")[0] in HEAVY or m in HEAVY) == []


def test_package_exports_resolve_lazily() -> None:
    loaded = imported_by("import obs_as_code")
    assert "obs_as_code.model" not in loaded
    import obs_as_code

    for name in obs_as_code.__all__:
        assert getattr(obs_as_code, name).__name__ == name
    assert set(obs_as_code.__all__) <= set(dir(obs_as_code))
