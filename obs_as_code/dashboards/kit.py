"""A small layer over grafana-foundation-sdk: what the SDK lacks, nothing more.

Everything here returns the SDK's own builders (``timeseries.Panel``,
``prometheus.Dataquery``, ``dashboard.Dashboard`` ...), so users can keep
chaining SDK methods; there is no second panel model. What it adds:

- :func:`layout` / :func:`dashboard`: panels flow into Grafana's 24-column grid
  (a width and height per panel, rows that may collapse), so nobody computes
  ``gridPos`` by hand; panel ids derive from titles, so they stay put when
  panels are added or moved (links to a panel keep working);
- query helpers that produce correct PromQL (:func:`rate`, :func:`ratio`,
  :func:`quantile`) and targets (:func:`prom`, :func:`loki`);
- units, thresholds, template variables, links and annotations every
  dashboard here needs;
- the user's line for every panel and target built here, so diagnostics point
  at the panel in ``dashboards/x.py`` rather than at the dashboard.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn, TypeVar

from grafana_foundation_sdk.builders import bargauge as sdk_bargauge
from grafana_foundation_sdk.builders import dashboard as sdk
from grafana_foundation_sdk.builders import gauge as sdk_gauge
from grafana_foundation_sdk.builders import heatmap as sdk_heatmap
from grafana_foundation_sdk.builders import logs as sdk_logs
from grafana_foundation_sdk.builders import loki as sdk_loki
from grafana_foundation_sdk.builders import prometheus as sdk_prometheus
from grafana_foundation_sdk.builders import stat as sdk_stat
from grafana_foundation_sdk.builders import table as sdk_table
from grafana_foundation_sdk.builders import tempo as sdk_tempo
from grafana_foundation_sdk.builders import text as sdk_text
from grafana_foundation_sdk.builders import timeseries as sdk_timeseries
from grafana_foundation_sdk.models import dashboard as m

from obs_as_code.dashboards.migrate import GRID_COLUMNS
from obs_as_code.dashboards.render import stable_panel_ids
from obs_as_code.model.base import FieldTypeError, FieldValueError
from obs_as_code.source import (
    LOCATION_ATTR,
    Columns,
    SourceLocation,
    capture,
    columns,
    location_of,
    module_tree,
)

DEFAULT_WIDTH = 8
DEFAULT_HEIGHT = 8


# Units (Grafana unit ids) the shipped dashboards use.
SECONDS = "s"
MILLISECONDS = "ms"
PERCENTUNIT = "percentunit"
PERCENT = "percent"
USD = "currencyUSD"
BYTES = "bytes"
REQPS = "reqps"
OPS = "ops"
SHORT = "short"
NONE = "none"

#: Reference to the dashboard's ``$datasource`` variable (see :func:`datasource_var`).
PROMETHEUS_VAR = m.DataSourceRef(type_val="prometheus", uid="${datasource}")
#: Grafana's "-- Mixed --" datasource: each target runs on its own (a panel whose
#: targets name different datasources gets it).
MIXED = m.DataSourceRef(type_val="datasource", uid="-- Mixed --")


def ds(type_: str, uid: str) -> m.DataSourceRef:
    """A datasource reference by uid (it must be declared in ``datasources/``)."""
    return m.DataSourceRef(type_val=type_, uid=uid)


def _mark(built: Any, loc: SourceLocation) -> None:
    if isinstance(built, Raw):
        object.__setattr__(built, LOCATION_ATTR, loc)  # Raw is a frozen dataclass
    else:
        setattr(built, LOCATION_ATTR, loc)  # the SDK's models: the cheaper call, per panel and target


@dataclass(frozen=True)
class Raw:
    """A piece of dashboard JSON the SDK cannot express (importer fallback).

    The SDK's JSON encoder serializes anything with ``to_json``; the layout
    reads ``gridPos`` from the dict.
    """

    data: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.data

    def build(self) -> Raw:
        return self


# ---------------------------------------------------------------------------
# PromQL


def selector(metric: str, matchers: str = "") -> str:
    """``metric{matchers}`` (``matchers`` as written inside the braces)."""
    return f"{metric}{{{matchers}}}" if matchers else metric


def _by(labels: Sequence[str]) -> str:
    return f" by ({', '.join(labels)})" if labels else ""


def rate(
    metric: str,
    matchers: str = "",
    *,
    by: Sequence[str] = (),
    window: str = "$__rate_interval",
    fn: str = "rate",
    agg: str = "sum",
) -> str:
    """``sum by (by) (rate(metric{matchers}[window]))``: always aggregated, so a
    panel shows one series per ``by`` value rather than one per scraped target."""
    return f"{agg}{_by(by)} ({fn}({selector(metric, matchers)}[{window}]))"


def increase(metric: str, matchers: str = "", *, by: Sequence[str] = (), window: str = "$__range") -> str:
    """``sum by (by) (increase(metric{matchers}[window]))`` (default: over the time range)."""
    return rate(metric, matchers, by=by, window=window, fn="increase")


def ratio(numerator: str, denominator: str, *, on: Sequence[str] | None = None, absent_as_zero: bool = False) -> str:
    """``(numerator) / (denominator)``; show it with unit :data:`PERCENTUNIT`.

    ``on`` matches on those labels only, with ``group_left``: for a numerator
    aggregated by more labels than the denominator (many series to one; Prometheus
    refuses that without ``group_left``), and as well for one to one.

    ``absent_as_zero`` shows 0 where the numerator has no series but the
    denominator has (``(numerator or (denominator) * 0) / (denominator)``): a
    client library creates an error counter's series at its first error, so an
    error ratio over a path, model or workflow that never failed is "No data"
    without it, not 0 %. The numerator must be aggregated by the same labels as
    the denominator (``or`` matches whole label sets), so it excludes ``on``.
    """
    if absent_as_zero:
        if on is not None:
            raise ValueError("ratio(): absent_as_zero needs the numerator grouped as the denominator; it excludes on=")
        # "or" binds loosest of all: the numerator needs no parentheses, the denominator does.
        numerator = f"{numerator} or ({denominator}) * 0"
    # "group_left ()": a bare group_left would read the denominator's "(" as its label list.
    match = f" on ({', '.join(on)}) group_left ()" if on is not None else ""
    return f"({numerator}) /{match} ({denominator})"


def quantile(
    q: float,
    histogram: str,
    matchers: str = "",
    *,
    by: Sequence[str] = (),
    window: str = "$__rate_interval",
) -> str:
    """``histogram_quantile(q, sum by (le, by) (rate(histogram_bucket{matchers}[window])))``.

    ``histogram`` is the metric's base name (``_bucket`` is added when missing);
    ``le`` is always kept in the aggregation, without it the quantile is wrong.
    """
    bucket = histogram if histogram.endswith("_bucket") else f"{histogram}_bucket"
    labels = ["le", *[b for b in by if b != "le"]]
    # repr, not :g (six digits: 0.9999999 became 1, another series).
    return f"histogram_quantile({q!r}, {rate(bucket, matchers, by=labels, window=window)})"


def buckets(
    histogram: str,
    matchers: str = "",
    *,
    by: Sequence[str] = (),
    window: str = "$__rate_interval",
    fn: str = "increase",
) -> str:
    """``sum by (le, by) (increase(histogram_bucket{matchers}[window]))``: the
    bucket counts a :func:`heatmap` draws (``_bucket`` is added when missing,
    ``le`` is always kept; ``fn="rate"`` for observations a second)."""
    bucket = histogram if histogram.endswith("_bucket") else f"{histogram}_bucket"
    return rate(bucket, matchers, by=["le", *[b for b in by if b != "le"]], window=window, fn=fn)


# ---------------------------------------------------------------------------
# Targets


def prom(
    expr: str,
    legend: str | None = None,
    *,
    ref_id: str | None = None,
    instant: bool = False,
    table: bool = False,
    datasource: m.DataSourceRef | None = None,
) -> sdk_prometheus.Dataquery:
    """A Prometheus target (``$datasource`` unless ``datasource`` is given)."""
    q = sdk_prometheus.Dataquery().expr(expr).datasource(datasource or PROMETHEUS_VAR)
    if legend is not None:
        q.legend_format(legend)
    if ref_id is not None:
        q.ref_id(ref_id)
    if instant:
        q.instant()
    if table:
        from grafana_foundation_sdk.models.prometheus import PromQueryFormat

        q.format(PromQueryFormat.TABLE)
    _mark(q.build(), capture())
    return q


def loki(
    expr: str,
    legend: str | None = None,
    *,
    ref_id: str | None = None,
    max_lines: int | None = None,
    instant: bool = False,
    datasource: m.DataSourceRef | None = None,
) -> sdk_loki.Dataquery:
    """A Loki (LogQL) target on the declared ``loki`` datasource; ``instant`` for
    a metric query a stat or table shows as one value (Loki's ``queryType``)."""
    q = sdk_loki.Dataquery().expr(expr).datasource(datasource or ds("loki", "loki"))
    if legend is not None:
        q.legend_format(legend)
    if ref_id is not None:
        q.ref_id(ref_id)
    if max_lines is not None:
        q.max_lines(max_lines)
    if instant:
        q.query_type("instant")
    _mark(q.build(), capture())
    return q


def traceql(
    query: str,
    *,
    limit: int | None = None,
    ref_id: str | None = None,
    datasource: m.DataSourceRef | None = None,
) -> sdk_tempo.TempoQuery:
    """A Tempo TraceQL search target on the declared ``tempo`` datasource (show it
    in :func:`table`: one row per trace)."""
    from grafana_foundation_sdk.models.tempo import SearchTableType

    q = (
        sdk_tempo.TempoQuery()
        .query_type("traceql")
        .query(query)
        .table_type(SearchTableType.TRACES)
        .datasource(datasource or ds("tempo", "tempo"))
    )
    if limit is not None:
        q.limit(limit)
    if ref_id is not None:
        q.ref_id(ref_id)
    _mark(q.build(), capture())
    return q


# ---------------------------------------------------------------------------
# Panels


def thresholds(*steps: tuple[float | None, str], percentage: bool = False) -> sdk.ThresholdsConfig:
    """``thresholds((None, "green"), (0.9, "red"))``: the first step's value is the base."""
    # A step of the wrong shape or type built (a string value, a number as the
    # color), and only the dashboard schema (oac validate) refused it.
    _require("k.thresholds", (("percentage", percentage, (bool,), "True or False"),))
    for i, step in enumerate(steps):
        if type(step) not in (list, tuple) or len(step) != 2:
            shown = repr(step)
            raise TypeError(
                f"k.thresholds: step {i} must be a (value, color) pair such as (0.9, \"red\"), "
                f"not {type(step).__name__} ({shown[:60]}{'...' if len(shown) > 60 else ''})"
            )
        _require("k.thresholds", ((f"step {i} value", step[0], (int, float, type(None)), "a number or None (the base step)"),
                                  (f"step {i} color", step[1], (str,), "a string such as 'red' or '#e02f44'")))
    mode = m.ThresholdsMode.PERCENTAGE if percentage else m.ThresholdsMode.ABSOLUTE
    return sdk.ThresholdsConfig().mode(mode).steps([m.Threshold(value=v, color=c) for v, c in steps])


P = TypeVar("P")

#: What a panel's ``thresholds=`` takes: :func:`thresholds`, or its ``(value,
#: color)`` steps as they are.
Thresholds = sdk.ThresholdsConfig | Sequence[tuple[float | None, str]]


def _common(
    panel: P,
    title: str,
    targets: Iterable[Any],
    *,
    unit: str | None,
    width: int,
    height: int,
    description: str | None,
    thresholds_: Thresholds | None,
    min_: float | None,
    max_: float | None,
    datasource: m.DataSourceRef | None,
    loc: SourceLocation,
) -> P:
    # One test per call (the kit is on the benchmarked path); the message only
    # when it fails. The SDK's own checks fail with "'>' not supported between
    # 'str' and 'int'" and "w must be <= 24", naming no argument.
    if type(width) is not int or type(height) is not int or not 0 < width <= GRID_COLUMNS or height < 1:
        _bad_size(panel, title, width, height)
    if (
        type(title) is not str
        or (unit is not None and type(unit) is not str)
        or (description is not None and type(description) is not str)
        or (min_ is not None and not _is_number(min_))
        or (max_ is not None and not _is_number(max_))
    ):
        # They built, and only the dashboard schema (oac validate) refused them.
        _require(f"k.{_kind(panel)}", (("title", title, (str,), "a string"), ("unit", unit, (str, type(None)), "a string"),
                                        ("description", description, (str, type(None)), "a string"),
                                        ("min", min_, (int, float, type(None)), "a number"), ("max", max_, (int, float, type(None)), "a number")))
    b: Any = panel  # every SDK panel builder has these methods; they share no base class
    b.title(title).span(width).height(height)
    targets = _targets(panel, title, targets)
    if targets:
        b.targets(targets)
    if unit is not None:
        b.unit(unit)
    if description:
        b.description(description)
    if thresholds_ is not None:
        b.thresholds(_thresholds(panel, title, thresholds_))
    if min_ is not None:
        b.min(min_)
    if max_ is not None:
        b.max(max_)
    if datasource is not None:
        b.datasource(datasource)
    else:
        # The targets' datasource; -- Mixed -- when they name several (Grafana
        # runs a panel's queries on the panel's datasource unless it is Mixed).
        first: Any = None
        for t in targets:
            ref = t.build().datasource
            if ref is None:
                continue
            if first is None:
                first = ref
            elif (ref.type_val, ref.uid) != (first.type_val, first.uid):
                first = MIXED
                break
        if first is not None:
            b.datasource(first)
    _mark(b.build(), loc)
    return panel


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _require(call: str, args: Sequence[tuple[str, Any, tuple[type, ...], str]]) -> None:
    """Raise :class:`FieldTypeError` (OAC101 at the user's ``name=``, else at
    the call) for the first argument of ``call`` that is not of its types:
    ``(name, value, types, what)``; ``name`` is the argument's (``tags[2]`` an
    item of ``tags``), else a plain ``TypeError`` (``step 0 value`` of the
    positional steps of :func:`thresholds`)."""
    for name, value, kinds, what in args:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            shown = repr(value)
            message = f"{call}: {name} must be {what}, not {type(value).__name__} ({shown[:60]}{'...' if len(shown) > 60 else ''})"
            argument = name.partition("[")[0]
            if argument.isidentifier():
                raise FieldTypeError(message, argument)
            raise TypeError(message)


def _kind(builder: Any) -> str:
    """The kit function that made ``builder`` (its SDK module): ``stat``, ``timeseries`` ..."""
    return type(builder).__module__.rsplit(".", 1)[-1]


def _targets(panel: Any, title: str, given: Iterable[Any]) -> list[Any]:
    """``given`` as a list of query builders; one list among them is taken as
    its targets. Anything else is refused, saying what to write (a query string
    failed with "'str' object has no attribute 'build'")."""
    out: list[Any] = []
    for t in given:
        if hasattr(t, "build"):
            out.append(t)
        elif type(t) in (list, tuple):
            out.extend(_targets(panel, title, t))
        elif isinstance(t, str):
            raise TypeError(
                f"k.{_kind(panel)}({title!r}): target {t!r} is a str: wrap the query: k.prom({t!r}) (or k.loki(...) for LogQL)"
            )
        else:
            raise TypeError(
                f"k.{_kind(panel)}({title!r}): target {t!r} is a {type(t).__name__}, not a target: "
                "give k.prom(...), k.loki(...) or another SDK query builder"
            )
    return out


def _thresholds(panel: Any, title: str, given: Any) -> Any:
    """A thresholds builder, also from ``(value, color)`` pairs."""
    if hasattr(given, "build"):
        return given
    if type(given) in (list, tuple) and all(
        type(step) in (list, tuple) and len(step) == 2 and (step[0] is None or _is_number(step[0])) and isinstance(step[1], str)
        for step in given
    ):
        return thresholds(*[(v, c) for v, c in given])
    raise FieldTypeError(
        f"k.{_kind(panel)}({title!r}): thresholds={given!r}: write "
        'thresholds=k.thresholds((None, "green"), (0.9, "red")) (the base step\'s value is None)',
        "thresholds",
    )


def _bad_size(panel: Any, title: str, width: Any, height: Any) -> NoReturn:
    """Raise the error of :func:`_common` 's first bad layout argument: which
    argument, what it is, what to write (``TypeError`` for a value that is no
    whole number, ``ValueError`` for one off the grid, as the SDK raises)."""
    kind = type(panel).__module__.rsplit(".", 1)[-1]  # the builder's module: timeseries, stat ...
    for name, value, low, high, example, meaning in (
        ("width", width, 1, GRID_COLUMNS, 12, f"a number of grid columns, 1 to {GRID_COLUMNS}"),
        ("height", height, 1, None, DEFAULT_HEIGHT, "a number of grid rows, at least 1"),
    ):
        if type(value) is int:
            if value >= low and (high is None or value <= high):
                continue
            fixed = max(low, value if high is None else min(high, value))
            raise FieldValueError(f"k.{kind}({title!r}): {name}={value!r}: {name} is {meaning}: write {name}={fixed}", name)
        suggest = example
        if isinstance(value, str) and value.strip().isdigit():
            suggest = int(value.strip())
        elif isinstance(value, float) and value == value and abs(value) != float("inf"):
            suggest = int(value)
        suggest = max(low, suggest if high is None else min(high, suggest))
        raise FieldTypeError(
            f"k.{kind}({title!r}): {name}={value!r} ({type(value).__name__}): {name} is {meaning}: write {name}={suggest}", name
        )
    raise AssertionError("_bad_size called with a valid size")  # unreachable: _common tested first


def timeseries(
    title: str,
    *targets: Any,
    unit: str | None = None,
    width: int = DEFAULT_WIDTH,
    height: int = DEFAULT_HEIGHT,
    description: str | None = None,
    thresholds: Thresholds | None = None,
    min: float | None = None,
    max: float | None = None,
    stack: bool = False,
    datasource: m.DataSourceRef | None = None,
) -> sdk_timeseries.Panel:
    """A time series panel of ``targets``."""
    p = sdk_timeseries.Panel()
    if stack:
        from grafana_foundation_sdk.builders import common
        from grafana_foundation_sdk.models import common as common_model

        p.stacking(common.StackingConfig().mode(common_model.StackingMode.NORMAL))
        p.fill_opacity(20)
    return _common(p, title, targets, unit=unit, width=width, height=height, description=description,
                   thresholds_=thresholds, min_=min, max_=max, datasource=datasource, loc=capture())


def stat(
    title: str,
    *targets: Any,
    unit: str | None = None,
    width: int = 6,
    height: int = 4,
    description: str | None = None,
    thresholds: Thresholds | None = None,
    datasource: m.DataSourceRef | None = None,
) -> sdk_stat.Panel:
    """A single-value panel."""
    return _common(sdk_stat.Panel(), title, targets, unit=unit, width=width, height=height,
                   description=description, thresholds_=thresholds, min_=None, max_=None,
                   datasource=datasource, loc=capture())


def gauge(
    title: str,
    *targets: Any,
    unit: str | None = None,
    width: int = 6,
    height: int = 6,
    description: str | None = None,
    thresholds: Thresholds | None = None,
    min: float | None = None,
    max: float | None = None,
    datasource: m.DataSourceRef | None = None,
) -> sdk_gauge.Panel:
    """A gauge panel (set ``min``/``max`` for ratios: 0 and 1)."""
    return _common(sdk_gauge.Panel(), title, targets, unit=unit, width=width, height=height,
                   description=description, thresholds_=thresholds, min_=min, max_=max,
                   datasource=datasource, loc=capture())


def bargauge(
    title: str,
    *targets: Any,
    unit: str | None = None,
    width: int = 12,
    height: int = 8,
    description: str | None = None,
    thresholds: Thresholds | None = None,
    min: float | None = None,
    max: float | None = None,
    datasource: m.DataSourceRef | None = None,
) -> sdk_bargauge.Panel:
    """A bar gauge panel (one bar per series)."""
    return _common(sdk_bargauge.Panel(), title, targets, unit=unit, width=width, height=height,
                   description=description, thresholds_=thresholds, min_=min, max_=max,
                   datasource=datasource, loc=capture())


def heatmap(
    title: str,
    *targets: Any,
    unit: str | None = None,
    width: int = 12,
    height: int = DEFAULT_HEIGHT,
    description: str | None = None,
    datasource: m.DataSourceRef | None = None,
) -> sdk_heatmap.Panel:
    """A heatmap of histogram buckets (targets of :func:`buckets` queries): each
    Prometheus target is read as buckets (format heatmap, legend ``{{le}}`` unless
    given), Grafana draws them as they are (no calculation), and ``unit`` is the
    y axis's, the unit of the bucket bounds (:data:`SECONDS` for a latency)."""
    from grafana_foundation_sdk.models.prometheus import PromQueryFormat

    for t in targets:
        if isinstance(t, sdk_prometheus.Dataquery):
            t.format(PromQueryFormat.HEATMAP)
            if t.build().legend_format is None:
                t.legend_format("{{le}}")
    p = sdk_heatmap.Panel().calculate(False)
    if unit is not None:
        p.y_axis(sdk_heatmap.YAxisConfig().unit(unit))
    return _common(p, title, targets, unit=None, width=width, height=height, description=description,
                   thresholds_=None, min_=None, max_=None, datasource=datasource, loc=capture())


def table(
    title: str,
    *targets: Any,
    unit: str | None = None,
    width: int = 12,
    height: int = 8,
    description: str | None = None,
    datasource: m.DataSourceRef | None = None,
) -> sdk_table.Panel:
    """A table panel (use instant, ``table=True`` targets)."""
    return _common(sdk_table.Panel(), title, targets, unit=unit, width=width, height=height,
                   description=description, thresholds_=None, min_=None, max_=None,
                   datasource=datasource, loc=capture())


def logs(
    title: str,
    *targets: Any,
    width: int = GRID_COLUMNS,
    height: int = 10,
    description: str | None = None,
) -> sdk_logs.Panel:
    """A logs panel over Loki targets (:func:`loki`)."""
    p = sdk_logs.Panel().show_time(True).wrap_log_message(True).enable_log_details(True)
    return _common(p, title, targets, unit=None, width=width, height=height,
                   description=description, thresholds_=None, min_=None, max_=None,
                   datasource=None, loc=capture())


def text(title: str, content: str, *, width: int = GRID_COLUMNS, height: int = 3) -> sdk_text.Panel:
    """A Markdown text panel."""
    from grafana_foundation_sdk.models import text as text_model

    # Content of another type built (None, a number, a list), unchecked.
    _require("k.text", (("content", content, (str,), "a string (Markdown)"),))

    p = sdk_text.Panel().content(content).mode(text_model.TextMode.MARKDOWN)
    return _common(p, title, (), unit=None, width=width, height=height, description=None,
                   thresholds_=None, min_=None, max_=None, datasource=None, loc=capture())


@dataclass
class RowSpec:
    """A row of panels (:func:`row`); laid out by :func:`layout`."""

    title: str
    panels: list[Any] = field(default_factory=list)
    collapsed: bool = False
    repeat: str | None = None
    location: SourceLocation | None = None


def row(title: str, panels: Sequence[Any], *, collapsed: bool = False, repeat: str | None = None) -> RowSpec:
    """A row: its panels flow below its header; ``collapsed`` hides them until opened."""
    loc = capture()
    # A title of another type built, and only the dashboard schema (oac validate) refused it.
    _require("k.row", (("title", title, (str,), "a string"), ("collapsed", collapsed, (bool,), "True or False"),
                       ("repeat", repeat, (str, type(None)), "a variable name or None")))
    listed = _items(f"k.row({title!r})", "panels", panels, rows=False)
    _locate_sdk_panels(sys._getframe(1).f_code.co_filename, loc, "row", listed)
    return RowSpec(title, listed, collapsed, repeat, loc)


def _items(call: str, name: str, given: Any, *, rows: bool) -> list[Any]:
    """``given`` (a list of panels, and of rows when ``rows``) as a list, refusing
    one panel passed alone or a value that is no panel with what to write."""
    what = "a list of panels and k.row(...)s" if rows else "a list of panels"
    if hasattr(given, "build") or isinstance(given, RowSpec):
        one = "k.row" if isinstance(given, RowSpec) else f"k.{_kind(given)}"
        raise FieldTypeError(f"{call}: {name} is one panel, not a list: write [{one}(...)] ({what})", name)
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise FieldTypeError(f"{call}: {name}={given!r} is a {type(given).__name__}: give {what}", name)
    listed = list(given)
    for item in listed:
        if not (hasattr(item, "build") or isinstance(item, RowSpec)):
            raise FieldTypeError(
                f"{call}: item {item!r} is a {type(item).__name__}, not a panel: "
                f"give k.timeseries(...), k.stat(...) ...{' or k.row(...)' if rows else ''}",
                name,
            )
    return listed


def _locate_sdk_panels(filename: str, call: SourceLocation, name: str, items: list[Any]) -> None:
    """Mark the panels among ``items`` (the list argument of the ``k.<name>(...)``
    call at ``call`` in ``filename``) that carry no location (built with the SDK's
    own builders: the kit has no heatmap, traces ...) with where they were written:
    the value assigned to a module-level name listed there, else the list's
    element. Without this a finding in such a panel pointed at the dashboard."""
    unmarked = [
        i for i, item in enumerate(items)
        if not isinstance(item, RowSpec) and hasattr(item, "build") and location_of(item.build()) is None
    ]
    if not unmarked:
        return  # kit panels all carry their own (the usual case: no syntax tree read)
    if not Path(filename).as_posix().endswith(Path(call.file).as_posix()):
        return  # called from a helper module: its lines are not the call's
    try:
        mtime_ns = Path(filename).stat().st_mtime_ns
        tree = module_tree(filename, mtime_ns)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return
    found: ast.List | None = None
    span = 0
    for node in ast.walk(tree):
        # The innermost k.<name>(title, [...]) call spanning the line (a row sits
        # inside its dashboard's call, whose list may be as long).
        if (
            isinstance(node, ast.Call)
            and _call_name(node) == name
            and node.lineno <= call.line <= (node.end_lineno or node.lineno)
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.List)
            and len(node.args[1].elts) == len(items)
            and (found is None or (node.end_lineno or node.lineno) - node.lineno < span)
        ):
            found = node.args[1]
            span = (node.end_lineno or node.lineno) - node.lineno
    if found is None or any(isinstance(e, ast.Starred) for e in found.elts):
        return
    cols = columns(filename, mtime_ns)
    assigned = _module_assignments(tree)
    for i in unmarked:
        element: ast.expr = found.elts[i]
        if isinstance(element, ast.Name) and element.id in assigned:
            element = assigned[element.id]
        # The tree's columns count UTF-8 bytes; a location's, characters.
        _mark(items[i].build(), SourceLocation(call.file, element.lineno, cols.char_col(element.lineno, element.col_offset)))


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _module_assignments(tree: ast.Module) -> dict[str, ast.expr]:
    """Names assigned once at module level -> the value assigned."""
    out: dict[str, ast.expr] = {}
    seen: set[str] = set()
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        value = node.value if isinstance(node, (ast.Assign, ast.AnnAssign)) else None
        for target in targets:
            if isinstance(target, ast.Name) and value is not None:
                if target.id in seen:
                    out.pop(target.id, None)  # assigned twice: which one is listed is unknown
                else:
                    out[target.id] = value
                seen.add(target.id)
    return out


