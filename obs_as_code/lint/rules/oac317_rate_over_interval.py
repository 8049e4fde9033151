"""OAC317: ``rate()`` (or ``irate``, ``increase``, ``delta``, ``idelta``,
``deriv``) over ``[$__interval]`` in a panel query. ``$__interval`` is the time
range divided by the panel's width in points: zoomed in, it falls below two
scrape intervals and the window holds one sample or none, so the panel shows
gaps or nothing. ``$__rate_interval`` is never shorter than four scrape
intervals (the datasource's scrape interval setting)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, promql_targets, query_token, rendered

CODE = "OAC317"

#: A rate-like call whose range is ``$__interval`` (the selector's braces and
#: strings may hold anything but brackets).
RATE_OVER_INTERVAL = re.compile(
    r"\b(rate|irate|increase|delta|idelta|deriv)\s*\([^()\[\]]*\[\s*(\$__interval|\$\{__interval\})\s*\]"
)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        for t in promql_targets(board):
            if "__interval" not in t.expr:
                continue
            for m in RATE_OVER_INTERVAL.finditer(t.expr):
                yield Diagnostic(
                    query_token(ctx, board, t.path, t.expr, m.span(2)),
                    CODE,
                    f"{m.group(1)}() over [{m.group(2)}] in panel {panel_title(t.panel)!r} of dashboard "
                    f"{board.title!r}: zoomed in, $__interval is shorter than two scrapes and the panel shows gaps",
                    Severity.WARNING,
                    "use [$__rate_interval] (k.rate's default window)",
                )


CHECK = Check(CODE, "rate-over-interval", "rate() in a panel needs $__rate_interval, not $__interval", run, Severity.WARNING)
