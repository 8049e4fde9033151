"""Does every dashboard panel show data? Run the built panels' queries on a real Prometheus.

:func:`check_dashboards` reads ``build/grafana/dashboards/**/*.json`` and, for
every target of every panel (rows' panels included) whose datasource is a
Prometheus, does what Grafana does when the dashboard is first opened:

- the time range is the dashboard's ``time`` as Grafana's ``dateMath`` computes it
  in the dashboard's ``timezone`` (``now-1d/d``, ``now/w``, fiscal ``now/fy`` ...);
- template variables take their first-load value: ``current`` when it is one
  of the options, else "All" when the variable has it (``allValue`` when set,
  else every option), else the first option. ``label_values``,
  ``label_names``, ``metrics``, ``query_result`` and plain selector variables
  are resolved in dependency order with the Prometheus API calls Grafana makes
  (``/api/v1/label/<name>/values`` with ``match[]``, ``/api/v1/labels``, an
  instant query, ``/api/v1/series``), then the variable's ``regex`` (anchored
  unless ``/.../flags``; ``g``; named groups ``text``/``value``) and ``sort``;
  a variable never refreshed keeps its saved options; custom, constant,
  textbox, interval and datasource variables take their current (or first)
  value. A variable left without options is reported;
- values are formatted as Grafana's Prometheus datasource formats them
  (regex-escaped and joined with ``|`` for multi-value and "All" variables,
  ``allValue`` verbatim) and ``${var:format}`` formats as scenes' format registry;
- repeated rows and panels are expanded once per value (see :func:`panel_copies`);
- ``$__interval``, ``$__rate_interval``, ``$__range`` and the other built-ins
  follow Grafana's rules (frontend interval = the time range over the panel's
  data points, at least the panel's min interval or the datasource's scrape
  interval; ``$__rate_interval = max(interval + scrape, 4 * scrape)``; built-ins
  as min step or min interval as promlib and the frontend read them);
- the query runs as Grafana runs it: ``query_range`` (start and end aligned to
  the step on the dashboard zone's clock) unless the target is instant-only,
  ``query`` at the end otherwise.

Each target is reported as ``error`` (with Prometheus' message), ``empty`` (no
series: the panel says "No data") or ``ok``. Targets of other datasources
(Loki, Alertmanager, expressions ...), hidden targets and library panels are
counted as skipped, by type. With ``each_value`` a target also runs once per
option of each variable it uses (a user picking one value).

:func:`live_dashboards` runs the check on the e2e stack (``oac e2e
--dashboards``); ``python -m obs_as_code.e2e.panel_data BUILD_DIR
PROMETHEUS_URL`` checks a running Prometheus over each dashboard's own range.
"""

from __future__ import annotations

import calendar
import fnmatch
import json
import math
import os
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from obs_as_code.dashboards.migrate import GRID_COLUMNS
from obs_as_code.durations import DurationError, parse_ms
from obs_as_code.serialize import load_yaml

if TYPE_CHECKING:
    from obs_as_code.e2e.runner import LiveStack, RunConfig
    from obs_as_code.e2e.traffic import Traffic

Status = Literal["ok", "empty", "error"]

# A panel's data points default to its width in pixels (GRID_COLUMNS: Grafana's grid).
#: Width of the dashboard in pixels used to derive a panel's default max data points.
SCREEN_WIDTH_PX = 1920
#: Grafana's "safe" resolution: a step never gives more points than this.
SAFE_RESOLUTION = 11000
#: Grafana's scrape interval when the datasource does not set one.
DEFAULT_SCRAPE_MS = 15_000
ALL = "$__all"
ALL_TEXT = "All"


class PrometheusError(RuntimeError):
    """Prometheus answered a query with an error (its message is the text)."""


# --- time -----------------------------------------------------------------------------


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
class TimeRange:
    """A dashboard time range in Unix seconds."""

    start: float
    end: float

    @property
    def ms(self) -> int:
        """Its length in milliseconds."""
        return max(round((self.end - self.start) * 1000), 1)


_DATEMATH_UNITS = "yMwdhmsQ"
_WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}


def local_zone() -> ZoneInfo:
    """The time zone of this machine (``TZ``, else ``/etc/localtime``; UTC when unknown):
    the zone of a browser running here, for dashboards in the ``browser`` time zone."""
    name = os.environ.get("TZ", "").lstrip(":")
    if not name:
        try:
            name = os.readlink("/etc/localtime").split("zoneinfo/", 1)[-1]
        except OSError:
            name = "UTC"
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def dashboard_zone(dashboard: Mapping[str, Any], browser: ZoneInfo | None = None) -> ZoneInfo:
    """The zone Grafana computes the dashboard's time in: its ``timezone`` ``utc`` or a
    named zone; for ``browser``, an empty or an unknown zone, the browser's: ``browser``
    when given, else :func:`local_zone`."""
    name = str(dashboard.get("timezone") or "browser")
    if name.lower() == "utc":
        return ZoneInfo("UTC")
    if name != "browser":
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return browser or local_zone()


def _localize(naive: datetime, zone: ZoneInfo) -> float:
    # A wall-clock time in the zone as Unix seconds. A time skipped by a DST change
    # moves forward by the gap and a repeated one takes its first occurrence (fold=0),
    # as moment-timezone resolves them.
    return naive.replace(tzinfo=zone, fold=0).timestamp()


def _add_months(naive: datetime, months: int) -> datetime:
    # moment's add(n, 'M'): the day of month is clamped to the target month's length.
    total = naive.year * 12 + naive.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    return naive.replace(year=year, month=month, day=min(naive.day, calendar.monthrange(year, month)[1]))


