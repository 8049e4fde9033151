"""OAC205: a range window too short for the scrape interval of the metric's job."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser as pp

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import Hit, call_name, per_tree
from obs_as_code.lint.types import is_a, nodes, selector_matchers, selector_name

CODE = "OAC205"
_FUNCS = ("rate", "irate", "increase", "delta", "idelta", "deriv", "predict_linear", "resets", "changes")
_KEYS = tuple(f"Call:{f}" for f in _FUNCS)


def _fmt(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g}m"
    return f"{seconds:g}s"


def _interval(ctx: LintContext, vs: Any) -> tuple[float, str] | None:
    # Kept on the (shared) node: queries of one shape ask once.
    memo = getattr(vs, "_attrs", None)
    if memo is not None and "__interval" in memo:
        found: tuple[float, str] | None = memo["__interval"]
        return found
    found = _find_interval(ctx, vs)
    if memo is not None:
        memo["__interval"] = found
    return found


def _find_interval(ctx: LintContext, vs: Any) -> tuple[float, str] | None:
    jobs = [v for label, op, v in selector_matchers(vs) if label == "job" and op == "="]
    name = selector_name(vs)
    index = ctx.index
    if not jobs and name is not None and index is not None:
        found = index.family(name)
        if found is not None:
            jobs = list(found[0].jobs)
    candidates = [(ctx.scrape_interval(j), f"job {j!r}") for j in jobs]
    known = [(s, why) for s, why in candidates if s is not None]
    if known:
        return max(known)
    default = ctx.scrape_interval(None)
    return (default, "the global scrape interval") if default is not None else None


def find(ctx: LintContext, root: Any) -> list[Hit]:
    """The findings in one tree (shared by the queries of its shape: ``job``
    matchers naming a scrape job are part of the shape)."""
    out: list[Hit] = []
    for node in nodes(root, *_KEYS):
        matrix = next((a for a in node.args if is_a(a, "MatrixSelector")), None)
        if matrix is None:
            continue
        found = _interval(ctx, matrix.vector_selector)
        if found is None:
            continue
        interval, why = found
        window = matrix.range.total_seconds()
        if window >= 4 * interval:
            continue
        severity = Severity.ERROR if window < 2 * interval else Severity.WARNING
        effect = "it may hold fewer than two samples, and then the result is empty" if severity is Severity.ERROR else "one missed scrape leaves too few samples"
        out.append(
            Hit(
                matrix,
                f"{call_name(node)}() window [{pp.display_duration(matrix.range)}] in ",
                f" is shorter than 4x the {_fmt(interval)} scrape interval ({why}): {effect}",
                severity,
                f"use at least [{_fmt(4 * interval)}]",
            )
        )
    return out


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, hit in per_tree(ctx, find):
        yield hit.diagnostic(ctx, q, CODE)


CHECK = Check(CODE, "range-window", "range windows cover at least four scrape intervals", run)
