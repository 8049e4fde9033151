"""OAC507: a ``runbook_url`` pointing to a file of this repository that does not exist."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import keyword_location, latest_per_file

#: URL prefixes that mean "a file in this repository" (GitHub blob links).
REPO_URL_PREFIXES: tuple[str, ...] = (
    "https://github.com/opencode-ai/observability/blob/main/",
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.I)


def repo_path(url: str) -> str | None:
    """The repository path a runbook URL points at, or None for outside links."""
    for prefix in REPO_URL_PREFIXES:
        if url.startswith(prefix):
            return url[len(prefix):]
    if _SCHEME.match(url) or url.startswith("//") or "{{" in url:
        return None
    return url.lstrip("/")


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a Markdown heading."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


@latest_per_file
def _anchors(path: str, mtime_ns: int) -> frozenset[str]:
    del mtime_ns  # cache key only
    text = Path(path).read_text(encoding="utf-8")
    return frozenset(
        github_slug(m.group(1)) for m in re.finditer(r"^#{1,6}\s+(.+?)\s*#*\s*$", text, re.M)
    )


def _shortened(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else f"{text[:limit]}..."


def _is_file(path: Path) -> bool:
    """``path.is_file()``, False for a path the system refuses to look up: a
    runbook_url of thousands of characters (ENAMETOOLONG) or with a NUL crashed
    the build with a traceback."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    root = ctx.project.root
    for _group, rule in ctx.rules():
        if not isinstance(rule, AlertRule):
            continue
        url = rule.annotations.get("runbook_url")
        if not isinstance(url, str) or not url:
            continue
        target = repo_path(url)
        if target is None:
            continue
        file_part, _, anchor = target.partition("#")
        file_part = file_part.split("?", 1)[0]
        path = root / file_part
        loc = keyword_location(rule.location, "annotations")
        if not _is_file(path):
            yield warning(
                loc,
                "OAC507",
                f"alert {rule.name}: runbook_url points to {_shortened(file_part)}, which does not exist in the repository",
                hint="write the runbook page, or fix the link",
            )
        elif (
            anchor
            and path.suffix.lower() in (".md", ".markdown")
            and anchor.lower() not in _anchors(str(path), path.stat().st_mtime_ns)
        ):
            yield warning(
                loc,
                "OAC507",
                f"alert {rule.name}: runbook_url points to section #{anchor} of {file_part}, which has no such heading",
                hint=f"add a heading that GitHub turns into #{anchor}",
            )


CHECK = Check("OAC507", "runbook-missing", "runbook links to this repository point at files and sections that exist", run, Severity.WARNING)
