"""Validators over ``build/``: the only code that runs external binaries."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


class ToolMissing(Exception):
    """A validator's binary is not installed; the message says how to get it."""


def find_tool(name: str, package: str) -> str:
    """Path of binary ``name`` (``$OAC_<NAME>`` overrides ``$PATH``)."""
    override = os.environ.get(f"OAC_{name.upper()}")
    if override:
        if Path(override).is_file():
            return override
        raise ToolMissing(f"OAC_{name.upper()}={override} does not exist")
    found = shutil.which(name)
    if found is None:
        raise ToolMissing(
            f"{name} not found on PATH: install it (Debian/Ubuntu: "
            f"`sudo apt-get install {package}`, or download it from prometheus.io) "
            f"or set OAC_{name.upper()} to its path"
        )
    return found
