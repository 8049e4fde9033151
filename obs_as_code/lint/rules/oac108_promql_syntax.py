"""OAC108: a rule expression that is not valid PromQL."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.rules import RecordingRule
from obs_as_code.model.tests import ExprExpectation, RuleTest, Series
from obs_as_code.source import keyword_location

METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for group, rule in ctx.rules():
        # The shape-cached tree: same verdict as parsing the exact text, parsed
        # once per shape on large rule sets.
        _ast, problem = ctx.tree(rule.expr)
        if problem is not None:
            yield error(
                keyword_location(rule.location, "expr"),
                "OAC108",
                f"invalid PromQL in {rule.kind} {rule.name!r} (group {group.name!r}): {problem}",
            )
        if isinstance(rule, RecordingRule) and not METRIC_NAME.match(rule.name):
            yield error(
                keyword_location(rule.location, "name"),
                "OAC108",
                f"recording rule name {rule.name!r} is not a valid metric name",
            )
        if not rule.name:
            yield error(rule.location, "OAC108", f"{rule.kind} without a name in group {group.name!r}")

    yield from _unit_tests(ctx)


def _unit_tests(ctx: LintContext) -> Iterator[Diagnostic]:
    """The PromQL of alert unit tests: promtool stops at the first bad input series
    or expression of a test file, and names neither the test nor the line (its
    message reads as part of the previous test's failure)."""
    for test in ctx.project.all(RuleTest):
        for series in test.series:
            if not isinstance(series, Series) or not isinstance(series.series, str):
                continue
            ast, problem = ctx.parse(series.series)
            if problem is None and type(ast).__name__ != "VectorSelector":
                problem = "an input series is a metric name with labels, such as up{job=\"api\"}"
            if problem is not None:
                yield error(
                    keyword_location(series.location, "series"),
                    "OAC108",
                    f"invalid input series {series.series!r} in rule test {test.name!r}: {problem}",
                )
        for expectation in test.exprs:
            if not isinstance(expectation, ExprExpectation) or not isinstance(expectation.expr, str):
                continue
            _ast, problem = ctx.parse(expectation.expr)
            if problem is not None:
                yield error(
                    keyword_location(expectation.location, "expr"),
                    "OAC108",
                    f"invalid PromQL in rule test {test.name!r}: {problem}",
                )


CHECK = Check("OAC108", "promql-syntax", "rule expressions must parse as PromQL", run)
