"""Template variables at their first-load value, resolved as Grafana resolves them.

Options fetched from Prometheus (``label_values``, ``label_names``, ``metrics``,
``query_result``, series selectors), a query variable's ``regex`` and ``sort``,
custom/interval/constant/textbox/datasource variables, the saved ``current``
validated against the options, in dependency order.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from obs_as_code.dashboards.variable_queries import (
    LABEL_NAMES,
    LABEL_VALUES,
    METRICS,
    QUERY_RESULT,
    selector_filter,
)
from obs_as_code.e2e.panel_data.datasources import (
    Datasource,
    datasource_interval,
    datasource_of,
    datasource_type,
)
from obs_as_code.e2e.panel_data.formats import (
    ALL,
    Variable,
    interpolate,
    variable_names,
)
from obs_as_code.e2e.panel_data.intervals import (
    duration_ms,
    kbn_interval,
    round_interval,
    variable_builtins,
)
from obs_as_code.e2e.panel_data.jsregex import JsRegexError, compile_js, parse_grafana_regex
from obs_as_code.e2e.panel_data.prometheus import PrometheusClient, PrometheusError
from obs_as_code.e2e.panel_data.timemath import TimeRange

Option = tuple[str, str]
"""A variable option: ``(text, value)``."""


_TEXT_VALUE_RE = re.compile(r"\s*(.+)\s:\s(.+)\Z")


def _custom_options(query: str) -> list[Option]:
    # CustomVariable.transformCsvStringToOptions: comma-separated, "\," escapes a
    # comma; /^\s*(.+)\s:\s(.+)$/ (greedy: the last " : ") gives text and value.
    out: list[Option] = []
    for part in re.findall(r"(?:\\,|[^,])+", query):
        item = part.replace("\\,", ",")
        m = _TEXT_VALUE_RE.match(item)
        out.append((m[1].strip(), m[2].strip()) if m else (item.strip(), item.strip()))
    return out


def js_regex(pattern: str) -> tuple[re.Pattern[str], str]:
    """Grafana's ``stringToJsRegex``: ``/body/flags`` (flags ``g?i?m?y?s?`` in that
    order), else the whole text anchored as ``^text$``; the JavaScript pattern
    translated to Python (:mod:`.jsregex`) and the flags.

    Raises :class:`ValueError` (:class:`~.jsregex.JsRegexError`) as Grafana throws
    (``'x' is not a valid regular expression.``), or where the pattern cannot be
    run as JavaScript runs it.
    """
    body, flags = parse_grafana_regex(pattern)
    return compile_js(body, flags), flags


def _all_matches(value: str, rx: re.Pattern[str], flags: str) -> list[re.Match[str]]:
    # scenes' getAllMatches: exec once, or (g) again from the end of the last
    # match until none or an empty one; sticky (y) matches only at that point.
    out: list[re.Match[str]] = []
    pos = 0
    while pos <= len(value):
        found = rx.match(value, pos) if "y" in flags else rx.search(value, pos)
        if found is None:
            break
        out.append(found)
        if "g" not in flags or found[0] == "":
            break
        pos = found.end()
    return out


def apply_regex(items: Sequence[Option], pattern: str) -> list[Option]:
    """A query variable's ``regex`` applied as scenes' ``metricNamesToVariableValues`` does.

    Each value is matched (``g``: every match); a named group ``value`` and/or
    ``text`` gives the option's value and text (each standing in for the other
    when alone); else, with several matches, each match's first group is an
    option; else the first group of the match is text and value; without
    groups the value stays. A value without a match is dropped; the options
    are then deduplicated by value (first kept). An empty group counts as absent.
    """
    rx, flags = js_regex(pattern) if pattern else (None, "")
    out: list[Option] = []
    for text, value in items:
        if rx is None:
            out.append((text, value))
            continue
        matches = _all_matches(value, rx, flags)
        if not matches:
            continue
        value_group = next((m["value"] for m in matches if (m.groupdict().get("value") or "")), None)
        text_group = next((m["text"] for m in matches if (m.groupdict().get("text") or "")), None)
        first = next((m for m in matches if rx.groups), None)
        if value_group is not None or text_group is not None:
            value = value_group if value_group is not None else str(text_group)
            text = text_group if text_group is not None else str(value_group)
        elif len(matches) > 1 and first is not None:
            # JavaScript would add an undefined option for an unmatched group: left out here.
            out += [(m[1], m[1]) for m in matches if m[1] is not None]
            continue
        elif first is not None:
            if first[1] is None:
                continue
            text = value = first[1]
        out.append((text, value))
    seen: set[str] = set()
    unique: list[Option] = []
    for text, value in out:
        if value not in seen:
            seen.add(value)
            unique.append((text, value))
    return unique


def _natural_key(value: str) -> list[Any]:
    return [int(p) if p.isdigit() else p.lower() for p in re.split(r"(\d+)", value)]


def _numeric_key(value: str) -> int:
    # Grafana's sortByNumeric: the first run of digits as an integer (no sign, no
    # decimals), -1 when there is none.
    # JavaScript's \d: ASCII digits only (Python's \d takes any script's digits).
    m = re.search(r"[0-9]+", value)
    return int(m[0]) if m else -1


def _utf16(text: str) -> bytes:
    # JavaScript compares strings by UTF-16 code units: U+1F600 (two units from U+D83D)
    # sorts before U+FF21, where Python's code points put it after.
    return text.encode("utf-16-be", "surrogatepass")


def _sort(options: list[Option], mode: int) -> list[Option]:
    """Grafana's variable sort, on the options' texts: each "desc" mode is its
    ascending (stable) sort reversed; alphabetical ones compare as JavaScript does
    (UTF-16 code units, lodash's ``sortBy``/``toLower``)."""
    keys: dict[int, Any] = {1: _utf16, 3: _numeric_key, 5: lambda t: _utf16(t.lower()), 7: _natural_key}
    ascending = mode - 1 if mode in (2, 4, 6, 8) else mode
    if ascending not in keys:
        return options
    out = sorted(options, key=lambda option: keys[ascending](option[0]))
    return out[::-1] if ascending != mode else out


def variable_options(client: PrometheusClient, query: str, time_range: TimeRange) -> list[str]:
    """Options of a Prometheus query variable, fetched as Grafana fetches them."""
    query = query.strip()
    if m := LABEL_VALUES.match(query):
        return client.label_values(m[2], selector_filter(m[1]), time_range)
    if m := LABEL_NAMES.match(query):
        if not m[1]:
            return client.label_names(None, time_range)
        # label_names(x): the labels of the series whose name contains x, __name__ left out.
        names = client.label_names(f'{{__name__=~".*{m[1]}.*"}}', time_range)
        return [n for n in names if n != "__name__"]
    if m := METRICS.match(query):
        # metricNameQuery: new RegExp(pattern).test(name), a JavaScript search.
        rx = compile_js(m[1].strip())
        names = client.label_values("__name__", None, time_range)
        return [n for n in names if rx.search(n)]
    if m := QUERY_RESULT.match(query):
        # queryResultQuery: a scalar or string is its value; a vector's samples are
        # "name{labels} value ms"; any other result type throws.
        result_type, result = client.instant(m[1], time_range.end)
        if result_type in ("scalar", "string"):
            return [str(result[1] or "")]
        if result_type != "vector":
            raise PrometheusError(f"Unknown/Unhandled result type: [{result_type}]")
        out = []
        for item in result:
            metric = dict(item.get("metric") or {})
            name = metric.pop("__name__", "")
            labels = ",".join(f'{k}="{v}"' for k, v in metric.items())
            out.append(f"{name}{{{labels}}} {item['value'][1]} {_js_number(float(item['value'][0]) * 1000)}")
        return out
    # Any other text is a series selector: Grafana lists /api/v1/series as name{labels}.
    return [_series_text(labels) for labels in client.series(query, time_range)]


def _js_number(x: float) -> str:
    # JavaScript's String(number) for the values met here: no ".0" on a whole number.
    return str(int(x)) if x.is_integer() else repr(x)


def _series_text(labels: Mapping[str, str]) -> str:
    name = labels.get("__name__", "")
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items() if k != "__name__")
    return f"{name}{{{inner}}}"


