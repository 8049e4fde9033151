"""OAC402: a latency SLI whose threshold is not a bucket bound of its histogram."""

from __future__ import annotations

from collections.abc import Iterator

from obs_as_code.diagnostics import Diagnostic, error
from obs_as_code.lint.engine import Check, LintContext
from obs_as_code.model.catalog import Metric, MetricsCatalog
from obs_as_code.slo.model import SLO, LatencySLI, format_le
from obs_as_code.source import keyword_location


def find_metric(ctx: LintContext, name: str) -> Metric | None:
    """The metric family ``name`` in any of the project's catalogs."""
    for catalog in ctx.project.all(MetricsCatalog):
        found = catalog.get(name)
        if found is not None:
            return found
    return None


def run(ctx: LintContext) -> Iterator[Diagnostic]:
    for slo in ctx.project.all(SLO):
        sli = slo.sli
        if not isinstance(sli, LatencySLI):
            continue
        metric = find_metric(ctx, sli.metric)
        where = keyword_location(sli.location, "threshold")
        if sli.le is not None:
            try:
                matches = float(sli.le) == float(sli.threshold)
            except ValueError:
                matches = False
            if not matches:
                yield error(keyword_location(sli.location, "le"), "OAC402", f"SLO {slo.id!r}: le={sli.le!r} is not the threshold {sli.threshold!r}")
        if metric is None:
            continue  # no catalog entry: nothing to check against
        if metric.type != "histogram":
            yield error(
                keyword_location(sli.location, "metric"),
                "OAC402",
                f"SLO {slo.id!r}: {sli.metric} is a {metric.type} in the catalog, not a histogram",
            )
            continue
        if not metric.buckets:
            continue
        known = {float(b) for b in metric.buckets}
        if float(sli.threshold) not in known:
            bounds = ", ".join(format_le(float(b)) for b in metric.buckets)
            # 500 for 500 ms on a _seconds histogram (or 0.5 on a _milliseconds one).
            seconds, millis = sli.metric.endswith("_seconds"), sli.metric.endswith("_milliseconds")
            scaled = float(sli.threshold) / 1000 if seconds else float(sli.threshold) * 1000 if millis else None
            unit = "seconds" if seconds else "milliseconds"
            yield error(
                where,
                "OAC402",
                f"SLO {slo.id!r}: threshold {sli.threshold!r} is not a bucket bound of {sli.metric} ({bounds})",
                hint=f"the histogram counts {unit}: write threshold={format_le(scaled)}"
                if scaled is not None and scaled in known
                else "a latency SLI counts the requests in the bucket le=threshold, so the threshold must "
                "be one of the histogram's bounds: pick one, or add the bound to the histogram",
            )


CHECK = Check("OAC402", "slo-latency-bucket", "latency SLO thresholds must be bucket bounds of the catalog histogram", run)
