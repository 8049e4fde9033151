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
        meant = _meant(value)
        raise DurationError(
            f"invalid duration {value!r}: use units y w d h m s ms in that order, e.g. \"1h30m\""
            + (f"; did you mean {meant!r}?" if meant else "")
        )
    ms = sum(int(n) * unit for n, (_, unit) in zip(match.groups(), _UNITS_MS, strict=True) if n)
    return _in_range(ms, value)


_WORDS = (
    (r"milliseconds?|millis|msecs?", "ms"),
    (r"seconds?|secs?", "s"),
    (r"minutes?|mins?", "m"),
    (r"hours?|hrs?", "h"),
    (r"days?", "d"),
    (r"weeks?", "w"),
    (r"years?|yrs?", "y"),
)
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")


def _meant(value: str) -> str | None:
    """The duration a newcomer's spelling means, in Prometheus' (``"5 minutes"``,
    ``"5min"``, ``"1h 30m"`` and ``"1.5h"`` -> ``"1h30m"``; ``"300"`` -> ``"5m"``,
    since Prometheus reads no unit as none, not as seconds), or None."""
    text = value.strip()
    if not text or "," in text or (text != text.lower() and text.upper() == text):
        return None  # "5M" may be months as well as minutes, "1,5h" 1.5 or 1 and 5: no guess
    text = text.lower()
    for words, unit in _WORDS:
        text = re.sub(rf"(?<=[\d\s])(?:{words})\b", unit, text)
    units = dict(_UNITS_MS)
    total = 0.0
    pos = 0
    for m in _PART.finditer(text):
        if text[pos:m.start()].strip(" ,"):
            return None
        pos = m.end()
        unit = m.group(2) or ("s" if "." not in m.group(1) else "")
        if unit not in units:
            return None
        total += float(m.group(1)) * units[unit]
    if text[pos:].strip() or total <= 0 or total != int(total):
        return None
    return format_ms(int(total))


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