def _query_text(var: Mapping[str, Any]) -> str:
    query = var.get("query")
    if isinstance(query, Mapping):
        return str(query.get("query") or "")
    return str(query or "")


def _current_values(var: Mapping[str, Any]) -> list[str]:
    value = (var.get("current") or {}).get("value")
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _select(
    var: Mapping[str, Any], name: str, kind: str, options: Sequence[Option], problem: str = ""
) -> Variable:
    multi = bool(var.get("multi"))
    include_all = bool(var.get("includeAll"))
    all_value = str(var["allValue"]) if var.get("allValue") not in (None, "") else None
    current = _current_values(var)
    values = [v for _, v in options]
    common: dict[str, Any] = {"options": tuple(values), "option_texts": tuple(t for t, _ in options), "all_value": all_value,
              "multi": multi, "include_all": include_all, "problem": problem}

    def chosen(kept: Sequence[str], **extra: Any) -> Variable:
        texts = tuple(next((t for t, v in options if v == k), k) for k in kept)
        return Variable(name, kind, tuple(kept), texts=texts, **common, **extra)

    # Grafana's validation of the saved value against the options (scenes'
    # MultiValueVariable; its default is All when the variable offers All).
    offered = set(values)
    if current[:1] == [ALL] or not options:
        kept: list[str] = []
    elif multi:
        kept = [c for c in current if c in offered]  # the stale values dropped, the others kept
    else:
        # findOptionMatchingCurrent: the saved value itself (a saved list matches no
        # option's value, nor its text any label), else the last option with its text.
        saved = var.get("current") or {}
        value, text = saved.get("value"), saved.get("text")
        if value is not None and not isinstance(value, list) and str(value) in offered:
            kept = [str(value)]
        else:
            by_text = [v for t, v in options if text is not None and not isinstance(text, list) and t == str(text)]
            kept = by_text[-1:]
    if kept:
        return chosen(kept)
    if include_all:
        return chosen(values, is_all=True)
    if options:
        return chosen(values[:1])
    return replace(chosen([]), problem=problem or "no option")


