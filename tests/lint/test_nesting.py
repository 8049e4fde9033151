"""`engine.nesting`: an upper bound of a PromQL syntax tree's depth, read without
parsing, so that expressions too deep for the parser and the checks are refused
before either runs."""

from __future__ import annotations

from typing import Any

import promql_parser
from hypothesis import given, settings
from hypothesis import strategies as st

from obs_as_code.lint.engine import MAX_NESTING, nesting, parse_promql

_CHILDREN = ("lhs", "rhs", "expr", "args", "param")


def _depth(node: Any) -> int:
    """The depth of a promql-parser tree (1 for a leaf), iteratively."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        for name in _CHILDREN:
            child = getattr(current, name, None)
            if child is None:
                continue
            for item in child if isinstance(child, list) else [child]:
                if type(item).__module__ == "promql_parser" and not isinstance(item, (str, int, float)):
                    stack.append((item, level + 1))
    return deepest


_LEAVES = st.sampled_from(['up', 'x_total{job="a", code=~"5.."}', "1", 'rate(x_total{a!="b"}[5m])', '"s"'])


def _expressions() -> st.SearchStrategy[str]:
    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        binary = st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "or", "and", "unless", ">", "==", "!=", "^"]), inner)
        return st.one_of(
            binary.map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
            inner.map(lambda e: f"({e})"),
            inner.map(lambda e: f"sum by (job) ({e})"),
            inner.map(lambda e: f"-{e}"),
            inner.map(lambda e: f"abs({e})"),
        )

    return st.recursive(_LEAVES, extend, max_leaves=40)


@settings(max_examples=200, deadline=None)
@given(_expressions())
def test_nesting_bounds_the_tree_depth(expr: str) -> None:
    try:
        ast = promql_parser.parse(expr)
    except ValueError:
        return  # not valid PromQL (a string operand ...): nothing to bound
    assert nesting(expr) + 1 >= _depth(ast)


def test_strings_and_matchers_do_not_count() -> None:
    assert nesting('x{a="(((", b!="or and", c=~"-+*"}') == 1
    assert nesting("a or b or c") == 2


def test_too_deep_is_refused_before_parsing() -> None:
    _ast, problem = parse_promql(" or ".join(["up"] * (MAX_NESTING + 2)))
    assert problem is not None and "split it into recording rules" in problem
    ast, problem = parse_promql(" or ".join(["up"] * MAX_NESTING))
    assert problem is None and ast is not None