# ---------------------------------------------------------------------------
# Layout


def _size(panel: Any) -> tuple[Any, int, int]:
    if isinstance(panel, RowSpec):
        where = f" ({panel.location.file}:{panel.location.line})" if panel.location is not None else ""
        raise TypeError(f"row {panel.title!r}{where} is inside a row: Grafana has rows at the top level only")
    built = panel.build()
    if isinstance(built, Raw):
        pos = built.data.get("gridPos") or {}
        w = DEFAULT_WIDTH if pos.get("w") is None else pos["w"]
        h = DEFAULT_HEIGHT if pos.get("h") is None else pos["h"]
        # As the SDK's span()/height() check theirs: a bad size would move the
        # panels after it instead.
        if not (isinstance(w, int) and 0 < w <= GRID_COLUMNS) or not (isinstance(h, int) and h > 0):
            raise ValueError(f"Raw panel gridPos w={w!r} h={h!r}: w must be 1..{GRID_COLUMNS} and h at least 1")
        return built, w, h
    gp = built.grid_pos
    if gp is None:
        return built, DEFAULT_WIDTH, DEFAULT_HEIGHT
    return built, int(gp.w or DEFAULT_WIDTH), int(gp.h or DEFAULT_HEIGHT)


def _facts(built: Any) -> tuple[Any, Any, Any, Any]:
    """What the panel numbering reads of a built panel or row (see
    :func:`obs_as_code.dashboards.render.stable_panel_ids`)."""
    if isinstance(built, Raw):
        data = built.data
        return data.get("id"), data.get("type"), data.get("title"), data.get("panels")
    try:  # m.Panel, m.RowPanel (only a row has panels)
        kind = built.type_val
        return built.id_val, kind, built.title, built.panels if kind == "row" else None
    except AttributeError:
        return getattr(built, "id_val", None), getattr(built, "type_val", None), getattr(built, "title", None), None


