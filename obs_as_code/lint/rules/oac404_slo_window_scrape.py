"""OAC404: an SLO window shorter than four scrape intervals of the jobs it reads."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.durations import DurationError, format_ms, parse_ms
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.lint.rules.oac402_slo_latency_bucket import find_metric
from obs_as_code.model.prometheus import PrometheusConfig, ScrapeJob
from obs_as_code.slo.generate import resolve_windows, sli_template
from obs_as_code.slo.model import SLO, LatencySLI
from obs_as_code.slo.queries import jobs, metric_names
from obs_as_code.slo.windows import AlertWindows
from obs_as_code.source import keyword_location

#: Prometheus' own default when no config sets one.
DEFAULT_SCRAPE_MS = 60_000
MIN_SCRAPES = 4


def _ms(value: object, fallback: int) -> int:
    try:
        return parse_ms(value)  # type: ignore[arg-type]
    except DurationError:
        return fallback


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    configs = ctx.project.all(PrometheusConfig)
    default = _ms(configs[0].scrape_interval, DEFAULT_SCRAPE_MS) if configs else DEFAULT_SCRAPE_MS
    by_job = {j.name: j for j in ctx.project.all(ScrapeJob)}
    for slo in ctx.project.all(SLO):
        table = resolve_windows(slo, ctx.project.root)
        template = sli_template(slo)
        if not isinstance(table, AlertWindows) or not isinstance(template, str):
            continue  # OAC405 already said why
        names = jobs([template])
        if not names:
            metrics = metric_names([template])
            if isinstance(slo.sli, LatencySLI):
                metrics.add(slo.sli.metric)
            for metric in metrics:
                found = find_metric(ctx, metric)
                if found is not None:
                    names.update(found.jobs)
        intervals = {n: _ms(by_job[n].scrape_interval, default) if by_job[n].scrape_interval is not None else default for n in names if n in by_job}
        if not intervals:
            intervals = {"(global)": default}
        job, slowest = max(intervals.items(), key=lambda kv: kv[1])
        shortest = table.shortest_ms
        if shortest < MIN_SCRAPES * slowest:
            yield error(
                keyword_location(slo.location, "period"),
                "OAC404",
                f"SLO {slo.id!r}: its {format_ms(shortest)} window holds fewer than {MIN_SCRAPES} scrapes of "
                f"job {job!r} (scrape_interval {format_ms(slowest)})",
                hint=f"rate() over fewer than {MIN_SCRAPES} samples is noisy or empty: scrape the job at least "
                f"every {format_ms(shortest // MIN_SCRAPES)}, or use a windows table whose shortest window "
                f"is at least {format_ms(MIN_SCRAPES * slowest)}",
            )


CHECK = Check("OAC404", "slo-window-scrape", "every SLO window must hold at least four scrapes of the jobs it reads", run)
