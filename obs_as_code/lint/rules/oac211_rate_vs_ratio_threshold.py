"""OAC211: an absolute error rate compared with a ratio threshold."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import diag, metrics_text, parsed
from obs_as_code.lint.types import (
    INCREASE,
    RATE,
    comparison_parts,
    constant_side,
    strip,
)
from obs_as_code.model.rules import AlertRule

CODE = "OAC211"
_RATIO_WORDS = re.compile(r"\b(?:ratios?|percent|percentage|proportion|fraction)\b|\d\s*%|% of", re.IGNORECASE)


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root in parsed(ctx, ("alert",)):
        rule = q.rule
        if not isinstance(rule, AlertRule):
            continue
        parts = comparison_parts(root)
        if parts is None:
            continue
        lhs, op, rhs = parts
        # The threshold's value, also when written as arithmetic (5 / 100, 1 - 0.95),
        # on either side (0.05 < x reads x > 0.05).
        found = constant_side(ctx.type_of(lhs), op, ctx.type_of(rhs))
        if found is None:
            continue
        on_right, op, threshold = found
        vec = lhs if on_right else rhs
        if op in ("==", "!=") or not 0 < threshold < 1:
            continue
        t = ctx.type_of(vec)
        if t.kind not in (RATE, INCREASE) or t.unit in ("ratio", "percent", "seconds", "s/s"):
            continue  # time spent per second (CPU, GC, disk busy) is a fraction already
        said = " ".join([rule.name, str(rule.annotations.get("summary", "")), str(rule.annotations.get("description", ""))])
        # CamelCase names: "HighErrorRatio" says ratio too.
        words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", said)
        if not _RATIO_WORDS.search(words):
            continue
        yield diag(
            ctx.locate(q, strip(vec)),
            CODE,
            f"alert {rule.name!r} talks about a ratio but compares the absolute {'per-second rate' if t.kind == RATE else 'increase'} of {metrics_text(t.metrics)} with {threshold:g}",
            Severity.ERROR,
            # Below a ratio: too few successes, the mirror of too many errors.
            "divide by the rate of all requests: sum(rate(errors[5m])) / sum(rate(requests[5m])) > 0.05"
            if op in (">", ">=")
            else "divide by the rate of all requests: sum(rate(ok[5m])) / sum(rate(requests[5m])) < 0.95",
        )


CHECK = Check(CODE, "rate-vs-ratio-threshold", "a ratio threshold needs a ratio, not an absolute rate", run)