def resolve_variables(
    dashboard: Mapping[str, Any],
    client: PrometheusClient,
    time_range: TimeRange,
    datasources: Sequence[Datasource],
    scrape_interval: str | None = None,
    fixed: Mapping[str, Variable] | None = None,
) -> dict[str, Variable]:
    """Every template variable of ``dashboard`` at its first-load value, in declaration order.

    Variables are resolved in dependency order (a query mentioning ``$provider``
    waits for ``provider``), as Grafana does; built-ins in their queries take
    the values the Prometheus datasource gives them (:func:`variable_builtins`:
    ``$__interval`` is the variable's datasource's scrape interval, or
    ``scrape_interval`` when given). ``fixed``
    variables keep the given value (a user's pick) and the variables depending
    on them are resolved with it.
    """
    declared = list((dashboard.get("templating") or {}).get("list") or [])
    done: dict[str, Variable] = dict(fixed or {})
    todo = [v for v in declared if str(v.get("name")) not in done]
    names = {str(v.get("name")) for v in declared}
    while todo:
        progressed = False
        for var in list(todo):
            query = _query_text(var)
            needs = _references(var, query) & (names - {var.get("name")})
            if needs - set(done):
                continue
            todo.remove(var)
            progressed = True
            name = str(var.get("name"))
            done[name] = _resolve_one(var, name, query, done, dashboard, scrape_interval, client, time_range,
                                      datasources)
        if not progressed:
            # A cycle: resolve the rest as they are, like Grafana's give-up.
            for var in todo:
                name = str(var.get("name"))
                done[name] = _resolve_one(var, name, _query_text(var), done, dashboard, scrape_interval, client,
                                          time_range, datasources)
            todo = []
    return {str(v.get("name")): done[str(v.get("name"))] for v in declared}


