"""Go's ``net/netip.ParseAddr`` and ``ParsePrefix`` and ``go4.org/netipx.ParseIPRange``,
as Loki's ``ip("...")`` filter reads its pattern (``pkg/logql/log/ip.go``:
``getMatcher`` takes an address, else a CIDR prefix, else a range ``from-to``, and
refuses the query with ``ip: invalid pattern: "..."`` when none parses).

Written from netip.go's parsers (the facts, not the code): dotted-decimal IPv4 with
four fields of 0-255 and no leading zero; IPv6 with one ``::``, an embedded IPv4 in
its last 32 bits and a non-empty ``%zone``; a prefix's address without a zone; a
range of two addresses of one family (zones dropped), the first not above the last.

Where Go releases disagree the answer is None (not judged): a field of more than
four hex digits (``00001``), a prefix length with a sign or a leading zero
(``/+8``, ``/08``): later releases refuse what earlier ones take.
"""

from __future__ import annotations

from typing import Literal

#: An address: its bit length (32 or 128) and its value; a zone is dropped.
Addr = tuple[int, int]
Verdict = Literal[True, False] | None


def _ipv4(s: str) -> int | None:
    """``parseIPv4``: the value of a dotted-decimal address, else None."""
    parts = s.split(".")
    if len(parts) != 4:
        return None
    value = 0
    for part in parts:
        if not part or not part.isascii() or not part.isdigit() or (len(part) > 1 and part[0] == "0"):
            return None
        octet = int(part)
        if octet > 255:
            return None
        value = value << 8 | octet
    return value


def _fields(side: str, last_side: bool) -> tuple[list[int], bool] | None:
    """The 16-bit fields of one side of ``::`` (an embedded IPv4 only as the last
    part of the last side, two fields), and whether a field had more than four
    hex digits; None when Go refuses them."""
    fields: list[int] = []
    long_field = False
    parts = side.split(":")
    for i, part in enumerate(parts):
        if "." in part and last_side and i == len(parts) - 1:
            v4 = _ipv4(part)
            if v4 is None:
                return None
            fields += [v4 >> 16, v4 & 0xFFFF]
        elif not part or any(c not in "0123456789abcdefABCDEF" for c in part) or int(part, 16) > 0xFFFF:
            return None
        else:
            long_field = long_field or len(part) > 4
            fields.append(int(part, 16))
    return fields, long_field


def _ipv6(s: str) -> tuple[Addr | None, bool]:
    """``parseIPv6``: ``(address, certain)``; ``certain`` is False for an address
    only a Go release before 1.22 takes (a field of more than four hex digits)."""
    zone_at = s.find("%")
    if zone_at != -1:
        if zone_at == len(s) - 1:
            return None, True  # an empty zone
        s = s[:zone_at]
    head, ellipsis, tail = s.partition("::")
    if ellipsis and "::" in tail:
        return None, True  # two ellipses
    left = _fields(head, not ellipsis) if head else ([], False)
    right = _fields(tail, True) if tail else ([], False)
    if left is None or right is None:
        return None, True
    count = len(left[0]) + len(right[0])
    if (not ellipsis and count != 8) or (ellipsis and count >= 8):
        return None, True  # too short, too long, or an ellipsis standing for nothing
    value = 0
    for field in [*left[0], *[0] * (8 - count), *right[0]]:
        value = value << 16 | field
    return (128, value), not (left[1] or right[1])


def parse_addr(s: str) -> tuple[Addr | None, bool]:
    """``netip.ParseAddr(s)``: ``(address or None, certain)``; a zone is accepted
    for IPv6 and dropped. ``certain``: every Go release gives this verdict; always
    so for a refusal (a five-digit field only makes later releases refuse more)."""
    for c in s:
        if c == ".":
            v4 = _ipv4(s)
            return (None if v4 is None else (32, v4)), True
        if c == ":":
            return _ipv6(s)
        if c == "%":
            return None, True  # missing IPv6 address
    return None, True


def _prefix(s: str) -> Verdict:
    """``netip.ParsePrefix(s)`` accepts ``s`` (an address without a zone)."""
    slash = s.rfind("/")
    if slash == -1:
        return False
    addr, certain = parse_addr(s[:slash])
    if addr is None:
        return False
    # A zone is refused in a prefix, but never reaches here from ip_pattern_ok:
    # ParseAddr, tried first, takes "fe80::1%eth0/64" as an address (zone "eth0/64").
    bits = s[slash + 1:]
    digits = bits[1:] if bits[:1] in ("+", "-") else bits
    if not digits or not digits.isascii() or not digits.isdigit():
        return False  # strconv.Atoi refuses it
    length = int(bits)
    if not 0 <= length <= addr[0]:
        return False
    if digits != bits or (len(bits) > 1 and bits[0] == "0"):
        return None  # a sign or a leading zero: taken before Go 1.22, refused since
    return certain or None


def _range(s: str) -> Verdict:
    """``netipx.ParseIPRange(s)`` accepts ``s``: two addresses around the first
    hyphen, of one bit length, the first not above the last."""
    hyphen = s.find("-")
    if hyphen == -1:
        return False
    (first, sure1), (last, sure2) = parse_addr(s[:hyphen]), parse_addr(s[hyphen + 1:])
    if first is None or last is None:
        return False
    ok = first[0] == last[0] and first[1] <= last[1]
    return ok if sure1 and sure2 else (None if ok else False)


def ip_pattern_ok(pattern: str) -> Verdict:
    """Whether Loki's ``ip()`` takes ``pattern`` (an address, a CIDR prefix or a
    range): True, False, or None where Go releases disagree."""
    addr, certain = parse_addr(pattern)
    verdicts: list[Verdict] = [False if addr is None else (True if certain else None), _prefix(pattern), _range(pattern)]
    if True in verdicts:
        return True
    if None in verdicts:
        return None
    return False
