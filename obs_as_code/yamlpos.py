"""Positions inside YAML text: data path <-> line and column.

Used to point diagnostics about YAML (ours or a user's) at the right line, and to
map a line that promtool complains about back to the definition that produced it.
"""

from __future__ import annotations

from typing import Any

import yaml

Path_ = tuple[str | int, ...]

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def positions(text: str) -> dict[Path_, tuple[int, int]]:
    """Every node's data path -> 1-based ``(line, col)`` of its value (keys' own
    positions are stored under the path plus ``"<key>"``)."""
    out: dict[Path_, tuple[int, int]] = {}
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return out
    if root is None:
        return out
    stack: list[tuple[Any, Path_]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        out[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*path, str(key.value))
                out[(*child, "<key>")] = (key.start_mark.line + 1, key.start_mark.column + 1)
                stack.append((value, child))
        elif isinstance(node, yaml.SequenceNode):
            for i, value in enumerate(node.value):
                stack.append((value, (*path, i)))
    return out


def path_at(text: str, line: int) -> Path_:
    """The deepest data path whose node starts at or before ``line`` (1-based)."""
    best: Path_ = ()
    best_line = 0
    for path, (ln, _col) in positions(text).items():
        if path and path[-1] == "<key>":
            continue
        if best_line <= ln <= line and (ln > best_line or len(path) > len(best)):
            best, best_line = path, ln
    return best
