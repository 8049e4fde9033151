"""OAC502: an alert whose labels route it only to the default (root) receiver."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import am_config, at, possible_receivers, static_alerts


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    if config is None or not config.route.routes:
        return
    default = config.route.receiver_name
    for alert in static_alerts(ctx):
        found, _ = possible_receivers(config.route, alert.labels)
        if found and found <= {default}:
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(alert.labels.items()))
            yield warning(
                at(ctx, alert.rule.location, "labels"),
                "OAC502",
                f"alert {alert.rule.name} can only reach the default receiver {default!r}: "
                f"no route matches its labels {{{labels}}}",
                hint="give it the labels the routes match on (severity, team), or add a route for it",
            )


CHECK = Check("OAC502", "alert-routes-to-default", "every alert reaches a receiver of its own, not only the fallback", run, Severity.WARNING)
