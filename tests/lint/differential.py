"""``oac lint`` against ``promtool check rules`` on the same rule files: the
verdict of each (refused or not: warnings do not count) and what it said."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from obs_as_code.diagnostics import Severity
from obs_as_code.lint.api import lint


def promtool_verdicts(promtool: str, files: list[Path], batch: int = 400) -> dict[str, str | None]:
    """promtool's errors for each file it refuses, None for a file it accepts
    (by file name). Its errors go to stderr, each first line headed by the
    file's path; "  FAILED:" and "lint error ..." (duplicate rules: a warning,
    the exit code stays 0) are not errors."""
    out: dict[str, str | None] = {}
    for start in range(0, len(files), batch):
        chunk = files[start:start + batch]
        proc = subprocess.run([promtool, "check", "rules", *map(str, chunk)], capture_output=True, text=True, check=False)
        said: dict[str, list[str]] = {}
        current: str | None = None
        heads = {f"{f}: ": f.name for f in chunk}
        for line in proc.stderr.splitlines():
            head = line[: line.find(": ") + 2] if ": " in line else ""
            if head in heads:
                current = heads[head]
                said.setdefault(current, []).append(line[len(head):])
            elif line.startswith("  FAILED:") or line.startswith("lint error"):
                current = None
            elif current is not None and line.startswith("  "):
                said[current].append(line)
            else:
                current = None
        for name in re.findall(r"^Checking (.*)$", proc.stdout, flags=re.M):
            key = Path(name).name
            out[key] = "\n".join(said[key]) if key in said else None
    missing = [f.name for f in files if f.name not in out]
    assert not missing, f"promtool said nothing of {missing[:5]}"
    return out


def oac_verdicts(directory: Path) -> dict[str, list[str]]:
    """``oac lint``'s errors (``LINE:COL: CODE message``) for each file in ``directory``, by file name."""
    found: dict[str, list[str]] = {p.name: [] for p in directory.iterdir()}
    for d in lint(directory, [directory]):
        if d.severity is Severity.ERROR:
            found.setdefault(Path(d.location.file).name, []).append(f"{d.location.line}:{d.location.col}: {d.code} {d.message}")
    return found


def disagreements(promtool: str, directory: Path) -> list[tuple[str, str | None, list[str]]]:
    """(file name, promtool's error, our errors) of every file in ``directory``
    that one of them refuses and the other does not."""
    files = sorted(directory.iterdir())
    theirs = promtool_verdicts(promtool, files)
    ours = oac_verdicts(directory)
    return [(f.name, theirs[f.name], ours[f.name]) for f in files if (theirs[f.name] is None) == bool(ours[f.name])]
