"""OAC504: an inhibit rule whose source or target matchers match no alert."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import (
    NO,
    am_config,
    may_match,
    parse_matchers,
    static_alerts,
)
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    alerts = static_alerts(ctx)
    if config is None or not alerts:
        return
    for rule in config.inhibit_rules:
        for side in ("source_matchers", "target_matchers"):
            matchers = parse_matchers(getattr(rule, side))
            if matchers is None:
                continue  # OAC508 reports the matcher
            if all(may_match(matchers, a.labels) == NO for a in alerts):
                shown = ", ".join(str(m) for m in matchers)
                yield warning(
                    keyword_location(rule.location, side),
                    "OAC504",
                    f"inhibit rule {side} {{{shown}}} match none of the project's {len(alerts)} alerts",
                    hint="the rule never applies: fix the matchers or remove the rule",
                )


CHECK = Check("OAC504", "inhibit-matches-no-alert", "inhibit rules match alerts the project declares", run, Severity.WARNING)
