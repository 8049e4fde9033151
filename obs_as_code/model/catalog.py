"""The metrics catalog: what each service exposes, so checks can reason about types,
labels, units and histogram buckets offline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

from obs_as_code.model.base import Definition, FieldValueError

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

    def __post_init__(self) -> None:
        super().__post_init__()
        problems = bucket_problems(self.buckets)
        if problems:
            fixed = ", ".join(_bound(b) for b in sorted({float(b) for b in self.buckets if not math.isnan(b) and b != math.inf}))
            raise FieldValueError(
                f"Metric {self.name!r} buckets must be increasing bounds without NaN or +Inf, as client libraries "
                f"take them (they add the +Inf bucket themselves): {'; '.join(problems)}: write buckets=[{fixed}]",
                "buckets",
            )

    def key(self) -> str:
        return self.name


def _bound(value: float) -> str:
    """A bound as a Python literal (``0.5``, ``1``, ``-inf``)."""
    if math.isinf(value):
        return "-math.inf" if value < 0 else "math.inf"
    return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)


#: Problems a message names one by one; more are counted.
_SHOWN_PROBLEMS = 4


def bucket_problems(buckets: Sequence[float]) -> list[str]:
    """Why a client library would refuse ``buckets`` as a histogram's bounds, or
    what the catalog must not list: NaN, +Inf (every histogram's last bucket,
    added by the client), a bound not above the one before it (duplicated or
    unsorted: the Go client panics, the Python client raises). Empty: none."""
    problems: list[str] = []
    seen: set[float] = set()
    highest = -math.inf
    for i, raw in enumerate(buckets):
        value = float(raw)
        if math.isnan(value):
            problems.append(f"buckets[{i}] is NaN")
        elif value == math.inf:
            problems.append(f"buckets[{i}] is +Inf")
        elif value in seen:
            problems.append(f"buckets[{i}] repeats {_bound(value)}")
        elif value < highest:
            problems.append(f"buckets[{i}] = {_bound(value)} comes after {_bound(highest)}")
        if not math.isnan(value) and value != math.inf:
            seen.add(value)
            highest = max(highest, value)
    if len(problems) > _SHOWN_PROBLEMS:
        problems[_SHOWN_PROBLEMS:] = [f"and {len(problems) - _SHOWN_PROBLEMS} more"]
    return problems


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
