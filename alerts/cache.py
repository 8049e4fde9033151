"""Alerts on the response cache (valkey)."""

from alerts._lib import runbook
from obs_as_code import AlertRule, RuleGroup

cache = RuleGroup(
    name="opencode-cache",
    rules=[
        AlertRule(
            name="OpencodeCacheLowHitRatio",
            expr=(
                "sum by (cache_type) (rate(opencode_cache_hits_total[10m]))\n"
                "/\n"
                "(\n"
                "  sum by (cache_type) (rate(opencode_cache_hits_total[10m]))\n"
                "  +\n"
                "  sum by (cache_type) (rate(opencode_cache_misses_total[10m]))\n"
                ")\n"
                "< 0.5"
            ),
            for_="15m",
            labels={"severity": "info", "service": "opencode-api", "team": "api"},
            annotations={
                "summary": "Cache {{ $labels.cache_type }} hit ratio is low",
                "description": (
                    "Only {{ $value | humanizePercentage }} of {{ $labels.cache_type }} lookups hit "
                    "the cache over the last 10 minutes (threshold 50%)."
                ),
                "runbook_url": runbook("cache", "OpencodeCacheLowHitRatio"),
            },
        ),
    ],
)
