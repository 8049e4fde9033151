"""OAC502: an alert whose labels route it only to the default (root) receiver."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import (
    am_config,
    parse_matchers,
    possible_receivers,
    static_alerts,
)
from obs_as_code.model.alertmanager import AlertmanagerConfig, walk_routes
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    if config is None or not config.route.routes:
        return
    default = config.route.receiver_name
    matched = _matched_labels(config)
    for alert in static_alerts(ctx):
        found, _ = possible_receivers(config.route, alert.labels)
        if found and found <= {default}:
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(alert.labels.items()))
            yield warning(
                keyword_location(alert.rule.location, "labels"),
                "OAC502",
                f"alert {alert.rule.name} can only reach the default receiver {default!r}: "
                f"no route matches its labels {{{labels}}}",
                hint=f"give it labels a route matches ({matched}), or add a route for it",
            )


def _matched_labels(config: AlertmanagerConfig, limit: int = 6) -> str:
    """The matchers of the routes below the root, in declaration order (the first
    ``limit``), as the hint lists them: what the project's routing reads."""
    found: dict[str, None] = {}
    for route in walk_routes(config.route)[1:]:
        for m in parse_matchers(route.matchers) or ():
            found.setdefault(str(m), None)
    shown = list(found)[:limit]
    return ", ".join(shown) + (", ..." if len(found) > limit else "")


CHECK = Check("OAC502", "alert-routes-to-default", "every alert reaches a receiver of its own, not only the fallback", run, Severity.WARNING)
