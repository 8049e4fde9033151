"""OAC317: ``rate()`` (or ``irate``, ``increase``, ``delta``, ``idelta``,
``deriv``, ``predict_linear``, ``holt_winters`` / ``double_exponential_smoothing``:
every function that returns nothing from a window of fewer than two samples)
over ``[$__interval]`` in a panel query. ``changes`` and ``resets`` are left
out: from one sample they return 0, not a gap. ``$__interval`` is the time
range divided by the panel's width in points: zoomed in, it falls below two
scrape intervals and the window holds one sample or none, so the panel shows
gaps or nothing. ``$__rate_interval`` is never shorter than four scrape
intervals (the datasource's scrape interval setting). A query whose minimum
interval (the target's min step, else the panel's min interval: Grafana never
makes ``$__interval`` shorter) is at least four of those scrape intervals is left
alone: its window is as long as ``$__rate_interval``'s floor. The scrape interval
is the datasources' setting (what ``$__rate_interval`` reads), not the scrape
config's: the dashboard checks read the dashboards and datasources only (per
module in incremental builds)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import (
    Target,
    panel_title,
    promql_targets,
    query_token,
    rendered,
    runs,
)
from obs_as_code.lint.types import STRING_LITERAL
from obs_as_code.model.datasource import Datasource

CODE = "OAC317"

#: A rate-like call whose range is ``$__interval``: its argument up to the range
#: holds no parentheses or brackets outside string literals (a selector's
#: ``path=~"/(a|b)"`` is read whole).
RATE_OVER_INTERVAL = re.compile(
    rf"\b(rate|irate|increase|delta|idelta|deriv|predict_linear|holt_winters|double_exponential_smoothing)\s*\((?:{STRING_LITERAL}|[^()\[\]\"'`])*\[\s*(\$__interval|\$\{{__interval\}})\s*\]"
)

#: Grafana's scrape interval when a Prometheus datasource sets none (``timeInterval``).
DEFAULT_SCRAPE_S = 15.0


def interval_seconds(value: Any) -> float | None:
    """Seconds in a Grafana interval (``"1m"``, ``"30"`` for seconds, the old
    ``">10s"``), None when unset, zero or not a literal (``$interval``)."""
    if not isinstance(value, str):
        return None
    text = value.strip().lstrip("<>").strip()
    if text.isdigit():
        return float(text) or None
    try:
        return (parse_ms(text) / 1000.0 or None) if text else None
    except DurationError:
        return None


def min_interval(t: Target) -> float | None:
    """The shortest ``$__interval`` Grafana gives the query of ``t``: the target's
    min step when set (it decides alone), else the panel's min interval."""
    own = t.data.get("interval")
    if isinstance(own, str) and own.strip():
        return interval_seconds(own)
    return interval_seconds(t.panel.get("interval"))


def scrape_setting(ctx: LintContext) -> float:
    """The scrape interval ``$__rate_interval`` assumes: the longest
    ``timeInterval`` of the project's Prometheus datasources, else Grafana's 15s."""
    found = [
        interval_seconds(d.json_data.get("timeInterval"))
        for d in ctx.project.all(Datasource)
        if d.type == "prometheus" and isinstance(d.json_data, dict)
    ]
    return max([s for s in found if s] or [DEFAULT_SCRAPE_S])


def _fmt(seconds: float) -> str:
    return f"{seconds / 60:g}m" if seconds >= 60 and seconds % 60 == 0 else f"{seconds:g}s"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    scrape: float | None = None
    for board in rendered(ctx):
        for t in promql_targets(board):
            if "__interval" not in t.expr or not runs(t):
                continue
            for m in RATE_OVER_INTERVAL.finditer(t.expr):
                if scrape is None:
                    scrape = scrape_setting(ctx)
                floor = min_interval(t)
                if floor is not None and floor >= 4 * scrape:
                    break  # $__interval is never shorter than $__rate_interval's floor
                why = (
                    f"its min interval {_fmt(floor)} is under four scrape intervals (4 x {_fmt(scrape)}): "
                    "a window may hold one sample and the panel shows gaps"
                    if floor is not None
                    else "zoomed in, $__interval is shorter than two scrapes and the panel shows gaps"
                )
                yield Diagnostic(
                    query_token(ctx, board, t.path, t.expr, m.span(2)),
                    CODE,
                    f"{m.group(1)}() over [{m.group(2)}] in panel {panel_title(t.panel)!r} of dashboard {board.title!r}: {why}",
                    Severity.WARNING,
                    "use [$__rate_interval] (k.rate's default window)",
                )


CHECK = Check(CODE, "rate-over-interval", "rate() in a panel needs $__rate_interval, not $__interval", run, Severity.WARNING)
