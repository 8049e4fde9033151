"""The PromQL of Prometheus 3 around promql-parser, for a project whose
``[tool.oac] prometheus-version`` is 3.x (:mod:`obs_as_code.target`).

promql-parser 0.12 follows Prometheus 3's grammar (quoted UTF-8 names, numbers
as durations, the functions of 3.x): what it takes, Prometheus 3 takes, but

- ``holt_winters``, which 2.42's reading registers with promql-parser (its
  registry is per process): Prometheus 3 renamed it
  ``double_exponential_smoothing`` ("unknown function with name");
- the functions marked ``Experimental: true`` in Prometheus 3.14's
  promql/parser/functions.go, and the aggregations ``limitk`` and
  ``limit_ratio`` (``ItemType.IsExperimentalAggregator`` in lex.go): Prometheus
  refuses them unless started with
  ``--enable-feature=promql-experimental-functions`` (generated_parser.y:
  ``function %q is not enabled``; parse.go: ``limitk() is experimental and
  must be enabled with --enable-feature=promql-experimental-functions``), so
  they are refused unless ``[tool.oac] prometheus-features`` lists it.

What 2.42 takes and promql-parser refuses but Go reads the same way in 3.x
(backslashes in raw strings, ``\\Q...\\E``) is read as in 2.42
(:func:`obs_as_code.lint.promql242.reparse`).

The check on an expression is one regex search on its text; the tree is walked
only when it finds a name.
"""

from __future__ import annotations

import re
from typing import Any

from obs_as_code.lint.promql242 import TAKE_INF, is_number
from obs_as_code.target import EXPERIMENTAL_FUNCTIONS, PrometheusTarget

#: Prometheus 3.14's functions.go, ``Experimental: true``.
EXPERIMENTAL_FUNCTION_NAMES = frozenset({
    "double_exponential_smoothing", "end", "histogram_quantiles", "info", "mad_over_time", "max_of",
    "min_of", "range", "sort_by_label", "sort_by_label_desc", "start", "start_timestamp", "step",
    "ts_of_first_over_time", "ts_of_last_over_time", "ts_of_max_over_time", "ts_of_min_over_time",
})  # fmt: skip
#: lex.go's ``IsExperimentalAggregator``.
EXPERIMENTAL_AGGREGATIONS = frozenset({"limitk", "limit_ratio"})
#: Known to promql-parser once 2.42's reading registered it; unknown to Prometheus 3.
REMOVED_FUNCTIONS = {"holt_winters": "double_exponential_smoothing"}

#: Functions promql-parser lets take a number (a scalar) where Prometheus wants a vector.
_ALWAYS = sorted(REMOVED_FUNCTIONS.keys() | TAKE_INF)
_ALL_GATE = re.compile(r"\b(?:" + "|".join(sorted(EXPERIMENTAL_FUNCTION_NAMES | EXPERIMENTAL_AGGREGATIONS) + _ALWAYS) + r")\s*\(")
_ALWAYS_GATE = re.compile(r"\b(?:" + "|".join(_ALWAYS) + r")\s*\(")
_ENABLE = (
    f"experimental in Prometheus 3: it needs --enable-feature={EXPERIMENTAL_FUNCTIONS} "
    f'(then list it in pyproject.toml: [tool.oac] prometheus-features = ["{EXPERIMENTAL_FUNCTIONS}"])'
)


def v3_syntax(expr: str, ast: Any, target: PrometheusTarget) -> str | None:
    """What in ``expr`` (parsed by promql-parser as ``ast``) Prometheus ``target``
    (3.x) refuses, as a message; None when nothing."""
    gate = _ALWAYS_GATE if target.experimental_functions else _ALL_GATE
    if gate.search(expr) is None:
        return None
    import promql_parser

    found: list[str] = []

    def visit(node: Any) -> bool:
        kind = type(node).__name__
        if kind == "Call":
            name = str(node.func.name)
            if name in REMOVED_FUNCTIONS:
                found.append(removed(name))
                return False
            if name in TAKE_INF and node.args and is_number(node.args[0]):
                found.append(f'expected type instant vector in call to function "{name}", got scalar')
                return False
            if name in EXPERIMENTAL_FUNCTION_NAMES and not target.experimental_functions:
                found.append(f'function "{name}" is not enabled: {_ENABLE}')
                return False
        elif kind == "AggregateExpr" and not target.experimental_functions:
            op = str(node.op)
            if op in EXPERIMENTAL_AGGREGATIONS:
                found.append(f"{op}() is not enabled: {_ENABLE}")
                return False
        return True

    promql_parser.walk(ast, visit)
    return found[0] if found else None


def removed(name: str) -> str:
    """Prometheus 3's error for a function it no longer has."""
    return f'unknown function with name "{name}" (Prometheus 3 renamed it {REMOVED_FUNCTIONS[name]})'
