"""The only place that formats output: YAML and JSON, stable and deterministic.

YAML goes through libyaml's C emitter when PyYAML was built with it. Strings that
a YAML 1.1 or 1.2 reader could take for something else (``yes``, ``on``, ``1e3``,
``0o17``, ``.inf``) are quoted; multi-line strings (alert templates) are written
as literal blocks when that round-trips exactly, double-quoted otherwise.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml

try:  # libyaml's C emitter: same output, several times faster
    from yaml import CSafeDumper as _BaseDumper
except ImportError:  # pragma: no cover - PyYAML without libyaml
    from yaml import SafeDumper as _BaseDumper  # type: ignore[assignment]

HAVE_LIBYAML: bool = _BaseDumper.__name__.startswith("C")


_SCALAR_TYPES = frozenset({str, int, float, bool, type(None)})

#: (value, implicit) -> tag: what the resolver decided for a scalar. Resolving is
#: a pure function of the value (the resolver tables are fixed at import and we
#: use no path resolvers), and rule files repeat the same keys and values
#: thousands of times.
_RESOLVED: dict[tuple[str, tuple[bool, bool]], str] = {}
_RESOLVED_MAX = 200_000


class _Dumper(_BaseDumper):
    """Block-style dumper that quotes ambiguous scalars (see module docstring).

    Two shortcuts keep it faster than PyYAML's own dumper with identical output:
    plain scalars skip the generic alias bookkeeping (PyYAML never anchors them
    anyway), and scalar tag resolution is memoized.
    """

    def represent_data(self, data: Any) -> yaml.Node:
        kind = type(data)
        if kind is str:
            # Inlined _represent_str -> represent_scalar: the most frequent node by far.
            self.alias_key = None
            return yaml.ScalarNode(_STR_TAG, data, style=_str_style(data) or self.default_style)
        if kind in _SCALAR_TYPES:
            # What the generic path does for these: no alias, exact-type representer.
            self.alias_key = None
            node: yaml.Node = self.yaml_representers[kind](self, data)
            return node
        return super().represent_data(data)

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode:
            key = (value, implicit)
            tag = _RESOLVED.get(key)
            if tag is None:
                tag = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
                if len(_RESOLVED) >= _RESOLVED_MAX:
                    _RESOLVED.clear()
                _RESOLVED[key] = tag
            return tag
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


# Scalars that YAML 1.2 (Go's yaml.v3) or loose readers would not read as strings,
# but PyYAML's 1.1 resolver does not know about: give them an implicit tag so the
# representer quotes them.
_AMBIGUOUS = re.compile(
    r"""^(?:
        [-+]?(?:\d[\d_]*)?\.?\d*[eE][-+]?\d+      # 1e3, .5e-2
      | [-+]?0o[0-7_]+                             # YAML 1.2 octal
      | [-+]?0x[0-9a-fA-F_]+                       # hex
      | [-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)   # special floats
      | [-+]?\d[\d_]*                              # ints, with underscores
      | y|Y|n|N                                    # YAML 1.1 booleans in some readers
      | :.*                                        # ':'-leading reads as a mapping in some parsers
    )$""",
    re.X,
)
_Dumper.add_implicit_resolver("tag:yaml.org,2002:oac-ambiguous", _AMBIGUOUS, list("-+.0123456789eEyYnN:"))

_NEEDS_QUOTES_FOR_BLOCK = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\u2028\u2029\ufeff]|[ \t]\n|\r")


_STR_TAG = "tag:yaml.org,2002:str"


def _str_style(value: str) -> str | None:
    if "\n" in value and not _NEEDS_QUOTES_FOR_BLOCK.search(value) and not value.startswith((" ", "\t")):
        # Literal block keeps templates readable in review; the emitter falls
        # back to quotes by itself when a block cannot hold the value.
        return "|"
    return None


def _represent_str(dumper: _Dumper, value: str) -> yaml.Node:
    style = _str_style(value)
    if style is not None:
        return dumper.represent_scalar(_STR_TAG, value, style=style)
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


# --- fast path ------------------------------------------------------------------------
#
# PyYAML's representer is pure Python even in front of libyaml's emitter, and it
# dominated the build's serialize time. Output files are plain data (dicts, lists,
# str, int, float, bool, None), so most documents can be written directly; the
# writer below produces exactly the bytes of the dumper above (a property test
# compares the two) and returns None for anything it is not sure of (unusual
# characters, keys that are not strings, kept trailing newlines ...), which then
# goes through PyYAML.

#: Characters the fast path leaves to PyYAML: controls, BOM, line and paragraph
#: separators, surrogates, non-characters and the astral planes (libyaml escapes them).
_ODD = "\\x00-\\x1f\\x7f-\\x9f\\ufeff\\u2028\\u2029\\ud800-\\udfff\\ufffe\\uffff\\U00010000-\\U0010ffff"
#: A single-line string libyaml may write plain in block context: no leading or
#: trailing space, no indicator first, no ``: `` or `` #`` inside, printable only.
_PLAIN_OK = re.compile(
    rf"""(?!---|\.\.\.)(?![-?:](?:[ ]|$))[^ #,\[\]{{}}&*!|>'"%@`{_ODD}](?:[^:#{_ODD}]|:(?=[^ ])|(?<=[^ ])\#)*(?<![ :])\Z"""
)
#: A single-line string libyaml writes single-quoted when it cannot be plain.
_QUOTE_OK = re.compile(rf"[^{_ODD}]*\Z")
#: A multi-line string written as a ``|``/``|-`` block (see _str_style): no kept
#: trailing blank lines and no leading newline (those need indicators).
_BLOCK_OK = re.compile(rf"[^\n{_ODD}](?:[^{_ODD}]|\n)*\Z")

