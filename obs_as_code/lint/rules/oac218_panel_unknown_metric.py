"""OAC218: a dashboard panel queries a metric no catalog lists."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules.oac206_unknown_metric import unknown_metrics

CODE = "OAC218"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    return unknown_metrics(ctx, ("panel",), CODE)


CHECK = Check(CODE, "panel-unknown-metric", "every metric a panel queries is in the catalog", run)
