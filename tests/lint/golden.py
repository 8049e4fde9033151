"""Snapshot files: compare, or rewrite them when OAC_UPDATE_GOLDEN=1."""

from __future__ import annotations

from pathlib import Path

from tests.golden import assert_golden_file


def check_golden(path: Path, actual: str) -> None:
    """Assert ``actual`` equals the snapshot at ``path`` (written when updating)."""
    assert_golden_file(path, actual)
