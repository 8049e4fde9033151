"""Run the registered checks.

Every check lives in its own module under :mod:`obs_as_code.lint.rules`
(``oac108_promql_syntax.py``) and exposes ``CHECK``, a :class:`Check`; its docs
page is ``docs/lint/<CODE>.md``. The engine imports them all, runs those selected
and returns their diagnostics; it never stops at the first.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.load import Project
from obs_as_code.model.rules import AlertRule, RecordingRule, RuleGroup


@dataclass(frozen=True)
class Check:
    """A check: a stable ``code``, a short ``name``, a one-line ``summary`` and the
    function that yields diagnostics for a project."""

    code: str
    name: str
    summary: str
    run: Callable[[LintContext], Iterable[Diagnostic]]
    severity: Severity = Severity.ERROR


@dataclass
class LintContext:
    """What checks see: the project, an optional metrics catalog, parsed PromQL."""

    project: Project
    catalog: Any = None
    _parsed: dict[str, tuple[Any, str | None]] = field(default_factory=dict)

    def parse(self, expr: str) -> tuple[Any, str | None]:
        """``(ast, None)`` or ``(None, error message)``; parsed once per expression."""
        hit = self._parsed.get(expr)
        if hit is None:
            hit = parse_promql(expr)
            self._parsed[expr] = hit
        return hit

    def rules(self) -> Iterator[tuple[RuleGroup, AlertRule | RecordingRule]]:
        """Every rule of every group, in declaration order."""
        for group in self.project.all(RuleGroup):
            for rule in group.rules:
                yield group, rule


def parse_promql(expr: str) -> tuple[Any, str | None]:
    """Parse with promql-parser; returns ``(ast, None)`` or ``(None, message)``."""
    import promql_parser

    if not isinstance(expr, str) or not expr.strip():
        return None, "empty expression"
    try:
        return promql_parser.parse(expr), None
    except (ValueError, TypeError) as exc:  # the parser raises ValueError with a message
        return None, str(exc) or "invalid PromQL"


@cache
def all_checks() -> tuple[Check, ...]:
    """Every registered check, sorted by code."""
    import obs_as_code.lint.rules as package

    checks: list[Check] = []
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        check = getattr(module, "CHECK", None)
        if isinstance(check, Check):
            checks.append(check)
    return tuple(sorted(checks, key=lambda c: c.code))


def _matches(code: str, patterns: Iterable[str]) -> bool:
    return any(code.startswith(p) for p in patterns)


def select_checks(select: Iterable[str] | None = None, ignore: Iterable[str] | None = None) -> list[Check]:
    """Checks whose code starts with one of ``select`` (all when None), minus ``ignore``."""
    sel = list(select or [])
    ign = list(ignore or [])
    return [
        c for c in all_checks() if (not sel or _matches(c.code, sel)) and not _matches(c.code, ign)
    ]


def run_checks(ctx: LintContext, checks: Iterable[Check] | None = None) -> list[Diagnostic]:
    """Run ``checks`` (default: all) and return every diagnostic."""
    out: list[Diagnostic] = []
    for check in checks if checks is not None else all_checks():
        out.extend(check.run(ctx))
    return out
