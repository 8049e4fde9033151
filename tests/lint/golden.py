"""Snapshot files: compare, or rewrite them when OAC_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path


def check_golden(path: Path, actual: str) -> None:
    """Assert ``actual`` equals the snapshot at ``path`` (written when updating)."""
    if os.environ.get("OAC_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.is_file(), f"missing snapshot {path}; run with OAC_UPDATE_GOLDEN=1"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{path.name} differs; review and run with OAC_UPDATE_GOLDEN=1"
