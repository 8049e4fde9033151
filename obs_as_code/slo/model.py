"""SLOs as users declare them: the spec stage of spec -> model -> generate.

An :class:`SLO` names a service, an objective over a period and an SLI of one of
three kinds:

- :class:`RatioSLI`: error (or good) events over total events. Each query is either
  PromQL with a ``{window}`` placeholder (``sum(rate(x[{window}]))``), or a bare
  metric selector (``x_total{job="api", code=~"5.."}``) that we wrap in
  ``sum(rate(...[{window}]))`` ourselves;
- :class:`LatencySLI`: a histogram and a threshold that must be one of its bucket
  bounds; good events are ``bucket{le=threshold}``, total events ``_count``;
- :class:`RawSLI`: an error-ratio expression already in 0..1, with ``{window}``.

:class:`Alerting` configures the page and ticket alerts (names, labels,
annotations, or disabled). :class:`CapacityObjective` is the odd one out: a
throughput target is not an error-budget SLO, it becomes a plain alert.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from obs_as_code import names
from obs_as_code.durations import Duration
from obs_as_code.model.base import Definition, FieldTypeError, require_string_maps, require_strings
from obs_as_code.model.rules import AlertRule
from obs_as_code.target import current_target

#: The placeholder an SLI query uses for the window (``rate(x[{window}])``).
WINDOW = "{window}"
_WINDOW_RE = re.compile(r"\{window\}")
#: Sloth's spelling of the same placeholder, accepted by the importers.
SLOTH_WINDOW_RE = re.compile(r"\{\{ *\.window *\}\}")
_SELECTOR_RE = re.compile(r"^\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{.*\})?\s*$", re.S)
#: Prometheus 3 also names the metric by a quoted (UTF-8) name in the braces:
#: ``{"http.server.request.duration_count", code=~"5.."}``.
_QUOTED_SELECTOR_RE = re.compile(r'^\s*\{\s*"(?:[^"\\]|\\.)*"\s*(?:,.*)?\}\s*$', re.S)


def has_window(query: str) -> bool:
    """True when ``query`` holds the ``{window}`` placeholder."""
    return bool(_WINDOW_RE.search(query))


def is_selector(query: str) -> bool:
    """True when ``query`` is a bare metric selector (no placeholder, no function);
    for a Prometheus 3 target (:func:`obs_as_code.target.current_target`) also one
    naming its metric by a quoted name."""
    if has_window(query):
        return False
    return _SELECTOR_RE.match(query) is not None or (current_target().v3 and _QUOTED_SELECTOR_RE.match(query) is not None)


def as_template(query: str) -> str:
    """``query`` as a template over ``{window}``: selectors get ``sum(rate(...))``."""
    if has_window(query):
        return query.strip()
    return f"sum(rate({query.strip()}[{WINDOW}]))"


def render_window(template: str, window: str) -> str:
    """Replace every ``{window}`` of ``template`` with ``window`` (PromQL braces stay)."""
    return _WINDOW_RE.sub(window, template)


def format_le(value: float) -> str:
    """A bucket bound as Go client libraries expose it in ``le`` (``0.5``, ``1``, ``+Inf``)."""
    if math.isinf(value):
        return "+Inf"
    return f"{value:.15g}"


@dataclass
class RatioSLI(Definition):
    """Error events (or ``good`` events) over ``total`` events.

    Give exactly one of ``errors`` and ``good``. Both kinds of query may be PromQL
    with ``{window}`` or a bare selector (wrapped in ``sum(rate(...))``).
    """

    total: str
    errors: str | None = None
    good: str | None = None

    kind: ClassVar[str] = "ratio SLI"

    def __post_init__(self) -> None:
        require_strings(self, ("total",), optional=("errors", "good"))
        super().__post_init__()

    def error_ratio(self) -> str:
        """The error-ratio template (over ``{window}``)."""
        total = as_template(self.total)
        # "or (total) * 0": a counter's series appears at its first event, so a
        # service that has not failed yet has no error series, and a service that
        # has not succeeded yet no good series. Without it the ratio is empty
        # there: the budget reads "No data" instead of untouched, and a service
        # failing every request with no good series yet never alerts. (The two
        # queries carry the same labels, OAC403, so "or" adds only absent series.)
        # "(total) > 0": a window without any event has no sample rather than 0/0 =
        # NaN, which the period's sum_over_time would carry for the whole period
        # (the budget NaN for 30 days after one idle window).
        if self.errors is not None:
            return f"(\n  {as_template(self.errors)}\n  or\n  ({total}) * 0\n)\n/\n(({total}) > 0)"
        if self.good is not None:
            return f"1 - (\n  (\n    {as_template(self.good)}\n    or\n    ({total}) * 0\n  )\n  /\n  (({total}) > 0)\n)"
        raise ValueError("a RatioSLI needs errors= or good=")

    def event_rates(self) -> tuple[str, str]:
        """The templates of the error events and of all events per second over
        ``{window}``: the period's error ratio sums them (events, not windows)."""
        total = as_template(self.total)
        if self.errors is not None:
            return f"(\n  {as_template(self.errors)}\n  or\n  ({total}) * 0\n)", total
        if self.good is not None:
            # clamp_min: two counters' rates are extrapolated apart, and a few
            # more good than total events must not count as negative errors.
            return f"clamp_min(\n  ({total})\n  -\n  (\n    {as_template(self.good)}\n    or\n    ({total}) * 0\n  ),\n  0\n)", total
        raise ValueError("a RatioSLI needs errors= or good=")

    def queries(self) -> dict[str, str]:
        """The keyword -> template of each query given (for checks)."""
        out = {"total": as_template(self.total)}
        if self.errors is not None:
            out["errors"] = as_template(self.errors)
        if self.good is not None:
            out["good"] = as_template(self.good)
        return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@dataclass
