"""Go's ``strconv.ParseFloat(s, 64)``, as Loki (LogQL numbers and byte sizes),
text/template (numbers in Prometheus' and Alertmanager's templates) and Grafana's
dashboard migrations call it.

It differs from Python's ``float``: underscores between digits and hexadecimal
mantissas (``0x1.8p3``) are read, ``infinity`` is, but ``1e`` , ``+nan`` and a
hexadecimal number without its ``p`` exponent are not, and a value too large is
an error that still gives ±Inf (which Grafana's migration keeps, and Loki refuses).
"""

from __future__ import annotations

import math
import re

#: Go's decimal and hexadecimal digits, an underscore allowed between two.
DIGITS = r"[0-9](?:_?[0-9])*"
HEX_DIGITS = r"[0-9a-fA-F](?:_?[0-9a-fA-F])*"
_D, _H = DIGITS, HEX_DIGITS
#: ``readFloat`` and ``special`` (atof.go): a sign, then a decimal or hexadecimal
#: mantissa with its exponent (underscores only between digits, or after ``0x``,
#: as ``underscoreOK`` allows), ``inf`` or ``infinity`` (any case); ``nan`` unsigned.
_SYNTAX = re.compile(
    rf"[+-]?(?:(?:{_D}(?:\.(?:{_D})?)?|\.{_D})(?:[eE][+-]?{_D})?"
    rf"|0[xX]_?(?:{_H}(?:\.(?:{_H})?)?|\.{_H})[pP][+-]?{_D}"
    r"|[iI][nN][fF](?:[iI][nN][iI][tT][yY])?)"
    r"|[nN][aA][nN]"
)

INVALID = "invalid syntax"
OUT_OF_RANGE = "value out of range"


def parse_float(text: str) -> tuple[float, str | None]:
    """``(value, None)``; ``(0.0, INVALID)`` when Go refuses the syntax;
    ``(±inf, OUT_OF_RANGE)`` when the value is too large for a float64 (a value
    too small for one is 0, no error, as in Go)."""
    if not _SYNTAX.fullmatch(text):
        return 0.0, INVALID
    plain = text.replace("_", "")
    body = plain.lstrip("+-").lower()
    if body[:1] in ("i", "n"):
        return float(plain.lower().replace("infinity", "inf")), None
    try:
        value = float.fromhex(plain) if body.startswith("0x") else float(plain)
    except OverflowError:  # fromhex raises where float() gives inf
        value = -math.inf if plain.startswith("-") else math.inf
    if math.isinf(value):
        return value, OUT_OF_RANGE
    return value, None


def go_float(text: str) -> float | None:
    """The value when ``strconv.ParseFloat`` reads ``text`` without an error, else None."""
    value, problem = parse_float(text)
    return None if problem is not None else value
