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

from obs_as_code._yaml_fast import Writer, block_style

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

_STR_TAG = "tag:yaml.org,2002:str"


def _str_style(value: str) -> str | None:
    # The emitter falls back to quotes by itself when a block cannot hold the value.
    return "|" if block_style(value) else None


def _represent_str(dumper: _Dumper, value: str) -> yaml.Node:
    style = _str_style(value)
    if style is not None:
        return dumper.represent_scalar(_STR_TAG, value, style=style)
    return dumper.represent_str(value)


_Dumper.add_representer(str, _represent_str)


# --- fast path ------------------------------------------------------------------------
#
# Most documents are written directly by obs_as_code._yaml_fast (compiled), with
# exactly the bytes of the dumper above; what it is unsure of goes through PyYAML.

_WRITER = Writer(_Dumper.yaml_implicit_resolvers)  # after add_implicit_resolver above


def _fast_yaml(data: Any) -> str | None:
    """``dump_yaml(data)`` written directly, or None when unsure (see above)."""
    return _WRITER.dump(data)


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
