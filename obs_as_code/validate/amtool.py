"""``amtool check-config`` over ``build/alertmanager`` and routing tests with
``amtool config routes test``.

Findings map back to the Python line of the route, receiver, inhibit rule or
time interval they are about (via the artifact's source map).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from obs_as_code import names
from obs_as_code.artifacts import Artifact
from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.source import SourceLocation
from obs_as_code.validate import find_tool
from obs_as_code.yamlpos import path_at

_LINE = re.compile(r"\bline (\d+):")
_QUOTED = re.compile(r'"([^"]+)"')


def _config_artifact(artifacts: Sequence[Artifact]) -> Artifact | None:
    return next((a for a in artifacts if a.path == names.ALERTMANAGER_CONFIG), None)


def locate(artifact: Artifact, message: str) -> SourceLocation | None:
    """The user's line an amtool message is about, when it can be told."""
    smap = artifact.source_map
    line = _LINE.search(message)
    if line is not None:
        path = path_at(artifact.content.decode(), int(line.group(1)))
        while path:
            if path in smap:
                return smap[path]
            path = path[:-1]
    data = artifact.data if isinstance(artifact.data, dict) else {}
    # Semantic errors name the receiver or time interval in quotes.
    for name in _QUOTED.findall(message):
        for section in ("receivers", "time_intervals"):
            for i, item in enumerate(data.get(section, [])):
                if isinstance(item, dict) and item.get("name") == name and (section, i) in smap:
                    if "used in route" in message or "undefined" in message:
                        route = _route_using(data.get("route", {}), name, ("route",))
                        if route is not None and route in smap:
                            return smap[route]
                    return smap[(section, i)]
        route = _route_using(data.get("route", {}), name, ("route",))
        if route is not None and route in smap:
            return smap[route]
    return smap.get(())


def _route_using(route: Mapping[str, Any], name: str, path: tuple[str | int, ...]) -> tuple[str | int, ...] | None:
    refs = [
        route.get("receiver"),
        *(route.get("mute_time_intervals") or []),
        *(route.get("active_time_intervals") or []),
    ]
    if name in refs:
        return path
    children: list[Mapping[str, Any]] = route.get("routes") or []
    for i, child in enumerate(children):
        found = _route_using(child, name, (*path, "routes", i))
        if found is not None:
            return found
    return None


def check(build_dir: Path, artifacts: Sequence[Artifact]) -> list[Diagnostic]:
    """Run ``amtool check-config`` on ``build_dir/alertmanager/alertmanager.yml``."""
    config = build_dir / names.ALERTMANAGER_CONFIG
    if not config.is_file():
        return []
    amtool = find_tool("amtool", "prometheus-alertmanager")
    proc = subprocess.run(
        [amtool, "check-config", str(config)], capture_output=True, text=True, check=False
    )
    if proc.returncode == 0:
        return []
    artifact = _config_artifact(artifacts)
    out: list[Diagnostic] = []
    for raw in (proc.stdout + proc.stderr).splitlines():
        text = raw.strip()
        if not text or text.startswith(("Found:", "- ", "SUCCESS", "amtool: error: failed to validate")):
            continue
        text = text.replace(f"Checking '{config}'", "").strip()
        if text == "SUCCESS":
            # The config read, its templates did not: amtool prints FAILED later.
            continue
        if text.startswith("FAILED:"):
            text = text.removeprefix("FAILED:").strip()
        if not text or text == "yaml: unmarshal errors:":
            # A header: the lines after it carry the details, each with its line.
            continue
        loc = locate(artifact, text) if artifact is not None else None
        out.append(error(loc or SourceLocation(f"build/{names.ALERTMANAGER_CONFIG}"), "OAC902", f"amtool check-config: {text}"))
    return out


@dataclass(frozen=True)
class RouteResult:
    """The receivers amtool resolved for a label set, or its error output."""

    receivers: tuple[str, ...]
    error: str | None = None


def label_args(labels: Mapping[str, str]) -> list[str]:
    """Labels as amtool matcher arguments (``name="value"``, quotes escaped)."""
    out = []
    for key in sorted(labels):
        value = labels[key].replace("\\", "\\\\").replace('"', '\\"')
        out.append(f'{key}="{value}"')
    return out


def route(config: Path, labels: Mapping[str, str], amtool: str | None = None) -> RouteResult:
    """Where Alertmanager's routing tree in ``config`` sends an alert with ``labels``."""
    amtool = amtool or find_tool("amtool", "prometheus-alertmanager")
    proc = subprocess.run(
        [amtool, "config", "routes", "test", f"--config.file={config}", *label_args(labels)],
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode != 0 or not lines:
        return RouteResult((), (proc.stderr or proc.stdout).strip() or f"amtool exited {proc.returncode}")
    return RouteResult(tuple(r for r in lines[-1].split(",") if r))
