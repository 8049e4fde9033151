"""The unit Grafana shows a query's series in, read as Grafana applies units, for
the checks that judge a unit against what a query returns (OAC305 latency in a
time unit, OAC316 ratios in the right percent unit). Not compiled with mypyc."""

from __future__ import annotations

import re
from typing import Any


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


def series_unit(panel: dict[str, Any], target: dict[str, Any]) -> tuple[str | None, frozenset[str | None]]:
    """``(unit, other units it may be in)`` of the series of ``target`` in
    ``panel``, as Grafana applies units: :func:`unit`; then the field overrides
    that reach the series (``byFrameRefID`` of its refId, ``byType`` number,
    ``byName``/``byNames``/``byRegexp`` of its name when its legend says it), in
    order, the last one winning. A legacy graph is shown as Grafana 11+ shows it,
    migrated to a time series panel: each ``seriesOverrides`` entry with
    ``yaxis: 2`` becomes an override by its alias, after the panel's own, setting
    the right axis' unit (``yaxes[1].format``) when it has one other than the left
    axis' (``yaxis: 1`` sets none: it does not move a series back). An override
    or an alias that may reach the series (its name is not known, or a regex
    Python reads otherwise) adds its unit to the others. A time series'
    ``custom.axisPlacement`` moves the axis, not the unit."""
    ref_id = target.get("refId")
    name = series_name(target)
    found = unit(panel)
    maybe: set[str | None] = set()
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
    right = _text(_at(panel, "yaxes", 1, "format")) if panel.get("type") == "graph" else None
    if right is not None and right != unit(panel):
        moves = panel.get("seriesOverrides")
        for o in moves if isinstance(moves, list) else []:
            if not isinstance(o, dict):
                continue
            yaxis, alias = o.get("yaxis"), o.get("alias")
            if type(yaxis) is not int or yaxis != 2 or not isinstance(alias, str) or not alias:
                continue
            moved = alias_matches(alias, name) if name is not None else None
            if moved is True:
                found = right
                maybe.clear()
            elif moved is None:
                maybe.add(right)
    maybe.discard(found)
    return found, frozenset(maybe)
