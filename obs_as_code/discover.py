"""Which modules make up a project."""

from __future__ import annotations

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
    """Every ``*.py`` under the project folders, sorted, as :class:`ModuleRef`."""
    found: list[ModuleRef] = []
    for top in dirs:
        base = root / top
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.py")):
            rel = path.relative_to(root)
            if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
                continue
            parts = list(rel.with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found.append(ModuleRef(rel.as_posix(), ".".join(parts)))
    return found
