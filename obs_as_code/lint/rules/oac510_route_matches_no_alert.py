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

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import (
    NO,
    am_config,
    certain_alerts,
    expression_labels,
    matched_as,
    may_match,
    parse_matchers,
)
from obs_as_code.lint.rules._promql import parsed
from obs_as_code.lint.types import nodes, selector_name
from obs_as_code.model.alertmanager import Matcher, Route
from obs_as_code.model.prometheus import PrometheusConfig, ScrapeJob
from obs_as_code.model.rules import AlertRule, RecordingRule
from obs_as_code.source import keyword_location

#: Labels Prometheus itself gives series and alerts.
_BUILTIN = frozenset({"__name__", "job", "instance", "alertname", "alertstate", "le", "quantile"})
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'((?:[^\'\\]|\\.)*)\'')


def _label_universe(ctx: LintContext) -> frozenset[str] | None:
    """Every label name an alert of the project can carry, or None when that cannot
    be known offline."""
    index = ctx.index
    if index is None or index.open_labels:
        return None
    names: set[str] = set(_BUILTIN)
    for metric in index.metrics.values():
        names.update(metric.labels)
    for config in ctx.project.all(PrometheusConfig):
        names.update(config.external_labels)
    for job in ctx.project.all(ScrapeJob):
        names.update(job.labels)
        for relabel in (*job.relabel_configs, *job.metric_relabel_configs):
            target = relabel.target_label or ""
            if relabel.action == "labelmap" or "$" in target:
                return None  # label names made from the target's
            if target:
                names.add(target)
    rules = list(ctx.rules())
    recorded = {rule.name for _, rule in rules if isinstance(rule, RecordingRule)}
    for group, rule in rules:
        names.update(group.labels)
        names.update(rule.labels)
        if "label_replace" in rule.expr or "label_join" in rule.expr:
            # Any string of the expression may be the label it writes.
            names.update(a or b for a, b in _STRING.findall(rule.expr))
    seen = 0
    for _q, root in parsed(ctx, ("alert", "record")):
        seen += 1
        for node in nodes(root, "VectorSelector"):
            name = selector_name(node)
            if name is None or (name not in recorded and index.info(name) is None):
                return None  # a series the project does not describe: any label
    if seen != len(rules):
        return None  # an expression that does not parse (OAC108 reports it)
    return frozenset(names)


def _routes(route: Route, above: list[Matcher]) -> Iterator[tuple[Route, list[Matcher]]]:
    """Every route below ``route`` with its own matchers and its parents' (an alert
    reaches a child only through its parent), skipping a route whose matchers do
    not parse (OAC508 reports it) and the routes below it."""
    for child in route.routes:
        own = parse_matchers(child.matchers)
        if own is None:
            continue
        path = [*above, *own]
        yield child, path
        yield from _routes(child, path)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    if config is None or not any(isinstance(rule, AlertRule) for _, rule in ctx.rules()):
        return
    universe = _label_universe(ctx)
    if universe is None:
        return
    routes = list(_routes(config.route, []))
    alerts = certain_alerts(ctx, {m.name for _, matchers in routes for m in matchers}, cross_module=True)
    carried = expression_labels(ctx)
    external = {k for c in ctx.project.all(PrometheusConfig) for k in c.external_labels}
    for route, matchers in routes:
        own = parse_matchers(route.matchers) or []
        if not own:
            continue  # matches what its parent does: the parent is reported
        names = {m.name for m in matchers}
        nowhere = names - universe
        if any(may_match(matchers, matched_as(alert, names, carried.get(id(alert.rule)), external, nowhere)) != NO
               for alert in alerts):
            continue
        shown = ", ".join(str(m) for m in own)
        absent = sorted(n for n in {m.name for m in own} if n in nowhere)
        why = (
            f"no alert of the project can carry {', '.join(absent)}" if absent
            else f"none of the project's {len(alerts)} alerts has these labels"
        )
        yield warning(
            keyword_location(route.location, "matchers"),
            "OAC510",
            f"route to {route.receiver_name!r} with matchers {{{shown}}} matches no alert: {why}",
            hint="fix the matchers to labels the alerts carry (their rule labels, as routing tests show), "
            "or silence this with # oac: ignore[OAC510] for alerts from outside the project",
        )


CHECK = Check("OAC510", "route-matches-no-alert", "every route below the root can match an alert the project declares", run, Severity.WARNING)
