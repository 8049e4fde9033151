"""Golden files: compare generated text with a committed copy (``OAC_UPDATE_GOLDEN=1`` rewrites it)."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(relpath: str, text: str) -> None:
    """``text`` equals ``tests/golden/<relpath>``; with OAC_UPDATE_GOLDEN=1 the file is rewritten."""
    path = GOLDEN / relpath
    if os.environ.get("OAC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}: run with OAC_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{relpath} differs from the golden file (OAC_UPDATE_GOLDEN=1 to accept)"
