"""Package attributes resolved on first use (PEP 562), for the packages whose
re-exports would otherwise import (and create the dataclasses of) every module."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Collection, Mapping
from typing import Any


def exports(
    package: str, names: Mapping[str, str], submodules: Collection[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``: ``names`` maps an exported name
    to the module defining it; ``submodules`` may be read as attributes too."""
    namespace = importlib.import_module(package).__dict__

    def getattr_(name: str) -> Any:
        module = names.get(name)
        if module is None:
            if name in submodules:  # package.submodule read as an attribute
                return importlib.import_module(f"{package}.{name}")
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value  # later lookups skip __getattr__
        return value

    def dir_() -> list[str]:
        return sorted([*namespace, *names])

    return getattr_, dir_
