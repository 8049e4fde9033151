"""OAC504: an inhibit rule whose source or target matchers match no alert.

The alerts are seen as OAC510 sees them (:class:`~obs_as_code.lint.rules._crossref.AlertView`):
static labels, the values their expressions are certain to give, and the labels
they cannot carry at all; only a side certain to match nothing is reported.
"""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import (
    AlertView,
    alert_relabelling,
    am_config,
    label_universe,
    parse_matchers,
)
from obs_as_code.model.alertmanager import InhibitRule, Matcher
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import keyword_location

_SIDES = ("source_matchers", "target_matchers")


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    if config is None or not config.inhibit_rules or alert_relabelling(ctx):
        return
    if not any(isinstance(rule, AlertRule) for _, rule in ctx.rules()):
        return
    # None: a matcher that does not parse (OAC508 reports it).
    sides: list[tuple[InhibitRule, str, list[Matcher] | None]] = [
        (rule, side, parse_matchers(getattr(rule, side))) for rule in config.inhibit_rules for side in _SIDES
    ]
    view = AlertView(ctx, label_universe(ctx))
    for rule, side, matchers in sides:
        if matchers is None or not view.none_match(matchers):
            continue
        shown = ", ".join(str(m) for m in matchers)
        absent = sorted(view.nowhere({m.name for m in matchers}))
        why = f": no alert of the project can carry {', '.join(absent)}" if absent else ""
        yield warning(
            keyword_location(rule.location, side),
            "OAC504",
            f"inhibit rule {side} {{{shown}}} match none of the project's {len(view.alerts)} alerts{why}",
            hint="the rule never applies: fix the matchers to labels the alerts carry, or remove the rule",
        )


CHECK = Check("OAC504", "inhibit-matches-no-alert", "inhibit rules match alerts the project declares", run, Severity.WARNING)
