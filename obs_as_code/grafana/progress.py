"""A minimal progress bar for publish, shown only to a human at a terminal."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO


def wants_progress(stream: TextIO, fmt: str = "text", env: Mapping[str, str] | None = None) -> bool:
    """True when ``stream`` is a terminal, not in CI, and output is not JSON."""
    env = os.environ if env is None else env
    if fmt == "json" or env.get("CI") or env.get("GITHUB_ACTIONS"):
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """``publishing [#####.....] 50/100`` redrawn in place on ``stream``."""

    def __init__(self, stream: TextIO, label: str = "publishing", width: int = 30) -> None:
        self.stream = stream
        self.label = label
        self.width = width
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line (only when something was drawn)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
