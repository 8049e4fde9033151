"""The only place that formats output: YAML and JSON, stable and deterministic.

YAML goes through libyaml's C emitter when PyYAML was built with it. Strings that
a YAML 1.1 or 1.2 reader could take for something else (``yes``, ``on``, ``1e3``,
``0o17``, ``.inf``) are quoted; multi-line strings (alert templates) are written
as literal blocks when that round-trips exactly, double-quoted otherwise.
"""

from __future__ import annotations

import json
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


def dump_yaml(data: Any) -> str:
    """YAML text of ``data``: block style, keys in the order the renderer built them."""
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
    """JSON text of ``data``: sorted keys, two-space indent, trailing newline."""
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_yaml(text: str) -> Any:
    """Parse YAML with the fastest safe loader available (for round-trip checks)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)
