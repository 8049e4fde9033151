"""OAC511: a routing test that the project's routing tree fails, found at build time.

``oac test`` runs each ``RoutingTest`` through ``amtool config routes test``; this
reads the same tree offline (``route_receivers``, which the suite compares with
amtool) so that a test expecting a receiver the configuration does not declare
(a typo, a receiver renamed since), or receivers the tree does not send the
alert to, is reported by ``oac build`` and ``oac lint``, at the test's
``receivers=``, with what the tree does. A warning: the files built are right or
wrong whatever a test expects, and ``oac test`` (OAC902) is the verdict.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import am_config
from obs_as_code.model.alertmanager import route_receivers
from obs_as_code.model.tests import RoutingTest
from obs_as_code.source import keyword_location

CODE = "OAC511"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    tests = ctx.project.all(RoutingTest)
    config = am_config(ctx) if tests else None
    if config is None:
        return  # no test, or no configuration: oac test says so (OAC902)
    declared = [r.name for r in config.all_receivers()]
    for test in tests:
        where = keyword_location(test.location, "receivers")
        unknown = [name for name in test.receivers if name not in declared]
        if unknown:
            close = [difflib.get_close_matches(name, declared, n=1) for name in unknown]
            meant = [f"{name!r} -> {found[0]!r}" for name, found in zip(unknown, close, strict=True) if found]
            yield warning(
                where,
                CODE,
                f"routing test {test.key()!r} expects {', '.join(repr(n) for n in unknown)}, which the Alertmanager "
                f"configuration does not declare (its receivers: {', '.join(declared)})",
                hint=f"did you mean {', '.join(meant)}?" if meant else "name a receiver of the configuration",
            )
            continue
        try:
            actual = route_receivers(config.route, test.labels)
        except Exception:  # a matcher OAC508 reports
            continue
        if actual != list(test.receivers):
            from obs_as_code.validate.unit_tests import receivers_diff

            yield warning(
                where,
                CODE,
                receivers_diff(test, actual),
                hint="the tree sends an alert to the first matching route (and on, through continue=True); "
                "fix the test's labels to those the alert carries, or the routes",
            )


CHECK = Check(CODE, "routing-test-receivers", "every routing test passes against the project's routing tree", run, Severity.WARNING)