def _start_of(naive: datetime, unit: str, week_start: int, fiscal: bool, fiscal_start: int) -> datetime:
    if unit in ("y", "Q") and fiscal:
        # roundToFiscal: the fiscal year (quarter) containing the time.
        months_in = (naive.month - 1 - fiscal_start) % (12 if unit == "y" else 3)
        return _add_months(naive.replace(day=1, hour=0, minute=0, second=0, microsecond=0), -months_in)
    if unit == "y":
        return naive.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "Q":
        return naive.replace(month=(naive.month - 1) // 3 * 3 + 1, day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "M":
        return naive.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    if unit == "w":
        day = naive.replace(hour=0, minute=0, second=0, microsecond=0)
        return day - timedelta(days=(naive.weekday() - week_start) % 7)
    if unit == "d":
        return naive.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "h":
        return naive.replace(minute=0, second=0, microsecond=0)
    if unit == "m":
        return naive.replace(second=0, microsecond=0)
    return naive.replace(microsecond=0)


def _shift(t: float, zone: ZoneInfo, unit: str, n: int) -> float:
    # moment's add/subtract: calendar units move the wall clock (a day stays a
    # day across a DST change), hours, minutes and seconds move the instant.
    if unit in "hms":
        return t + n * {"h": 3600, "m": 60, "s": 1}[unit]
    naive = datetime.fromtimestamp(t, zone).replace(tzinfo=None)
    if unit in "wd":
        naive += timedelta(days=n * (7 if unit == "w" else 1))
    else:
        naive = _add_months(naive, n * {"y": 12, "Q": 3, "M": 1}[unit])
    return _localize(naive, zone)


def parse_time(
    text: str,
    now: float,
    zone: ZoneInfo,
    *,
    round_up: bool = False,
    week_start: int = 6,
    fiscal_start: int = 0,
) -> float:
    """A dashboard time (``now-1d/d``, ISO 8601, epoch ms) as Unix seconds, as Grafana's
    ``dateMath`` computes it in ``zone``.

    ``+n``/``-n`` units move the time, ``/unit`` rounds it to the start of the unit
    (``round_up``, for a range's ``to``: its last millisecond), ``f`` before ``y``
    or ``Q`` is the fiscal year or quarter starting at month ``fiscal_start``
    (0-11); weeks start on ``week_start`` (Monday 0 ... Sunday 6; Sunday by
    default, as in moment's English locale). Raises :class:`ValueError` on text Grafana rejects.
    """
    text = str(text).strip()
    if text.startswith("now"):
        t, math_text = now, text[3:]
    else:
        base, _, math_text = text.partition("||")
        try:
            t = float(base) / 1000.0
        except ValueError:
            parsed = datetime.fromisoformat(base.replace("Z", "+00:00"))
            t = parsed.timestamp() if parsed.tzinfo else _localize(parsed, zone)
    math_text = re.sub(r"\s", "", math_text)
    i = 0
    while i < len(math_text):
        op = math_text[i]
        i += 1
        if op not in "/+-":
            raise ValueError(f"invalid time {text!r}")
        digits = re.match(r"\d*", math_text[i:])
        num = int(digits[0]) if digits and digits[0] else 1
        i += len(digits[0]) if digits else 0
        fiscal = math_text[i:i + 1] == "f"
        i += fiscal
        unit = math_text[i:i + 1]
        i += 1
        if not unit or unit not in _DATEMATH_UNITS or (op == "/" and num != 1):
            raise ValueError(f"invalid time {text!r}")
        if op == "/":
            if fiscal and unit not in "yQ":
                continue  # roundToFiscal leaves the time as it is for other units
            naive = datetime.fromtimestamp(t, zone).replace(tzinfo=None)
            start = _start_of(naive, unit, week_start, fiscal, fiscal_start)
            if not round_up:
                t = _localize(start, zone)
            elif unit in "hms":
                t = _localize(start, zone) + {"h": 3600, "m": 60, "s": 1}[unit] - 0.001
            else:
                # endOf: the start of the next unit on the wall clock, less one millisecond.
                if unit in "wd":
                    following = start + timedelta(days=7 if unit == "w" else 1)
                else:
                    following = _add_months(start, {"y": 12, "Q": 3, "M": 1}[unit])
                t = _localize(following, zone) - 0.001
        else:
            t = _shift(t, zone, unit, num if op == "+" else -num)
    return t


def dashboard_range(
    dashboard: Mapping[str, Any], now: float | None = None, *, browser: ZoneInfo | None = None
) -> TimeRange:
    """The dashboard's own ``time`` range (``now-6h`` to ``now`` when unset), as Grafana
    computes it on first load: relative times and rounding (``now/d``, ``now-1d/d``)
    in the dashboard's ``timezone`` (``browser``: ``browser``, else this machine's),
    ``to`` rounded up to the end of its unit, ``weekStart`` and ``fiscalYearStartMonth``
    honoured."""
    now = time.time() if now is None else now
    spec = dashboard.get("time") or {}
    zone = dashboard_zone(dashboard, browser)
    week_start = _WEEKDAYS.get(str(dashboard.get("weekStart") or "sunday").lower(), 6)
    fiscal_start = int(dashboard.get("fiscalYearStartMonth") or 0)
    start = parse_time(str(spec.get("from") or "now-6h"), now, zone, week_start=week_start,
                       fiscal_start=fiscal_start)
    end = parse_time(str(spec.get("to") or "now"), now, zone, round_up=True, week_start=week_start,
                     fiscal_start=fiscal_start)
    return TimeRange(start, end)


def utc_offset_s(t: float, zone: ZoneInfo) -> int:
    """The zone's UTC offset at ``t`` in seconds (Grafana sends the one at the range's end
    as ``utcOffsetSec``: the backend aligns the range to the step in local time)."""
    offset = datetime.fromtimestamp(t, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


@dataclass(frozen=True)
class Intervals:
    """The built-in interval variables of one target, and the query step."""

    #: ``$__interval`` (Grafana's backend replaces it with the step).
    interval_ms: int
    step_ms: int
    rate_interval_ms: int
    range: TimeRange


def _duration_ms(text: str) -> int | None:
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
_FRONTEND_INTERVAL_RE = re.compile(r"^(-?\d+(?:\.\d+)?)(ms|[Mwdhmsy])")
_FRONTEND_UNIT_MS = {"y": 31_536_000_000, "M": 2_592_000_000, "w": 604_800_000, "d": 86_400_000,
                     "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
_JS_NUMBER_RE = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$")


def frontend_interval_ms(text: str) -> int | None:
    """A min interval as Grafana's frontend reads it (``rangeUtil.intervalToMs``).

    A non-zero number is whole seconds (``parseInt``); else a leading
    ``<number><unit>`` (``ms``, ``s`` ... ``y``; the count's integer part; anything
    may follow). None for a number without an integer part (JavaScript's NaN, no
    limit). Raises :class:`ValueError` with Grafana's message otherwise (e.g.
    ``$__interval``, which the frontend does not know yet when it reads this)."""
    if _JS_NUMBER_RE.match(text) and float(text) != 0:
        whole = re.match(r"\s*[-+]?\d+", text)
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
) -> Intervals:
    """``$__interval``, the step and ``$__rate_interval`` Grafana computes for ``target``.

    Frontend: ``intervalMs = round(range / maxDataPoints)``, at least the
    panel's min interval (else the datasource's scrape interval); a panel's
    max data points default to its width in pixels. Backend (promlib):
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
    low = frontend_interval_ms(panel_min) if panel_min else scrape_ms
    interval_ms = max(round_interval(raw, frontend=True), low or 0)
    min_step_text = str(target.get("interval") or "")
    # The frontend turns ${__interval} and [[__interval]] into $__interval; promlib
    # knows $__interval, $__interval_ms, $__rate_interval, $__rate_interval_ms as
    # min steps (isVariableInterval) and then steps on intervalMs.
    variable = min_step_text.lstrip("$").strip("{}")
    is_variable = variable in ("__interval", "__interval_ms", "__rate_interval", "__rate_interval_ms")
    min_step = None if is_variable else _duration_ms(min_step_text)
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


# --- Prometheus -----------------------------------------------------------------------


class PrometheusClient:
    """The few HTTP API calls Grafana makes, as POSTs (the provisioned ``httpMethod``)."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _call(self, path: str, params: Sequence[tuple[str, str]], *, get: bool = False) -> Any:
        query = urllib.parse.urlencode(list(params))
        if get:
            req = urllib.request.Request(f"{self.url}{path}?{query}")
        else:
            req = urllib.request.Request(
                f"{self.url}{path}", data=query.encode(), method="POST",
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                doc = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            # 400/422 carry Prometheus' own message in a JSON body.
            raw = exc.read()
            try:
                doc = json.loads(raw)
            except ValueError:
                raise PrometheusError(f"HTTP {exc.code}: {raw[:200]!r}") from exc
        if doc.get("status") != "success":
            raise PrometheusError(f"{doc.get('errorType', 'error')}: {doc.get('error', '')}".strip())
        return doc["data"]

    def query(self, expr: str, at: float) -> list[dict[str, Any]]:
        """``/api/v1/query``: the instant vector (a scalar becomes one sample)."""
        data = self._call("/api/v1/query", [("query", expr), ("time", _fmt_time(at))])
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        result: list[dict[str, Any]] = data["result"]
        return result

    def query_range(self, expr: str, start: float, end: float, step_ms: int) -> list[dict[str, Any]]:
        """``/api/v1/query_range``: one entry per series."""
        data = self._call("/api/v1/query_range", [
            ("query", expr), ("start", _fmt_time(start)), ("end", _fmt_time(end)), ("step", f"{step_ms / 1000:g}"),
        ])
        result: list[dict[str, Any]] = data["result"]
        return result

    def label_values(self, label: str, match: str | None, time_range: TimeRange) -> list[str]:
        """``/api/v1/label/<label>/values`` (with ``match[]`` when given) over the range."""
        params = [("start", _fmt_time(time_range.start)), ("end", _fmt_time(time_range.end))]
        if match:
            params.append(("match[]", match))
        # This endpoint is GET-only in Prometheus.
        path = f"/api/v1/label/{urllib.parse.quote(label, safe='')}/values"
        return [str(v) for v in self._call(path, params, get=True)]

    def series(self, match: str, time_range: TimeRange) -> list[dict[str, str]]:
        """``/api/v1/series?match[]=...`` over the range: the label sets."""
        params = [("match[]", match), ("start", _fmt_time(time_range.start)), ("end", _fmt_time(time_range.end))]
        return [{str(k): str(v) for k, v in item.items()} for item in self._call("/api/v1/series", params)]

    def label_names(self, match: str | None, time_range: TimeRange) -> list[str]:
        """``/api/v1/labels`` (with ``match[]`` when given)."""
        params = [("start", _fmt_time(time_range.start)), ("end", _fmt_time(time_range.end))]
        if match:
            params.append(("match[]", match))
        return [str(v) for v in self._call("/api/v1/labels", params)]


def _fmt_time(t: float) -> str:
    return f"{t:.3f}"


# --- template variables ---------------------------------------------------------------


@dataclass(frozen=True)
class Variable:
    """A template variable at its first-load value."""

    name: str
    type: str
    #: The selected values (every option's value when "All" is selected).
    values: tuple[str, ...]
    options: tuple[str, ...] = ()
    is_all: bool = False
    all_value: str | None = None
    multi: bool = False
    include_all: bool = False
    #: Why the variable could not take a real value ("" when it did).
    problem: str = ""
    #: The options' texts (labels), parallel to ``options`` (empty: the values).
    option_texts: tuple[str, ...] = ()
    #: The selected values' texts, parallel to ``values`` (empty: the values).
    texts: tuple[str, ...] = ()
    #: A repeated row's or panel's copy: Grafana's ``LocalValueVariable``, whose
    #: value is one string even for a multi-value variable.
    local: bool = False

    def text_of(self, value: str) -> str:
        """The text (label) of the option ``value`` (the value itself when unknown)."""
        if value in self.values and len(self.texts) == len(self.values):
            return self.texts[self.values.index(value)]
        if value in self.options and len(self.option_texts) == len(self.options):
            return self.option_texts[self.options.index(value)]
        return value

    def single(self, value: str, *, local: bool = True) -> Variable:
        """This variable with one value selected: a repeated row's or panel's copy
        (``local``), else a user picking one option."""
        return replace(self, values=(value,), texts=(self.text_of(value),), is_all=False, local=local)

    def describe(self) -> str:
        """``$name = value`` for reports."""
        if self.is_all:
            shown = self.all_value if self.all_value is not None else f"All of {len(self.options)} option(s)"
            return f"${self.name} = All ({shown})"
        return f"${self.name} = {', '.join(self.values) if self.values else '(none)'}"

    def value(self) -> str | list[str]:
        """The value as Grafana's ``getValue`` returns it: a list for a multi-value
        variable or "All" (every option), one string otherwise (custom All aside)."""
        if self.is_all:
            return list(self.options)
        if self.multi and not self.local:
            return list(self.values)
        return self.values[0] if self.values else ""

    def value_text(self) -> str:
        """Grafana's ``getValueText``: "All", the texts joined with `` + ``, or the text."""
        if self.is_all:
            return ALL_TEXT
        texts = [self.text_of(v) for v in self.values]
        if self.multi and not self.local:
            return " + ".join(texts)
        return texts[0] if texts else ""

    def url_state(self) -> str | list[str]:
        """The variable's URL state (``var-<name>`` values): ``$__all`` for "All"."""
        if self.is_all:
            return [ALL] if self.multi else ALL
        return self.value()


def _js_escape_regex(value: str) -> str:
    return re.sub(r"[\\^$*+?.()|\[\]{}/]", lambda m: "\\" + m[0], value)


def prometheus_regular_escape(value: str) -> str:
    """Grafana's escaping of a single-value variable inside PromQL (backslashes, single quotes)."""
    return value.replace("\\", "\\\\").replace("'", "\\\\'")


def prometheus_regex_escape(value: str) -> str:
    """Grafana's escaping of a multi-value/All variable's value: a regex inside a PromQL string."""
    return re.sub(r"[$^*{}\[\]+?.()|]", lambda m: "\\\\" + m[0], value.replace("\\", "\\\\\\\\"))


def _uri_component(value: str) -> str:
    # encodeURIComponentStrict: encodeURIComponent, and !'()* too (RFC 3986).
    return urllib.parse.quote(value, safe="")


def _uri_angular(value: str) -> str:
    # urlUtil.toUrlParams' encodeURIComponentAsAngularJS(v, true): @ : $ , ; stay readable.
    out = urllib.parse.quote(value, safe="!'()*")
    for code, char in (("%40", "@"), ("%3A", ":"), ("%24", "$"), ("%2C", ","), ("%3B", ";")):
        out = out.replace(code, char)
    return out


def _lucene_escape(value: str) -> str:
    try:
        float(value)  # JS isNaN(+value) === false: a number stays as it is
        return value
    except ValueError:
        return re.sub(r"([!*+\-=<>\s&|()\[\]{}^~?:\\/\"])", r"\\\1", value)


def _escape_html(text: str) -> str:
    # textUtil.escapeHtml: & < > ' " (in that order).
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("'", "&#39;"), ('"', "&quot;")):
        text = text.replace(char, entity)
    return text


def _js_string(value: str | list[str]) -> str:
    # JavaScript's String(value): an array joins with commas.
    return ",".join(value) if isinstance(value, list) else value


def _quote_values(value: str | list[str], quote: str, escape: Mapping[str, str]) -> str:
    items = value if isinstance(value, list) else [value]
    return ",".join(quote + "".join(escape.get(c, c) for c in v) + quote for v in items)


def format_variable(var: Variable, fmt: str | None) -> str:
    """The text Grafana puts in a Prometheus query for ``var`` (``fmt``: ``${var:fmt}``).

    Without a format, the Prometheus datasource's own interpolation
    (``interpolateQueryExpr``); with one, the scenes ``formatRegistry``
    formatter of that name (glob for an unknown name). A custom All value
    (``allValue``) is used verbatim by every format except ``text`` ("All"),
    ``percentencode`` (encoded) and ``queryparam`` (``var-x=$__all``), as
    scenes' ``CustomAllValue`` does.
    """
    name, _, rest = (fmt or "").partition(":")
    args = rest.split(":") if rest else []
    if var.is_all and var.all_value is not None:
        if name == "text":
            return ALL_TEXT
        if name == "percentencode":
            return _uri_component(var.all_value)
        if name != "queryparam":
            return var.all_value
    value = var.value()
    if fmt is None:
        # Prometheus' interpolateQueryExpr: plain text unless multi-value or All.
        if not var.multi and not var.include_all:
            return prometheus_regular_escape(_js_string(value))
        if isinstance(value, str):
            return prometheus_regex_escape(value)
        escaped = [prometheus_regex_escape(v) for v in value]
        return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"
    return _FORMATTERS.get(name, _format_glob)(var, value, args)


def _format_glob(var: Variable, value: str | list[str], args: list[str]) -> str:
    return "{" + ",".join(value) + "}" if isinstance(value, list) and len(value) > 1 else _js_string(value)


def _format_regex(var: Variable, value: str | list[str], args: list[str]) -> str:
    if isinstance(value, str):
        return _js_escape_regex(value)
    escaped = [_js_escape_regex(v) for v in value]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def _format_lucene(var: Variable, value: str | list[str], args: list[str]) -> str:
    if isinstance(value, str):
        return _lucene_escape(value)
    if not value:
        return "__empty__"
    return "(" + " OR ".join('"' + _lucene_escape(v) + '"' for v in value) + ")"


def _format_distributed(var: Variable, value: str | list[str], args: list[str]) -> str:
    if isinstance(value, str):
        return value
    return ",".join(v if i == 0 else f"{var.name}={v}" for i, v in enumerate(value))


def _format_percentencode(var: Variable, value: str | list[str], args: list[str]) -> str:
    return _uri_component("{" + ",".join(value) + "}" if isinstance(value, list) else value)


def _format_uriencode(var: Variable, value: str | list[str], args: list[str]) -> str:
    # encodeURI, then !'()* encoded too.
    text = "{" + ",".join(value) + "}" if isinstance(value, list) else value
    return urllib.parse.quote(text, safe=";,/?:@&=+$#")


def _format_queryparam(var: Variable, value: str | list[str], args: list[str]) -> str:
    if var.type in ("constant",) or var.local:
        # No URL sync: var-<name>=<value> per value, strictly encoded.
        items = value if isinstance(value, list) else [value]
        return "&".join(f"var-{var.name}={_uri_component(v)}" for v in items)
    state = var.url_state()
    key = _uri_angular(f"var-{var.name}")
    return "&".join(f"{key}={_uri_angular(v)}" for v in (state if isinstance(state, list) else [state]))


def _format_customqueryparam(var: Variable, value: str | list[str], args: list[str]) -> str:
    name = _uri_component(args[0] if args and args[0] else var.name)
    prefix = _uri_component(args[1] if len(args) > 1 else "")
    items = value if isinstance(value, list) else [value]
    return "&".join(f"{name}={prefix}{_uri_component(v)}" for v in items)


def _format_date(var: Variable, value: str | list[str], args: list[str]) -> str:
    m = re.match(r"\s*[-+]?\d+", _js_string(value))
    if m is None:
        return "NaN"
    ms = int(m[0])
    arg = args[0] if args else "iso"
    if arg == "ms":
        return _js_string(value)
    if arg == "seconds":
        return str(math.floor(ms / 1000 + 0.5))
    # iso; moment's other display formats are not reproduced (ISO 8601 instead).
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


_Formatter = Callable[[Variable, "str | list[str]", list[str]], str]
_FORMATTERS: dict[str, _Formatter] = {
    "glob": _format_glob,
    "regex": _format_regex,
    "lucene": _format_lucene,
    "raw": lambda var, value, args: _js_string(value),
    "pipe": lambda var, value, args: "|".join(value) if isinstance(value, list) else value,
    "csv": lambda var, value, args: _js_string(value),
    "distributed": _format_distributed,
    "html": lambda var, value, args: _escape_html(", ".join(value) if isinstance(value, list) else value),
    "json": lambda var, value, args: value if isinstance(value, str) else json.dumps(value, separators=(",", ":")),
    "percentencode": _format_percentencode,
    "uriencode": _format_uriencode,
    "singlequote": lambda var, value, args: _quote_values(value, "'", {"'": "\\'"}),
    "doublequote": lambda var, value, args: _quote_values(value, '"', {'"': '\\"'}),
    "sqlstring": lambda var, value, args: _quote_values(value, "'", {"'": "''", '"': '\\"'}),
    "join": lambda var, value, args: (args[0] if args else ",").join(value) if isinstance(value, list) else value,
    "date": _format_date,
    "text": lambda var, value, args: var.value_text(),
    "queryparam": _format_queryparam,
    "customqueryparam": _format_customqueryparam,
}


# Grafana's variable syntax: $name, [[name:fmt]], ${name.field:fmt}.
_VAR_RE = re.compile(r"\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}")


#: The built-ins Grafana's backend (promlib) replaces, in the order it replaces
#: them: plain text replacement of ``$name`` then ``${name}``, after the frontend
#: has put the template variables in (a variable's value may hold one).
_BACKEND_BUILTINS = (
    "__interval_ms", "__interval", "__range_ms", "__range_s", "__range", "__rate_interval_ms", "__rate_interval",
)


def interpolate(
    text: str, variables: Mapping[str, Variable], builtins: Mapping[str, str], default_format: str | None = None
) -> str:
    """``text`` with every known variable replaced; unknown ones stay as written (as in Grafana).

    As in Grafana, the template variables (and the frontend's built-ins) are
    replaced first, then :data:`_BACKEND_BUILTINS` in the result.
    ``default_format`` formats the variables written without one (Grafana
    interpolates a variable's ``regex`` with ``regex``)."""

    def sub(m: re.Match[str]) -> str:
        name = m[1] or m[2] or m[4]
        fmt = m[3] or m[6]
        if name in _BACKEND_BUILTINS:
            # The frontend passes $__interval on as itself; the others it does not know.
            return f"${name}" if name in ("__interval", "__interval_ms") else m[0]
        if name in ("__from", "__to") and name in builtins and fmt:
            return _format_time(int(builtins[name]), fmt)
        if name in builtins:
            return builtins[name]
        var = variables.get(name)
        if var is None:
            return m[0]
        out = format_variable(var, fmt or default_format)
        if var.is_all and var.all_value is not None and "$" in out:
            # Scenes interpolates a custom All value again (no format: glob);
            # the variable itself is left out so that "$x" as x's allValue ends.
            others = {n: v for n, v in variables.items() if n != name}
            out = interpolate(out, others, builtins, "glob")
        return out

    out = _VAR_RE.sub(sub, text)
    for spelling in ("${}", "${{{}}}"):
        for name in _BACKEND_BUILTINS:
            if name in builtins:
                out = out.replace(spelling.format(name), builtins[name])
    return out


def _format_time(ms: int, fmt: str) -> str:
    # ${__from:date:seconds} and friends; other date formats read as ISO 8601.
    if fmt == "date:seconds":
        return str(ms // 1000)
    if fmt in ("date", "date:iso") or fmt.startswith("date:"):
        return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return str(ms)


def builtin_variables(dashboard: Mapping[str, Any], iv: Intervals) -> dict[str, str]:
    """Grafana's built-in variables for one target."""
    range_s = round(iv.range.ms / 1000)
    return {
        "__interval": kbn_interval(iv.interval_ms),
        "__interval_ms": str(iv.interval_ms),
        "__rate_interval": go_duration(iv.rate_interval_ms),
        "__rate_interval_ms": str(iv.rate_interval_ms),
        "__range": f"{range_s}s",
        "__range_s": str(range_s),
        "__range_ms": str(iv.range.ms),
        "__from": str(int(iv.range.start * 1000)),
        "__to": str(int(iv.range.end * 1000)),
        "__dashboard": str(dashboard.get("title", "")),
        "__org": "1",
        "__user": "admin",
    }


Option = tuple[str, str]
"""A variable option: ``(text, value)``."""


def _custom_options(query: str) -> list[Option]:
    # Grafana: comma-separated, "\," escapes a comma, "text : value" gives text and value.
    out: list[Option] = []
    for part in re.findall(r"(?:\\,|[^,])+", query):
        item = part.strip().replace("\\,", ",")
        if " : " in item:
            text, value = item.split(" : ", 1)
            out.append((text.strip(), value.strip()))
        else:
            out.append((item, item))
    return out


def js_regex(pattern: str) -> tuple[re.Pattern[str], str]:
    """Grafana's ``stringToJsRegex``: ``/body/flags`` (flags ``g?i?m?y?s?`` in that
    order), else the whole text anchored as ``^text$``; the Python pattern and the flags.

    Raises :class:`ValueError` as Grafana throws (``'x' is not a valid regular expression.``).
    """
    if not pattern.startswith("/"):
        body, flags = f"^{pattern}$", ""
    else:
        m = re.fullmatch(r"/(.*?)/(g?i?m?y?s?)", pattern, re.S)
        if m is None:
            raise ValueError(f"'{pattern}' is not a valid regular expression.")
        body, flags = m[1], m[2]
    # JavaScript's named groups (?<name>...) are Python's (?P<name>...).
    body = re.sub(r"\(\?<(?![=!])", "(?P<", body)
    py_flags = (re.I if "i" in flags else 0) | (re.M if "m" in flags else 0) | (re.S if "s" in flags else 0)
    try:
        return re.compile(body, py_flags), flags
    except re.error as exc:
        raise ValueError(f"Invalid regular expression: /{body}/: {exc}") from exc


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
    m = re.search(r"\d+", value)
    return int(m[0]) if m else -1


def _sort(options: list[Option], mode: int) -> list[Option]:
    """Grafana's variable sort, on the options' texts: each "desc" mode is its
    ascending (stable) sort reversed."""
    keys: dict[int, Any] = {1: lambda t: t, 3: _numeric_key, 5: str.lower, 7: _natural_key}
    ascending = mode - 1 if mode in (2, 4, 6, 8) else mode
    if ascending not in keys:
        return options
    out = sorted(options, key=lambda option: keys[ascending](option[0]))
    return out[::-1] if ascending != mode else out


_LABEL_VALUES_RE = re.compile(r"^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)\s*$", re.S)
_LABEL_NAMES_RE = re.compile(r"^label_names\((.*)\)\s*$", re.S)
_METRICS_RE = re.compile(r"^metrics\((.+)\)\s*$", re.S)
_QUERY_RESULT_RE = re.compile(r"^query_result\((.+)\)\s*$", re.S)


def variable_options(client: PrometheusClient, query: str, time_range: TimeRange) -> list[str]:
    """Options of a Prometheus query variable, fetched as Grafana fetches them."""
    query = query.strip()
    if m := _LABEL_VALUES_RE.match(query):
        return client.label_values(m[2], m[1].strip() if m[1] else None, time_range)
    if m := _LABEL_NAMES_RE.match(query):
        return client.label_names(m[1].strip() or None, time_range)
    if m := _METRICS_RE.match(query):
        names = client.label_values("__name__", None, time_range)
        rx = re.compile(m[1].strip())
        return [n for n in names if rx.search(n)]
    if m := _QUERY_RESULT_RE.match(query):
        out = []
        for item in client.query(m[1], time_range.end):
            metric = dict(item.get("metric") or {})
            name = metric.pop("__name__", "")
            labels = ",".join(f'{k}="{v}"' for k, v in metric.items())
            out.append(f"{name}{{{labels}}} {item['value'][1]} {int(float(item['value'][0]) * 1000)}")
        return out
    # Any other text is a series selector: Grafana lists /api/v1/series as name{labels}.
    return [_series_text(labels) for labels in client.series(query, time_range)]


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


def _current_texts(var: Mapping[str, Any]) -> list[str]:
    text = (var.get("current") or {}).get("text")
    if text is None:
        return []
    return [str(t) for t in text] if isinstance(text, list) else [str(text)]


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
    elif current[:1] and current[0] in offered:
        kept = current[:1]
    else:
        # A single value is looked for by value, then by text.
        texts = _current_texts(var)
        kept = [next((v for t, v in options if t == texts[0]), None) or ""] if texts else []
        kept = [k for k in kept if k in offered]
    if kept:
        return chosen(kept)
    if include_all:
        return chosen(values, is_all=True)
    if options:
        return chosen(values[:1])
    return replace(chosen([]), problem=problem or "no option")


@dataclass(frozen=True)
class Datasource:
    """A provisioned Grafana datasource."""

    name: str
    uid: str
    type: str
    is_default: bool = False
    #: ``jsonData.timeInterval``: the scrape interval Grafana assumes.
    time_interval: str = ""


def load_datasources(build_dir: Path) -> list[Datasource]:
    """Datasources provisioned by ``build/grafana/provisioning/datasources/*.yaml``."""
    out: list[Datasource] = []
    folder = build_dir / "grafana" / "provisioning" / "datasources"
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        for ds in (load_yaml(path.read_text(encoding="utf-8")) or {}).get("datasources") or []:
            out.append(Datasource(
                name=str(ds.get("name", "")), uid=str(ds.get("uid") or ds.get("name", "")),
                type=str(ds.get("type", "")), is_default=bool(ds.get("isDefault")),
                time_interval=str((ds.get("jsonData") or {}).get("timeInterval") or ""),
            ))
    return out


#: Datasource references that are not datasources of a plugin type.
_SPECIAL_DS = {"-- Mixed --": "mixed", "-- Dashboard --": "dashboard", "-- Grafana --": "grafana",
               "__expr__": "__expr__", "grafana": "grafana"}


def datasource_type(
    ref: Any, variables: Mapping[str, Variable], datasources: Sequence[Datasource]
) -> str:
    """The plugin type a panel's or target's ``datasource`` reference points at.

    ``None`` is the default datasource; a ``${ds}`` reference is resolved
    through the datasource variable; an explicit ``type`` wins.
    """
    if isinstance(ref, Mapping):
        if ref.get("type"):
            return str(ref["type"])
        ref = ref.get("uid")
    if ref is None or ref == "default":
        default = next((d for d in datasources if d.is_default), None)
        return default.type if default else "prometheus"
    text = str(ref)
    if text in _SPECIAL_DS:
        return _SPECIAL_DS[text]
    m = re.fullmatch(r"\$\{?(\w+)\}?", text)
    if m and m[1] in variables and variables[m[1]].type == "datasource":
        var = variables[m[1]]
        text = var.values[0] if var.values else ""
        return next((d.type for d in datasources if text in (d.uid, d.name)), var.options[0] if var.options else "")
    return next((d.type for d in datasources if text in (d.uid, d.name)), text)


def datasource_of(
    ref: Any, variables: Mapping[str, Variable], datasources: Sequence[Datasource]
) -> Datasource | None:
    """The provisioned datasource a ``datasource`` reference points at (None: the
    default one is absent, or the reference names no provisioned datasource)."""
    if isinstance(ref, Mapping):
        ref = ref.get("uid")
    if ref is None or ref == "default":
        return next((d for d in datasources if d.is_default), None)
    text = str(ref)
    m = re.fullmatch(r"\$\{?(\w+)\}?", text)
    if m and m[1] in variables and variables[m[1]].type == "datasource":
        var = variables[m[1]]
        text = var.values[0] if var.values else ""
    return next((d for d in datasources if text in (d.uid, d.name)), None)


def resolve_variables(
    dashboard: Mapping[str, Any],
    client: PrometheusClient,
    time_range: TimeRange,
    datasources: Sequence[Datasource],
    scrape_ms: int = DEFAULT_SCRAPE_MS,
    fixed: Mapping[str, Variable] | None = None,
) -> dict[str, Variable]:
    """Every template variable of ``dashboard`` at its first-load value, in declaration order.

    Variables are resolved in dependency order (a query mentioning ``$provider``
    waits for ``provider``), as Grafana does; built-ins in their queries
    (``$__range`` ...) take the values a full-width panel would. ``fixed``
    variables keep the given value (a user's pick) and the variables depending
    on them are resolved with it.
    """
    declared = list((dashboard.get("templating") or {}).get("list") or [])
    done: dict[str, Variable] = dict(fixed or {})
    todo = [v for v in declared if str(v.get("name")) not in done]
    names = {str(v.get("name")) for v in declared}
    builtins = builtin_variables(dashboard, target_intervals({"gridPos": {"w": GRID_COLUMNS}}, {}, time_range,
                                                             scrape_ms))
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
            done[name] = _resolve_one(var, name, query, done, builtins, client, time_range, datasources)
        if not progressed:
            # A cycle: resolve the rest as they are, like Grafana's give-up.
            for var in todo:
                name = str(var.get("name"))
                done[name] = _resolve_one(var, name, _query_text(var), done, builtins, client, time_range,
                                          datasources)
            todo = []
    return {str(v.get("name")): done[str(v.get("name"))] for v in declared}


def _references(var: Mapping[str, Any], query: str) -> set[str]:
    """The variables ``var`` reads: in its query, its datasource and its regex
    (Grafana refreshes a variable after every one of those)."""
    ds = var.get("datasource")
    ds_text = str(ds.get("uid") or "") if isinstance(ds, Mapping) else str(ds or "")
    text = " ".join((query, ds_text, str(var.get("regex") or "")))
    return {m[1] or m[2] or m[4] for m in _VAR_RE.finditer(text)}


def _resolve_one(
    var: Mapping[str, Any],
    name: str,
    query: str,
    done: Mapping[str, Variable],
    builtins: Mapping[str, str],
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
        options = _custom_options(query)
        if kind == "interval" and var.get("auto"):
            # Grafana's auto interval: the range over auto_count steps, at least auto_min.
            auto = max(round_interval(time_range.ms / int(var.get("auto_count") or 30), frontend=True),
                       _duration_ms(str(var.get("auto_min") or "10s")) or 0)
            current = _current_values(var)
            if any(c.startswith("$__auto_interval") for c in current):
                var = {**var, "current": {"value": kbn_interval(auto)}}
            options = [(kbn_interval(auto), kbn_interval(auto)), *options]
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
        text = interpolate(query, done, builtins)
        try:
            found = variable_options(client, text, time_range)
        except PrometheusError as exc:
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


# --- panels and targets ---------------------------------------------------------------


def _row_groups(dashboard: Mapping[str, Any]) -> list[tuple[Mapping[str, Any] | None, list[Mapping[str, Any]]]]:
    """``(row or None, its panels)`` in order: collapsed rows carry their panels, an
    open row's panels follow it at top level; schema < 16 dashboards keep ``rows``."""
    groups: list[tuple[Mapping[str, Any] | None, list[Mapping[str, Any]]]] = [(None, [])]
    for panel in dashboard.get("panels") or []:
        if panel.get("type") == "row":
            groups.append((panel, list(panel.get("panels") or [])))
        else:
            groups[-1][1].append(panel)
    groups += [(row, list(row.get("panels") or [])) for row in dashboard.get("rows") or []]
    return [(row, panels) for row, panels in groups if row is not None or panels]


def iter_panels(dashboard: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(row title, panel)`` for every panel that is not a row, rows' panels included
    (as saved: repeats not expanded, see :func:`panel_copies`)."""
    for row, panels in _row_groups(dashboard):
        for panel in panels:
            yield str((row or {}).get("title") or ""), panel


@dataclass(frozen=True)
class PanelCopy:
    """One panel as Grafana shows it: a repeated row's or panel's copy, or the panel itself."""

    row: str
    panel: Mapping[str, Any]
    title: str
    #: The variables this copy sees (a repeat's variable set to one value).
    variables: Mapping[str, Variable]
    #: The variables a repeat set for this copy.
    pinned: frozenset[str] = frozenset()


def _repeat_values(var: Variable) -> tuple[str, ...]:
    # getMultiVariableValues: every option for All, else the selected values; a
    # variable without value still gives one copy (value "", scenes' placeholder).
    return var.values or ("",)


def panel_copies(dashboard: Mapping[str, Any], variables: Mapping[str, Variable]) -> Iterator[PanelCopy]:
    """Every panel (rows' panels included) once per copy Grafana shows of it.

    A row with ``repeat`` is shown once per value of its variable (scenes'
    ``RowRepeaterBehavior``), its panels with the variable set to that one value
    (a ``LocalValueVariable``); a panel with ``repeat`` likewise (``DashboardGridItem``),
    inside each row copy. A horizontal repeat (``repeatDirection`` ``h``, the
    default) spans the full grid width split into ``min(copies, maxPerRow)``
    columns (``maxPerRow`` 4 by default), which sets each copy's width, hence its
    data points; a vertical one keeps the panel's width. A repeat over an
    unknown variable is not expanded. Copies are titled ``title (var=value)``
    when there is more than one.
    """
    for row, panels in _row_groups(dashboard):
        row_title = str((row or {}).get("title") or "")
        row_repeat = str((row or {}).get("repeat") or "")
        row_copies: list[tuple[str, Mapping[str, Variable], frozenset[str]]] = [(row_title, variables, frozenset())]
        if row_repeat in variables:
            values = _repeat_values(variables[row_repeat])
            row_copies = [
                (f"{row_title} ({row_repeat}={v})" if len(values) > 1 else row_title,
                 {**variables, row_repeat: variables[row_repeat].single(v)}, frozenset({row_repeat}))
                for v in values
            ]
        for title_of_row, scoped, pinned in row_copies:
            for panel in panels:
                yield from _panel_repeat(title_of_row, panel, scoped, pinned)


def _panel_repeat(
    row: str, panel: Mapping[str, Any], variables: Mapping[str, Variable], pinned: frozenset[str]
) -> Iterator[PanelCopy]:
    title = str(panel.get("title") or f"panel {panel.get('id', '?')}")
    repeat = str(panel.get("repeat") or "")
    if repeat not in variables:
        yield PanelCopy(row, panel, title, variables, pinned)
        return
    values = _repeat_values(variables[repeat])
    if panel.get("repeatDirection") != "v":
        # The repeat spans the grid; each copy gets one column of min(n, maxPerRow).
        columns = min(len(values), int(panel.get("maxPerRow") or 4))
        panel = {**panel, "gridPos": {**(panel.get("gridPos") or {}), "w": GRID_COLUMNS / columns}}
    for v in values:
        copy_title = f"{title} ({repeat}={v})" if len(values) > 1 else title
        yield PanelCopy(row, panel, copy_title, {**variables, repeat: variables[repeat].single(v)},
                        pinned | {repeat})


@dataclass(frozen=True)
class TargetResult:
    """What one panel target showed."""

    dashboard: str
    panel: str
    ref_id: str
    #: The query as written in the dashboard.
    query: str
    status: Status
    #: The query Prometheus ran (variables substituted).
    expr: str = ""
    message: str = ""
    series: int = 0
    #: Every value the query returned is NaN (Grafana shows "NaN", not a number).
    all_nan: bool = False
    kind: str = "range"
    row: str = ""
    #: ``$var=value`` when one variable was set to one of its options (``each_value``).
    selection: str = ""

    def where(self) -> str:
        """``file: panel [refId]`` (and the selection) for messages."""
        chosen = f" with {self.selection}" if self.selection else ""
        return f"{self.dashboard}: {self.panel!r} [{self.ref_id}]{chosen}"

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "dashboard": self.dashboard, "row": self.row, "panel": self.panel, "ref_id": self.ref_id,
            "selection": self.selection or None, "query": self.query, "expr": self.expr, "kind": self.kind, "status": self.status,
            "message": self.message or None, "series": self.series, "all_nan": self.all_nan,
        }


@dataclass
class PanelDataReport:
    """Every Prometheus target's outcome, and what was not checked."""

    results: list[TargetResult] = field(default_factory=list)
    #: datasource type (or ``hidden``, ``library panel``) -> targets not checked.
    skipped: Counter[str] = field(default_factory=Counter)
    #: dashboard file -> its variables at first load.
    variables: dict[str, list[Variable]] = field(default_factory=dict)

    def by_status(self, status: Status) -> list[TargetResult]:
        """The targets with ``status``."""
        return [r for r in self.results if r.status == status]

    @property
    def errors(self) -> list[TargetResult]:
        """Targets Prometheus refused."""
        return self.by_status("error")

    @property
    def empty(self) -> list[TargetResult]:
        """Targets without a series ("No data")."""
        return self.by_status("empty")

    @property
    def variable_problems(self) -> list[tuple[str, Variable]]:
        """``(dashboard, variable)`` for variables that matched nothing or failed."""
        return [(d, v) for d, vs in self.variables.items() for v in vs if v.problem]

    def problems(self, allow_empty: Sequence[str] = ()) -> list[str]:
        """What fails the check: errors, empty targets not allowed, variables without options.

        ``allow_empty``: :func:`fnmatch.fnmatchcase` patterns on ``dashboard file:panel title``
        of panels allowed to show no data (e.g. ``alerting/*:Firing alerts*``); a
        pattern matching no Prometheus panel checked is a problem too.
        """
        out = [f"{r.status} {r.where()}: {r.message or r.expr}" for r in self.errors]
        out += [
            f"empty {r.where()}: {r.expr}" for r in self.empty
            if not any(fnmatch.fnmatchcase(f"{r.dashboard}:{r.panel}", p) for p in allow_empty)
        ]
        out += [f"variable {d}: {v.describe()}: {v.problem}" for d, v in self.variable_problems]
        # A pattern matching no panel at all is a typo or a panel renamed since: it allows nothing.
        panels = {f"{r.dashboard}:{r.panel}" for r in self.results}
        out += [
            f"allow-empty {p!r} matches no panel" for p in allow_empty
            if not any(fnmatch.fnmatchcase(panel, p) for panel in panels)
        ]
        return out

    def summary(self) -> str:
        """One line: counts by status (first-load targets, then single-value runs) and skipped targets."""
        first = Counter(r.status for r in self.results if not r.selection)
        chosen = Counter(r.status for r in self.results if r.selection)
        skipped = ", ".join(f"{n} {t}" for t, n in sorted(self.skipped.items())) or "none"
        line = (
            f"{first.total()} Prometheus target(s): {first['ok']} ok, {first['empty']} empty, "
            f"{first['error']} error"
        )
        if chosen:
            line += (
                f"; {chosen.total()} single-value run(s): {chosen['ok']} ok, {chosen['empty']} empty, "
                f"{chosen['error']} error"
            )
        return f"{line}; skipped: {skipped}"

    def render_text(self, *, verbose: bool = False) -> str:
        """Human-readable report: problems first, then (verbose) every target."""
        lines: list[str] = []
        for result in self.results:
            if result.status == "ok" and not (verbose or result.all_nan):
                continue
            note = " (every value NaN)" if result.all_nan else ""
            lines.append(f"{result.status.upper():5} {result.where()}{note}")
            lines.append(f"      {result.expr or result.query}")
            if result.message:
                lines.append(f"      {result.message}")
        for dashboard, var in self.variable_problems:
            lines.append(f"VAR   {dashboard}: {var.describe()}: {var.problem}")
        lines.append(self.summary())
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """Plain data for the JSON report."""
        return {
            "results": [r.to_json() for r in self.results],
            "skipped": dict(sorted(self.skipped.items())),
            "variables": {
                d: [{"name": v.name, "type": v.type, "values": list(v.values), "all": v.is_all,
                     "problem": v.problem or None} for v in vs]
                for d, vs in sorted(self.variables.items())
            },
        }


def _classify(series: list[dict[str, Any]]) -> tuple[Status, int, bool]:
    if not series:
        return "empty", 0, False
    values = [v[1] for s in series for v in (s.get("values") or [s.get("value")]) if v]
    all_nan = bool(values) and all(str(v).lower() == "nan" for v in values)
    return "ok", len(series), all_nan


def _mentions(text: str, name: str) -> bool:
    return any((m[1] or m[2] or m[4]) == name for m in _VAR_RE.finditer(text))


def _single_value_picks(
    dashboard: Mapping[str, Any],
    variables: Mapping[str, Variable],
    client: PrometheusClient,
    tr: TimeRange,
    datasources: Sequence[Datasource],
    scrape_ms: int,
) -> list[tuple[str, dict[str, Variable]]]:
    """``($var=option, the variables that change)`` for every option of every query/custom variable.

    Variables depending on the one picked are resolved again with the pick, as
    Grafana refreshes them (picking a provider narrows the models).
    """
    out: list[tuple[str, dict[str, Variable]]] = []
    for var in variables.values():
        if var.type not in ("query", "custom"):
            continue
        for option in var.options:
            chosen = resolve_variables(dashboard, client, tr, datasources, scrape_ms,
                                       fixed={var.name: var.single(option, local=False)})
            changed = {n: v for n, v in chosen.items() if v != variables.get(n)}
            out.append((f"${var.name}={option}", changed))
    return out


def check_dashboard(
    path: Path,
    client: PrometheusClient,
    *,
    name: str,
    datasources: Sequence[Datasource],
    time_range: TimeRange | None = None,
    scrape_interval: str | None = None,
    each_value: bool = False,
    report: PanelDataReport | None = None,
    browser: ZoneInfo | None = None,
) -> PanelDataReport:
    """Run every Prometheus target of the dashboard JSON at ``path`` (see the module doc).

    ``time_range`` defaults to the dashboard's own ``time``; ``scrape_interval``
    (one for every target) to the ``timeInterval`` of each target's datasource
    (else Grafana's 15s).
    ``name`` names the dashboard in the report. With ``each_value``, a target
    whose query uses a query or custom variable also runs once per option of
    it (a user picking one value; the variables depending on it are resolved
    again), the others at their first-load value, and its result carries that
    ``selection``. ``browser``: the time zone of a dashboard in the ``browser``
    zone (default: this machine's, :func:`local_zone`).
    """
    report = report if report is not None else PanelDataReport()
    dashboard = json.loads(path.read_text(encoding="utf-8"))
    try:
        tr = time_range or dashboard_range(dashboard, browser=browser)
    except ValueError as exc:
        # Grafana cannot compute the range either: every panel errors.
        spec = dashboard.get("time") or {}
        report.results.append(TargetResult(name, "(time range)", "", f"{spec.get('from')} to {spec.get('to')}",
                                           "error", message=str(exc)))
        return report
    utc_offset = utc_offset_s(tr.end, dashboard_zone(dashboard, browser))
    prom_ds = next((d for d in datasources if d.type == "prometheus" and d.is_default), None) or next(
        (d for d in datasources if d.type == "prometheus"), None)
    scrape_text = scrape_interval or (prom_ds.time_interval if prom_ds else "") or ""
    scrape_ms = _duration_ms(scrape_text) or DEFAULT_SCRAPE_MS

    def scrape_of(ref: Any, scoped: Mapping[str, Variable]) -> int:
        # Grafana reads timeInterval from the datasource the query goes to (15s unset).
        if scrape_interval:
            return scrape_ms
        ds = datasource_of(ref, scoped, datasources)
        return (_duration_ms(ds.time_interval) if ds else None) or (scrape_ms if ds is None else DEFAULT_SCRAPE_MS)
    variables = resolve_variables(dashboard, client, tr, datasources, scrape_ms)
    report.variables[name] = list(variables.values())
    picks = _single_value_picks(dashboard, variables, client, tr, datasources, scrape_ms) if each_value else []
    for copy in panel_copies(dashboard, variables):
        panel, scoped, copy_title, row = copy.panel, copy.variables, copy.title, copy.row
        targets = list(panel.get("targets") or [])
        if not targets and panel.get("libraryPanel"):
            report.skipped["library panel"] += 1
            continue
        panel_type = datasource_type(panel.get("datasource"), scoped, datasources)
        for target in targets:
            ref = target.get("datasource")
            own = ref is not None or panel_type == "mixed"
            ds_type = datasource_type(ref, scoped, datasources) if own else panel_type
            target_scrape = scrape_of(ref if own else panel.get("datasource"), scoped)
            if target.get("hide"):
                report.skipped["hidden"] += 1
                continue
            if ds_type != "prometheus":
                report.skipped[ds_type] += 1
                continue
            selections: list[tuple[str, Mapping[str, Variable]]] = [("", scoped)]
            if each_value:
                query = str(target.get("expr") or "")
                selections += [
                    (label, {**scoped, **picked}) for label, picked in picks
                    # A repeated row's or panel's copy keeps its own value of the repeat variable.
                    if any(_mentions(query, n) for n in picked) and not copy.pinned & set(picked)
                ]
            for selection, chosen in selections:
                report.results.append(_run_target(
                    client, dashboard, panel, target, chosen, tr, target_scrape,
                    dashboard_name=name, title=copy_title, row=row, selection=selection,
                    utc_offset=utc_offset,
                ))
    return report


def _run_target(
    client: PrometheusClient,
    dashboard: Mapping[str, Any],
    panel: Mapping[str, Any],
    target: Mapping[str, Any],
    variables: Mapping[str, Variable],
    tr: TimeRange,
    scrape_ms: int,
    *,
    dashboard_name: str,
    title: str,
    row: str,
    selection: str = "",
    utc_offset: int = 0,
) -> TargetResult:
    query = str(target.get("expr") or "")

    def result(status: Status, **details: Any) -> TargetResult:
        return TargetResult(dashboard=dashboard_name, panel=title, ref_id=str(target.get("refId") or ""),
                            query=query, status=status, row=row, selection=selection, **details)

    if not query.strip():
        return result("empty", message="the target has no query")
    # The frontend interpolates the min step and the min interval first ($res -> 5m);
    # $__interval & co. stay for the backend (no built-ins given here).
    if target.get("interval"):
        target = {**target, "interval": interpolate(str(target["interval"]), variables, {}, "glob")}
    if panel.get("interval"):
        panel = {**panel, "interval": interpolate(str(panel["interval"]), variables, {}, "glob")}
    try:
        iv = target_intervals(panel, target, tr, scrape_ms)
    except ValueError as exc:
        # Grafana's frontend (panel min interval) or backend (target min step) fails.
        return result("error", message=str(exc))
    expr = interpolate(query, variables, builtin_variables(dashboard, iv))
    instant = bool(target.get("instant"))
    ranged = bool(target.get("range")) or not instant
    kind = "range" if ranged else "instant"
    try:
        series: list[dict[str, Any]] = []
        if ranged:
            # Grafana aligns the range to the step (promlib AlignTimeRange) in the
            # dashboard's time zone: the frontend sends utcOffsetSec of the range's end.
            off = utc_offset * 1000
            start = (math.floor((tr.start * 1000 + off) / iv.step_ms) * iv.step_ms - off) / 1000
            end = (math.floor((tr.end * 1000 + off) / iv.step_ms) * iv.step_ms - off) / 1000
            series = client.query_range(expr, start, end, iv.step_ms)
        if instant:
            series = series + client.query(expr, tr.end)
    except PrometheusError as exc:
        return result("error", expr=expr, message=str(exc), kind=kind)
    status, count, all_nan = _classify(series)
    return result(status, expr=expr, series=count, all_nan=all_nan, kind=kind)


def dashboard_files(build_dir: Path) -> list[Path]:
    """The built dashboards, sorted: ``build/grafana/dashboards/**/*.json``."""
    return sorted((build_dir / "grafana" / "dashboards").rglob("*.json"))


def check_dashboards(
    build_dir: Path,
    prometheus_url: str,
    *,
    time_range: TimeRange | None = None,
    scrape_interval: str | None = None,
    paths: Sequence[Path] | None = None,
    each_value: bool = False,
) -> PanelDataReport:
    """Run every Prometheus panel target of ``build_dir``'s dashboards on ``prometheus_url``.

    ``time_range``: one range for every dashboard (an e2e run's compressed
    time); by default each dashboard's own. ``scrape_interval``: the scrape
    interval Grafana assumes for ``$__rate_interval`` (an e2e run's ``1s``); by
    default the provisioned Prometheus datasource's ``timeInterval``.
    ``paths``: only these dashboard files. ``each_value``: also run each target
    once per option of each variable it uses (see :func:`check_dashboard`).
    """
    client = PrometheusClient(prometheus_url)
    datasources = load_datasources(build_dir)
    report = PanelDataReport()
    dashboards_dir = build_dir / "grafana" / "dashboards"
    for path in paths if paths is not None else dashboard_files(build_dir):
        try:
            name = str(path.relative_to(dashboards_dir))
        except ValueError:
            name = path.name
        check_dashboard(path, client, name=name, datasources=datasources, time_range=time_range,
                        scrape_interval=scrape_interval, each_value=each_value, report=report)
    return report


def wait_for_scrapes(prometheus_url: str, scrapes: int, *, timeout: float = 60.0) -> None:
    """Wait until every target has been scraped ``scrapes`` times (``up`` samples).

    Raises :class:`TimeoutError` after ``timeout`` seconds.
    """
    client = PrometheusClient(prometheus_url)
    deadline = time.monotonic() + timeout
    seen = 0.0
    while time.monotonic() < deadline:
        # count_over_time over a window longer than any run: every scrape so far.
        found = client.query("min(count_over_time(up[1d]))", time.time())
        seen = float(found[0]["value"][1]) if found else 0.0
        if seen >= scrapes:
            return
        time.sleep(0.25)
    raise TimeoutError(f"targets scraped {seen:g} of {scrapes} times after {timeout:.0f}s")


def wait_for_series(prometheus_url: str, expr: str, *, timeout: float = 60.0, settled: float = 0.0) -> None:
    """Wait until ``expr`` returned a series ``settled`` seconds ago (e.g. an alert firing).

    ``settled`` of one step makes sure a range query ending now, whose end is
    aligned down to the step as Grafana aligns it, includes the series.
    Raises :class:`TimeoutError` after ``timeout`` seconds.
    """
    client = PrometheusClient(prometheus_url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.query(expr, time.time() - settled):
            return
        time.sleep(0.25)
    raise TimeoutError(f"{expr} returned nothing after {timeout:.0f}s")


@dataclass
class LiveCheck:
    """:func:`check_dashboards` over a running e2e stack (see :func:`live_dashboards`)."""

    live: LiveStack
    build_dir: Path
    #: Unix time the stack started: the dashboards' time range begins here.
    started: float

    @property
    def prometheus(self) -> str:
        """Base URL of the stack's Prometheus."""
        return self.live.prometheus

    def check(
        self, *, build_dir: Path | None = None, paths: Sequence[Path] | None = None, each_value: bool = False
    ) -> PanelDataReport:
        """Every Prometheus target of the dashboards, over the run so far at its scrape interval."""
        return check_dashboards(
            build_dir or self.build_dir, self.prometheus,
            time_range=TimeRange(self.started, time.time()), scrape_interval=self.live.timing.interval,
            paths=paths, each_value=each_value,
        )

    def switch(self, traffic: Traffic) -> None:
        """Serve ``traffic`` from now on."""
        self.live.switch(traffic)

    def wait_for_series(self, expr: str, *, timeout: float = 60.0) -> None:
        """Wait until ``expr`` has had a series for one scrape interval (so a range query sees it)."""
        wait_for_series(self.prometheus, expr, timeout=timeout, settled=parse_ms(self.live.timing.interval) / 1000)


@contextmanager
def live_dashboards(
    rc: RunConfig, traffic: Traffic, *, factor: float, scrapes: int = 8, timeout: float = 60.0
) -> Iterator[LiveCheck]:
    """The e2e stack serving ``traffic``, ready for :meth:`LiveCheck.check` once data is there.

    Waits until every target was scraped ``scrapes`` times: with the run's 1s
    scrapes, ``$__rate_interval`` is 4s (four scrapes), and a few more let
    recording rules that read other rules' records catch up.
    """
    from obs_as_code.e2e.runner import live_stack

    started = time.time()
    with live_stack(rc, traffic, factor=factor) as live:
        wait_for_scrapes(live.prometheus, scrapes, timeout=timeout)
        yield LiveCheck(live, rc.build_dir, started)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m obs_as_code.e2e.panel_data BUILD_DIR PROMETHEUS_URL [--json]``: exit 1 on a
    problem (:meth:`PanelDataReport.problems`: errors, empties, variables without options)."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    if len(args) != 2:
        print("usage: python -m obs_as_code.e2e.panel_data BUILD_DIR PROMETHEUS_URL [--json]", file=sys.stderr)
        return 2
    report = check_dashboards(Path(args[0]), args[1])
    print(json.dumps(report.to_json(), indent=2, sort_keys=True) if as_json else report.render_text())
    return 1 if report.problems() else 0


__all__ = [
    "Datasource",
    "Intervals",
    "LiveCheck",
    "PanelCopy",
    "PanelDataReport",
    "PrometheusClient",
    "PrometheusError",
    "TargetResult",
    "TimeRange",
    "Variable",
    "apply_regex",
    "check_dashboard",
    "check_dashboards",
    "dashboard_range",
    "dashboard_zone",
    "datasource_of",
    "datasource_type",
    "format_variable",
    "frontend_interval_ms",
    "go_duration",
    "interpolate",
    "iter_panels",
    "js_regex",
    "kbn_interval",
    "live_dashboards",
    "load_datasources",
    "local_zone",
    "panel_copies",
    "parse_time",
    "resolve_variables",
    "round_interval",
    "target_intervals",
    "variable_options",
    "wait_for_scrapes",
    "wait_for_series",
]

if __name__ == "__main__":
    raise SystemExit(main())
