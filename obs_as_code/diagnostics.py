"""Diagnostics: what every stage reports, and the renderers for text, JSON, GitHub and SARIF."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from obs_as_code.redact import continued_spans, redact_line
from obs_as_code.source import (
    UNKNOWN,
    SourceLocation,
    file_lines,
    file_text,
    latest_per_file,
    mtime_ns,
)


class Severity(StrEnum):
    """How bad a finding is: only errors stop a build."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Diagnostic:
    """One finding at a user's location, with a stable ``code`` (``OAC108``)."""

    location: SourceLocation
    code: str
    message: str
    severity: Severity = Severity.ERROR
    hint: str | None = None
    #: False when the source line may hold a secret: renderers then never echo it.
    show_source: bool = True

    def __str__(self) -> str:
        text = f"{self.location}: {self.code} {self.message}"
        if self.severity is not Severity.ERROR:
            text = f"{self.location}: {self.code} [{self.severity.value}] {self.message}"
        return text

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.col, self.code, self.message)

    def to_dict(self) -> dict[str, object]:
        return {
            "file": self.location.file,
            "line": self.location.line,
            "column": self.location.col,
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message,
            "hint": self.hint,
        }


def error(location: SourceLocation | None, code: str, message: str, hint: str | None = None) -> Diagnostic:
    """Shorthand for an error-level :class:`Diagnostic`."""
    return Diagnostic(location or UNKNOWN, code, message, Severity.ERROR, hint)


def warning(location: SourceLocation | None, code: str, message: str, hint: str | None = None) -> Diagnostic:
    """Shorthand for a warning-level :class:`Diagnostic`."""
    return Diagnostic(location or UNKNOWN, code, message, Severity.WARNING, hint)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error."""
    return any(d.severity is Severity.ERROR for d in diagnostics)


def ordered(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Diagnostics sorted by file, line, column and code, duplicates removed."""
    return sorted(set(diagnostics), key=lambda d: d.sort_key)


class DiagnosticsFailed(Exception):
    """Raised by API functions that cannot go on because of error diagnostics."""

    def __init__(self, diagnostics: Sequence[Diagnostic]):
        self.diagnostics = list(diagnostics)
        super().__init__("\n".join(str(d) for d in self.diagnostics))


@latest_per_file
def _continued(path: str, mtime: int) -> dict[int, list[tuple[int, int]]]:
    """:func:`obs_as_code.redact.continued_spans` of the Python file at ``path``
    (none for another file): the secrets a line holds that only the lines
    before it tell (the second line of ``password=(\n    "abc"\n)``)."""
    text = file_text(path, mtime) if path.endswith(".py") else None
    return {} if text is None else continued_spans(text)


def _source_line(root: Path | None, loc: SourceLocation) -> str | None:
    """The line ``loc`` points at, its secrets masked character for character."""
    if root is None or loc.line <= 0:
        return None
    path = str(root / loc.file)
    mtime = mtime_ns(path)
    lines = file_lines(path, mtime)  # numbered as Python and YAML number them
    if loc.line > len(lines):
        return None
    return redact_line(lines[loc.line - 1], _continued(path, mtime).get(loc.line - 1, ()))


def _caret_indent(before: str) -> str:
    """What to print under ``before`` (the line up to the column) so that a
    terminal shows the caret under the next character: a tab where the line
    has one, two spaces under a wide (CJK, emoji) character, none under a
    combining mark or an invisible format character, else one space."""
    if before.isascii():
        return "".join("\t" if ch == "\t" else " " for ch in before)
    import unicodedata  # here: only for a line that is not ASCII

    out: list[str] = []
    for ch in before:
        if ch == "\t":
            out.append("\t")
        elif unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        else:
            out.append("  " if unicodedata.east_asian_width(ch) in ("W", "F") else " ")
    return "".join(out)


def render_text(diagnostics: Sequence[Diagnostic], root: Path | None = None, *, show_source: bool = True) -> str:
    """Compiler-style text: ``file:line:col: CODE message`` (``col`` in
    characters), the source line (its secrets masked, see :func:`_source_line`) and a caret under that character."""
    out: list[str] = []
    for d in diagnostics:
        out.append(str(d))
        if show_source and d.show_source:
            line = _source_line(root, d.location)
            if line is not None:
                # Masked character for character: the caret column still holds.
                out.append(f"    {line}")
                if d.location.col > 0:
                    out.append("    " + _caret_indent(line[: d.location.col - 1]) + "^")
        if d.hint:
            out.append(f"    hint: {d.hint}")
    return "\n".join(out) + ("\n" if out else "")


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """One JSON array of ``{file, line, column, code, severity, message, hint}``."""
    return json.dumps([d.to_dict() for d in diagnostics], indent=2, sort_keys=True) + "\n"


def _gh_escape(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    # In the properties "," separates them and ":" ends them (@actions/core's escapeProperty).
    return _gh_escape(text).replace(":", "%3A").replace(",", "%2C")


def render_github(diagnostics: Sequence[Diagnostic]) -> str:
    """GitHub Actions workflow commands, shown as annotations on the PR diff
    (``col`` in characters, as in every other format; the hint on a line of its own)."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
    out = []
    for d in diagnostics:
        loc = d.location
        props = f"file={_gh_property(loc.file)},line={max(loc.line, 1)},col={max(loc.col, 1)},title={_gh_property(d.code)}"
        # The hint often says how to fix it: the annotation is all a reviewer sees.
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(f"::{level[d.severity]} {props}::{_gh_escape(message)}")
    return "\n".join(out) + ("\n" if out else "")


def render_sarif(diagnostics: Sequence[Diagnostic], rules: dict[str, str] | None = None) -> str:
    """SARIF 2.1.0 for code-scanning uploads; ``rules`` maps codes to short descriptions.
    Columns are in code points (``columnKind``)."""
    level = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
    codes = sorted({d.code for d in diagnostics} | set(rules or {}))
    results = []
    for d in diagnostics:
        region = {"startLine": max(d.location.line, 1)}
        if d.location.col > 0:
            region["startColumn"] = d.location.col
        results.append(
            {
                "ruleId": d.code,
                "level": level[d.severity],
                "message": {"text": d.message + (f" ({d.hint})" if d.hint else "")},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": d.location.file},
                            "region": region,
                        }
                    }
                ],
            }
        )
    doc = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "obs-as-code",
                        "rules": [
                            {"id": c, "shortDescription": {"text": (rules or {}).get(c, c)}}
                            for c in codes
                        ],
                    }
                },
                # Columns count characters (code points), not SARIF's
                # other unit, UTF-16 code units: an emoji is one column.
                # A run with results SHALL say which (SARIF 2.1.0, 3.14.27).
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


RENDERERS = ("text", "json", "github", "sarif")


def render(fmt: str, diagnostics: Sequence[Diagnostic], root: Path | None = None) -> str:
    """Render ``diagnostics`` in one of :data:`RENDERERS`."""
    if fmt == "json":
        return render_json(diagnostics)
    if fmt == "github":
        return render_github(diagnostics)
    if fmt == "sarif":
        return render_sarif(diagnostics)
    return render_text(diagnostics, root)