class LatencySLI(Definition):
    """Requests faster than ``threshold`` seconds are good.

    ``metric`` is the histogram's name (without ``_bucket``), ``threshold`` one of
    its bucket bounds, ``selector`` extra matchers (``job="opencode-api"``).
    ``le`` overrides how the bound is spelled in the ``le`` label (Python clients
    write ``1.0`` where Go clients write ``1``).
    """

    metric: str
    threshold: float
    selector: str = ""
    le: str | None = None

    kind: ClassVar[str] = "latency SLI"

    def __post_init__(self) -> None:
        require_strings(self, ("metric", "selector"), optional=("le",))
        # A string threshold ("0.5") crashed a later stage with a traceback; raised
        # here it is OAC101 at the user's line.
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, (int, float)):
            raise FieldTypeError(
                f"LatencySLI threshold must be a number of seconds, not {type(self.threshold).__name__} ({self.threshold!r})"
                + (f": write threshold={self.threshold.strip()}" if isinstance(self.threshold, str) and _is_number(self.threshold) else ""),
                "threshold",
            )
        super().__post_init__()

    @property
    def le_value(self) -> str:
        """The ``le`` label value of the threshold bucket."""
        return self.le if self.le is not None else format_le(self.threshold)

    def selector_matchers(self) -> str:
        """``{selector}`` as written in the queries (empty without a selector)."""
        return self._sel()

    def _sel(self, extra: str = "") -> str:
        parts = [p for p in (self.selector.strip().strip(","), extra) if p]
        return "{" + ",".join(parts) + "}" if parts else ""

    def _good_total(self) -> tuple[str, str]:
        bucket = self._sel(f'le="{self.le_value}"')
        good = f"sum(rate({self.metric}_bucket{bucket}[{WINDOW}]))"
        return good, f"sum(rate({self.metric}_count{self._sel()}[{WINDOW}]))"

    def event_rates(self) -> tuple[str, str]:
        """Slow requests and all requests per second over ``{window}`` (the
        threshold bucket and the count come from the same scrapes: no clamp)."""
        good, total = self._good_total()
        return f"{total}\n-\n{good}", total

    def error_ratio(self) -> str:
        """1 - good/total, with good = the threshold bucket's rate."""
        good, total = self._good_total()
        # "> 0": no sample for a window without requests (0/0 would be NaN, and NaN
        # for the whole period in the budget's sum_over_time), as RatioSLI.
        return f"1 - (\n  ({good})\n  /\n  (({total}) > 0)\n)"


