"""Grafana's time math: a dashboard's time range as ``dateMath`` computes it in its zone.

Relative times (``now-1d``), rounding to a unit (``now/d``, fiscal ``now/fy``),
the dashboard's time zone (``utc``, a named zone, ``browser``) and the UTC offset
the frontend sends with a range query.
"""

from __future__ import annotations

import calendar
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


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
        digits = re.match(r"[0-9]*", math_text[i:])
        num = int(digits[0]) if digits and digits[0] else 1
        i += len(digits[0]) if digits else 0
        if digits and digits[0] and i > 10:
            # parseDateMath gives up on a number read past the math text's tenth character.
            raise ValueError(f"invalid time {text!r}")
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


def week_start(dashboard: Mapping[str, Any]) -> int:
    """The dashboard's ``weekStart`` as :func:`parse_time` takes it (Monday 0 ... Sunday 6;
    Sunday when unset or unknown, as moment's English locale)."""
    return _WEEKDAYS.get(str(dashboard.get("weekStart") or "sunday").lower(), 6)


def is_relative(dashboard: Mapping[str, Any]) -> bool:
    """The dashboard's ``time`` is relative (``rangeUtil.isRelativeTimeRange``: its ``from``
    or its ``to`` mentions ``now``); a panel's ``timeFrom`` applies only then."""
    spec = dashboard.get("time") or {}
    return any("now" in str(spec.get(k) or d) for k, d in (("from", "now-6h"), ("to", "now")))


def dashboard_range(
    dashboard: Mapping[str, Any], now: float | None = None, *, browser: ZoneInfo | None = None
) -> TimeRange:
    """The dashboard's own ``time`` range (``now-6h`` to ``now`` when unset), as Grafana
    computes it on first load: relative times and rounding (``now/d``, ``now-1d/d``)
    in the dashboard's ``timezone`` (``browser``: ``browser``, else this machine's),
    ``to`` rounded up to the end of its unit, ``weekStart`` and ``fiscalYearStartMonth``
    honoured. A ``from`` or ``to`` that is not a valid time is replaced by ``now-6h``
    or ``now``, as scenes' ``SceneTimeRange`` does (no error is shown). A
    ``timepicker.nowDelay`` moves a ``to`` of exactly ``now`` back (``now-<delay>``,
    scenes' ``evaluateTimeRange``); raises :class:`ValueError` when dateMath cannot
    read the delay (Grafana has no range then)."""
    now = time.time() if now is None else now
    spec = dashboard.get("time") or {}
    zone = dashboard_zone(dashboard, browser)
    week = week_start(dashboard)
    fiscal_start = int(dashboard.get("fiscalYearStartMonth") or 0)

    def evaluate(text: str, default: str, round_up: bool) -> float:
        try:
            return parse_time(text, now, zone, round_up=round_up, week_start=week, fiscal_start=fiscal_start)
        except ValueError:
            return parse_time(default, now, zone, round_up=round_up, week_start=week, fiscal_start=fiscal_start)

    start = evaluate(str(spec.get("from") or "now-6h"), "now-6h", False)
    to = str(spec.get("to") or "now")
    delay = str((dashboard.get("timepicker") or {}).get("nowDelay") or "")
    if delay and to == "now":
        try:
            end = parse_time(f"now-{delay}", now, zone, round_up=True, week_start=week, fiscal_start=fiscal_start)
        except ValueError as exc:
            raise ValueError(f"Grafana cannot compute the range's end with timepicker.nowDelay {delay!r}") from exc
    else:
        end = evaluate(to, "now", True)
    return TimeRange(start, end)


