from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.durations import MAX_MS, DurationError, format_ms, normalize, parse_ms


@pytest.mark.parametrize(
    ("text", "ms"),
    [("0", 0), ("5m", 300_000), ("1h30m", 5_400_000), ("30d", 2_592_000_000), ("2w", 1_209_600_000), ("250ms", 250), ("1y", 31_536_000_000)],
)
def test_parse(text: str, ms: int) -> None:
    assert parse_ms(text) == ms


@pytest.mark.parametrize("bad", ["", "5 minutes", "m5", "1.5h", "30m1h", "-5m", "5M", "1h 30m"])
def test_reject(bad: str) -> None:
    with pytest.raises(DurationError):
        parse_ms(bad)


def test_timedelta() -> None:
    assert normalize(timedelta(minutes=90)) == "1h30m"
    assert normalize("90m") == "90m"  # the user's spelling is kept
    with pytest.raises(DurationError):
        parse_ms(timedelta(microseconds=5))


@given(st.integers(min_value=0, max_value=MAX_MS))
def test_format_round_trips(ms: int) -> None:
    assert parse_ms(format_ms(ms)) == ms


@given(st.integers(min_value=MAX_MS + 1, max_value=10**13))
def test_longer_than_prometheus_holds_is_refused(ms: int) -> None:
    # Prometheus keeps durations in int64 nanoseconds: "duration out of range".
    with pytest.raises(DurationError, match="out of range"):
        parse_ms(format_ms(ms))
    with pytest.raises(DurationError, match="out of range"):
        parse_ms(timedelta(milliseconds=ms))
