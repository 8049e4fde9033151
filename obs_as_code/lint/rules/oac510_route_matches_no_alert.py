"""OAC510: a route whose matchers (with its parents') match none of the project's alerts.

An alert's labels come from somewhere the project declares: its rule and group
labels, the labels of the series its expression reads (the catalog's, the scrape
jobs' target labels, ``job`` and ``instance``, recorded series' rule labels),
``label_replace``/``label_join``, Prometheus' ``external_labels``. A route
matching on a label none of these names (``owner="search"`` where alerts carry
``team``) catches no alert of the project: the alerts it was written for go on
to the routes after it. Labels an alert may get from its expression are unknown
offline, so, as OAC502 and OAC504 do, only a route certain to match nothing is
reported; when the project's labels cannot be known (a metric no catalog lists,
a catalog with open label sets, a ``labelmap`` relabelling) nothing is. The
values an alert is certain to get from its expression count
(:func:`~obs_as_code.lint.rules._crossref.certain_alerts`): an SLO's burn-rate
alert carries its SLO's ``team`` through the recording rules it reads.
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
from obs_as_code.model.alertmanager import Matcher, Route
from obs_as_code.model.rules import AlertRule
from obs_as_code.source import keyword_location


def _routes(route: Route, above: list[Matcher]) -> Iterator[tuple[Route, list[Matcher], list[Matcher]]]:
    """Every route below ``route`` with its own matchers, and those with its
    parents' (an alert reaches a child only through its parent), skipping a route
    whose matchers do not parse (OAC508 reports it) and the routes below it."""
    for child in route.routes:
        own = parse_matchers(child.matchers)
        if own is None:
            continue
        path = [*above, *own]
        yield child, own, path
        yield from _routes(child, path)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    if config is None or alert_relabelling(ctx) or not any(isinstance(rule, AlertRule) for _, rule in ctx.rules()):
        return
    universe = label_universe(ctx)
    if universe is None:
        return
    view = AlertView(ctx, universe)
    for route, own, matchers in _routes(config.route, []):
        if not own:
            continue  # matches what its parent does: the parent is reported
        if not view.none_match(matchers):
            continue
        shown = ", ".join(str(m) for m in own)
        absent = sorted(view.nowhere({m.name for m in own}))
        why = (
            f"no alert of the project can carry {', '.join(absent)}" if absent
            else f"none of the project's {len(view.alerts)} alerts has these labels"
        )
        yield warning(
            keyword_location(route.location, "matchers"),
            "OAC510",
            f"route to {route.receiver_name!r} with matchers {{{shown}}} matches no alert: {why}",
            hint="fix the matchers to labels the alerts carry (their rule labels, as routing tests show), "
            "or silence this with # oac: ignore[OAC510] for alerts from outside the project",
        )


CHECK = Check("OAC510", "route-matches-no-alert", "every route below the root can match an alert the project declares", run, Severity.WARNING)
