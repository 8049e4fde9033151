"""OAC107: two scrape jobs with the same name; two Prometheus configs."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.prometheus import PrometheusConfig, ScrapeJob
from obs_as_code.source import keyword_location


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    first: dict[str, ScrapeJob] = {}
    for job in ctx.project.all(ScrapeJob):
        if job.name in first:
            yield error(
                job.location,
                "OAC107",
                f"duplicate scrape job name {job.name!r} (first at {first[job.name].location})",
            )
        else:
            first[job.name] = job
        if job.name and not job.name.strip():
            # promtool accepts it (OAC115 has the empty name it refuses); every
            # series of the job would carry a blank job label.
            yield error(keyword_location(job.location, "name"), "OAC107", f"scrape job name {job.name!r} is blank")
        if not job.targets and not job.static_configs and not job.extra:
            yield error(job.location, "OAC107", f"scrape job {job.name!r} has no targets")
    configs = ctx.project.all(PrometheusConfig)
    for extra in configs[1:]:
        yield error(
            extra.location,
            "OAC107",
            f"a second PrometheusConfig (first at {configs[0].location}): declare it once",
        )


CHECK = Check("OAC107", "duplicate-job", "scrape job names and the Prometheus config must be unique, job names not blank", run)
