"""OAC305: a latency panel without a time unit. ``histogram_quantile`` over a
``_seconds`` histogram shown as a plain number reads "0.25" where people expect
"250 ms". Classic histograms (``_bucket``, ``_sum`` / ``_count``) and native ones
(``histogram_quantile``/``histogram_avg``/``histogram_stddev`` over the bare name,
``histogram_sum`` / ``histogram_count``) both count; the check stays text-based
because it runs on every panel of the benchmarked build."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, promql_targets, query_token, rendered
from obs_as_code.lint.rules._units import series_unit
from obs_as_code.lint.types import STRINGS

#: Grafana's time unit ids.
TIME_UNITS = frozenset({"ns", "µs", "us", "ms", "s", "m", "h", "d", "dtdurations", "dtdurationms", "dthms", "dtdhms", "clockms", "clocks"})
#: Units that say the panel deliberately shows a ratio (e.g. share under 500 ms).
RATIO_UNITS = frozenset({"percentunit", "percent"})
#: Time units written as words, which Grafana takes for a custom suffix ("0.25
#: seconds", never "250 ms" or "1.5 min"): the message says they are no unit id.
SPELLED_TIME = frozenset(
    {"seconds", "second", "sec", "secs", "milliseconds", "millisecond", "msec", "millis", "microseconds",
     "nanoseconds", "minutes", "minute", "min", "mins", "hours", "hour", "days", "day"}
)  # fmt: skip
#: The metric name ends here (``x_seconds``, ``x_seconds_bucket``, ``job:x_seconds:rate5m``).
_END = r"(?![A-Za-z0-9_])"
_TIME_NAME = r"_(?:seconds|milliseconds)"
#: A quantile of a classic (``_bucket``) or native (bare name) histogram of durations.
_QUANTILE_OF_TIME = re.compile(rf"histogram_quantile\s*\(.*{_TIME_NAME}(?:_bucket)?{_END}", re.S)
#: The mean or the standard deviation of a native histogram of durations.
_NATIVE_OF_TIME = re.compile(rf"histogram_(?:avg|stddev)\s*\(.*{_TIME_NAME}{_END}", re.S)
_AVERAGE_OF_TIME = re.compile(
    rf"{_TIME_NAME}_sum{_END}.*/.*{_TIME_NAME}_count{_END}"
    rf"|histogram_sum\s*\(.*{_TIME_NAME}{_END}.*/.*histogram_count\s*\(",
    re.S,
)
#: Over a duration histogram but not a duration: a share of requests under a bound
#: (``histogram_fraction``, or buckets selected by ``le``) is a ratio; a variance is
#: in seconds squared, for which no time unit is right; a count or a sum of
#: observations without the other (``histogram_count``, ``_seconds_count``, ...)
#: is a count or seconds per second. Only read when no pattern above matched.
_NOT_TIME = re.compile(
    rf"histogram_(?:fraction|stdvar|count|sum)\s*\(|{_TIME_NAME}_(?:count|sum){_END}"
    rf"|{_TIME_NAME}_bucket\s*\{{[^}}]*\ble\s*=",
    re.S,
)
#: A multiplication or division by a number or a dashboard variable, e.g. ``/ 0.5``,
#: ``* 100``, ``100 *``, ``/ $target``: applied to a duration it makes a share of a
#: target (or another scale), which a ratio unit may honestly show.
_SCALED = re.compile(
    r"[*/]\s*\(*\s*(?:\d|\.\d|\$)"
    r"|(?<![\w.\[:])(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*\)*\s*\*"
)
_LATENCY_TITLE = re.compile(r"latency|duration|response time", re.I)


def target_unit(panel: dict[str, Any], target: dict[str, Any]) -> tuple[str | None, bool]:
    """``(unit, maybe_time)`` of the series of ``target`` in ``panel``
    (:func:`~obs_as_code.lint.rules._units.series_unit`, shared with OAC316):
    ``maybe_time`` when an override or an axis that may reach the series (its
    name is not known) gives a time unit: nothing to report then."""
    found, maybe = series_unit(panel, target)
    return found, any(u in TIME_UNITS for u in maybe)


@lru_cache(maxsize=1 << 14)
def returns_time(expr: str) -> bool:
    """A quantile, a mean (``_sum`` / ``_count``, ``histogram_avg``,
    ``histogram_sum`` / ``histogram_count``) or a standard deviation of a histogram
    of durations (cached: dashboards repeat queries, and the patterns scan the
    whole text)."""
    return bool(_QUANTILE_OF_TIME.search(expr) or _AVERAGE_OF_TIME.search(expr) or _NATIVE_OF_TIME.search(expr))


@lru_cache(maxsize=1 << 12)
def not_time(expr: str) -> bool:
    """Over a histogram of durations, but a share under a bound, a variance, a count
    or a sum: a title saying "latency" does not make it seconds."""
    return bool(_NOT_TIME.search(expr))


@lru_cache(maxsize=1 << 12)
def scaled(expr: str) -> bool:
    """Multiplies or divides by a number or a dashboard variable outside string
    literals (``le="0.5"``, ``route="/v1"`` say nothing)."""
    return bool(_SCALED.search(STRINGS.sub('""', expr)))


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for board in rendered(ctx):
        flagged: set[tuple[str | int, ...]] = set()
        for t in promql_targets(board):
            expr = t.expr
            if "_seconds" not in expr and "_milliseconds" not in expr:
                continue  # neither pattern nor the latency-title test can match
            if t.panel_path in flagged:
                continue
            u, maybe_time = target_unit(t.panel, t.data)
            if u in TIME_UNITS or maybe_time:
                continue
            timed = returns_time(expr)
            titled = (
                not timed and "_seconds" in expr and bool(_LATENCY_TITLE.search(panel_title(t.panel))) and not not_time(expr)
            )
            if not (timed or titled):
                continue
            # A duration divided by a target (or otherwise scaled) and shown as a ratio is
            # a share of the target; a bare duration in percent still reads 0.25 s as 25 %.
            by_number = timed and scaled(expr)
            # A _milliseconds histogram returns milliseconds; "s" would mislabel it 1000-fold.
            ms = "_seconds" not in expr
            if u in RATIO_UNITS and (titled or by_number):
                continue
            flagged.add(t.panel_path)
            yield error(
                # At the query (its string when the module or file writes one, else
                # the target; the panel when the target has no place of its own).
                query_token(ctx, board, t.path, expr, (0, len(expr))),
                "OAC305",
                f"latency panel {panel_title(t.panel)!r} in dashboard {board.title!r} has "
                f"{'unit ' + repr(u) if u else 'no unit'}"
                + (" (a word, which Grafana shows as a suffix, not a unit id)" if u and u.lower() in SPELLED_TIME else "")
                + "; its query returns "
                + ("a duration multiplied or divided by a number" if by_number else "milliseconds" if ms else "seconds"),
                # Scaled, it may be milliseconds (* 1000) or a share of a target (/ 0.5).
                hint=(
                    'set the y axis unit: k.heatmap(..., unit=k.SECONDS), or .y_axis(heatmap.YAxisConfig().unit("s")) '
                    "(options.yAxis.unit; a field unit labels the cells' counts)"
                    if t.panel.get("type") == "heatmap"
                    else f'set the format of the y axis its series is on to "{"ms" if ms else "s"}" '
                    "(yaxes[0] on the left, yaxes[1] on the right, where seriesOverrides with yaxis: 2 move it)"
                    if t.panel.get("type") == "graph" and not by_number
                    else 'set a time unit (unit="s", kit.SECONDS; "ms" after * 1000), or a ratio unit '
                    "(kit.PERCENTUNIT) if it divides by a target"
                    if by_number
                    else 'set unit="ms" (kit.MILLISECONDS)'
                    if ms
                    else 'set unit="s" (kit.SECONDS)'
                ),
            )


CHECK = Check("OAC305", "latency-unit", "latency panels must use a time unit", run)
