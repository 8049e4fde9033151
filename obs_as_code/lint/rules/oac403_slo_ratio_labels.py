"""OAC403: a ratio SLI whose two queries select different label sets."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.slo.model import SLO, RatioSLI
from obs_as_code.slo.queries import Selector, label_shape, parse_template, selectors, shapes_differ
from obs_as_code.source import keyword_location


def _fmt(labels: frozenset[str]) -> str:
    return f"by ({', '.join(sorted(labels))})" if labels else "no labels (sum without by)"


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for slo in ctx.project.all(SLO):
        sli = slo.sli
        if not isinstance(sli, RatioSLI):
            continue
        queries = sli.queries()
        part = "errors" if "errors" in queries else "good"
        if part not in queries:
            continue
        parsed = {k: parse_template(v) for k, v in queries.items()}
        if any(problem is not None for _ast, problem in parsed.values()):
            continue  # OAC405 reports the query's syntax error, at its argument
        where = keyword_location(sli.location, part)
        top, total = label_shape(parsed[part][0]), label_shape(parsed["total"][0])
        differ = shapes_differ(top, total) if top is not None and total is not None else None
        if differ is not None:
            # The division matches nothing, and "or (total) * 0" (RatioSLI.error_ratio)
            # then fills in a 0 for every total series: the SLI would read 0 (or 1
            # for good=) whatever the traffic, not "No data".
            assert top is not None and total is not None
            if top.exact is not None and total.exact is not None:
                said = f"returns {_fmt(top.exact)} but the total query {_fmt(total.exact)}"
            else:
                said = f"and the total query return different labels: {', '.join(sorted(differ))} on one side only"
            yield error(
                where,
                "OAC403",
                f"SLO {slo.id!r}: the {part} query {said}",
                hint="both sides of the ratio must aggregate to the same labels (sum by the same labels), "
                "or the division matches nothing",
            )
            continue
        ours = list(selectors(parsed[part][0]))
        theirs = list(selectors(parsed["total"][0]))
        if len(ours) != 1 or len(theirs) != 1:
            continue  # compound queries: only the result labels can be compared
        missing = _missing(ours[0], theirs[0])
        if missing:
            yield error(
                where,
                "OAC403",
                f"SLO {slo.id!r}: the {part} query {ours[0].describe()} does not keep the total query's "
                f"matchers {', '.join(missing)}: it counts events the total does not",
                hint=f"the {part} events must be a subset of the total: repeat every matcher of the total query",
            )


def _missing(sub: Selector, total: Selector) -> list[str]:
    return [f'{n}{op}"{v}"' for n, op, v in sorted(total.matchers - sub.matchers)]


CHECK = Check("OAC403", "slo-ratio-labels", "the two queries of a ratio SLI must select the same label sets", run)