@dataclass
class RawSLI(Definition):
    """An error ratio already in 0..1, as PromQL over ``{window}`` (advanced)."""

    error_ratio_query: str

    kind: ClassVar[str] = "raw SLI"

    def __post_init__(self) -> None:
        require_strings(self, ("error_ratio_query",))
        super().__post_init__()

    def error_ratio(self) -> str:
        """The query itself."""
        return self.error_ratio_query.strip()


SLI = RatioSLI | LatencySLI | RawSLI


@dataclass
class AlertOptions(Definition):
    """One of the two burn-rate alerts. ``name`` overrides :attr:`Alerting.name`;
    labels and annotations are added to the shared ones (these win)."""

    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    disable: bool = False

    kind: ClassVar[str] = "SLO alert"

    def __post_init__(self) -> None:
        require_strings(self, (), optional=("name",))
        require_string_maps(self, ("labels", "annotations"))
        super().__post_init__()


@dataclass
class Alerting(Definition):
    """The page and ticket alerts of an SLO.

    ``name`` is shared by both (they differ by ``sloth_severity``, as in Sloth);
    None derives one from the service and SLO name. ``labels`` and ``annotations``
    go on both. A ``severity`` label is added when none is given (``critical`` on
    the page, ``warning`` on the ticket), as the house routing expects.
    ``disable`` turns both off.
    """

    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    page: AlertOptions = field(default_factory=AlertOptions)
    ticket: AlertOptions = field(default_factory=AlertOptions)
    page_severity: str | None = "critical"
    ticket_severity: str | None = "warning"
    disable: bool = False

    kind: ClassVar[str] = "SLO alerting"

    def __post_init__(self) -> None:
        require_strings(self, (), optional=("name", "page_severity", "ticket_severity"))
        require_string_maps(self, ("labels", "annotations"))
        _require_instance(self, "page", AlertOptions)
        _require_instance(self, "ticket", AlertOptions)
        super().__post_init__()


@dataclass
class RuleIntervals(Definition):
    """Evaluation intervals of the generated rule groups (Sloth's
    ``rule_intervals`` plugin): ``default`` for all three, or per group. None
    keeps Prometheus' global ``evaluation_interval``. The metadata series feed
    dashboards only, so ``metadata="1m"`` saves work without delaying alerts;
    a slower ``sli`` interval delays the alerts by up to that much. At most 5m:
    a recorded series goes stale when not written for 5 minutes."""

    default: Duration | None = None
    sli: Duration | None = None
    metadata: Duration | None = None
    alerts: Duration | None = None

    kind: ClassVar[str] = "SLO rule intervals"

    def for_stage(self, stage: str) -> Duration | None:
        """The interval of one generated group (``sli-recordings`` ...)."""
        specific = {"sli-recordings": self.sli, "meta-recordings": self.metadata, "alerts": self.alerts}[stage]
        return specific if specific is not None else self.default


def _require_instance(obj: object, name: str, kind: type) -> None:
    """Raise :class:`FieldTypeError` (OAC101 at ``name=``, else at the user's line)
    when the field ``name`` of ``obj`` is not a ``kind``: a dict written where the
    class belongs is the usual slip."""
    value = getattr(obj, name)
    if not isinstance(value, kind):
        hint = f": write {name}={kind.__name__}(...)" if isinstance(value, Mapping) else ""
        if value is None and kind is Alerting:
            # alerting=None for "no alerts": the SLO still needs its Alerting.
            hint = ": write alerting=Alerting(disable=True) for an SLO without alerts (left out, it has a page and a ticket)"
        raise FieldTypeError(f"{type(obj).__name__} {name} must be {kind.__name__}, not {type(value).__name__}{hint}", name)


