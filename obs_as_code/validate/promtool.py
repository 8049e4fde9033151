"""``promtool check config`` and ``promtool check rules`` over ``build/prometheus``."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from obs_as_code.artifacts import Artifact
from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.source import SourceLocation, keyword_location, project_root
from obs_as_code.target import current_target
from obs_as_code.validate import find_tool
from obs_as_code.yamlpos import path_at

_LINE_COL = re.compile(r"(?P<file>[^\s:]+\.ya?ml):\s*(?:(?P<line>\d+):(?P<col>\d+):)?\s*(?P<msg>.*)")
_CONTINUED = re.compile(r"line (?P<line>\d+): ")
_GROUP_RULE = re.compile(r'group "(?P<group>[^"]*)", rule (?P<rule>\d+)')
#: promtool check config names a scrape config by its job ("scrape timeout greater
#: than scrape interval for scrape config with job name \"x\""), with no line.
_JOB = re.compile(r'job name "(?P<job>[^"]*)"')
_JOB_FIELDS = (
    ("scrape timeout", "scrape_timeout"),
    ("scrape interval", "scrape_interval"),
)


_FIELD_HINTS = (
    ("could not parse expression", "expr"),
    ('annotation "', "annotations"),
    ("label", "labels"),
    ("for", "for_"),
)


def _field(loc: SourceLocation, message: str) -> SourceLocation:
    """Narrow a rule's location to the keyword the message is about."""
    for needle, keyword in _FIELD_HINTS:
        if needle in message:
            return keyword_location(loc, keyword)
    return loc


def _locate(artifact: Artifact, message: str, line: int | None) -> SourceLocation | None:
    data = artifact.data if isinstance(artifact.data, dict) else {}
    group_rule = _GROUP_RULE.search(message)
    if group_rule is not None:
        names = [g.get("name") for g in data.get("groups", [])]
        if group_rule["group"] in names:
            path: tuple[str | int, ...] = (
                "groups",
                names.index(group_rule["group"]),
                "rules",
                int(group_rule["rule"]) - 1,
            )
            if path in artifact.source_map:
                return _field(artifact.source_map[path], message[group_rule.end() :])
    job = _JOB.search(message)
    if job is not None:
        jobs = [c.get("job_name") if isinstance(c, dict) else None for c in data.get("scrape_configs", [])]
        if job["job"] in jobs and ("scrape_configs", jobs.index(job["job"])) in artifact.source_map:
            loc = artifact.source_map[("scrape_configs", jobs.index(job["job"]))]
            for needle, keyword in _JOB_FIELDS:
                if needle in message:
                    return keyword_location(loc, keyword)
            return loc
    if line is not None:
        path = path_at(artifact.content.decode(), line)
        while path:
            if path in artifact.source_map:
                return artifact.source_map[path]
            path = path[:-1]
    return None


def map_output(
    output: str, build_dir: Path, artifacts: Sequence[Artifact], code: str, tool: str
) -> list[Diagnostic]:
    """Turn a validator's output into diagnostics at the user's source where possible."""
    by_path = {str(build_dir / a.path): a for a in artifacts}
    by_path.update({a.path: a for a in artifacts})
    out: list[Diagnostic] = []
    # "FAILED: parsing YAML file F: yaml: unmarshal errors:" heads lines such as
    # "line 55: cannot unmarshal !!map into string" that name no file: each was
    # reported at <unknown>, and the heading at build/prometheus/prometheus.yml.
    heading: tuple[Artifact, str] | None = None
    heading_used = False
    for raw in [*output.splitlines(), ""]:
        text = raw.strip()
        continued = _CONTINUED.match(text) if heading is not None else None
        if heading is not None and continued is not None:
            at = int(continued["line"])
            where = _locate(heading[0], text, at) or SourceLocation(f"build/{heading[0].path}", at, 0)
            out.append(error(where, code, f"{tool}: {heading[1]} {text}"))
            heading_used = True
            continue
        if heading is not None and not heading_used:
            out.append(error(SourceLocation(f"build/{heading[0].path}", 0, 0), code, f"{tool}: {heading[1]}"))
        heading = None
        if not text or text.startswith(("Checking", "SUCCESS", "  SUCCESS")) or text == "FAILED:":
            continue
        match = _LINE_COL.search(text)
        artifact = None
        if match is not None:
            name = match["file"]
            artifact = by_path.get(name) or next(
                (a for p, a in by_path.items() if p.endswith(name) or name.endswith(p)), None
            )
        if artifact is not None and text.endswith("unmarshal errors:"):
            heading, heading_used = (artifact, text.replace(str(build_dir) + "/", "build/")), False
            continue
        loc = None
        if artifact is not None and match is not None:
            line = int(match["line"]) if match["line"] else None
            loc = _locate(artifact, text, line)
            if loc is None:
                loc = SourceLocation(
                    f"build/{artifact.path}", line or 0, int(match["col"]) if match["col"] else 0
                )
        # Paths inside build/ read better relative to the project.
        text = text.replace(str(build_dir) + "/", "build/")
        out.append(error(loc, code, f"{tool}: {text}"))
    return out


