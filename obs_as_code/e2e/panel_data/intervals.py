"""Grafana's interval built-ins: ``$__interval``, ``$__rate_interval``, the query step.

The frontend's interval (``rangeutil``), promlib's step and rate interval, the
rounding table both use, the way each prints an interval, and the other built-in
variables of one target (``$__range``, ``$__from`` ...).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from obs_as_code.dashboards.migrate import GRID_COLUMNS
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.e2e.panel_data.timemath import TimeRange

# A panel's data points default to its width in pixels (GRID_COLUMNS: Grafana's grid).
#: Width of the dashboard in pixels used to derive a panel's default max data points.
SCREEN_WIDTH_PX = 1920

#: Grafana's "safe" resolution: a step never gives more points than this.
SAFE_RESOLUTION = 11000

#: Grafana's scrape interval when the datasource does not set one (``timeInterval``).
DEFAULT_SCRAPE = "15s"
#: :data:`DEFAULT_SCRAPE` in ms.
DEFAULT_SCRAPE_MS = parse_ms(DEFAULT_SCRAPE)


# Grafana's interval rounding table: (upper bound ms, rounded ms), first match wins.
_ROUND_TABLE: tuple[tuple[int, int], ...] = (
    (10, 1), (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500),
    (1_500, 1_000), (3_500, 2_000), (7_500, 5_000), (12_500, 10_000), (17_500, 15_000),
    (25_000, 20_000), (45_000, 30_000), (90_000, 60_000), (210_000, 120_000),
    (450_000, 300_000), (750_000, 600_000), (1_050_000, 900_000), (1_500_000, 1_200_000),
    (2_700_000, 1_800_000), (5_400_000, 3_600_000), (9_000_000, 7_200_000),
    (16_200_000, 10_800_000), (32_400_000, 21_600_000), (86_400_000, 43_200_000),
    (172_800_000, 86_400_000), (604_800_000, 86_400_000), (1_814_400_000, 604_800_000),
)


def round_interval(ms: float, *, frontend: bool = False) -> int:
    """Grafana's ``roundInterval``: ``ms`` snapped to a readable interval.

    The backend (``gtime.RoundInterval``, the step) keeps a bound in the lower
    bucket; the ``frontend`` (``rangeutil.roundInterval``, ``intervalMs`` and auto
    interval variables) puts it in the upper one (``<`` where the backend has ``<=``)."""
    for bound, rounded in _ROUND_TABLE:
        if ms < bound or (ms == bound and not frontend):
            return rounded
    return 2_592_000_000 if ms < 3_628_800_000 else 31_536_000_000


def kbn_interval(ms: int) -> str:
    """An interval in its largest whole unit, as Grafana prints ``$__interval`` (``1m``, ``500ms``)."""
    for unit, size in (("y", 31_536_000_000), ("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)):
        if ms >= size:
            return f"{ms // size}{unit}"
    return f"{max(ms, 1)}ms"


def go_duration(ms: int) -> str:
    """A duration as Go's ``time.Duration.String`` prints it (``4s``, ``1m31s``, ``1h0m0s``)."""
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    out = f"{hours}h" if hours else ""
    if hours or minutes:
        out += f"{minutes}m"
    return f"{out}{seconds}s"


@dataclass(frozen=True)
class Intervals:
    """The built-in interval variables of one target, and the query step."""

    #: ``$__interval`` (Grafana's backend replaces it with the step).
    interval_ms: int
    step_ms: int
    rate_interval_ms: int
    range: TimeRange


def duration_ms(text: str) -> int | None:
    """A Prometheus duration (or bare seconds, ``<``/``>`` prefixes ignored) in ms;
    None for empty, ``0s`` or unreadable text."""
    text = text.strip().lstrip("<>")
    if not text or text == "0s":
        return None
    if text.isdigit():
        text += "s"
    try:
        return parse_ms(text)
    except DurationError:
        return None


#: rangeUtil.describeInterval's error (the panel shows it).
FRONTEND_INTERVAL_ERROR = (
    'Invalid interval string, has to be either unit-less or end with one of the following units: '
    '"y, M, w, d, h, m, s, ms"'
)

# rangeutil's interval_regex; JavaScript's \d is [0-9] (Python's takes any script's digits).
_FRONTEND_INTERVAL_RE = re.compile(r"^(-?[0-9]+(?:\.[0-9]+)?)(ms|[Mwdhmsy])")

