"""The metrics catalog: what each service exposes, so checks can reason about types,
labels, units and histogram buckets offline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from obs_as_code.model.base import Definition

MetricType = Literal["counter", "gauge", "histogram", "summary", "info", "unknown"]


@dataclass
class Metric(Definition):
    """One metric family as exposed (``name`` without ``_bucket``/``_sum``/``_count``).

    ``unit`` is free text from a small vocabulary (``seconds``, ``bytes``,
    ``dollars``, ``ratio``, ``requests``...); ``jobs`` are the scrape jobs exposing it.
    """

    name: str
    type: MetricType
    labels: Sequence[str] = ()
    unit: str | None = None
    help: str = ""
    buckets: Sequence[float] = ()
    jobs: Sequence[str] = ()

    kind: ClassVar[str] = "metric"

    def key(self) -> str:
        return self.name


@dataclass
class MetricsCatalog(Definition):
    """A set of metrics; a project may declare several (they are merged)."""

    metrics: Sequence[Metric]
    name: str = "catalog"

    top_level: ClassVar[bool] = True
    kind: ClassVar[str] = "metrics catalog"

    def key(self) -> str:
        return self.name

    def get(self, name: str) -> Metric | None:
        """The metric family of a series name (``x_bucket`` finds histogram ``x``)."""
        for metric in self.metrics:
            if metric.name == name:
                return metric
        for suffix in ("_bucket", "_sum", "_count", "_total", "_created"):
            if name.endswith(suffix):
                base = name[: -len(suffix)]
                for metric in self.metrics:
                    if metric.name == base:
                        return metric
        return None