def _place(built: Any, x: int, y: int, w: int, h: int) -> None:
    if isinstance(built, Raw):
        built.data["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
    else:
        built.grid_pos = m.GridPos(h=h, w=w, x=x, y=y)


class _Flow:
    """Left-to-right, top-to-bottom flow into a 24-column grid."""

    def __init__(self) -> None:
        self.x = 0
        self.y = 0
        self.line = 0  # height of the current line

    def newline(self) -> None:
        if self.x:
            self.y += self.line
        self.x = 0
        self.line = 0

    def put(self, panel: Any) -> Any:
        built, w, h = _size(panel)
        w = min(w, GRID_COLUMNS)
        if self.x + w > GRID_COLUMNS:
            self.newline()
        _place(built, self.x, self.y, w, h)
        self.x += w
        self.line = max(self.line, h)
        return built



def number(panels: list[Any]) -> None:
    """Give each panel and row of ``panels`` (a dashboard's, built) that has no
    id its stable id (:func:`obs_as_code.dashboards.render.stable_panel_ids`:
    derived from its title and its row's, so that adding or moving another panel
    leaves it as it is)."""
    for built, pid in stable_panel_ids(panels, _facts):
        if isinstance(built, Raw):
            built.data["id"] = pid
        else:
            built.id_val = pid


def layout(board: sdk.Dashboard, items: Sequence[Any]) -> sdk.Dashboard:
    """Place ``items`` (panels and :func:`row` s) on ``board`` in order.

    Panels fill lines of 24 columns and wrap; a row starts a new line, takes one
    grid unit, and its panels follow it (inside it when collapsed, as Grafana
    stores them). Returns ``board``.

    Ids: a panel keeps the id it was given (``k.stat(...).id(7)``); every other
    panel and row of the board gets one derived from its title and its row's
    title (untitled: its type), and from how many panels with both the same came
    before it, hashed into 1..99999 (:func:`number`). So ids do not move when a
    panel is added, removed or moved elsewhere on the board: links to a panel
    (``?viewPanel=``, a Grafana alert's ``__panelId__``) keep working, and
    build/ shows no id churn. Renaming a panel or its row gives it a new id:
    pin it with ``.id(N)`` (its current id, from build/) to keep its links.
    """
    flow = _Flow()
    model = board.build()
    panels: list[Any] = list(model.panels or [])
    for item in items:
        if isinstance(item, RowSpec):
            flow.newline()
            r = sdk.Row(item.title).collapsed(item.collapsed).grid_pos(
                m.GridPos(h=1, w=GRID_COLUMNS, x=0, y=flow.y)
            )
            if item.repeat:
                r.repeat(item.repeat)
            row_y = flow.y
            row_model = r.build()
            if item.location is not None:
                _mark(row_model, item.location)
            panels.append(row_model)
            flow.y += 1
            children = [flow.put(p) for p in item.panels]
            flow.newline()
            if item.collapsed:
                row_model.panels = children
                # Collapsed children keep their positions, but take no room.
                flow.y = row_y + 1
            else:
                row_model.panels = []
                panels.extend(children)
        else:
            panels.append(flow.put(item))
    number(panels)
    model.panels = panels
    return board


# ---------------------------------------------------------------------------
# Variables, links, annotations


def datasource_var(name: str = "datasource", type_: str = "prometheus", label: str = "Data source") -> sdk.DatasourceVariable:
    """A datasource picker; targets built by :func:`prom` use ``${datasource}``."""
    _require("k.datasource_var", (("name", name, (str,), "a string"), ("type_", type_, (str,), "a string"), ("label", label, (str,), "a string")))
    v = sdk.DatasourceVariable(name).type(type_).label(label)
    _mark(v.build(), capture())
    return v


def query_var(
    name: str,
    query: str,
    *,
    label: str | None = None,
    multi: bool = False,
    include_all: bool = False,
    datasource: m.DataSourceRef | None = None,
    sort: bool = True,
    all_value: str = ".*",
) -> sdk.QueryVariable:
    """A variable filled from Prometheus, e.g. ``label_values(up, job)``; refreshed
    when the time range changes. With ``include_all``, "All" stands for
    ``all_value``: ``.*`` keeps series without the label in Prometheus queries;
    a variable that is a Loki stream selector's only matcher needs ``.+`` (Loki
    refuses a selector all of whose matchers match the empty string, OAC318)."""
    _require("k.query_var", (("name", name, (str,), "a string"), ("query", query, (str,), "a string"),
                             ("label", label, (str, type(None)), "a string"), ("multi", multi, (bool,), "True or False"),
                             ("include_all", include_all, (bool,), "True or False"), ("all_value", all_value, (str,), "a string")))
    v = (
        sdk.QueryVariable(name)
        .query(query)
        .datasource(datasource or PROMETHEUS_VAR)
        .refresh(m.VariableRefresh.ON_TIME_RANGE_CHANGED)
        .multi(multi)
        .include_all(include_all)
    )
    if include_all:
        v.all_value(all_value)
    if sort:
        v.sort(m.VariableSort.ALPHABETICAL_ASC)
    if label is not None:
        v.label(label)
    _mark(v.build(), capture())
    return v


def custom_var(
    name: str,
    values: Sequence[str],
    *,
    label: str | None = None,
    multi: bool = False,
    include_all: bool = False,
    all_value: str = ".+",
) -> sdk.CustomVariable:
    """A variable with fixed values (a comma inside one is escaped, as Grafana reads
    them). With ``include_all``, "All" stands for ``all_value``: ``.+``, since Loki
    refuses a selector whose only matcher also matches the empty string
    (``{job=~".*"}``), and Grafana selects All on a dashboard's first load."""
    _require("k.custom_var", (("name", name, (str,), "a string"), ("values", values, (list, tuple), "a list of strings"),
                              ("label", label, (str, type(None)), "a string"), ("multi", multi, (bool,), "True or False"),
                              ("include_all", include_all, (bool,), "True or False"), ("all_value", all_value, (str,), "a string")))
    _require("k.custom_var", [(f"values[{i}]", x, (str,), "a string") for i, x in enumerate(values)])
    v = sdk.CustomVariable(name).values(",".join(x.replace(",", "\\,") for x in values)).multi(multi).include_all(include_all)
    if include_all:
        v.all_value(all_value)
    if label is not None:
        v.label(label)
    _mark(v.build(), capture())
    return v


def interval_var(name: str = "interval", values: Sequence[str] = ("1m", "5m", "15m", "1h"), *, label: str | None = None) -> sdk.IntervalVariable:
    """A variable holding a range-vector window, e.g. for ``increase(x[$interval])``."""
    v = sdk.IntervalVariable(name).values(",".join(values))
    if label is not None:
        v.label(label)
    _mark(v.build(), capture())
    return v


def link_dashboards(tag: str, title: str = "Related") -> sdk.DashboardLink:
    """A dropdown of the dashboards tagged ``tag``, keeping time range and variables."""
    _require("k.link_dashboards", (("tag", tag, (str,), "a string"), ("title", title, (str,), "a string")))
    link = (
        sdk.DashboardLink(title)
        .type(m.DashboardLinkType.DASHBOARDS)
        .tags([tag])
        .as_dropdown(True)
        .keep_time(True)
        .include_vars(True)
    )
    _mark(link.build(), capture())
    return link


def link_url(title: str, url: str) -> sdk.DashboardLink:
    """A link to an external page (a runbook, the service's docs)."""
    _require("k.link_url", (("title", title, (str,), "a string"), ("url", url, (str,), "a string")))
    link = sdk.DashboardLink(title).type(m.DashboardLinkType.LINK).url(url).target_blank(True)
    _mark(link.build(), capture())
    return link


def alerts_annotation(matchers: str = 'alertstate="firing"') -> sdk.AnnotationQuery:
    """Firing Prometheus alerts as annotations (from the ``ALERTS`` series)."""
    ann = (
        sdk.AnnotationQuery()
        .name("Alerts")
        .datasource(PROMETHEUS_VAR)
        .expr(f"ALERTS{{{matchers}}}")
        .enable(True)
        .icon_color("red")
    )
    _mark(ann.build(), capture())
    return ann


def deploys_annotation(tag: str = "deploy") -> sdk.AnnotationQuery:
    """Deploy markers: Grafana annotations tagged ``tag`` (CI posts them via the API)."""
    ann = (
        sdk.AnnotationQuery()
        .name("Deploys")
        .datasource(ds("grafana", "-- Grafana --"))
        .target(sdk.AnnotationTarget().type("tags").tags([tag]).limit(100).match_any(True))
        .enable(True)
        .icon_color("blue")
    )
    _mark(ann.build(), capture())
    return ann


def dashboard(
    title: str,
    items: Sequence[Any],
    *,
    uid: str | None = None,
    description: str | None = None,
    tags: Sequence[str] = (),
    variables: Sequence[Any] = (),
    annotations: Sequence[Any] = (),
    links: Sequence[Any] = (),
    refresh: str = "1m",
    time_from: str = "now-6h",
) -> sdk.Dashboard:
    """An SDK dashboard builder with ``items`` laid out (see :func:`layout`).

    The UID defaults to one derived from the module path at build time.
    """
    _require("k.dashboard", (("title", title, (str,), "a string"), ("refresh", refresh, (str,), "a string such as '1m'"),
                             ("time_from", time_from, (str,), "a string such as 'now-6h'"),
                             ("description", description, (str, type(None)), "a string"), ("uid", uid, (str, type(None)), "a string"),
                             ("tags", tags, (list, tuple), "a list of strings")))
    _require("k.dashboard", [(f"tags[{i}]", t, (str,), "a string") for i, t in enumerate(tags)])
    board = sdk.Dashboard(title).tags(list(tags)).refresh(refresh).time(time_from, "now")
    board.timezone("browser").tooltip(m.DashboardCursorSync.CROSSHAIR)
    board.editable()
    if uid is not None:
        board.uid(uid)
    if description:
        board.description(description)
    for v in variables:
        if not hasattr(v, "build"):
            raise FieldTypeError(
                f"k.dashboard({title!r}): variable {v!r} is a {type(v).__name__}, not a variable: give "
                "k.datasource_var(), k.query_var(...), k.custom_var(...) or k.interval_var(...)",
                "variables",
            )
        board.with_variable(v)
    if annotations:
        board.annotations(list(annotations))
    if links:
        board.links(list(links))
    loc = capture()
    _mark(board.build(), loc)
    listed = _items(f"k.dashboard({title!r})", "items", items, rows=True)
    _locate_sdk_panels(sys._getframe(1).f_code.co_filename, loc, "dashboard", listed)
    return layout(board, listed)


def placed(board: sdk.Dashboard, items: Sequence[Any], *, schema_version: int | None = None) -> sdk.Dashboard:
    """Append panels and rows where their own ``gridPos`` says (no automatic layout):
    what ``oac import dashboard`` writes, so an imported layout stays as it was.
    ``schema_version`` keeps the source's, so Grafana still runs its own panel
    migrations on old panels carried over as :class:`Raw`. Each item (and each
    panel of a :func:`collapsed_row` among them) is located at its own line of the
    call, so that a finding names the panel's line and an ``# oac: ignore[CODE]``
    comment there silences it for that panel only."""
    model = board.build()
    built = [item.build() for item in items]
    model.panels = [*(model.panels or []), *built]
    if schema_version is not None:
        model.schema_version = schema_version
    _locate_items(sys._getframe(1).f_code.co_filename, capture(), built)
    return board


def _locate_items(filename: str, call: SourceLocation, built: list[Any]) -> None:
    """Mark ``built`` (the items of the ``placed(board, [...])`` call at ``call`` in
    ``filename``), and collapsed rows' panels, with the line of their expression."""
    if not Path(filename).as_posix().endswith(Path(call.file).as_posix()):
        return  # called from a helper module: its lines are not the call's
    try:
        # The loader's parse of the module, shared (source.module_tree), not another.
        mtime_ns = Path(filename).stat().st_mtime_ns
        tree = module_tree(filename, mtime_ns)
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return  # source not on disk (exec'd text): no per-item lines
    cols = columns(filename, mtime_ns)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and node.lineno <= call.line <= (node.end_lineno or node.lineno)
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.List)
            and len(node.args[1].elts) == len(built)
        ):
            _mark_elements(call.file, cols, node.args[1].elts, built)
            return


def _mark_elements(file: str, cols: Columns, elements: list[ast.expr], built: list[Any]) -> None:
    for element, item in zip(elements, built, strict=True):
        if getattr(item, LOCATION_ATTR, None) is None:
            # The tree's columns count UTF-8 bytes; a location's, characters.
            _mark(item, SourceLocation(file, element.lineno, cols.char_col(element.lineno, element.col_offset)))
        children = getattr(item, "panels", None)
        if (
            isinstance(element, ast.Call)
            and len(element.args) == 2
            and isinstance(element.args[1], ast.List)
            and isinstance(children, list)
            and len(children) == len(element.args[1].elts)
        ):
            _mark_elements(file, cols, element.args[1].elts, children)


def collapsed_row(row_builder: sdk.Row, panels: Sequence[Any]) -> sdk.Row:
    """A collapsed row holding ``panels`` (built with their own ``gridPos``)."""
    built = row_builder.build()
    built.panels = [p.build() for p in panels]
    built.collapsed = True
    return row_builder
