"""OAC503: a receiver no route sends anything to."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import am_config
from obs_as_code.model.alertmanager import walk_routes


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    if config is None:
        return
    used = {r.receiver_name for r in walk_routes(config.route)}
    for receiver in config.all_receivers():
        if receiver.name not in used:
            yield warning(
                receiver.location,
                "OAC503",
                f"receiver {receiver.name!r} is never routed to",
                hint="reference it from a Route, or remove it",
            )


CHECK = Check("OAC503", "unused-receiver", "every receiver is the target of some route", run, Severity.WARNING)
