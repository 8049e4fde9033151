"""OAC302: a panel's Prometheus query that is not valid PromQL (Grafana variables
such as ``$__rate_interval`` or ``$job`` are allowed). An empty query is a warning:
Grafana does not run it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._dashboards import panel_title, promql_targets, rendered

#: What only LogQL has: a line filter after a stream selector (``} |= "x"``,
#: ``} != "x"``, ``|~``, ``!~``) or a parser / formatting stage (``| json``).
_LOGQL = re.compile(
    r"\}\s*(?:\|[=~]|![=~]\s*[\"`])|\|[=~]\s*[\"`]"
    r"|\|\s*(?:json|logfmt|pattern|regexp|unpack|line_format|label_format|decolorize|drop|keep|unwrap)\b"
)

#: The hint for a LogQL query in a Prometheus target.
LOGQL_HINT = (
    "this is LogQL, a Loki query, in a target Grafana sends to Prometheus: write it with "
    "k.loki(...) (the declared Loki datasource) or give the target a Loki datasource"
)


def looks_like_logql(expr: str) -> bool:
    """Whether ``expr`` (which did not parse as PromQL) has a LogQL line filter or
    pipeline stage: the author meant a Loki target."""
    return _LOGQL.search(expr) is not None


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    panel_tree = ctx.panel_tree
    known = ctx._panel_trees  # what panel_tree() returns first, without a call per target
    for board in rendered(ctx):
        for t in promql_targets(board):
            expr = t.expr
            if not expr and t.data.get("hide") is True:
                continue
            raw = t.data.get("expr")
            if not expr.strip() and (raw is None or isinstance(raw, str)):
                # Grafana's Prometheus datasource sends no query without expr (its
                # filterQuery drops it as it drops a hidden one): the panel works,
                # the target is a leftover.
                yield warning(
                    t.location,
                    "OAC302",
                    f"query {t.data.get('refId') or '?'} of panel {panel_title(t.panel)!r} of dashboard "
                    f"{board.title!r} is empty: Grafana does not run it",
                    hint="remove the empty target, or write its query",
                )
                continue
            if not expr and raw is not None and not isinstance(raw, str):
                # Read as "" by the walk: say what it is rather than "empty expression".
                yield error(
                    t.location,
                    "OAC302",
                    f"query of panel {panel_title(t.panel)!r} of dashboard {board.title!r} must be "
                    f"a string of PromQL, not {type(raw).__name__} ({raw!r})",
                )
                continue
            _tree, problem = known.get(expr) or panel_tree(expr)
            if problem is not None:
                yield error(
                    t.location,
                    "OAC302",
                    f"invalid PromQL in panel {panel_title(t.panel)!r} of dashboard {board.title!r}: "
                    f"{problem}: {t.expr if len(t.expr) <= 200 else t.expr[:200] + ' ...'}",
                    hint=LOGQL_HINT if looks_like_logql(expr) else None,
                )


CHECK = Check("OAC302", "panel-query-syntax", "every panel query must parse as PromQL", run)