#: str -> its text as a plain or quoted single-line scalar ("" when the fast path
#: cannot write it).
_SCALARS: dict[str, str] = {}


class _Unsure(Exception):
    """The fast writer met something it does not write exactly like libyaml."""


def _implicit_str(value: str) -> bool:
    """True when PyYAML's resolver (with our ambiguity rule) reads plain ``value`` as a string."""
    resolvers = _Dumper.yaml_implicit_resolvers
    for _tag, regexp in [*resolvers.get(value[:1], ()), *resolvers.get(None, ())]:
        if regexp.match(value):
            return False
    return True


def _scalar_text(value: str) -> str:
    text = _SCALARS.get(value)
    if text is None:
        if _PLAIN_OK.match(value) and _implicit_str(value):
            text = value
        elif _QUOTE_OK.match(value):
            text = "'" + value.replace("'", "''") + "'"
        else:
            text = ""
        if len(_SCALARS) >= _RESOLVED_MAX:
            _SCALARS.clear()
        _SCALARS[value] = text
    if not text:
        raise _Unsure
    return text


def _float_text(value: float) -> str:
    # PyYAML's represent_float.
    if value != value:
        return ".nan"
    if value == float("inf"):
        return ".inf"
    if value == float("-inf"):
        return "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def _inline(value: Any, col: int, out: list[str], seen: set[int]) -> bool:
    """Append what follows ``key:`` or ``- `` for a scalar or an empty collection
    (leading space included); False when ``value`` is a non-empty collection."""
    kind = type(value)
    if kind is str:
        if "\n" in value:
            if not _BLOCK_OK.match(value) or value.endswith("\n\n") or _str_style(value) is None:
                raise _Unsure
            pad = " " * (col + 2)
            body = value[:-1] if value.endswith("\n") else value
            out.append(" |\n" if value.endswith("\n") else " |-\n")
            for line in body.split("\n"):
                out.append(pad + line + "\n" if line else "\n")
            return True
        out.append(" " + _scalar_text(value) + "\n")
    elif kind is bool:
        out.append(" true\n" if value else " false\n")
    elif kind is int:
        out.append(f" {value}\n")
    elif kind is float:
        out.append(" " + _float_text(value) + "\n")
    elif value is None:
        out.append(" null\n")
    elif kind is dict or kind is list:
        if id(value) in seen:  # PyYAML writes an anchor and an alias
            raise _Unsure
        seen.add(id(value))
        if value:
            return False
        out.append(" {}\n" if kind is dict else " []\n")
    else:
        raise _Unsure
    return True


def _mapping(data: dict[Any, Any], col: int, out: list[str], inline_first: bool, seen: set[int]) -> None:
    pad = " " * col
    for key, value in data.items():
        if type(key) is not str or len(key) > 128:  # a longer key is written "? key"
            raise _Unsure
        if inline_first:
            inline_first = False
            out.append(_scalar_text(key) + ":")
        else:
            out.append(pad + _scalar_text(key) + ":")
        if not _inline(value, col, out, seen):
            out.append("\n")
            if type(value) is dict:
                _mapping(value, col + 2, out, False, seen)
            else:
                _sequence(value, col, out, False, seen)  # block sequences in mappings are not indented


def _sequence(data: list[Any], col: int, out: list[str], inline_first: bool, seen: set[int]) -> None:
    pad = " " * col
    for item in data:
        if inline_first:
            inline_first = False
            out.append("-")
        else:
            out.append(pad + "-")
        if not _inline(item, col, out, seen):
            out.append(" ")
            if type(item) is dict:
                _mapping(item, col + 2, out, True, seen)
            else:
                _sequence(item, col + 2, out, True, seen)


