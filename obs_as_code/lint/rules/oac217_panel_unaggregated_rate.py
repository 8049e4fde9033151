"""OAC217: a dashboard panel graphs rate() of every series, without aggregating.

Only for panel queries the dashboard checks do not read: a dashboard file that
cannot be rendered as the build renders one (OAC309). Every other dashboard, the
project's and the files ``oac lint`` is given, gets OAC301 instead."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._promql import call_name, diag, metrics_text, parsed, with_parents
from obs_as_code.lint.types import is_a

CODE = "OAC217"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for q, root in parsed(ctx, ("panel",)):
        if q.in_project or (q.source is not None and q.source.board is not None):
            # The project's dashboards, and the dashboard files rendered as the
            # build would, get OAC301 for the same thing (as the build will say
            # once the file is imported): one finding, not two.
            continue
        for node, parents in with_parents(root):
            name = call_name(node)
            if name not in ("rate", "irate", "increase"):
                continue
            if any(is_a(p, "AggregateExpr") or call_name(p) in ("histogram_quantile", "label_replace", "label_join") for p in parents):
                continue
            t = ctx.type_of(node)
            yield diag(
                ctx.locate(q, node),
                CODE,
                f"{q.what} graphs {name}() of {metrics_text(t.metrics)} without aggregating: one line per series (instance, pod, status...)",
                Severity.WARNING,
                f"aggregate to what the panel shows: sum by (job) ({name}(...))",
            )
            break  # one finding per query


CHECK = Check(CODE, "panel-unaggregated-rate", "dashboard panels aggregate rates", run, Severity.WARNING, lint_only=True)
