"""SLOs as Python: spec (:mod:`.model`) -> windows table (:mod:`.windows`) ->
rules and dashboards (:mod:`.generate`, :mod:`.dashboard`), as Sloth does."""

from obs_as_code.slo.model import (
    SLO,
    Alerting,
    AlertOptions,
    CapacityObjective,
    LatencySLI,
    RatioSLI,
    RawSLI,
    RuleIntervals,
)

__all__ = ["SLO", "AlertOptions", "Alerting", "CapacityObjective", "LatencySLI", "RatioSLI", "RawSLI", "RuleIntervals"]
