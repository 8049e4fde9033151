"""Golden files: compare generated text with a committed copy (``OAC_UPDATE_GOLDEN=1`` rewrites it)."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden_file(path: Path, text: str) -> None:
    """``text`` equals the golden file at ``path``; with OAC_UPDATE_GOLDEN=1 the file
    is rewritten. The one implementation every test folder's helper calls."""
    if os.environ.get("OAC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}: run with OAC_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from its golden file (OAC_UPDATE_GOLDEN=1 to accept)"


def assert_golden(relpath: str, text: str) -> None:
    """``text`` equals ``tests/golden/<relpath>``."""
    assert_golden_file(GOLDEN / relpath, text)