def utc_offset_s(t: float, zone: ZoneInfo) -> int:
    """The zone's UTC offset at ``t`` in seconds (Grafana sends the one at the range's end
    as ``utcOffsetSec``: the backend aligns the range to the step in local time)."""
    offset = datetime.fromtimestamp(t, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


#: rangeUtil's standard ranges that end ``now``: a ``timeFrom`` naming one is valid as written.
_STANDARD_FROM = frozenset((
    "now/d", "now/w", "now/M", "now/y", "now/fQ", "now/fy", "now-5m", "now-15m", "now-30m", "now-1h", "now-3h",
    "now-6h", "now-12h", "now-24h", "now-2d", "now-7d", "now-30d", "now-90d", "now-6M", "now-1y", "now-2y", "now-5y",
))

# JavaScript's \d is ASCII only: [0-9] here, not Python's Unicode \d.
_TEXT_RANGE_RE = re.compile(r"now[-+][0-9]+(?:f[Qy]|[yMwdhmsQ])")


def describe_text_range(text: str) -> tuple[str, str] | None:
    """``(from, to)`` of a panel's ``timeFrom``/``timeShift`` as ``rangeUtil.describeTextRange``
    reads it; None where Grafana marks it invalid.

    Text without ``now`` is relative to now: ``1h`` is ``now-1h`` to ``now``, ``+1h`` is
    ``now`` to ``now+1h``. It is valid when it is one of the standard ranges ending
    now (``now/d``, ``now/w`` ...) or starts ``now-<n><unit>`` / ``now+<n><unit>``
    (``now-1d/d`` is valid: from ``now-1d/d`` to ``now``); ``now/h`` or ``now`` are not.
    """
    last = not text.startswith("+")
    if "now" not in text:
        text = ("now-" if last else "now") + text
    if text in _STANDARD_FROM:
        return text, "now"
    if not _TEXT_RANGE_RE.match(text):
        return None
    return (text, "now") if last else ("now", text)


@dataclass(frozen=True)
class PanelTime:
    """A panel's time range after its ``timeFrom``/``timeShift`` (scenes' ``PanelTimeRange``)."""

    range: TimeRange
    #: The override as the panel header tells it (Grafana's ``timeInfo``, with the range
    #: written ``now-1h to now`` where Grafana says "Last 1 hour"): ``now-1h to now timeshift -1d``,
    #: ``invalid time override``, ``invalid timeshift``; empty without override.
    info: str = ""
    #: Set when Grafana's dateMath cannot compute the range (the panel cannot query).
    error: str = ""

    @property
    def invalid(self) -> bool:
        """Grafana rejected the override and shows its ``invalid ...`` text (queries run unshifted)."""
        return self.info.startswith("invalid")


def panel_time(
    parent: TimeRange,
    *,
    time_from: str = "",
    time_shift: str = "",
    relative: bool = True,
    now: float,
    zone: ZoneInfo,
    week_start: int = 6,
) -> PanelTime:
    """The range a panel with ``timeFrom``/``timeShift`` (already interpolated) queries,
    as scenes' ``PanelTimeRange.getTimeOverride`` computes it from the dashboard's ``parent``.

    ``timeFrom`` (:func:`describe_text_range`) replaces the range, only when the
    dashboard's range is ``relative``, evaluated at ``now`` in the dashboard's
    ``zone`` (neither end rounded up; fiscal units from January: Grafana passes
    no fiscal year start here). ``timeShift`` ``1h`` then moves both ends back by
    ``-1h`` (``/unit`` rounds the start down and the end up). An invalid
    ``timeFrom`` leaves the dashboard's range and skips the shift; an invalid
    ``timeShift`` leaves the range as ``timeFrom`` made it. ``hideTimeOverride``
    only hides :attr:`PanelTime.info`: the range is the same.
    """
    out, info = parent, ""
    if time_from:
        described = describe_text_range(time_from)
        if described is None:
            return PanelTime(parent, "invalid time override")
        if relative:
            try:
                out = TimeRange(parse_time(described[0], now, zone, week_start=week_start),
                                parse_time(described[1], now, zone, week_start=week_start))
            except ValueError:
                return PanelTime(parent, f"{described[0]} to {described[1]}",
                                 error=f"Grafana cannot compute the time override {time_from!r}")
            info = f"{described[0]} to {described[1]}"
    if time_shift:
        if describe_text_range(time_shift) is None:
            return PanelTime(out, "invalid timeshift")
        shift = f"now-{time_shift}"
        info += f" timeshift -{time_shift}"
        try:
            out = TimeRange(parse_time(shift, out.start, zone, week_start=week_start),
                            parse_time(shift, out.end, zone, round_up=True, week_start=week_start))
        except ValueError:
            return PanelTime(out, info.strip(), error=f"Grafana cannot compute the time shift {time_shift!r}")
    return PanelTime(out, info.strip())


def rescale(inner: TimeRange, outer: TimeRange, onto: TimeRange) -> TimeRange:
    """``inner`` (a range computed around ``outer``) placed the same way around ``onto``:
    each instant keeps its place as a fraction of ``outer``'s length."""
    k = (onto.end - onto.start) / ((outer.end - outer.start) or 1.0)
    return TimeRange(onto.start + (inner.start - outer.start) * k, onto.start + (inner.end - outer.start) * k)
