"""Helpers for the SLO tests: compile SLOs in memory, write rule files, find
promtool, write throwaway projects. (A module, not a conftest.py: the suite's
tests import the top-level ``conftest`` by name.)"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from obs_as_code.model.rules import RuleGroup
from obs_as_code.render.prometheus import render_group
from obs_as_code.serialize import dump_yaml
from obs_as_code.slo.generate import generate_slo
from obs_as_code.slo.model import SLO
from tests.golden import assert_golden_file

REPO = Path(__file__).resolve().parents[2]
SLOTH_MIRROR = Path(os.environ.get("OAC_SLOTH_MIRROR", "/work/.mirror/slok+sloth/repo"))


def groups_of(slo: SLO, root: Path | None = None) -> list[RuleGroup]:
    """The rule groups generated for ``slo`` (fails on generator errors; a
    warning, such as OAC213 for a severity of Sloth's examples, still generates)."""
    generated, problems = generate_slo(slo, root)
    errors = [p for p in problems if p.severity.value == "error"]
    assert not errors, [str(p) for p in errors]
    return [d for d in generated if isinstance(d, RuleGroup)]


def rules_yaml(groups: list[RuleGroup]) -> str:
    """A Prometheus rule file holding ``groups``."""
    return dump_yaml({"groups": [render_group(g) for g in groups]})


def need_promtool() -> str:
    """The real promtool; skipped on a machine without it, required in CI."""
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is required in CI")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    return found


GOLDEN = Path(__file__).resolve().parent / "golden"


def check_golden(name: str, text: str) -> None:
    """Compare ``text`` with ``golden/<name>`` (beside these tests)."""
    assert_golden_file(GOLDEN / name, text)


def make_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: source}`` into ``root`` and return it."""
    import textwrap

    root.mkdir(parents=True, exist_ok=True)
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root
