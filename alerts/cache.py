"""Alerts on the response cache (valkey)."""

from alerts._lib import runbook
from obs_as_code import AlertExpectation, AlertRule, ExpectedAlert, RuleGroup, RuleTest, Series

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


# --- unit tests (promtool test rules) -----------------------------------------

_CACHE = 'job="opencode-api", service="opencode-api", cache_type="prompt"'

cache_low_hit_ratio_fires = RuleTest(
    name="40% cache hits: low hit ratio fires",
    series=[
        Series(f"opencode_cache_hits_total{{{_CACHE}}}", "0+4x40"),
        Series(f"opencode_cache_misses_total{{{_CACHE}}}", "0+6x40"),
    ],
    alerts=[
        AlertExpectation(at="10m", alertname="OpencodeCacheLowHitRatio"),
        AlertExpectation(
            at="30m",
            alertname="OpencodeCacheLowHitRatio",
            alerts=[
                ExpectedAlert(
                    labels={"cache_type": "prompt", "service": "opencode-api", "severity": "info", "team": "api"},
                    annotations={
                        "summary": "Cache prompt hit ratio is low",
                        "description": "Only 40% of prompt lookups hit the cache over the last 10 minutes (threshold 50%).",
                        "runbook_url": runbook("cache", "OpencodeCacheLowHitRatio"),
                    },
                )
            ],
        ),
    ],
)

cache_low_hit_ratio_quiet = RuleTest(
    name="90% cache hits: no alert",
    series=[
        Series(f"opencode_cache_hits_total{{{_CACHE}}}", "0+9x40"),
        Series(f"opencode_cache_misses_total{{{_CACHE}}}", "0+1x40"),
    ],
    alerts=[AlertExpectation(at="30m", alertname="OpencodeCacheLowHitRatio")],
)
