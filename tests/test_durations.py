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


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("5 minutes", "5m"),
        ("5min", "5m"),
        ("15 s", "15s"),
        ("1h 30m", "1h30m"),
        ("1 hour 30 minutes", "1h30m"),
        ("1.5h", "1h30m"),
        ("300", "5m"),  # no unit is no duration to Prometheus: seconds is the guess
        ("5M", None),  # minutes or months: no guess
        ("1,5h", None),
        ("1.5", None),
        ("5 mins ago", None),
    ],
)
def test_an_invalid_duration_names_the_one_meant(written: str, meant: str | None) -> None:
    with pytest.raises(DurationError) as caught:
        parse_ms(written)
    assert str(caught.value).endswith(f"; did you mean {meant!r}?" if meant else 'e.g. "1h30m"'), str(caught.value)
