"""``gostrconv.parse_float``: Go's ``strconv.ParseFloat(s, 64)``, pinned on cases
of Go's own atof tests (and the rules of its atof.go they exercise)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from obs_as_code.gostrconv import INVALID, OUT_OF_RANGE, go_float, parse_float

READ = [
    ("1", 1.0), ("+1", 1.0), ("-1", -1.0), ("1e23", 1e23), ("1E23", 1e23), ("100000000000000000000000", 1e23),
    ("1e+2", 100.0), (".5", 0.5), ("5.", 5.0), ("123456789e-5", 1234.56789), ("0", 0.0), ("-0", -0.0),
    ("1_23.50_0_0e+1_2", 1.235e14), ("1_000", 1000.0),
    ("0x1p0", 1.0), ("0x1p-1", 0.5), ("0x1ep-1", 15.0), ("-0x1_ep-1", -15.0), ("0x1fFe2.p0", 131042.0),
    ("0x1fFe2.P0", 131042.0), ("-0x2p3", -16.0), ("0x0.fp4", 15.0), ("0X.8p1", 1.0), ("0x_1p0", 1.0),
    ("0x1.fffffffffffffp1023", 1.7976931348623157e308),
    ("1e-350", 0.0), ("2e-324", 0.0), ("4.9406564584124654e-324", 5e-324),  # underflow is no error
]  # fmt: skip
SPECIAL = [("inf", math.inf), ("+Inf", math.inf), ("-INF", -math.inf), ("infinity", math.inf), ("-Infinity", -math.inf)]
REFUSED = [
    "", " 1", "1 ", "1e", "1e+", ".", "+", "x", "1x", "e5", "0x1e2", "0x1", "1p2", "0x.p1", "+nan", "-NaN", "infin",
    "infinit", "inf1", "1__2", "_1", "1_", "-_1", "1_.5", "1._5", "1.5_e2", "1e_5", "1.5e+_12", "123.5e+12_",
    "0x1_p0", "0x1p_0", "0x__1p0", "1,5", "１",
]  # fmt: skip
TOO_LARGE = [("1e309", math.inf), ("-1e309", -math.inf), ("1.7976931348623159e308", math.inf), ("0x1p1024", math.inf),
             ("-0x1p1024", -math.inf)]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), READ + SPECIAL)
def test_read(text: str, value: float) -> None:
    assert parse_float(text) == (value, None)
    assert go_float(text) == value
    assert math.copysign(1, parse_float(text)[0]) == math.copysign(1, value)


@pytest.mark.parametrize("text", ["nan", "NaN", "nAn"])
def test_nan(text: str) -> None:
    value, problem = parse_float(text)
    assert math.isnan(value) and problem is None


@pytest.mark.parametrize("text", REFUSED)
def test_refused(text: str) -> None:
    assert parse_float(text) == (0.0, INVALID)
    assert go_float(text) is None


@pytest.mark.parametrize(("text", "value"), TOO_LARGE)
def test_too_large_is_an_error_with_the_infinity(text: str, value: float) -> None:
    assert parse_float(text) == (value, OUT_OF_RANGE)
    assert go_float(text) is None


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_reads_back(x: float) -> None:
    # Go's FormatFloat forms ('g' and 'x') read back exactly.
    assert parse_float(repr(x)) == (x, None)
    assert parse_float(x.hex()) == (x, None)
    assert parse_float(f"{x:_.6f}") == (float(f"{x:.6f}"), None)  # underscores between digits


@given(st.text(alphabet="0123456789_.eEpPxX+-abcfinty", max_size=12))
def test_python_agrees_where_no_go_rule_differs(text: str) -> None:
    # Without underscores, hexadecimal, "inf"/"nan" spellings and Python's
    # own extras (whitespace, "1_0" rules differ only by the underscores),
    # both read the same decimal numbers.
    value, problem = parse_float(text)
    plain = not any(c in text.lower() for c in "_xpaint")
    if not plain:
        return
    try:
        expected: float | None = float(text)
    except ValueError:
        expected = None
    if expected is None:
        assert problem == INVALID
    elif math.isinf(expected):
        assert problem == OUT_OF_RANGE
    else:
        assert (value, problem) == (expected, None)