_FRONTEND_UNIT_MS = {"y": 31_536_000_000, "M": 2_592_000_000, "w": 604_800_000, "d": 86_400_000,
                     "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}

_JS_NUMBER_RE = re.compile(r"^\s*[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?\s*$")


def frontend_interval_ms(text: str) -> int | None:
    """A min interval as Grafana's frontend reads it (``rangeUtil.intervalToMs``).

    A non-zero number is whole seconds (``parseInt``); else a leading
    ``<number><unit>`` (``ms``, ``s`` ... ``y``; the count's integer part; anything
    may follow). None for a number without an integer part (JavaScript's NaN, no
    limit). Raises :class:`ValueError` with Grafana's message otherwise (e.g.
    ``$__interval``, which the frontend does not know yet when it reads this)."""
    if _JS_NUMBER_RE.match(text) and float(text) != 0:
        whole = re.match(r"\s*[-+]?[0-9]+", text)
        return int(whole[0]) * 1000 if whole else None
    m = _FRONTEND_INTERVAL_RE.match(text)
    if m is None:
        raise ValueError(FRONTEND_INTERVAL_ERROR)
    return int(float(m[1])) * _FRONTEND_UNIT_MS[m[2]]


def target_intervals(
    panel: Mapping[str, Any],
    target: Mapping[str, Any],
    time_range: TimeRange,
    scrape_ms: int,
    ds_interval: str | None = "",
) -> Intervals:
    """``$__interval``, the step and ``$__rate_interval`` Grafana computes for ``target``.

    Frontend: ``intervalMs = round(range / maxDataPoints)``, at least the
    panel's min interval, else the panel datasource's interval (``ds_interval``,
    its ``timeInterval`` as written, read by ``rangeUtil.intervalToMs``; None when
    the datasource has none, as the Mixed one: no limit; empty: ``scrape_ms``); a
    panel's max data points default to its width in pixels. Backend (promlib):
    ``step = max(range / maxDataPoints rounded, at least the target's min step
    or intervalMs; round(range / 11000))`` times the resolution factor, and
    ``$__interval`` is that step; ``$__rate_interval = max(intervalMs + scrape,
    4 * scrape)``, the target's min step taking the scrape interval's place
    when set.
    """
    width = float((panel.get("gridPos") or {}).get("w") or 12)
    max_points = int(panel.get("maxDataPoints") or max(int(width * SCREEN_WIDTH_PX / GRID_COLUMNS), 1))
    raw = time_range.ms / max_points
    panel_min = str(panel.get("interval") or "")
    # The panel's min interval is read by the frontend (rangeUtil.calculateInterval):
    # "$__interval" there (left as written on first load) is an error.
    if panel_min:
        low = frontend_interval_ms(panel_min)
    elif ds_interval is None:
        low = 1  # calculateInterval's own low limit
    else:
        low = frontend_interval_ms(ds_interval) if ds_interval else scrape_ms
    interval_ms = max(round_interval(raw, frontend=True), low or 0)
    min_step_text = str(target.get("interval") or "")
    # The frontend turns ${__interval} and [[__interval]] into $__interval; promlib
    # knows $__interval, $__interval_ms, $__rate_interval, $__rate_interval_ms as
    # min steps (isVariableInterval) and then steps on intervalMs.
    variable = min_step_text.lstrip("$").strip("{}")
    is_variable = variable in ("__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms")
    min_step = None if is_variable else duration_ms(min_step_text)
    if min_step is None and not is_variable and min_step_text.strip() not in ("", "0s"):
        # gtime.GetIntervalFrom fails: the backend refuses the query.
        raise ValueError(f'time: invalid duration "{min_step_text}"')
    min_interval = min_step if min_step is not None else interval_ms
    calculated = min_interval if raw < min_interval else round_interval(raw)
    adjusted = max(calculated, round_interval(time_range.ms / SAFE_RESOLUTION))
    if variable == "__rate_interval":
        # The min step is $__rate_interval: the step is the rate interval itself.
        step = max(adjusted + scrape_ms, 4 * scrape_ms)
        return Intervals(interval_ms=step, step_ms=step, rate_interval_ms=step, range=time_range)
    step = adjusted * max(int(target.get("intervalFactor") or 1), 1)
    if variable in ("__interval_ms", "__rate_interval_ms"):
        # promlib's calculateRateInterval reads this min step as the scrape
        # interval, cannot parse it and returns 0: $__rate_interval is "0s".
        return Intervals(interval_ms=step, step_ms=step, rate_interval_ms=0, range=time_range)
    requested = step if variable == "__interval" else min_step if min_step is not None else scrape_ms
    rate = max(interval_ms + requested, 4 * requested)
    return Intervals(interval_ms=step, step_ms=step, rate_interval_ms=rate, range=time_range)


def builtin_variables(dashboard: Mapping[str, Any], iv: Intervals) -> dict[str, str]:
    """Grafana's built-in variables for one target."""
    return {
        "__interval": kbn_interval(iv.interval_ms),
        "__interval_ms": str(iv.interval_ms),
        "__rate_interval": go_duration(iv.rate_interval_ms),
        "__rate_interval_ms": str(iv.rate_interval_ms),
        **_range_builtins(dashboard, iv.range),
    }


def variable_builtins(dashboard: Mapping[str, Any], time_range: TimeRange, interval: str) -> dict[str, str]:
    """The built-ins a Prometheus query variable's query sees (``PrometheusVariableSupport``).

    ``$__interval`` is ``interval``, the datasource's scrape interval as written
    (its ``timeInterval``, else ``15s``), ``$__interval_ms`` that interval as
    ``rangeUtil.intervalToMs`` reads it, ``$__range``, ``$__range_s`` and
    ``$__range_ms`` the time range; ``$__rate_interval`` is not among them (it
    stays as written). Raises :class:`ValueError` where ``intervalToMs`` throws."""
    ms = frontend_interval_ms(interval)
    return {
        "__interval": interval,
        "__interval_ms": "NaN" if ms is None else str(ms),
        **_range_builtins(dashboard, time_range),
    }


def _range_builtins(dashboard: Mapping[str, Any], time_range: TimeRange) -> dict[str, str]:
    # Go's math.Round and JavaScript's Math.round: half rounds up (Python's round: to even).
    range_s = math.floor(time_range.ms / 1000 + 0.5)
    return {
        "__range": f"{range_s}s",
        "__range_s": str(range_s),
        "__range_ms": str(time_range.ms),
        "__from": str(int(time_range.start * 1000)),
        "__to": str(int(time_range.end * 1000)),
        "__dashboard": str(dashboard.get("title", "")),
        "__org": "1",
        "__user": "admin",
    }