def _references(var: Mapping[str, Any], query: str) -> set[str]:
    """The variables ``var`` reads: in its query, its datasource and its regex
    (Grafana refreshes a variable after every one of those)."""
    ds = var.get("datasource")
    ds_text = str(ds.get("uid") or "") if isinstance(ds, Mapping) else str(ds or "")
    text = " ".join((query, ds_text, str(var.get("regex") or "")))
    return variable_names(text)


def _resolve_one(
    var: Mapping[str, Any],
    name: str,
    query: str,
    done: Mapping[str, Variable],
    dashboard: Mapping[str, Any],
    scrape_interval: str | None,
    client: PrometheusClient,
    time_range: TimeRange,
    datasources: Sequence[Datasource],
) -> Variable:
    kind = str(var.get("type", "query"))
    if kind == "datasource":
        plugin = query or "prometheus"
        matching = [d for d in datasources if d.type == plugin]
        current = _current_values(var)
        chosen = [c for c in current if any(c in (d.uid, d.name) for d in matching)]
        default = next((d for d in matching if d.is_default), matching[0] if matching else None)
        value = chosen[0] if chosen else default.uid if default else plugin
        return Variable(name, kind, (value,), options=(plugin,),
                        problem="" if matching else f"no provisioned {plugin} datasource")
    if kind in ("custom", "interval"):
        # A custom variable's query is interpolated first (sceneGraph.interpolate).
        options = _custom_options(interpolate(query, done, {}, backend=False) if kind == "custom" else query)
        if kind == "interval":
            # Grafana's auto interval: the range over auto_count steps, at least auto_min.
            auto = kbn_interval(max(round_interval(time_range.ms / int(var.get("auto_count") or 30), frontend=True),
                                    duration_ms(str(var.get("auto_min") or "10s")) or 0))
            # getCurrentValueForOldIntervalModel: an auto value (old or new spelling) is
            # auto, an interval of the list is kept, anything else is the first interval.
            intervals = [v for _, v in options]
            selected = (_current_values(var) or [""])[0]
            if selected.startswith("$__auto_interval_") or selected == "$__auto":
                selected = auto
            elif selected not in intervals:
                selected = intervals[0] if intervals else ""
            var = {**var, "current": {"value": selected}}
            if var.get("auto"):
                options = [(auto, auto), *options]
        return _select(var, name, kind, options)
    if kind == "constant":
        return Variable(name, kind, (query,), options=(query,))
    if kind == "textbox":
        current = _current_values(var)
        return Variable(name, kind, (current[0] if current else query,))
    if kind == "query":
        if var.get("refresh") == 0:
            # "Never" refresh: Grafana shows the options saved in the dashboard.
            saved = [(str(o.get("text", o.get("value"))), str(o.get("value")))
                     for o in var.get("options") or [] if o.get("value") != ALL]
            return _select(var, name, kind, saved,
                           problem="" if saved else "refresh is 'never' and the dashboard saves no option")
        ds_type = datasource_type(var.get("datasource"), done, datasources)
        if ds_type != "prometheus":
            return _select(var, name, kind, [(v, v) for v in _current_values(var)],
                           problem=f"{ds_type} variable not resolved")
        # The datasource's interval as written (its timeInterval, else 15s) is $__interval here.
        ds = datasource_of(var.get("datasource"), done, datasources)
        try:
            builtins = variable_builtins(dashboard, time_range, datasource_interval(ds, scrape_interval))
        except ValueError as exc:
            return _select(var, name, kind, [], problem=str(exc))
        text = interpolate(query, done, builtins)
        try:
            found = variable_options(client, text, time_range)
        except (PrometheusError, JsRegexError) as exc:
            return _select(var, name, kind, [], problem=f"{text}: {exc}")
        regex = interpolate(str(var.get("regex") or ""), done, builtins, default_format="regex")
        try:
            options = _sort(apply_regex([(v, v) for v in found], regex), int(var.get("sort") or 0))
        except ValueError as exc:
            # Grafana throws: the variable errors and keeps no option.
            return _select(var, name, kind, [], problem=str(exc))
        return _select(var, name, kind, options, problem="" if options else f"{text} matched nothing")
    # adhoc, groupby, system ... : no substitution of their own.
    current = _current_values(var)
    return Variable(name, kind, tuple(current), options=tuple(current))
