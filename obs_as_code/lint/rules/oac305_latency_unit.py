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
from obs_as_code.lint.rules._dashboards import panel_title, promql_targets, rendered
from obs_as_code.lint.types import STRINGS

#: Grafana's time unit ids.
TIME_UNITS = frozenset({"ns", "µs", "us", "ms", "s", "m", "h", "d", "dtdurations", "dtdurationms", "dthms", "dtdhms", "clockms", "clocks"})
#: Units that say the panel deliberately shows a ratio (e.g. share under 500 ms).
RATIO_UNITS = frozenset({"percentunit", "percent"})
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


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _at(value: Any, *keys: str | int) -> Any:
    """``value[k0][k1]...`` through dicts and lists, None where a step is missing."""
    for key in keys:
        if isinstance(key, int):
            value = value[key] if isinstance(value, list) and len(value) > key else None
        else:
            value = value.get(key) if isinstance(value, dict) else None
    return value


def unit(panel: dict[str, Any]) -> str | None:
    """The unit the panel shows its values in, read where its type keeps it:
    a heatmap's y axis (``options.yAxis.unit``; ``yAxis.format`` before Grafana 9;
    the field default only for a heatmap that calculates its buckets),
    a legacy graph's left axis (``yaxes[0].format``), a singlestat's ``format``;
    else, and for every other type, the field default (``fieldConfig.defaults.unit``)."""
    kind = panel.get("type")
    own: str | None = None
    if kind == "heatmap":
        own = _text(_at(panel, "options", "yAxis", "unit")) or _text(_at(panel, "yAxis", "format"))
        if own is None and _at(panel, "options", "calculate") is not True:
            # Bucket rows: the y axis of their bounds reads options.yAxis.unit
            # only; the field unit is the cells' (counts).
            return None
    elif kind == "graph":
        own = _text(_at(panel, "yaxes", 0, "format"))
    elif kind == "singlestat":
        own = _text(panel.get("format"))
    return own or _text(_at(panel, "fieldConfig", "defaults", "unit"))


def query_unit(panel: dict[str, Any], ref_id: Any) -> tuple[str | None, bool]:
    """``(unit, maybe_time)`` of the query ``ref_id`` of ``panel``: :func:`unit`,
    replaced by the field overrides that certainly apply to the query's series
    (``byFrameRefID`` of its refId, ``byType`` number), in order, as Grafana
    applies them; ``maybe_time`` when another override (by name, by regex ...)
    sets a time unit and may apply to them: nothing to report then."""
    found = unit(panel)
    maybe_time = False
    overrides = _at(panel, "fieldConfig", "overrides")
    for override in overrides if isinstance(overrides, list) else []:
        properties = override.get("properties") if isinstance(override, dict) else None
        units = [p.get("value") for p in properties if isinstance(p, dict) and p.get("id") == "unit"] if isinstance(properties, list) else []
        if not units:
            continue
        value = _text(units[-1])
        matcher = override.get("matcher")
        kind = matcher.get("id") if isinstance(matcher, dict) else None
        options = matcher.get("options") if isinstance(matcher, dict) else None
        if (kind == "byFrameRefID" and options == ref_id) or (kind == "byType" and options == "number"):
            found = value
        elif kind != "byFrameRefID" and value in TIME_UNITS:
            maybe_time = True
    return found, maybe_time


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
            u, maybe_time = query_unit(t.panel, t.data.get("refId"))
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
                board.locate(t.panel_path),
                "OAC305",
                f"latency panel {panel_title(t.panel)!r} in dashboard {board.title!r} has "
                f"{'unit ' + repr(u) if u else 'no unit'}; its query returns "
                + ("a duration multiplied or divided by a number" if by_number else "milliseconds" if ms else "seconds"),
                # Scaled, it may be milliseconds (* 1000) or a share of a target (/ 0.5).
                hint=(
                    'set the y axis unit: k.heatmap(..., unit=k.SECONDS), or .y_axis(heatmap.YAxisConfig().unit("s")) '
                    "(options.yAxis.unit; a field unit labels the cells' counts)"
                    if t.panel.get("type") == "heatmap"
                    else 'set a time unit (unit="s", kit.SECONDS; "ms" after * 1000), or a ratio unit '
                    "(kit.PERCENTUNIT) if it divides by a target"
                    if by_number
                    else 'set unit="ms" (kit.MILLISECONDS)'
                    if ms
                    else 'set unit="s" (kit.SECONDS)'
                ),
            )


CHECK = Check("OAC305", "latency-unit", "latency panels must use a time unit", run)
