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
    return target_unit(panel, {"refId": ref_id})


#: Grafana's test for a regex ``alias`` of a legacy graph's ``seriesOverrides``
#: (``/5xx/i``): the migration to a time series panel matches it by regex, any
#: other alias by the series' exact name.
_ALIAS_REGEX = re.compile(r"^([/~@;%#'])(.*?)\1([gimsuy]*)$")


def alias_matches(alias: str, name: str) -> bool | None:
    """Whether a ``seriesOverrides`` alias reaches the series named ``name``
    (a JavaScript regex searched in the name, else the name itself); None for a
    regex Python does not read the same way."""
    m = _ALIAS_REGEX.match(alias)
    if m is None:
        return alias == name
    try:
        return re.search(m.group(2), name, re.IGNORECASE if "i" in m.group(3) else 0) is not None
    except re.error:
        return None


def series_name(target: dict[str, Any]) -> str | None:
    """The name of the target's series when its legend says it whole (a plain
    text: no ``{{label}}``, no variable, not Grafana's ``__auto``); None when it
    depends on the series' labels."""
    legend = target.get("legendFormat")
    if not isinstance(legend, str) or not legend or "{{" in legend or "$" in legend or legend.startswith("__"):
        return None
    return legend


def _regex_matches(pattern: str, name: str) -> bool | None:
    """Grafana's ``byRegexp`` field matcher on the display name ``name``: a
    ``/.../flags`` pattern is searched; another one is read anchored, but only
    what the anchored and the unanchored readings agree on is said here."""
    if pattern.startswith("/"):
        return alias_matches(pattern, name)
    try:
        if re.fullmatch(pattern, name) is not None:
            return True
        return None if re.search(pattern, name) is not None else False
    except re.error:
        return None


def _field_matches(matcher: Any, ref_id: Any, name: str | None) -> bool | None:
    """Whether a field override's ``matcher`` reaches the number fields of the
    query ``ref_id`` whose series is named ``name`` (None: not known)."""
    kind = matcher.get("id") if isinstance(matcher, dict) else None
    options = matcher.get("options") if isinstance(matcher, dict) else None
    if kind == "byFrameRefID":
        return bool(options == ref_id)
    if kind == "byType":
        return options == "number" if isinstance(options, str) else None
    if name is None:
        return None
    if kind == "byName":
        return options == name if isinstance(options, str) else None
    if kind == "byRegexp":
        return _regex_matches(options, name) if isinstance(options, str) and options else None
    if kind == "byNames" and isinstance(options, dict) and isinstance(options.get("names"), list):
        listed = name in options["names"]
        mode = options.get("mode", "include")
        return listed if mode == "include" else (not listed if mode == "exclude" else None)
    return None


def _graph_axes(panel: dict[str, Any], name: str | None) -> tuple[int, set[int]]:
    """``(axis, other axes it may be on)`` of a legacy graph's series named
    ``name`` (0 left, 1 right): ``seriesOverrides`` entries with a ``yaxis``
    whose alias reaches it, in order, as Grafana applies them."""
    axis = 0
    maybe: set[int] = set()
    found = panel.get("seriesOverrides")
    for o in found if isinstance(found, list) else []:
        if not isinstance(o, dict):
            continue
        yaxis, alias = o.get("yaxis"), o.get("alias")
        if type(yaxis) is not int or yaxis not in (1, 2) or not isinstance(alias, str) or not alias:
            continue
        reached = alias_matches(alias, name) if name is not None else None
        if reached is True:
            axis = yaxis - 1
            maybe.clear()
        elif reached is None:
            maybe.add(yaxis - 1)
    maybe.discard(axis)
    return axis, maybe


def target_unit(panel: dict[str, Any], target: dict[str, Any]) -> tuple[str | None, bool]:
    """``(unit, maybe_time)`` of the series of ``target`` in ``panel``, as Grafana
    applies units: :func:`unit`, or for a legacy graph the format of the y axis
    the series is on (``seriesOverrides`` with ``yaxis: 2`` move the series their
    alias names to the right axis, ``yaxes[1].format``); then the field overrides
    that reach its series (``byFrameRefID`` of its refId, ``byType`` number,
    ``byName``/``byNames``/``byRegexp`` of its name when its legend says it), in
    order. ``maybe_time`` when an axis or an override that may reach the series
    (its name is not known) gives a time unit: nothing to report then. A time
    series' ``custom.axisPlacement`` moves the axis, not the unit: a field keeps
    its own unit on either side."""
    ref_id = target.get("refId")
    name = series_name(target)
    maybe: set[str | None] = set()
    if panel.get("type") == "graph":
        axis, others = _graph_axes(panel, name)
        default = _text(_at(panel, "fieldConfig", "defaults", "unit"))
        found = _text(_at(panel, "yaxes", axis, "format")) or default
        maybe.update(_text(_at(panel, "yaxes", i, "format")) or default for i in others)
    else:
        found = unit(panel)
    overrides = _at(panel, "fieldConfig", "overrides")
    for override in overrides if isinstance(overrides, list) else []:
        properties = override.get("properties") if isinstance(override, dict) else None
        units = [p.get("value") for p in properties if isinstance(p, dict) and p.get("id") == "unit"] if isinstance(properties, list) else []
        if not units:
            continue
        value = _text(units[-1])
        reached = _field_matches(override.get("matcher"), ref_id, name)
        if reached is True:
            found = value
            maybe.clear()
        elif reached is None:
            maybe.add(value)
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
                f"{'unit ' + repr(u) if u else 'no unit'}; its query returns "
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
