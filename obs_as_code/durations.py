"""Prometheus durations: ``"5m"``-style strings or :class:`datetime.timedelta`."""

from __future__ import annotations

import re
from datetime import timedelta

# Prometheus' model.ParseDuration grammar: units in descending order, each at most once.
_DURATION_RE = re.compile(
    r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$"
)
_UNITS_MS = (
    ("y", 365 * 24 * 3600 * 1000),
    ("w", 7 * 24 * 3600 * 1000),
    ("d", 24 * 3600 * 1000),
    ("h", 3600 * 1000),
    ("m", 60 * 1000),
    ("s", 1000),
    ("ms", 1),
)

Duration = str | timedelta


class DurationError(ValueError):
    """A value that is not a Prometheus duration."""


def parse_ms(value: Duration) -> int:
    """Milliseconds in ``value``; raises :class:`DurationError` when it is not a duration."""
    if isinstance(value, timedelta):
        ms = value // timedelta(milliseconds=1)
        if ms < 0 or timedelta(milliseconds=ms) != value:
            raise DurationError(f"{value!r} is not a whole, non-negative number of milliseconds")
        return _in_range(int(ms), value)
    if not isinstance(value, str):
        raise DurationError(f"expected a duration such as \"5m\", got {type(value).__name__}")
    if value == "0":
        return 0
    match = _DURATION_RE.match(value)
    if not value or match is None:
        raise DurationError(
            f"invalid duration {value!r}: use units y w d h m s ms in that order, e.g. \"1h30m\""
        )
    ms = sum(int(n) * unit for n, (_, unit) in zip(match.groups(), _UNITS_MS, strict=True) if n)
    return _in_range(ms, value)


#: Prometheus holds a duration in a Go time.Duration (int64 nanoseconds): longer
#: ones fail to load ("duration out of range"), about 292 years.
MAX_MS = (2**63 - 1) // 1_000_000


def _in_range(ms: int, value: Duration) -> int:
    if ms > MAX_MS:
        raise DurationError(f"duration {value!r} is out of range: Prometheus takes at most {format_ms(MAX_MS)} (about 292 years)")
    return ms


def format_ms(ms: int) -> str:
    """Canonical Prometheus spelling of ``ms`` milliseconds (``5400000`` -> ``"1h30m"``)."""
    if ms == 0:
        return "0s"
    out = []
    for name, unit in _UNITS_MS:
        if name in ("y", "w"):
            # Prometheus prints weeks and years only when exact; days read better.
            if ms % unit == 0 and ms >= unit:
                out.append(f"{ms // unit}{name}")
                ms = 0
                break
            continue
        if ms >= unit:
            out.append(f"{ms // unit}{name}")
            ms %= unit
    return "".join(out)


def normalize(value: Duration) -> str:
    """The duration as written in output: strings keep the user's spelling,
    timedeltas become their canonical form."""
    if isinstance(value, timedelta):
        return format_ms(parse_ms(value))
    parse_ms(value)
    return value


def normalize_lenient(value: Duration) -> str:
    """Like :func:`normalize`, but returns an invalid value as given: renderers
    use it so one bad duration (already reported by OAC103) does not hide the
    other findings of the run."""
    try:
        return normalize(value)
    except DurationError:
        return str(value)


def seconds(value: Duration) -> float:
    """``value`` in seconds."""
    return parse_ms(value) / 1000.0