def _camel(text: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", text) if part)


@dataclass
class SLO(Definition):
    """A service level objective: ``objective`` percent (0 < x < 100) of events
    good over a rolling ``period`` (a period with a windows table: 7d, 28d, 30d,
    or any period when ``windows`` gives a table)."""

    service: str
    name: str
    objective: float
    sli: SLI
    period: Duration = "30d"
    description: str = ""
    labels: Mapping[str, str] = field(default_factory=dict)
    alerting: Alerting = field(default_factory=Alerting)
    #: A custom windows table file (same format as ``obs_as_code/slo/windows``).
    windows: str | None = None
    #: Evaluation intervals of the generated groups (default: the global one).
    intervals: RuleIntervals | None = None
    #: Generate the SLO's dashboard.
    dashboard: bool = True

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "SLO"
    typed_later: ClassVar[frozenset[str]] = frozenset({"objective"})  # OAC401

    def __post_init__(self) -> None:
        # Copied onto every generated series: checked here, at the user's line.
        require_string_maps(self, ("labels",))
        # windows=123 crashed the build in OAC404 with a traceback (Path(123)).
        require_strings(self, ("description",), optional=("windows",))
        # A dict given for alerting= (Sloth's YAML shape) crashed the generator
        # with "'dict' object has no attribute 'disable'".
        _require_instance(self, "alerting", Alerting)
        if self.intervals is not None:
            _require_instance(self, "intervals", RuleIntervals)
        super().__post_init__()

    @property
    def id(self) -> str:
        """Sloth's SLO id: ``<service>-<name>`` (the ``sloth_id`` label)."""
        return names.slo_id(self.service, self.name)

    def key(self) -> str:
        return self.id

    def alert_name(self, which: AlertOptions) -> str:
        """The name of the page or ticket alert."""
        if which.name:
            return which.name
        if self.alerting.name:
            return self.alerting.name
        return f"{_camel(self.service)}{_camel(self.name)}ErrorBudgetBurn"


@dataclass
class CapacityObjective:
    """A throughput target ("more than 1000 workflows a minute"), which is a
    capacity alert, not an error-budget SLO: there is no budget to burn, the
    alert says the load is above what the deployment was sized for.

    ``rate_of`` is the counter's selector; the alert fires when
    ``sum(rate(rate_of[window])) * per_seconds`` stays above ``limit`` for ``for_``.
    """

    name: str
    rate_of: str
    limit: float
    per: str = "minute"
    window: Duration = "5m"
    for_: Duration = "15m"
    labels: Mapping[str, str] = field(default_factory=lambda: {"severity": "info"})
    annotations: Mapping[str, str] = field(default_factory=dict)

    _PER: ClassVar[dict[str, int]] = {"second": 1, "minute": 60, "hour": 3600}

    def expr(self) -> str:
        """The alert expression."""
        if self.per not in self._PER:
            raise ValueError(f"per must be one of {', '.join(self._PER)}, not {self.per!r}")
        scale = self._PER[self.per]
        rate = f"sum(rate({self.rate_of}[{self.window}]))"
        scaled = rate if scale == 1 else f"{rate} * {scale}"
        return f"{scaled} > {self.limit:g}"

    def alert(self) -> AlertRule:
        """The capacity alert, to put in a :class:`~obs_as_code.RuleGroup`."""
        return AlertRule(
            name=self.name,
            expr=self.expr(),
            for_=self.for_,
            labels=dict(self.labels),
            annotations=dict(self.annotations),
        )


def objective_usable(value: object) -> bool:
    """True for an objective the generator can compute with (a finite number in
    (0, 100)); OAC401 reports the others."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and 0 < value < 100
