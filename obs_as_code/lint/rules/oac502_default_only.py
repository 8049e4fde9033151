"""OAC502: an alert whose labels route it only to the default (root) receiver."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import (
    NO,
    alert_relabelling,
    am_config,
    certain_alerts,
    expression_labels,
    external_label_names,
    matched_as,
    may_match,
    parse_matchers,
    possible_receivers,
)
from obs_as_code.model.alertmanager import AlertmanagerConfig, walk_routes
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    config = am_config(ctx)
    if config is None or not config.route.routes or alert_relabelling(ctx):
        return
    default = config.route.receiver_name
    matched = _matched_labels(config)
    carried = expression_labels(ctx)
    routed = {m.name for route in walk_routes(config.route)[1:] for m in parse_matchers(route.matchers) or ()}
    external = external_label_names(ctx)
    # Only the recording rules of the alert's module: the per-module run of an
    # incremental build sees no other module's rules (incremental.SHARED_CHECKS).
    for alert in certain_alerts(ctx, routed, cross_module=False):
        # A label the alert neither sets nor gets from its expression (nor from
        # external_labels) is absent: escalate="page" cannot match sum(rate(x[5m])) > 1,
        # which would otherwise make every alert "maybe paged".
        matching = matched_as(alert, routed, carried.get(id(alert.rule)), external)
        found, _ = possible_receivers(config.route, matching)
        if found and found <= {default}:
            labels = ", ".join(f'{k}="{v}"' for k, v in sorted(alert.labels.items()))
            # A route of its own that names the default receiver matches it: say so
            # ("no route matches" contradicted the route the user wrote).
            own = [
                r for r in walk_routes(config.route)[1:]
                if r.receiver_name == default and may_match(parse_matchers(r.matchers) or [], matching) != NO
            ]  # fmt: skip
            why = f"its route ({', '.join(map(str, own[0].matchers)) or 'no matchers'}) sends it there" if own else f"no route matches its labels {{{labels}}}"
            yield warning(
                keyword_location(alert.rule.location, "labels"),
                "OAC502",
                f"alert {alert.rule.name} can only reach the default receiver {default!r}: {why}",
                hint="send that route to a receiver someone watches, or silence this with "
                "# oac: ignore[OAC502] where the default receiver is meant"
                if own
                else f"give it labels a route matches ({matched}), or add a route for it",
            )


def _matched_labels(config: AlertmanagerConfig, limit: int = 6) -> str:
    """The matchers of the routes below the root, a route's together in braces
    (all of them must match), in declaration order (the first ``limit`` routes),
    as the hint lists them: what the project's routing reads."""
    found: dict[str, None] = {}
    for route in walk_routes(config.route)[1:]:
        matchers = parse_matchers(route.matchers) or ()
        if matchers:
            found.setdefault("{" + ", ".join(map(str, matchers)) + "}", None)
    shown = list(found)[:limit]
    return " or ".join(shown) + (" or ..." if len(found) > limit else "")


CHECK = Check("OAC502", "alert-routes-to-default", "every alert reaches a receiver of its own, not only the fallback", run, Severity.WARNING)
