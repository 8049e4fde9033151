"""OAC505: a rule over a metric that no scrape job of the project exposes."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, Severity, warning
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules._crossref import selectors
from obs_as_code.model.prometheus import ScrapeJob
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    jobs = {j.name for j in ctx.project.all(ScrapeJob)}
    # The catalogs given to the lint (``oac lint --catalog``: a LoadedCatalog, or
    # a list) first, then the project's; a series by its family (_bucket, _total ...).
    index = ctx.index
    if not jobs or index is None:
        return
    recorded = ctx.recorded()
    for _group, rule in ctx.rules():
        ast, err = ctx.parse(rule.expr)
        if err is not None:
            continue  # OAC108 reports it
        reported: set[str] = set()
        for name, eq in selectors(ast):
            found = index.family(name)
            if name in recorded or found is None or name in reported:
                continue
            metric = found[0]
            if not metric.jobs:
                continue
            exposing = [j for j in metric.jobs if j in jobs]
            wanted_job = eq.get("job")
            if exposing and (wanted_job is None or wanted_job in exposing):
                continue
            reported.add(name)
            if exposing:
                message = (
                    f"{name} is selected with job=\"{wanted_job}\", but only "
                    f"{', '.join(exposing)} expose it"
                )
            else:
                message = (
                    f"no scrape job exposes {name}: the catalog lists {', '.join(metric.jobs)}, "
                    f"the project scrapes {', '.join(sorted(jobs))}"
                )
            yield warning(
                keyword_location(rule.location, "expr"),
                "OAC505",
                f"{rule.kind} {rule.name}: {message}",
                hint="the rule can never see data: add the scrape job, or fix the metric or job name",
            )


CHECK = Check("OAC505", "unscraped-metric", "rules select metrics that a scrape job exposes", run, Severity.WARNING)