def _fast_yaml(data: Any) -> str | None:
    """``dump_yaml(data)`` written directly, or None when unsure (see above)."""
    if not data or type(data) not in (dict, list):
        return None
    out: list[str] = []
    seen = {id(data)}
    try:
        if type(data) is dict:
            _mapping(data, 0, out, False, seen)
        else:
            _sequence(data, 0, out, False, seen)
    except (_Unsure, RecursionError):
        return None
    return "".join(out)


def dump_yaml(data: Any) -> str:
    """YAML text of ``data``: block style, keys in the order the renderer built them."""
    fast = _fast_yaml(data)
    if fast is not None:
        return fast
    return _dump_yaml_pyyaml(data)


def _dump_yaml_pyyaml(data: Any) -> str:
    """:func:`dump_yaml` through PyYAML (libyaml's emitter when available)."""
    text: str = yaml.dump(
        data,
        Dumper=_Dumper,
        default_flow_style=False,
        sort_keys=False,
        allow_unicode=True,
        width=2**31 - 1,
        indent=2,
    )
    return text


def dump_json(data: Any) -> str:
    """JSON text of ``data``: sorted keys, two-space indent, trailing newline.

    JSON has no NaN or infinity (Grafana rejects ``NaN``), so non-finite floats
    are written as ``null``.
    """
    fast = _fast_json(data)
    if fast is not None:
        return fast
    try:
        return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError as exc:
        if "JSON compliant" not in str(exc):
            raise  # a circular reference: json's own error
        return json.dumps(_finite(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _finite(value: Any) -> Any:
    """``value`` with NaN and infinities replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


#: A number orjson writes differently from ``json`` (which uses ``repr``) has an
#: exponent (a digit then ``e``: ``1e16``, ``5.9e-8``) or is a small fraction
#: ``repr`` would write with one (``0.00001``). With digits mapped to ``0`` they
#: show as ``0e`` or ``0.0000`` (substring searches: a regex scan cost 1 s per
#: 18 MB). A hit counts when it is a number token: in indented output numbers
#: follow a space (``": "`` or the indentation), while text inside a string (hex
#: digests in manifest.json) follows a letter, digit or quote. A string holding
#: `` 1e5`` merely sends the document the slow way.
_DIGITS_TO_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NUMBER_CHARS = frozenset(b"0.-")


def _odd_numbers(raw: bytes) -> bool:
    if b"0.0000" in raw:
        return True
    flat = raw.translate(_DIGITS_TO_ZERO)
    at = flat.find(b"0e")
    while at >= 0:
        start = at
        while start > 0 and flat[start - 1] in _NUMBER_CHARS:
            start -= 1
        if start == 0 or flat[start - 1] == 0x20:  # a number token
            return True
        at = flat.find(b"0e", at + 2)
    return False


_ORJSON_OPTIONS = 0


def _fast_json(data: Any) -> str | None:
    """``json.dumps`` output written by orjson (an order of magnitude faster on
    dashboards), or None when the bytes could differ from ``json.dumps``: numbers
    with exponents, keys that are not strings, subclasses, dataclasses, integers
    beyond 64 bits. (Non-finite floats become ``null`` either way.)"""
    if _orjson is None:
        return None
    try:
        raw: bytes = _orjson.dumps(data, option=_ORJSON_OPTIONS)
    except (TypeError, ValueError):  # orjson.JSONEncodeError is a TypeError
        return None
    if _odd_numbers(raw):
        return None
    return raw.decode("utf-8") + "\n"


def scan_text(data: Any) -> str:
    """Compact JSON text of ``data`` for a regular-expression search, never for
    output: orjson's when it takes the data (a tenth of ``json.dumps``' time on
    a dashboard's panels), else ``json.dumps``'. The two differ in separators
    and number formatting only; strings (all a search reads) are escaped alike,
    non-ASCII kept."""
    if _orjson is not None:
        try:
            return _orjson.dumps(data).decode("utf-8")
        except (TypeError, ValueError):  # non-string keys, big integers, surrogates
            pass
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


try:  # an optional speed-up: the output is the same without it
    import orjson as _orjson

    _ORJSON_OPTIONS = (
        _orjson.OPT_INDENT_2
        | _orjson.OPT_SORT_KEYS
        | _orjson.OPT_PASSTHROUGH_DATACLASS
        | _orjson.OPT_PASSTHROUGH_DATETIME
        | _orjson.OPT_PASSTHROUGH_SUBCLASS
    )
except ImportError:  # pragma: no cover - orjson is a dependency
    _orjson = None  # type: ignore[assignment]


def load_yaml(text: str) -> Any:
    """Parse YAML with the fastest safe loader available (for round-trip checks)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)
