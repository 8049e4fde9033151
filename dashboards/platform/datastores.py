"""Cache and datastores: cache hit ratio and size, Valkey and FalkorDB availability."""

from dashboards._common import TAG, standard_annotations, standard_links, standard_variables
from obs_as_code.dashboards import kit as k

_SEL = 'cache_type=~"$cache_type"'
_HITS = "opencode_cache_hits_total"
_MISSES = "opencode_cache_misses_total"


def _hit_ratio(by: list[str]) -> str:
    hits, misses = k.rate(_HITS, _SEL, by=by), k.rate(_MISSES, _SEL, by=by)
    # A cache that has never missed (or never hit) has no series for that side, and
    # "hits + misses" would be empty: the absent side counts as 0 (100 % or 0 %, not "No data").
    return k.ratio(f"{hits} or {misses} * 0", f"{hits} + {misses} or {hits} or {misses}")


cache_and_datastores = k.dashboard(
    "Cache and datastores",
    [
        k.row("Cache", [
            k.stat("Hit ratio", k.prom(_hit_ratio([])), unit=k.PERCENTUNIT,
                   thresholds=k.thresholds((None, "red"), (0.5, "orange"), (0.8, "green"))),
            k.stat("Cache size", k.prom(f"sum(opencode_cache_size_bytes{{{_SEL}}})"), unit=k.BYTES),
            k.stat("Valkey up", k.prom('min(up{job="valkey"})'), unit=k.NONE,
                   thresholds=k.thresholds((None, "red"), (1, "green"))),
            k.stat("FalkorDB up", k.prom('min(up{job="falkordb"})'), unit=k.NONE,
                   thresholds=k.thresholds((None, "red"), (1, "green"))),
            k.timeseries("Hit ratio by cache", k.prom(_hit_ratio(["cache_type"]), "{{cache_type}}"),
                         unit=k.PERCENTUNIT, width=12, min=0, max=1),
            k.timeseries(
                "Hits and misses",
                k.prom(k.rate(_HITS, _SEL, by=["cache_type"]), "{{cache_type}} hits"),
                k.prom(k.rate(_MISSES, _SEL, by=["cache_type"]), "{{cache_type}} misses"),
                unit=k.OPS, width=12,
            ),
            k.timeseries("Cache size by cache", k.prom(f"sum by (cache_type) (opencode_cache_size_bytes{{{_SEL}}})",
                                                       "{{cache_type}}"), unit=k.BYTES, width=24),
        ]),
        k.row("Datastores", [
            k.timeseries("Datastore targets up", k.prom('sum by (job, instance) (up{job=~"valkey|falkordb"})',
                                                        "{{job}} {{instance}}"), unit=k.NONE, width=24, min=0),
        ]),
    ],
    description="Cache effectiveness of opencode and the health of Valkey and FalkorDB.",
    tags=[TAG, "datastores"],
    variables=[
        *standard_variables(),
        k.query_var("cache_type", f"label_values({_HITS}, cache_type)", label="Cache", multi=True, include_all=True),
    ],
    annotations=standard_annotations(),
    links=standard_links(),
)
