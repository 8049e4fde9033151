"""``oac watch``: rebuild when a module changes; report only what changed.

Polls the modification times of the project's modules (no dependency, no OS
notification API to go wrong on network or container file systems); a rebuild is
incremental (:mod:`obs_as_code.incremental`), so one saved file costs one module.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from obs_as_code.diagnostics import Diagnostic, ordered
from obs_as_code.discover import PROJECT_DIRS
from obs_as_code.redact import redact_line

#: path -> (mtime_ns, size) of every module under the project folders.
Snapshot = dict[str, tuple[int, int]]


def snapshot(root: Path, dirs: Sequence[str] = PROJECT_DIRS) -> Snapshot:
    """The state of every ``*.py`` under the project folders (added, removed, edited)."""
    out: Snapshot = {}
    for top in dirs:
        base = root / top
        if not base.is_dir():
            continue
        for path in base.rglob("*.py"):
            if "__pycache__" in path.parts:
                continue
            try:
                st = path.stat()
            except OSError:  # removed between listing and stat: the next poll sees it
                continue
            out[path.relative_to(root).as_posix()] = (st.st_mtime_ns, st.st_size)
    return out


def changed_paths(before: Snapshot, after: Snapshot) -> list[str]:
    """Modules added, removed or modified between two snapshots."""
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


@dataclass
class Cycle:
    """One rebuild: what triggered it, the diagnostics that appeared and went away."""

    number: int
    changed: list[str]
    seconds: float
    added: list[Diagnostic] = field(default_factory=list)
    fixed: list[Diagnostic] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    wrote: bool = False
    files_changed: int = 0
    failure: str | None = None


def diff_diagnostics(old: Sequence[Diagnostic], new: Sequence[Diagnostic]) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """(appeared, went away) between two builds' diagnostics."""
    before, after = set(old), set(new)
    return ordered(after - before), ordered(before - after)


def watch(
    root: Path,
    out_dir: Path | None = None,
    *,
    interval: float = 0.5,
    max_cycles: int | None = None,
    on_cycle: Callable[[Cycle], None] = lambda cycle: None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[Cycle]:
    """Build now, then again whenever a module changes, until ``max_cycles`` builds
    (forever when None). ``on_cycle`` gets each build's result as it happens."""
    from obs_as_code.incremental import Memory, settle
    from obs_as_code.pipeline import build

    root = root.resolve()
    memory = Memory()
    cycles: list[Cycle] = []
    previous: list[Diagnostic] = []
    state: Snapshot = {}
    changed = ["first build"]
    number = 0
    while max_cycles is None or number < max_cycles:
        if number:
            sleep(interval)
            now = snapshot(root)
            changed = changed_paths(state, now)
            if not changed:
                continue
        state = snapshot(root)
        number += 1
        start = time.perf_counter()
        try:
            result = build(root, out_dir, incremental=True, memory=memory)
        except Exception as exc:  # a crashing stage must not end the session
            # Its text may quote a value: URL passwords and secret-named values masked.
            failure = f"{type(exc).__name__}: {redact_line(str(exc))}"
            cycle = Cycle(number, changed, time.perf_counter() - start, failure=failure)
        else:
            added, fixed = diff_diagnostics(previous, result.diagnostics)
            previous = list(result.diagnostics)
            diff = result.diff
            cycle = Cycle(
                number,
                changed,
                time.perf_counter() - start,
                added,
                fixed,
                list(result.diagnostics),
                result.wrote,
                len(diff.added) + len(diff.changed) + len(diff.removed),
            )
        cycles.append(cycle)
        on_cycle(cycle)
        # While the user reads the result: the rule summaries the next rule edit
        # would otherwise take then (incremental.settle), and the garbage of the
        # build's cycles (it ran with the cyclic collector paused, see gcpause: a
        # million objects after the first build of the benchmark project, ten
        # thousand after a rebuild), which the automatic collector found in the
        # middle of a later rebuild (1.4-1.8 s, every seventh or so).
        settle(memory)
        gc.collect()
    return cycles
