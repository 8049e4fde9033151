"""What the synthetic exporter serves: per-series behaviour declared as data.

A scenario declares signals (a counter growing at a rate, a gauge at a value,
a histogram receiving observations of one value at a rate); the
:class:`Simulator` integrates them over wall-clock time, so rates seen by
Prometheus equal the declared ones.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

LabelSet = tuple[tuple[str, str], ...]


def labelset(labels: Mapping[str, str]) -> LabelSet:
    """Labels as a sorted, hashable tuple."""
    return tuple(sorted(labels.items()))


@dataclass(frozen=True)
class Rate:
    """A counter growing by ``per_second``."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)
    per_second: float = 0.0
    job: str | None = None

    kind = "counter"


@dataclass(frozen=True)
class Value:
    """A gauge holding ``value``."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)
    value: float = 0.0
    job: str | None = None

    kind = "gauge"


@dataclass(frozen=True)
class Observe:
    """A histogram observing ``value`` (seconds, bytes ...) ``per_second`` times."""

    metric: str
    labels: Mapping[str, str] = field(default_factory=dict)
    per_second: float = 0.0
    value: float = 0.0
    job: str | None = None

    kind = "histogram"


Signal = Rate | Value | Observe


def signal_key(signal: Signal) -> tuple[str, LabelSet]:
    """Identity of the series a signal drives: metric name and labels."""
    return signal.metric, labelset(signal.labels)


@dataclass(frozen=True)
class Traffic:
    """A set of signals, one per series; later signals override earlier ones."""

    signals: tuple[Signal, ...] = ()

    @staticmethod
    def of(*groups: Iterable[Signal]) -> Traffic:
        """Traffic from groups of signals, merged left to right."""
        merged: dict[tuple[str, LabelSet], Signal] = {}
        for group in groups:
            for signal in group:
                merged[signal_key(signal)] = signal
        return Traffic(tuple(merged.values()))

    def override(self, *signals: Signal) -> Traffic:
        """This traffic with ``signals`` replacing the series they name (or added)."""
        return Traffic.of(self.signals, signals)

    def keys(self) -> set[tuple[str, LabelSet]]:
        """The series this traffic drives."""
        return {signal_key(s) for s in self.signals}


@dataclass
class _Hist:
    buckets: list[float]
    counts: list[float]
    total: float = 0.0
    count: float = 0.0


@dataclass
class Sample:
    """One exposed series value at collection time."""

    metric: str
    kind: str
    labels: LabelSet
    value: float = 0.0
    #: Histogram only: ``(upper bound, cumulative count)`` ending with ``+Inf``.
    buckets: list[tuple[float, float]] = field(default_factory=list)
    total: float = 0.0
    count: float = 0.0


class Simulator:
    """Integrates signals over time; thread-safe, switchable while running.

    ``bucket_bounds`` gives a histogram metric's bucket upper bounds (from the
    catalog); ``clock`` is injectable for tests.
    """

    def __init__(
        self,
        traffic: Traffic,
        bucket_bounds: Callable[[str], tuple[float, ...]],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._traffic = traffic
        self._bounds = bucket_bounds
        self._clock = clock
        self._last = clock()
        self._counters: dict[tuple[str, LabelSet], float] = {}
        self._hists: dict[tuple[str, LabelSet], _Hist] = {}
        self._lock = threading.Lock()
        # Per signal of the traffic in force, computed once and not on every scrape
        # (eight jobs of eleven runs scrape a simulator each second, all of them in
        # the test process): its series key, and the job each ``job_of`` gives it.
        self._keys = [signal_key(s) for s in traffic.signals]
        self._jobs: dict[Callable[[Signal], str], list[str]] = {}

    @property
    def traffic(self) -> Traffic:
        """The signals in force now."""
        return self._traffic

    def switch(self, traffic: Traffic) -> None:
        """From now on, follow ``traffic`` (counters keep their totals)."""
        with self._lock:
            self._advance()
            self._traffic = traffic
            self._keys = [signal_key(s) for s in traffic.signals]
            self._jobs = {}

    def _advance(self) -> None:
        now = self._clock()
        dt = max(0.0, now - self._last)
        self._last = now
        for signal, key in zip(self._traffic.signals, self._keys, strict=True):
            if isinstance(signal, Rate):
                self._counters[key] = self._counters.get(key, 0.0) + signal.per_second * dt
            elif isinstance(signal, Observe):
                hist = self._hists.get(key)
                if hist is None:
                    bounds = sorted(self._bounds(signal.metric))
                    hist = self._hists[key] = _Hist(bounds, [0.0] * len(bounds))
                n = signal.per_second * dt
                for i, bound in enumerate(hist.buckets):
                    if signal.value <= bound:
                        hist.counts[i] += n
                hist.count += n
                hist.total += n * signal.value

    def collect(self, job: str | None = None, job_of: Callable[[Signal], str] | None = None) -> list[Sample]:
        """Current values of every series (of ``job`` when given), sorted."""
        with self._lock:
            self._advance()
            out: list[Sample] = []
            jobs: list[str] | None = None
            if job is not None and job_of is not None:
                jobs = self._jobs.get(job_of)
                if jobs is None:
                    jobs = self._jobs[job_of] = [job_of(s) for s in self._traffic.signals]
            for i, (signal, key) in enumerate(zip(self._traffic.signals, self._keys, strict=True)):
                if jobs is not None and jobs[i] != job:
                    continue
                if isinstance(signal, Value):
                    out.append(Sample(signal.metric, "gauge", key[1], value=signal.value))
                elif isinstance(signal, Rate):
                    out.append(Sample(signal.metric, "counter", key[1], value=self._counters.get(key, 0.0)))
                else:
                    hist = self._hists.get(key)
                    if hist is None:
                        bounds = sorted(self._bounds(signal.metric))
                        hist = self._hists[key] = _Hist(bounds, [0.0] * len(bounds))
                    buckets = [*zip(hist.buckets, hist.counts, strict=True), (math.inf, hist.count)]
                    out.append(
                        Sample(signal.metric, "histogram", key[1], buckets=buckets,
                               total=hist.total, count=hist.count)
                    )
            return sorted(out, key=lambda s: (s.metric, s.labels))