_VERSION = re.compile(r"version (\d+)\.(\d+)")


def promtool_version(promtool: str) -> tuple[int, int] | None:
    """``promtool --version``'s major and minor, None when it says none."""
    proc = subprocess.run([promtool, "--version"], capture_output=True, text=True, check=False)
    m = _VERSION.search(proc.stdout + proc.stderr)
    return (int(m[1]), int(m[2])) if m is not None else None


def target_newer(promtool: str, diagnostics: list[Diagnostic]) -> bool:
    """Whether the project's Prometheus target (``[tool.oac] prometheus-version``)
    has a newer major version than ``promtool``: then its rule files may hold
    what that promtool cannot read (quoted UTF-8 names, 3.x functions), and its
    verdict on them means nothing. A warning says so (added to ``diagnostics``);
    the rules are then not given to promtool, the Prometheus config still is
    (obs-as-code writes the same scrape configuration for every target)."""
    target = current_target()
    if not target.v3:
        return False  # the default path: no promtool --version run
    found = promtool_version(promtool)
    if found is None or found[0] >= target.major:
        return False
    diagnostics.append(
        warning(
            _setting_location(),
            "OAC901",
            f"promtool {found[0]}.{found[1]} cannot check rules written for Prometheus {target.version} "
            "(pyproject.toml [tool.oac] prometheus-version): rule files not checked by promtool",
            hint=f"install promtool {target.major}.x (or point OAC_PROMTOOL at it) to check them",
        )
    )
    return True


def _setting_location() -> SourceLocation | None:
    """Where the project's pyproject.toml sets ``prometheus-version``."""
    root = project_root.get()
    if root is None:
        return None
    try:
        lines = (Path(root) / "pyproject.toml").read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, 1):
        if line.lstrip().startswith("prometheus-version"):
            return SourceLocation("pyproject.toml", number, len(line) - len(line.lstrip()) + 1)
    return SourceLocation("pyproject.toml")


def check(build_dir: Path, artifacts: Sequence[Artifact]) -> list[Diagnostic]:
    """Run promtool over the Prometheus config and every rule file in ``build_dir``."""
    promtool = find_tool("promtool", "prometheus")
    diagnostics: list[Diagnostic] = []
    config = build_dir / "prometheus" / "prometheus.yml"
    rules = sorted(str(p) for p in (build_dir / "prometheus" / "rules").glob("*.yaml"))
    if config.is_file():
        # --syntax-only: files the config references (password_file ...) live on
        # the Prometheus host, not here.
        proc = subprocess.run(
            [promtool, "check", "config", "--syntax-only", str(config)],
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            diagnostics += map_output(proc.stdout + proc.stderr, build_dir, artifacts, "OAC901", "promtool check config")
    if rules and target_newer(promtool, diagnostics):
        rules = []
    if rules:
        proc = subprocess.run(
            [promtool, "check", "rules", *rules], capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            diagnostics += map_output(proc.stdout + proc.stderr, build_dir, artifacts, "OAC901", "promtool check rules")
    return diagnostics
